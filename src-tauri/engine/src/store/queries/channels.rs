//! `alert_channels`: the channels a user added, each as its JSON config.

use rusqlite::{Connection, OptionalExtension, params};

use crate::model::channel::ChannelConfig;

/// A stored channel: name, config, when added. A row whose JSON this
/// build cannot read is an error, saying which.
pub type Row = (String, ChannelConfig, i64);

fn row(r: &rusqlite::Row) -> rusqlite::Result<(String, String, i64)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
}

fn parse((name, json, at): (String, String, i64)) -> rusqlite::Result<Row> {
    serde_json::from_str(&json)
        .map(|c| (name, c, at))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, Box::new(e))
        })
}

/// Adds a channel; false if one has that name already.
pub fn insert(conn: &Connection, name: &str, c: &ChannelConfig, at: i64) -> rusqlite::Result<bool> {
    let json = serde_json::to_string(c)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let n = conn
        .prepare_cached(
            "INSERT INTO alert_channels (name, kind, config, created_at)
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT(name) DO NOTHING",
        )?
        .execute(params![name, c.kind(), json, at])?;
    Ok(n == 1)
}

/// Every channel, by name.
pub fn list(conn: &Connection) -> rusqlite::Result<Vec<Row>> {
    conn.prepare_cached("SELECT name, config, created_at FROM alert_channels ORDER BY name")?
        .query_map([], row)?
        .map(|r| r.and_then(parse))
        .collect()
}

pub fn count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT count(*) FROM alert_channels", [], |r| r.get(0))
}

pub fn get(conn: &Connection, name: &str) -> rusqlite::Result<Option<Row>> {
    conn.prepare_cached("SELECT name, config, created_at FROM alert_channels WHERE name = ?1")?
        .query_row([name], row)
        .optional()?
        .map(parse)
        .transpose()
}

/// Removes a channel; false if there was none.
pub fn delete(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM alert_channels WHERE name = ?1")?
        .execute([name])?
        == 1)
}
