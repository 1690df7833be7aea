//! What an alert rule says, the checks every new or edited rule passes
//! whatever front end it came from, and what a firing and its deliveries
//! record. Plain data: the store and the alert services both depend on this
//! module, and it depends on neither.

use std::collections::BTreeMap;
use std::time::Duration;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::format;
use crate::model::Quote;

/// When a rule is beyond its level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// The price is at or above the level.
    Above,
    /// The price is at or below the level.
    Below,
    /// The price moved by at least `level` % either way within the window.
    Move,
    /// The price rose by at least `level` % within the window.
    MoveUp,
    /// The price fell by at least `level` % within the window.
    MoveDown,
    /// The 24-hour change is at or above `level` %.
    ChangeAbove,
    /// The 24-hour change is at or below `level` %.
    ChangeBelow,
    /// The latest return over the window lies `level` standard deviations
    /// or more (either way) from the mean of the same window's returns
    /// over the lookback before it (`analytics::anomaly`).
    Anomaly,
    /// A portfolio's (or all portfolios') market value is at or above the
    /// level.
    ValueAbove,
    /// A portfolio's market value is at or below the level.
    ValueBelow,
    /// A holding's unrealized P&L, in % of its cost basis, is at or above
    /// the level.
    PnlAbove,
    /// A holding's unrealized P&L % is at or below the level.
    PnlBelow,
    /// A holding's share of the portfolio's value is `level` percentage
    /// points or more away from its target (`target_pct`).
    Drift,
    /// The coin's fresh sources are `level` % or more apart: (highest −
    /// lowest) / their median.
    SpreadAbove,
}

impl Condition {
    pub const ALL: [Condition; 14] = [
        Condition::Above,
        Condition::Below,
        Condition::Move,
        Condition::MoveUp,
        Condition::MoveDown,
        Condition::ChangeAbove,
        Condition::ChangeBelow,
        Condition::Anomaly,
        Condition::ValueAbove,
        Condition::ValueBelow,
        Condition::PnlAbove,
        Condition::PnlBelow,
        Condition::Drift,
        Condition::SpreadAbove,
    ];

    /// What the rule watches, as a form offers it: "Price rises above".
    pub fn label(self) -> &'static str {
        match self {
            Condition::Above => "Price rises above",
            Condition::Below => "Price falls below",
            Condition::Move => "Price moves (either way) by",
            Condition::MoveUp => "Price rises by",
            Condition::MoveDown => "Price falls by",
            Condition::ChangeAbove => "24h change rises to",
            Condition::ChangeBelow => "24h change falls to",
            Condition::Anomaly => "Price moves unusually, beyond",
            Condition::ValueAbove => "Portfolio value rises above",
            Condition::ValueBelow => "Portfolio value falls below",
            Condition::PnlAbove => "Holding's P&L rises to",
            Condition::PnlBelow => "Holding's P&L falls to",
            Condition::Drift => "Holding's share drifts from its target by",
            Condition::SpreadAbove => "Sources disagree by",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Condition::Above => "above",
            Condition::Below => "below",
            Condition::Move => "move",
            Condition::MoveUp => "move_up",
            Condition::MoveDown => "move_down",
            Condition::ChangeAbove => "change_above",
            Condition::ChangeBelow => "change_below",
            Condition::Anomaly => "anomaly",
            Condition::ValueAbove => "value_above",
            Condition::ValueBelow => "value_below",
            Condition::PnlAbove => "pnl_above",
            Condition::PnlBelow => "pnl_below",
            Condition::Drift => "drift",
            Condition::SpreadAbove => "spread_above",
        }
    }

    pub fn parse(s: &str) -> Option<Condition> {
        Condition::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The level is an amount of money (a price, or a portfolio's value)
    /// in the rule's currency, not a percentage.
    pub fn is_price(self) -> bool {
        matches!(
            self,
            Condition::Above | Condition::Below | Condition::ValueAbove | Condition::ValueBelow
        )
    }

    /// The rule reads a portfolio's holdings, not a coin's quote.
    pub fn is_portfolio(self) -> bool {
        matches!(
            self,
            Condition::ValueAbove
                | Condition::ValueBelow
                | Condition::PnlAbove
                | Condition::PnlBelow
                | Condition::Drift
        )
    }

    /// The rule is about one coin (every rule but a portfolio's value).
    pub fn takes_coin(self) -> bool {
        !matches!(self, Condition::ValueAbove | Condition::ValueBelow)
    }

    /// A second source's confirmation can be asked for (`confirm_secs`):
    /// a coin's price above or below a level.
    pub fn takes_confirm(self) -> bool {
        matches!(self, Condition::Above | Condition::Below)
    }

    /// The rule has a target share (`target_pct`).
    pub fn takes_target(self) -> bool {
        self == Condition::Drift
    }

    pub fn is_move(self) -> bool {
        matches!(
            self,
            Condition::Move | Condition::MoveUp | Condition::MoveDown
        )
    }

    /// The rule is measured over a window of time (`window_secs`).
    pub fn takes_window(self) -> bool {
        self.is_move() || self == Condition::Anomaly
    }

    /// The rule compares its window with the lookback before it
    /// (`lookback_secs`).
    pub fn takes_lookback(self) -> bool {
        self == Condition::Anomaly
    }

    /// The unit of a level that is not a price: "%" (of a move or of the
    /// 24-hour change) or "σ" (standard deviations); `None` for a price,
    /// whose unit is the rule's currency.
    pub fn level_unit(self) -> Option<&'static str> {
        match self {
            Condition::Above | Condition::Below => None,
            Condition::ValueAbove | Condition::ValueBelow => None,
            Condition::Anomaly => Some("σ"),
            Condition::Drift => Some("points"),
            _ => Some("%"),
        }
    }

    /// The reading is beyond the level when it is low, not high.
    pub fn is_downward(self) -> bool {
        matches!(
            self,
            Condition::Below | Condition::ChangeBelow | Condition::ValueBelow | Condition::PnlBelow
        )
    }
}

