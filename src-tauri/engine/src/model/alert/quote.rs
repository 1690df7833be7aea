//! Conditions on a coin's quote: its price above or below a level (one
//! source, or confirmed by a second), its 24-hour change, and how far its
//! sources are apart.

use rust_decimal::Decimal;

use super::condition::{Condition, ConditionDef, Flag, Inputs, Level, Reading, Subject};
use super::{Rule, RuleError, money_level, pct_text, quote_body};
use crate::format;

pub(super) const ABOVE: ConditionDef = ConditionDef {
    condition: Condition::Above,
    key: "above",
    label: "Price rises above",
    kind: "price",
    level: Level::Money,
    subject: Subject::Coin,
    downward: false,
    window: false,
    lookback: false,
    confirm: true,
    target: false,
    flag: Some(Flag {
        long: "above",
        value_name: "LEVEL",
        help: "Fire when the price crosses above LEVEL",
        negative: false,
        pick: None,
    }),
    check: money_level,
    read: price,
    headline: |f| format!("{} above {}", f.sym(), format::price(f.level, &f.currency)),
    body: quote_body,
};

pub(super) const BELOW: ConditionDef = ConditionDef {
    condition: Condition::Below,
    key: "below",
    label: "Price falls below",
    downward: true,
    flag: Some(Flag {
        long: "below",
        value_name: "LEVEL",
        help: "Fire when the price crosses below LEVEL",
        negative: false,
        pick: None,
    }),
    headline: |f| format!("{} below {}", f.sym(), format::price(f.level, &f.currency)),
    ..ABOVE
};

/// The price; with a confirmation window, the price past the level on two
/// sources: the second highest above it, or the second lowest below. One
/// source, or one bad tick, moves neither.
fn price(rule: &Rule, i: &dyn Inputs) -> Option<Reading> {
    let q = i.quote()?;
    let Some(secs) = rule.spec.confirm_secs else {
        return Some(q.price.into());
    };
    let mut prices = i.source_prices(secs);
    if prices.len() < 2 {
        return None;
    }
    prices.sort();
    let second = if rule.spec.condition.is_downward() {
        prices[1]
    } else {
        prices[prices.len() - 2]
    };
    Some(second.into())
}

pub(super) const CHANGE_ABOVE: ConditionDef = ConditionDef {
    condition: Condition::ChangeAbove,
    key: "change_above",
    label: "24h change rises to",
    kind: "24h change",
    level: Level::Unit("%"),
    subject: Subject::Coin,
    downward: false,
    window: false,
    lookback: false,
    confirm: false,
    target: false,
    flag: Some(Flag {
        long: "change-above",
        value_name: "PCT",
        help: "Fire when the 24h change rises to PCT % (may be negative)",
        negative: true,
        pick: None,
    }),
    check: |s| {
        if s.level.abs() > Decimal::from(10_000) {
            return Err(RuleError(format!(
                "a 24h change of {} % is out of range",
                s.level
            )));
        }
        Ok(())
    },
    read: |_, i| percentage(i.quote()?.change_24h_pct),
    headline: |f| format!("{} 24h change {}", f.sym(), pct_text(f.value)),
    body: quote_body,
};

pub(super) const CHANGE_BELOW: ConditionDef = ConditionDef {
    condition: Condition::ChangeBelow,
    key: "change_below",
    label: "24h change falls to",
    downward: true,
    flag: Some(Flag {
        long: "change-below",
        value_name: "PCT",
        help: "Fire when the 24h change falls to PCT % (may be negative)",
        negative: true,
        pick: None,
    }),
    ..CHANGE_ABOVE
};

pub(super) const SPREAD_ABOVE: ConditionDef = ConditionDef {
    condition: Condition::SpreadAbove,
    key: "spread_above",
    label: "Sources disagree by",
    kind: "spread",
    flag: Some(Flag {
        long: "spread-above",
        value_name: "PCT",
        help: "Fire when the coin's price sources are PCT % or more apart \
               ((highest − lowest) / median; needs two or more sources)",
        negative: false,
        pick: None,
    }),
    check: |s| {
        if s.level <= Decimal::ZERO || s.level > Decimal::ONE_HUNDRED {
            return Err(RuleError(format!(
                "the spread must be a percentage above 0 and at most 100, not {}",
                s.level
            )));
        }
        Ok(())
    },
    // Known only while two or more sources are fresh.
    read: |_, i| percentage(i.quote()?.figures.spread_pct),
    headline: |f| format!("{}: sources {} apart", f.sym(), pct_text(f.value)),
    ..CHANGE_ABOVE
};

/// A quote's percentage, exactly to 4 places.
fn percentage(p: Option<f64>) -> Option<Reading> {
    p.and_then(|p| Decimal::try_from(p).ok())
        .map(|d| d.round_dp(4).into())
}
