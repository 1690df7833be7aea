//! The local SQLite database: coins, watchlist, latest quotes, price
//! history, engine state and an event log.
//!
//! One connection behind a mutex: every operation is short, and SQLite
//! serialises writers anyway. WAL lets other processes (a second CLI run,
//! the window) read while one writes; `busy_timeout` makes a writer wait for
//! a lock instead of failing at once.

mod migrate;
pub mod queries;
mod sqlfn;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, Transaction};

use crate::model::{Coin, HistoryPoint, Quote};

const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open database {path}: {message}")]
    Open { path: PathBuf, message: String },
    #[error(
        "database {path} is damaged or not a Coinlytics database; it was left untouched (move it away to start afresh)"
    )]
    Corrupt { path: PathBuf },
    #[error(
        "database {path} is locked by another process (waited {} s); try again when it finishes",
        BUSY_TIMEOUT.as_secs()
    )]
    Locked { path: PathBuf },
    #[error("database {path} could not be upgraded: {message}")]
    Migrate { path: PathBuf, message: String },
    #[error(
        "database {path} was written by a newer version of Coinlytics; it was left untouched (update Coinlytics to use it)"
    )]
    Newer { path: PathBuf },
    #[error(
        "database {path} is read-only: what it holds is shown, but nothing can be saved (check the file's permissions)"
    )]
    ReadOnly { path: PathBuf },
    #[error("database {path}: {message}")]
    Sql { path: PathBuf, message: String },
}

/// The database of one data directory.
pub struct Store {
    conn: Mutex<Connection>,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its
    /// schema up to date. An existing file that is not a database is
    /// reported, never overwritten.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let open_err = |message: String| StoreError::Open {
            path: path.to_path_buf(),
            message,
        };
        if let Some(dir) = path.parent() {
            crate::private::dir(dir).map_err(|e| open_err(e.to_string()))?;
        }
        // Two processes opening a fresh data dir would both read version 0
        // and both create the tables ("table already exists"), and the
        // switch to WAL can fail at once under another's migration: opening
        // runs one process at a time, under a lock file beside the database.
        let opening = lock_for_opening(path);
        let mut conn = Connection::open(path).map_err(|e| classify(path, e))?;
        // Before WAL mode: SQLite gives -wal and -shm the database's mode.
        // A file we may not change (another owner's, made immutable) is
        // still read: what it holds is shown, writes say it is read-only.
        if let Err(e) = crate::private::file(path) {
            tracing::warn!(path = %path.display(), error = %e, "cannot make the database private");
        }
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| classify(path, e))?;
        // A 32 MiB page cache (grown only as pages are touched) keeps bulk
        // history ingest off the disk: +47 % rows/s (BENCHMARKS.md).
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;
             PRAGMA cache_size = -32768;",
        )
        .map_err(|e| classify(path, e))?;
        sqlfn::register(&conn).map_err(|e| classify(path, e))?;
        let migrated = match newer_schema(&conn) {
            Ok(true) => {
                return Err(StoreError::Newer {
                    path: path.to_path_buf(),
                });
            }
            Ok(false) => migrate::migrations().to_latest(&mut conn),
            Err(e) => return Err(classify(path, e)),
        };
        drop(opening);
        migrated.map_err(|e| match e {
            rusqlite_migration::Error::RusqliteError { err, .. } => classify(path, err),
            other => StoreError::Migrate {
                path: path.to_path_buf(),
                message: other.to_string(),
            },
        })?;
        Ok(Store {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written
        // (transactions roll back on drop), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on the connection, mapping SQLite errors to [`StoreError`].
    pub fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        f(&self.conn()).map_err(|e| classify(&self.path, e))
    }

    /// Runs `f` in one transaction: all of its writes land, or none do.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&Transaction) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn();
        let run = || -> rusqlite::Result<T> {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        };
        run().map_err(|e| classify(&self.path, e))
    }

    /// Stores the result of one refresh — coins, latest quotes and a history
    /// point per quote — in a single transaction.
    pub fn record_refresh(&self, quotes: &[Quote]) -> Result<(), StoreError> {
        self.write(|tx| {
            queries::coins::upsert_from_quotes(tx, quotes)?;
            queries::quotes::upsert(tx, quotes)?;
            let points: Vec<HistoryPoint> = quotes.iter().map(HistoryPoint::from).collect();
            queries::history::insert(tx, &points)?;
            for p in &points {
                let series = queries::candles::series_id(tx, &p.coin_id, &p.currency)?;
                let bar = queries::candles::Bar::point(p.ts, p.price, p.volume);
                queries::candles::merge(tx, series, &[bar])?;
            }
            Ok(())
        })
    }

    /// Streamed prices: each coin's latest quote moved, and the price
    /// merged into its candles (not the raw points, which a refresh adds:
    /// a point a second would swamp them).
    pub fn record_streamed(&self, prices: &[queries::quotes::Streamed]) -> Result<(), StoreError> {
        self.write(|tx| {
            queries::quotes::set_streamed(tx, prices)?;
            for p in prices {
                let series = queries::candles::series_id(tx, p.coin_id, p.currency)?;
                let bar = queries::candles::Bar::point(p.at.timestamp(), p.price, None);
                queries::candles::merge(tx, series, &[bar])?;
            }
            Ok(())
        })
    }

    /// Trims the event log and the alert history to their retention (in
    /// days, from the settings); returns (events, firings) removed.
    pub fn prune(
        &self,
        now_ms: i64,
        event_log_days: u32,
        alert_history_days: u32,
    ) -> Result<(usize, usize), StoreError> {
        const DAY_MS: i64 = 24 * 3600 * 1000;
        self.write(|tx| {
            Ok((
                queries::events::prune(tx, now_ms - i64::from(event_log_days) * DAY_MS)?,
                queries::alerts::prune(tx, now_ms - i64::from(alert_history_days) * DAY_MS)?,
            ))
        })
    }

    /// Applies the history's retention at `now` (unix seconds); see
    /// [`queries::candles::retain`].
    pub fn retain_history(
        &self,
        now: i64,
        policy: queries::candles::Retention,
    ) -> Result<queries::candles::Retained, StoreError> {
        self.write(|tx| queries::candles::retain(tx, now, policy))
    }

    /// Replaces nothing, adds or renames coins from a provider's coin list.
    pub fn record_coin_list(&self, coins: &[Coin]) -> Result<(), StoreError> {
        self.write(|tx| queries::coins::upsert(tx, coins))
    }
}

