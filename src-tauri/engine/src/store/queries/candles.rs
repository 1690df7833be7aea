//! `series` and `candles`: a coin's price history in one currency, as
//! open/high/low/close per bucket at each [`Resolution`].
//!
//! Every write merges into all four resolutions at once, so a range is
//! answered from the coarsest one that still has its detail, and dropping
//! a fine resolution after its retention loses nothing the coarser ones do
//! not hold. Merging is idempotent: writing a price or a candle twice
//! changes nothing. Prices are compared as exact decimals (`dec_cmp`,
//! `dec_max`, `dec_min`: store/sqlfn.rs), never as strings or floats.

use rusqlite::{Connection, OptionalExtension, params};
use rust_decimal::Decimal;

use super::{decimal_col, opt_decimal_col};
use crate::model::buckets::{self, Buckets};
use crate::model::{Candle, Resolution};

/// How a new (`excluded`) candle merges into the stored one of its bucket:
/// the earlier open, the later close (and its volume), the wider extremes.
const MERGE: &str = "
    open   = CASE WHEN excluded.first < candles.first THEN excluded.open ELSE candles.open END,
    first  = min(candles.first, excluded.first),
    close  = CASE WHEN excluded.last >= candles.last THEN excluded.close ELSE candles.close END,
    volume = CASE WHEN excluded.last >= candles.last
                  THEN coalesce(excluded.volume, candles.volume) ELSE candles.volume END,
    last   = max(candles.last, excluded.last),
    high   = CASE WHEN dec_cmp(excluded.high, candles.high) > 0 THEN excluded.high ELSE candles.high END,
    low    = CASE WHEN dec_cmp(excluded.low, candles.low) < 0 THEN excluded.low ELSE candles.low END";

/// A span of prices to merge: one price (`start == end`) or a provider's
/// candle from `start` to `end` (unix seconds).
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub start: i64,
    pub end: i64,
    pub open: Decimal,
    pub high: Decimal,
    pub low: Decimal,
    pub close: Decimal,
    pub volume: Option<Decimal>,
}

impl Bar {
    pub fn point(ts: i64, price: Decimal, volume: Option<Decimal>) -> Bar {
        Bar {
            start: ts,
            end: ts,
            open: price,
            high: price,
            low: price,
            close: price,
            volume,
        }
    }
}

/// The id of the series of `coin_id` in `currency`, created if new.
pub fn series_id(conn: &Connection, coin_id: &str, currency: &str) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO series (coin_id, currency) VALUES (?1, ?2)
         ON CONFLICT (coin_id, currency) DO UPDATE SET coin_id = excluded.coin_id
         RETURNING id",
    )?
    .query_row(params![coin_id, currency], |r| r.get(0))
}

/// The id of an existing series.
pub fn find_series(
    conn: &Connection,
    coin_id: &str,
    currency: &str,
) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT id FROM series WHERE coin_id = ?1 AND currency = ?2")?
        .query_row(params![coin_id, currency], |r| r.get(0))
        .optional()
}

/// Merges `bars` into every resolution whose bucket holds a bar whole (a
/// point fits every one; a 4-hour candle only days). Call inside a
/// transaction.
pub fn merge(conn: &Connection, series: i64, bars: &[Bar]) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(&format!(
        "INSERT INTO candles (series, res, t, open, high, low, close, volume, first, last)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (series, res, t) DO UPDATE SET {MERGE}"
    ))?;
    for bar in bars {
        let (open, high, low, close) = (
            bar.open.to_string(),
            bar.high.to_string(),
            bar.low.to_string(),
            bar.close.to_string(),
        );
        let volume = bar.volume.map(|v| v.to_string());
        for res in Resolution::ALL {
            let t = res.bucket(bar.start);
            if bar.end > t + res.secs() {
                continue;
            }
            stmt.execute(params![
                series,
                res as i64,
                t,
                open,
                high,
                low,
                close,
                volume,
                bar.start - t,
                bar.end - t
            ])?;
        }
    }
    Ok(())
}

/// At most `max_points` candles of `series` from `from` to `to` (unix
/// seconds), oldest first, at the finest detail the budget allows: read
/// from the coarsest resolution no wider than a point's share of the
/// range, grouped by that share rounded up to whole buckets. Where the
/// stored resolution changes within the range, so does the spacing of the
/// answer: for what needs detail (the monitor's windows), not for a chart
/// ([`uniform`]).
pub fn detail(
    conn: &Connection,
    series: i64,
    from: i64,
    to: i64,
    max_points: u32,
) -> rusqlite::Result<(Buckets, Vec<Candle>)> {
    let b = Buckets::new(from, to, max_points, Buckets::finest(from, to, max_points));
    Ok((b, grouped(conn, series, b, to)?))
}

