//! What an alert rule says, the checks every new or edited rule passes
//! whatever front end it came from, and what a firing and its deliveries
//! record. Plain data: the store and the alert services both depend on this
//! module, and it depends on neither. What differs from one condition to
//! another is in its definition (`condition.rs`, and one file per family:
//! `quote.rs`, `window.rs`, `portfolio.rs`); this file holds what every
//! rule shares.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::format;
use crate::model::Quote;

mod condition;
mod portfolio;
mod quote;
mod window;

pub use condition::{
    Condition, ConditionDef, Flag, HoldingReading, Inputs, Level, PortfolioReading, Reading,
    Subject, Worth, rules_that,
};

/// Every condition's definition, in the order of [`Condition::ALL`] (and
/// of the enum: [`Condition::def`] indexes it; a test checks). Kept here,
/// above `condition.rs` and the families, so that no sibling imports
/// another that imports it back.
static DEFS: [&ConditionDef; 14] = [
    &quote::ABOVE,
    &quote::BELOW,
    &window::MOVE,
    &window::MOVE_UP,
    &window::MOVE_DOWN,
    &quote::CHANGE_ABOVE,
    &quote::CHANGE_BELOW,
    &window::ANOMALY,
    &portfolio::VALUE_ABOVE,
    &portfolio::VALUE_BELOW,
    &portfolio::PNL_ABOVE,
    &portfolio::PNL_BELOW,
    &portfolio::DRIFT,
    &quote::SPREAD_ABOVE,
];

/// Where a firing is delivered: the built-in channels, and the channels a
/// user added (model/channel.rs) by name.
#[derive(
    Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
pub struct Channels {
    pub desktop: bool,
    pub email: bool,
    /// Channels a user added (`coinlytics channel add`), by name.
    #[serde(default)]
    pub named: Vec<String>,
    /// Sent through a channel's quiet hours.
    #[serde(default)]
    pub urgent: bool,
}

impl Channels {
    pub fn names(&self) -> Vec<&str> {
        let mut v = Vec::new();
        if self.desktop {
            v.push("desktop");
        }
        if self.email {
            v.push("email");
        }
        v.extend(self.named.iter().map(String::as_str));
        v
    }

    pub fn is_empty(&self) -> bool {
        !self.desktop && !self.email && self.named.is_empty()
    }

    /// `desktop,email,phone` → both built-in ones and the channel `phone`
    /// (whether it exists is the application layer's to check).
    pub fn parse(list: &str) -> Result<Channels, RuleError> {
        let mut c = Channels::default();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match name.to_ascii_lowercase().as_str() {
                "desktop" => c.desktop = true,
                "email" | "e-mail" => c.email = true,
                _ => {
                    let name =
                        crate::model::channel::channel_name(name).map_err(|e| RuleError(e.0))?;
                    if !c.named.contains(&name) {
                        c.named.push(name);
                    }
                }
            }
        }
        Ok(c)
    }
}

/// What a user asks for; validated by [`RuleSpec::validate`] before it is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct RuleSpec {
    /// Empty for a rule on a portfolio's value.
    pub coin_id: String,
    pub currency: String,
    /// Portfolio rules: the portfolio read; `None`: all of them together.
    #[serde(default)]
    pub portfolio: Option<String>,
    /// Drift rules: the holding's target share, in %.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    #[ts(type = "string | null")]
    pub target_pct: Option<Decimal>,
    pub condition: Condition,
    /// A price for above/below; a percentage for the others (of the move,
    /// or of the 24-hour change, which may be negative).
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub level: Decimal,
    /// Move and anomaly rules only: the window the move is measured over.
    pub window_secs: Option<u32>,
    /// Anomaly rules only: how far back the window's usual returns are
    /// measured ([`DEFAULT_LOOKBACK_SECS`] when not given).
    pub lookback_secs: Option<u32>,
    pub channels: Channels,
    pub note: String,
    /// Fire once, then disable; otherwise re-arm past the band.
    pub once: bool,
    /// Re-arm only after the reading goes back past the level by this much:
    /// a percentage of the level for price rules, percentage points for the
    /// move and 24h change rules, standard deviations for anomaly rules.
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub band_pct: Decimal,
    /// The least time between two firings of the rule.
    pub cooldown_secs: u32,
    /// Price rules only: fire only when a second source's price is past
    /// the level too, one received within this many seconds, so one bad
    /// tick cannot fire it.
    #[serde(default)]
    pub confirm_secs: Option<u32>,
}