/// The lock that serialises opening a database, held until dropped. A data
/// dir we cannot write to (read-only) has nothing to migrate: opened
/// without it.
fn lock_for_opening(path: &Path) -> Option<std::fs::File> {
    let lock_path = path.with_extension("migrate.lock");
    let lock = std::fs::File::create(&lock_path)
        .and_then(|f| crate::private::file(&lock_path).map(|()| f))
        .and_then(|f| f.lock().map(|()| f));
    match lock {
        Ok(f) => Some(f),
        Err(e) => {
            tracing::warn!(path = %lock_path.display(), error = %e, "opening the database unlocked");
            None
        }
    }
}

/// Whether the schema is ahead of every migration this build knows: a
/// newer Coinlytics wrote it, and this one must not touch it.
fn newer_schema(conn: &Connection) -> rusqlite::Result<bool> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    Ok(version > migrate::count() as i64)
}

/// Turns SQLite's error codes into the errors a user can act on.
fn classify(path: &Path, e: rusqlite::Error) -> StoreError {
    let path = path.to_path_buf();
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::Corrupt { path },
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Locked { path },
        Some(ErrorCode::ReadOnly) => StoreError::ReadOnly { path },
        Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => StoreError::Open {
            path,
            message: e.to_string(),
        },
        _ => StoreError::Sql {
            path,
            message: e.to_string(),
        },
    }
}

/// Unix milliseconds, the store's time unit for instants.
pub(crate) fn to_millis(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_millis(ms: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

#[cfg(test)]
mod tests;
