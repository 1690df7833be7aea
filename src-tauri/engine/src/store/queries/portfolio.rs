//! `portfolios` and `portfolio_txs`.

use chrono::DateTime;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{decimal_col, opt_decimal_col, state};
use crate::model::portfolio::{Method, Portfolio, Tx, TxKind};

/// Bumped by every write to the transactions or a portfolio's method, so a
/// reader that keeps what it replayed (the tray's total) notices a change
/// made by any process without replaying at every price.
const REV: &str = "portfolio_rev";

pub fn rev(conn: &Connection) -> rusqlite::Result<i64> {
    Ok(state::get(conn, REV)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

fn bump_rev(conn: &Connection) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO settings (key, value, updated_at)
         VALUES (?1, '1', CAST(strftime('%s', 'now') AS INTEGER) * 1000)
         ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1,
             updated_at = excluded.updated_at",
    )?
    .execute([REV])?;
    Ok(())
}

fn portfolio_row(r: &Row) -> rusqlite::Result<Portfolio> {
    let method: String = r.get(2)?;
    Ok(Portfolio {
        id: r.get(0)?,
        name: r.get(1)?,
        method: Method::parse(&method).unwrap_or_default(),
    })
}

pub fn portfolios(conn: &Connection) -> rusqlite::Result<Vec<Portfolio>> {
    conn.prepare_cached("SELECT id, name, method FROM portfolios ORDER BY name")?
        .query_map([], portfolio_row)?
        .collect()
}

pub fn find(conn: &Connection, name: &str) -> rusqlite::Result<Option<Portfolio>> {
    conn.prepare_cached("SELECT id, name, method FROM portfolios WHERE name = ?1")?
        .query_row([name], portfolio_row)
        .optional()
}

/// The portfolio named `name` (any case), created if new.
pub fn ensure(conn: &Connection, name: &str, now_ms: i64) -> rusqlite::Result<Portfolio> {
    if let Some(p) = find(conn, name)? {
        return Ok(p);
    }
    conn.prepare_cached("INSERT INTO portfolios (name, created_at) VALUES (?1, ?2)")?
        .execute(params![name, now_ms])?;
    Ok(Portfolio {
        id: conn.last_insert_rowid(),
        name: name.to_string(),
        method: Method::default(),
    })
}

pub fn set_method(conn: &Connection, id: i64, method: Method) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE portfolios SET method = ?2 WHERE id = ?1")?
        .execute(params![id, method.as_str()])?;
    bump_rev(conn)
}

/// Stores `tx` (its id is ignored); returns the new id.
pub fn insert(
    conn: &Connection,
    tx: &Tx,
    import_key: Option<&str>,
    now_ms: i64,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO portfolio_txs (portfolio, time, kind, coin_id, quantity, price, currency,
             fee, fee_currency, note, transfer, import_key, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        tx.portfolio_id,
        tx.time.timestamp(),
        tx.kind.as_str(),
        tx.coin_id,
        tx.quantity.to_string(),
        tx.price.map(|d| d.to_string()),
        tx.currency,
        tx.fee.map(|d| d.to_string()),
        tx.fee_currency,
        tx.note,
        tx.transfer,
        import_key,
        now_ms,
    ])?;
    let id = conn.last_insert_rowid();
    bump_rev(conn)?;
    Ok(id)
}

/// Rewrites transaction `tx.id` (its transfer link and import key stay).
pub fn update(conn: &Connection, tx: &Tx) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE portfolio_txs SET portfolio = ?2, time = ?3, kind = ?4, coin_id = ?5, quantity = ?6,
             price = ?7, currency = ?8, fee = ?9, fee_currency = ?10, note = ?11
         WHERE id = ?1",
    )?
    .execute(params![
        tx.id,
        tx.portfolio_id,
        tx.time.timestamp(),
        tx.kind.as_str(),
        tx.coin_id,
        tx.quantity.to_string(),
        tx.price.map(|d| d.to_string()),
        tx.currency,
        tx.fee.map(|d| d.to_string()),
        tx.fee_currency,
        tx.note,
    ])?;
    bump_rev(conn)
}

pub fn set_transfer(conn: &Connection, id: i64, transfer: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE portfolio_txs SET transfer = ?2 WHERE id = ?1")?
        .execute(params![id, transfer])?;
    bump_rev(conn)
}

const TX_COLUMNS: &str =
    "t.id, p.name, t.portfolio, t.time, t.kind, t.coin_id, t.quantity, t.price,
    t.currency, t.fee, t.fee_currency, t.note, t.transfer";