/// A second source's confirmation is looked for within 5 s to an hour.
pub const CONFIRM_SECS: RangeInclusive<u32> = 5..=3600;
pub const DEFAULT_BAND_PCT: Decimal = Decimal::from_parts(5, 0, 0, false, 1);
/// The widest band: 50 % of a price level (points or σ for the others).
pub const MAX_BAND_PCT: Decimal = Decimal::from_parts(50, 0, 0, false, 0);
/// A move's or an anomaly's window: a minute to a week.
pub const WINDOW_SECS: RangeInclusive<u32> = 60..=7 * 24 * 3600;
/// The window a form proposes for a new move or anomaly rule.
pub const DEFAULT_WINDOW_SECS: u32 = 3600;
/// An anomaly rule's lookback when none is given: a week of the window's
/// returns (168 of them for a 1h window).
pub const DEFAULT_LOOKBACK_SECS: u32 = 7 * 24 * 3600;
/// The longest lookback: as long as 5-minute candles are kept, beyond which
/// the seeded history would be hourly only.
pub const MAX_LOOKBACK_SECS: u32 = 90 * 24 * 3600;
/// A lookback spans at least this many windows: `analytics::anomaly` needs
/// five trailing returns before it answers at all.
pub const MIN_LOOKBACK_WINDOWS: u64 = 5;
/// The highest anomaly level, in standard deviations: beyond it a rule
/// would never fire on any real series.
pub const MAX_SIGMAS: Decimal = Decimal::from_parts(20, 0, 0, false, 0);
pub const MAX_COOLDOWN_SECS: u32 = 30 * 24 * 3600;
/// The longest note, in characters.
pub const MAX_NOTE: u32 = 500;
/// The highest price level a rule takes: far above any coin's price in any
/// currency, and low enough that every sum and product the monitor makes
/// with it (the band, a level ± the band) stays exact within `Decimal`.
pub const MAX_PRICE_LEVEL: Decimal = Decimal::from_parts(0xA4C6_8000, 0x38D7E, 0, false, 0);

/// A rule that cannot be stored, and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct RuleError(pub String);

