//! Price alerts: rules in SQLite, a monitor that runs them on every market
//! update, and a dispatcher that delivers each firing to the desktop and by
//! e-mail, exactly once.
//!
//! The flow: `Market` publishes an update → [`monitor`] runs the
//! [`evaluate::RuleBook`] on it → each firing is written to SQLite with a
//! pending delivery per channel, in one transaction, before anything is sent
//! → [`dispatch`] delivers what is due, retrying with back-off, and records
//! each attempt. A crash at any point leaves either no firing (the rule is
//! still armed) or a firing whose undelivered channels are retried after a
//! restart. E-mails carry a Message-ID made from the firing key, so one sent
//! just before a crash and sent again after it is one message to a mail client.

pub mod dispatch;
pub mod email;
pub mod evaluate;
pub mod lock;
pub mod monitor;
pub mod notify;
pub mod rule;

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::{Quote, QuoteRequest, Selection};
use crate::store::queries;
use crate::{Engine, format};
use rule::{Channels, Condition, Rule, RuleSpec};

/// One crossing of one rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Firing {
    /// `<rule id>-<epoch>`: unique for ever (rule ids are never reused).
    pub key: String,
    pub rule_id: i64,
    pub epoch: i64,
    pub coin_id: String,
    pub symbol: String,
    pub name: String,
    pub currency: String,
    pub condition: Condition,
    #[serde(with = "rust_decimal::serde::str")]
    pub level: Decimal,
    pub window_secs: Option<u32>,
    #[serde(with = "rust_decimal::serde::str")]
    pub price: Decimal,
    /// What crossed the level: the price, or a percentage.
    #[serde(with = "rust_decimal::serde::str")]
    pub value: Decimal,
    pub change_24h_pct: Option<f64>,
    pub note: String,
    /// Unix ms.
    pub fired_at: i64,
    pub channels: Channels,
}

impl Firing {
    fn new(rule: &Rule, q: &Quote, value: Decimal, now_ms: i64) -> Firing {
        let s = &rule.spec;
        Firing {
            key: format!("{}-{}", rule.id, rule.epoch),
            rule_id: rule.id,
            epoch: rule.epoch,
            coin_id: q.coin_id.clone(),
            symbol: q.symbol.clone(),
            name: q.name.clone(),
            currency: q.currency.clone(),
            condition: s.condition,
            level: s.level,
            window_secs: s.window_secs,
            price: q.price,
            value,
            change_24h_pct: q.change_24h_pct,
            note: s.note.clone(),
            fired_at: now_ms,
            channels: s.channels,
        }
    }

    /// "BTC above $71,000.00", "ETH fell 5.2 % within 1h".
    pub fn headline(&self) -> String {
        let sym = self.symbol.to_ascii_uppercase();
        let pct = |d: Decimal| format!("{} %", d.round_dp(2).normalize());
        let window = rule::format_duration(u64::from(self.window_secs.unwrap_or(0)));
        match self.condition {
            Condition::Above => {
                format!("{sym} above {}", format::price(self.level, &self.currency))
            }
            Condition::Below => {
                format!("{sym} below {}", format::price(self.level, &self.currency))
            }
            Condition::Move | Condition::MoveUp | Condition::MoveDown => {
                let moved = match self.condition {
                    Condition::MoveUp => "rose",
                    Condition::MoveDown => "fell",
                    _ => "moved",
                };
                format!("{sym} {moved} {} within {window}", pct(self.value.abs()))
            }
            Condition::ChangeAbove | Condition::ChangeBelow => {
                format!("{sym} 24h change {}", pct(self.value))
            }
        }
    }

    /// "Bitcoin is at $71,234.56 (alert level $71,000.00), +1.20% in 24h."
    /// and the note.
    pub fn body(&self) -> String {
        let price = format::price(self.price, &self.currency);
        let level = if self.condition.is_price() {
            format::price(self.level, &self.currency)
        } else {
            format!("{} %", self.level.normalize())
        };
        let mut body = format!("{} is at {price} (alert level {level})", self.name);
        if let Some(c) = self.change_24h_pct {
            body.push_str(&format!(", {} in 24h", format::pct(Some(c))));
        }
        body.push('.');
        if !self.note.is_empty() {
            body.push('\n');
            body.push_str(&self.note);
        }
        body
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not yet delivered: waiting for its first attempt or a retry.
    Pending,
    Sent,
    /// Given up after the last retry.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> DeliveryStatus {
        match s {
            "sent" => DeliveryStatus::Sent,
            "failed" => DeliveryStatus::Failed,
            _ => DeliveryStatus::Pending,
        }
    }
}

/// The delivery of one firing on one channel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delivery {
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub sent_at: Option<i64>,
}

/// A firing as the alert history shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    #[serde(flatten)]
    pub firing: Firing,
    pub acknowledged: bool,
    /// Channel name → its delivery.
    pub deliveries: BTreeMap<String, Delivery>,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Alert rules and history, for every front end.
impl Engine {
    /// Validates and stores a new rule (enabled and armed). The coin may be
    /// named by id or symbol.
    pub async fn alert_add(&self, spec: RuleSpec) -> Result<Rule> {
        let spec = self.resolve_rule(spec).await?;
        let id = self
            .store
            .write(|tx| queries::alerts::insert_rule(tx, &spec, now_ms()))?;
        self.alert(id)
    }

