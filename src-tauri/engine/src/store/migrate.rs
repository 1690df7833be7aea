//! Schema migrations (rusqlite_migration, tracked in `PRAGMA user_version`).
//! Append new migrations; never edit one that has shipped.

use rusqlite_migration::{M, Migrations};

const MIGRATIONS: &[M<'static>] = &[
    M::up(
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
    ),
    M::up(
        r#"
    -- Alert rules and the monitor's state of each. AUTOINCREMENT: an id is
    -- never reused, because firing keys (and e-mail Message-IDs) contain it.
    CREATE TABLE alert_rules (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        coin_id       TEXT NOT NULL,
        currency      TEXT NOT NULL,
        kind          TEXT NOT NULL,     -- above, below, move, move_up, move_down, change_above, change_below
        level         TEXT NOT NULL,     -- exact decimal: a price, or a percentage
        window_secs   INTEGER,           -- move rules: the window of the move
        desktop       INTEGER NOT NULL,
        email         INTEGER NOT NULL,
        enabled       INTEGER NOT NULL,
        note          TEXT NOT NULL,
        once          INTEGER NOT NULL,  -- fire once, then disable
        band_pct      TEXT NOT NULL,     -- re-arm only past the level by this much
        cooldown_secs INTEGER NOT NULL,
        created_at    INTEGER NOT NULL,  -- unix ms
        armed         INTEGER NOT NULL,
        epoch         INTEGER NOT NULL,  -- firings so far; with id, the next firing's key
        last_fired_at INTEGER            -- unix ms
    );
    CREATE INDEX alert_rules_by_coin ON alert_rules(coin_id, currency);

    -- Written, with its deliveries, before anything is dispatched. No
    -- foreign key to the rule: history outlives a deleted rule.
    CREATE TABLE alert_firings (
        key          TEXT PRIMARY KEY,   -- "<rule id>-<epoch>"
        rule_id      INTEGER NOT NULL,
        coin_id      TEXT NOT NULL,
        symbol       TEXT NOT NULL,
        name         TEXT NOT NULL,
        currency     TEXT NOT NULL,
        kind         TEXT NOT NULL,
        level        TEXT NOT NULL,
        window_secs  INTEGER,
        price        TEXT NOT NULL,
        value        TEXT NOT NULL,      -- what crossed the level: the price or a percentage
        change_24h_pct REAL,
        note         TEXT NOT NULL,
        fired_at     INTEGER NOT NULL,   -- unix ms
        acknowledged INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
    CREATE INDEX alert_firings_by_time ON alert_firings(fired_at);

    CREATE TABLE alert_deliveries (
        firing_key      TEXT NOT NULL REFERENCES alert_firings(key) ON DELETE CASCADE,
        channel         TEXT NOT NULL,   -- desktop, email
        status          TEXT NOT NULL,   -- pending, sent, failed
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,  -- unix ms
        last_error      TEXT,
        sent_at         INTEGER,
        PRIMARY KEY (firing_key, channel)
    ) WITHOUT ROWID;
    CREATE INDEX alert_deliveries_due ON alert_deliveries(channel, status, next_attempt_at);
    "#,
    ),
    M::up(
        r#"
    -- Bumped by every edit of a rule, so the monitor never writes its state
    -- over an edit that landed after it loaded the rule.
    ALTER TABLE alert_rules ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;

    -- The tray's mark counts unseen firings on every start and firing: read
    -- from this index, not the whole history.
    CREATE INDEX alert_firings_unseen ON alert_firings(acknowledged) WHERE acknowledged = 0;
    "#,
    ),
    M::up(
        r#"
    -- The coin view's figures, from the same /coins/markets answer.
    ALTER TABLE quotes ADD COLUMN change_30d_pct REAL;
    ALTER TABLE quotes ADD COLUMN change_1y_pct REAL;
    ALTER TABLE quotes ADD COLUMN ath TEXT;
    ALTER TABLE quotes ADD COLUMN ath_at INTEGER;          -- unix ms
    ALTER TABLE quotes ADD COLUMN atl TEXT;
    ALTER TABLE quotes ADD COLUMN atl_at INTEGER;          -- unix ms
    ALTER TABLE quotes ADD COLUMN circulating_supply TEXT;
    ALTER TABLE quotes ADD COLUMN total_supply TEXT;
    ALTER TABLE quotes ADD COLUMN max_supply TEXT;

    -- Anomaly rules: the trailing span the latest return is measured against.
    ALTER TABLE alert_rules ADD COLUMN lookback_secs INTEGER;
    ALTER TABLE alert_firings ADD COLUMN lookback_secs INTEGER;

    -- A series is one coin priced in one currency; candles key on its id
    -- (a small integer, not two strings, in every one of millions of rows).
    CREATE TABLE series (
        id       INTEGER PRIMARY KEY,
        coin_id  TEXT NOT NULL,
        currency TEXT NOT NULL,
        UNIQUE (coin_id, currency)
    );

    -- Candles at each resolution, all kept up to date on every write, so
    -- a range reads the coarsest resolution that still has its detail.
    CREATE TABLE candles (
        series INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
        res    INTEGER NOT NULL,   -- bucket width, seconds: 60, 300, 3600, 86400
        t      INTEGER NOT NULL,   -- bucket start, unix seconds
        open   TEXT NOT NULL,      -- exact decimals
        high   TEXT NOT NULL,
        low    TEXT NOT NULL,
        close  TEXT NOT NULL,
        volume TEXT,               -- the 24 h volume at the close
        first  INTEGER NOT NULL,   -- seconds into the bucket of the open
        last   INTEGER NOT NULL,   -- seconds into the bucket of the close
        PRIMARY KEY (series, res, t)
    ) WITHOUT ROWID;

    -- Backfill progress, so an interrupted backfill resumes where it was.
    CREATE TABLE backfill_steps (
        series  INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
        step    TEXT NOT NULL,     -- e.g. "market_chart:90", "ohlc:30"
        done_at INTEGER NOT NULL,  -- unix ms
        points  INTEGER NOT NULL,
        PRIMARY KEY (series, step)
    ) WITHOUT ROWID;

    -- Exchange rates against BTC (CoinGecko's /exchange_rates), for the converter.
    CREATE TABLE exchange_rates (
        code       TEXT PRIMARY KEY,  -- lower case: usd, eur, eth, xau
        name       TEXT NOT NULL,
        unit       TEXT NOT NULL,
        kind       TEXT NOT NULL,     -- crypto, fiat, commodity
        per_btc    TEXT NOT NULL,     -- exact decimal: units of this per 1 BTC
        fetched_at INTEGER NOT NULL   -- unix ms
    );

    INSERT INTO series (coin_id, currency) SELECT DISTINCT coin_id, currency FROM price_history;
    "#,
    ),
    M::up(
        r#"
    -- The local portfolio. Amounts are exact decimal TEXT, never REAL.
    CREATE TABLE portfolios (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
        method     TEXT NOT NULL DEFAULT 'fifo',  -- fifo, lifo, hifo, average
        created_at INTEGER NOT NULL               -- unix ms
    );

    CREATE TABLE portfolio_txs (
        id           INTEGER PRIMARY KEY,
        portfolio    INTEGER NOT NULL REFERENCES portfolios(id) ON DELETE CASCADE,
        time         INTEGER NOT NULL,  -- unix seconds
        kind         TEXT NOT NULL,     -- buy, sell, transfer_in, transfer_out, fee, income
        coin_id      TEXT NOT NULL,
        quantity     TEXT NOT NULL,     -- positive
        price        TEXT,              -- a unit's price in `currency`
        currency     TEXT NOT NULL,     -- a fiat code
        fee          TEXT,
        fee_currency TEXT,              -- a fiat code or a coin id
        note         TEXT,
        -- Both legs of a transfer between portfolios share it (the sending leg's id).
        transfer     INTEGER,
        -- An imported row's fingerprint: importing the same file again adds nothing.
        import_key   TEXT UNIQUE,
        created_at   INTEGER NOT NULL   -- unix ms
    );
    CREATE INDEX portfolio_txs_time ON portfolio_txs(time, id);
    "#,
    ),
    M::up(
        r#"
    -- How to read a CSV of no known layout: its columns for each field (JSON).
    CREATE TABLE import_profiles (
        name       TEXT PRIMARY KEY COLLATE NOCASE,
        mapping    TEXT NOT NULL,
        created_at INTEGER NOT NULL  -- unix ms
    );
    "#,
    ),
    M::up(
        r#"
    -- Rules on a portfolio: which one (NULL: all of them), and a drift
    -- rule's target share (exact decimal %). A firing keeps both.
    ALTER TABLE alert_rules ADD COLUMN portfolio TEXT;
    ALTER TABLE alert_rules ADD COLUMN target_pct TEXT;
    ALTER TABLE alert_firings ADD COLUMN portfolio TEXT;
    ALTER TABLE alert_firings ADD COLUMN target_pct TEXT;
    "#,
    ),
    M::up(
        r#"
    -- Where a latest quote's price came from (a source, or a median of several).
    ALTER TABLE quotes ADD COLUMN source TEXT;
    "#,
    ),
    M::up(
        r#"
    -- A price rule's confirmation by a second source within this many seconds.
    ALTER TABLE alert_rules ADD COLUMN confirm_secs INTEGER;
    "#,
    ),
    M::up(
        r#"
    -- The local API's tokens: only each one's SHA-256 (access.rs).
    CREATE TABLE api_tokens (
        name         TEXT PRIMARY KEY,
        hash         BLOB NOT NULL UNIQUE,
        scope        TEXT NOT NULL CHECK (scope IN ('read', 'write')),
        created_at   INTEGER NOT NULL,  -- unix ms
        expires_at   INTEGER,           -- unix ms; NULL: never
        last_used_at INTEGER            -- unix ms, to within a minute
    );
    "#,
    ),
    M::up(
        r#"
    -- Alert channels a user added (model/channel.rs): where and how each
    -- sends, as JSON; a channel's token is in the OS keyring, never here.
    CREATE TABLE alert_channels (
        name       TEXT PRIMARY KEY,
        kind       TEXT NOT NULL,
        config     TEXT NOT NULL,
        created_at INTEGER NOT NULL     -- unix ms
    );
    "#,
    ),
    M::up(
        r#"
    -- The channels a rule sends to besides desktop and email, by name,
    -- comma-separated.
    ALTER TABLE alert_rules ADD COLUMN channels TEXT NOT NULL DEFAULT '';
    "#,
    ),
    M::up(
        r#"
    -- A channel the service refused for good (a bad token, a deleted
    -- webhook): the service's reason, until a send succeeds or the
    -- channel is set again.
    ALTER TABLE alert_channels ADD COLUMN failing TEXT;
    ALTER TABLE alert_channels ADD COLUMN failing_at INTEGER;
    -- When a channel may be sent to (model/channel.rs' ChannelPolicy), as JSON.
    ALTER TABLE alert_channels ADD COLUMN policy TEXT NOT NULL DEFAULT '{}';
    -- A rule whose alerts pass a channel's quiet hours.
    ALTER TABLE alert_rules ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0;
    "#,
    ),
    M::up(
        r#"
    -- A central bank's daily reference rates (the ECB's, through
    -- Frankfurter): units of `quote` for one `base`, per working day it
    -- published. A day without a row (a weekend, a holiday) takes the
    -- working day before's (queries/fiat_rates.rs).
    CREATE TABLE fiat_rates (
        base       TEXT NOT NULL,     -- lower case: eur
        quote      TEXT NOT NULL,     -- lower case: usd
        day        TEXT NOT NULL,     -- YYYY-MM-DD
        rate       TEXT NOT NULL,     -- exact decimal, above 0
        fetched_at INTEGER NOT NULL,  -- unix ms
        PRIMARY KEY (base, quote, day)
    ) WITHOUT ROWID;
    "#,
    ),
];

/// How many migrations this build has: the schema version it writes.
pub(super) fn count() -> usize {
    MIGRATIONS.len()
}

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
