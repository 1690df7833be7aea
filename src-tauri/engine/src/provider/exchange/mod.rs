//! Exchanges' public market data: Binance, Kraken and Coinbase, each by
//! REST (a batch of tickers) and by its public WebSocket ticker stream;
//! and Binance's and Coinbase's daily candles, a coin's past ([`daily`]).
//! Which coins an exchange lists, under which symbols, is one table
//! ([`listing`]); each exchange's file holds its endpoints and wire types,
//! and turns its messages into [`Tick`]s. A tick is in the pair's quote
//! asset (USDT, USDC, USD, EUR); [`crate::sources`] turns USDT and USDC
//! into dollars.

mod binance;
mod coinbase;
mod daily;
mod kraken;
mod listing;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::ProviderError;
use super::http::{HttpClient, HttpOptions};

pub use daily::DailyHistory;
pub use listing::{Pair, QuoteAsset, history_pairs, pairs};

/// The exchanges Coinlytics reads. Their public market data needs no key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Exchange {
    Binance,
    Kraken,
    Coinbase,
}

impl From<Exchange> for crate::model::Source {
    fn from(e: Exchange) -> Self {
        match e {
            Exchange::Binance => Self::Binance,
            Exchange::Kraken => Self::Kraken,
            Exchange::Coinbase => Self::Coinbase,
        }
    }
}

impl Exchange {
    pub const ALL: [Exchange; 3] = [Exchange::Binance, Exchange::Kraken, Exchange::Coinbase];

    pub fn name(self) -> &'static str {
        match self {
            Exchange::Binance => "Binance",
            Exchange::Kraken => "Kraken",
            Exchange::Coinbase => "Coinbase",
        }
    }
}

/// One price an exchange reported for one of our coins.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    pub exchange: Exchange,
    pub coin_id: &'static str,
    /// Our currency the pair prices the coin in (usd, eur).
    pub currency: &'static str,
    /// What `price` is in.
    pub quote: QuoteAsset,
    pub price: Decimal,
    pub change_24h_pct: Option<f64>,
    /// The exchange's time of the price, else when it reached us.
    pub at: DateTime<Utc>,
}

/// What one message of a stream meant.
#[derive(Debug, PartialEq)]
pub enum Frame {
    Ticks(Vec<Tick>),
    /// The exchange says the stream is alive (a heartbeat, an ack, a status).
    Alive,
    /// Text to send back (an application-level pong).
    Reply(String),
    /// The exchange refused something; the stream is of no use as it is.
    Refused(String),
}

/// An exchange's REST client: one batch request for the tickers of
/// `pairs`, mapped back to our coins.
pub struct ExchangeRest {
    exchange: Exchange,
    http: HttpClient,
}

impl ExchangeRest {
    pub fn new(
        exchange: Exchange,
        base_url: &str,
        opts: HttpOptions,
    ) -> Result<ExchangeRest, ProviderError> {
        Ok(ExchangeRest {
            exchange,
            http: HttpClient::new(exchange.name(), base_url, Default::default(), opts)?,
        })
    }

    pub fn exchange(&self) -> Exchange {
        self.exchange
    }

    /// The tickers of `pairs` (all of this exchange), in one request.
    pub async fn tickers(&self, pairs: &[Pair]) -> Result<Vec<Tick>, ProviderError> {
        if pairs.is_empty() {
            return Ok(Vec::new());
        }
        match self.exchange {
            Exchange::Binance => binance::tickers(&self.http, pairs).await,
            Exchange::Kraken => kraken::tickers(&self.http, pairs).await,
            Exchange::Coinbase => coinbase::tickers(&self.http, pairs).await,
        }
    }
}

/// How to open and feed an exchange's ticker stream.
pub struct StreamPlan {
    /// The URL to connect to (Binance names the streams in it).
    pub url: String,
    /// Messages to send once connected.
    pub subscribe: Vec<String>,
    /// An application-level keep-alive to send when the stream is quiet,
    /// for exchanges that have one.
    pub ping: Option<String>,
}

/// The stream of `pairs` on `exchange` at `ws_url`.
pub fn stream_plan(exchange: Exchange, ws_url: &str, pairs: &[Pair]) -> StreamPlan {
    let base = ws_url.trim_end_matches('/');
    match exchange {
        Exchange::Binance => binance::stream_plan(base, pairs),
        Exchange::Kraken => kraken::stream_plan(base, pairs),
        Exchange::Coinbase => coinbase::stream_plan(base, pairs),
    }
}

/// Reads one text message of `exchange`'s stream; `pairs` are the ones
/// subscribed, to map symbols back to coins. A message that cannot be read
/// is an error (the caller logs it and goes on).
pub fn parse_stream(
    exchange: Exchange,
    text: &str,
    pairs: &[Pair],
    received: DateTime<Utc>,
) -> Result<Frame, String> {
    match exchange {
        Exchange::Binance => binance::parse_stream(text, pairs, received),
        Exchange::Kraken => kraken::parse_stream(text, pairs, received),
        Exchange::Coinbase => coinbase::parse_stream(text, pairs, received),
    }
}

/// A decimal sent as a JSON string, as exchanges send prices.
fn decimal_text(s: &str) -> Option<Decimal> {
    s.trim()
        .parse::<Decimal>()
        .ok()
        .or_else(|| Decimal::from_scientific(s.trim()).ok())
        .filter(|d| *d > Decimal::ZERO)
}

fn malformed(http: &HttpClient, endpoint: &str, why: impl Into<String>) -> ProviderError {
    ProviderError {
        provider: http.provider(),
        endpoint: endpoint.to_string(),
        failure: super::Failure::Malformed(why.into()),
    }
}

#[cfg(test)]
mod tests;
