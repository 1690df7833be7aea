//! Alert rules, what they fired, and the monitor that watches them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::Engine;
use crate::alerts::email::{EmailSource, Mailer};
use crate::alerts::lock::MonitorLock;
use crate::alerts::notify::{DesktopNotifier, Notifier, OnClick};
use crate::error::{Error, Result};
use crate::model::alert::{
    Channels, Condition, DEFAULT_BAND_PCT, DEFAULT_LOOKBACK_SECS, DEFAULT_WINDOW_SECS,
    HistoryEntry, MAX_NOTE, Rule, RuleError, RuleSpec, parse_duration, rules_that,
};
use crate::model::{CoinId, QuoteRequest, Selection, amount};
// What the monitor tells front ends, and the monitor a front end runs.
pub use crate::alerts::dispatch::DeliveryEvent;
pub use crate::monitor::{AlertEvent, Monitor};
use crate::store::queries;

/// The most firings a history shows.
pub const MAX_HISTORY: u32 = 10_000;
const ICON: &[u8] = include_bytes!("../../../../icons/128x128.png");

/// A rule as a user gives it, every value as typed: the window's form and
/// the CLI's flags both become one, and [`RuleInput::parse`] gives both the
/// same answer.
#[derive(Debug, Clone, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct RuleInput {
    /// An id (`bitcoin`) or symbol (`btc`); empty for a rule on a
    /// portfolio's value.
    pub coin: String,
    /// The level's currency; `None`: the configured one.
    pub currency: Option<String>,
    /// Portfolio rules: a portfolio's name; `None`: all of them.
    pub portfolio: Option<String>,
    /// Drift rules: the target share, in %.
    pub target: Option<String>,
    pub condition: Condition,
    /// A price, a percentage, or standard deviations (see [`RuleSpec::level`]).
    pub level: String,
    /// Move and anomaly rules: a duration like `1h` or seconds.
    pub window: Option<String>,
    /// Anomaly rules: a duration like `7d`; `None`: a week.
    pub lookback: Option<String>,
    pub channels: Channels,
    pub note: String,
    pub once: bool,
    /// `None`: the default band (0.5 %).
    pub band_pct: Option<String>,
    /// A duration like `10m`; `None`: no cooldown.
    pub cooldown: Option<String>,
    /// Price rules: a duration like `30s` within which a second source
    /// must confirm the crossing; `None`: one source is enough.
    #[serde(default)]
    #[ts(optional)]
    pub confirm: Option<String>,
}

fn number(what: &str, v: &str) -> Result<Decimal, RuleError> {
    amount::parse(v).map_err(|_| RuleError(format!("{what} must be a number, not '{}'", v.trim())))
}

fn duration(what: &str, v: &str) -> Result<u32, RuleError> {
    parse_duration(v)
        .and_then(|s| u32::try_from(s).ok())
        .ok_or_else(|| {
            RuleError(format!(
                "{what} must be a duration like 90s, 15m, 1h or 2d, not '{}'",
                v.trim()
            ))
        })
}

impl RuleInput {
    /// The rule this input asks for, checked ([`RuleSpec::validate`]); the
    /// coin is not yet resolved.
    pub fn parse(&self, default_currency: &str) -> Result<RuleSpec, RuleError> {
        let window_secs = match &self.window {
            Some(w) if self.condition.takes_window() => Some(duration("the window", w)?),
            Some(w) if !w.trim().is_empty() => {
                return Err(RuleError(format!(
                    "a window goes only with {}",
                    rules_that(|d| d.window)
                )));
            }
            _ => None,
        };
        let lookback_secs = match &self.lookback {
            Some(l) if self.condition.takes_lookback() => Some(duration("the lookback", l)?),
            Some(l) if !l.trim().is_empty() => {
                return Err(RuleError(format!(
                    "a lookback goes only with {}",
                    rules_that(|d| d.lookback)
                )));
            }
            _ => None,
        };
        RuleSpec {
            coin_id: self.coin.clone(),
            currency: self
                .currency
                .clone()
                .filter(|c| !c.trim().is_empty())
                .unwrap_or_else(|| default_currency.to_string()),
            portfolio: self.portfolio.clone(),
            target_pct: match &self.target {
                Some(t) if !t.trim().is_empty() => {
                    Some(number("the target", t.trim_end_matches('%'))?)
                }
                _ => None,
            },
            condition: self.condition,
            level: number("the level", &self.level)?,
            window_secs,
            lookback_secs,
            channels: self.channels.clone(),
            note: self.note.clone(),
            once: self.once,
            band_pct: match &self.band_pct {
                Some(b) => number("the band", b)?,
                None => DEFAULT_BAND_PCT,
            },
            cooldown_secs: match &self.cooldown {
                Some(c) => duration("the cooldown", c)?,
                None => 0,
            },
            confirm_secs: match &self.confirm {
                Some(c) if !c.trim().is_empty() => Some(duration("the confirmation window", c)?),
                _ => None,
            },
        }
        .validate()
    }
}

