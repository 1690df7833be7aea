//! Where a price comes from when there are several places to ask:
//! CoinGecko and the exchanges ([`crate::provider::exchange`]). Every
//! reading of every source goes into the [`SourceBook`]; the price shown is
//! chosen there, per coin, from the preferred source or as the median of the
//! fresh ones, skipping a source that errs, goes stale or is blocked, and
//! holding back a reading far from the others. Each source's [`Health`] is
//! kept beside its readings.

pub mod book;
mod health;
pub mod stream;

pub use crate::model::{Preference, Source};
pub use book::{Choice, Offer, Reading, SourceBook};
pub use health::{Health, SourceState};

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use crate::config::Settings;
use crate::model::Quote;
use crate::provider::exchange::{self, Exchange, ExchangeRest, Tick};
use crate::provider::{Failure, HttpOptions, ProviderError};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// The sources of one engine: which are on, the exchanges' REST clients,
/// the preferences, and the book of every reading.
pub struct Sources {
    pub book: SourceBook,
    coingecko: bool,
    rest: Vec<ExchangeRest>,
    /// The settings' `price_source` and `coin_sources`, changed live.
    prefs: RwLock<Prefs>,
}

#[derive(Default)]
struct Prefs {
    default: Preference,
    coins: HashMap<String, Preference>,
}

impl Prefs {
    fn of(s: &Settings) -> Prefs {
        Prefs {
            default: Preference::from_key(&s.price_source).unwrap_or_default(),
            coins: s
                .coin_sources
                .iter()
                .filter_map(|pair| {
                    let (coin, pref) = pair.split_once('=')?;
                    Some((coin.to_string(), Preference::from_key(pref)?))
                })
                .collect(),
        }
    }
}

impl Sources {
    /// CoinGecko alone (tests of the market that need nothing else).
    pub fn coingecko_only() -> Sources {
        Sources {
            book: SourceBook::new(Duration::from_secs(600), 10, &[Source::CoinGecko]),
            coingecko: true,
            rest: Vec::new(),
            prefs: RwLock::default(),
        }
    }

    /// As the settings say. A reading stays fresh for two refreshes and a
    /// bit, so one late answer does not drop a source.
    pub fn from_settings(s: &Settings, opts: &HttpOptions) -> Result<Sources, ProviderError> {
        let enabled: Vec<Source> = s
            .sources
            .iter()
            .filter_map(|k| Source::from_key(k))
            .collect();
        // An exchange is one request per refresh; a failing one is skipped
        // at the next refresh, not retried now.
        let opts = HttpOptions {
            max_retries: 0,
            requests_per_minute: opts.requests_per_minute.max(120),
            ..opts.clone()
        };
        let mut rest = Vec::new();
        for e in Exchange::ALL {
            if enabled.contains(&Source::from(e)) {
                let url = match e {
                    Exchange::Binance => &s.binance_url,
                    Exchange::Kraken => &s.kraken_url,
                    Exchange::Coinbase => &s.coinbase_url,
                };
                rest.push(ExchangeRest::new(e, url, opts.clone())?);
            }
        }
        let fresh_for = s.refresh_interval() * 2 + Duration::from_secs(15);
        Ok(Sources {
            book: SourceBook::new(fresh_for, s.sanity_band_pct, &enabled),
            coingecko: enabled.contains(&Source::CoinGecko),
            rest,
            prefs: RwLock::new(Prefs::of(s)),
        })
    }

    /// Whether CoinGecko is asked for prices.
    pub fn coingecko(&self) -> bool {
        self.coingecko
    }

    /// The price `coin` shows, and whether it is the coin's own choice
    /// (else the default, `price_source`).
    pub fn preference(&self, coin: &str) -> (Preference, bool) {
        let p = self.prefs.read().unwrap_or_else(|p| p.into_inner());
        match p.coins.get(coin) {
            Some(own) => (*own, true),
            None => (p.default, false),
        }
    }

    /// Takes the settings' `price_source` and `coin_sources` anew.
    pub fn set_preferences(&self, s: &Settings) {
        *self.prefs.write().unwrap_or_else(|p| p.into_inner()) = Prefs::of(s);
    }

