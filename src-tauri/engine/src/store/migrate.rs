//! Schema migrations (rusqlite_migration, tracked in `PRAGMA user_version`).
//! Append new migrations; never edit one that has shipped.

use rusqlite_migration::{M, Migrations};

const MIGRATIONS: &[M<'static>] = &[M::up(
    r#"
    CREATE TABLE coins (
        id              TEXT PRIMARY KEY,
        symbol          TEXT NOT NULL,
        name            TEXT NOT NULL,
        image           TEXT,
        market_cap_rank INTEGER
    );
    CREATE INDEX coins_by_symbol ON coins(symbol);

    CREATE TABLE watchlist (
        coin_id  TEXT PRIMARY KEY REFERENCES coins(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        added_at INTEGER NOT NULL
    );

    -- Latest quote per coin and currency. Money is TEXT holding an exact
    -- decimal: a REAL or NUMERIC column would round it to a float.
    CREATE TABLE quotes (
        coin_id         TEXT NOT NULL REFERENCES coins(id) ON DELETE CASCADE,
        currency        TEXT NOT NULL,
        price           TEXT NOT NULL,
        market_cap      TEXT,
        volume_24h      TEXT,
        change_1h_pct   REAL,
        change_24h_pct  REAL,
        change_7d_pct   REAL,
        market_cap_rank INTEGER,
        sparkline_7d    BLOB,          -- little-endian f32s, oldest first
        updated_at      INTEGER NOT NULL,  -- unix ms, provider's clock
        fetched_at      INTEGER NOT NULL,  -- unix ms, ours
        PRIMARY KEY (coin_id, currency)
    ) WITHOUT ROWID;

    -- No foreign key: history is bulk-ingested and may precede the coin list.
    CREATE TABLE price_history (
        coin_id    TEXT NOT NULL,
        currency   TEXT NOT NULL,
        ts         INTEGER NOT NULL,   -- unix seconds
        price      TEXT NOT NULL,
        volume     TEXT,
        market_cap TEXT,
        PRIMARY KEY (coin_id, currency, ts)
    ) WITHOUT ROWID;

    -- Engine state (not user configuration, which is the TOML file).
    CREATE TABLE settings (
        key        TEXT PRIMARY KEY,
        value      TEXT NOT NULL,
        updated_at INTEGER NOT NULL
    );

    CREATE TABLE event_log (
        id      INTEGER PRIMARY KEY,
        ts      INTEGER NOT NULL,      -- unix ms
        level   TEXT NOT NULL,
        kind    TEXT NOT NULL,
        message TEXT NOT NULL
    );
    CREATE INDEX event_log_by_ts ON event_log(ts);
    "#,
)];

pub(super) fn migrations() -> Migrations<'static> {
    Migrations::from_slice(MIGRATIONS)
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        assert!(super::migrations().validate().is_ok());
    }
}