/// A rule as front ends show it.
#[derive(Debug, Clone, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct RuleView {
    #[serde(flatten)]
    pub rule: Rule,
    /// [`RuleSpec::describe`] with the coin's name.
    pub description: String,
    /// [`Rule::state_label`].
    pub state: String,
    /// The last stored price is already beyond the level: the rule fires
    /// at the next update. `None` for rules not on the price.
    pub beyond_now: Option<bool>,
}

/// A condition as a form offers it.
#[derive(Debug, Clone, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct ConditionInfo {
    pub condition: Condition,
    pub label: &'static str,
    /// The level is a price (in the rule's currency)...
    pub price: bool,
    /// ...else a number of this unit: "%" or "σ".
    pub unit: Option<&'static str>,
    /// The rule needs a window.
    pub window: bool,
    /// The rule takes a lookback (a week when not given).
    pub lookback: bool,
    /// The rule reads a portfolio (one, or all of them).
    pub portfolio: bool,
    /// The rule is about one coin.
    pub coin: bool,
    /// The rule takes a target share.
    pub target: bool,
    /// The rule can ask for a second source's confirmation.
    pub confirm: bool,
}

/// Every condition, in the order a form lists them.
pub fn conditions() -> Vec<ConditionInfo> {
    Condition::ALL
        .into_iter()
        .map(|c| ConditionInfo {
            condition: c,
            label: c.label(),
            price: c.is_price(),
            unit: c.level_unit(),
            window: c.takes_window(),
            lookback: c.takes_lookback(),
            portfolio: c.is_portfolio(),
            coin: c.takes_coin(),
            target: c.takes_target(),
            confirm: c.takes_confirm(),
        })
        .collect()
}

/// What a form starts a new rule from, and the note's limit a form holds
/// the user to as they type: the engine's own numbers, so no front end
/// keeps one.
#[derive(Debug, Clone, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct RuleForm {
    /// The band a rule re-arms past when none is given.
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub band_pct: Decimal,
    /// A new move or anomaly rule's window.
    pub window_secs: u32,
    /// A new anomaly rule's lookback.
    pub lookback_secs: u32,
    /// The longest note, in characters.
    pub note_max_chars: u32,
}

/// A new rule's defaults and limits, for a form.
pub fn rule_form() -> RuleForm {
    RuleForm {
        band_pct: DEFAULT_BAND_PCT,
        window_secs: DEFAULT_WINDOW_SECS,
        lookback_secs: DEFAULT_LOOKBACK_SECS,
        note_max_chars: MAX_NOTE,
    }
}

impl Engine {
    /// Validates and stores a new rule (enabled and armed), or replaces
    /// what rule `id` says (re-arming it). The coin may be named by id or
    /// symbol.
    pub async fn alert_save(&self, id: Option<i64>, input: &RuleInput) -> Result<RuleView> {
        let spec = self
            .resolve_rule(input.parse(&self.settings().currency)?)
            .await?;
        let known = self.store.read(queries::channels::list)?;
        if let Some(missing) =
            (spec.channels.named.iter()).find(|n| !known.iter().any(|k| k.name == **n))
        {
            return Err(crate::model::InvalidInput(format!(
                "no channel named '{missing}' (`coinlytics channel ls` lists them, `coinlytics channel add` adds one)"
            ))
            .into());
        }
        let now = super::now_ms();
        let id = match id {
            None => self
                .store
                .write(|tx| queries::alerts::insert_rule(tx, &spec, now))?,
            Some(id) => {
                if !self
                    .store
                    .write(|tx| queries::alerts::update_rule(tx, id, &spec, now))?
                {
                    return Err(Error::NoSuchRule(id));
                }
                id
            }
        };
        self.alert(id)
    }

    pub fn alert_set_enabled(&self, id: i64, enabled: bool) -> Result<RuleView> {
        let now = super::now_ms();
        if !self
            .store
            .write(|tx| queries::alerts::set_enabled(tx, id, enabled, now))?
        {
            return Err(Error::NoSuchRule(id));
        }
        self.alert(id)
    }

    /// Removes rule `id`; what it fired stays in the history.
    pub fn alert_remove(&self, id: i64) -> Result<()> {
        let now = super::now_ms();
        if !self
            .store
            .write(|tx| queries::alerts::delete_rule(tx, id, now))?
        {
            return Err(Error::NoSuchRule(id));
        }
        Ok(())
    }

    pub fn alert(&self, id: i64) -> Result<RuleView> {
        let rule = self
            .store
            .read(|c| queries::alerts::rule(c, id))?
            .ok_or(Error::NoSuchRule(id))?;
        self.rule_view(rule)
    }

