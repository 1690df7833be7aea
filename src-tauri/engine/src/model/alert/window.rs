//! Conditions on a coin's recent prices, over a window of time: a move
//! (either way, up, down) and an anomaly (a move unusual against the
//! window's returns over a lookback).

use rust_decimal::Decimal;

use super::condition::{Condition, ConditionDef, Flag, Inputs, Level, Reading, Subject};
use super::{MAX_SIGMAS, Rule, RuleError, RuleSpec, pct_text, quote_body, window_text};

pub(super) const MOVE: ConditionDef = ConditionDef {
    condition: Condition::Move,
    key: "move",
    label: "Price moves (either way) by",
    kind: "move",
    level: Level::Unit("%"),
    subject: Subject::Coin,
    downward: false,
    window: true,
    lookback: false,
    confirm: false,
    target: false,
    flag: Some(Flag {
        long: "move-pct",
        value_name: "PCT",
        help: "Fire on a move of PCT % within --window: 5 either way, +5 up only, -5 down only",
        negative: true,
        pick: Some(|v| {
            let v = v.trim();
            match v.chars().next() {
                Some('+') => (Condition::MoveUp, v[1..].to_string()),
                Some('-') => (Condition::MoveDown, v[1..].to_string()),
                _ => (Condition::Move, v.to_string()),
            }
        }),
    }),
    check: |s| {
        if s.level <= Decimal::ZERO || s.level > Decimal::from(1000) {
            return Err(RuleError(format!(
                "the move must be a percentage above 0 and at most 1000, not {}",
                s.level
            )));
        }
        Ok(())
    },
    read: |r, i| Some(moved(r, i)?.abs().into()),
    headline: |f| moved_headline(f, "moved"),
    body: quote_body,
};

pub(super) const MOVE_UP: ConditionDef = ConditionDef {
    condition: Condition::MoveUp,
    key: "move_up",
    label: "Price rises by",
    flag: None,
    read: |r, i| Some(moved(r, i)?.into()),
    headline: |f| moved_headline(f, "rose"),
    ..MOVE
};

pub(super) const MOVE_DOWN: ConditionDef = ConditionDef {
    condition: Condition::MoveDown,
    key: "move_down",
    label: "Price falls by",
    flag: None,
    read: |r, i| Some((-moved(r, i)?).into()),
    headline: |f| moved_headline(f, "fell"),
    ..MOVE
};

/// The price's move in % from the oldest price within the window, to 4
/// places; `None` without one, or when too large to work out exactly
/// (skipped, with a warning: `Decimal` arithmetic would panic and take the
/// monitor down).
fn moved(rule: &Rule, i: &dyn Inputs) -> Option<Decimal> {
    let q = i.quote()?;
    let since = q.updated_at.timestamp() - i64::from(rule.spec.window_secs?);
    let from = i.price_since(since).filter(|p| !p.is_zero())?;
    let Some(pct) = q
        .price
        .checked_sub(from)
        .and_then(|d| d.checked_mul(Decimal::ONE_HUNDRED))
        .and_then(|d| d.checked_div(from))
    else {
        tracing::warn!(
            rule = rule.id, coin = %q.coin_id, price = %q.price, from = %from,
            "skipped a reading too large to compare exactly"
        );
        return None;
    };
    Some(pct.round_dp(4))
}

/// "ETH fell 5.2 % within 1h".
fn moved_headline(f: &super::Firing, moved: &str) -> String {
    format!(
        "{} {moved} {} within {}",
        f.sym(),
        pct_text(f.value.abs()),
        window_text(f)
    )
}

pub(super) const ANOMALY: ConditionDef = ConditionDef {
    condition: Condition::Anomaly,
    key: "anomaly",
    label: "Price moves unusually, beyond",
    kind: "anomaly",
    level: Level::Unit("σ"),
    lookback: true,
    flag: Some(Flag {
        long: "anomaly",
        value_name: "K",
        help: "Fire when the return over --window lies K standard deviations or more \
               (either way) from its usual over --lookback",
        negative: false,
        pick: None,
    }),
    check: anomaly_check,
    read: anomaly,
    headline: |f| {
        // The firing keeps the z-score, not the window's return (no column
        // holds it): the sign says which side of the usual move it fell.
        let side = if f.value < Decimal::ZERO {
            "below"
        } else {
            "above"
        };
        format!(
            "{} moved unusually: {} σ {side} its usual {} move",
            f.sym(),
            f.value.abs().round_dp(2).normalize(),
            window_text(f)
        )
    },
    ..MOVE
};

fn anomaly_check(s: &RuleSpec) -> Result<(), RuleError> {
    if s.level <= Decimal::ZERO || s.level > MAX_SIGMAS {
        return Err(RuleError(format!(
            "the anomaly level must be above 0 and at most {MAX_SIGMAS} standard deviations, not {}",
            s.level
        )));
    }
    // The band is in σ: one as wide as the level would wait for |z| below
    // zero to re-arm, which never comes.
    if !s.once && s.band_pct >= s.level {
        return Err(RuleError(format!(
            "the band ({} σ) must be narrower than the level ({} σ), or the rule never re-arms",
            s.band_pct.normalize(),
            s.level.normalize()
        )));
    }
    Ok(())
}

/// |z| of the latest window's return against the lookback's, compared; the
/// signed z recorded. `None` with too little history yet (fewer than five
/// of its windows, or none that moved), or a z too large to hold exactly.
fn anomaly(rule: &Rule, i: &dyn Inputs) -> Option<Reading> {
    let s = &rule.spec;
    let z = i.anomaly_z(i64::from(s.window_secs?), i64::from(s.lookback_secs?))?;
    let Ok(d) = Decimal::try_from(z) else {
        tracing::warn!(
            rule = rule.id, coin = %s.coin_id, z,
            "skipped a reading too large to compare exactly"
        );
        return None;
    };
    let z = d.round_dp(4);
    Some(Reading {
        compared: z.abs(),
        recorded: z,
        worth: None,
    })
}
