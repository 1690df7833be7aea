//! `exchange_rates`: units of each currency per bitcoin, as last fetched.

use rusqlite::{Connection, params};

use super::decimal_col;
use crate::model::{ExchangeRate, RateKind};

/// Replaces the stored rates with `rates`, fetched at `now_ms`.
pub fn replace(conn: &Connection, rates: &[ExchangeRate], now_ms: i64) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM exchange_rates", [])?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO exchange_rates (code, name, unit, kind, per_btc, fetched_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for r in rates {
        stmt.execute(params![
            r.code,
            r.name,
            r.unit,
            r.kind.as_str(),
            r.per_btc.to_string(),
            now_ms
        ])?;
    }
    Ok(())
}

/// The rate of `code` and when it was fetched (unix ms).
pub fn get(conn: &Connection, code: &str) -> rusqlite::Result<Option<(ExchangeRate, i64)>> {
    use rusqlite::OptionalExtension;
    conn.prepare_cached(
        "SELECT code, name, unit, kind, per_btc, fetched_at FROM exchange_rates WHERE code = ?1",
    )?
    .query_row([code], |r| {
        let kind: String = r.get(3)?;
        Ok((
            ExchangeRate {
                code: r.get(0)?,
                name: r.get(1)?,
                unit: r.get(2)?,
                kind: RateKind::parse(&kind).unwrap_or(RateKind::Fiat),
                per_btc: decimal_col(r, 4)?,
            },
            r.get(5)?,
        ))
    })
    .optional()
}

/// When the rates were last fetched (unix ms), if ever.
pub fn fetched_at(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    conn.query_row("SELECT max(fetched_at) FROM exchange_rates", [], |r| {
        r.get(0)
    })
}
