//! `alert_rules`, `alert_firings`, `alert_deliveries`: the rules, each
//! firing (written before anything is dispatched) and the delivery of each
//! firing on each of its channels.

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use super::{decimal_col, opt_decimal_col, state};
use crate::model::alert::{
    Channels, Condition, Delivery, DeliveryStatus, Firing, HistoryEntry, Rule, RuleSpec,
};

/// Bumped on every change to a rule, so a monitor in another process
/// notices edits without re-reading the rules on every update.
const RULES_REV: &str = "alert_rules_rev";

pub fn rules_rev(conn: &Connection) -> rusqlite::Result<i64> {
    Ok(state::get(conn, RULES_REV)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

fn bump_rev(conn: &Connection, now_ms: i64) -> rusqlite::Result<()> {
    let next = rules_rev(conn)? + 1;
    state::set(conn, RULES_REV, &next.to_string(), now_ms)
}

const RULE_COLUMNS: &str = "id, coin_id, currency, kind, level, window_secs, desktop, email, \
     enabled, note, once, band_pct, cooldown_secs, created_at, armed, epoch, last_fired_at, rev, \
     lookback_secs, portfolio, target_pct, confirm_secs, channels, urgent";

fn bad_kind(idx: usize, kind: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        idx,
        rusqlite::types::Type::Text,
        format!("unknown alert kind '{kind}'").into(),
    )
}

fn rule_row(r: &Row) -> rusqlite::Result<Rule> {
    let kind: String = r.get(3)?;
    Ok(Rule {
        id: r.get(0)?,
        spec: RuleSpec {
            coin_id: r.get(1)?,
            currency: r.get(2)?,
            portfolio: r.get(19)?,
            target_pct: opt_decimal_col(r, 20)?,
            condition: Condition::parse(&kind).ok_or_else(|| bad_kind(3, &kind))?,
            level: decimal_col(r, 4)?,
            window_secs: r.get(5)?,
            lookback_secs: r.get(18)?,
            channels: Channels {
                desktop: r.get(6)?,
                email: r.get(7)?,
                named: r
                    .get::<_, String>(22)?
                    .split(',')
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned)
                    .collect(),
                urgent: r.get(23)?,
            },
            note: r.get(9)?,
            once: r.get(10)?,
            band_pct: decimal_col(r, 11)?,
            cooldown_secs: r.get(12)?,
            confirm_secs: r.get(21)?,
        },
        enabled: r.get(8)?,
        created_at: r.get(13)?,
        armed: r.get(14)?,
        epoch: r.get(15)?,
        last_fired_at: r.get(16)?,
        rev: r.get(17)?,
    })
}

/// What a spec sets, as `?2` to `?18` of the statements below.
fn spec_values(s: &RuleSpec) -> [Value; 17] {
    [
        s.coin_id.clone().into(),
        s.currency.clone().into(),
        s.condition.as_str().to_string().into(),
        s.level.to_string().into(),
        s.window_secs.into(),
        s.channels.desktop.into(),
        s.channels.email.into(),
        s.note.clone().into(),
        s.once.into(),
        s.band_pct.to_string().into(),
        s.cooldown_secs.into(),
        s.lookback_secs.into(),
        s.portfolio.clone().into(),
        s.target_pct.map(|t| t.to_string()).into(),
        s.confirm_secs.into(),
        s.channels.named.join(",").into(),
        s.channels.urgent.into(),
    ]
}

fn with_spec(first: i64, s: &RuleSpec) -> impl rusqlite::Params {
    params_from_iter(std::iter::once(Value::from(first)).chain(spec_values(s)))
}

/// Stores a new, armed rule; returns its id.
pub fn insert_rule(conn: &Connection, s: &RuleSpec, now_ms: i64) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO alert_rules (created_at, coin_id, currency, kind, level, window_secs,
             desktop, email, note, once, band_pct, cooldown_secs, lookback_secs, portfolio,
             target_pct, confirm_secs, channels, urgent, enabled, armed, epoch)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
                 1, 1, 0)",
    )?
    .execute(with_spec(now_ms, s))?;
    let id = conn.last_insert_rowid();
    bump_rev(conn, now_ms)?;
    Ok(id)
}

