//! Price providers: where quotes come from. CoinGecko is the default; more
//! (exchanges) join behind the same [`PriceProvider`] trait.

mod coingecko;
mod decimal;
pub mod ecb;
pub mod exchange;
mod http;

use std::future::Future;
use std::time::Duration;

pub use crate::model::is_loopback;
pub use coingecko::{CoinGecko, MAX_PER_PAGE, parse_markets_body};
pub use http::{HttpOptions, install_tls_provider};

use crate::error_kind::ErrorKind;
use crate::model::{ChartPoint, Coin, ExchangeRate, OhlcCandle, Quote, QuoteRequest, SimplePrice};

/// A source of market data. Implementations must turn every transport or
/// format problem into a [`ProviderError`]; they never panic on bad input.
pub trait PriceProvider: Send + Sync + 'static {
    /// Human name used in messages, e.g. "CoinGecko".
    fn name(&self) -> &'static str;

    /// Market data (price, caps, changes, sparkline) for the request, in
    /// market-cap order; one HTTP request per 250 coins.
    fn markets(
        &self,
        req: &QuoteRequest,
    ) -> impl Future<Output = Result<Vec<Quote>, ProviderError>> + Send;

    /// Plain prices of `ids` in each of `currencies`.
    fn simple_prices(
        &self,
        ids: &[String],
        currencies: &[String],
    ) -> impl Future<Output = Result<Vec<SimplePrice>, ProviderError>> + Send;

    /// Every coin the provider knows (ids, symbols, names) for search.
    fn coin_list(&self) -> impl Future<Output = Result<Vec<Coin>, ProviderError>> + Send;

    /// Currency codes prices can be quoted in.
    fn supported_currencies(
        &self,
    ) -> impl Future<Output = Result<Vec<String>, ProviderError>> + Send;

    /// A coin's prices (with 24 h volumes) over the last `days`, oldest
    /// first, at the provider's granularity for that span (CoinGecko: 5
    /// minutes for 1 day, hourly up to 90 days, daily beyond).
    fn market_chart(
        &self,
        id: &str,
        currency: &str,
        days: u32,
    ) -> impl Future<Output = Result<Vec<ChartPoint>, ProviderError>> + Send;

    /// A coin's candles over the last `days`, oldest first, each
    /// [`ohlc_granularity_secs`] wide.
    fn ohlc(
        &self,
        id: &str,
        currency: &str,
        days: u32,
    ) -> impl Future<Output = Result<Vec<OhlcCandle>, ProviderError>> + Send;

    /// Units of every currency the provider knows per bitcoin.
    fn exchange_rates(
        &self,
    ) -> impl Future<Output = Result<Vec<ExchangeRate>, ProviderError>> + Send;
}

/// How far back the free and demo plans reach (days): CoinGecko refuses
/// more with HTTP 401 (error 10012).
pub const MAX_HISTORY_DAYS_FREE: u32 = 365;

/// The width of the candles `/coins/{id}/ohlc` answers for `days`
/// (seconds): 30 minutes for 1–2 days, 4 hours up to 30, 4 days beyond.
pub fn ohlc_granularity_secs(days: u32) -> i64 {
    match days {
        0..=2 => 30 * 60,
        3..=30 => 4 * 3600,
        _ => 4 * 86_400,
    }
}

/// A failed call to a provider: which provider, which endpoint, and why.
#[derive(Debug, thiserror::Error)]
#[error("{provider} {endpoint}: {failure}")]
pub struct ProviderError {
    pub provider: &'static str,
    pub endpoint: String,
    pub failure: Failure,
}

/// Why a provider call failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Failure {
    #[error("cannot connect: {0}")]
    Unreachable(String),
    #[error("no answer within {0} s")]
    Timeout(u64),
    #[error("rate limited (HTTP 429){}", retry_hint(.retry_after))]
    RateLimited { retry_after: Option<Duration> },
    #[error("HTTP {status}: {message}")]
    Status { status: u16, message: String },
    #[error("malformed answer: {0}")]
    Malformed(String),
    /// The origin (scheme, host, port) the server sent us to.
    #[error("redirected to another host ({0}); not followed")]
    Redirected(String),
    /// The base URL a secret header (the API key) would have gone to.
    #[error(
        "the API key is sent only over https or to this machine, and {0} is neither; \
         use an https:// URL"
    )]
    InsecureUrl(String),
    /// The cap it passed, in bytes, counted decoded.
    #[error("answered more than {}; refused", size(.0))]
    TooLarge(usize),
    /// The source has nothing for what was asked, and never will: a
    /// currency the ECB publishes no rate for, a coin no exchange lists in
    /// that currency. Asking again changes nothing.
    #[error("{0}")]
    Unlisted(String),
}

/// A limit as people set it: whole MiB, else bytes.
fn size(bytes: &usize) -> String {
    const MIB: usize = 1 << 20;
    if *bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

fn retry_hint(retry_after: &Option<Duration>) -> String {
    match retry_after {
        Some(d) => format!(", asked to wait {} s", d.as_secs()),
        None => String::new(),
    }
}

impl ProviderError {
    pub fn kind(&self) -> ErrorKind {
        match self.failure {
            Failure::Unreachable(_) | Failure::Timeout(_) => ErrorKind::Offline,
            Failure::RateLimited { .. } => ErrorKind::RateLimited,
            Failure::Status { .. }
            | Failure::Malformed(_)
            | Failure::Redirected(_)
            | Failure::TooLarge(_) => ErrorKind::Upstream,
            Failure::InsecureUrl(_) => ErrorKind::InvalidInput,
            Failure::Unlisted(_) => ErrorKind::NotFound,
        }
    }

    /// Whether trying the same call again soon may succeed.
    pub fn is_transient(&self) -> bool {
        match &self.failure {
            Failure::Unreachable(_) | Failure::RateLimited { .. } => true,
            Failure::Status { status, .. } => *status >= 500,
            Failure::Timeout(_)
            | Failure::Malformed(_)
            | Failure::Redirected(_)
            | Failure::InsecureUrl(_)
            | Failure::TooLarge(_)
            | Failure::Unlisted(_) => false,
        }
    }
}