fn tx_row(r: &Row) -> rusqlite::Result<Tx> {
    let kind = r.get_ref(4)?.as_str()?;
    Ok(Tx {
        id: r.get(0)?,
        portfolio: r.get(1)?,
        portfolio_id: r.get(2)?,
        time: DateTime::from_timestamp(r.get(3)?, 0).unwrap_or_default(),
        kind: TxKind::parse(kind).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                4,
                rusqlite::types::Type::Text,
                format!("kind '{kind}'").into(),
            )
        })?,
        coin_id: r.get(5)?,
        quantity: decimal_col(r, 6)?,
        price: opt_decimal_col(r, 7)?,
        currency: r.get(8)?,
        fee: opt_decimal_col(r, 9)?,
        fee_currency: r.get(10)?,
        note: r.get(11)?,
        transfer: r.get(12)?,
    })
}

/// Every transaction, in time order, then as recorded (a transfer's
/// sending leg is recorded first), straight from the index.
pub fn all(conn: &Connection) -> rusqlite::Result<Vec<Tx>> {
    conn.prepare_cached(&format!(
        "SELECT {TX_COLUMNS} FROM portfolio_txs t JOIN portfolios p ON p.id = t.portfolio
         ORDER BY t.time, t.id"
    ))?
    .query_map([], tx_row)?
    .collect()
}

pub fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<Tx>> {
    conn.prepare_cached(&format!(
        "SELECT {TX_COLUMNS} FROM portfolio_txs t JOIN portfolios p ON p.id = t.portfolio WHERE t.id = ?1"
    ))?
    .query_row([id], tx_row)
    .optional()
}

/// Every imported row's key.
/// Every coin a transaction names, fees in a coin included.
pub fn coins(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    conn.prepare_cached(
        "SELECT coin_id FROM portfolio_txs
         UNION
         SELECT fee_currency FROM portfolio_txs
         WHERE fee_currency IS NOT NULL",
    )?
    .query_map([], |r| r.get(0))?
    .collect()
}

pub fn import_keys(conn: &Connection) -> rusqlite::Result<std::collections::HashSet<String>> {
    conn.prepare_cached("SELECT import_key FROM portfolio_txs WHERE import_key IS NOT NULL")?
        .query_map([], |r| r.get(0))?
        .collect()
}

/// Removes the transactions `ids`; returns how many were there.
pub fn delete(conn: &Connection, ids: &[i64]) -> rusqlite::Result<usize> {
    let mut n = 0;
    for id in ids {
        n += conn
            .prepare_cached("DELETE FROM portfolio_txs WHERE id = ?1")?
            .execute([id])?;
    }
    bump_rev(conn)?;
    Ok(n)
}

/// The close of the latest stored candle of `coin_id` in `currency` at or
/// before `ts` and no older than `max_age` seconds: (price, its time).
pub fn price_at(
    conn: &Connection,
    coin_id: &str,
    currency: &str,
    ts: i64,
    max_age: i64,
) -> rusqlite::Result<Option<(rust_decimal::Decimal, i64)>> {
    let Some(series) = super::candles::find_series(conn, coin_id, currency)? else {
        return Ok(None);
    };
    let mut best: Option<(rust_decimal::Decimal, i64)> = None;
    // One index seek per resolution; the latest wins, the finest on a tie.
    for res in [60, 300, 3600, 86_400] {
        let found = conn
            .prepare_cached(
                "SELECT close, t + last FROM candles WHERE series = ?1 AND res = ?2 AND t <= ?3
                 ORDER BY t DESC LIMIT 1",
            )?
            .query_row(params![series, res, ts], |r| {
                Ok((decimal_col(r, 0)?, r.get::<_, i64>(1)?))
            })
            .optional()?;
        if let Some((price, at)) = found
            && ts - at.min(ts) <= max_age
            && best.is_none_or(|(_, b)| at > b)
        {
            best = Some((price, at));
        }
    }
    Ok(best)
}

/// Saves (or replaces) the import profile `name`: its mapping as JSON.
pub fn save_profile(
    conn: &Connection,
    name: &str,
    mapping: &str,
    now_ms: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO import_profiles (name, mapping, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (name) DO UPDATE SET mapping = excluded.mapping",
    )?
    .execute(params![name, mapping, now_ms])?;
    Ok(())
}

/// The import profile `name` (any case): its name as saved and its mapping.
pub fn profile(conn: &Connection, name: &str) -> rusqlite::Result<Option<(String, String)>> {
    conn.prepare_cached("SELECT name, mapping FROM import_profiles WHERE name = ?1")?
        .query_row([name], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
}

pub fn profiles(conn: &Connection) -> rusqlite::Result<Vec<(String, String)>> {
    conn.prepare_cached("SELECT name, mapping FROM import_profiles ORDER BY name")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}
