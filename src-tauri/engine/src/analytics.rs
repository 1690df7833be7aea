//! Figures worked from a price series, for Compare and the alert rules:
//! returns, volatility, drawdown, Sharpe-like ratio, correlation, the
//! anomaly statistic. Pure functions, no I/O.
//!
//! Money comes in as [`Decimal`]; the statistics are `f64`, because they need
//! square roots and their last digits are never shown. Returns are simple
//! returns in percent. Nothing here panics on any input (empty, one point,
//! zero or negative prices, unsorted); a figure that is undefined on its
//! input is `None`, never NaN or infinite.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

const DAY: i64 = 86_400;

/// A sample sd of returns (in %) at or below this is rounding noise from
/// dividing prices, not movement: a constant-growth series must give no
/// Sharpe ratio or correlation rather than one of 1e15.
const NOISE: f64 = 1e-10;

/// Per-coin figures over a range.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Stats {
    /// Daily closes the figures were worked from (UTC days with a price).
    pub days: u32,
    /// % from the first price to the last; `None` with fewer than two points
    /// or a first price <= 0.
    pub return_pct: Option<f64>,
    /// Annualised volatility of daily simple returns, %: sample standard
    /// deviation × sqrt(365) (crypto trades every day). A daily return is
    /// from one day's close to the next calendar day's; `None` with fewer
    /// than two such returns.
    pub volatility_pct: Option<f64>,
    /// Largest fall from a running peak to a later trough, % (a positive
    /// number, 0 if it never fell), over the given points (not only daily
    /// closes); `None` with fewer than two points or no positive price.
    pub max_drawdown_pct: Option<f64>,
    /// Sharpe-like ratio, risk-free rate 0: mean daily return / sample sd ×
    /// sqrt(365); `None` with fewer than two daily returns or no variance.
    pub sharpe: Option<f64>,
}

/// The anomaly statistic of [`anomaly`]; every field is finite.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Anomaly {
    /// The latest window's return, %.
    pub latest_return_pct: f64,
    /// Mean of the trailing windows' returns, %.
    pub mean_pct: f64,
    /// Sample standard deviation of the trailing windows' returns, % (> 0).
    pub sd_pct: f64,
    /// `(latest_return_pct - mean_pct) / sd_pct`.
    pub z: f64,
    /// How many trailing returns the mean and sd are worked from (>= 5).
    pub samples: u32,
}

/// The figures of `points`: (unix seconds, price), ascending.
pub fn stats(points: &[(i64, Decimal)]) -> Stats {
    let closes = closes_by_day(points);
    let returns: Vec<f64> = daily_returns(&closes).into_values().collect();
    let spread = mean_sd(&returns);
    Stats {
        days: u32::try_from(closes.len()).unwrap_or(u32::MAX),
        return_pct: match points {
            [(_, first), .., (_, last)] => num(*first).zip(num(*last)).and_then(|(a, b)| pct(a, b)),
            _ => None,
        },
        volatility_pct: spread.map(|(_, sd)| sd * 365f64.sqrt()),
        max_drawdown_pct: max_drawdown_pct(points),
        sharpe: spread
            .filter(|&(_, sd)| sd > NOISE)
            .map(|(mean, sd)| mean / sd * 365f64.sqrt())
            .filter(|s| s.is_finite()),
    }
}

/// Each point as % from the first point's price (the first is exactly
/// 0.0), in input order. Empty if there are no points or the first price
/// is <= 0.
pub fn normalised(points: &[(i64, Decimal)]) -> Vec<(i64, f64)> {
    let Some(base) = points.first().and_then(|&(_, p)| num(p)) else {
        return Vec::new();
    };
    points
        .iter()
        .map_while(|&(t, p)| Some((t, pct(base, num(p)?)?)))
        .collect()
}

/// Last price of each UTC day: (day start unix secs, price), one per day,
/// days ascending. "Last" is the last in input order, which for ascending
/// input is the latest.
pub fn daily_closes(points: &[(i64, Decimal)]) -> Vec<(i64, Decimal)> {
    closes_by_day(points)
        .into_iter()
        .map(|(day, p)| (day.saturating_mul(DAY), p))
        .collect()
}

