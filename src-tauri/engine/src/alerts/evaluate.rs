//! The rule book: every enabled rule, indexed by currency and coin so that
//! an update costs only the rules of the coins in it, and the crossing state
//! machine each rule runs on every reading.
//!
//! A rule fires when its reading crosses the level: it must be armed (new,
//! or re-armed by going back past the level by the band) and now beyond the
//! level. A new rule is armed, so one created while the price is already
//! beyond fires at its first reading. Within the cooldown a crossing waits,
//! armed, and fires at the first reading after it if still beyond.
//!
//! An anomaly rule's reading is |z| of the latest window's return against
//! the same window's returns over its lookback (`analytics::anomaly`), so
//! it crosses, re-arms (band in σ) and cools down like any other rule.
//!
//! A portfolio rule reads the holdings the monitor values after an update
//! ([`PortfolioReading`]): the total value, a holding's P&L %, or how far
//! its share is from the target. Incomplete figures (a holding with no
//! price) are no reading, never a false crossing.

use std::collections::{HashMap, VecDeque};

use rust_decimal::Decimal;

use crate::analytics;
use crate::model::Quote;
use crate::model::alert::{Firing, Inputs, Reading, Rule, RuleSpec};
pub use crate::model::alert::{HoldingReading, PortfolioReading};

/// What one update did to the book.
#[derive(Debug, Default)]
pub struct Outcome {
    pub fired: Vec<Firing>,
    /// Rules whose state changed (fired, re-armed, or disabled after firing
    /// once), to be written back with the firings.
    pub changed: Vec<Rule>,
}

impl Outcome {
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty()
    }
}

/// Recent prices of one coin, for move and anomaly rules.
#[derive(Debug, Default)]
struct PriceWindow {
    /// The longest history any of the coin's rules reads ([`history_secs`]).
    span_secs: i64,
    /// (unix seconds, price), oldest first.
    points: VecDeque<(i64, Decimal)>,
}

impl PriceWindow {
    fn push(&mut self, ts: i64, price: Decimal) {
        if self.points.back().is_some_and(|&(last, _)| ts <= last) {
            return;
        }
        self.points.push_back((ts, price));
        while self
            .points
            .front()
            .is_some_and(|&(t, _)| t < ts - self.span_secs)
        {
            self.points.pop_front();
        }
    }

    /// The oldest price at or after `since`.
    fn reference(&self, since: i64) -> Option<Decimal> {
        let i = self.points.partition_point(|&(t, _)| t < since);
        self.points.get(i).map(|&(_, p)| p)
    }
}

#[derive(Debug, Default)]
pub struct RuleBook {
    rules: Vec<Rule>,
    /// Indices into `rules` of the portfolio rules (in no coin's index).
    portfolio_rules: Vec<usize>,
    /// currency → coin → indices into `rules`.
    index: HashMap<String, HashMap<String, Vec<usize>>>,
    /// currency → coin → recent prices, only for coins with move or
    /// anomaly rules.
    windows: HashMap<String, HashMap<String, PriceWindow>>,
}

/// How far back a rule reads prices: a move rule its window, an anomaly
/// rule its window and the lookback before it; `None` for rules on the
/// quote alone.
fn history_secs(s: &RuleSpec) -> Option<i64> {
    if !s.condition.takes_window() {
        return None;
    }
    let window = i64::from(s.window_secs?);
    if s.condition.takes_lookback() {
        Some(window + i64::from(s.lookback_secs?))
    } else {
        Some(window)
    }
}

