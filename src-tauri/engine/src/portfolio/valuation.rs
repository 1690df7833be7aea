//! Valuation: every transaction as a basis [`Entry`], its amounts in the
//! reporting fiat. A transaction in another fiat is converted at that
//! day's rate (from the stored history of bitcoin in both currencies); a
//! fee paid in a coin, and income or a transfer from outside without a
//! price, are valued at the coin's stored price then.
//!
//! Exact: every amount is a `Decimal`. Prices come through [`Prices`], so
//! the store answers in the app and a table in tests.

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde::Serialize;

use super::basis::{Action, Entry};
use super::{Tx, TxKind, is_fiat};
use crate::store::queries::{fiat_rates, portfolio as q};

/// How far back a stored price may be from the moment it values.
pub const PRICE_MAX_AGE_SECS: i64 = 2 * 86_400;
/// The coin whose history in two currencies gives a day's exchange rate.
pub const RATE_COIN: &str = "bitcoin";

/// Stored prices, as valuation reads them.
pub trait Prices {
    /// The latest stored price of `coin` in `currency` at or before `ts`
    /// (unix seconds), no older than [`PRICE_MAX_AGE_SECS`].
    fn price_at(&self, coin: &str, currency: &str, ts: i64) -> rusqlite::Result<Option<Decimal>>;

    /// A unit of fiat `from` in fiat `to` on `ts`'s day by a central bank's
    /// stored reference rates (the last working day's), where stored.
    fn reference_rate(&self, from: &str, to: &str, ts: i64) -> rusqlite::Result<Option<Decimal>> {
        let _ = (from, to, ts);
        Ok(None)
    }
}

impl Prices for rusqlite::Connection {
    fn price_at(&self, coin: &str, currency: &str, ts: i64) -> rusqlite::Result<Option<Decimal>> {
        Ok(q::price_at(self, coin, currency, ts, PRICE_MAX_AGE_SECS)?.map(|(p, _)| p))
    }

    fn reference_rate(&self, from: &str, to: &str, ts: i64) -> rusqlite::Result<Option<Decimal>> {
        let Some(day) = chrono::DateTime::from_timestamp(ts, 0).map(|t| t.date_naive()) else {
            return Ok(None);
        };
        let found = fiat_rates::fiat_rate_on_or_before(self, from, to, day, REFERENCE_MAX_DAYS)?;
        Ok(found.map(|(rate, _)| rate))
    }
}

/// How many days back a reference rate stands in for a day without one
/// (a weekend and a holiday or two).
const REFERENCE_MAX_DAYS: u32 = 5;

/// The currency a coin's past is fetched in when the reporting one has
/// none (the exchanges' candles): converted at the day's rate.
pub const PIVOT: &str = "usd";

/// Transactions as basis entries, in the reporting fiat; coins indexed
/// (`Entry::coin` is a place in `coins`).
#[derive(Debug)]
pub struct Valued {
    pub entries: Vec<Entry>,
    pub coins: Vec<String>,
    /// The transactions no stored price values: their entries are marked
    /// unknown (a zero stands in), in replay order.
    pub unknown: Vec<ValueUnknown>,
}

/// A transaction whose value is not known: no price given, and none
/// stored for its day (or no rate to its fiat).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct ValueUnknown {
    pub tx: i64,
    #[serde(skip)]
    #[ts(skip)]
    #[schema(ignore)]
    pub portfolio: i64,
    /// What would value it: what a fetch looks for.
    #[serde(skip)]
    #[ts(skip)]
    #[schema(ignore)]
    pub missing: Missing,
    /// "income solana on 2024-01-02: no price of solana in USD near 2024-01-02"
    pub why: String,
}

/// What a valuation lacks: a day's exchange rate, or a coin's price on
/// a day.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Missing {
    Rate {
        from: String,
        to: String,
        day: chrono::NaiveDate,
    },
    Price {
        coin: String,
        day: chrono::NaiveDate,
    },
}

impl Missing {
    /// "no EUR→USD rate for 2024-01-02"; "no price of solana in USD near 2024-01-02".
    fn describe(&self, reporting: &str) -> String {
        match self {
            Missing::Rate { from, to, day } => {
                format!(
                    "no {}→{} rate for {day}",
                    from.to_uppercase(),
                    to.to_uppercase()
                )
            }
            Missing::Price { coin, day } => {
                format!(
                    "no price of {coin} in {} near {day}",
                    reporting.to_uppercase()
                )
            }
        }
    }
}