    /// The price of `coin` in `currency` to show now, if any source has a
    /// fresh one.
    pub fn choose(&self, coin: &str, currency: &str, now: DateTime<Utc>) -> Option<Choice> {
        self.book
            .choose(coin, currency, self.preference(coin).0, now)
    }

    /// CoinGecko's quotes, as readings.
    pub fn took_provider(&self, quotes: &[Quote], latency_ms: u64) {
        self.book
            .succeeded(Source::CoinGecko, SourceState::Polling, Some(latency_ms));
        let now = Utc::now();
        for q in quotes {
            let reading = Reading {
                price: q.price,
                change_24h_pct: q.change_24h_pct,
                at: q.updated_at,
                received: now,
            };
            self.book
                .offer(Source::CoinGecko, &q.coin_id, &q.currency, reading);
        }
    }

    /// Asks every exchange that is on (and not blocked) for `coins` in
    /// `currency`, all at once, and offers what they answer to the book.
    /// `usdt_fallback` is the dollar price of a dollar stablecoin when no
    /// source has a fresh one (CoinGecko's stored price, else 1).
    pub async fn poll_exchanges(
        &self,
        coins: &[String],
        currency: &str,
        stablecoin_fallback: impl Fn(&str) -> Option<Decimal>,
    ) {
        let mut with_tether = coins.to_vec();
        if currency == "usd" && !with_tether.iter().any(|c| c == "tether") {
            with_tether.push("tether".into());
        }
        let calls = self.rest.iter().filter_map(|r| {
            let source = Source::from(r.exchange());
            if self.book.state(source) == SourceState::Blocked {
                return None;
            }
            let pairs = exchange::pairs(r.exchange(), &with_tether, currency);
            if pairs.is_empty() {
                return None;
            }
            Some(async move {
                let started = Instant::now();
                let result = r.tickers(&pairs).await;
                (source, result, started.elapsed().as_millis() as u64)
            })
        });
        let mut answers = futures_util::future::join_all(calls).await;
        // Dollar pairs first: their tether price converts Binance's USDT.
        answers.sort_by_key(|(_, result, _)| {
            result
                .as_ref()
                .is_ok_and(|ticks| ticks.iter().any(|t| t.quote.stablecoin().is_some()))
        });
        for (source, result, latency_ms) in answers {
            match result {
                Ok(ticks) => {
                    let streaming = self.book.state(source) == SourceState::Streaming;
                    let state = if streaming {
                        SourceState::Streaming
                    } else {
                        SourceState::Polling
                    };
                    self.book.succeeded(source, state, Some(latency_ms));
                    for t in ticks {
                        self.offer_tick(&t, &stablecoin_fallback);
                    }
                }
                Err(e) => self.failed(source, &e),
            }
        }
    }

    /// Records a failed call of `source`: a refusal for the region (HTTP
    /// 451) blocks it for this run; anything else backs it off.
    pub fn failed(&self, source: Source, e: &ProviderError) {
        let state = match e.failure {
            Failure::Status { status: 451, .. } => SourceState::Blocked,
            _ => SourceState::BackingOff,
        };
        tracing::warn!(source = source.name(), error = %e, state = state.label(), "source failed");
        self.book.failed(source, state, &e.to_string());
    }

    /// Offers an exchange's tick, converted into its pair's currency: a
    /// stablecoin quote at the stablecoin's own fresh dollar price, else
    /// the fallback.
    pub fn offer_tick(
        &self,
        t: &Tick,
        stablecoin_fallback: &impl Fn(&str) -> Option<Decimal>,
    ) -> Offer {
        let now = Utc::now();
        let rate = match t.quote.stablecoin() {
            None => Decimal::ONE,
            Some(coin) => self
                .book
                .choose(coin, "usd", Preference::Aggregate, now)
                .map(|c| c.price)
                .or_else(|| stablecoin_fallback(coin))
                .unwrap_or(Decimal::ONE),
        };
        let reading = Reading {
            price: (t.price * rate).round_dp(12),
            change_24h_pct: t.change_24h_pct,
            at: t.at,
            received: now,
        };
        self.book
            .offer(Source::from(t.exchange), t.coin_id, t.currency, reading)
    }
}
