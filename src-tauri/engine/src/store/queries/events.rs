//! `event_log`: what happened, for the user to read back (refresh failures,
//! recoveries). Never holds a secret.

use rusqlite::{Connection, params};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub ts_ms: i64,
    pub level: String,
    pub kind: String,
    pub message: String,
}

pub fn append(
    conn: &Connection,
    ts_ms: i64,
    level: &str,
    kind: &str,
    message: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO event_log (ts, level, kind, message) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![ts_ms, level, kind, message])?;
    Ok(())
}

/// The newest `limit` events, newest first.
pub fn recent(conn: &Connection, limit: u32) -> rusqlite::Result<Vec<Event>> {
    let mut stmt = conn.prepare_cached(
        "SELECT ts, level, kind, message FROM event_log ORDER BY id DESC LIMIT ?1",
    )?;
    stmt.query_map([limit], |r| {
        Ok(Event {
            ts_ms: r.get(0)?,
            level: r.get(1)?,
            kind: r.get(2)?,
            message: r.get(3)?,
        })
    })?
    .collect()
}

/// Forgets events older than `before_ms`; returns how many.
pub fn prune(conn: &Connection, before_ms: i64) -> rusqlite::Result<usize> {
    conn.prepare_cached("DELETE FROM event_log WHERE ts < ?1")?
        .execute([before_ms])
}
