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
use crate::store::queries::portfolio as q;

/// How far back a stored price may be from the moment it values.
pub const PRICE_MAX_AGE_SECS: i64 = 2 * 86_400;
/// The coin whose history in two currencies gives a day's exchange rate.
pub const RATE_COIN: &str = "bitcoin";

/// Stored prices, as valuation reads them.
pub trait Prices {
    /// The latest stored price of `coin` in `currency` at or before `ts`
    /// (unix seconds), no older than [`PRICE_MAX_AGE_SECS`].
    fn price_at(&self, coin: &str, currency: &str, ts: i64) -> rusqlite::Result<Option<Decimal>>;
}

impl Prices for rusqlite::Connection {
    fn price_at(&self, coin: &str, currency: &str, ts: i64) -> rusqlite::Result<Option<Decimal>> {
        Ok(q::price_at(self, coin, currency, ts, PRICE_MAX_AGE_SECS)?.map(|(p, _)| p))
    }
}

/// Transactions as basis entries, in the reporting fiat; coins indexed
/// (`Entry::coin` is a place in `coins`).
#[derive(Debug)]
pub struct Valued {
    pub entries: Vec<Entry>,
    pub coins: Vec<String>,
}

/// A transaction that cannot be valued: no price given and none stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Unpriced {
    pub tx: i64,
    /// "buy bitcoin on 2024-01-02: no stored …"
    pub why: String,
}

impl std::fmt::Display for Unpriced {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot value transaction #{}: {}", self.tx, self.why)
    }
}

fn missing_price(t: &Tx, why: &str) -> Unpriced {
    Unpriced {
        tx: t.id,
        why: format!(
            "{} {} on {}: {why}",
            t.kind.as_str(),
            t.coin_id,
            t.time.date_naive()
        ),
    }
}

/// Values `txs` (in replay order) in `reporting`.
pub fn value<P: Prices + ?Sized>(
    prices: &P,
    txs: &[Tx],
    reporting: &str,
) -> rusqlite::Result<Result<Valued, Unpriced>> {
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
    for t in txs {
        let ts = t.time.timestamp();
        // A unit of the transaction's fiat in the reporting one.
        let rate = if t.currency == reporting {
            Decimal::ONE
        } else {
            match rates.day_rate(prices, &t.currency, reporting, ts)? {
                Some(r) => r,
                None => {
                    return Ok(Err(missing_price(
                        t,
                        &format!(
                            "no stored {}→{} rate for {}: it comes from {RATE_COIN}'s history in both; \
                             `coinlytics backfill --coins {RATE_COIN} --currency {}` fetches it",
                            t.currency.to_uppercase(),
                            reporting.to_uppercase(),
                            t.time.date_naive(),
                            t.currency
                        ),
                    )));
                }
            }
        };
        let coin = ix(&t.coin_id);
        // A unit's value then: the price given, else the stored price.
        let unit = match t.price {
            Some(p) => p * rate,
            None if matches!(t.kind, TxKind::TransferOut)
                || (t.kind == TxKind::TransferIn && t.transfer.is_some()) =>
            {
                Decimal::ZERO
            }
            None => match prices.price_at(&t.coin_id, reporting, ts)? {
                Some(p) => p,
                None => {
                    return Ok(Err(missing_price(
                        t,
                        &format!(
                            "no stored price of {} in {} near {}, and the transaction gives none; add --price, \
                         or `coinlytics backfill --coins {}` fetches the history",
                            t.coin_id,
                            reporting.to_uppercase(),
                            t.time.date_naive(),
                            t.coin_id
                        ),
                    )));
                }
            },
        };
        let gross = t.quantity * unit;
        // The fee's value, and the coin it spends if it is paid in one.
        let mut fee_value = Decimal::ZERO;
        if let (Some(fee), Some(fc)) = (t.fee, &t.fee_currency) {
            if *fc == t.currency {
                fee_value = fee * rate;
            } else if is_fiat(fc) {
                match rates.day_rate(prices, fc, reporting, ts)? {
                    Some(r) => fee_value = fee * r,
                    None => {
                        return Ok(Err(missing_price(
                            t,
                            &format!(
                                "no stored {}→{} rate for the fee on {}",
                                fc.to_uppercase(),
                                reporting.to_uppercase(),
                                t.time.date_naive()
                            ),
                        )));
                    }
                }
            } else {
                let fee_unit = if *fc == t.coin_id && t.price.is_some() {
                    unit
                } else {
                    match prices.price_at(fc, reporting, ts)? {
                        Some(p) => p,
                        None => {
                            return Ok(Err(missing_price(
                                t,
                                &format!(
                                    "no stored price of {fc} near {} to value the fee paid in it; \
                                 `coinlytics backfill --coins {fc}` fetches it",
                                    t.time.date_naive()
                                ),
                            )));
                        }
                    }
                };
                fee_value = fee * fee_unit;
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
        entries.push(Entry {
            tx: t.id,
            portfolio: t.portfolio_id,
            coin,
            time: ts,
            quantity: t.quantity,
            action,
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
            });
        }
    }
    Ok(Ok(Valued { entries, coins }))
}

/// Exchange rates by day: the first asked for a day is every transaction
/// of that day's, so a day's transactions are converted alike.
#[derive(Default)]
struct Rates(HashMap<(String, i64), Decimal>);

impl Rates {
    /// A unit of `from` in `to` for a transaction at `ts`: the ratio of
    /// bitcoin's stored prices in both.
    fn day_rate<P: Prices + ?Sized>(
        &mut self,
        prices: &P,
        from: &str,
        to: &str,
        ts: i64,
    ) -> rusqlite::Result<Option<Decimal>> {
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
            _ => None,
        };
        if let Some(r) = rate {
            self.0.insert(key, r);
        }
        Ok(rate)
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