impl RuleSpec {
    /// Checks what no front end may get wrong; normalises case and spaces.
    /// What every rule passes is here; what only one condition asks (its
    /// level's bounds) is that condition's own [`ConditionDef::check`].
    pub fn validate(mut self) -> Result<RuleSpec, RuleError> {
        let bad = |m: String| Err(RuleError(m));
        self.coin_id = self.coin_id.trim().to_ascii_lowercase();
        self.currency = self.currency.trim().to_ascii_lowercase();
        self.note = self.note.trim().to_string();
        let c = self.condition;
        if !c.takes_coin() {
            self.coin_id.clear();
        } else if self.coin_id.is_empty() || self.coin_id.len() > 100 {
            return bad("a rule needs a coin".into());
        }
        self.portfolio = self
            .portfolio
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty());
        if self.portfolio.is_some() && !c.is_portfolio() {
            return bad("a portfolio goes only with a rule on the portfolio".into());
        }
        match (c.takes_target(), self.target_pct) {
            (true, Some(t)) if (Decimal::ZERO..=Decimal::ONE_HUNDRED).contains(&t) => {}
            (true, _) => {
                return bad(format!(
                    "{} needs a target share from 0 to 100 %",
                    c.rule_name()
                ));
            }
            (false, Some(_)) => {
                return bad(format!(
                    "a target share goes only with {}",
                    condition::rules_that(|d| d.target)
                ));
            }
            (false, None) => {}
        }
        match self.confirm_secs {
            Some(_) if !c.takes_confirm() => {
                let keys: Vec<&str> = Condition::ALL
                    .into_iter()
                    .filter(|c| c.takes_confirm())
                    .map(Condition::as_str)
                    .collect();
                return bad(format!(
                    "a second source's confirmation goes only with {} ({})",
                    condition::rules_that(|d| d.confirm),
                    keys.join(" or ")
                ));
            }
            Some(s) if !CONFIRM_SECS.contains(&s) => {
                return bad(format!(
                    "the confirmation window must be from {} to {}, not {}",
                    format_duration(u64::from(*CONFIRM_SECS.start())),
                    format_duration(u64::from(*CONFIRM_SECS.end())),
                    format_duration(u64::from(s))
                ));
            }
            _ => {}
        }
        if !(2..=10).contains(&self.currency.len())
            || !self.currency.bytes().all(|b| b.is_ascii_lowercase())
        {
            return bad(format!("'{}' is not a currency code", self.currency));
        }
        (c.def().check)(&self)?;
        if c.takes_window() {
            match self.window_secs {
                Some(w) if WINDOW_SECS.contains(&w) => {}
                _ => {
                    return bad(format!(
                        "{} needs a window from {} to {}, e.g. 1h",
                        c.rule_name(),
                        format_duration(u64::from(*WINDOW_SECS.start())),
                        format_duration(u64::from(*WINDOW_SECS.end()))
                    ));
                }
            }
        } else {
            self.window_secs = None;
        }
        match (c.takes_lookback(), self.window_secs) {
            (true, Some(window)) => {
                let lookback = *self.lookback_secs.get_or_insert(DEFAULT_LOOKBACK_SECS);
                let (window, lookback) = (u64::from(window), u64::from(lookback));
                let least = window * MIN_LOOKBACK_WINDOWS;
                if lookback < least || lookback > u64::from(MAX_LOOKBACK_SECS) {
                    return bad(format!(
                        "the lookback must be at least {MIN_LOOKBACK_WINDOWS} times the window \
                         ({} for a {} window) and at most {}, not {}",
                        format_duration(least),
                        format_duration(window),
                        format_duration(u64::from(MAX_LOOKBACK_SECS)),
                        format_duration(lookback)
                    ));
                }
            }
            _ => self.lookback_secs = None,
        }
        if self.channels.is_empty() {
            return bad("a rule needs at least one channel: desktop, email or one added".into());
        }
        if self.channels.named.len() > crate::model::channel::MAX_CHANNELS {
            return bad("a rule names too many channels".into());
        }
        for name in &self.channels.named {
            if crate::model::channel::channel_name(name).as_ref() != Ok(name) {
                return bad(format!("'{name}' is not a channel's name"));
            }
        }
        if self.band_pct < Decimal::ZERO || self.band_pct > MAX_BAND_PCT {
            return bad(format!(
                "the band must be from 0 to {MAX_BAND_PCT} %, not {}",
                self.band_pct
            ));
        }
        if self.cooldown_secs > MAX_COOLDOWN_SECS {
            return bad(format!(
                "the cooldown can be at most {} days",
                MAX_COOLDOWN_SECS / 86_400
            ));
        }
        if self.note.chars().count() > MAX_NOTE as usize {
            return bad(format!("the note can be at most {MAX_NOTE} characters"));
        }
        Ok(self)
    }

    /// "Bitcoin: price rises above $71,000.00", "Ethereum: price moves
    /// (either way) by 5 % within 1h", "Solana: price moves unusually,
    /// beyond 3 σ within 1h (against 7d)": the one wording of a rule, for
    /// every front end. `coin` is the coin's name where known, else its id.
    pub fn describe(&self, coin: &str) -> String {
        let text = describe(
            self.condition,
            self.level,
            &self.currency,
            (self.window_secs, self.lookback_secs),
            (coin, self.portfolio.as_deref(), self.target_pct),
        );
        match self.confirm_secs {
            Some(s) => format!(
                "{text}, confirmed by a second source within {}",
                format_duration(u64::from(s))
            ),
            None => text,
        }
    }
}

/// A rule's level in words: "$71,000.00", "5 %", "3 σ".
fn level_text(c: Condition, level: Decimal, currency: &str) -> String {
    match c.level_unit() {
        None => format::price(level, currency),
        Some(unit) => format!("{} {unit}", level.normalize()),
    }
}