/// The candles of each of `series` from `from` to `to` (unix seconds),
/// oldest first, cut alike in at most `max_points` equal buckets
/// ([`Buckets`]): as wide as the coarsest resolution stored anywhere in
/// the range by any of them, so a chart gives equal spans of time equal
/// width and the series line up. A bucket with nothing stored has no
/// candle (a gap). Each candle is its bucket's first open, last close and
/// the extremes between, stamped at the bucket's start.
pub fn uniform(
    conn: &Connection,
    series: &[i64],
    from: i64,
    to: i64,
    max_points: u32,
) -> rusqlite::Result<(Buckets, Vec<Vec<Candle>>)> {
    let finest = Buckets::finest(from, to, max_points);
    let mut stored = finest;
    'levels: for level in Resolution::ALL.into_iter().rev().filter(|l| *l > finest) {
        for s in series {
            if buckets::stored_at(level, &filled(conn, *s, finest, level, from, to)?) {
                stored = level;
                break 'levels;
            }
        }
    }
    let b = Buckets::new(from, to, max_points, stored);
    let candles = series
        .iter()
        .map(|s| grouped(conn, *s, b, to))
        .collect::<rusqlite::Result<_>>()?;
    Ok((b, candles))
}

/// The whole `level` buckets within `from..=to` holding any `res` candle
/// of `series`, oldest first, each with how many of its slots of the next
/// finer resolution hold one: what [`buckets::stored_at`] judges.
fn filled(
    conn: &Connection,
    series: i64,
    res: Resolution,
    level: Resolution,
    from: i64,
    to: i64,
) -> rusqlite::Result<Vec<(i64, u32)>> {
    let Some(finer) = buckets::finer(level) else {
        return Ok(Vec::new());
    };
    let w = level.secs();
    let (lo, hi) = ((from + w - 1).div_euclid(w) * w, to.div_euclid(w) * w);
    conn.prepare_cached(
        "SELECT t / ?5 * ?5 AS b, count(DISTINCT t / ?6)
         FROM candles WHERE series = ?1 AND res = ?2 AND t >= ?3 AND t < ?4
         GROUP BY b ORDER BY b",
    )?
    .query_map(params![series, res as i64, lo, hi, w, finer.secs()], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?
    .collect()
}

/// The candles of `series` from `b.start` to `to` grouped in `b`'s
/// buckets, in SQL: each group keeps its first open, last close and the
/// extremes between, stamped at its bucket's start (unix ms).
fn grouped(conn: &Connection, series: i64, b: Buckets, to: i64) -> rusqlite::Result<Vec<Candle>> {
    let mut stmt = conn.prepare_cached(
        "SELECT g.k, f.open, g.h, g.l, z.close, z.volume
         FROM (SELECT (t - ?3) / ?5 AS k, min(t) AS t0, max(t) AS t1,
                      dec_max(high) AS h, dec_min(low) AS l
               FROM candles WHERE series = ?1 AND res = ?2 AND t BETWEEN ?3 AND ?4
               GROUP BY k) AS g
         JOIN candles f ON f.series = ?1 AND f.res = ?2 AND f.t = g.t0
         JOIN candles z ON z.series = ?1 AND z.res = ?2 AND z.t = g.t1
         ORDER BY g.k",
    )?;
    stmt.query_map(params![series, b.res as i64, b.start, to, b.step], |r| {
        Ok(Candle {
            t: (b.start + r.get::<_, i64>(0)? * b.step) * 1000,
            open: decimal_col(r, 1)?,
            high: decimal_col(r, 2)?,
            low: decimal_col(r, 3)?,
            close: decimal_col(r, 4)?,
            volume: opt_decimal_col(r, 5)?,
        })
    })?
    .collect()
}

/// The starts of the hours of `series` holding a price within `from..=to`
/// (unix seconds), oldest first: what [`buckets::missing`] reads. Hours
/// are kept for ever, so an old range is judged as a recent one.
pub fn stored_hours(
    conn: &Connection,
    series: i64,
    from: i64,
    to: i64,
) -> rusqlite::Result<Vec<i64>> {
    conn.prepare_cached(
        "SELECT t FROM candles WHERE series = ?1 AND res = ?2 AND t BETWEEN ?3 AND ?4 ORDER BY t",
    )?
    .query_map(
        params![
            series,
            Resolution::Hour as i64,
            Resolution::Hour.bucket(from),
            to
        ],
        |r| r.get(0),
    )?
    .collect()
}

/// The first and last bucket start stored for `series` (unix seconds).
pub fn extent(conn: &Connection, series: i64) -> rusqlite::Result<Option<(i64, i64)>> {
    conn.prepare_cached("SELECT min(t), max(t) FROM candles WHERE series = ?1 AND res = ?2")?
        .query_row(params![series, Resolution::Day as i64], |r| {
            Ok(r.get::<_, Option<i64>>(0)?.zip(r.get::<_, Option<i64>>(1)?))
        })
}

/// The start of the first candle stored of `series`, at any resolution.
pub fn first_stored(conn: &Connection, series: i64) -> rusqlite::Result<Option<i64>> {
    let mut first: Option<i64> = None;
    // One index seek a resolution.
    for res in Resolution::ALL {
        let t: Option<i64> = conn
            .prepare_cached("SELECT min(t) FROM candles WHERE series = ?1 AND res = ?2")?
            .query_row(params![series, res as i64], |r| r.get(0))?;
        first = match (first, t) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    Ok(first)
}

/// How long each fine resolution is kept; hours and days are kept for
/// ever. Raw points (`price_history`) are kept as long as minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub minute_secs: i64,
    pub five_minute_secs: i64,
}

impl Default for Retention {
    fn default() -> Self {
        const DAY: i64 = 86_400;
        Retention {
            minute_secs: 7 * DAY,
            five_minute_secs: 90 * DAY,
        }
    }
}

/// Rows removed by [`retain`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retained {
    pub raw: usize,
    pub minutes: usize,
    pub five_minutes: usize,
}