/// Replaces what rule `id` says and re-arms it (a new level is a new rule
/// as far as crossings go); its firing count, and so its keys, go on.
pub fn update_rule(
    conn: &Connection,
    id: i64,
    s: &RuleSpec,
    now_ms: i64,
) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE alert_rules SET coin_id = ?2, currency = ?3, kind = ?4, level = ?5,
                 window_secs = ?6, desktop = ?7, email = ?8, note = ?9, once = ?10,
                 band_pct = ?11, cooldown_secs = ?12, lookback_secs = ?13, portfolio = ?14,
                 target_pct = ?15, confirm_secs = ?16, channels = ?17, urgent = ?18, armed = 1,
                 last_fired_at = NULL,
                 rev = rev + 1
             WHERE id = ?1",
        )?
        .execute(with_spec(id, s))?;
    if n > 0 {
        bump_rev(conn, now_ms)?;
    }
    Ok(n > 0)
}

/// Enabling re-arms the rule, so it fires if already beyond its level.
pub fn set_enabled(
    conn: &Connection,
    id: i64,
    enabled: bool,
    now_ms: i64,
) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE alert_rules SET enabled = ?2, armed = CASE WHEN ?2 THEN 1 ELSE armed END,
                 rev = rev + 1
             WHERE id = ?1",
        )?
        .execute(params![id, enabled])?;
    if n > 0 {
        bump_rev(conn, now_ms)?;
    }
    Ok(n > 0)
}

pub fn delete_rule(conn: &Connection, id: i64, now_ms: i64) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached("DELETE FROM alert_rules WHERE id = ?1")?
        .execute([id])?;
    if n > 0 {
        bump_rev(conn, now_ms)?;
    }
    Ok(n > 0)
}

pub fn rules(conn: &Connection) -> rusqlite::Result<Vec<Rule>> {
    conn.prepare_cached(&format!(
        "SELECT {RULE_COLUMNS} FROM alert_rules ORDER BY id"
    ))?
    .query_map([], rule_row)?
    .collect()
}

pub fn rule(conn: &Connection, id: i64) -> rusqlite::Result<Option<Rule>> {
    conn.prepare_cached(&format!(
        "SELECT {RULE_COLUMNS} FROM alert_rules WHERE id = ?1"
    ))?
    .query_row([id], rule_row)
    .optional()
}

/// Writes back the monitor's state of `r`, if the rule is still the
/// revision the monitor evaluated; false if it was edited, disabled or
/// deleted meanwhile (the edit wins). Not a rule edit: the revisions stay.
pub fn save_state(conn: &Connection, r: &Rule) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE alert_rules SET armed = ?2, epoch = ?3, last_fired_at = ?4, enabled = ?5
             WHERE id = ?1 AND rev = ?6",
        )?
        .execute(params![
            r.id,
            r.armed,
            r.epoch,
            r.last_fired_at,
            r.enabled,
            r.rev
        ])?;
    Ok(n > 0)
}

/// Records a firing and a pending delivery per channel. A key already
/// stored is left as it is, so recording is idempotent.
pub fn insert_firing(conn: &Connection, f: &Firing) -> rusqlite::Result<bool> {
    let new =
        conn.prepare_cached(
            "INSERT OR IGNORE INTO alert_firings (key, rule_id, coin_id, symbol, name, currency,
                 kind, level, window_secs, price, value, change_24h_pct, note, fired_at,
                 lookback_secs, portfolio, target_pct)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        )?
        .execute(params![
            f.key,
            f.rule_id,
            f.coin_id,
            f.symbol,
            f.name,
            f.currency,
            f.condition.as_str(),
            f.level.to_string(),
            f.window_secs,
            f.price.to_string(),
            f.value.to_string(),
            f.change_24h_pct,
            f.note,
            f.fired_at,
            f.lookback_secs,
            f.portfolio,
            f.target_pct.map(|t| t.to_string()),
        ])? > 0;
    if new {
        let mut stmt = conn.prepare_cached(
            "INSERT INTO alert_deliveries (firing_key, channel, status, next_attempt_at)
             VALUES (?1, ?2, 'pending', ?3)",
        )?;
        for channel in f.channels.names() {
            stmt.execute(params![f.key, channel, f.fired_at])?;
        }
    }
    Ok(new)
}

