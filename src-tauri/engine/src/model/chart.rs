//! What a provider's history endpoints answer, before it becomes candles:
//! chart points, OHLC candles, and exchange rates against bitcoin.

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
