//! A coin's past from the exchanges' public daily candles, for the days
//! CoinGecko's free plan no longer reaches (it keeps a year): Coinbase's
//! market in the currency itself first, then Binance's for the days
//! Coinbase lacks (its market opened later, or it has none).
//!
//! Binance has no dollar market, only Tether's (BTCUSDT): its closes are
//! taken as dollars as they are. A daily close is one exchange's last
//! trade of the day, and Tether has stayed within a fraction of a percent
//! of the dollar on most days; the live prices convert USDT at Tether's
//! own price (crate::sources), but no source here has Tether's past price
//! for the same days, and the error is smaller than the spread between
//! exchanges.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{Days, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::listing::history_pairs;
use super::{Exchange, HttpClient, HttpOptions, Pair, ProviderError, binance, coinbase};
use crate::model::DailyCandle;
use crate::provider::Failure;

/// The longest a 429's `Retry-After` is waited out before the call fails
/// as rate limited ([`Failure::RateLimited`], with the wait asked): the
/// caller decides when to come back rather than hang on one request.
const MAX_WAIT: Duration = Duration::from_secs(5);

/// The exchanges' daily candles, each at its configurable base URL
/// (`coinbase_url`, `binance_url`).
pub struct DailyHistory {
    coinbase: HttpClient,
    binance: HttpClient,
}

impl DailyHistory {
    /// Clients of Coinbase's Advanced Trade and Binance's spot REST APIs.
    pub fn new(
        coinbase_url: &str,
        binance_url: &str,
        opts: HttpOptions,
    ) -> Result<DailyHistory, ProviderError> {
        let opts = HttpOptions {
            max_backoff: opts.max_backoff.min(MAX_WAIT),
            ..opts
        };
        Ok(DailyHistory {
            coinbase: HttpClient::new(
                Exchange::Coinbase.name(),
                coinbase_url,
                Default::default(),
                opts.clone(),
            )?,
            binance: HttpClient::new(
                Exchange::Binance.name(),
                binance_url,
                Default::default(),
                opts,
            )?,
        })
    }

    /// The daily candles of `coin_id` (a CoinGecko id the exchanges'
    /// table lists: [`super::listing`]) in `currency` (usd, eur, gbp) for
    /// the UTC days from `first` to `last`, oldest first, one a day at
    /// most. Today is left out (its candle is not closed); a day no market
    /// traded is absent. Paged: 300 days a request on Coinbase, 1,000 on
    /// Binance.
    ///
    /// Fails as [`Failure::Unlisted`] when neither exchange lists the coin
    /// in that currency. A market that fails otherwise (429, 5xx,
    /// malformed) is passed over for the next; if days are still missing
    /// after every market, the first such failure is the answer (a 429 as
    /// [`Failure::RateLimited`], with the server's `Retry-After`), so a
    /// caller never takes a gap that a rate limit left for a day without
    /// trading.
    pub async fn daily_candles(
        &self,
        coin_id: &str,
        currency: &str,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<Vec<DailyCandle>, ProviderError> {
        let currency = currency.trim().to_ascii_lowercase();
        let yesterday = Utc::now().date_naive() - Days::new(1);
        let last = last.min(yesterday);
        let pairs = history_pairs(coin_id, &currency);
        if pairs.is_empty() {
            return Err(self.unlisted(coin_id, &currency));
        }
        if first > last {
            return Ok(Vec::new());
        }
        let mut got: BTreeMap<NaiveDate, DailyCandle> = BTreeMap::new();
        let mut listed = false;
        let mut failed: Option<ProviderError> = None;
        for pair in &pairs {
            let missing = || {
                first
                    .iter_days()
                    .take_while(|d| *d <= last)
                    .filter(|d| !got.contains_key(d))
            };
            let (Some(from), Some(to)) = (missing().next(), missing().last()) else {
                break;
            };
            match self.market(pair, from, to, &mut got).await {
                Ok(()) => listed = true,
                Err(e) if not_listed(pair.exchange, &e) => {
                    tracing::debug!(market = %pair.rest, exchange = pair.exchange.name(), "not listed; next market");
                }
                Err(e) => {
                    listed = true;
                    tracing::info!(market = %pair.rest, error = %e, "daily candles failed; next market");
                    failed.get_or_insert(e);
                }
            }
        }
        let complete = first
            .iter_days()
            .take_while(|d| *d <= last)
            .all(|d| got.contains_key(&d));
        match failed {
            Some(e) if !complete => return Err(e),
            _ if !listed => return Err(self.unlisted(coin_id, &currency)),
            _ => {}
        }
        tracing::info!(
            coin = coin_id,
            currency,
            %first,
            %last,
            days = got.len(),
            "daily candles from the exchanges"
        );
        Ok(got.into_values().collect())
    }

    /// [`DailyHistory::daily_candles`]' closes: each day's price.
    pub async fn daily_closes(
        &self,
        coin_id: &str,
        currency: &str,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<Vec<(NaiveDate, Decimal)>, ProviderError> {
        let candles = self.daily_candles(coin_id, currency, first, last).await?;
        Ok(candles.into_iter().map(|c| (c.day, c.close)).collect())
    }

    /// One market's candles from `from` to `to`, page by page, into `got`
    /// (days already there are kept). Pages got before a failure stay.
    async fn market(
        &self,
        pair: &Pair,
        from: NaiveDate,
        to: NaiveDate,
        got: &mut BTreeMap<NaiveDate, DailyCandle>,
    ) -> Result<(), ProviderError> {
        let per_request = match pair.exchange {
            Exchange::Coinbase => coinbase::CANDLES_PER_REQUEST,
            _ => binance::KLINES_PER_REQUEST,
        };
        let mut page = from;
        while page <= to {
            let page_last = (page + Days::new(per_request - 1)).min(to);
            let candles = match pair.exchange {
                Exchange::Coinbase => {
                    coinbase::daily_candles(&self.coinbase, &pair.rest, page, page_last).await?
                }
                _ => binance::daily_klines(&self.binance, &pair.rest, page, page_last).await?,
            };
            for c in candles {
                got.entry(c.day).or_insert(c);
            }
            page = page_last + Days::new(1);
        }
        Ok(())
    }

    fn unlisted(&self, coin_id: &str, currency: &str) -> ProviderError {
        ProviderError {
            provider: "Exchanges",
            endpoint: "daily candles".into(),
            failure: Failure::Unlisted(format!(
                "neither Coinbase nor Binance lists a market of {coin_id} in {}",
                currency.to_ascii_uppercase()
            )),
        }
    }
}

/// An exchange's answer for a market it does not list.
fn not_listed(exchange: Exchange, e: &ProviderError) -> bool {
    match exchange {
        Exchange::Coinbase => coinbase::unknown_product(e),
        _ => binance::unknown_symbol(e),
    }
}