/// Pearson correlation of daily simple returns between every pair of
/// series, matched on shared days (a return is from one day to the next
/// calendar day, both present in the series; a pair uses only days where
/// both series have that return). Square matrix n×n; diagonal 1.0 where the
/// series has >= 2 returns with nonzero variance; None where fewer than 3
/// shared returns or a zero variance. Symmetric; every value is in [-1, 1].
pub fn correlation_matrix(series: &[&[(i64, Decimal)]]) -> Vec<Vec<Option<f64>>> {
    let returns: Vec<BTreeMap<i64, f64>> = series
        .iter()
        .map(|s| daily_returns(&closes_by_day(s)))
        .collect();
    let mut m = vec![vec![None; returns.len()]; returns.len()];
    for (i, a) in returns.iter().enumerate() {
        let own: Vec<f64> = a.values().copied().collect();
        m[i][i] = mean_sd(&own).filter(|&(_, sd)| sd > NOISE).map(|_| 1.0);
        for (j, b) in returns.iter().enumerate().skip(i + 1) {
            let (xs, ys): (Vec<f64>, Vec<f64>) = a
                .iter()
                .filter_map(|(day, x)| b.get(day).map(|y| (*x, *y)))
                .unzip();
            let r = pearson(&xs, &ys);
            m[i][j] = r;
            m[j][i] = r;
        }
    }
    m
}

/// The anomaly statistic for the "volatility anomaly" alert rule: the
/// latest return over `window_secs` (from the last price at or before
/// `last_t - window_secs` to the last point) as a z-score against the
/// trailing distribution of returns over the same window length, measured
/// on non-overlapping windows stepping back from the start of the latest
/// window over `lookback_secs`. Each window's return is from the last price
/// at or before its start to the last price at or before its end; a window
/// with no price of its own (both ends fall on the same point) or a start
/// price <= 0 adds no sample. Returns None when fewer than 5 trailing
/// returns or their sd is 0, when `window_secs <= 0`, or when the latest
/// return is undefined. `points` ascending by time.
pub fn anomaly(points: &[(i64, Decimal)], window_secs: i64, lookback_secs: i64) -> Option<Anomaly> {
    if window_secs <= 0 {
        return None;
    }
    let &(last_t, last_p) = points.last()?;
    // partition_point never panics, even on unsorted input (it just answers
    // nonsense there, which is all unsorted input can expect).
    let at_or_before = |t: i64| points.partition_point(|&(pt, _)| pt <= t).checked_sub(1);
    let price = |i: usize| points.get(i).and_then(|&(_, p)| num(p));
    let latest_start = last_t.checked_sub(window_secs)?;
    let mut end_i = at_or_before(latest_start)?;
    let latest = pct(price(end_i)?, num(last_p)?)?;

    let earliest = latest_start.saturating_sub(lookback_secs);
    let mut end_t = latest_start;
    let mut trailing = Vec::new();
    // Each pass either steps to an earlier point or jumps over a stretch with
    // none, so a 1-second window over years of lookback still ends in at most
    // two passes per point (and unsorted input cannot spin for ever).
    for _ in 0..=2 * points.len() {
        let Some(start_t) = end_t.checked_sub(window_secs).filter(|&t| t >= earliest) else {
            break;
        };
        let Some(start_i) = at_or_before(start_t) else {
            break; // before the first price: nothing older to measure
        };
        if start_i == end_i {
            // No price inside this window, nor in any before it down to that
            // point's own time: skip them all rather than count 0% returns,
            // which on coarse old data (hourly candles under a 5-minute
            // window) would shrink the sd and make every move look anomalous.
            let Some(gap) = points
                .get(start_i)
                .and_then(|&(t, _)| start_t.checked_sub(t))
            else {
                break;
            };
            end_t = start_t - gap.max(0) / window_secs * window_secs;
            continue;
        }
        if let Some(r) = price(start_i)
            .zip(price(end_i))
            .and_then(|(a, b)| pct(a, b))
        {
            trailing.push(r);
        }
        (end_t, end_i) = (start_t, start_i);
    }

    let (mean, sd) = mean_sd(&trailing)?;
    if trailing.len() < 5 || sd <= NOISE {
        return None;
    }
    let z = (latest - mean) / sd;
    z.is_finite().then(|| Anomaly {
        latest_return_pct: latest,
        mean_pct: mean,
        sd_pct: sd,
        z,
        samples: u32::try_from(trailing.len()).unwrap_or(u32::MAX),
    })
}