/// Applies `policy` at `now` (unix seconds), in SQL: whatever is about to
/// be dropped is first merged into every coarser resolution (a no-op when
/// the writes already did, which they do), then dropped. Only buckets
/// wholly before a cut-off go, and running it twice changes nothing.
/// Call inside a transaction.
pub fn retain(conn: &Connection, now: i64, policy: Retention) -> rusqlite::Result<Retained> {
    let minute_cut = Resolution::FiveMinutes.bucket(now - policy.minute_secs);
    let five_cut = Resolution::Day.bucket(now - policy.five_minute_secs);

    conn.execute(
        "INSERT OR IGNORE INTO series (coin_id, currency)
         SELECT DISTINCT coin_id, currency FROM price_history WHERE ts < ?1",
        [minute_cut],
    )?;
    let mut absorb = conn.prepare_cached(&format!(
        "INSERT INTO candles (series, res, t, open, high, low, close, volume, first, last)
         SELECT s.id, ?1, g.b, f.price, g.h, g.l, z.price, z.volume, g.t0 - g.b, g.t1 - g.b
         FROM (SELECT coin_id, currency, ts / ?1 * ?1 AS b, min(ts) AS t0, max(ts) AS t1,
                      dec_max(price) AS h, dec_min(price) AS l
               FROM price_history WHERE ts < ?2 GROUP BY coin_id, currency, b) AS g
         JOIN series s ON s.coin_id = g.coin_id AND s.currency = g.currency
         JOIN price_history f ON f.coin_id = g.coin_id AND f.currency = g.currency AND f.ts = g.t0
         JOIN price_history z ON z.coin_id = g.coin_id AND z.currency = g.currency AND z.ts = g.t1
         WHERE true
         ON CONFLICT (series, res, t) DO UPDATE SET {MERGE}"
    ))?;
    for res in Resolution::ALL {
        absorb.execute(params![res as i64, minute_cut])?;
    }
    let raw = conn.execute("DELETE FROM price_history WHERE ts < ?1", [minute_cut])?;

    let mut roll = conn.prepare_cached(&format!(
        "INSERT INTO candles (series, res, t, open, high, low, close, volume, first, last)
         SELECT g.series, ?1, g.b, f.open, g.h, g.l, z.close, z.volume,
                g.t0 + f.first - g.b, g.t1 + z.last - g.b
         FROM (SELECT series, t / ?1 * ?1 AS b, min(t) AS t0, max(t) AS t1,
                      dec_max(high) AS h, dec_min(low) AS l
               FROM candles WHERE res = ?2 AND t < ?3 GROUP BY series, b) AS g
         JOIN candles f ON f.series = g.series AND f.res = ?2 AND f.t = g.t0
         JOIN candles z ON z.series = g.series AND z.res = ?2 AND z.t = g.t1
         WHERE true
         ON CONFLICT (series, res, t) DO UPDATE SET {MERGE}"
    ))?;
    let mut dropped = [0; 2];
    for (i, (fine, cut)) in [
        (Resolution::Minute, minute_cut),
        (Resolution::FiveMinutes, five_cut),
    ]
    .into_iter()
    .enumerate()
    {
        for coarse in Resolution::ALL.into_iter().filter(|r| *r > fine) {
            roll.execute(params![coarse as i64, fine as i64, cut])?;
        }
        dropped[i] = conn.execute(
            "DELETE FROM candles WHERE res = ?1 AND t < ?2",
            params![fine as i64, cut],
        )?;
    }
    Ok(Retained {
        raw,
        minutes: dropped[0],
        five_minutes: dropped[1],
    })
}

