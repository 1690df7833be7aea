//! Transactions and a table of prices for the portfolio's unit tests.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::valuation::Prices;
use super::{Tx, TxKind};

/// An exact decimal from its digits: `d("0.5")`.
pub fn d(s: &str) -> Decimal {
    s.parse().expect("a decimal")
}

/// Midnight UTC of `day` (`2024-01-02`).
pub fn day(day: &str) -> DateTime<Utc> {
    NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .expect("a day")
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
}

/// Transaction `id` of portfolio 1 ("Ledger") in USD, on `on`.
pub fn tx(id: i64, kind: TxKind, coin: &str, quantity: &str, price: Option<&str>, on: &str) -> Tx {
    Tx {
        id,
        portfolio: "Ledger".into(),
        portfolio_id: 1,
        time: day(on),
        kind,
        coin_id: coin.into(),
        quantity: d(quantity),
        price: price.map(d),
        currency: "usd".into(),
        fee: None,
        fee_currency: None,
        note: None,
        transfer: None,
    }
}

/// Stored prices: each (coin, currency)'s points, oldest first.
#[derive(Default)]
pub struct Table(HashMap<(String, String), Vec<(i64, Decimal)>>);

impl Table {
    /// `coin` in `currency` costs `price` from midnight of `on`.
    pub fn with(mut self, coin: &str, currency: &str, on: &str, price: &str) -> Table {
        let points = self.0.entry((coin.into(), currency.into())).or_default();
        points.push((day(on).timestamp(), d(price)));
        points.sort_by_key(|p| p.0);
        self
    }

    /// A unit of fiat `from` is worth `rate` of `to` by the reference
    /// rates from `on`.
    pub fn with_rate(self, from: &str, to: &str, on: &str, rate: &str) -> Table {
        self.with(&format!("fx:{from}"), to, on, rate)
    }
}

impl Prices for Table {
    fn price_at(&self, coin: &str, currency: &str, ts: i64) -> rusqlite::Result<Option<Decimal>> {
        let points = self.0.get(&(coin.to_string(), currency.to_string()));
        Ok(points.and_then(|p| {
            (p.iter().rev())
                .find(|(t, _)| *t <= ts && ts - t <= super::valuation::PRICE_MAX_AGE_SECS)
                .map(|(_, price)| *price)
        }))
    }

    fn reference_rate(&self, from: &str, to: &str, ts: i64) -> rusqlite::Result<Option<Decimal>> {
        self.price_at(&format!("fx:{from}"), to, ts)
    }
}