/// Keyed by UTC day number; a later point of the same day replaces an
/// earlier one.
fn closes_by_day(points: &[(i64, Decimal)]) -> BTreeMap<i64, Decimal> {
    let mut closes = BTreeMap::new();
    for &(t, p) in points {
        closes.insert(t.div_euclid(DAY), p);
    }
    closes
}

/// Daily returns in %, keyed by the day they end on. Only from a day to
/// the next calendar day: a return across a gap spans several days and
/// would inflate a daily sd annualised by sqrt(365).
fn daily_returns(closes: &BTreeMap<i64, Decimal>) -> BTreeMap<i64, f64> {
    closes
        .iter()
        .zip(closes.iter().skip(1))
        .filter(|((d0, _), (d1, _))| **d1 == **d0 + 1)
        .filter_map(|((_, p0), (d1, p1))| Some((*d1, pct(num(*p0)?, num(*p1)?)?)))
        .collect()
}

fn max_drawdown_pct(points: &[(i64, Decimal)]) -> Option<f64> {
    if points.len() < 2 {
        return None;
    }
    let (mut peak, mut worst) = (None::<f64>, None::<f64>);
    for p in points.iter().filter_map(|&(_, p)| num(p)) {
        if let Some(top) = peak.filter(|&top| top > 0.0) {
            worst = Some(worst.unwrap_or(0.0).max((top - p) * 100.0 / top));
        }
        peak = Some(peak.map_or(p, |top| top.max(p)));
    }
    worst.filter(|w| w.is_finite())
}

