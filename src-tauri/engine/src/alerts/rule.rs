//! What an alert rule says, and the checks every new or edited rule passes
//! whatever front end it came from.

use std::time::Duration;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// When a rule is beyond its level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
}

impl Condition {
    pub fn as_str(self) -> &'static str {
        match self {
            Condition::Above => "above",
            Condition::Below => "below",
            Condition::Move => "move",
            Condition::MoveUp => "move_up",
            Condition::MoveDown => "move_down",
            Condition::ChangeAbove => "change_above",
            Condition::ChangeBelow => "change_below",
        }
    }

    pub fn parse(s: &str) -> Option<Condition> {
        [
            Condition::Above,
            Condition::Below,
            Condition::Move,
            Condition::MoveUp,
            Condition::MoveDown,
            Condition::ChangeAbove,
            Condition::ChangeBelow,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }

    /// The level is a price (in the rule's currency), not a percentage.
    pub fn is_price(self) -> bool {
        matches!(self, Condition::Above | Condition::Below)
    }

    pub fn is_move(self) -> bool {
        matches!(
            self,
            Condition::Move | Condition::MoveUp | Condition::MoveDown
        )
    }

    /// The reading is beyond the level when it is low, not high.
    pub fn is_downward(self) -> bool {
        matches!(self, Condition::Below | Condition::ChangeBelow)
    }
}

/// Where a firing is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSpec {
    pub coin_id: String,
    pub currency: String,
    pub condition: Condition,
    /// A price for above/below; a percentage for the others (of the move,
    /// or of the 24-hour change, which may be negative).
    #[serde(with = "rust_decimal::serde::str")]
    pub level: Decimal,
    /// Move rules only: the window the move is measured over.
    pub window_secs: Option<u32>,
    pub channels: Channels,
    pub note: String,
    /// Fire once, then disable; otherwise re-arm past the band.
    pub once: bool,
    /// Re-arm only after the reading goes back past the level by this much:
    /// a percentage of the level for price rules, percentage points for the
    /// others.
    #[serde(with = "rust_decimal::serde::str")]
    pub band_pct: Decimal,
    /// The least time between two firings of the rule.
    pub cooldown_secs: u32,
}

pub const DEFAULT_BAND_PCT: Decimal = Decimal::from_parts(5, 0, 0, false, 1);
const MAX_WINDOW: Duration = Duration::from_secs(7 * 24 * 3600);
const MAX_COOLDOWN: Duration = Duration::from_secs(30 * 24 * 3600);
const MAX_NOTE: usize = 500;

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
        if self.coin_id.is_empty() || self.coin_id.len() > 100 {
            return bad("a rule needs a coin".into());
        }
        if !(2..=10).contains(&self.currency.len())
            || !self.currency.bytes().all(|b| b.is_ascii_lowercase())
        {
            return bad(format!("'{}' is not a currency code", self.currency));
        }
        let c = self.condition;
        if c.is_price() && self.level <= Decimal::ZERO {
            return bad(format!(
                "the price level must be above zero, not {}",
                self.level
            ));
        }
        if c.is_move() {
            if self.level <= Decimal::ZERO || self.level > Decimal::from(1000) {
                return bad(format!(
                    "the move must be a percentage above 0 and at most 1000, not {}",
                    self.level
                ));
            }
            match self.window_secs {
                Some(w) if w >= 60 && u64::from(w) <= MAX_WINDOW.as_secs() => {}
                _ => return bad("a move rule needs a window from 1m to 7d, e.g. 1h".into()),
            }
        } else {
            self.window_secs = None;
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

    /// "bitcoin above 71000 usd", "ethereum moves 5 % within 1h".
    pub fn describe(&self) -> String {
        let cur = self.currency.to_ascii_uppercase();
        let window = self
            .window_secs
            .map(|w| format_duration(u64::from(w)))
            .unwrap_or_default();
        let level = self.level.normalize();
        match self.condition {
            Condition::Above => format!("{} above {level} {cur}", self.coin_id),
            Condition::Below => format!("{} below {level} {cur}", self.coin_id),
            Condition::Move => format!("{} moves {level} % within {window}", self.coin_id),
            Condition::MoveUp => format!("{} rises {level} % within {window}", self.coin_id),
            Condition::MoveDown => format!("{} falls {level} % within {window}", self.coin_id),
            Condition::ChangeAbove => format!("{} 24h change above {level} %", self.coin_id),
            Condition::ChangeBelow => format!("{} 24h change below {level} %", self.coin_id),
        }
    }
}

/// A stored rule with the monitor's state of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
            condition,
            level: Decimal::from(level),
            window_secs: None,
            channels: Channels {
                desktop: true,
                email: false,
            },
            note: String::new(),
            once: false,
            band_pct: DEFAULT_BAND_PCT,
            cooldown_secs: 0,
        }
    }

    #[test]
    fn validation_normalises_and_refuses_nonsense() {
        let ok = spec(Condition::Above, 71_000).validate().expect("valid");
        assert_eq!(
            (ok.coin_id.as_str(), ok.currency.as_str()),
            ("bitcoin", "usd")
        );
        assert_eq!(ok.describe(), "bitcoin above 71000 USD");
        assert!(spec(Condition::Below, 0).validate().is_err());
        assert!(
            spec(Condition::Move, 5).validate().is_err(),
            "needs a window"
        );
        let mut m = spec(Condition::Move, 5);
        m.window_secs = Some(3600);
        assert_eq!(
            m.validate().expect("valid").describe(),
            "bitcoin moves 5 % within 1h"
        );
        let mut none = spec(Condition::Above, 1);
        none.channels = Channels::default();
        assert!(none.validate().is_err());
        assert!(spec(Condition::ChangeBelow, -10).validate().is_ok());
        assert_eq!(DEFAULT_BAND_PCT.to_string(), "0.5");
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
