//! `coins`: every coin we know, from the provider's coin list and quotes.

use rusqlite::{Connection, OptionalExtension, params};

use crate::model::{Coin, Quote};

pub fn upsert(conn: &Connection, coins: &[Coin]) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO coins (id, symbol, name) VALUES (?1, ?2, ?3)
         ON CONFLICT(id) DO UPDATE SET symbol = excluded.symbol, name = excluded.name",
    )?;
    for c in coins {
        stmt.execute(params![c.id, c.symbol, c.name])?;
    }
    Ok(())
}

pub fn upsert_from_quotes(conn: &Connection, quotes: &[Quote]) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO coins (id, symbol, name, image, market_cap_rank) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(id) DO UPDATE SET symbol = excluded.symbol, name = excluded.name,
             image = coalesce(excluded.image, image),
             market_cap_rank = coalesce(excluded.market_cap_rank, market_cap_rank)",
    )?;
    for q in quotes {
        stmt.execute(params![
            q.coin_id,
            q.symbol,
            q.name,
            q.image,
            q.market_cap_rank
        ])?;
    }
    Ok(())
}

/// A row of `SELECT id, symbol, name …`.
pub(crate) fn coin_row(r: &rusqlite::Row) -> rusqlite::Result<Coin> {
    Ok(Coin {
        id: r.get(0)?,
        symbol: r.get(1)?,
        name: r.get(2)?,
    })
}

pub fn count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT count(*) FROM coins", [], |r| r.get(0))
}

/// The coin with this id, else the best-ranked coin with this symbol.
pub fn find(conn: &Connection, id_or_symbol: &str) -> rusqlite::Result<Option<Coin>> {
    let key = id_or_symbol.trim().to_ascii_lowercase();
    conn.prepare_cached(
        "SELECT id, symbol, name FROM coins WHERE id = ?1 OR symbol = ?1
         ORDER BY id = ?1 DESC, market_cap_rank IS NULL, market_cap_rank LIMIT 1",
    )?
    .query_row([key], coin_row)
    .optional()
}

/// Coins whose id, symbol or name starts with `query`, case-insensitively:
/// exact symbol matches first, then by market-cap rank (unranked last).
pub fn search(conn: &Connection, query: &str, limit: u32) -> rusqlite::Result<Vec<Coin>> {
    let q = query.trim().to_ascii_lowercase();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    // Escape LIKE's wildcards so a user's "%" or "_" matches literally.
    let pattern = format!(
        "{}%",
        q.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let mut stmt = conn.prepare_cached(
        "SELECT id, symbol, name FROM coins
         WHERE symbol LIKE ?1 ESCAPE '\\' OR id LIKE ?1 ESCAPE '\\' OR name LIKE ?1 ESCAPE '\\'
            OR name LIKE '% ' || ?1 ESCAPE '\\'
         ORDER BY symbol = ?2 DESC, market_cap_rank IS NULL, market_cap_rank, length(name)
         LIMIT ?3",
    )?;
    stmt.query_map(rusqlite::params![pattern, q, limit], coin_row)?
        .collect()
}