impl RuleBook {
    /// A book of the enabled rules among `rules`.
    pub fn new(rules: Vec<Rule>) -> RuleBook {
        let mut book = RuleBook {
            rules: rules.into_iter().filter(|r| r.enabled).collect(),
            ..RuleBook::default()
        };
        for (i, r) in book.rules.iter().enumerate() {
            let s = &r.spec;
            if s.condition.is_portfolio() {
                book.portfolio_rules.push(i);
                continue;
            }
            book.index
                .entry(s.currency.clone())
                .or_default()
                .entry(s.coin_id.clone())
                .or_default()
                .push(i);
            if let Some(span) = history_secs(s) {
                let win = book
                    .windows
                    .entry(s.currency.clone())
                    .or_default()
                    .entry(s.coin_id.clone())
                    .or_default();
                win.span_secs = win.span_secs.max(span);
            }
        }
        book
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The portfolios (`None`: all together) that rules read in `currency`.
    pub fn portfolios_wanted(&self, currency: &str) -> Vec<Option<String>> {
        let mut wanted: Vec<Option<String>> = Vec::new();
        for &i in &self.portfolio_rules {
            let s = &self.rules[i].spec;
            if s.currency == currency && !wanted.contains(&s.portfolio) {
                wanted.push(s.portfolio.clone());
            }
        }
        wanted
    }

    /// Runs the rules on `reading`'s portfolio and currency.
    pub fn evaluate_portfolio(&mut self, reading: &PortfolioReading, now_ms: i64) -> Outcome {
        let mut out = Outcome::default();
        for &i in &self.portfolio_rules {
            let rule = &mut self.rules[i];
            let s = &rule.spec;
            if !rule.enabled || s.portfolio != reading.portfolio || s.currency != reading.currency {
                continue;
            }
            let read = (s.condition.def().read)(rule, &PortfolioInputs(reading));
            let Some(Reading {
                compared,
                recorded,
                worth: Some(w),
            }) = read
            else {
                continue;
            };
            match step(rule, compared, now_ms) {
                Step::Nothing => {}
                Step::Rearmed => out.changed.push(rule.clone()),
                Step::Fired => {
                    out.fired.push(Firing::on_portfolio(
                        rule,
                        (&w.name, &w.symbol),
                        w.value,
                        recorded,
                        now_ms,
                    ));
                    out.changed.push(rule.clone());
                }
            }
        }
        out
    }

    /// (currency, coin, seconds of history) of every coin with move or
    /// anomaly rules: the history to [`RuleBook::seed`] them with.
    pub fn windows_wanted(&self) -> Vec<(String, String, i64)> {
        self.windows
            .iter()
            .flat_map(|(cur, coins)| {
                coins
                    .iter()
                    .map(move |(coin, w)| (cur.clone(), coin.clone(), w.span_secs))
            })
            .collect()
    }

    /// Stored prices (unix seconds, oldest first) to measure moves and
    /// anomalies from.
    pub fn seed(&mut self, currency: &str, coin_id: &str, points: &[(i64, Decimal)]) {
        if let Some(w) = self
            .windows
            .get_mut(currency)
            .and_then(|m| m.get_mut(coin_id))
        {
            for &(ts, p) in points {
                w.push(ts, p);
            }
        }
    }

    /// Runs every rule of the coins in `quotes` on their new readings.
    pub fn evaluate(&mut self, quotes: &[Quote], now_ms: i64) -> Outcome {
        self.evaluate_with(quotes, now_ms, &|_, _, _| Vec::new())
    }

    /// [`RuleBook::evaluate`], with `others(coin, currency, secs)`: the
    /// prices of each source heard within `secs`, for rules that want a
    /// second source's confirmation.
    pub fn evaluate_with(
        &mut self,
        quotes: &[Quote],
        now_ms: i64,
        others: &dyn Fn(&str, &str, u32) -> Vec<Decimal>,
    ) -> Outcome {
        let mut out = Outcome::default();
        let RuleBook {
            rules,
            index,
            windows,
            ..
        } = self;
        for q in quotes {
            let Some(ids) = index.get(&q.currency).and_then(|m| m.get(&q.coin_id)) else {
                continue;
            };
            let mut window = windows
                .get_mut(&q.currency)
                .and_then(|m| m.get_mut(&q.coin_id));
            let ts = q.updated_at.timestamp();
            if let Some(w) = window.as_deref_mut() {
                w.push(ts, q.price);
            }
            for &i in ids {
                let rule = &mut rules[i];
                if !rule.enabled {
                    continue;
                }
                let inputs = CoinInputs {
                    quote: q,
                    window: window.as_deref(),
                    others,
                };
                let Some(Reading {
                    compared, recorded, ..
                }) = (rule.spec.condition.def().read)(rule, &inputs)
                else {
                    continue;
                };
                match step(rule, compared, now_ms) {
                    Step::Nothing => {}
                    Step::Rearmed => out.changed.push(rule.clone()),
                    Step::Fired => {
                        out.fired.push(Firing::new(rule, q, recorded, now_ms));
                        out.changed.push(rule.clone());
                    }
                }
            }
        }
        out
    }
}

/// What a coin's rules read from one update: its quote, its recent prices
/// and each source's price.
struct CoinInputs<'a> {
    quote: &'a Quote,
    window: Option<&'a PriceWindow>,
    others: &'a dyn Fn(&str, &str, u32) -> Vec<Decimal>,
}

