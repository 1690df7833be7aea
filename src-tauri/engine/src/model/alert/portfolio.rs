//! Conditions on a portfolio's holdings (one portfolio, or all of them),
//! valued in the rule's currency: the total value, a holding's P&L %, and
//! how far a holding's share is from its target. Incomplete figures (a
//! holding with no price) are no reading, never a false crossing.

use rust_decimal::Decimal;

use super::condition::{Condition, ConditionDef, Flag, Inputs, Level, Reading, Subject, Worth};
use super::{
    Firing, Rule, RuleError, RuleSpec, level_text, money_level, pct_text, portfolio_label,
};
use crate::format;

pub(super) const VALUE_ABOVE: ConditionDef = ConditionDef {
    condition: Condition::ValueAbove,
    key: "value_above",
    label: "Portfolio value rises above",
    kind: "value",
    level: Level::Money,
    subject: Subject::Portfolio,
    downward: false,
    window: false,
    lookback: false,
    confirm: false,
    target: false,
    flag: Some(Flag {
        long: "value-above",
        value_name: "LEVEL",
        help: "Fire when the portfolio's market value rises above LEVEL",
        negative: false,
        pick: None,
    }),
    check: money_level,
    read: |_, i| {
        let p = i.portfolio()?;
        let total = p.total?;
        let name = p.portfolio.as_deref().unwrap_or("Portfolio");
        Some(Reading {
            compared: total,
            recorded: total,
            worth: Some(worth(name, "", total)),
        })
    },
    headline: |f| {
        let side = if f.condition.is_downward() {
            "below"
        } else {
            "above"
        };
        format!(
            "{} value {side} {}",
            f.name,
            format::price(f.level, &f.currency)
        )
    },
    body: |f| {
        format!(
            "{} is worth {} (alert level {}).",
            f.name,
            worth_text(f),
            level(f)
        )
    },
};

pub(super) const VALUE_BELOW: ConditionDef = ConditionDef {
    condition: Condition::ValueBelow,
    key: "value_below",
    label: "Portfolio value falls below",
    downward: true,
    flag: Some(Flag {
        long: "value-below",
        value_name: "LEVEL",
        help: "Fire when the portfolio's market value falls below LEVEL",
        negative: false,
        pick: None,
    }),
    ..VALUE_ABOVE
};

pub(super) const PNL_ABOVE: ConditionDef = ConditionDef {
    condition: Condition::PnlAbove,
    key: "pnl_above",
    label: "Holding's P&L rises to",
    kind: "P&L",
    level: Level::Unit("%"),
    subject: Subject::Holding,
    downward: false,
    window: false,
    lookback: false,
    confirm: false,
    target: false,
    flag: Some(Flag {
        long: "pnl-above",
        value_name: "PCT",
        help: "Fire when the coin's unrealized P&L rises to PCT % of its cost basis",
        negative: true,
        pick: None,
    }),
    check: |s| {
        if s.level < -Decimal::ONE_HUNDRED || s.level > Decimal::from(100_000) {
            return Err(RuleError(format!(
                "a P&L level must be from -100 to 100000 %, not {}",
                s.level
            )));
        }
        Ok(())
    },
    read: pnl,
    headline: |f| {
        let sign = if f.value > Decimal::ZERO { "+" } else { "" };
        format!(
            "{} P&L {sign}{}{}",
            f.sym(),
            pct_text(f.value),
            f.whose(" in ")
        )
    },
    body: |f| {
        format!(
            "{} is worth {}{}, a P&L of {} % (alert level {}).",
            f.name,
            worth_text(f),
            f.whose(" in "),
            f.value.round_dp(2).normalize(),
            level(f)
        )
    },
};

pub(super) const PNL_BELOW: ConditionDef = ConditionDef {
    condition: Condition::PnlBelow,
    key: "pnl_below",
    label: "Holding's P&L falls to",
    downward: true,
    flag: Some(Flag {
        long: "pnl-below",
        value_name: "PCT",
        help: "Fire when the coin's unrealized P&L falls to PCT % (e.g. -20)",
        negative: true,
        pick: None,
    }),
    ..PNL_ABOVE
};

/// The holding's unrealized P&L in % of its cost, to 4 places.
fn pnl(rule: &Rule, i: &dyn Inputs) -> Option<Reading> {
    let h = i
        .portfolio()?
        .holdings
        .iter()
        .find(|h| h.coin == rule.spec.coin_id)
        .filter(|h| h.cost_basis > Decimal::ZERO)?;
    let value = h.market_value?;
    let pct = (value - h.cost_basis)
        .checked_mul(Decimal::ONE_HUNDRED)?
        .checked_div(h.cost_basis)?
        .round_dp(4);
    Some(Reading {
        compared: pct,
        recorded: pct,
        worth: Some(worth(&h.name, &h.symbol, value)),
    })
}

pub(super) const DRIFT: ConditionDef = ConditionDef {
    condition: Condition::Drift,
    key: "drift",
    label: "Holding's share drifts from its target by",
    kind: "drift",
    level: Level::Unit("points"),
    target: true,
    flag: Some(Flag {
        long: "drift",
        value_name: "POINTS",
        help: "Fire when the coin's share of the portfolio is POINTS percentage points or more \
               from --target",
        negative: false,
        pick: None,
    }),
    check: |s| {
        if s.level <= Decimal::ZERO || s.level > Decimal::ONE_HUNDRED {
            return Err(RuleError(format!(
                "the drift must be above 0 and at most 100 percentage points, not {}",
                s.level
            )));
        }
        Ok(())
    },
    read: drift,
    headline: |f| {
        format!(
            "{} is {} of {} (target {})",
            f.sym(),
            pct_text(f.value),
            f.portfolio.as_deref().unwrap_or("the portfolio"),
            pct_text(f.target_pct.unwrap_or_default())
        )
    },
    body: |f| {
        format!(
            "{} is worth {}, {} % of {}: the target is {} % (alert at {} from it).",
            f.name,
            worth_text(f),
            f.value.round_dp(2).normalize(),
            portfolio_label(f.portfolio.as_deref()),
            f.target_pct.unwrap_or_default().normalize(),
            level(f)
        )
    },
    ..PNL_ABOVE
};

/// How far the holding's share of the total is from its target, in
/// points; the share is recorded. A coin no longer held has a share of
/// 0 %, as far from its target as can be.
fn drift(rule: &Rule, i: &dyn Inputs) -> Option<Reading> {
    let s: &RuleSpec = &rule.spec;
    let p = i.portfolio()?;
    let held = p.holdings.iter().find(|h| h.coin == s.coin_id);
    let total = p.total.filter(|t| !t.is_zero())?;
    let value = held.map_or(Some(Decimal::ZERO), |h| h.market_value)?;
    let share = (value * Decimal::ONE_HUNDRED / total).round_dp(4);
    let (name, symbol) = held.map_or((s.coin_id.as_str(), ""), |h| (&h.name, &h.symbol));
    Some(Reading {
        compared: (share - s.target_pct?).abs(),
        recorded: share,
        worth: Some(worth(name, symbol, value)),
    })
}

fn worth(name: &str, symbol: &str, value: Decimal) -> Worth {
    Worth {
        name: name.to_string(),
        symbol: symbol.to_string(),
        value,
    }
}

/// What the subject is worth: "$40,100.00".
fn worth_text(f: &Firing) -> String {
    format::price(f.price, &f.currency)
}

fn level(f: &Firing) -> String {
    level_text(f.condition, f.level, &f.currency)
}