/// "Holding's P&L rises to" → "holding's P&L rises to".
fn lower_first(label: &str) -> String {
    let mut chars = label.chars();
    chars
        .next()
        .map(|f| f.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A portfolio rule's portfolio in words: "Ledger", or "all portfolios".
fn portfolio_label(portfolio: Option<&str>) -> &str {
    portfolio.unwrap_or("all portfolios")
}

fn describe(
    c: Condition,
    level: Decimal,
    currency: &str,
    (window, lookback): (Option<u32>, Option<u32>),
    (coin, portfolio, target): (&str, Option<&str>, Option<Decimal>),
) -> String {
    let level = level_text(c, level, currency);
    if c.is_portfolio() {
        let whose = portfolio_label(portfolio);
        let subject = if c.takes_coin() {
            format!("{coin} in {whose}")
        } else {
            let mut w = whose.chars();
            w.next()
                .map(|f| f.to_uppercase().chain(w).collect())
                .unwrap_or_default()
        };
        let target = target
            .map(|t| format!(" (target {} %)", t.normalize()))
            .unwrap_or_default();
        return format!("{subject}: {} {level}{target}", lower_first(c.label()));
    }
    let window = match window {
        Some(w) if c.takes_window() => format!(" within {}", format_duration(u64::from(w))),
        _ => String::new(),
    };
    let lookback = match lookback {
        Some(l) if c.takes_lookback() => format!(" (against {})", format_duration(u64::from(l))),
        _ => String::new(),
    };
    format!(
        "{coin}: {} {level}{window}{lookback}",
        lower_first(c.label())
    )
}

/// A stored rule with the monitor's state of it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Rule {
    pub id: i64,
    #[serde(flatten)]
    pub spec: RuleSpec,
    pub enabled: bool,
    /// Unix ms.
    pub created_at: i64,
    /// Fires at the next crossing (false after a firing, until re-armed).
    pub armed: bool,
    /// Firings so far.
    pub epoch: i64,
    pub last_fired_at: Option<i64>,
    /// Bumped by every edit (save, enable, disable): the monitor writes its
    /// state back only onto the revision it evaluated.
    #[serde(skip)]
    #[ts(skip)]
    pub rev: i64,
}

impl Rule {
    /// A rule as it is stored when created: enabled, armed, never fired.
    pub fn new(id: i64, spec: RuleSpec, created_at: i64) -> Rule {
        Rule {
            id,
            spec,
            enabled: true,
            created_at,
            armed: true,
            epoch: 0,
            last_fired_at: None,
            rev: 0,
        }
    }
}

/// One crossing of one rule.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
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
    #[ts(type = "string")]
    pub level: Decimal,
    pub window_secs: Option<u32>,
    /// Anomaly rules: the lookback the window's move was measured against.
    pub lookback_secs: Option<u32>,
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub price: Decimal,
    /// What crossed the level: the price, a percentage, or for an anomaly
    /// rule the z-score (signed: below 0 when the move was below the usual).
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub value: Decimal,
    pub change_24h_pct: Option<f64>,
    pub note: String,
    /// Unix ms.
    pub fired_at: i64,
    pub channels: Channels,
    /// Portfolio rules: the portfolio read (`None`: all of them).
    pub portfolio: Option<String>,
    /// Drift rules: the target share, in %.
    #[serde(with = "rust_decimal::serde::str_option")]
    #[ts(type = "string | null")]
    pub target_pct: Option<Decimal>,
}