    /// Replaces what rule `id` says; it is re-armed.
    pub async fn alert_update(&self, id: i64, spec: RuleSpec) -> Result<Rule> {
        let spec = self.resolve_rule(spec).await?;
        if !self
            .store
            .write(|tx| queries::alerts::update_rule(tx, id, &spec, now_ms()))?
        {
            return Err(Error::NoSuchRule(id));
        }
        self.alert(id)
    }

    pub fn alert_set_enabled(&self, id: i64, enabled: bool) -> Result<Rule> {
        if !self
            .store
            .write(|tx| queries::alerts::set_enabled(tx, id, enabled, now_ms()))?
        {
            return Err(Error::NoSuchRule(id));
        }
        self.alert(id)
    }

    pub fn alert_remove(&self, id: i64) -> Result<()> {
        if !self
            .store
            .write(|tx| queries::alerts::delete_rule(tx, id, now_ms()))?
        {
            return Err(Error::NoSuchRule(id));
        }
        Ok(())
    }

    pub fn alert(&self, id: i64) -> Result<Rule> {
        self.store
            .read(|c| queries::alerts::rule(c, id))?
            .ok_or(Error::NoSuchRule(id))
    }

    pub fn alerts(&self) -> Result<Vec<Rule>> {
        Ok(self.store.read(queries::alerts::rules)?)
    }

    /// The newest `limit` firings, newest first.
    pub fn alert_history(&self, limit: u32) -> Result<Vec<HistoryEntry>> {
        Ok(self.store.read(|c| queries::alerts::history(c, limit))?)
    }

    /// How many firings the user has not yet seen.
    pub fn alerts_unacknowledged(&self) -> Result<i64> {
        Ok(self.store.read(queries::alerts::unacknowledged)?)
    }

    pub fn alerts_acknowledge(&self) -> Result<usize> {
        Ok(self
            .store
            .write(|tx| queries::alerts::acknowledge_all(tx))?)
    }

    /// Whether `rule`'s condition already holds at the last stored price:
    /// a new rule then fires at the next update (front ends say so).
    pub fn alert_already_beyond(&self, rule: &Rule) -> Option<bool> {
        let s = &rule.spec;
        if !s.condition.is_price() {
            return None;
        }
        let req = QuoteRequest {
            selection: Selection::Coins(vec![s.coin_id.clone()]),
            currency: s.currency.clone(),
        };
        let q = self.market.stored(&req).ok()?.into_iter().next()?;
        Some(if s.condition.is_downward() {
            q.price <= s.level
        } else {
            q.price >= s.level
        })
    }

    /// The e-mail sender for this data directory. It reads the e-mail
    /// settings from the config file at each send.
    pub fn mailer(&self) -> Result<email::Mailer> {
        let settings = self.settings();
        let source: email::EmailSource =
            std::sync::Arc::new(move || settings.reload_email().map_err(|e| e.to_string()));
        Ok(email::Mailer::new(source, self.install_id()?))
    }

    /// A random id of this data directory, made on first use.
    fn install_id(&self) -> Result<String> {
        const KEY: &str = "install_id";
        Ok(self.store.write(|tx| {
            if let Some(id) = queries::state::get(tx, KEY)? {
                return Ok(id);
            }
            let id = format!("{:016x}", rand::random::<u64>());
            queries::state::set(tx, KEY, &id, now_ms())?;
            Ok(id)
        })?)
    }

    /// What the refresher fetches: the default request, and the coins of
    /// enabled alert rules it does not cover (per currency), so every rule
    /// sees its coin's price.
    pub fn refresh_requests(&self) -> Result<Vec<QuoteRequest>> {
        let main = self.default_request()?;
        let covered = |coin: &str, currency: &str| {
            currency == main.currency
                && matches!(&main.selection, Selection::Coins(ids) if ids.iter().any(|i| i == coin))
        };
        let mut extra: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for r in self.alerts()?.into_iter().filter(|r| r.enabled) {
            let s = r.spec;
            if !covered(&s.coin_id, &s.currency) {
                let ids = extra.entry(s.currency).or_default();
                if !ids.contains(&s.coin_id) {
                    ids.push(s.coin_id);
                }
            }
        }
        let mut requests = vec![main];
        requests.extend(extra.into_iter().map(|(currency, ids)| QuoteRequest {
            selection: Selection::Coins(ids),
            currency,
        }));
        Ok(requests)
    }

    async fn resolve_rule(&self, spec: RuleSpec) -> Result<RuleSpec> {
        let mut spec = spec.validate()?;
        spec.coin_id = match self.market.resolve_coin(&spec.coin_id).await {
            Ok(c) => c.id,
            // Offline with no coin list yet: a coin we have stored quotes
            // for is still a coin.
            Err(Error::Provider(_)) if self.is_known_coin(&spec.coin_id)? => spec.coin_id,
            Err(e) => return Err(e),
        };
        Ok(spec)
    }

    fn is_known_coin(&self, id: &str) -> Result<bool> {
        Ok(self
            .store
            .read(|c| queries::coins::search(c, id, 1))?
            .iter()
            .any(|c| c.id == id))
    }
}
