//! Value history: what the portfolio held at the end of each period times
//! each coin's stored closing price then (the last one before, where a
//! coin's history has a gap). Quantities only: no method or cost is
//! involved.

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde::Serialize;

use super::{Tx, TxKind, cents, is_fiat};
use crate::store::queries::candles;

/// The most points a value history has: a point a day for over a year.
pub const VALUE_POINTS: u32 = 500;

/// A portfolio's market value over time, from stored history.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct ValueHistory {
    pub currency: String,
    /// Oldest first, from the first transaction to now, one per bucket
    /// with a stored close (a bucket without one is a gap).
    pub points: Vec<ValuePoint>,
    /// The width of every bucket, seconds (0 without transactions): the
    /// same all along, so equal spans of time are equally wide.
    #[ts(type = "number")]
    pub step_secs: i64,
    /// Coins held with no stored history in `currency`: left out of the
    /// value (`coinlytics backfill` fetches it).
    pub unpriced: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct ValuePoint {
    /// Unix ms: the start of the period whose closing prices value it.
    pub t: i64,
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub value: Decimal,
}

/// A signed change of a coin's quantity: (unix seconds, coin, change).
pub type Change = (i64, String, Decimal);

/// Every change `txs` (in time order) make to the quantities held: a
/// coin in, a coin out, a fee paid in a coin.
pub fn changes(txs: &[Tx]) -> Vec<Change> {
    let mut changes = Vec::with_capacity(txs.len());
    for t in txs {
        let q = match t.kind {
            TxKind::Buy | TxKind::TransferIn | TxKind::Income => t.quantity,
            TxKind::Sell | TxKind::TransferOut | TxKind::Fee => -t.quantity,
        };
        changes.push((t.time.timestamp(), t.coin_id.clone(), q));
        if let (Some(fee), Some(fc)) = (t.fee, &t.fee_currency)
            && !is_fiat(fc)
        {
            changes.push((t.time.timestamp(), fc.clone(), -fee));
        }
    }
    changes
}

/// The value at each period start of `closes` (each coin's closes, unix
/// seconds, oldest first; periods of `step` seconds): the quantities after
/// every change before the period's end, each at its coin's last close at
/// or before the period's start. Coins without closes count nothing.
pub fn points(
    changes: &[Change],
    closes: &HashMap<String, Vec<(i64, Decimal)>>,
    step: i64,
) -> Vec<ValuePoint> {
    let mut times: Vec<i64> = closes.values().flatten().map(|p| p.0).collect();
    times.sort_unstable();
    times.dedup();
    let mut held: HashMap<&str, Decimal> = HashMap::new();
    let mut next = 0;
    let mut at: HashMap<&str, usize> = HashMap::new();
    let mut points = Vec::with_capacity(times.len());
    for t in times {
        let end = t + step;
        while let Some((_, coin, q)) = changes.get(next).filter(|c| c.0 < end) {
            *held.entry(coin).or_default() += q;
            next += 1;
        }
        let mut value = Decimal::ZERO;
        for (coin, q) in &held {
            let Some(series) = closes.get(*coin) else {
                continue;
            };
            // The last close at or before `t`.
            let i = at.entry(coin).or_default();
            while series.get(*i + 1).is_some_and(|p| p.0 <= t) {
                *i += 1;
            }
            if let Some(&(_, close)) = series.get(*i).filter(|p| p.0 <= t) {
                value += *q * close;
            }
        }
        points.push(ValuePoint {
            t: t * 1000,
            value: cents(value),
        });
    }
    points
}

/// The value history of `txs` (in time order) in `reporting` up to `now`
/// (unix seconds), from the stored candles: every coin read in the same
/// equal buckets, so their periods line up.
pub fn read(
    conn: &rusqlite::Connection,
    txs: &[Tx],
    reporting: &str,
    now: i64,
) -> rusqlite::Result<ValueHistory> {
    let changes = changes(txs);
    let mut history = ValueHistory {
        currency: reporting.to_string(),
        points: Vec::new(),
        step_secs: 0,
        unpriced: Vec::new(),
    };
    let Some(from) = changes.first().map(|c| c.0) else {
        return Ok(history);
    };
    let to = now.max(from + 1);
    let mut coins: Vec<String> = changes.iter().map(|c| c.1.clone()).collect();
    coins.sort();
    coins.dedup();
    let mut found = Vec::with_capacity(coins.len());
    for coin in &coins {
        if let Some(series) = candles::find_series(conn, coin, reporting)? {
            found.push((coin, series));
        }
    }
    // Every coin cut in the same equal buckets (the coarsest resolution
    // any of them has stored decides), so their periods line up and equal
    // spans of time are equally wide on the chart.
    let series: Vec<i64> = found.iter().map(|f| f.1).collect();
    // Transactions older than any stored price (an old export) would
    // spread the buckets over years that have no value to draw.
    let mut stored_from: Option<i64> = None;
    for s in &series {
        if let Some(t) = candles::first_stored(conn, *s)? {
            stored_from = Some(stored_from.map_or(t, |f: i64| f.min(t)));
        }
    }
    let from = stored_from.map_or(from, |s| from.max(s));
    let (buckets, read) = candles::uniform(conn, &series, from, to, VALUE_POINTS)?;
    let mut closes: HashMap<String, Vec<(i64, Decimal)>> = HashMap::new();
    for ((coin, _), rows) in found.into_iter().zip(read) {
        if !rows.is_empty() {
            let points = rows.into_iter().map(|k| (k.t / 1000, k.close));
            closes.insert(coin.clone(), points.collect());
        }
    }
    history
        .unpriced
        .extend(coins.iter().filter(|c| !closes.contains_key(*c)).cloned());
    history.step_secs = buckets.step;
    history.points = points(&changes, &closes, buckets.step);
    Ok(history)
}

#[cfg(test)]
mod tests;