impl Firing {
    pub(crate) fn new(rule: &Rule, q: &Quote, value: Decimal, now_ms: i64) -> Firing {
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
            lookback_secs: s.lookback_secs,
            price: q.price,
            value,
            change_24h_pct: q.change_24h_pct,
            note: s.note.clone(),
            fired_at: now_ms,
            channels: s.channels.clone(),
            portfolio: None,
            target_pct: None,
        }
    }

    /// A portfolio rule's firing. `name` and `symbol` are the coin's (a
    /// value rule's: the portfolio's name and none); `worth` is what the
    /// holding or the portfolio is worth; `value` the reading that crossed
    /// (the value, the P&L %, the share %).
    pub(crate) fn on_portfolio(
        rule: &Rule,
        (name, symbol): (&str, &str),
        worth: Decimal,
        value: Decimal,
        now_ms: i64,
    ) -> Firing {
        let s = &rule.spec;
        Firing {
            key: format!("{}-{}", rule.id, rule.epoch),
            rule_id: rule.id,
            epoch: rule.epoch,
            coin_id: s.coin_id.clone(),
            symbol: symbol.to_string(),
            name: name.to_string(),
            currency: s.currency.clone(),
            condition: s.condition,
            level: s.level,
            window_secs: None,
            lookback_secs: None,
            price: worth,
            value,
            change_24h_pct: None,
            note: s.note.clone(),
            fired_at: now_ms,
            channels: s.channels.clone(),
            portfolio: s.portfolio.clone(),
            target_pct: s.target_pct,
        }
    }

    /// "BTC above $71,000.00", "ETH fell 5.2 % within 1h", "SOL moved
    /// unusually: 4.12 σ above its usual 1h move": the condition's own
    /// wording ([`ConditionDef::headline`]).
    pub fn headline(&self) -> String {
        (self.condition.def().headline)(self)
    }

    /// "Bitcoin is at $71,234.56 (alert level $71,000.00), +1.20% in 24h."
    /// ("alert level 3 σ against 7d" for an anomaly rule; the condition's
    /// own, [`ConditionDef::body`]) and the note.
    pub fn body(&self) -> String {
        let mut body = (self.condition.def().body)(self);
        if !self.note.is_empty() {
            body.push('\n');
            body.push_str(&self.note);
        }
        body
    }

    /// The coin's symbol as a headline shows it: "BTC".
    fn sym(&self) -> String {
        self.symbol.to_ascii_uppercase()
    }

    /// " in Ledger" after `sep`; nothing for all portfolios.
    fn whose(&self, sep: &str) -> String {
        self.portfolio
            .as_deref()
            .map(|p| format!("{sep}{p}"))
            .unwrap_or_default()
    }
}

/// A percentage as a headline shows it: "5.2 %".
fn pct_text(d: Decimal) -> String {
    format!("{} %", d.round_dp(2).normalize())
}

/// A firing's window: "1h".
fn window_text(f: &Firing) -> String {
    format_duration(u64::from(f.window_secs.unwrap_or(0)))
}

/// The body of a rule on a coin's quote or prices: "Bitcoin is at
/// $71,234.56 (alert level $71,000.00), +1.20% in 24h."
fn quote_body(f: &Firing) -> String {
    let price = format::price(f.price, &f.currency);
    let mut level = level_text(f.condition, f.level, &f.currency);
    if let Some(l) = f.lookback_secs.filter(|_| f.condition.takes_lookback()) {
        level.push_str(&format!(" against {}", format_duration(u64::from(l))));
    }
    let mut body = format!("{} is at {price} (alert level {level})", f.name);
    if let Some(c) = f.change_24h_pct {
        body.push_str(&format!(", {} in 24h", format::pct(Some(c))));
    }
    body.push('.');
    body
}

/// A money level's checks: above zero, at most [`MAX_PRICE_LEVEL`].
fn money_level(s: &RuleSpec) -> Result<(), RuleError> {
    if s.level <= Decimal::ZERO {
        let what = if s.condition.is_portfolio() {
            "value"
        } else {
            "price"
        };
        return Err(RuleError(format!(
            "the {what} level must be above zero, not {}",
            s.level
        )));
    }
    if s.level > MAX_PRICE_LEVEL {
        return Err(RuleError(format!(
            "the price level can be at most {MAX_PRICE_LEVEL} (10^15), not {}",
            s.level
        )));
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not yet delivered: waiting for its first attempt or a retry.
    Pending,
    /// Claimed by the dispatcher and being sent; after a crash, sent again
    /// (at least once).
    Sending,
    Sent,
    /// Given up after the last retry.
    Failed,
    /// Held back by the channel's quiet hours, until they end.
    Held,
    /// Not sent, as the channel's quiet hours or daily cap say.
    Dropped,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sending => "sending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Held => "held",
            DeliveryStatus::Dropped => "dropped",
        }
    }

    pub fn parse(s: &str) -> DeliveryStatus {
        match s {
            "sending" => DeliveryStatus::Sending,
            "sent" => DeliveryStatus::Sent,
            "failed" => DeliveryStatus::Failed,
            "held" => DeliveryStatus::Held,
            "dropped" => DeliveryStatus::Dropped,
            _ => DeliveryStatus::Pending,
        }
    }
}

/// The delivery of one firing on one channel.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Delivery {
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub sent_at: Option<i64>,
    /// The status in words: "Sent", "Retrying (2)".
    pub label: String,
}

