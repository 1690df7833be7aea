//! What a provider's history endpoints answer, before it becomes candles:
//! chart points, OHLC candles, exchanges' daily candles, and exchange
//! rates (against bitcoin, and a central bank's fiat reference rates).

use rust_decimal::Decimal;

/// One point of a price chart (`/coins/{id}/market_chart`).
#[derive(Debug, Clone, PartialEq)]
pub struct ChartPoint {
    /// Unix milliseconds.
    pub ts_ms: i64,
    pub price: Decimal,
    /// The 24-hour volume at that moment, when the answer has one.
    pub volume: Option<Decimal>,
}

/// One candle of `/coins/{id}/ohlc`, stamped at its close.
#[derive(Debug, Clone, PartialEq)]
pub struct OhlcCandle {
    /// Unix milliseconds of the candle's end.
    pub close_ms: i64,
    pub open: Decimal,
    pub high: Decimal,
    pub low: Decimal,
    pub close: Decimal,
}

/// One UTC day of trading in one exchange market, from its daily candles
/// (Binance's 1d klines, Coinbase's ONE_DAY candles): what stands in for
/// a coin's price on days older than CoinGecko's free year.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyCandle {
    pub day: chrono::NaiveDate,
    pub open: Decimal,
    pub high: Decimal,
    pub low: Decimal,
    /// The last trade of the day (until 23:59:59 UTC).
    pub close: Decimal,
    /// The exchange whose market it is.
    pub source: super::Source,
}

/// A reference rate of one day: units of `quote` for one `base` (lower
/// case fiat codes), as a central bank published it.
#[derive(Debug, Clone, PartialEq)]
pub struct FiatRate {
    pub base: String,
    pub quote: String,
    pub day: chrono::NaiveDate,
    /// Always above 0.
    pub rate: Decimal,
}

/// What an exchange rate's unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateKind {
    Crypto,
    Fiat,
    Commodity,
}

impl RateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RateKind::Crypto => "crypto",
            RateKind::Fiat => "fiat",
            RateKind::Commodity => "commodity",
        }
    }

    pub fn parse(s: &str) -> Option<RateKind> {
        [RateKind::Crypto, RateKind::Fiat, RateKind::Commodity]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// Units of one currency (or coin, or commodity) per bitcoin
/// (`/exchange_rates`), so any two of them convert through bitcoin.
#[derive(Debug, Clone, PartialEq)]
pub struct ExchangeRate {
    /// Lower case: `usd`, `eur`, `eth`, `xau`.
    pub code: String,
    pub name: String,
    /// How the unit is written: `$`, `€`, `ETH`.
    pub unit: String,
    pub kind: RateKind,
    /// Always above 0 (the provider drops what is not).
    pub per_btc: Decimal,
}
