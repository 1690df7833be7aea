//! Price history as candles: what the store keeps and a chart draws.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::InvalidInput;

/// The most points one series answer holds, whatever the range: enough
/// for a chart as wide as a screen, small enough to open any range fast.
pub const MAX_POINTS: u32 = 2000;

/// The bucket widths the store keeps candles at, finest first (seconds).
/// Every write updates all of them, so a range reads the coarsest width
/// that still has its detail (see [`Resolution::for_step`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Resolution {
    Minute = 60,
    FiveMinutes = 300,
    Hour = 3600,
    Day = 86_400,
}

impl Resolution {
    pub const ALL: [Resolution; 4] = [
        Resolution::Minute,
        Resolution::FiveMinutes,
        Resolution::Hour,
        Resolution::Day,
    ];

    pub const fn secs(self) -> i64 {
        self as i64
    }

    /// The coarsest resolution no wider than `step` seconds (the finest
    /// when `step` is under a minute).
    pub fn for_step(step: i64) -> Resolution {
        Self::ALL
            .into_iter()
            .rev()
            .find(|r| r.secs() <= step)
            .unwrap_or(Resolution::Minute)
    }

    /// The start of the bucket holding `ts` (unix seconds).
    pub const fn bucket(self, ts: i64) -> i64 {
        ts.div_euclid(self.secs()) * self.secs()
    }
}

/// One bucket of prices: first, highest, lowest and last price in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Candle {
    /// Unix milliseconds the bucket starts (a series' buckets are equally
    /// wide: `model::buckets`).
    #[ts(type = "number")]
    pub t: i64,
    #[ts(type = "string")]
    pub open: Decimal,
    #[ts(type = "string")]
    pub high: Decimal,
    #[ts(type = "string")]
    pub low: Decimal,
    #[ts(type = "string")]
    pub close: Decimal,
    /// The 24-hour trading volume at the bucket's close (CoinGecko's
    /// measure), not the bucket's own.
    #[ts(type = "string | null")]
    pub volume: Option<Decimal>,
}

/// How far back a chart or an analysis looks.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
pub enum Range {
    #[serde(rename = "1d")]
    Day,
    #[serde(rename = "7d")]
    Week,
    #[serde(rename = "30d")]
    Month,
    #[serde(rename = "90d")]
    Quarter,
    #[serde(rename = "1y")]
    Year,
    #[serde(rename = "max")]
    Max,
}

impl Range {
    pub const ALL: [Range; 6] = [
        Range::Day,
        Range::Week,
        Range::Month,
        Range::Quarter,
        Range::Year,
        Range::Max,
    ];

    pub fn parse(s: &str) -> Result<Range, InvalidInput> {
        let s = s.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                InvalidInput(format!(
                    "'{s}' is not a range; use one of {}",
                    Self::ALL.map(Range::as_str).join(", ")
                ))
            })
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Range::Day => "1d",
            Range::Week => "7d",
            Range::Month => "30d",
            Range::Quarter => "90d",
            Range::Year => "1y",
            Range::Max => "max",
        }
    }

    /// The width of a candle on a candlestick chart of this range, as
    /// charting apps draw it (seconds): 30 minutes for a day, 4 hours up
    /// to a month, a day for 90 days, a week beyond. Each holds several
    /// of the prices the source gives for such a span (5-minute, hourly,
    /// daily), so none draws as a flat one-price candle.
    pub const fn candle_secs(self) -> i64 {
        match self {
            Range::Day => 1800,
            Range::Week | Range::Month => 4 * 3600,
            Range::Quarter => 86_400,
            Range::Year | Range::Max => 7 * 86_400,
        }
    }

    /// The span in days; `None` for everything stored.
    pub const fn days(self) -> Option<u32> {
        match self {
            Range::Day => Some(1),
            Range::Week => Some(7),
            Range::Month => Some(30),
            Range::Quarter => Some(90),
            Range::Year => Some(365),
            Range::Max => None,
        }
    }
}