const FIRING_COLUMNS: &str = "f.key, f.rule_id, f.coin_id, f.symbol, f.name, f.currency, f.kind, \
     f.level, f.window_secs, f.price, f.value, f.change_24h_pct, f.note, f.fired_at, f.acknowledged, \
     f.lookback_secs, f.portfolio, f.target_pct";

/// How many columns `FIRING_COLUMNS` has: a query's next column's index.
const FIRING_COLUMN_COUNT: usize = 18;

fn firing_row(r: &Row) -> rusqlite::Result<Firing> {
    let key: String = r.get(0)?;
    let kind: String = r.get(6)?;
    Ok(Firing {
        epoch: key
            .rsplit_once('-')
            .and_then(|(_, e)| e.parse().ok())
            .unwrap_or_default(),
        key,
        rule_id: r.get(1)?,
        coin_id: r.get(2)?,
        symbol: r.get(3)?,
        name: r.get(4)?,
        currency: r.get(5)?,
        condition: Condition::parse(&kind).ok_or_else(|| bad_kind(6, &kind))?,
        level: decimal_col(r, 7)?,
        window_secs: r.get(8)?,
        lookback_secs: r.get(15)?,
        price: decimal_col(r, 9)?,
        value: decimal_col(r, 10)?,
        change_24h_pct: r.get(11)?,
        note: r.get(12)?,
        fired_at: r.get(13)?,
        channels: Channels::default(),
        portfolio: r.get(16)?,
        target_pct: opt_decimal_col(r, 17)?,
    })
}

/// Firings with a delivery on `channel` due by `now_ms`, oldest first. A
/// retry set for later than `horizon_ms` (past any back-off) was set by a
/// clock that has since stepped back: it is due now.
pub fn due(
    conn: &Connection,
    channel: &str,
    now_ms: i64,
    horizon_ms: i64,
    limit: u32,
) -> rusqlite::Result<Vec<(Firing, u32)>> {
    conn.prepare_cached(&format!(
        "SELECT {FIRING_COLUMNS}, d.attempts FROM alert_deliveries d
         JOIN alert_firings f ON f.key = d.firing_key
         WHERE d.channel = ?1
           AND ((d.status = 'pending' AND (d.next_attempt_at <= ?2 OR d.next_attempt_at > ?3))
             OR (d.status = 'held' AND d.next_attempt_at <= ?2))
         ORDER BY d.next_attempt_at LIMIT ?4"
    ))?
    .query_map(params![channel, now_ms, horizon_ms, limit], |r| {
        Ok((firing_row(r)?, r.get(FIRING_COLUMN_COUNT)?))
    })?
    .collect()
}

/// When the next pending delivery on `channel` is due.
pub fn next_due(conn: &Connection, channel: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached(
        "SELECT min(next_attempt_at) FROM alert_deliveries
         WHERE channel = ?1 AND status IN ('pending', 'held')",
    )?
    .query_row([channel], |r| r.get(0))
}

/// Claims a pending delivery before it is attempted: `sending`, one more
/// attempt. False if it is no longer pending. A delivery is never sent
/// unclaimed, so a send whose outcome cannot be recorded is not repeated.
pub fn claim(conn: &Connection, key: &str, channel: &str, now_ms: i64) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE alert_deliveries SET status = 'sending', attempts = attempts + 1,
                 next_attempt_at = ?3
             WHERE firing_key = ?1 AND channel = ?2 AND status IN ('pending', 'held')",
        )?
        .execute(params![key, channel, now_ms])?;
    Ok(n > 0)
}

/// Deliveries a dispatcher claimed and never recorded (the process died
/// mid-send) are pending again: at least once. Only the monitor holding the
/// data directory's lock dispatches, so none is being sent right now.
pub fn requeue_interrupted(conn: &Connection, channel: &str) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "UPDATE alert_deliveries SET status = 'pending' WHERE channel = ?1 AND status = 'sending'",
    )?
    .execute([channel])
}

