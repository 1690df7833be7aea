//! `price_history`: one row per coin, currency and second. Re-inserting a
//! point is a no-op, so replays and overlapping refreshes are harmless.

use rusqlite::{Connection, params};

use super::{decimal_col, opt_decimal_col};
use crate::model::HistoryPoint;

/// Inserts `points`, skipping ones already stored; returns how many were new.
/// Call inside a transaction: one per batch is what makes ingest fast.
pub fn insert(conn: &Connection, points: &[HistoryPoint]) -> rusqlite::Result<usize> {
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO price_history (coin_id, currency, ts, price, volume, market_cap)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut added = 0;
    for p in points {
        added += stmt.execute(params![
            p.coin_id,
            p.currency,
            p.ts,
            p.price.to_string(),
            p.volume.map(|v| v.to_string()),
            p.market_cap.map(|v| v.to_string()),
        ])?;
    }
    Ok(added)
}

/// Points of one coin in `[from, to]` (unix seconds), oldest first.
pub fn range(
    conn: &Connection,
    coin_id: &str,
    currency: &str,
    from: i64,
    to: i64,
) -> rusqlite::Result<Vec<HistoryPoint>> {
    let mut stmt = conn.prepare_cached(
        "SELECT ts, price, volume, market_cap FROM price_history
         WHERE coin_id = ?1 AND currency = ?2 AND ts BETWEEN ?3 AND ?4 ORDER BY ts",
    )?;
    stmt.query_map(params![coin_id, currency, from, to], |r| {
        Ok(HistoryPoint {
            coin_id: coin_id.to_string(),
            currency: currency.to_string(),
            ts: r.get(0)?,
            price: decimal_col(r, 1)?,
            volume: opt_decimal_col(r, 2)?,
            market_cap: opt_decimal_col(r, 3)?,
        })
    })?
    .collect()
}

pub fn count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT count(*) FROM price_history", [], |r| r.get(0))
}
