//! `backfill_steps`: which API calls of a series' backfill are done, and
//! when, so an interrupted backfill resumes where it stopped.

use std::collections::HashMap;

use rusqlite::{Connection, params};

/// Each finished step of `series` with when it finished (unix ms).
pub fn finished(conn: &Connection, series: i64) -> rusqlite::Result<HashMap<String, i64>> {
    conn.prepare_cached("SELECT step, done_at FROM backfill_steps WHERE series = ?1")?
        .query_map([series], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

/// Records `step` of `series` as done at `now_ms`, with how many points it
/// brought.
pub fn finish(
    conn: &Connection,
    series: i64,
    step: &str,
    now_ms: i64,
    points: usize,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO backfill_steps (series, step, done_at, points) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (series, step) DO UPDATE SET done_at = excluded.done_at, points = excluded.points",
    )?
    .execute(params![series, step, now_ms, points as i64])?;
    Ok(())
}
