//! Uniform buckets: the one rule that cuts every chart's series (a coin's
//! history, a comparison, a portfolio's value) so that equal spans of time
//! take equal width, and the one rule for what of a range the stored
//! history lacks.
//!
//! The store mixes resolutions: a year's backfill is a daily price for
//! nine months, hourly ones for the last ninety days and 5-minute ones for
//! the last day, and the refresher adds one a minute while it runs. Cut by
//! the point budget alone, a year read from the hours gave five-hour
//! buckets where hours are stored and one a day before, and a chart that
//! spaces its points evenly (lightweight-charts does) drew the last ninety
//! days wider than the nine months before them. So a range's buckets are
//! all as wide as the coarsest resolution stored anywhere in it (or the
//! point budget's share, when that is wider), and a bucket holding nothing
//! is a gap: no point, which the page draws as a gap.

use super::{Range, Resolution};

/// How a series over a range is cut: buckets `step` seconds wide from
/// `start` (a multiple of `step`, so every series cut alike lines up), each
/// grouping whole candles of the stored resolution `res`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Buckets {
    pub res: Resolution,
    pub step: i64,
    pub start: i64,
}

impl Buckets {
    /// The finest resolution `max_points` buckets over `from..=to` can be
    /// read at. Only the resolutions coarser than it can make the buckets
    /// wider, so only those are tested with [`stored_at`].
    pub fn finest(from: i64, to: i64, max_points: u32) -> Resolution {
        Resolution::for_step(share(from, to, max_points))
    }

    /// At most `max_points` buckets covering `from..=to` (unix seconds),
    /// all `step` wide: the coarsest resolution `stored` anywhere in the
    /// range when it is coarser than [`Buckets::finest`], else the point
    /// budget's share rounded up to whole buckets of that resolution. When
    /// the bucket holding `from` makes one too many, the oldest is left
    /// out.
    pub fn new(from: i64, to: i64, max_points: u32, stored: Resolution) -> Buckets {
        let share = share(from, to, max_points);
        let finest = Resolution::for_step(share);
        let step = if stored > finest {
            stored.secs()
        } else {
            let r = finest.secs();
            (share.max(r) + r - 1) / r * r
        };
        // Read from the coarsest resolution a bucket holds whole: a day
        // from the days, the only resolution a provider's 4-hour candles
        // (their highs and lows) fit in.
        let res = Resolution::ALL
            .into_iter()
            .rev()
            .find(|r| step % r.secs() == 0)
            .unwrap_or(Resolution::Minute);
        let max = i64::from(max_points.max(1));
        let mut start = from.div_euclid(step) * step;
        let count = (to.div_euclid(step) * step - start) / step + 1;
        if count > max {
            start += (count - max) * step;
        }
        Buckets { res, step, start }
    }

    /// The start of the bucket holding `t` (unix seconds).
    pub fn bucket_of(&self, t: i64) -> i64 {
        self.start + (t - self.start).div_euclid(self.step) * self.step
    }
}

/// Each point's share of the range, seconds (at least 1).
fn share(from: i64, to: i64, max_points: u32) -> i64 {
    let max = i64::from(max_points.max(1));
    ((to - from).max(1) + max - 1) / max
}

/// The resolution a `level` bucket is counted in: the next finer one.
pub fn finer(level: Resolution) -> Option<Resolution> {
    Resolution::ALL.into_iter().rev().find(|r| *r < level)
}

/// Whether a stretch of the stored history is at `level`'s resolution or
/// coarser. `filled` holds the whole `level` buckets of the range that
/// hold anything (their start, oldest first) with how many of their slots
/// of the next finer resolution do ([`finer`]): a day's hours, an hour's
/// 5-minute slots. A stretch is that coarse when two adjacent buckets each
/// fill at most half of their slots: a provider's daily prices fill one
/// hour of each day, its hourly ones one 5-minute slot of each hour, a
/// refresh every three minutes one or two minutes of each five. One such
/// bucket alone is not enough: the first, partial hour of a refresher's
/// run is no coarser resolution.
pub fn stored_at(level: Resolution, filled: &[(i64, u32)]) -> bool {
    let Some(finer) = finer(level) else {
        return false;
    };
    let slots = level.secs() / finer.secs();
    let sparse = |n: u32| i64::from(n) * 2 <= slots;
    filled
        .windows(2)
        .any(|w| w[1].0 - w[0].0 == level.secs() && sparse(w[0].1) && sparse(w[1].1))
}