impl std::fmt::Display for ValueUnknown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "transaction #{}'s value is unknown: {}",
            self.tx, self.why
        )
    }
}

/// Transaction `t`'s value is unknown for want of `missing` (for its
/// fee when `fee`).
fn unknown(t: &Tx, missing: Missing, fee: bool, reporting: &str) -> ValueUnknown {
    let mut why = missing.describe(reporting);
    match (&missing, fee) {
        (Missing::Price { .. }, true) => why.push_str(" to value the fee paid in it"),
        (Missing::Price { .. }, false) => why.push_str(", and the transaction gives none"),
        (_, true) => why.push_str(" for the fee"),
        _ => {}
    }
    ValueUnknown {
        tx: t.id,
        portfolio: t.portfolio_id,
        missing,
        why: format!(
            "{} {} on {}: {why}",
            t.kind.as_str(),
            t.coin_id,
            t.time.date_naive()
        ),
    }
}

/// Values `txs` (in replay order) in `reporting`; a transaction nothing
/// stored values is kept, marked unknown, so the quantities stay right.
pub fn value<P: Prices + ?Sized>(
    prices: &P,
    txs: &[Tx],
    reporting: &str,
) -> rusqlite::Result<Valued> {
    let mut coins: Vec<String> = Vec::new();
    let mut index: HashMap<String, u32> = HashMap::new();
    let mut ix = |coin: &str| -> u32 {
        if let Some(i) = index.get(coin) {
            return *i;
        }
        let i = coins.len() as u32;
        coins.push(coin.to_string());
        index.insert(coin.to_string(), i);
        i
    };
    let mut rates = Rates::default();
    let mut entries = Vec::with_capacity(txs.len());
    let mut unknowns = Vec::new();
    for t in txs {
        let ts = t.time.timestamp();
        // Why the value is not known, the first reason found (and whether
        // it is the fee's).
        let mut why: Option<(Missing, bool)> = None;
        let day = t.time.date_naive();
        let no_rate = |from: &str| Missing::Rate {
            from: from.to_string(),
            to: reporting.to_string(),
            day,
        };
        // A unit of the transaction's fiat in the reporting one.
        let rate = rates.day_rate(prices, &t.currency, reporting, ts)?;
        let coin = ix(&t.coin_id);
        // A unit's value then: the price given, else the stored price.
        let unit = match t.price {
            Some(p) => match rate {
                Some(r) => p * r,
                None => {
                    why.get_or_insert_with(|| (no_rate(&t.currency), false));
                    Decimal::ZERO
                }
            },
            None if matches!(t.kind, TxKind::TransferOut)
                || (t.kind == TxKind::TransferIn && t.transfer.is_some()) =>
            {
                Decimal::ZERO
            }
            None => match rates.coin_price(prices, &t.coin_id, reporting, ts)? {
                Ok(p) => p,
                Err(missing) => {
                    why.get_or_insert((missing, false));
                    Decimal::ZERO
                }
            },
        };
        let gross = t.quantity * unit;
        // The fee's value, and the coin it spends if it is paid in one.
        let mut fee_value = Decimal::ZERO;
        if let (Some(fee), Some(fc)) = (t.fee, &t.fee_currency) {
            let fee_unit = if is_fiat(fc) {
                rates
                    .day_rate(prices, fc, reporting, ts)?
                    .ok_or_else(|| no_rate(fc))
            } else if *fc == t.coin_id && t.price.is_some() && why.is_none() {
                Ok(unit)
            } else {
                rates.coin_price(prices, fc, reporting, ts)?
            };
            match fee_unit {
                Ok(u) => fee_value = fee * u,
                Err(e) => {
                    why.get_or_insert((e, true));
                }
            }
        }
        let action = match t.kind {
            TxKind::Buy => Action::Acquire {
                cost: gross + fee_value,
            },
            TxKind::Income => Action::Acquire { cost: gross },
            TxKind::TransferIn => match t.transfer {
                Some(transfer) => Action::Receive { transfer },
                None => Action::Acquire { cost: gross },
            },
            TxKind::Sell => Action::Dispose {
                proceeds: gross - fee_value,
            },
            TxKind::Fee => Action::Dispose { proceeds: gross },
            TxKind::TransferOut => Action::Send {
                transfer: t.transfer,
            },
        };
        let is_unknown = why.is_some();
        if let Some((missing, fee)) = why {
            unknowns.push(unknown(t, missing, fee, reporting));
        }
        entries.push(Entry {
            tx: t.id,
            portfolio: t.portfolio_id,
            coin,
            time: ts,
            quantity: t.quantity,
            action,
            unknown: is_unknown,
        });
        // A fee paid in a coin disposes of that coin at its value then
        // (after a buy of that coin, so the units bought can pay it).
        if let (Some(fee), Some(fc)) = (t.fee, &t.fee_currency)
            && !is_fiat(fc)
            && *fc != t.currency
        {
            let fee_coin = ix(fc);
            entries.push(Entry {
                tx: t.id,
                portfolio: t.portfolio_id,
                coin: fee_coin,
                time: ts,
                quantity: fee,
                action: Action::Dispose {
                    proceeds: fee_value,
                },
                unknown: is_unknown,
            });
        }
    }
    Ok(Valued {
        entries,
        coins,
        unknown: unknowns,
    })
}

