//! One asset given for another, as drafts. With fiat on one side it is one
//! buy or sale priced in that fiat. Coin for coin it is two drafts at the
//! same time — a sale of what was given and a buy of what was received —
//! each noting that they are the two legs of one trade, priced when the
//! file gives a fiat value and otherwise left unpriced for the
//! application layer to value.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::aliases::Symbol;
use super::{Draft, TxKind, is_fiat, notes};

/// Dollar stablecoins: a trade priced in one is priced in US dollars.
const USD_STABLECOINS: &[&str] = &[
    "usdt", "usdc", "busd", "fdusd", "tusd", "dai", "usdp", "pyusd",
];

pub fn is_usd_stablecoin(asset: &str) -> bool {
    USD_STABLECOINS.contains(&asset)
}

/// A side of a trade: what was given or received, and the row saying so.
#[derive(Debug, Clone)]
pub struct Leg {
    pub line: u64,
    pub symbol: Symbol,
    /// Above zero.
    pub quantity: Decimal,
}

/// A fee paid in a trade, in its own asset.
#[derive(Debug, Clone)]
pub struct Fee {
    pub symbol: Symbol,
    pub amount: Decimal,
}

/// What a dollar stablecoin is in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stables {
    /// A trade history lists trades and nothing else: no deposit brought
    /// the stablecoin it quotes in, so it counts as dollars paid or
    /// received (one draft) — a sale of it would take more than the file
    /// ever holds.
    Cash,
    /// A ledger lists every move of the stablecoin: it is a coin like any
    /// other, and a trade against it is two legs valued at one dollar.
    Coins,
}

/// What a trade's rows say besides its two sides.
pub struct Trade {
    pub time: DateTime<Utc>,
    /// The trade's key; its drafts' keys are this and a suffix.
    pub key: String,
    /// Where the file is from, for notes: "on Kraken".
    pub source: &'static str,
    pub stables: Stables,
    /// What one unit given was worth in a fiat currency, when the file says
    /// (a Coinbase Convert does).
    pub value: Option<(Decimal, String)>,
    pub fees: Vec<Fee>,
    /// The row's own words, kept on every draft.
    pub note: Option<String>,
}

/// What a trade comes to.
#[derive(Debug)]
pub enum Settled {
    Drafts(Vec<Draft>),
    /// Nothing to hold: cash for cash, a coin for itself.
    Skipped(String),
}

/// Why a trade cannot be drafts.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TradeError {
    #[error("one side of the trade is 0")]
    Empty,
    #[error("{0} and {1} are beyond what an exact decimal holds")]
    OutOfRange(Decimal, Decimal),
    #[error("a second fee in {0} (a fiat currency), besides the trade's other fees")]
    Fee(String),
}

/// `a + b`, or why not.
fn sum(a: Decimal, b: Decimal) -> Result<Decimal, TradeError> {
    a.checked_add(b).ok_or(TradeError::OutOfRange(a, b))
}

/// `a / b`, or why not.
fn ratio(a: Decimal, b: Decimal) -> Result<Decimal, TradeError> {
    a.checked_div(b)
        .map(|r| r.normalize())
        .ok_or(TradeError::OutOfRange(a, b))
}

impl Trade {
    /// `given` for `got`.
    pub fn settle(self, given: Leg, got: Leg) -> Result<Settled, TradeError> {
        if given.quantity <= Decimal::ZERO || got.quantity <= Decimal::ZERO {
            return Err(TradeError::Empty);
        }
        let (g, r) = (&given.symbol, &got.symbol);
        match (is_fiat(&g.asset), is_fiat(&r.asset)) {
            (true, true) => {
                let why = format!("{} exchanged for {}: cash", g.upper(), r.upper());
                return Ok(Settled::Skipped(why));
            }
            (true, false) => return self.priced(TxKind::Buy, &got, &given, false),
            (false, true) => return self.priced(TxKind::Sell, &given, &got, false),
            (false, false) => {}
        }
        if g.asset == r.asset && given.quantity == got.quantity {
            let why = format!(
                "{} for {}: the same coin ({}), nothing changes hands",
                g.upper(),
                r.upper(),
                g.asset.to_ascii_uppercase()
            );
            return Ok(Settled::Skipped(why));
        }
        if self.stables == Stables::Cash {
            match (is_usd_stablecoin(&g.asset), is_usd_stablecoin(&r.asset)) {
                (false, true) => return self.priced(TxKind::Sell, &given, &got, true),
                (true, false) => return self.priced(TxKind::Buy, &got, &given, true),
                _ => {}
            }
        }
        self.legs(given, got)
    }

