//! What each condition is, in one place: one [`ConditionDef`] per
//! [`Condition`] holds its name, its level's unit, what it is about, which
//! of a rule's parameters it takes, its command-line flag, its own checks,
//! how it reads an update, and how its firing is worded. Adding a condition
//! is a variant here, a definition in its family's file (`quote.rs`: a
//! coin's quote; `window.rs`: a coin's recent prices; `portfolio.rs`: a
//! portfolio's holdings) and its place in the table (`DEFS`, in mod.rs).
//!
//! Reading is a pure function of what the rule book supplies
//! ([`Inputs`]): the update's quote, the coin's recent prices and their
//! statistics, each source's price, a portfolio's holdings. The crossing
//! state machine (armed, band, cooldown) is the rule book's
//! (`alerts/evaluate.rs`), the same for every condition.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{DEFS, Firing, Rule, RuleError, RuleSpec};
use crate::model::Quote;

/// When a rule is beyond its level.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
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

/// What a condition's level is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// An amount of money (a price, or a portfolio's value) in the rule's
    /// currency.
    Money,
    /// A number of this unit: "%", "points" (of a share), "σ".
    Unit(&'static str),
}

/// What a condition reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// A coin's quote or recent prices.
    Coin,
    /// A coin held in a portfolio (or in all of them).
    Holding,
    /// A portfolio's (or all portfolios') value.
    Portfolio,
}

/// The command-line flag that asks for a condition: `--above LEVEL`.
#[derive(Debug, Clone, Copy)]
pub struct Flag {
    /// The flag without its dashes: `move-pct`.
    pub long: &'static str,
    pub value_name: &'static str,
    pub help: &'static str,
    /// The value may start with `-`.
    pub negative: bool,
    /// The condition and level a value means (`--move-pct +5`: a rise);
    /// `None`: this condition, the value as given.
    pub pick: Option<Pick>,
}

/// A flag's value → the condition and level it asks for.
pub type Pick = fn(&str) -> (Condition, String);

/// One condition: everything that differs from one condition to another.
pub struct ConditionDef {
    pub condition: Condition,
    /// Its name where it is stored and sent: `move_up`.
    pub key: &'static str,
    /// What the rule watches, as a form offers it: "Price rises above".
    pub label: &'static str,
    /// The rule's kind in messages: "a {kind} rule" ("move", "anomaly").
    pub kind: &'static str,
    pub level: Level,
    pub subject: Subject,
    /// The reading is beyond the level when it is low, not high.
    pub downward: bool,
    /// Measured over a window of time (`window_secs`).
    pub window: bool,
    /// Compares its window with the lookback before it (`lookback_secs`).
    pub lookback: bool,
    /// A second source's confirmation can be asked for (`confirm_secs`).
    pub confirm: bool,
    /// Has a target share (`target_pct`).
    pub target: bool,
    /// The flag of `coinlytics alerts add`; `None` when another
    /// condition's flag asks for this one too (`--move-pct -5`).
    pub flag: Option<Flag>,
    /// The checks only this condition makes (its level's bounds), after
    /// the ones every rule passes.
    pub check: fn(&RuleSpec) -> Result<(), RuleError>,
    /// What the rule reads from an update; `None`: no reading (the input
    /// lacks it, or it is too large to work out exactly).
    pub read: fn(&Rule, &dyn Inputs) -> Option<Reading>,
    /// A firing's notification title: "BTC above $71,000.00".
    pub headline: fn(&Firing) -> String,
    /// A firing's notification body, before the note.
    pub body: fn(&Firing) -> String,
}

impl std::fmt::Debug for ConditionDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ConditionDef")
            .field(&self.condition)
            .finish()
    }
}

/// What the rule book supplies a condition with for one update. A coin
/// rule's inputs answer the coin's questions, a portfolio rule's the
/// portfolio's; what an input does not have is `None`.
pub trait Inputs {
    /// The update's quote of the rule's coin.
    fn quote(&self) -> Option<&Quote> {
        None
    }
    /// The coin's oldest recent price at or after `since` (unix seconds).
    fn price_since(&self, _since: i64) -> Option<Decimal> {
        None
    }
    /// The latest `window_secs` return of the coin as a z-score against
    /// the same window's returns over `lookback_secs` before it
    /// (`analytics::anomaly`); `None` with too little history.
    fn anomaly_z(&self, _window_secs: i64, _lookback_secs: i64) -> Option<f64> {
        None
    }
    /// The coin's price on each source heard within `secs`.
    fn source_prices(&self, _secs: u32) -> Vec<Decimal> {
        Vec::new()
    }
    /// The holdings of the rule's portfolio in the rule's currency.
    fn portfolio(&self) -> Option<&PortfolioReading> {
        None
    }
}