/// Exchange rates by day: the first asked for a day is every transaction
/// of that day's, so a day's transactions are converted alike.
#[derive(Default)]
struct Rates(HashMap<(String, i64), Decimal>);

impl Rates {
    /// A unit of `from` in `to` for a transaction at `ts`: one when they
    /// are the same; else the ratio of bitcoin's stored prices in both,
    /// else the central bank's stored reference rate.
    fn day_rate<P: Prices + ?Sized>(
        &mut self,
        prices: &P,
        from: &str,
        to: &str,
        ts: i64,
    ) -> rusqlite::Result<Option<Decimal>> {
        if from == to {
            return Ok(Some(Decimal::ONE));
        }
        let key = (from.to_string(), ts.div_euclid(86_400));
        if let Some(r) = self.0.get(&key) {
            return Ok(Some(*r));
        }
        let a = prices.price_at(RATE_COIN, to, ts)?;
        let b = prices.price_at(RATE_COIN, from, ts)?;
        let rate = match (a, b) {
            (Some(to_price), Some(from_price)) if !from_price.is_zero() => {
                Some(to_price / from_price)
            }
            _ => prices.reference_rate(from, to, ts)?,
        };
        if let Some(r) = rate {
            self.0.insert(key, r);
        }
        Ok(rate)
    }

    /// A unit of `coin` in `reporting` at `ts`: its stored price there,
    /// else its stored price in [`PIVOT`] at the day's rate; else what is
    /// missing (the price, or the rate that would convert it).
    fn coin_price<P: Prices + ?Sized>(
        &mut self,
        prices: &P,
        coin: &str,
        reporting: &str,
        ts: i64,
    ) -> rusqlite::Result<Result<Decimal, Missing>> {
        let day = chrono::DateTime::from_timestamp(ts, 0)
            .unwrap_or_default()
            .date_naive();
        if let Some(p) = prices.price_at(coin, reporting, ts)? {
            return Ok(Ok(p));
        }
        let no_price = Missing::Price {
            coin: coin.to_string(),
            day,
        };
        if reporting == PIVOT {
            return Ok(Err(no_price));
        }
        let Some(p) = prices.price_at(coin, PIVOT, ts)? else {
            return Ok(Err(no_price));
        };
        Ok(match self.day_rate(prices, PIVOT, reporting, ts)? {
            Some(r) => Ok(p * r),
            None => Err(Missing::Rate {
                from: PIVOT.to_string(),
                to: reporting.to_string(),
                day,
            }),
        })
    }
}

/// A transaction in another fiat than the display currency, and the rate
/// its amounts were converted at.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct FxUsed {
    pub tx: i64,
    /// "1 EUR = 1.084211 USD"
    pub text: String,
    /// The day whose stored rate it is: "2024-03-01".
    pub day: String,
    /// A unit of the transaction's currency in the display one, exact.
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub rate: Decimal,
}

/// The rate each transaction of `txs` in another fiat than `reporting` is
/// converted at (the one [`value`] uses); none where no rate is stored.
pub fn rates_used<P: Prices + ?Sized>(
    prices: &P,
    txs: &[Tx],
    reporting: &str,
) -> rusqlite::Result<Vec<FxUsed>> {
    let mut rates = Rates::default();
    let mut used = Vec::new();
    for t in txs.iter().filter(|t| t.currency != reporting) {
        let Some(rate) = rates.day_rate(prices, &t.currency, reporting, t.time.timestamp())? else {
            continue;
        };
        used.push(FxUsed {
            tx: t.id,
            text: format!(
                "1 {} = {} {}",
                t.currency.to_uppercase(),
                rate.round_dp(6).normalize(),
                reporting.to_uppercase(),
            ),
            day: t.time.date_naive().to_string(),
            rate,
        });
    }
    Ok(used)
}

#[cfg(test)]
mod tests;
