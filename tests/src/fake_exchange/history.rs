//! Each market's daily candles, as the fake exchanges serve them (Binance's
//! klines, Coinbase's candles: the wire formats are in binance.rs and
//! coinbase.rs). Deterministic: a day's close wanders within ±1 % of the
//! market's current price by the day's number, unless a test set it; the
//! open is the day before's close; the extremes lie half a percent beyond.
//! A market trades from the day it was listed (2015-01-01 unless set) and
//! today's candle is still open: its close is the current price.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::market;

/// One day's candle, exact decimals.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Day {
    pub day: NaiveDate,
    pub open: Decimal,
    pub high: Decimal,
    pub low: Decimal,
    pub close: Decimal,
    /// Base-asset volume traded that day.
    pub volume: Decimal,
}

/// What a test set about the markets' past, and how the history routes
/// answer.
#[derive(Debug, Default)]
pub(super) struct History {
    closes: BTreeMap<(String, NaiveDate), Decimal>,
    listed: BTreeMap<String, NaiveDate>,
    /// Answer the history routes (only) with this status.
    pub status: Option<u16>,
    /// Answer them with a cut JSON body.
    pub malformed: bool,
    /// Each history request's path and query, as received.
    pub requests: Vec<String>,
}

impl History {
    pub fn set_close(&mut self, pair: &str, day: NaiveDate, close: Decimal) {
        self.closes.insert((pair.to_string(), day), close);
    }

    pub fn set_listed(&mut self, pair: &str, day: NaiveDate) {
        self.listed.insert(pair.to_string(), day);
    }

    fn listed(&self, pair: &str) -> NaiveDate {
        self.listed
            .get(pair)
            .copied()
            .unwrap_or_else(|| NaiveDate::from_ymd_opt(2015, 1, 1).expect("a date"))
    }

    /// The close of `pair` (whose price now is `last`) on `day`, if it
    /// traded then.
    pub fn close(&self, pair: &str, last: &str, day: NaiveDate) -> Option<Decimal> {
        let today = Utc::now().date_naive();
        if day < self.listed(pair) || day > today {
            return None;
        }
        if let Some(c) = self.closes.get(&(pair.to_string(), day)) {
            return Some(*c);
        }
        let now = market::parse(last);
        if day == today {
            return Some(now);
        }
        // −100 … +100 basis points, by the day's number.
        let bp = (i64::from(day.num_days_from_ce()) * 37).rem_euclid(201) - 100;
        let scale = now.scale().max(2);
        Some((now + now * Decimal::new(bp, 4)).round_dp(scale))
    }

    /// The days of `pair` from `first` to `last` it traded, oldest first.
    pub fn days(&self, pair: &str, price: &str, first: NaiveDate, last: NaiveDate) -> Vec<Day> {
        let mut out = Vec::new();
        let mut day = first.max(self.listed(pair));
        while day <= last {
            let Some(close) = self.close(pair, price, day) else {
                break;
            };
            let open = day
                .pred_opt()
                .and_then(|d| self.close(pair, price, d))
                .unwrap_or(close);
            let scale = close.scale().max(2);
            let high = (open.max(close) * Decimal::new(1005, 3)).round_dp(scale);
            let low = (open.min(close) * Decimal::new(995, 3)).round_dp(scale);
            let volume = Decimal::new(
                1_000_000_000 + i64::from(day.num_days_from_ce() % 977) * 1_000_000,
                8,
            );
            out.push(Day {
                day,
                open,
                high,
                low,
                close,
                volume,
            });
            let Some(next) = day.succ_opt() else { break };
            day = next;
        }
        out
    }
}

/// Midnight UTC of `day`, in Unix seconds.
pub(super) fn day_start(day: NaiveDate) -> i64 {
    day.and_time(chrono::NaiveTime::MIN).and_utc().timestamp()
}

/// The UTC day holding `secs`, clamped to what chrono can name.
pub(super) fn day_of(secs: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp(secs.clamp(-8_000_000_000, 200_000_000_000), 0)
        .map(|t| t.date_naive())
        .unwrap_or(NaiveDate::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("day")
    }

    #[test]
    fn days_are_deterministic_chained_and_set_where_asked() {
        let mut h = History::default();
        let days = h.days("BTC-USD", "70000.00", day("2020-01-01"), day("2020-01-03"));
        assert_eq!(days.len(), 3);
        assert_eq!(
            days[1].open, days[0].close,
            "each day opens at the last close"
        );
        assert!(
            days.iter()
                .all(|d| d.low <= d.open.min(d.close) && d.high >= d.open.max(d.close))
        );
        let c = days[0].close;
        assert!(
            c >= Decimal::new(6930000, 2) && c <= Decimal::new(7070000, 2),
            "{c}"
        );
        assert_eq!(
            h.days("BTC-USD", "70000.00", day("2020-01-01"), day("2020-01-03")),
            days
        );

        h.set_close("BTC-USD", day("2020-01-02"), Decimal::new(7_200_012, 2));
        h.set_listed("BTC-USD", day("2020-01-02"));
        let days = h.days("BTC-USD", "70000.00", day("2020-01-01"), day("2020-01-03"));
        assert_eq!(days[0].day, day("2020-01-02"), "not listed before");
        assert_eq!(days[0].close.to_string(), "72000.12");
        assert_eq!(days[1].open.to_string(), "72000.12");
        let today = Utc::now().date_naive();
        let now = h.days("BTC-USD", "70000.00", today, today);
        assert_eq!(
            now[0].close.to_string(),
            "70000.00",
            "today's close is the price now"
        );
    }
}