impl Delivery {
    pub fn new(
        status: DeliveryStatus,
        attempts: u32,
        last_error: Option<String>,
        sent_at: Option<i64>,
    ) -> Delivery {
        let label = match status {
            DeliveryStatus::Sent => "Sent".into(),
            DeliveryStatus::Sending => "Sending".into(),
            DeliveryStatus::Failed => "Failed".into(),
            DeliveryStatus::Held => "Held back".into(),
            DeliveryStatus::Dropped => "Not sent".into(),
            DeliveryStatus::Pending if attempts > 0 => format!("Retrying ({attempts})"),
            DeliveryStatus::Pending => "Pending".into(),
        };
        Delivery {
            status,
            attempts,
            last_error,
            sent_at,
            label,
        }
    }
}

/// A firing as the alert history shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct HistoryEntry {
    #[serde(flatten)]
    pub firing: Firing,
    /// The rule as it was when it fired, in words ([`RuleSpec::describe`]).
    pub description: String,
    pub acknowledged: bool,
    /// Channel name → its delivery.
    pub deliveries: BTreeMap<String, Delivery>,
}

impl HistoryEntry {
    /// An entry with no deliveries yet.
    pub fn new(firing: Firing, acknowledged: bool) -> HistoryEntry {
        let f = &firing;
        HistoryEntry {
            description: describe(
                f.condition,
                f.level,
                &f.currency,
                (f.window_secs, f.lookback_secs),
                (&f.name, f.portfolio.as_deref(), f.target_pct),
            ),
            firing,
            acknowledged,
            deliveries: BTreeMap::new(),
        }
    }
}

impl Rule {
    /// Where the rule stands, in words: "Armed", "Re-arms below the band".
    /// `beyond_now`: the last stored price is already past the level.
    pub fn state_label(&self, beyond_now: Option<bool>) -> &'static str {
        match (self.enabled, self.armed) {
            (false, _) if self.spec.once && self.epoch > 0 => "Done (fired once)",
            (false, _) => "Disabled",
            (true, true) if beyond_now == Some(true) => "Fires at the next update",
            (true, true) => "Armed",
            (true, false) if self.spec.condition.is_downward() => "Re-arms above the band",
            (true, false) => "Re-arms below the band",
        }
    }
}