    pub fn alerts(&self) -> Result<Vec<RuleView>> {
        let rules = self.store.read(queries::alerts::rules)?;
        rules.into_iter().map(|r| self.rule_view(r)).collect()
    }

    /// The newest `limit` firings (1 to [`MAX_HISTORY`]), newest first.
    pub fn alert_history(&self, limit: u32) -> Result<Vec<HistoryEntry>> {
        let limit = limit.clamp(1, MAX_HISTORY);
        Ok(self.store.read(|c| queries::alerts::history(c, limit))?)
    }

    /// How many firings the user has not yet seen.
    pub fn alerts_unacknowledged(&self) -> Result<i64> {
        Ok(self.store.read(queries::alerts::unacknowledged)?)
    }

    /// Marks every firing seen; returns how many were not.
    pub fn alerts_acknowledge(&self) -> Result<usize> {
        Ok(self
            .store
            .write(|tx| queries::alerts::acknowledge_all(tx))?)
    }

    /// Takes this data directory's monitor lock as `who` and starts the
    /// alert monitor; fails with a conflict if another process monitors
    /// already. `on_click` runs when a notification is clicked.
    pub fn start_monitor(
        self: &Arc<Self>,
        who: &str,
        on_click: Option<OnClick>,
    ) -> Result<Monitor> {
        let icon = notification_icon(&self.settings().data_dir);
        self.start_monitor_with(who, Arc::new(DesktopNotifier::new(icon, on_click)))
    }

    /// [`Engine::start_monitor`] with another desktop notifier (a
    /// benchmark's recorder).
    pub fn start_monitor_with(
        self: &Arc<Self>,
        who: &str,
        notifier: Arc<dyn Notifier>,
    ) -> Result<Monitor> {
        let lock = MonitorLock::try_acquire(&self.settings().data_dir, who)?;
        let mailer = Arc::new(self.mailer()?);
        Ok(Monitor::start(self.clone(), lock, notifier, mailer))
    }

    /// The e-mail sender for this data directory. It reads the e-mail
    /// settings from the config file at each send.
    pub(crate) fn mailer(&self) -> Result<Mailer> {
        let settings = self.settings();
        let source: EmailSource =
            Arc::new(move || settings.reload_email().map_err(|e| e.to_string()));
        Ok(Mailer::new(source, self.install_id()?))
    }

    /// A random id of this data directory, made on first use.
    fn install_id(&self) -> Result<String> {
        const KEY: &str = "install_id";
        let now = super::now_ms();
        Ok(self.store.write(|tx| {
            if let Some(id) = queries::state::get(tx, KEY)? {
                return Ok(id);
            }
            let id = format!("{:016x}", rand::random::<u64>());
            queries::state::set(tx, KEY, &id, now)?;
            Ok(id)
        })?)
    }

    fn rule_view(&self, rule: Rule) -> Result<RuleView> {
        let s = &rule.spec;
        let name = self
            .store
            .read(|c| queries::coins::find(c, &s.coin_id))?
            .filter(|c| c.id == s.coin_id)
            .map_or_else(|| s.coin_id.clone(), |c| c.name);
        let beyond_now = self.already_beyond(s);
        Ok(RuleView {
            description: s.describe(&name),
            state: rule.state_label(beyond_now).to_string(),
            beyond_now,
            rule,
        })
    }

    /// Whether the condition already holds at the last stored price: a new
    /// rule then fires at the next update (front ends say so).
    fn already_beyond(&self, s: &RuleSpec) -> Option<bool> {
        if !s.condition.is_price() || s.condition.is_portfolio() {
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

    async fn resolve_rule(&self, mut spec: RuleSpec) -> Result<RuleSpec> {
        // A rule in a currency the source does not quote would never see a
        // price, and its request would fail on every refresh.
        self.supported_currency(&spec.currency).await?;
        if let Some(name) = &spec.portfolio {
            // Stored as the portfolio spells it, so the monitor finds it.
            spec.portfolio = Some(self.portfolio(name)?.name);
        }
        if !spec.condition.takes_coin() {
            return Ok(spec);
        }
        let coin = CoinId::parse(&spec.coin_id)?;
        // The stored coins first (so offline, a coin with stored quotes is
        // still a coin), then the coin list: as a transaction's coin is.
        spec.coin_id = self.market.resolve_coin(coin.as_str()).await?.id;
        Ok(spec)
    }
}

/// The app icon as a file, for notification servers that take a path.
fn notification_icon(data_dir: &Path) -> Option<PathBuf> {
    let path = data_dir.join("icons").join("coinlytics.png");
    if std::fs::read(&path).ok().as_deref() != Some(ICON) {
        let written =
            std::fs::create_dir_all(path.parent()?).and_then(|()| std::fs::write(&path, ICON));
        if let Err(e) = written {
            tracing::warn!(error = %e, "cannot write the notification icon");
            return None;
        }
    }
    Some(path)
}