/// The span a range's stored history should cover at `now` (unix
/// seconds): the range itself, and for `max` the year a provider's free
/// plan reaches (`max_days`), the most a backfill fetches.
pub fn coverage_span(range: Range, now: i64, max_days: u32) -> (i64, i64) {
    let days = range.days().unwrap_or(max_days);
    (now - i64::from(days) * 86_400, now)
}

/// The longest stretch without a stored price that is no gap, for a
/// range: the provider's own spacing over such a span (CoinGecko answers
/// daily beyond 90 days, hourly up to them, and its points fall anywhere
/// within their hour) and one more hour, as the stored hours are read.
pub const fn gap_slack_secs(range: Range) -> i64 {
    let spacing = match range {
        Range::Year | Range::Max => 86_400,
        Range::Day | Range::Week | Range::Month | Range::Quarter => 3600,
    };
    spacing + 3600
}

/// What of `from..=to` (unix seconds) the stored history lacks: the
/// stretches longer than `slack` seconds with no stored price, before the
/// first, between two and after the last. `stored` are the starts of the
/// stored hours in the range, oldest first; nothing stored lacks it all.
pub fn missing(stored: &[i64], from: i64, to: i64, slack: i64) -> Vec<(i64, i64)> {
    let mut gaps = Vec::new();
    let mut last = from;
    for &t in stored {
        if t - last > slack {
            gaps.push((last, t));
        }
        last = last.max(t);
    }
    if to - last > slack {
        gaps.push((last, to));
    }
    gaps
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60;
    const HOUR: i64 = 3600;
    const DAY: i64 = 86_400;
    /// A day boundary (2023-11-14T00:00:00Z).
    const T0: i64 = 19_675 * DAY;

    /// What the store's probe answers for `level`: the whole `level`
    /// buckets of `from..=to` holding any of `times`, each with how many
    /// of its finer slots do.
    fn filled(times: &[i64], level: Resolution, from: i64, to: i64) -> Vec<(i64, u32)> {
        let finer = finer(level).expect("a finer resolution");
        let (lo, hi) = (
            (from + level.secs() - 1).div_euclid(level.secs()) * level.secs(),
            to.div_euclid(level.secs()) * level.secs(),
        );
        let mut out: Vec<(i64, Vec<i64>)> = Vec::new();
        for &t in times.iter().filter(|t| (lo..hi).contains(*t)) {
            let b = level.bucket(t);
            let slot = finer.bucket(t);
            match out.last_mut() {
                Some((start, slots)) if *start == b => {
                    if !slots.contains(&slot) {
                        slots.push(slot);
                    }
                }
                _ => out.push((b, vec![slot])),
            }
        }
        out.into_iter().map(|(b, s)| (b, s.len() as u32)).collect()
    }

    /// The buckets the rule picks for `times` (the finest resolution's
    /// candle starts) over `from..=to`: what the store's read does.
    fn cut(times: &[i64], from: i64, to: i64, max_points: u32) -> Buckets {
        let finest = Buckets::finest(from, to, max_points);
        let stored = Resolution::ALL
            .into_iter()
            .rev()
            .filter(|l| *l > finest)
            .find(|l| stored_at(*l, &filled(times, *l, from, to)))
            .unwrap_or(finest);
        Buckets::new(from, to, max_points, stored)
    }

    /// The buckets the candles at `times` fall in, each once.
    fn points(b: &Buckets, times: &[i64], to: i64) -> Vec<i64> {
        let mut out: Vec<i64> = times
            .iter()
            .filter(|t| (b.start..=to).contains(*t))
            .map(|t| b.bucket_of(*t))
            .collect();
        out.dedup();
        out
    }

    /// A year as a backfill stores it, read from the hours: a price a day
    /// for nine months, hourly for 90 days, 5-minutely for the last day
    /// (and a refresher's minute prices in the last hour).
    fn backfilled_year(now: i64) -> Vec<i64> {
        let mut t: Vec<i64> = (0..365).map(|d| T0 + d * DAY).collect();
        t.extend((0..90 * 24).map(|h| now - 90 * DAY + h * HOUR));
        t.extend((0..288).map(|k| now - DAY + k * 300));
        t.extend((0..60).map(|m| now - HOUR + m * MINUTE));
        let mut hours: Vec<i64> = t
            .into_iter()
            .filter(|x| *x <= now)
            .map(|x| Resolution::Hour.bucket(x))
            .collect();
        hours.sort_unstable();
        hours.dedup();
        hours
    }

    #[test]
    fn a_year_mixing_daily_hourly_and_5_minute_prices_is_cut_in_days() {
        let now = T0 + 365 * DAY + 13 * HOUR + 7 * MINUTE;
        let from = now - 365 * DAY;
        let times = backfilled_year(now);
        let b = cut(&times, from, now, 2000);
        assert_eq!(b.step, DAY, "the coarsest stored resolution decides");
        assert_eq!(b.res, Resolution::Day);
        let p = points(&b, &times, now);
        assert!(
            p.windows(2).all(|w| w[1] - w[0] == DAY),
            "equal widths, no gap"
        );
        assert_eq!(p.len(), 366);
        // Before, the point budget alone cut it in five-hour buckets where
        // hours are stored, and a day's where days are.
        let budget = Buckets::new(from, now, 2000, Buckets::finest(from, now, 2000));
        assert_eq!(budget.step, 5 * HOUR);
    }

    #[test]
    fn a_day_of_5_minute_prices_and_a_refresher_s_minutes_is_cut_in_5_minutes() {
        let now = T0 + 13 * HOUR + 7 * MINUTE + 30;
        let from = now - DAY;
        let mut times: Vec<i64> = (0..288).map(|k| T0 - DAY + 14 * HOUR + k * 300).collect();
        times.extend((0..120).map(|m| now - 2 * HOUR + m * MINUTE));
        times.sort_unstable();
        times.dedup();
        let b = cut(&times, from, now, 2000);
        assert_eq!((b.res, b.step), (Resolution::FiveMinutes, 300));
        let p = points(&b, &times, now);
        assert!(p.windows(2).all(|w| w[1] - w[0] == 300));
    }

    #[test]
    fn a_week_of_hourly_prices_and_a_last_day_of_5_minute_ones_is_cut_in_hours() {
        let now = T0 + 7 * DAY + 10 * HOUR + 2 * MINUTE;
        let from = now - 7 * DAY;
        // CoinGecko's hourly points fall anywhere within their hour.
        let mut times: Vec<i64> = (0..7 * 24)
            .map(|h| Resolution::FiveMinutes.bucket(from + h * HOUR + (h * 7 % 55) * MINUTE))
            .collect();
        times.extend((0..288).map(|k| now - DAY + k * 300));
        times.sort_unstable();
        times.dedup();
        let b = cut(&times, from, now, 2000);
        assert_eq!((b.res, b.step), (Resolution::Hour, HOUR));
    }

    #[test]
    fn a_refresher_s_minute_prices_alone_keep_the_budget_s_width() {
        let now = T0 + 20 * HOUR;
        let from = now - DAY;
        // A price a minute for the last six hours, one minute missed here
        // and there, and the run's first, partial 5 minutes.
        let times: Vec<i64> = (0..360)
            .filter(|m| m % 17 != 3)
            .map(|m| now - 6 * HOUR + 4 * MINUTE + m * MINUTE)
            .filter(|t| *t <= now)
            .collect();
        let b = cut(&times, from, now, 2000);
        assert_eq!((b.res, b.step), (Resolution::Minute, MINUTE));
    }

    #[test]
    fn a_price_every_three_minutes_is_cut_in_5_minutes_not_minutes_with_gaps() {
        let now = T0 + 20 * HOUR;
        let from = now - DAY;
        let times: Vec<i64> = (0..400).map(|k| now - 20 * HOUR + k * 180).collect();
        let b = cut(&times, from, now, 2000);
        assert_eq!(b.step, 300);
    }

    #[test]
    fn a_gap_stays_a_gap() {
        let now = T0 + 30 * DAY + 5 * HOUR;
        let from = now - 30 * DAY;
        // Hourly prices, but none for three days in the middle.
        let times: Vec<i64> = (0..30 * 24)
            .map(|h| Resolution::Hour.bucket(from) + h * HOUR)
            .filter(|t| !(T0 + 10 * DAY..T0 + 13 * DAY).contains(t))
            .collect();
        let b = cut(&times, from, now, 2000);
        assert_eq!(b.step, HOUR, "a gap makes no coarser resolution");
        let p = points(&b, &times, now);
        let widths: Vec<i64> = p.windows(2).map(|w| w[1] - w[0]).collect();
        assert_eq!(
            widths.iter().filter(|w| **w != HOUR).collect::<Vec<_>>(),
            [&(3 * DAY + HOUR)],
            "one gap, three days wide; every other step an hour"
        );
    }

    #[test]
    fn one_sparse_bucket_alone_is_no_coarser_resolution() {
        // An hour with one 5-minute slot, then full hours.
        let filled = [(T0, 1), (T0 + HOUR, 12), (T0 + 2 * HOUR, 12)];
        assert!(!stored_at(Resolution::Hour, &filled));
        // Two sparse hours apart are no stretch either.
        let apart = [(T0, 1), (T0 + 5 * HOUR, 1)];
        assert!(!stored_at(Resolution::Hour, &apart));
        assert!(stored_at(
            Resolution::Hour,
            &[(T0, 1), (T0 + HOUR, 6), (T0 + 2 * HOUR, 12)]
        ));
        assert!(!stored_at(Resolution::Minute, &[(T0, 0), (T0 + 60, 0)]));
    }

    #[test]
    fn buckets_are_whole_aligned_and_never_more_than_the_points_asked() {
        let now = T0 + 13 * HOUR + 37 * MINUTE;
        for (from, points) in [(now - DAY, 24), (now - DAY, 25), (now - 7 * DAY, 42)] {
            let b = Buckets::new(from, now, points, Resolution::Minute);
            assert_eq!(b.start % b.step, 0);
            assert_eq!(b.step % b.res.secs(), 0);
            let count = (b.bucket_of(now) - b.start) / b.step + 1;
            assert!(count <= i64::from(points), "{count} > {points}");
            assert!(b.start <= from + b.step, "covers the range");
        }
        // Wider than the point budget's share when something coarser is
        // stored, and read from the days then.
        let b = Buckets::new(now - 7 * DAY, now, 2000, Resolution::Day);
        assert_eq!(
            (b.res, b.step, b.start),
            (Resolution::Day, DAY, T0 - 7 * DAY)
        );
    }

    #[test]
    fn what_a_range_lacks_is_before_between_and_after_its_stored_hours() {
        let (from, to) = (T0, T0 + 10 * DAY);
        let slack = gap_slack_secs(Range::Month);
        assert_eq!(missing(&[], from, to, slack), [(from, to)]);
        // A refresh's one hour, today: the rest of the range is missing.
        assert_eq!(missing(&[to - HOUR], from, to, slack), [(from, to - HOUR)]);
        let hourly: Vec<i64> = (0..10 * 24).map(|h| from + h * HOUR).collect();
        assert!(missing(&hourly, from, to, slack).is_empty());
        let holed: Vec<i64> = hourly
            .iter()
            .copied()
            .filter(|t| !(T0 + 2 * DAY..T0 + 3 * DAY).contains(t))
            .collect();
        assert_eq!(
            missing(&holed, from, to, slack),
            [(T0 + 2 * DAY - HOUR, T0 + 3 * DAY)]
        );
        // A year's daily points are no gaps at a year's slack, but are at a
        // month's.
        let daily: Vec<i64> = (0..10).map(|d| from + d * DAY + 13 * HOUR).collect();
        assert!(missing(&daily, from, to, gap_slack_secs(Range::Year)).is_empty());
        assert_eq!(missing(&daily, from, to, slack).len(), 11);
    }
}
