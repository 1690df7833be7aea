//! `alert_channels`: the channels a user added, each as its JSON config,
//! and whether its service refused it for good.

use rusqlite::{Connection, OptionalExtension, params};

use crate::model::channel::{ChannelConfig, ChannelPolicy};

/// A stored channel. A row whose JSON this build cannot read is an error,
/// saying which.
#[derive(Debug, Clone)]
pub struct Row {
    pub name: String,
    pub config: ChannelConfig,
    pub policy: ChannelPolicy,
    /// When it was added (unix ms).
    pub created_at: i64,
    /// The service's reason for refusing it for good, and when (unix ms).
    pub failing: Option<(String, i64)>,
}

const COLUMNS: &str = "name, config, created_at, failing, failing_at, policy";

/// Column `idx`, JSON text, as a `T`.
fn from_json<T: serde::de::DeserializeOwned>(r: &rusqlite::Row, idx: usize) -> rusqlite::Result<T> {
    let json: String = r.get(idx)?;
    serde_json::from_str(&json).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn row(r: &rusqlite::Row) -> rusqlite::Result<Row> {
    let config = from_json(r, 1)?;
    let failing: Option<String> = r.get(3)?;
    let failing_at: Option<i64> = r.get(4)?;
    Ok(Row {
        name: r.get(0)?,
        config,
        policy: from_json(r, 5)?,
        created_at: r.get(2)?,
        failing: failing.map(|why| (why, failing_at.unwrap_or(0))),
    })
}

fn json<T: serde::Serialize>(c: &T) -> rusqlite::Result<String> {
    serde_json::to_string(c).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

/// Adds a channel; false if one has that name already.
pub fn insert(
    conn: &Connection,
    name: &str,
    (c, policy): (&ChannelConfig, &ChannelPolicy),
    at: i64,
) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "INSERT INTO alert_channels (name, kind, config, policy, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(name) DO NOTHING",
        )?
        .execute(params![name, c.kind(), json(c)?, json(policy)?, at])?;
    Ok(n == 1)
}

/// Sets a channel anew (its failing mark goes with the old setting);
/// false if there is none of that name.
pub fn replace(
    conn: &Connection,
    name: &str,
    (c, policy): (&ChannelConfig, &ChannelPolicy),
) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE alert_channels SET kind = ?2, config = ?3, policy = ?4, failing = NULL,
                 failing_at = NULL
             WHERE name = ?1",
        )?
        .execute(params![name, c.kind(), json(c)?, json(policy)?])?;
    Ok(n == 1)
}

/// Marks a channel refused for good with the service's reason, or clears
/// the mark (`None`) after a send succeeded.
pub fn set_failing(
    conn: &Connection,
    name: &str,
    failing: Option<(&str, i64)>,
) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE alert_channels SET failing = ?2, failing_at = ?3 WHERE name = ?1")?
        .execute(params![name, failing.map(|f| f.0), failing.map(|f| f.1)])?;
    Ok(())
}

/// Every channel, by name.
pub fn list(conn: &Connection) -> rusqlite::Result<Vec<Row>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM alert_channels ORDER BY name"
    ))?
    .query_map([], row)?
    .collect()
}

pub fn count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT count(*) FROM alert_channels", [], |r| r.get(0))
}

pub fn get(conn: &Connection, name: &str) -> rusqlite::Result<Option<Row>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM alert_channels WHERE name = ?1"
    ))?
    .query_row([name], row)
    .optional()
}

/// Removes a channel; false if there was none.
pub fn delete(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM alert_channels WHERE name = ?1")?
        .execute([name])?
        == 1)
}