/// Records the outcome of a claimed attempt: sent, failed for good, or to
/// be retried at `retry_at`.
pub fn record_attempt(
    conn: &Connection,
    key: &str,
    channel: &str,
    status: DeliveryStatus,
    error: Option<&str>,
    now_ms: i64,
    retry_at: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE alert_deliveries SET status = ?3, last_error = ?4, next_attempt_at = ?6,
             sent_at = CASE WHEN ?3 = 'sent' THEN ?5 ELSE sent_at END
         WHERE firing_key = ?1 AND channel = ?2",
    )?
    .execute(params![
        key,
        channel,
        status.as_str(),
        error,
        now_ms,
        retry_at
    ])?;
    Ok(())
}

/// The newest `limit` firings with their deliveries, newest first.
pub fn history(conn: &Connection, limit: u32) -> rusqlite::Result<Vec<HistoryEntry>> {
    let mut entries: Vec<HistoryEntry> = conn
        .prepare_cached(&format!(
            "SELECT {FIRING_COLUMNS} FROM alert_firings f ORDER BY f.fired_at DESC, f.key DESC LIMIT ?1"
        ))?
        .query_map([limit], |r| {
            Ok(HistoryEntry::new(firing_row(r)?, r.get(14)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT channel, status, attempts, last_error, sent_at FROM alert_deliveries
         WHERE firing_key = ?1",
    )?;
    for e in &mut entries {
        for d in stmt.query_map([&e.firing.key], |r| {
            let status: String = r.get(1)?;
            Ok((
                r.get::<_, String>(0)?,
                Delivery::new(
                    DeliveryStatus::parse(&status),
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                ),
            ))
        })? {
            let (channel, delivery) = d?;
            match channel.as_str() {
                "desktop" => e.firing.channels.desktop = true,
                "email" => e.firing.channels.email = true,
                other => e.firing.channels.named.push(other.to_owned()),
            }
            e.deliveries.insert(channel, delivery);
        }
    }
    Ok(entries)
}

/// The delivery of the newest firing sent to `channel`, if any.
pub fn last_delivery(conn: &Connection, channel: &str) -> rusqlite::Result<Option<Delivery>> {
    conn.prepare_cached(
        "SELECT d.status, d.attempts, d.last_error, d.sent_at FROM alert_deliveries d
         JOIN alert_firings f ON f.key = d.firing_key
         WHERE d.channel = ?1 ORDER BY f.fired_at DESC, f.key DESC LIMIT 1",
    )?
    .query_row([channel], |r| {
        let status: String = r.get(0)?;
        Ok(Delivery::new(
            DeliveryStatus::parse(&status),
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
        ))
    })
    .optional()
}

/// How many messages `channel` was sent since `since_ms`.
pub fn sent_since(conn: &Connection, channel: &str, since_ms: i64) -> rusqlite::Result<u32> {
    conn.prepare_cached(
        "SELECT count(*) FROM alert_deliveries
         WHERE channel = ?1 AND status = 'sent' AND sent_at >= ?2",
    )?
    .query_row(params![channel, since_ms], |r| r.get(0))
}

/// Whether rule `id` is urgent; false once it is removed.
pub fn rule_urgent(conn: &Connection, id: i64) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached("SELECT urgent FROM alert_rules WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?
        .unwrap_or(false))
}

pub fn unacknowledged(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT count(*) FROM alert_firings WHERE acknowledged = 0")?
        .query_row([], |r| r.get(0))
}

pub fn acknowledge_all(conn: &Connection) -> rusqlite::Result<usize> {
    conn.prepare_cached("UPDATE alert_firings SET acknowledged = 1 WHERE acknowledged = 0")?
        .execute([])
}

/// Forgets firings older than `before_ms`, with their deliveries, except
/// one still being delivered; returns how many.
pub fn prune(conn: &Connection, before_ms: i64) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "DELETE FROM alert_firings WHERE fired_at < ?1 AND NOT EXISTS (
             SELECT 1 FROM alert_deliveries d
             WHERE d.firing_key = alert_firings.key AND d.status IN ('pending', 'sending', 'held'))",
    )?
    .execute([before_ms])
}