/// Rows per resolution, finest first (for tests and benchmarks).
pub fn counts(conn: &Connection, series: i64) -> rusqlite::Result<[i64; 4]> {
    let mut out = [0; 4];
    for (i, res) in Resolution::ALL.into_iter().enumerate() {
        out[i] = conn.query_row(
            "SELECT count(*) FROM candles WHERE series = ?1 AND res = ?2",
            params![series, res as i64],
            |r| r.get(0),
        )?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;
    use crate::model::{HistoryPoint, MAX_POINTS};
    use crate::store::Store;

    /// A day boundary (2023-11-14T00:00:00Z), so every resolution's
    /// buckets start here.
    const T0: i64 = 19_675 * 86_400;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("a decimal")
    }

    fn open() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("db.sqlite3")).expect("sqlite");
        (dir, store)
    }

    /// (res, t, open, high, low, close) of every candle of the series.
    fn all(store: &Store, series: i64) -> Vec<(i64, i64, String, String, String, String)> {
        store
            .read(|c| {
                c.prepare("SELECT res, t, open, high, low, close FROM candles WHERE series = ?1 ORDER BY res, t")?
                    .query_map([series], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
                    })?
                    .collect()
            })
            .expect("sqlite")
    }

    fn row(
        res: i64,
        t: i64,
        o: &str,
        h: &str,
        l: &str,
        c: &str,
    ) -> (i64, i64, String, String, String, String) {
        (res, t, o.into(), h.into(), l.into(), c.into())
    }

    /// Prices in a shuffled order; "99.5" sorts after "100" as text.
    fn points() -> Vec<Bar> {
        [
            (130, "101.5"),
            (10, "100"),
            (3700, "120"),
            (70, "95"),
            (50, "99.5"),
        ]
        .into_iter()
        .map(|(dt, p)| Bar::point(T0 + dt, d(p), None))
        .collect()
    }

    /// Worked out by hand from `points`.
    fn expected() -> Vec<(i64, i64, String, String, String, String)> {
        vec![
            row(60, T0, "100", "100", "99.5", "99.5"),
            row(60, T0 + 60, "95", "95", "95", "95"),
            row(60, T0 + 120, "101.5", "101.5", "101.5", "101.5"),
            row(60, T0 + 3660, "120", "120", "120", "120"),
            row(300, T0, "100", "101.5", "95", "101.5"),
            row(300, T0 + 3600, "120", "120", "120", "120"),
            row(3600, T0, "100", "101.5", "95", "101.5"),
            row(3600, T0 + 3600, "120", "120", "120", "120"),
            row(86_400, T0, "100", "120", "95", "120"),
        ]
    }

    #[test]
    fn a_price_lands_in_every_resolution_once() {
        let (_d, store) = open();
        let series = store
            .write(|tx| series_id(tx, "bitcoin", "usd"))
            .expect("sqlite");
        for _ in 0..2 {
            store
                .write(|tx| merge(tx, series, &points()))
                .expect("sqlite");
            assert_eq!(all(&store, series), expected());
        }
        assert_eq!(
            store
                .write(|tx| series_id(tx, "bitcoin", "usd"))
                .expect("sqlite"),
            series
        );
    }

    #[test]
    fn a_provider_candle_lands_only_where_it_fits_whole() {
        let (_d, store) = open();
        let series = store
            .write(|tx| series_id(tx, "bitcoin", "usd"))
            .expect("sqlite");
        let four_hours = Bar {
            start: T0 + 4 * 3600,
            end: T0 + 8 * 3600,
            open: d("10"),
            high: d("14"),
            low: d("9"),
            close: d("12"),
            volume: Some(d("5000")),
        };
        store
            .write(|tx| merge(tx, series, &[four_hours]))
            .expect("sqlite");
        assert_eq!(
            all(&store, series),
            vec![row(86_400, T0, "10", "14", "9", "12")]
        );
    }

    #[test]
    fn retention_keeps_every_bucket_s_extremes_and_last_point_and_is_idempotent() {
        let now = T0 + 100 * 86_400;
        // Written by this build: every resolution kept up to date.
        let (_a, written) = open();
        let s1 = written
            .write(|tx| series_id(tx, "bitcoin", "usd"))
            .expect("sqlite");
        written
            .write(|tx| merge(tx, s1, &points()))
            .expect("sqlite");
        // Only minutes, as if the coarser rows were never written: the
        // retention's SQL alone must derive them.
        let (_b, minutes_only) = open();
        let s2 = minutes_only
            .write(|tx| series_id(tx, "bitcoin", "usd"))
            .expect("sqlite");
        minutes_only
            .write(|tx| {
                merge(tx, s2, &points())?;
                tx.execute("DELETE FROM candles WHERE res > 60", [])
            })
            .expect("sqlite");
        // Raw points from a build before candles: absorbed, then dropped.
        let (_c, raw_only) = open();
        raw_only
            .write(|tx| {
                let raw: Vec<HistoryPoint> = points()
                    .iter()
                    .map(|b| HistoryPoint {
                        coin_id: "bitcoin".into(),
                        currency: "usd".into(),
                        ts: b.start,
                        price: b.close,
                        volume: None,
                        market_cap: None,
                    })
                    .collect();
                crate::store::queries::history::insert(tx, &raw)
            })
            .expect("sqlite");

        let hours_and_days: Vec<_> = expected().into_iter().filter(|r| r.0 >= 3600).collect();
        for store in [&written, &minutes_only, &raw_only] {
            for round in 0..2 {
                let dropped = store
                    .retain_history(now, Retention::default())
                    .expect("sqlite");
                let series = store
                    .read(|c| find_series(c, "bitcoin", "usd"))
                    .expect("sqlite")
                    .expect("sqlite");
                assert_eq!(all(store, series), hours_and_days, "round {round}");
                if round == 1 {
                    assert_eq!(dropped, Retained::default(), "a second run changes nothing");
                }
            }
            assert_eq!(
                store
                    .read(crate::store::queries::history::count)
                    .expect("sqlite"),
                0
            );
        }
    }

    #[test]
    fn recent_detail_outlives_the_retention_run() {
        let (_d, store) = open();
        let series = store
            .write(|tx| series_id(tx, "bitcoin", "usd"))
            .expect("sqlite");
        store
            .write(|tx| merge(tx, series, &points()))
            .expect("sqlite");
        // Six days on, minutes are still kept; ninety-one days on, only
        // five-minute candles are gone.
        store
            .retain_history(T0 + 6 * 86_400, Retention::default())
            .expect("sqlite");
        assert_eq!(
            store.read(|c| counts(c, series)).expect("sqlite"),
            [4, 2, 2, 1]
        );
        store
            .retain_history(T0 + 91 * 86_400, Retention::default())
            .expect("sqlite");
        assert_eq!(
            store.read(|c| counts(c, series)).expect("sqlite"),
            [0, 0, 2, 1]
        );
    }

    #[test]
    fn a_range_is_downsampled_keeping_its_extremes_first_open_and_last_close() {
        let (_d, store) = open();
        let series = store
            .write(|tx| series_id(tx, "bitcoin", "usd"))
            .expect("sqlite");
        // A day of minute prices: a saw-tooth with one spike and one dip.
        let prices: Vec<Bar> = (0..1440)
            .map(|m| {
                let cents = match m {
                    333 => 99_999,
                    1000 => 1,
                    _ => 5_000 + (m * 37 % 1000),
                };
                Bar::point(T0 + m * 60 + 7, Decimal::new(cents, 2), None)
            })
            .collect();
        store
            .write(|tx| merge(tx, series, &prices))
            .expect("sqlite");

        // 100 points of a day: 15-minute groups of whole 5-minute buckets.
        let (b, day) = store
            .read(|c| uniform(c, &[series], T0, T0 + 86_399, 100))
            .expect("sqlite");
        let day = &day[0];
        assert_eq!(
            (b.res, b.step, day.len()),
            (Resolution::FiveMinutes, 900, 96)
        );
        assert_eq!(day[0].open, prices[0].open);
        assert_eq!(day[95].close, prices[1439].close);
        assert_eq!(day.iter().map(|c| c.high).max(), Some(d("999.99")));
        assert_eq!(day.iter().map(|c| c.low).min(), Some(d("0.01")));
        assert!(day.windows(2).all(|w| w[0].t < w[1].t));
        assert!(
            day.iter()
                .all(|c| c.low <= c.open.min(c.close) && c.high >= c.open.max(c.close))
        );

        let (b, fine) = store
            .read(|c| uniform(c, &[series], T0, T0 + 86_399, 2000))
            .expect("sqlite");
        let fine = &fine[0];
        assert_eq!((b.res, b.step, fine.len()), (Resolution::Minute, 60, 1440));
        assert_eq!(fine[333].high, d("999.99"));
        assert_eq!(fine[0].t, T0 * 1000);
    }

    /// A year as a backfill and a refresher store it: a price a day at
    /// 00:00 for nine months, hourly ones (within their hour) for 90 days,
    /// 5-minute ones for the last day, a price a minute for the last hour;
    /// then the retention has run, as it does every 6 hours.
    fn a_backfilled_year(store: &Store, series: i64, now: i64) {
        let day = 86_400;
        let mut bars: Vec<Bar> = (0..=365)
            .map(|k| now - 365 * day + k * day)
            .map(|t| Resolution::Day.bucket(t))
            .chain((0..90 * 24).map(|h| now - 90 * day + h * 3600 + (h * 7 % 50) * 60))
            .chain((0..288).map(|k| now - day + k * 300))
            .chain((0..60).map(|m| now - 3600 + m * 60))
            .filter(|t| *t <= now)
            .map(|t| Bar::point(t, Decimal::new(500_000 + t % 997, 2), None))
            .collect();
        bars.push(Bar::point(now, d("5000"), None));
        store.write(|tx| merge(tx, series, &bars)).expect("sqlite");
        store
            .retain_history(now, Retention::default())
            .expect("sqlite");
    }

    #[test]
    fn a_year_mixing_daily_hourly_5_minute_and_minute_prices_reads_in_equal_days() {
        let (_d, store) = open();
        let series = store
            .write(|tx| series_id(tx, "bitcoin", "usd"))
            .expect("sqlite");
        let now = T0 + 400 * 86_400 + 13 * 3600 + 7 * 60;
        a_backfilled_year(&store, series, now);
        let from = now - 365 * 86_400;
        let (b, year) = store
            .read(|c| uniform(c, &[series], from, now, MAX_POINTS))
            .expect("sqlite");
        assert_eq!((b.res, b.step), (Resolution::Day, 86_400));
        let year = &year[0];
        assert_eq!(year.len(), 366, "a point a day, today's too");
        assert!(
            year.windows(2).all(|w| w[1].t - w[0].t == 86_400_000),
            "equal widths"
        );
        assert_eq!(
            year.last().map(|c| c.close),
            Some(d("5000")),
            "today's close is the latest price"
        );
        // The budget alone (the monitor's detail) reads hours in five-hour
        // groups, of which the daily stretch fills one a day.
        let (fine, rows) = store
            .read(|c| detail(c, series, from, now, MAX_POINTS))
            .expect("sqlite");
        assert_eq!(fine.step, 5 * 3600);
        let widths: Vec<i64> = rows.windows(2).map(|p| (p[1].t - p[0].t) / 1000).collect();
        let wide = widths.iter().filter(|w| **w > 5 * 3600).count();
        let narrow = widths.iter().filter(|w| **w == 5 * 3600).count();
        assert!(wide > 200 && narrow > 400, "{wide} wide, {narrow} narrow");

        // 90 days: hourly everywhere, so 2-hour buckets (the budget's).
        let (b, quarter) = store
            .read(|c| uniform(c, &[series], now - 90 * 86_400, now, MAX_POINTS))
            .expect("sqlite");
        assert_eq!((b.res, b.step), (Resolution::Hour, 7200));
        assert!(quarter[0].windows(2).all(|w| w[1].t - w[0].t == 7_200_000));
        // A week: hourly prices and a last day of 5-minute ones, in hours.
        let (b, week) = store
            .read(|c| uniform(c, &[series], now - 7 * 86_400, now, MAX_POINTS))
            .expect("sqlite");
        assert_eq!((b.res, b.step), (Resolution::Hour, 3600));
        assert!(week[0].windows(2).all(|w| w[1].t - w[0].t == 3_600_000));
        // A day: 5-minute prices and a last hour of minutes, in 5 minutes.
        let (b, day) = store
            .read(|c| uniform(c, &[series], now - 86_400, now, MAX_POINTS))
            .expect("sqlite");
        assert_eq!(b.step, 300);
        assert!(day[0].windows(2).all(|w| w[1].t - w[0].t == 300_000));
    }

    #[test]
    fn a_gap_in_the_stored_history_stays_a_gap_and_series_read_together_line_up() {
        let (_d, store) = open();
        let (btc, eth) = store
            .write(|tx| {
                Ok((
                    series_id(tx, "bitcoin", "usd")?,
                    series_id(tx, "ethereum", "usd")?,
                ))
            })
            .expect("sqlite");
        let now = T0 + 30 * 86_400 + 5 * 3600;
        let from = now - 30 * 86_400;
        // Bitcoin hourly but for three days the app was off and nothing
        // was fetched; ether a price a day.
        let hourly: Vec<Bar> = (0..30 * 24)
            .map(|h| from + h * 3600 + 120)
            .filter(|t| !(T0 + 10 * 86_400..T0 + 13 * 86_400).contains(t))
            .map(|t| Bar::point(t, d("100"), None))
            .collect();
        let daily: Vec<Bar> = (1..=30)
            .map(|k| Bar::point(T0 + k * 86_400, d("7"), None))
            .collect();
        store
            .write(|tx| {
                merge(tx, btc, &hourly)?;
                merge(tx, eth, &daily)
            })
            .expect("sqlite");
        let (b, alone) = store
            .read(|c| uniform(c, &[btc], from, now, MAX_POINTS))
            .expect("sqlite");
        assert_eq!(b.step, 3600, "a gap is no coarser resolution");
        let widths: Vec<i64> = alone[0]
            .windows(2)
            .map(|w| (w[1].t - w[0].t) / 1000)
            .collect();
        assert_eq!(
            widths.iter().filter(|w| **w != 3600).collect::<Vec<_>>(),
            [&(3 * 86_400 + 3600)],
            "one gap, three days and an hour from the last point before it to the first after"
        );
        // With ether's daily prices, both are read in days, on one grid.
        let (b, both) = store
            .read(|c| uniform(c, &[btc, eth], from, now, MAX_POINTS))
            .expect("sqlite");
        assert_eq!(b.step, 86_400);
        let days = |s: &[Candle]| s.iter().map(|c| c.t % 86_400_000).collect::<Vec<_>>();
        assert!(
            days(&both[0])
                .iter()
                .chain(&days(&both[1]))
                .all(|r| *r == 0)
        );
        assert_eq!(both[1].len(), 30);
        assert_eq!(
            both[0].len(),
            31 - 3,
            "the three days without a price are gaps"
        );
    }

    #[test]
    fn a_range_starting_inside_a_bucket_still_answers_at_most_its_points() {
        let (_d, store) = open();
        let series = store
            .write(|tx| series_id(tx, "bitcoin", "usd"))
            .expect("sqlite");
        let prices: Vec<Bar> = (0..2 * 1440)
            .map(|m| Bar::point(T0 + m * 60, Decimal::new(5_000 + m % 7, 2), None))
            .collect();
        store
            .write(|tx| merge(tx, series, &prices))
            .expect("sqlite");
        // The last day from 13:37: its first hour is partial, and so was a
        // 25th group before the step counted from the bucket holding `from`.
        let from = T0 + 13 * 3600 + 37 * 60;
        for points in [24, 25, 100, 287, 2000] {
            let (_, rows) = store
                .read(|c| uniform(c, &[series], from, from + 86_400, points))
                .expect("sqlite");
            let rows = &rows[0];
            assert!(
                rows.len() <= points as usize,
                "{} rows for {points} points",
                rows.len()
            );
            assert!(
                rows.len() * 2 > points as usize,
                "{} rows for {points} points",
                rows.len()
            );
        }
    }
}