impl Inputs for CoinInputs<'_> {
    fn quote(&self) -> Option<&Quote> {
        Some(self.quote)
    }

    fn price_since(&self, since: i64) -> Option<Decimal> {
        self.window?.reference(since)
    }

    fn anomaly_z(&self, window_secs: i64, lookback_secs: i64) -> Option<f64> {
        // O(n) in the window's points per reading: a week of minute
        // refreshes is 10,000 points, copied in microseconds.
        let points: Vec<(i64, Decimal)> = self.window?.points.iter().copied().collect();
        analytics::anomaly(&points, window_secs, lookback_secs).map(|a| a.z)
    }

    fn source_prices(&self, secs: u32) -> Vec<Decimal> {
        (self.others)(&self.quote.coin_id, &self.quote.currency, secs)
    }
}

/// What a portfolio's rules read: its holdings.
struct PortfolioInputs<'a>(&'a PortfolioReading);

impl Inputs for PortfolioInputs<'_> {
    fn portfolio(&self) -> Option<&PortfolioReading> {
        Some(self.0)
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Step {
    Nothing,
    Rearmed,
    Fired,
}

/// One reading through a rule's crossing state machine.
fn step(rule: &mut Rule, reading: Decimal, now_ms: i64) -> Step {
    let s = &rule.spec;
    let down = s.condition.is_downward();
    let beyond = if down {
        reading <= s.level
    } else {
        reading >= s.level
    };
    if !rule.armed {
        // Levels are bounded when a rule is saved; one stored before that
        // bound could still overflow here, and then it stays disarmed.
        let band = if s.condition.is_price() {
            s.level
                .checked_mul(s.band_pct)
                .and_then(|b| b.checked_div(Decimal::ONE_HUNDRED))
        } else {
            Some(s.band_pct)
        };
        let back = band
            .and_then(|b| {
                if down {
                    s.level.checked_add(b).map(|limit| reading > limit)
                } else {
                    s.level.checked_sub(b).map(|limit| reading < limit)
                }
            })
            .unwrap_or_else(|| {
                tracing::warn!(rule = rule.id, level = %s.level, "the rule's level is too large to re-arm it");
                false
            });
        if back && !s.once {
            rule.armed = true;
            return Step::Rearmed;
        }
        return Step::Nothing;
    }
    if !beyond {
        return Step::Nothing;
    }
    let cooling = rule
        .last_fired_at
        .is_some_and(|t| crate::clock::within(t, now_ms, i64::from(s.cooldown_secs) * 1000));
    if cooling {
        return Step::Nothing;
    }
    rule.armed = false;
    rule.epoch += 1;
    rule.last_fired_at = Some(now_ms);
    if s.once {
        rule.enabled = false;
    }
    Step::Fired
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::model::alert::{Condition, HistoryEntry};
    use crate::testing;

    fn rule(id: i64, coin: &str, condition: Condition, level: &str) -> Rule {
        Rule::new(id, testing::rule_spec(coin, condition, level), 0)
    }

    fn quote(coin: &str, price: &str, ts: i64) -> Quote {
        let t = Utc.timestamp_opt(ts, 0).single().expect("time");
        Quote {
            change_24h_pct: Some(-12.5),
            updated_at: t,
            fetched_at: t,
            source: "CoinGecko".into(),
            figures: Default::default(),
            ..testing::quote(coin, price)
        }
    }

    /// Feeds `prices` one update each, 60 s apart; returns which fired.
    fn run(book: &mut RuleBook, coin: &str, prices: &[&str]) -> Vec<bool> {
        prices
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let ts = 1_700_000_000 + 60 * i as i64;
                !book
                    .evaluate(&[quote(coin, p, ts)], ts * 1000)
                    .fired
                    .is_empty()
            })
            .collect()
    }

    /// Ledger holding 1 BTC (cost 20,000) worth `btc` and 10 ETH (cost
    /// 10,000) worth `eth`; `None`: no price.
    fn ledger(btc: Option<&str>, eth: Option<&str>) -> PortfolioReading {
        let held = |coin: &str, cost: &str, value: Option<&str>| HoldingReading {
            coin: coin.into(),
            name: coin.into(),
            symbol: coin[..3].into(),
            cost_basis: testing::dec(cost),
            market_value: value.map(testing::dec),
        };
        let holdings = vec![
            held("bitcoin", "20000", btc),
            held("ethereum", "10000", eth),
        ];
        PortfolioReading {
            portfolio: Some("Ledger".into()),
            currency: "usd".into(),
            total: btc.zip(eth).map(|(b, e)| testing::dec(b) + testing::dec(e)),
            holdings,
        }
    }

    fn portfolio_rule(id: i64, coin: &str, c: Condition, level: &str) -> Rule {
        let mut r = rule(id, coin, c, level);
        r.spec.portfolio = Some("Ledger".into());
        r.spec.band_pct = Decimal::ONE;
        if c == Condition::Drift {
            r.spec.target_pct = Some(testing::dec("50"));
        }
        r
    }

    #[test]
    fn portfolio_rules_read_the_total_a_holding_s_pnl_and_its_share() {
        let mut book = RuleBook::new(vec![
            portfolio_rule(1, "", Condition::ValueAbove, "40000"),
            portfolio_rule(2, "bitcoin", Condition::PnlAbove, "50"),
            portfolio_rule(3, "bitcoin", Condition::Drift, "10"),
            portfolio_rule(4, "ethereum", Condition::PnlBelow, "-20"),
        ]);
        assert_eq!(book.portfolios_wanted("usd"), [Some("Ledger".to_string())]);
        assert!(book.portfolios_wanted("eur").is_empty());
        // Not a coin's rule: a bitcoin quote fires nothing.
        assert!(
            book.evaluate(&[quote("bitcoin", "1000000", 0)], 0)
                .fired
                .is_empty()
        );
        let fired = |book: &mut RuleBook, r: PortfolioReading| -> Vec<(i64, String)> {
            book.evaluate_portfolio(&r, 1_000)
                .fired
                .into_iter()
                .map(|f| (f.rule_id, f.headline()))
                .collect()
        };
        // 29,000 in all: BTC +0 % at 20,000 is 68.97 % of it (18.97
        // points from 50); ETH -10 %.
        assert_eq!(
            fired(&mut book, ledger(Some("20000"), Some("9000"))),
            [(3, "BIT is 68.97 % of Ledger (target 50 %)".to_string())]
        );
        // BTC 32,000 (+60 %), ETH 7,900 (-21 %): 39,900 in all, BTC 80.2 %.
        assert_eq!(
            fired(&mut book, ledger(Some("32000"), Some("7900"))),
            [
                (2, "BIT P&L +60 % in Ledger".to_string()),
                (4, "ETH P&L -21 % in Ledger".to_string())
            ]
        );
        // 40,100: the value crosses; the others wait to re-arm.
        let f = book.evaluate_portfolio(&ledger(Some("32200"), Some("7900")), 2_000);
        assert_eq!(f.fired.len(), 1);
        let value = &f.fired[0];
        assert_eq!(value.headline(), "Ledger value above $40,000.00");
        assert_eq!(
            value.body(),
            "Ledger is worth $40,100.00 (alert level $40,000.00)."
        );
        assert_eq!(
            HistoryEntry::new(value.clone(), false).description,
            "Ledger: portfolio value rises above $40,000.00"
        );
        // An unpriced holding makes no total: no reading, no firing, and
        // the rule stays as it was.
        let mut book = RuleBook::new(vec![portfolio_rule(
            1,
            "",
            Condition::ValueBelow,
            "1000000",
        )]);
        assert!(fired(&mut book, ledger(Some("1"), None)).is_empty());
        assert_eq!(
            fired(&mut book, ledger(Some("1"), Some("1"))),
            [(1, "Ledger value below $1,000,000.00".to_string())]
        );
        // Another portfolio's reading is not this rule's.
        let mut other = ledger(Some("1"), Some("1"));
        other.portfolio = None;
        let mut book = RuleBook::new(vec![portfolio_rule(
            1,
            "",
            Condition::ValueBelow,
            "1000000",
        )]);
        assert!(fired(&mut book, other).is_empty());
    }

    #[test]
    fn fires_once_per_crossing_and_rearms_only_past_the_band() {
        let mut book = RuleBook::new(vec![rule(1, "bitcoin", Condition::Above, "71000")]);
        // Band 0.5 % of 71000 = 355: re-arms below 70645.
        let fired = run(
            &mut book,
            "bitcoin",
            &[
                "70000", "71000", "71500", "70900", "71100", "70600", "71001",
            ],
        );
        assert_eq!(fired, [false, true, false, false, false, false, true]);
        assert_eq!(book.rules[0].epoch, 2);
    }

    #[test]
    fn a_new_rule_already_beyond_fires_at_once_and_below_mirrors_above() {
        let mut book = RuleBook::new(vec![rule(1, "bitcoin", Condition::Below, "100")]);
        let fired = run(&mut book, "bitcoin", &["90", "80", "100.4", "100.6", "99"]);
        assert_eq!(fired, [true, false, false, false, true]);
    }

    #[test]
    fn cooldown_holds_a_crossing_until_it_ends() {
        let mut r = rule(1, "bitcoin", Condition::Above, "100");
        r.spec.band_pct = Decimal::ZERO;
        r.spec.cooldown_secs = 150;
        let mut book = RuleBook::new(vec![r]);
        // t=0 fires; t=60 re-arms; t=120 crosses within the cooldown: waits;
        // t=180 still above after the cooldown: fires.
        let fired = run(&mut book, "bitcoin", &["101", "99", "101", "102"]);
        assert_eq!(fired, [true, false, false, true]);
    }

    #[test]
    fn after_the_clock_steps_back_a_cooldown_is_over() {
        let mut r = rule(1, "bitcoin", Condition::Above, "100");
        r.spec.cooldown_secs = 3600;
        // Fired "tomorrow": the clock has since stepped back a day.
        r.last_fired_at = Some(1_700_000_000_000 + 86_400_000);
        let mut book = RuleBook::new(vec![r]);
        assert_eq!(run(&mut book, "bitcoin", &["101"]), [true]);
    }

    #[test]
    fn once_rules_disable_themselves() {
        let mut r = rule(1, "bitcoin", Condition::Above, "100");
        r.spec.once = true;
        let mut book = RuleBook::new(vec![r]);
        let fired = run(&mut book, "bitcoin", &["101", "50", "101"]);
        assert_eq!(fired, [true, false, false]);
        assert!(!book.rules[0].enabled);
    }

    #[test]
    fn moves_are_measured_from_the_oldest_price_in_the_window() {
        let mut book = RuleBook::new(vec![
            rule(1, "bitcoin", Condition::Move, "5"),
            rule(2, "bitcoin", Condition::MoveUp, "5"),
            rule(3, "bitcoin", Condition::MoveDown, "5"),
        ]);
        let t0 = 1_700_000_000;
        book.seed(
            "usd",
            "bitcoin",
            &[
                (t0 - 7200, Decimal::from(50)),
                (t0 - 3000, Decimal::from(100)),
            ],
        );
        let out = book.evaluate(&[quote("bitcoin", "94", t0)], t0 * 1000);
        let ids: Vec<i64> = out.fired.iter().map(|f| f.rule_id).collect();
        assert_eq!(ids, [1, 3], "-6 % from 100 (50 is outside the hour)");
        assert_eq!(out.fired[0].value, Decimal::from(6));
    }

    #[test]
    fn absurd_levels_and_prices_are_skipped_not_panicked_on() {
        // Stored before levels were bounded: the largest Decimal.
        let mut below = rule(1, "bitcoin", Condition::Below, "1");
        below.spec.level = Decimal::MAX;
        let mut book = RuleBook::new(vec![below, rule(2, "bitcoin", Condition::Move, "5")]);
        let t0 = 1_700_000_000;
        book.seed("usd", "bitcoin", &[(t0 - 60, Decimal::from(100))]);
        // Fires (at or below the level), then must decide whether it re-arms
        // at level + band; the move is (1e27 - 100) × 100 / 100.
        let huge = "1000000000000000000000000000";
        let out = book.evaluate(&[quote("bitcoin", huge, t0)], t0 * 1000);
        assert_eq!(out.fired.iter().map(|f| f.rule_id).collect::<Vec<_>>(), [1]);
        let out = book.evaluate(&[quote("bitcoin", huge, t0 + 60)], (t0 + 60) * 1000);
        assert!(out.fired.is_empty());
        // An ordinary reading after the absurd ones still works.
        let out = book.evaluate(&[quote("bitcoin", "120", t0 + 120)], (t0 + 120) * 1000);
        assert_eq!(out.fired.iter().map(|f| f.rule_id).collect::<Vec<_>>(), [2]);
    }

    /// A week of hourly prices wiggling ±1 % around 100 (100, 101, 100, 99,
    /// …): every hourly return is about ±1 %, their sd about 1.15 %.
    fn wiggles(hours: i64, until: i64) -> Vec<(i64, Decimal)> {
        (0..hours)
            .map(|h| {
                let t = until - (hours - 1 - h) * 3600;
                (t, Decimal::from([100, 101, 100, 99][(h % 4) as usize]))
            })
            .collect()
    }

    /// One update of `coin` at `price`, at unix second `ts`: the values of
    /// what fired.
    fn fired_at(book: &mut RuleBook, coin: &str, price: Decimal, ts: i64) -> Vec<Decimal> {
        let q = quote(coin, &price.to_string(), ts);
        let out = book.evaluate(&[q], ts * 1000);
        out.fired.iter().map(|f| f.value).collect()
    }

    #[test]
    fn an_anomaly_fires_once_on_the_jump_not_on_the_wiggles_and_rearms_in_sigma() {
        // k = 3 σ over 1h windows against a week; band 0.5 σ: re-arms when
        // |z| falls below 2.5.
        let mut book = RuleBook::new(vec![rule(1, "solana", Condition::Anomaly, "3")]);
        let t0 = 1_700_000_000;
        let seeded = 7 * 24 + 2;
        book.seed("usd", "solana", &wiggles(seeded, t0));
        // Six more hours of the same wiggles, one update an hour.
        let live = wiggles(seeded + 6, t0 + 6 * 3600).split_off(seeded as usize);
        for &(ts, p) in &live {
            assert_eq!(fired_at(&mut book, "solana", p, ts), [], "{p} at {ts}");
        }
        let t = t0 + 7 * 3600;
        let jump = live[5].1 * testing::dec("1.08");
        let fired = fired_at(&mut book, "solana", jump, t);
        assert_eq!(fired.len(), 1, "the +8 % hour fires");
        assert!(fired[0] > Decimal::from(5), "z = {}", fired[0]);
        // A quarter of an hour on, the last hour still holds the jump: still
        // beyond, not armed, nothing.
        assert_eq!(fired_at(&mut book, "solana", jump, t + 900), []);
        assert!(!book.rules[0].armed);
        // An hour on, flat: the latest return is 0, |z| is under 2.5 and the
        // rule re-arms...
        let out = book.evaluate(
            &[quote("solana", &jump.to_string(), t + 3600)],
            (t + 3600) * 1000,
        );
        assert!(out.fired.is_empty());
        assert_eq!(out.changed.len(), 1, "re-armed");
        assert!(book.rules[0].armed);
        // ...so the fall of the hour after fires again, below the usual move.
        let fall = jump * testing::dec("0.9");
        let fired = fired_at(&mut book, "solana", fall, t + 2 * 3600);
        assert_eq!(fired.len(), 1, "the -10 % hour fires");
        assert!(fired[0] < Decimal::from(-5), "z = {}", fired[0]);
        assert_eq!(book.rules[0].epoch, 2);
    }

    #[test]
    fn an_anomaly_firing_records_its_lookback_and_z() {
        let mut book = RuleBook::new(vec![rule(1, "solana", Condition::Anomaly, "3")]);
        let t0 = 1_700_000_000;
        book.seed("usd", "solana", &wiggles(7 * 24 + 2, t0));
        let out = book.evaluate(&[quote("solana", "130", t0 + 3600)], (t0 + 3600) * 1000);
        let f = &out.fired[0];
        assert_eq!(
            (f.lookback_secs, f.window_secs),
            (Some(7 * 86_400), Some(3600))
        );
        // The window's return against the week's hourly returns, exactly as
        // analytics works it out, rounded to 4 places.
        let span = 3600 + 7 * 86_400;
        let mut points = wiggles(7 * 24 + 2, t0);
        points.push((t0 + 3600, testing::dec("130")));
        points.retain(|&(t, _)| t >= t0 + 3600 - span);
        let a = analytics::anomaly(&points, 3600, 7 * 86_400).expect("an anomaly");
        assert_eq!(f.value, Decimal::try_from(a.z).expect("finite").round_dp(4));
    }

    #[test]
    fn an_anomaly_rule_without_enough_history_stays_quiet() {
        let mut book = RuleBook::new(vec![rule(1, "solana", Condition::Anomaly, "3")]);
        let t0 = 1_700_000_000;
        // Four hours: fewer than five trailing returns.
        book.seed("usd", "solana", &wiggles(4, t0));
        let out = book.evaluate(&[quote("solana", "1000", t0 + 3600)], (t0 + 3600) * 1000);
        assert!(out.is_empty(), "{out:?}");
        // The window the book keeps spans window + lookback.
        assert_eq!(
            book.windows_wanted(),
            [("usd".to_string(), "solana".to_string(), 3600 + 7 * 86_400)]
        );
    }

    #[test]
    fn twenty_four_hour_change_and_other_coins_are_independent() {
        let mut book = RuleBook::new(vec![
            rule(1, "bitcoin", Condition::ChangeBelow, "-10"),
            rule(2, "ethereum", Condition::Above, "1"),
        ]);
        let out = book.evaluate(&[quote("bitcoin", "1", 1)], 1000);
        assert_eq!(out.fired.len(), 1);
        assert_eq!(out.fired[0].value, testing::dec("-12.5"));
    }
}
