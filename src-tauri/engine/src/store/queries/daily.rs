//! A coin's past days from elsewhere than CoinGecko (the exchanges' daily
//! candles) into `candles` (candles.rs), at the day resolution only, so
//! what reads candles (charts, `portfolio::price_at`, valuation) finds
//! them like any other history.

use chrono::{NaiveDate, NaiveTime};
use rusqlite::Connection;
use rust_decimal::Decimal;

use super::candles::{Bar, merge, series_id};
use crate::model::DailyCandle;

const DAY: i64 = 86_400;

/// Merges `candles` into the series of `coin_id` in `currency` (created if
/// new): each one a bar over its whole UTC day, closing at 23:59:59, so it
/// fits the day's bucket alone (no finer resolution claims a day's open
/// and close). Merging is the candles' own (candles.rs): idempotent, the
/// earlier open and the later close of the day winning. Returns how many
/// days were given. Call inside a transaction.
pub fn put_daily_candles(
    conn: &Connection,
    coin_id: &str,
    currency: &str,
    candles: &[DailyCandle],
) -> rusqlite::Result<usize> {
    let bars: Vec<Bar> = candles
        .iter()
        .map(|c| {
            let start = day_start(c.day);
            Bar {
                start,
                end: start + DAY - 1,
                open: c.open,
                high: c.high,
                low: c.low,
                close: c.close,
                // An exchange's own volume is not the market-wide 24 h
                // volume (in the currency) the candles keep.
                volume: None,
            }
        })
        .collect();
    put(conn, coin_id, currency, &bars)
}

/// Merges a close per day into the series of `coin_id` in `currency`:
/// each the price at the day's last second (23:59:59 UTC), where a
/// close-only source has no open, high or low to give.
pub fn put_daily_closes(
    conn: &Connection,
    coin_id: &str,
    currency: &str,
    closes: &[(NaiveDate, Decimal)],
) -> rusqlite::Result<usize> {
    let bars: Vec<Bar> = closes
        .iter()
        .map(|(day, close)| Bar::point(day_start(*day) + DAY - 1, *close, None))
        .collect();
    put(conn, coin_id, currency, &bars)
}

fn put(conn: &Connection, coin_id: &str, currency: &str, bars: &[Bar]) -> rusqlite::Result<usize> {
    if bars.is_empty() {
        return Ok(0);
    }
    let series = series_id(conn, coin_id, &currency.to_ascii_lowercase())?;
    merge(conn, series, bars)?;
    Ok(bars.len())
}

fn day_start(day: NaiveDate) -> i64 {
    day.and_time(NaiveTime::MIN).and_utc().timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Resolution, Source};
    use crate::store::Store;
    use crate::store::queries::{candles, portfolio};

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("day")
    }

    fn d(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    fn candle(on: &str, open: &str, close: &str) -> DailyCandle {
        DailyCandle {
            day: day(on),
            open: d(open),
            high: d(open).max(d(close)) + Decimal::ONE,
            low: d(open).min(d(close)) - Decimal::ONE,
            close: d(close),
            source: Source::Coinbase,
        }
    }

    fn open() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("db.sqlite3")).expect("store");
        (dir, store)
    }

    /// The day candles of `series`: start, open, close.
    fn days_of(store: &Store, series: i64) -> Vec<(i64, Decimal, Decimal)> {
        store
            .read(|c| {
                c.prepare("SELECT t, open, close FROM candles WHERE series = ?1 AND res = 86400 ORDER BY t")?
                    .query_map([series], |r| {
                        Ok((r.get(0)?, crate::store::queries::decimal_col(r, 1)?, crate::store::queries::decimal_col(r, 2)?))
                    })?
                    .collect()
            })
            .expect("read")
    }

    fn price_at(store: &Store, at: &str) -> Option<(Decimal, i64)> {
        let ts = chrono::DateTime::parse_from_rfc3339(at)
            .expect("time")
            .timestamp();
        store
            .read(|c| portfolio::price_at(c, "bitcoin", "usd", ts, 2 * DAY))
            .expect("read")
    }

    #[test]
    fn exchange_days_are_found_by_valuation_and_stored_at_the_day_alone() {
        let (_d, store) = open();
        let days = [
            candle("2019-03-01", "3800.10", "3820.55"),
            candle("2019-03-02", "3820.55", "3811.00"),
        ];
        let n = store
            .write(|tx| put_daily_candles(tx, "bitcoin", "USD", &days))
            .expect("stored");
        assert_eq!(n, 2);
        // Any time of the day: that day's close, exactly.
        assert_eq!(
            price_at(&store, "2019-03-01T09:30:00Z").map(|p| p.0),
            Some(d("3820.55"))
        );
        // A day after the last: the last close, within the age allowed.
        let (price, at) = price_at(&store, "2019-03-03T12:00:00Z").expect("a price");
        assert_eq!(price, d("3811.00"));
        assert_eq!(at, day_start(day("2019-03-02")) + DAY - 1);
        assert_eq!(price_at(&store, "2019-02-28T12:00:00Z"), None);

        let series = store
            .read(|c| candles::find_series(c, "bitcoin", "usd"))
            .expect("read")
            .expect("a series");
        let per_res: Vec<(i64, i64)> = store
            .read(|c| {
                c.prepare("SELECT res, count(*) FROM candles WHERE series = ?1 GROUP BY res")?
                    .query_map([series], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect()
            })
            .expect("read");
        assert_eq!(per_res, [(Resolution::Day as i64, 2)]);
        let chart = days_of(&store, series);
        assert_eq!(
            chart,
            [
                (day_start(day("2019-03-01")), d("3800.10"), d("3820.55")),
                (day_start(day("2019-03-02")), d("3820.55"), d("3811.00"))
            ]
        );

        // Idempotent: the same days again change nothing.
        store
            .write(|tx| put_daily_candles(tx, "bitcoin", "usd", &days))
            .expect("again");
        let again = days_of(&store, series);
        assert_eq!(again, chart);
    }

    #[test]
    fn closes_alone_are_the_days_last_price() {
        let (_d, store) = open();
        store
            .write(|tx| {
                put_daily_closes(
                    tx,
                    "bitcoin",
                    "usd",
                    &[
                        (day("2018-06-01"), d("7541.45")),
                        (day("2018-06-04"), d("7688.1")),
                    ],
                )
            })
            .expect("stored");
        // The day's price, as any day's candle gives it.
        assert_eq!(
            price_at(&store, "2018-06-01T00:00:00Z").map(|p| p.0),
            Some(d("7541.45"))
        );
        assert_eq!(
            price_at(&store, "2018-06-02T08:00:00Z").map(|p| p.0),
            Some(d("7541.45"))
        );
        assert_eq!(
            price_at(&store, "2018-06-04T23:59:59Z").map(|p| p.0),
            Some(d("7688.1"))
        );
        assert_eq!(
            store
                .write(|tx| put_daily_closes(tx, "bitcoin", "usd", &[]))
                .expect("none"),
            0
        );
    }
}
