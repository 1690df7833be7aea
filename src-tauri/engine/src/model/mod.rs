//! Domain types shared by providers, the store and every front end.
//!
//! Money (prices, market caps, volumes) is [`Decimal`], never `f64`, so sums
//! and comparisons are exact. Percentages and sparklines are display data and
//! stay `f64`.

pub mod access;
pub mod alert;
pub mod amount;
pub mod buckets;
mod candle;
pub mod channel;
mod chart;
pub mod portfolio;
mod source;

pub use candle::{Candle, MAX_POINTS, Range, Resolution};
pub use chart::{ChartPoint, DailyCandle, ExchangeRate, FiatRate, OhlcCandle, RateKind};
pub use source::{ApiPlan, Preference, Source};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Input that no front end may pass on; the message names the value and
/// says what is allowed. Becomes [`crate::Error::Invalid`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidInput(pub String);

/// A loopback host (`localhost`, 127.0.0.0/8, ::1): the one place plain
/// http is allowed, and what tests' fake servers listen on.
pub fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A coin as a user names it: a provider id (`bitcoin`) or a symbol
/// (`btc`). Lower-case ASCII letters, digits, `-`, `.` and `_`, at most 100
/// characters; parsing trims and lower-cases, so `" BTC "` is `btc`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CoinId(String);

impl CoinId {
    pub fn parse(s: &str) -> Result<CoinId, InvalidInput> {
        let id = s.trim().to_ascii_lowercase();
        let ok = !id.is_empty()
            && id.len() <= 100
            && id.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'.' | b'_')
            });
        if ok {
            Ok(CoinId(id))
        } else {
            Err(InvalidInput(format!(
                "'{}' is not a coin id or symbol",
                s.trim()
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<CoinId> for String {
    fn from(id: CoinId) -> String {
        id.0
    }
}

/// A currency code prices can be quoted in (`usd`, `eur`, `btc`): 2 to 10
/// letters, lower-cased. Whether the provider supports it is checked where
/// it is set ([`crate::Engine::configure`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Currency(String);

impl Currency {
    pub fn parse(s: &str) -> Result<Currency, InvalidInput> {
        let c = s.trim().to_ascii_lowercase();
        if (2..=10).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_lowercase()) {
            Ok(Currency(c))
        } else {
            Err(InvalidInput(format!(
                "'{}' is not a currency code (2 to 10 letters, e.g. usd, eur, btc)",
                s.trim()
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.0
    }
}

/// A coin as listed by a provider (for search and symbols).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Coin {
    /// The provider's stable id, e.g. `bitcoin`.
    pub id: String,
    /// Lower-case ticker symbol, e.g. `btc`.
    pub symbol: String,
    pub name: String,
}

/// The market data of one coin in one currency at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Quote {
    pub coin_id: String,
    pub symbol: String,
    pub name: String,
    pub image: Option<String>,
    pub currency: String,
    #[ts(type = "string")]
    pub price: Decimal,
    #[ts(type = "string | null")]
    pub market_cap: Option<Decimal>,
    #[ts(type = "string | null")]
    pub volume_24h: Option<Decimal>,
    pub change_1h_pct: Option<f64>,
    pub change_24h_pct: Option<f64>,
    pub change_7d_pct: Option<f64>,
    pub market_cap_rank: Option<u32>,
    /// Hourly prices over the last 7 days, oldest first; may be empty.
    pub sparkline_7d: Vec<f64>,
    /// When the provider last updated this quote.
    pub updated_at: DateTime<Utc>,
    /// When Coinlytics fetched it.
    pub fetched_at: DateTime<Utc>,
    /// Where the price came from: "CoinGecko", "Binance", or "median of 3
    /// (…)" (`sources::Choice::label`).
    pub source: String,
    /// What the coin view shows beyond the dashboard's columns (flat in
    /// JSON, as the page reads them).
    #[serde(flatten)]
    pub figures: QuoteFigures,
}

/// A streamed price, as chosen from every source's readings at the moment
/// an exchange's tick arrived; published at once, written to the store
/// within a second (`Market::flush_ticks`). Published as applied to the
/// coin's quote ([`Quote::apply_tick`]): a source without a 24h change
/// carries the quote's, so every front end shows the same.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct PriceTick {
    pub coin_id: String,
    pub currency: String,
    #[ts(type = "string")]
    pub price: Decimal,
    /// "Binance", or "median of 3 (…)".
    pub source: String,
    /// The source's time of the price.
    pub at: DateTime<Utc>,
    pub change_24h_pct: Option<f64>,
    /// The fresh sources' spread in % (`sources::Choice::spread_pct`).
    pub spread_pct: Option<f64>,
}

/// The most points a drawn sparkline gets: a dashboard row's line is about
/// 100 pixels wide, and WebKit keeps every point of a shape as an object,
/// so 168 points in each of 100 rows cost megabytes for nothing seen.
pub const SPARKLINE_DRAWN_POINTS: usize = 50;

impl Quote {
    /// This quote with its sparkline thinned for drawing: of each of
    /// `SPARKLINE_DRAWN_POINTS / 2` stretches, its lowest and highest point
    /// in time order, so a spike still shows.
    pub fn for_drawing(mut self) -> Quote {
        self.sparkline_7d = extremes(&self.sparkline_7d, SPARKLINE_DRAWN_POINTS / 2);
        self
    }

    /// Moves this quote to a streamed price: the one place a tick is
    /// applied, for the market's own quotes, the window, the tray, the
    /// terminal ticker and the alert monitor alike. A tick without a 24h
    /// change (its sources give none) leaves the quote's.
    pub fn apply_tick(&mut self, t: &PriceTick) {
        self.price = t.price;
        self.source.clone_from(&t.source);
        self.updated_at = t.at;
        if t.change_24h_pct.is_some() {
            self.change_24h_pct = t.change_24h_pct;
        }
        self.figures.spread_pct = t.spread_pct;
    }
}

/// At most `2 × buckets` of `points`: each equal stretch's lowest and
/// highest, in their order (one point where they are the same).
fn extremes(points: &[f64], buckets: usize) -> Vec<f64> {
    if points.len() <= 2 * buckets {
        return points.to_vec();
    }
    let mut out = Vec::with_capacity(2 * buckets);
    for b in 0..buckets {
        let stretch = b * points.len() / buckets..(b + 1) * points.len() / buckets;
        let (mut lo, mut hi) = (stretch.start, stretch.start);
        for i in stretch {
            if points[i] < points[lo] {
                lo = i;
            }
            if points[i] > points[hi] {
                hi = i;
            }
        }
        out.push(points[lo.min(hi)]);
        if lo != hi {
            out.push(points[lo.max(hi)]);
        }
    }
    out
}

/// A quote's longer-range changes, records and supply, from the same
/// `/coins/markets` answer; each may be missing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct QuoteFigures {
    pub change_30d_pct: Option<f64>,
    pub change_1y_pct: Option<f64>,
    /// All-time high and low, and when (unix ms).
    #[ts(type = "string | null")]
    pub ath: Option<Decimal>,
    #[ts(type = "number | null")]
    pub ath_at: Option<i64>,
    #[ts(type = "string | null")]
    pub atl: Option<Decimal>,
    #[ts(type = "number | null")]
    pub atl_at: Option<i64>,
    #[ts(type = "string | null")]
    pub circulating_supply: Option<Decimal>,
    #[ts(type = "string | null")]
    pub total_supply: Option<Decimal>,
    #[ts(type = "string | null")]
    pub max_supply: Option<Decimal>,
    /// How far apart the fresh sources are: (highest − lowest) / median,
    /// in %; `None` with fewer than two. Live only: never stored.
    #[serde(default)]
    pub spread_pct: Option<f64>,
}

/// One row of price history; `(coin_id, currency, ts)` identifies it, so
/// storing the same point twice changes nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryPoint {
    pub coin_id: String,
    pub currency: String,
    /// Unix seconds.
    pub ts: i64,
    pub price: Decimal,
    pub volume: Option<Decimal>,
    pub market_cap: Option<Decimal>,
}

impl From<&Quote> for HistoryPoint {
    fn from(q: &Quote) -> Self {
        HistoryPoint {
            coin_id: q.coin_id.clone(),
            currency: q.currency.clone(),
            ts: q.updated_at.timestamp(),
            price: q.price,
            volume: q.volume_24h,
            market_cap: q.market_cap,
        }
    }
}

/// The price of one coin from `/simple/price`-style endpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimplePrice {
    pub coin_id: String,
    pub currency: String,
    pub price: Decimal,
    pub market_cap: Option<Decimal>,
    pub volume_24h: Option<Decimal>,
    pub change_24h_pct: Option<f64>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// Which coins a refresh asks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    /// These coin ids, in this order.
    Coins(Vec<String>),
    /// The top `n` coins by market cap.
    Top(u32),
}

/// What one refresh asks a provider for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct QuoteRequest {
    pub selection: Selection,
    pub currency: String,
}