/// Mean and sample sd; `None` below two values.
fn mean_sd(xs: &[f64]) -> Option<(f64, f64)> {
    if xs.len() < 2 {
        return None;
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let sd = var.sqrt();
    (mean.is_finite() && sd.is_finite()).then_some((mean, sd))
}

fn pearson(xs: &[f64], ys: &[f64]) -> Option<f64> {
    if xs.len() < 3 || xs.len() != ys.len() {
        return None;
    }
    let ((mx, sx), (my, sy)) = (mean_sd(xs)?, mean_sd(ys)?);
    if sx <= NOISE || sy <= NOISE {
        return None;
    }
    let cov = xs
        .iter()
        .zip(ys)
        .map(|(x, y)| (x - mx) * (y - my))
        .sum::<f64>()
        / (xs.len() as f64 - 1.0);
    // Rounding can land a perfect correlation just outside [-1, 1].
    Some(cov / (sx * sy))
        .filter(|r| r.is_finite())
        .map(|r| r.clamp(-1.0, 1.0))
}

/// % from `p0` to `p1`; `None` when `p0 <= 0` (no base to measure from).
/// Multiplying before dividing keeps round answers round (10, not
/// 10.000000000000002).
fn pct(p0: f64, p1: f64) -> Option<f64> {
    (p0 > 0.0)
        .then(|| (p1 - p0) * 100.0 / p0)
        .filter(|r| r.is_finite())
}

fn num(d: Decimal) -> Option<f64> {
    d.to_f64().filter(|x| x.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    /// 2024-01-01T00:00:00Z.
    const START: i64 = 1_704_067_200;
    const HOUR: i64 = 3_600;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("decimal")
    }

    /// One price per day at noon UTC, from [`START`].
    fn daily(prices: &[&str]) -> Vec<(i64, Decimal)> {
        prices
            .iter()
            .zip(0..)
            .map(|(p, i)| (START + i * DAY + 12 * HOUR, d(p)))
            .collect()
    }

    #[track_caller]
    fn assert_near(got: Option<f64>, want: f64) {
        let got = got.expect("a value");
        assert!(
            (got - want).abs() < 1e-9 * want.abs().max(1.0),
            "got {got}, want {want}"
        );
    }

    // The hand series: 100, 110, 99, 121 on four days. Daily returns:
    //   110/100 - 1 = +10%,  99/110 - 1 = -10%,  121/99 - 1 = 22/99 = +22.2222%.
    // Mean = (10 - 10 + 22.2222) / 3 = 200/27 = 7.407407%.
    // Deviations from the mean, in 1/2.7 %: 10 - 7.4074 = 7/2.7, -10 - 7.4074 = -47/2.7,
    //   22.2222 - 7.4074 = 40/2.7; squares sum to (49 + 2209 + 1600)/7.29 = 3858/7.29.
    // Sample variance = 3858/7.29/2 = 264.609%²; sample sd = 16.26681%.
    // sqrt(365) = 19.1049732.
    const HAND: [&str; 4] = ["100", "110", "99", "121"];
    const HAND_SD: f64 = 16.266_808_337_776_11;

    #[test]
    fn hand_values_check_out() {
        assert!((HAND_SD - (3858.0_f64 / 7.29 / 2.0).sqrt()).abs() < 1e-9);
    }

    #[test]
    fn daily_closes_keep_the_last_price_of_each_utc_day() {
        let points = [
            (-1, d("7")), // 1969-12-31T23:59:59Z belongs to the day starting at -86400
            (START + 9 * HOUR, d("100")),
            (START + DAY - 1, d("101")),
            (START + DAY, d("102")),
            (START + DAY + 10 * HOUR, d("103")),
        ];
        assert_eq!(
            daily_closes(&points),
            vec![(-DAY, d("7")), (START, d("101")), (START + DAY, d("103"))]
        );
    }

    #[test]
    fn return_is_from_the_first_price_to_the_last() {
        // 121/100 - 1 = 21%.
        let s = stats(&daily(&HAND));
        assert_eq!(s.days, 4);
        assert_near(s.return_pct, 21.0);
    }

    #[test]
    fn volatility_is_the_sample_sd_of_daily_returns_annualised() {
        // 16.26681% × 19.1049732 = 310.77694%.
        assert_near(stats(&daily(&HAND)).volatility_pct, HAND_SD * 365f64.sqrt());
        assert_near(stats(&daily(&HAND)).volatility_pct, 310.776_936_928_641_7);
    }

    #[test]
    fn sharpe_is_the_mean_daily_return_over_its_sd_annualised() {
        // 7.407407 / 16.26681 × 19.1049732 = 8.69982.
        assert_near(
            stats(&daily(&HAND)).sharpe,
            200.0 / 27.0 / HAND_SD * 365f64.sqrt(),
        );
        assert_near(stats(&daily(&HAND)).sharpe, 8.699_820_940_459_645);
    }

    #[test]
    fn max_drawdown_is_the_largest_fall_from_a_running_peak() {
        // Peak 110, then 99: 11/110 = 10%. The later rise to 121 does not undo it.
        assert_near(stats(&daily(&HAND)).max_drawdown_pct, 10.0);
        // Peak 200, trough 50 after a partial recovery: 150/200 = 75%, not 100 -> 80 (20%).
        assert_near(
            stats(&daily(&["100", "80", "200", "120", "50", "190"])).max_drawdown_pct,
            75.0,
        );
    }

    #[test]
    fn drawdown_counts_intraday_points_not_only_daily_closes() {
        // Closes 100 then 110 never fall, but 80 in between is 20% below 100.
        let points = [
            (START, d("100")),
            (START + DAY + HOUR, d("80")),
            (START + DAY + 2 * HOUR, d("110")),
        ];
        assert_near(stats(&points).max_drawdown_pct, 20.0);
    }

    #[test]
    fn a_series_that_only_rises_has_zero_drawdown() {
        assert_eq!(stats(&daily(&["1", "2", "3"])).max_drawdown_pct, Some(0.0));
    }

    #[test]
    fn constant_prices_have_zero_volatility_and_no_sharpe() {
        let s = stats(&daily(&["5", "5", "5", "5"]));
        assert_eq!(s.return_pct, Some(0.0));
        assert_eq!(s.volatility_pct, Some(0.0));
        assert_eq!(s.max_drawdown_pct, Some(0.0));
        assert_eq!(s.sharpe, None);
    }

    #[test]
    fn steady_growth_has_no_sharpe_rather_than_a_rounding_artefact() {
        // +10% every day: sd is 0 up to rounding, so the ratio is undefined.
        let s = stats(&daily(&["100", "110", "121", "133.1", "146.41"]));
        assert_eq!(s.sharpe, None);
        assert!(s.volatility_pct.expect("volatility") < 1e-6);
    }

    #[test]
    fn daily_returns_only_span_consecutive_calendar_days() {
        // Days 0, 1, 3, 4: returns 100 -> 110 (+10%) and 200 -> 220 (+10%) only; the
        // +81.8% from 110 on day 1 to 200 on day 3 spans two days and is left out,
        // so the two returns are equal: volatility 0.
        let mut points = daily(&["100", "110", "0", "200", "220"]);
        points.remove(2);
        let s = stats(&points);
        assert_eq!(s.days, 4);
        assert_eq!(s.volatility_pct, Some(0.0));
        assert_near(s.return_pct, 120.0);
    }

    #[test]
    fn normalised_is_percent_from_the_first_price() {
        let n = normalised(&daily(&HAND));
        let pcts: Vec<f64> = n.iter().map(|&(_, p)| p).collect();
        // 0, 110/100 - 1 = 10%, 99/100 - 1 = -1%, 121/100 - 1 = 21%.
        assert_eq!(pcts, vec![0.0, 10.0, -1.0, 21.0]);
        assert_eq!(n[0].1.to_bits(), 0.0_f64.to_bits(), "exactly +0.0");
        assert_eq!(n[3].0, START + 3 * DAY + 12 * HOUR);
        assert!(normalised(&daily(&["0", "1"])).is_empty());
        assert!(normalised(&daily(&["-1", "1"])).is_empty());
    }

    #[test]
    fn empty_single_point_and_zero_prices_give_none_not_panics() {
        let none = Stats {
            days: 0,
            return_pct: None,
            volatility_pct: None,
            max_drawdown_pct: None,
            sharpe: None,
        };
        assert_eq!(stats(&[]), none);
        assert_eq!(
            stats(&daily(&["42"])),
            Stats {
                days: 1,
                ..none.clone()
            }
        );
        assert!(normalised(&[]).is_empty());
        assert!(daily_closes(&[]).is_empty());
        assert!(correlation_matrix(&[]).is_empty());
        assert_eq!(correlation_matrix(&[&[]]), vec![vec![None]]);
        assert_eq!(anomaly(&[], HOUR, DAY), None);
        assert_eq!(anomaly(&daily(&["42"]), HOUR, DAY), None);

        // All zero: nothing to measure from.
        let zeros = stats(&daily(&["0", "0", "0"]));
        assert_eq!(
            (
                zeros.return_pct,
                zeros.volatility_pct,
                zeros.max_drawdown_pct,
                zeros.sharpe
            ),
            (None, None, None, None)
        );
        // A zero first price: no return; daily returns from it are skipped, leaving
        // 10 -> 20 (+100%) alone, too few for a volatility.
        let s = stats(&daily(&["0", "10", "20"]));
        assert_eq!(
            (s.return_pct, s.volatility_pct, s.sharpe),
            (None, None, None)
        );
        // A fall to zero is a 100% drawdown.
        assert_near(stats(&daily(&["10", "0", "5"])).max_drawdown_pct, 100.0);
        // Negative prices: no return from a first price below zero, and the
        // one daily return from a positive price (2 -> -1) is too few for a
        // volatility; whatever is worked out is finite.
        let negative = stats(&daily(&["-3", "2", "-1", "4"]));
        assert_finite(&negative);
        assert_eq!(
            (
                negative.return_pct,
                negative.volatility_pct,
                negative.sharpe
            ),
            (None, None, None)
        );
        // One return each (2 -> -1; 1 -> 2), on different days: no diagonal, no pair.
        assert_eq!(
            correlation_matrix(&[
                &daily(&["-3", "2", "-1", "4"]),
                &daily(&["0", "0", "1", "2"]),
            ]),
            vec![vec![None, None], vec![None, None]]
        );
        // The latest window starts at a zero: no latest return.
        assert_eq!(
            anomaly(
                &daily(&["-3", "2", "0", "-1", "4", "0", "0", "7"]),
                DAY,
                10 * DAY,
            ),
            None
        );
        // Extreme timestamps and windows: three days far apart (no daily
        // return), the first day's start clamped to i64::MIN.
        let extreme = [(i64::MIN, d("1")), (0, d("2")), (i64::MAX, d("3"))];
        assert_eq!(
            stats(&extreme),
            Stats {
                days: 3,
                return_pct: Some(200.0),
                volatility_pct: None,
                max_drawdown_pct: Some(0.0),
                sharpe: None,
            }
        );
        assert_eq!(
            daily_closes(&extreme),
            vec![
                (i64::MIN, d("1")),
                (0, d("2")),
                (i64::MAX / DAY * DAY, d("3"))
            ]
        );
        assert_eq!(correlation_matrix(&[&extreme]), vec![vec![None]]);
        // Three points give two trailing returns at most, fewer than five.
        for (w, l) in [
            (1, i64::MAX),
            (i64::MAX, i64::MAX),
            (0, DAY),
            (-5, DAY),
            (HOUR, -DAY),
            (HOUR, i64::MIN),
        ] {
            assert_eq!(anomaly(&extreme, w, l), None, "window {w}, lookback {l}");
        }
    }

    /// Every figure is finite or `None`, never NaN or infinite.
    #[track_caller]
    fn assert_finite(s: &Stats) {
        for (name, v) in [
            ("return", s.return_pct),
            ("volatility", s.volatility_pct),
            ("drawdown", s.max_drawdown_pct),
            ("sharpe", s.sharpe),
        ] {
            assert!(v.is_none_or(f64::is_finite), "{name} {v:?} in {s:?}");
        }
    }

    #[test]
    fn unsorted_input_is_read_by_day_and_gives_no_nan_nor_panic() {
        let sorted = daily(&["100", "110", "99", "121", "130", "90", "95", "101"]);
        // 101, 99, 90, 130, 121, 95, 110, 100.
        let mut points = sorted.clone();
        points.reverse();
        points.swap(1, 5);

        // Daily closes are keyed by day, so they, and the volatility, the
        // Sharpe ratio and the correlation worked from them, do not depend
        // on the order of the input (one point a day here).
        assert_eq!(daily_closes(&points), daily_closes(&sorted));
        let (s, want) = (stats(&points), stats(&sorted));
        assert_eq!(s.days, 8);
        assert_eq!(
            (s.volatility_pct, s.sharpe),
            (want.volatility_pct, want.sharpe)
        );
        assert!(s.volatility_pct.is_some() && s.sharpe.is_some(), "{s:?}");
        assert_eq!(
            correlation_matrix(&[&points, &daily(&HAND)]),
            correlation_matrix(&[&sorted, &daily(&HAND)])
        );
        // The return and the drawdown follow the input's order: 101 -> 100 is
        // -0.990099 %; the deepest fall is from 130 to 95, 35/130 = 26.923 %.
        assert_near(s.return_pct, -100.0 / 101.0);
        assert_near(s.max_drawdown_pct, 3500.0 / 130.0);
        assert_finite(&s);
        let n = normalised(&points);
        assert_eq!(n.len(), 8);
        assert_eq!(n[0], (points[0].0, 0.0));
        assert_near(Some(n[3].1), 2900.0 / 101.0);

        // The anomaly needs ascending input; unsorted, it answers nothing or
        // finite figures.
        let a = anomaly(&points, DAY, 7 * DAY);
        if let Some(a) = a {
            assert!(
                [a.latest_return_pct, a.mean_pct, a.sd_pct, a.z]
                    .iter()
                    .all(|x| x.is_finite())
                    && a.sd_pct > 0.0
                    && a.samples >= 5,
                "{a:?}"
            );
        }
    }

    #[test]
    fn correlation_matches_a_hand_pearson_and_is_symmetric() {
        // Daily returns (%):
        //   a      100, 110, 99, 121:  +10, -10, +22.22
        //   anti   100, 90, 99, 77:    -10, +10, -22.22  (the negation of a)   -> -1 with a
        //   scaled 200, 220, 198, 242: +10, -10, +22.22  (a's returns again)   -> +1 with a
        //   c      100, 100, 110, 99:    0, +10, -10
        //   flat   5, 5, 5, 5:           0,   0,   0    (no variance)         -> None
        // a with c: deviations of a (7, -47, 40)/2.7, of c (0, 10, -10) (mean 0).
        //   cov sum = (0 - 470 - 400)/2.7 = -870/2.7; sum of squares 3858/7.29 and 200.
        //   r = (-870/2.7) / sqrt(3858/7.29 × 200) = -870 / sqrt(771600) = -0.9904285.
        let a = daily(&HAND);
        let anti = daily(&["100", "90", "99", "77"]);
        let scaled = daily(&["200", "220", "198", "242"]);
        let c = daily(&["100", "100", "110", "99"]);
        let flat = daily(&["5", "5", "5", "5"]);
        let m = correlation_matrix(&[&a, &anti, &scaled, &c, &flat]);
        let r_ac = -870.0 / 771_600f64.sqrt();
        assert!((r_ac + 0.990_428_532_5).abs() < 1e-9);

        assert_near(m[0][1], -1.0);
        assert_near(m[0][2], 1.0);
        assert_near(m[1][2], -1.0);
        assert_near(m[0][3], r_ac);
        assert_near(m[1][3], -r_ac);
        assert_near(m[2][3], r_ac);
        for (i, row) in m.iter().enumerate() {
            let moving = i < 4;
            assert_eq!(row[i], moving.then_some(1.0), "diagonal {i}");
            assert_eq!((row[4], m[4][i]), (None, None), "flat with {i}");
            for (j, r) in row.iter().enumerate() {
                assert_eq!(*r, m[j][i], "symmetric");
                assert!(r.is_none_or(|r| (-1.0..=1.0).contains(&r)));
            }
        }
    }

    #[test]
    fn correlation_uses_only_returns_both_series_share() {
        // a: days 0-5, returns ending on days 1..5: +10, -10, +50, -50, +22.22.
        // b: no day 3, so its returns end on days 1, 2 and 5: +10, -10, +22.22.
        // Shared: days 1, 2, 5, where they are equal -> 1.0, though a's days 3 and 4
        // (which b lacks) would pull a full-series correlation away from it.
        let a = daily(&["100", "110", "99", "148.5", "74.25", "90.75"]);
        let mut b = daily(&[
            "200",
            "220",
            "198",
            "1",
            "300",
            "366.666666666666666666666666",
        ]);
        b.remove(3);
        // b's day 4 -> 5: 366.67/300 - 1 = +22.22%, matching a's 74.25 -> 90.75.
        let m = correlation_matrix(&[&a, &b]);
        assert_near(m[0][1], 1.0);

        // Only two shared returns: too few, though each series alone has a diagonal.
        let short = daily(&["100", "110", "99"]);
        let m = correlation_matrix(&[&a, &short]);
        assert_eq!(m[0][1], None);
        assert_eq!(m[1][1], Some(1.0), "two returns with spread");
    }

    // The anomaly path, hourly: window 1h, lookback 5h, last point at 6h.
    //   -1h 50 | 0h 100 | 1h 100 | 2h 102 | 3h 99.96 | 4h 100.9596 | 5h 99.950004 | 6h 104.9475042
    // Latest window 5h -> 6h: +5%.
    // Trailing windows stepping back from 5h: 4h->5h -1%, 3h->4h +1%, 2h->3h -2%,
    //   1h->2h +2%, 0h->1h 0%; -1h->0h (+100%) starts before 5h - 5h = 0h, so is out.
    // Mean 0; sample sd = sqrt((1 + 1 + 4 + 4 + 0)/4) = sqrt(2.5) = 1.5811%;
    //   z = 5 / sqrt(2.5) = sqrt(10) = 3.1623.
    // A spike to 500 at 2h30 is inside a window, not at a boundary, so it changes nothing.
    fn anomaly_path(last_offset: i64) -> Vec<(i64, Decimal)> {
        let mut points: Vec<(i64, Decimal)> = [
            "50",
            "100",
            "100",
            "102",
            "99.96",
            "100.9596",
            "99.950004",
            "104.9475042",
        ]
        .iter()
        .zip(-1..)
        .map(|(p, h)| (START + h * HOUR, d(p)))
        .collect();
        points.insert(4, (START + 2 * HOUR + HOUR / 2, d("500")));
        if let Some(last) = points.last_mut() {
            last.0 += last_offset;
        }
        points
    }

    #[test]
    fn anomaly_is_the_latest_window_return_as_a_z_score_against_trailing_windows() {
        let a = anomaly(&anomaly_path(0), HOUR, 5 * HOUR).expect("an anomaly");
        assert_eq!(a.samples, 5);
        assert_near(Some(a.latest_return_pct), 5.0);
        assert_near(Some(a.mean_pct + 1.0), 1.0);
        assert_near(Some(a.sd_pct), 2.5f64.sqrt());
        assert_near(Some(a.z), 10f64.sqrt());
    }

    #[test]
    fn anomaly_window_boundaries_take_the_last_price_at_or_before_them() {
        // The last point 10 minutes late puts every boundary at h:10, which still
        // resolves to the h:00 prices: the same returns, the same z.
        let a = anomaly(&anomaly_path(600), HOUR, 5 * HOUR).expect("an anomaly");
        assert_eq!(a.samples, 5);
        assert_near(Some(a.z), 10f64.sqrt());
    }

    #[test]
    fn anomaly_needs_five_trailing_returns_with_spread() {
        // Lookback 4h: four trailing windows.
        assert_eq!(anomaly(&anomaly_path(0), HOUR, 4 * HOUR), None);
        // Lookback 6h takes in the -1h -> 0h window (+100%): six samples.
        assert_eq!(
            anomaly(&anomaly_path(0), HOUR, 6 * HOUR).map(|a| a.samples),
            Some(6)
        );
        // Constant trailing prices: sd 0.
        let flat: Vec<(i64, Decimal)> = (0..8)
            .map(|h| (START + h * HOUR, d(if h == 7 { "2" } else { "1" })))
            .collect();
        assert_eq!(anomaly(&flat, HOUR, 6 * HOUR), None);
        // A zero price at the start of the latest window: no latest return.
        let mut zero = anomaly_path(0);
        if let Some(p) = zero.iter_mut().rev().nth(1) {
            p.1 = Decimal::ZERO;
        }
        assert_eq!(anomaly(&zero, HOUR, 5 * HOUR), None);
    }

    #[test]
    fn anomaly_skips_windows_with_no_price_of_their_own() {
        // Daily prices under a 1h window: only the windows that cross midnight see
        // two different prices; the others would be spurious 0% returns.
        // Days: 100, 110, 99, 121, 100, 110, 99 (returns +10, -10, +22.22, -17.36, +10, -10),
        // then a last point one hour after the final noon.
        let mut points = daily(&["100", "110", "99", "121", "100", "110", "99"]);
        points.push((START + 6 * DAY + 13 * HOUR, d("99")));
        let a = anomaly(&points, HOUR, 7 * DAY).expect("an anomaly");
        assert_eq!(a.samples, 6);
        assert_near(Some(a.latest_return_pct + 1.0), 1.0);
    }
}