    /// One buy or sale of `coin` for `money` (fiat, or a stablecoin taken
    /// as dollars).
    fn priced(
        self,
        kind: TxKind,
        coin: &Leg,
        money: &Leg,
        stable: bool,
    ) -> Result<Settled, TradeError> {
        let price = ratio(money.quantity, coin.quantity)?;
        let (currency, taken) = if stable {
            ("usd".to_string(), Some(taken_at_a_dollar(&money.symbol)))
        } else {
            (money.symbol.asset.clone(), None)
        };
        let mut drafts = vec![Draft {
            line: coin.line.min(money.line),
            time: self.time,
            kind,
            asset: coin.symbol.asset.clone(),
            quantity: coin.quantity,
            price: Some(price),
            currency: Some(currency),
            fee: None,
            fee_currency: None,
            note: notes([coin.symbol.note(self.source), taken, self.note.clone()]),
            key: self.key.clone(),
        }];
        let dollars = stable.then_some(money.symbol.asset.as_str());
        place(&mut drafts, self.fees, dollars, &self.key)?;
        Ok(Settled::Drafts(drafts))
    }

    /// Coin for coin: a sale and a buy.
    fn legs(self, given: Leg, got: Leg) -> Result<Settled, TradeError> {
        let (g, r) = (&given.symbol, &got.symbol);
        // Each side's price in a fiat: from the row's own, or from a
        // dollar stablecoin on one side (exactly one dollar, the other
        // side's price its quantity over the other's).
        let (sell_price, buy_price, currency, taken) = match &self.value {
            Some((per_given, currency)) => {
                let total = per_given
                    .checked_mul(given.quantity)
                    .ok_or(TradeError::OutOfRange(*per_given, given.quantity))?;
                let per_got = ratio(total, got.quantity)?;
                (
                    Some(*per_given),
                    Some(per_got),
                    Some(currency.clone()),
                    None,
                )
            }
            None if is_usd_stablecoin(&g.asset) => {
                let per_got = ratio(given.quantity, got.quantity)?;
                let taken = Some(taken_at_a_dollar(g));
                (Some(Decimal::ONE), Some(per_got), Some("usd".into()), taken)
            }
            None if is_usd_stablecoin(&r.asset) => {
                let per_given = ratio(got.quantity, given.quantity)?;
                let taken = Some(taken_at_a_dollar(r));
                (
                    Some(per_given),
                    Some(Decimal::ONE),
                    Some("usd".into()),
                    taken,
                )
            }
            None => (None, None, None, None),
        };
        let both = format!("{} → {} trade", g.upper(), r.upper());
        let leg = |kind, leg: &Leg, price, suffix: &str| Draft {
            line: leg.line,
            time: self.time,
            kind,
            asset: leg.symbol.asset.clone(),
            quantity: leg.quantity,
            price,
            currency: currency.clone(),
            fee: None,
            fee_currency: None,
            note: notes([
                Some(both.clone()),
                leg.symbol.note(self.source),
                taken.clone(),
                self.note.clone(),
            ]),
            key: format!("{}/{suffix}", self.key),
        };
        let mut drafts = vec![
            leg(TxKind::Sell, &given, sell_price, "sell"),
            leg(TxKind::Buy, &got, buy_price, "buy"),
        ];
        place(&mut drafts, self.fees, None, &self.key)?;
        Ok(Settled::Drafts(drafts))
    }

    /// The legs of one trade as the file lists them, maybe several rows a
    /// side: one asset for another once the rows of each are summed, else
    /// [`Trade::settle_many`].
    pub fn settle_all(self, given: Vec<Leg>, got: Vec<Leg>) -> Result<Settled, TradeError> {
        let (mut given, mut got) = (merge(given)?, merge(got)?);
        if given.len() == 1
            && got.len() == 1
            && let (Some(g), Some(r)) = (given.pop(), got.pop())
        {
            return self.settle(g, r);
        }
        self.settle_many(given, got)
    }