/// Parses "90s", "15m", "1h", "2d", "0s", or plain seconds.
pub fn parse_duration(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num.parse().ok()?;
    let mult = match unit.trim() {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    n.checked_mul(mult)
}

/// The shortest exact form: 3600 → "1h", 90 → "90s".
pub fn format_duration(secs: u64) -> String {
    match secs {
        0 => "0s".into(),
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(condition: Condition, level: i64) -> RuleSpec {
        RuleSpec {
            coin_id: " Bitcoin ".into(),
            currency: "USD".into(),
            window_secs: None,
            ..crate::testing::rule_spec("bitcoin", condition, &level.to_string())
        }
    }

    #[test]
    fn validation_normalises_and_refuses_nonsense() {
        let ok = spec(Condition::Above, 71_000).validate().expect("valid");
        assert_eq!(
            (ok.coin_id.as_str(), ok.currency.as_str()),
            ("bitcoin", "usd")
        );
        assert_eq!(
            ok.describe("Bitcoin"),
            "Bitcoin: price rises above $71,000.00"
        );
        assert!(spec(Condition::Below, 0).validate().is_err());
        assert!(
            spec(Condition::Move, 5).validate().is_err(),
            "needs a window"
        );
        let mut m = spec(Condition::Move, 5);
        m.window_secs = Some(3600);
        assert_eq!(
            m.validate().expect("valid").describe("bitcoin"),
            "bitcoin: price moves (either way) by 5 % within 1h"
        );
        let mut none = spec(Condition::Above, 1);
        none.channels = Channels::default();
        assert!(none.validate().is_err());
        assert!(spec(Condition::ChangeBelow, -10).validate().is_ok());
        assert_eq!(DEFAULT_BAND_PCT.to_string(), "0.5");
    }

    fn anomaly(k: &str, window: Option<u32>, lookback: Option<u32>) -> Result<RuleSpec, String> {
        RuleSpec {
            window_secs: window,
            lookback_secs: lookback,
            ..crate::testing::rule_spec("solana", Condition::Anomaly, k)
        }
        .validate()
        .map_err(|e| e.0)
    }

    #[test]
    fn an_anomaly_rule_takes_k_sigmas_a_window_and_a_lookback_of_five_windows_or_more() {
        let ok = anomaly("3", Some(3600), None).expect("valid");
        assert_eq!(ok.lookback_secs, Some(7 * 86_400), "a week when not given");
        assert_eq!(
            ok.describe("Solana"),
            "Solana: price moves unusually, beyond 3 σ within 1h (against 7d)"
        );
        assert!(anomaly("20", Some(60), Some(300)).is_ok(), "the bounds");
        assert!(anomaly("0.6", Some(3600), Some(90 * 86_400)).is_ok());
        for k in ["0", "-1", "20.5"] {
            assert_eq!(
                anomaly(k, Some(3600), None),
                Err(format!(
                    "the anomaly level must be above 0 and at most 20 standard deviations, not {k}"
                ))
            );
        }
        assert_eq!(
            anomaly("3", Some(3600), Some(4 * 3600)),
            Err(
                "the lookback must be at least 5 times the window (5h for a 1h window) \
                 and at most 90d, not 4h"
                    .into()
            )
        );
        assert_eq!(
            anomaly("3", Some(2 * 86_400), None),
            Err(
                "the lookback must be at least 5 times the window (10d for a 2d window) \
                 and at most 90d, not 7d"
                    .into()
            ),
            "the default week is too short for a 2-day window"
        );
        assert_eq!(
            anomaly("3", Some(3600), Some(91 * 86_400)),
            Err(
                "the lookback must be at least 5 times the window (5h for a 1h window) \
                 and at most 90d, not 91d"
                    .into()
            )
        );
        for window in [None, Some(59), Some(8 * 86_400)] {
            assert_eq!(
                anomaly("3", window, None),
                Err("an anomaly rule needs a window from 1m to 7d, e.g. 1h".into())
            );
        }
        let mut wide = crate::testing::rule_spec("solana", Condition::Anomaly, "3");
        wide.band_pct = Decimal::from(3);
        assert_eq!(
            wide.clone().validate().map_err(|e| e.0),
            Err(
                "the band (3 σ) must be narrower than the level (3 σ), or the rule never re-arms"
                    .into()
            )
        );
        wide.once = true;
        assert!(
            wide.validate().is_ok(),
            "a rule that fires once never re-arms"
        );
        // Other rules drop a lookback.
        let mut above = spec(Condition::Above, 1);
        above.lookback_secs = Some(86_400);
        assert_eq!(above.validate().expect("valid").lookback_secs, None);
    }

    #[test]
    fn an_anomaly_firing_is_worded_in_sigmas_on_the_side_it_fell() {
        let rule = Rule::new(
            4,
            crate::testing::rule_spec("solana", Condition::Anomaly, "3"),
            0,
        );
        let q = Quote {
            change_24h_pct: Some(4.1),
            name: "Solana".into(),
            symbol: "sol".into(),
            ..crate::testing::quote("solana", "160")
        };
        let up = Firing::new(&rule, &q, "3.4172".parse().expect("z"), 0);
        assert_eq!(up.lookback_secs, Some(7 * 86_400));
        assert_eq!(
            up.headline(),
            "SOL moved unusually: 3.42 σ above its usual 1h move"
        );
        assert_eq!(
            up.body(),
            "Solana is at $160.00 (alert level 3 σ against 7d), +4.10% in 24h."
        );
        let down = Firing::new(&rule, &q, "-5".parse().expect("z"), 0);
        assert_eq!(
            down.headline(),
            "SOL moved unusually: 5 σ below its usual 1h move"
        );
        assert_eq!(
            HistoryEntry::new(down, false).description,
            "Solana: price moves unusually, beyond 3 σ within 1h (against 7d)"
        );
    }

    #[test]
    fn durations_and_channels_parse() {
        assert_eq!(parse_duration("1h"), Some(3600));
        assert_eq!(parse_duration("0s"), Some(0));
        assert_eq!(parse_duration("90"), Some(90));
        assert_eq!(parse_duration("5x"), None);
        assert_eq!(format_duration(5400), "90m");
        assert_eq!(
            Channels::parse("desktop, email, Phone,phone").expect("valid"),
            Channels {
                desktop: true,
                email: true,
                named: vec!["phone".into()],
                urgent: false,
            }
        );
        assert!(Channels::parse("my phone").is_err());
        assert!(Channels::parse("").expect("valid").is_empty());
    }
}