/// A portfolio's (or all portfolios') holdings valued in one currency,
/// as portfolio rules read them.
#[derive(Debug, Clone, PartialEq)]
pub struct PortfolioReading {
    /// `None`: all portfolios together.
    pub portfolio: Option<String>,
    pub currency: String,
    /// The market value of every holding; `None` if one has no price.
    pub total: Option<Decimal>,
    pub holdings: Vec<HoldingReading>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HoldingReading {
    pub coin: String,
    pub name: String,
    pub symbol: String,
    pub cost_basis: Decimal,
    /// `None` without a price.
    pub market_value: Option<Decimal>,
}

/// What a rule reads from one update.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// What the level is compared with.
    pub compared: Decimal,
    /// What a firing records as its value: the same, except for an anomaly
    /// rule, whose firing keeps the signed z (which side of the usual move
    /// it fell) while |z| is compared.
    pub recorded: Decimal,
    /// Portfolio rules: who the reading is of and what it is worth.
    pub worth: Option<Worth>,
}

/// A portfolio rule's subject: a holding (its coin's name and symbol), or
/// a portfolio (its name, no symbol), and what it is worth.
#[derive(Debug, Clone, PartialEq)]
pub struct Worth {
    pub name: String,
    pub symbol: String,
    pub value: Decimal,
}

impl From<Decimal> for Reading {
    fn from(d: Decimal) -> Reading {
        Reading {
            compared: d,
            recorded: d,
            worth: None,
        }
    }
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

    /// Everything this condition is.
    pub fn def(self) -> &'static ConditionDef {
        DEFS[self as usize]
    }

    /// What the rule watches, as a form offers it: "Price rises above".
    pub fn label(self) -> &'static str {
        self.def().label
    }

    pub fn as_str(self) -> &'static str {
        self.def().key
    }

    pub fn parse(s: &str) -> Option<Condition> {
        Condition::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The level is an amount of money (a price, or a portfolio's value)
    /// in the rule's currency, not a percentage.
    pub fn is_price(self) -> bool {
        self.def().level == Level::Money
    }

    /// The rule reads a portfolio's holdings, not a coin's quote.
    pub fn is_portfolio(self) -> bool {
        self.def().subject != Subject::Coin
    }

    /// The rule is about one coin (every rule but a portfolio's value).
    pub fn takes_coin(self) -> bool {
        self.def().subject != Subject::Portfolio
    }

    /// A second source's confirmation can be asked for (`confirm_secs`).
    pub fn takes_confirm(self) -> bool {
        self.def().confirm
    }

    /// The rule has a target share (`target_pct`).
    pub fn takes_target(self) -> bool {
        self.def().target
    }

    /// The rule is measured over a window of time (`window_secs`).
    pub fn takes_window(self) -> bool {
        self.def().window
    }

    /// The rule compares its window with the lookback before it
    /// (`lookback_secs`).
    pub fn takes_lookback(self) -> bool {
        self.def().lookback
    }

    /// The unit of a level that is not money: "%", "points" or "σ";
    /// `None` for money, whose unit is the rule's currency.
    pub fn level_unit(self) -> Option<&'static str> {
        match self.def().level {
            Level::Money => None,
            Level::Unit(u) => Some(u),
        }
    }

    /// The reading is beyond the level when it is low, not high.
    pub fn is_downward(self) -> bool {
        self.def().downward
    }

    /// "a move rule", "an anomaly rule".
    pub fn rule_name(self) -> String {
        with_article(self.def().kind)
    }
}

/// "a move or anomaly rule": the kinds of the conditions that `takes`,
/// each once, for "a window goes only with …".
pub fn rules_that(takes: fn(&ConditionDef) -> bool) -> String {
    let mut kinds: Vec<&str> = Vec::new();
    for d in DEFS.iter().filter(|d| takes(d)) {
        if !kinds.contains(&d.kind) {
            kinds.push(d.kind);
        }
    }
    with_article(&kinds.join(" or "))
}

fn with_article(kind: &str) -> String {
    let an = kind.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {kind} rule", if an { "an" } else { "a" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_condition_has_its_own_definition_and_key() {
        for (i, c) in Condition::ALL.into_iter().enumerate() {
            assert_eq!(c as usize, i, "ALL follows the enum");
            assert_eq!(c.def().condition, c, "DEFS follows the enum");
            let json = serde_json::to_string(&c).expect("json");
            assert_eq!(json, format!("\"{}\"", c.as_str()), "the key is serde's");
            assert_eq!(Condition::parse(c.as_str()), Some(c));
        }
        assert_eq!(rules_that(|d| d.window), "a move or anomaly rule");
        assert_eq!(rules_that(|d| d.lookback), "an anomaly rule");
    }
}