#[cfg(test)]
mod tests {
    use super::extremes;

    #[test]
    fn a_short_sparkline_is_drawn_as_it_is() {
        assert_eq!(extremes(&[1.0, 3.0, 2.0, 5.0], 2), vec![1.0, 3.0, 2.0, 5.0]);
    }

    #[test]
    fn thinning_keeps_each_stretchs_low_and_high_in_time_order() {
        // Stretches of 3: [5 1 4] → 5 (high, first) then 1; [2 9 3] → 2, 9;
        // [7 7 7] → 7 once; [0 100 −4] → the spike 100 and the dip −4.
        let points = [
            5.0, 1.0, 4.0, 2.0, 9.0, 3.0, 7.0, 7.0, 7.0, 0.0, 100.0, -4.0,
        ];
        assert_eq!(
            extremes(&points, 4),
            vec![5.0, 1.0, 2.0, 9.0, 7.0, 100.0, -4.0]
        );
    }

    #[test]
    fn a_week_of_hours_is_drawn_with_at_most_fifty_points() {
        let week: Vec<f64> = (0..168).map(|h| f64::from(h % 24)).collect();
        let drawn = extremes(&week, super::SPARKLINE_DRAWN_POINTS / 2);
        assert!(
            drawn.len() <= super::SPARKLINE_DRAWN_POINTS,
            "{}",
            drawn.len()
        );
        assert_eq!(drawn.iter().copied().fold(f64::MIN, f64::max), 23.0);
        assert_eq!(drawn.iter().copied().fold(f64::MAX, f64::min), 0.0);
    }
}