    /// Several assets given for several others at once, with no saying
    /// which paid for which: a sale of each coin given and a buy of each
    /// received, unpriced. Fiat on either side is cash, not held.
    pub fn settle_many(self, given: Vec<Leg>, got: Vec<Leg>) -> Result<Settled, TradeError> {
        let names = |legs: &[Leg]| {
            legs.iter()
                .map(|l| l.symbol.upper())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let both = format!("{} → {} trade", names(&given), names(&got));
        let sides = [(TxKind::Sell, "sell", given), (TxKind::Buy, "buy", got)];
        let mut drafts = Vec::new();
        for (kind, side, legs) in sides {
            for (i, leg) in legs.into_iter().enumerate() {
                if leg.quantity <= Decimal::ZERO {
                    return Err(TradeError::Empty);
                }
                if is_fiat(&leg.symbol.asset) {
                    continue;
                }
                drafts.push(Draft {
                    line: leg.line,
                    time: self.time,
                    kind,
                    asset: leg.symbol.asset.clone(),
                    quantity: leg.quantity,
                    price: None,
                    currency: None,
                    fee: None,
                    fee_currency: None,
                    note: notes([
                        Some(both.clone()),
                        leg.symbol.note(self.source),
                        self.note.clone(),
                    ]),
                    key: format!("{}/{side}/{i}", self.key),
                });
            }
        }
        if drafts.is_empty() {
            return Ok(Settled::Skipped(format!("{both}: cash")));
        }
        place(&mut drafts, self.fees, None, &self.key)?;
        Ok(Settled::Drafts(drafts))
    }
}

/// `legs` with one leg per asset, their quantities summed (a trade filled
/// in parts is several rows of each side), at the first one's line.
pub fn merge(legs: Vec<Leg>) -> Result<Vec<Leg>, TradeError> {
    let mut merged: Vec<Leg> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    for leg in legs {
        match at.get(&leg.symbol.asset).and_then(|&i| merged.get_mut(i)) {
            Some(m) => m.quantity = sum(m.quantity, leg.quantity)?,
            None => {
                at.insert(leg.symbol.asset.clone(), merged.len());
                merged.push(leg);
            }
        }
    }
    Ok(merged)
}

/// A pair's base and quote: `XBT/USD`, or by its known quotes.
pub fn split_pair<'p>(pair: &'p str, quotes: &[&str]) -> Option<(&'p str, &'p str)> {
    if let Some((base, quote)) = pair.split_once(['/', '-', '_']) {
        return (!base.is_empty() && !quote.is_empty()).then_some((base, quote));
    }
    quotes.iter().find_map(|q| {
        let cut = pair.len().checked_sub(q.len()).filter(|&c| c > 0)?;
        let (base, quote) = (pair.get(..cut)?, pair.get(cut..)?);
        quote.eq_ignore_ascii_case(q).then_some((base, quote))
    })
}

fn taken_at_a_dollar(s: &Symbol) -> String {
    format!("{} taken at 1 USD", s.upper())
}

/// Puts each fee on a draft: the one of its asset, else the first with
/// none; one more in a coin is a fee of its own (a disposal); one more in
/// a fiat currency has nowhere to go. `dollars` is a stablecoin counted as
/// dollars, its fee counted as dollars too.
fn place(
    drafts: &mut Vec<Draft>,
    fees: Vec<Fee>,
    dollars: Option<&str>,
    key: &str,
) -> Result<(), TradeError> {
    // One fee per asset, summed, in the order they came.
    let merged = merge(
        fees.into_iter()
            .filter(|f| !f.amount.is_zero())
            .map(|f| Leg {
                line: 0,
                symbol: f.symbol,
                quantity: f.amount.abs(),
            })
            .collect(),
    )?;
    for Leg {
        symbol,
        quantity: amount,
        ..
    } in merged
    {
        let currency = match dollars {
            Some(d) if d == symbol.asset => "usd".to_string(),
            _ => symbol.asset.clone(),
        };
        let free = |d: &&mut Draft| d.fee.is_none();
        let slot = match drafts
            .iter_mut()
            .position(|d| d.fee.is_none() && d.asset == currency)
        {
            Some(i) => drafts.get_mut(i),
            None => drafts.iter_mut().find(free),
        };
        if let Some(d) = slot {
            d.fee = Some(amount);
            d.fee_currency = Some(currency);
            continue;
        }
        if let Some(d) = drafts
            .iter_mut()
            .find(|d| d.fee_currency.as_deref() == Some(currency.as_str()))
        {
            d.fee = Some(sum(d.fee.unwrap_or_default(), amount)?);
            continue;
        }
        let Some(first) = drafts.first() else {
            return Err(TradeError::Fee(currency));
        };
        if is_fiat(&currency) {
            return Err(TradeError::Fee(currency));
        }
        let fee = Draft {
            kind: TxKind::Fee,
            asset: currency.clone(),
            quantity: amount,
            price: None,
            currency: None,
            fee: None,
            fee_currency: None,
            note: notes([Some("a fee of the trade".into())]),
            key: format!("{key}/fee/{currency}"),
            ..first.clone()
        };
        drafts.push(fee);
    }
    Ok(())
}