/// Where a firing is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
pub struct Channels {
    pub desktop: bool,
    pub email: bool,
}

impl Channels {
    pub fn names(self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.desktop {
            v.push("desktop");
        }
        if self.email {
            v.push("email");
        }
        v
    }

    /// `desktop,email` → both; unknown names are an error.
    pub fn parse(list: &str) -> Result<Channels, RuleError> {
        let mut c = Channels::default();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match name.to_ascii_lowercase().as_str() {
                "desktop" => c.desktop = true,
                "email" | "e-mail" => c.email = true,
                _ => {
                    return Err(RuleError(format!(
                        "unknown channel '{name}': expected desktop or email"
                    )));
                }
            }
        }
        Ok(c)
    }
}

/// What a user asks for; validated by [`RuleSpec::validate`] before it is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
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
const MIN_CONFIRM: u32 = 5;
const MAX_CONFIRM: u32 = 3600;
pub const DEFAULT_BAND_PCT: Decimal = Decimal::from_parts(5, 0, 0, false, 1);
const MAX_WINDOW: Duration = Duration::from_secs(7 * 24 * 3600);
/// An anomaly rule's lookback when none is given: a week of the window's
/// returns (168 of them for a 1h window).
pub const DEFAULT_LOOKBACK_SECS: u32 = 7 * 24 * 3600;
/// The longest lookback: as long as 5-minute candles are kept, beyond which
/// the seeded history would be hourly only.
const MAX_LOOKBACK: Duration = Duration::from_secs(90 * 24 * 3600);
/// A lookback spans at least this many windows: `analytics::anomaly` needs
/// five trailing returns before it answers at all.
const MIN_LOOKBACK_WINDOWS: u64 = 5;
/// The highest anomaly level, in standard deviations: beyond it a rule
/// would never fire on any real series.
const MAX_SIGMAS: Decimal = Decimal::from_parts(20, 0, 0, false, 0);
const MAX_COOLDOWN: Duration = Duration::from_secs(30 * 24 * 3600);
const MAX_NOTE: usize = 500;
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
            (true, _) => return bad("a drift rule needs a target share from 0 to 100 %".into()),
            (false, Some(_)) => return bad("a target share goes only with a drift rule".into()),
            (false, None) => {}
        }
        if matches!(c, Condition::PnlAbove | Condition::PnlBelow)
            && (self.level < -Decimal::ONE_HUNDRED || self.level > Decimal::from(100_000))
        {
            return bad(format!(
                "a P&L level must be from -100 to 100000 %, not {}",
                self.level
            ));
        }
        match self.confirm_secs {
            Some(_) if !c.takes_confirm() => {
                return bad(
                    "a second source's confirmation goes only with a price rule (above or below)"
                        .into(),
                );
            }
            Some(s) if !(MIN_CONFIRM..=MAX_CONFIRM).contains(&s) => {
                return bad(format!(
                    "the confirmation window must be from {} to {}, not {}",
                    format_duration(u64::from(MIN_CONFIRM)),
                    format_duration(u64::from(MAX_CONFIRM)),
                    format_duration(u64::from(s))
                ));
            }
            _ => {}
        }
        if c == Condition::SpreadAbove
            && (self.level <= Decimal::ZERO || self.level > Decimal::ONE_HUNDRED)
        {
            return bad(format!(
                "the spread must be a percentage above 0 and at most 100, not {}",
                self.level
            ));
        }
        if c == Condition::Drift
            && (self.level <= Decimal::ZERO || self.level > Decimal::ONE_HUNDRED)
        {
            return bad(format!(
                "the drift must be above 0 and at most 100 percentage points, not {}",
                self.level
            ));
        }
        if !(2..=10).contains(&self.currency.len())
            || !self.currency.bytes().all(|b| b.is_ascii_lowercase())
        {
            return bad(format!("'{}' is not a currency code", self.currency));
        }
        if c.is_price() && self.level <= Decimal::ZERO {
            let what = if c.is_portfolio() { "value" } else { "price" };
            return bad(format!(
                "the {what} level must be above zero, not {}",
                self.level
            ));
        }
        if c.is_price() && self.level > MAX_PRICE_LEVEL {
            return bad(format!(
                "the price level can be at most {MAX_PRICE_LEVEL} (10^15), not {}",
                self.level
            ));
        }
        if c.is_move() && (self.level <= Decimal::ZERO || self.level > Decimal::from(1000)) {
            return bad(format!(
                "the move must be a percentage above 0 and at most 1000, not {}",
                self.level
            ));
        }
        if c == Condition::Anomaly && (self.level <= Decimal::ZERO || self.level > MAX_SIGMAS) {
            return bad(format!(
                "the anomaly level must be above 0 and at most {MAX_SIGMAS} standard deviations, not {}",
                self.level
            ));
        }
        // An anomaly rule's band is in σ: one as wide as the level would
        // wait for |z| below zero to re-arm, which never comes.
        if c == Condition::Anomaly && !self.once && self.band_pct >= self.level {
            return bad(format!(
                "the band ({} σ) must be narrower than the level ({} σ), or the rule never re-arms",
                self.band_pct.normalize(),
                self.level.normalize()
            ));
        }
        if c.takes_window() {
            match self.window_secs {
                Some(w) if w >= 60 && u64::from(w) <= MAX_WINDOW.as_secs() => {}
                _ => {
                    let kind = if c.is_move() { "a move" } else { "an anomaly" };
                    return bad(format!("{kind} rule needs a window from 1m to 7d, e.g. 1h"));
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
                if lookback < least || lookback > MAX_LOOKBACK.as_secs() {
                    return bad(format!(
                        "the lookback must be at least {MIN_LOOKBACK_WINDOWS} times the window \
                         ({} for a {} window) and at most {}, not {}",
                        format_duration(least),
                        format_duration(window),
                        format_duration(MAX_LOOKBACK.as_secs()),
                        format_duration(lookback)
                    ));
                }
            }
            _ => self.lookback_secs = None,
        }
        if matches!(c, Condition::ChangeAbove | Condition::ChangeBelow)
            && self.level.abs() > Decimal::from(10_000)
        {
            return bad(format!("a 24h change of {} % is out of range", self.level));
        }
        if !self.channels.desktop && !self.channels.email {
            return bad("a rule needs at least one channel: desktop or email".into());
        }
        if self.band_pct < Decimal::ZERO || self.band_pct > Decimal::from(50) {
            return bad(format!(
                "the band must be from 0 to 50 %, not {}",
                self.band_pct
            ));
        }
        if u64::from(self.cooldown_secs) > MAX_COOLDOWN.as_secs() {
            return bad("the cooldown can be at most 30 days".into());
        }
        if self.note.chars().count() > MAX_NOTE {
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
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
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
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
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
            channels: s.channels,
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
            channels: s.channels,
            portfolio: s.portfolio.clone(),
            target_pct: s.target_pct,
        }
    }

    /// "BTC above $71,000.00", "ETH fell 5.2 % within 1h", "SOL moved
    /// unusually: 4.12 σ above its usual 1h move".
    pub fn headline(&self) -> String {
        let sym = self.symbol.to_ascii_uppercase();
        let pct = |d: Decimal| format!("{} %", d.round_dp(2).normalize());
        let window = format_duration(u64::from(self.window_secs.unwrap_or(0)));
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
            Condition::Anomaly => {
                // The firing keeps the z-score, not the window's return
                // (no column holds it): the sign says which side of the
                // usual move it fell.
                let side = if self.value < Decimal::ZERO {
                    "below"
                } else {
                    "above"
                };
                format!(
                    "{sym} moved unusually: {} σ {side} its usual {window} move",
                    self.value.abs().round_dp(2).normalize()
                )
            }
            Condition::ValueAbove | Condition::ValueBelow => {
                let side = if self.condition.is_downward() {
                    "below"
                } else {
                    "above"
                };
                format!(
                    "{} value {side} {}",
                    self.name,
                    format::price(self.level, &self.currency)
                )
            }
            Condition::PnlAbove | Condition::PnlBelow => {
                let sign = if self.value > Decimal::ZERO { "+" } else { "" };
                format!("{sym} P&L {sign}{}{}", pct(self.value), self.whose(" in "))
            }
            Condition::SpreadAbove => {
                format!("{sym}: sources {} apart", pct(self.value))
            }
            Condition::Drift => format!(
                "{sym} is {} of {} (target {})",
                pct(self.value),
                self.portfolio.as_deref().unwrap_or("the portfolio"),
                pct(self.target_pct.unwrap_or_default())
            ),
        }
    }

    /// " in Ledger" after `sep`; nothing for all portfolios.
    fn whose(&self, sep: &str) -> String {
        self.portfolio
            .as_deref()
            .map(|p| format!("{sep}{p}"))
            .unwrap_or_default()
    }

    /// "Bitcoin is at $71,234.56 (alert level $71,000.00), +1.20% in 24h."
    /// ("alert level 3 σ against 7d" for an anomaly rule) and the note.
    pub fn body(&self) -> String {
        let price = format::price(self.price, &self.currency);
        if self.condition.is_portfolio() {
            let level = level_text(self.condition, self.level, &self.currency);
            let mut body = match self.condition {
                Condition::ValueAbove | Condition::ValueBelow => {
                    format!("{} is worth {price} (alert level {level}).", self.name)
                }
                Condition::PnlAbove | Condition::PnlBelow => format!(
                    "{} is worth {price}{}, a P&L of {} % (alert level {level}).",
                    self.name,
                    self.whose(" in "),
                    self.value.round_dp(2).normalize()
                ),
                _ => format!(
                    "{} is worth {price}, {} % of {}: the target is {} % (alert at {level} from it).",
                    self.name,
                    self.value.round_dp(2).normalize(),
                    portfolio_label(self.portfolio.as_deref()),
                    self.target_pct.unwrap_or_default().normalize()
                ),
            };
            if !self.note.is_empty() {
                body.push('\n');
                body.push_str(&self.note);
            }
            return body;
        }
        let mut level = level_text(self.condition, self.level, &self.currency);
        if let Some(l) = self
            .lookback_secs
            .filter(|_| self.condition.takes_lookback())
        {
            level.push_str(&format!(" against {}", format_duration(u64::from(l))));
        }
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
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
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sending => "sending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> DeliveryStatus {
        match s {
            "sending" => DeliveryStatus::Sending,
            "sent" => DeliveryStatus::Sent,
            "failed" => DeliveryStatus::Failed,
            _ => DeliveryStatus::Pending,
        }
    }
}

/// The delivery of one firing on one channel.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
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
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
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
            Channels::parse("desktop, email").expect("valid"),
            Channels {
                desktop: true,
                email: true
            }
        );
        assert!(Channels::parse("sms").is_err());
    }
}
