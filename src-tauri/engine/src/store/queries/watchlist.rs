//! `watchlist`: the coins the user follows, in the user's order.

use rusqlite::{Connection, params};

use crate::model::Coin;

/// Appends `coin_id`; returns false if it was already there.
pub fn add(conn: &Connection, coin_id: &str, now_ms: i64) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "INSERT INTO watchlist (coin_id, position, added_at)
         SELECT ?1, coalesce(max(position), 0) + 1, ?2 FROM watchlist WHERE true
         ON CONFLICT(coin_id) DO NOTHING", // `WHERE true` disambiguates ON CONFLICT from a join
        params![coin_id, now_ms],
    )?;
    Ok(n == 1)
}

/// Removes `coin_id`; returns false if it was not there.
pub fn remove(conn: &Connection, coin_id: &str) -> rusqlite::Result<bool> {
    Ok(conn.execute("DELETE FROM watchlist WHERE coin_id = ?1", [coin_id])? == 1)
}

/// Puts the watchlist in the given order; ids not in the watchlist are ignored.
pub fn reorder(conn: &Connection, ids: &[String]) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached("UPDATE watchlist SET position = ?2 WHERE coin_id = ?1")?;
    for (pos, id) in ids.iter().enumerate() {
        stmt.execute(params![id, pos as i64 + 1])?;
    }
    Ok(())
}

pub fn list(conn: &Connection) -> rusqlite::Result<Vec<Coin>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.symbol, c.name FROM watchlist w JOIN coins c ON c.id = w.coin_id
         ORDER BY w.position",
    )?;
    stmt.query_map([], super::coins::coin_row)?.collect()
}
