//! The market service: the one way prices enter the engine. A refresh goes
//! provider → store (one transaction) → broadcast channel, through a TTL
//! cache that coalesces callers, so the refresher, the UI and the tray asking
//! at once cost one API call. When a refresh fails, the last stored quotes
//! are still there to show, marked stale.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use tokio::sync::broadcast;
use tracing::{Instrument, field};

use crate::cache::Coalescer;
use crate::error::{Error, Result};
use crate::error_kind::ErrorKind;
pub use crate::model::PriceTick;
use crate::model::{Coin, Quote, QuoteRequest, Selection};
use crate::provider::PriceProvider;
use crate::provider::exchange::Tick;
use crate::sources::{Offer, Source, Sources};
use crate::store::{Store, StoreError, queries};

/// How many events a slow subscriber may fall behind before it skips ahead.
const CHANNEL_CAPACITY: usize = 64;
/// Streamed prices come much faster: a subscriber that falls this far
/// behind skips to the newest (every tick carries a whole price).
const TICK_CAPACITY: usize = 4096;
/// How long a stablecoin's stored dollar price is reused for converting
/// streamed prices before it is read again.
const STABLECOIN_CACHE: Duration = Duration::from_secs(60);
/// The coin list is refetched at most this often when a coin is not found.
const COIN_LIST_MAX_AGE: Duration = Duration::from_secs(3600);
const COIN_LIST_FETCHED_AT: &str = "coin_list_fetched_at";
const SUPPORTED_CURRENCIES: &str = "supported_currencies";
/// What to offer before the provider has ever been reached.
const FALLBACK_CURRENCIES: &[&str] = &[
    "usd", "eur", "gbp", "jpy", "chf", "cad", "aud", "btc", "eth",
];

/// The quotes one successful refresh fetched.
#[derive(Debug, Clone, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Snapshot {
    /// What was asked for; subscribers tell the watchlist from other views by it.
    pub request: QuoteRequest,
    pub source: &'static str,
    pub currency: String,
    pub quotes: Vec<Quote>,
    pub fetched_at: DateTime<Utc>,
}

impl Snapshot {
    /// A copy whose sparklines are thinned for drawing (`Quote::for_drawing`).
    pub fn for_drawing(&self) -> Snapshot {
        Snapshot {
            request: self.request.clone(),
            source: self.source,
            currency: self.currency.clone(),
            quotes: self
                .quotes
                .iter()
                .cloned()
                .map(Quote::for_drawing)
                .collect(),
            fetched_at: self.fetched_at,
        }
    }
}

/// How the last refresh of a request went, for a view that opens between
/// market events.
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct RefreshStatus {
    /// When prices were last fetched (or, before any refresh of this run,
    /// when the stored ones were).
    pub updated_at: Option<DateTime<Utc>>,
    /// Why the last refresh failed, if it did: the prices are stale.
    pub failure: Option<String>,
}

/// What subscribers of the market hear.
#[derive(Debug, Clone, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MarketEvent {
    /// Fresh quotes, already stored.
    Updated(Arc<Snapshot>),
    /// A refresh failed; stored quotes of `request` are now stale. Only
    /// the front end that asked for `request` is offline: an alert-only
    /// request failing says nothing of the dashboard.
    Failed {
        request: QuoteRequest,
        source: &'static str,
        kind: ErrorKind,
        message: String,
        at: DateTime<Utc>,
    },
}

/// Quotes to show: fresh, or the last stored ones with why they are stale.
#[derive(Debug)]
pub struct QuotesView {
    pub quotes: Vec<Quote>,
    /// Set when the refresh failed and `quotes` come from the store.
    pub failure: Option<Error>,
}

impl QuotesView {
    pub fn is_stale(&self) -> bool {
        self.failure.is_some()
    }
}

pub struct Market<P> {
    provider: Arc<P>,
    sources: Sources,
    store: Arc<Store>,
    events: broadcast::Sender<MarketEvent>,
    cache: Coalescer<QuoteRequest, Arc<Snapshot>>,
    /// The last outcome of each request refreshed in this run: the market
    /// owns it, every view reads it.
    outcomes: Mutex<HashMap<QuoteRequest, RefreshStatus>>,
    ticks: broadcast::Sender<PriceTick>,
    /// Each coin's latest quote in each currency (without its sparkline,
    /// which no tick moves): what a streamed price is applied to.
    latest: Mutex<HashMap<(String, String), Quote>>,
    /// The newest streamed price of each coin not yet written.
    unwritten: Mutex<HashMap<(String, String), PriceTick>>,
    stablecoins: Mutex<HashMap<String, (Instant, Option<Decimal>)>>,
}

impl<P: PriceProvider> Market<P> {
    /// `ttl` is how long a fetched snapshot answers identical requests.
    pub fn new(provider: Arc<P>, store: Arc<Store>, ttl: Duration) -> Self {
        Market {
            provider,
            sources: Sources::coingecko_only(),
            store,
            events: broadcast::channel(CHANNEL_CAPACITY).0,
            cache: Coalescer::new(ttl),
            outcomes: Mutex::new(HashMap::new()),
            ticks: broadcast::channel(TICK_CAPACITY).0,
            latest: Mutex::new(HashMap::new()),
            unwritten: Mutex::new(HashMap::new()),
            stablecoins: Mutex::new(HashMap::new()),
        }
    }

    /// The market with these sources beside the provider.
    pub fn with_sources(mut self, sources: Sources) -> Self {
        self.sources = sources;
        self
    }

    pub fn provider(&self) -> &P {
        &self.provider
    }

    pub fn sources(&self) -> &Sources {
        &self.sources
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Every update and failure from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<MarketEvent> {
        self.events.subscribe()
    }

    /// A coin's latest quote in `currency` with every streamed price taken
    /// since applied (no sparkline); `None` before a refresh quoted it.
    pub fn latest_quote(&self, coin: &str, currency: &str) -> Option<Quote> {
        let latest = self.latest.lock().unwrap_or_else(|p| p.into_inner());
        latest
            .get(&(coin.to_string(), currency.to_string()))
            .cloned()
    }

    /// Every streamed price from now on.
    pub fn subscribe_ticks(&self) -> broadcast::Receiver<PriceTick> {
        self.ticks.subscribe()
    }

    /// Takes an exchange's streamed tick: offers it to the sources' book
    /// and, if the price to show for its coin changed, publishes it at once
    /// and keeps it for the next [`Market::flush_ticks`]. A tick held back
    /// by the sanity band publishes nothing.
    pub fn take_tick(&self, t: &Tick) -> Option<PriceTick> {
        let offer = self
            .sources
            .offer_tick(t, &|coin| self.stablecoin_price(coin));
        if offer != Offer::Accepted {
            return None;
        }
        let c = self.sources.choose(t.coin_id, t.currency, Utc::now())?;
        let mut tick = PriceTick {
            coin_id: t.coin_id.to_string(),
            currency: t.currency.to_string(),
            price: c.price,
            source: c.label(),
            at: c.at,
            change_24h_pct: c.change_24h_pct,
            spread_pct: c.spread_pct,
        };
        let key = (tick.coin_id.clone(), tick.currency.clone());
        if let Some(q) = self
            .latest
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_mut(&key)
        {
            q.apply_tick(&tick);
            // Published as applied, so no subscriber fills a gap its own way.
            tick.change_24h_pct = q.change_24h_pct;
        }
        {
            let mut unwritten = self.unwritten.lock().unwrap_or_else(|p| p.into_inner());
            if unwritten
                .get(&key)
                .is_some_and(|last| last.price == tick.price && last.source == tick.source)
            {
                return None;
            }
            unwritten.insert(key, tick.clone());
        }
        let _ = self.ticks.send(tick.clone());
        Some(tick)
    }

    /// Writes the streamed prices taken since the last call: each coin's
    /// latest quote, and its candles (the 1-minute ones first).
    pub fn flush_ticks(&self) -> Result<usize, StoreError> {
        let ticks: Vec<PriceTick> = {
            let mut unwritten = self.unwritten.lock().unwrap_or_else(|p| p.into_inner());
            unwritten.drain().map(|(_, t)| t).collect()
        };
        if ticks.is_empty() {
            return Ok(0);
        }
        let now = Utc::now();
        let prices: Vec<queries::quotes::Streamed> = ticks
            .iter()
            .map(|t| queries::quotes::Streamed {
                coin_id: &t.coin_id,
                currency: &t.currency,
                price: t.price,
                source: &t.source,
                at: t.at,
                fetched_at: now,
            })
            .collect();
        self.store.record_streamed(&prices)?;
        Ok(ticks.len())
    }

    /// Fetches, stores and publishes the quotes `req` asks for, unless a
    /// snapshot younger than the TTL already answers it. On failure the
    /// error is logged, written to the event log and published.
    pub async fn refresh(&self, req: &QuoteRequest) -> Result<Arc<Snapshot>> {
        let span = tracing::info_span!(
            "refresh",
            source = self.provider.name(),
            currency = %req.currency,
            coins = field::Empty,
            http_status = field::Empty,
            duration_ms = field::Empty,
        );
        let started = Instant::now();
        let fetched = AtomicBool::new(false);
        let result = self
            .cache
            .get_or_try_fetch(req, || {
                fetched.store(true, Ordering::Relaxed);
                self.fetch_and_store(req)
            })
            .instrument(span.clone())
            .await;
        span.record("duration_ms", started.elapsed().as_millis() as u64);
        let _enter = span.enter();
        let new_failure = self.record_outcome(req, &result);
        match &result {
            Ok(snap) => {
                span.record("coins", snap.quotes.len());
                if fetched.load(Ordering::Relaxed) {
                    tracing::info!("refreshed");
                } else {
                    tracing::debug!("answered from the cache");
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "refresh failed");
                let now = Utc::now();
                // One row per failure, not per tick while it lasts.
                if new_failure {
                    let _ = self.store.write(|tx| {
                        queries::events::append(
                            tx,
                            now.timestamp_millis(),
                            "warn",
                            e.kind().as_str(),
                            &e.to_string(),
                        )
                    });
                }
                let _ = self.events.send(MarketEvent::Failed {
                    request: req.clone(),
                    source: self.provider.name(),
                    kind: e.kind(),
                    message: e.to_string(),
                    at: now,
                });
            }
        }
        result
    }

    /// Keeps `req`'s outcome; true if it is a failure other than the last.
    fn record_outcome(&self, req: &QuoteRequest, result: &Result<Arc<Snapshot>>) -> bool {
        let mut outcomes = self.outcomes.lock().unwrap_or_else(|p| p.into_inner());
        let status = outcomes.entry(req.clone()).or_default();
        match result {
            Ok(snap) => {
                status.updated_at = Some(snap.fetched_at);
                status.failure = None;
                false
            }
            Err(e) => {
                let message = e.to_string();
                let new = status.failure.as_ref() != Some(&message);
                status.failure = Some(message);
                new
            }
        }
    }

    /// How the last refresh of `req` in this run went, if there was one.
    pub fn outcome(&self, req: &QuoteRequest) -> Option<RefreshStatus> {
        let outcomes = self.outcomes.lock().unwrap_or_else(|p| p.into_inner());
        outcomes.get(req).cloned()
    }

    /// Asks CoinGecko and the exchanges at once; each coin's price is then
    /// chosen from every source's fresh reading. If CoinGecko fails (or is
    /// off) and an exchange answered, the stored quotes carry the
    /// exchanges' prices: the request fails only when no source has a
    /// fresh price of any of its coins.
    async fn fetch_and_store(&self, req: &QuoteRequest) -> Result<Arc<Snapshot>> {
        let coins = match &req.selection {
            Selection::Coins(ids) => ids.clone(),
            Selection::Top(n) => {
                let stored = self
                    .store
                    .read(|c| queries::quotes::latest_top(c, &req.currency, *n))?;
                stored.into_iter().map(|q| q.coin_id).collect()
            }
        };
        let from_provider = async {
            if !self.sources.coingecko() {
                return None;
            }
            let started = Instant::now();
            Some(
                self.provider
                    .markets(req)
                    .await
                    .map(|q| (q, started.elapsed().as_millis() as u64)),
            )
        };
        let fallback = |coin: &str| self.stablecoin_price(coin);
        let exchanges = self.sources.poll_exchanges(&coins, &req.currency, fallback);
        let (provided, ()) = tokio::join!(from_provider, exchanges);
        let now = Utc::now();
        let (mut quotes, provider_failure) = match provided {
            Some(Ok((quotes, latency_ms))) => {
                self.sources.took_provider(&quotes, latency_ms);
                (quotes, None)
            }
            Some(Err(e)) => {
                self.sources.failed(Source::CoinGecko, &e);
                (self.stored(req)?, Some(Error::from(e)))
            }
            None => (self.stored(req)?, None),
        };
        let provided = provider_failure.is_none() && self.sources.coingecko();
        let mut chosen = 0;
        for q in &mut quotes {
            let Some(c) = self.sources.choose(&q.coin_id, &req.currency, now) else {
                continue;
            };
            chosen += 1;
            q.price = c.price;
            q.source = c.label();
            q.figures.spread_pct = c.spread_pct;
            if !provided {
                q.updated_at = c.at;
                q.fetched_at = now;
                q.change_24h_pct = c.change_24h_pct.or(q.change_24h_pct);
            }
        }
        if !provided {
            // Only the quotes a source priced just now are stored as new.
            quotes.retain(|q| q.fetched_at == now);
            if chosen == 0 {
                return Err(provider_failure.unwrap_or_else(|| {
                    Error::NotFound("no source has a price of these coins now".into())
                }));
            }
            if let Some(e) = &provider_failure {
                tracing::warn!(error = %e, coins = chosen, "CoinGecko failed; prices from the exchanges");
            }
        }
        self.store.record_refresh(&quotes)?;
        {
            let mut latest = self.latest.lock().unwrap_or_else(|p| p.into_inner());
            for q in &quotes {
                let kept = Quote {
                    sparkline_7d: Vec::new(),
                    ..q.clone()
                };
                latest.insert((q.coin_id.clone(), q.currency.clone()), kept);
            }
        }
        let snap = Arc::new(Snapshot {
            request: req.clone(),
            source: if provided {
                self.provider.name()
            } else {
                "exchanges"
            },
            currency: req.currency.clone(),
            quotes,
            fetched_at: Utc::now(),
        });
        // No subscribers is fine: the CLI refreshes without any.
        let _ = self.events.send(MarketEvent::Updated(snap.clone()));
        Ok(snap)
    }

    /// A dollar stablecoin's stored dollar price (CoinGecko's), for
    /// converting an exchange's USDT price when no source has a fresh one.
    fn stablecoin_price(&self, coin: &str) -> Option<Decimal> {
        let mut cache = self.stablecoins.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((at, price)) = cache.get(coin)
            && at.elapsed() < STABLECOIN_CACHE
        {
            return *price;
        }
        let price = self.stored_stablecoin_price(coin);
        cache.insert(coin.to_string(), (Instant::now(), price));
        price
    }

    fn stored_stablecoin_price(&self, coin: &str) -> Option<Decimal> {
        let ids = [coin.to_string()];
        let stored = self
            .store
            .read(|c| queries::quotes::latest_for_ids(c, "usd", &ids))
            .ok()?;
        stored.first().map(|q| q.price)
    }

    /// The last stored quotes for `req`, in the order it asks for.
    pub fn stored(&self, req: &QuoteRequest) -> Result<Vec<Quote>, StoreError> {
        self.store.read(|c| match &req.selection {
            Selection::Coins(ids) => queries::quotes::latest_for_ids(c, &req.currency, ids),
            Selection::Top(n) => queries::quotes::latest_top(c, &req.currency, *n),
        })
    }

    /// Fresh quotes if the provider answers, else the stored ones with the
    /// failure. Errs only if the failure leaves nothing at all to show.
    pub async fn quotes(&self, req: &QuoteRequest) -> Result<QuotesView> {
        match self.refresh(req).await {
            Ok(snap) => {
                let mut quotes = snap.quotes.clone();
                if let Selection::Coins(ids) = &req.selection {
                    quotes.sort_by_key(|q| ids.iter().position(|id| *id == q.coin_id));
                }
                Ok(QuotesView {
                    quotes,
                    failure: None,
                })
            }
            Err(e) => {
                let quotes = self.stored(req)?;
                if quotes.is_empty() {
                    return Err(e);
                }
                Ok(QuotesView {
                    quotes,
                    failure: Some(e),
                })
            }
        }
    }

    /// Fetches the provider's coin list into the store; returns its size.
    pub async fn sync_coin_list(&self) -> Result<usize> {
        let coins = self.provider.coin_list().await?;
        self.store.record_coin_list(&coins)?;
        let now = Utc::now().timestamp_millis();
        self.store
            .write(|tx| queries::state::set(tx, COIN_LIST_FETCHED_AT, &now.to_string(), now))?;
        tracing::info!(coins = coins.len(), "coin list synced");
        Ok(coins.len())
    }

    /// The coin a user means by `id_or_symbol`: an id, else the best-ranked
    /// coin with that symbol. Fetches the coin list first if the coin is
    /// unknown and the list is missing or older than an hour.
    pub async fn resolve_coin(&self, id_or_symbol: &str) -> Result<Coin> {
        if let Some(c) = self.store.read(|c| queries::coins::find(c, id_or_symbol))? {
            return Ok(c);
        }
        if self.ensure_coin_list(COIN_LIST_MAX_AGE).await?
            && let Some(c) = self.store.read(|c| queries::coins::find(c, id_or_symbol))?
        {
            return Ok(c);
        }
        Err(Error::UnknownCoin(id_or_symbol.to_string()))
    }

    /// Fetches the coin list if it was never fetched or is older than
    /// `max_age`; returns whether it fetched.
    pub async fn ensure_coin_list(&self, max_age: Duration) -> Result<bool> {
        let fetched_at = self
            .store
            .read(|c| queries::state::get(c, COIN_LIST_FETCHED_AT))?
            .and_then(|v| v.parse::<i64>().ok());
        let fresh = fetched_at.is_some_and(|t| {
            crate::clock::within(t, Utc::now().timestamp_millis(), max_age.as_millis() as i64)
        });
        if fresh {
            return Ok(false);
        }
        self.sync_coin_list().await?;
        Ok(true)
    }

    /// The currencies quotes can be asked in: fetched from the provider and
    /// stored, so they are known offline too; a short built-in list before
    /// the provider has ever answered.
    pub async fn supported_currencies(&self) -> Vec<String> {
        match self.provider.supported_currencies().await {
            Ok(list) if !list.is_empty() => {
                let now = Utc::now().timestamp_millis();
                let json = serde_json::to_string(&list).unwrap_or_default();
                let _ = self
                    .store
                    .write(|tx| queries::state::set(tx, SUPPORTED_CURRENCIES, &json, now));
                list
            }
            _ => self
                .store
                .read(|c| queries::state::get(c, SUPPORTED_CURRENCIES))
                .ok()
                .flatten()
                .and_then(|j| serde_json::from_str(&j).ok())
                .unwrap_or_else(|| FALLBACK_CURRENCIES.iter().map(|c| c.to_string()).collect()),
        }
    }

    /// Drops cached snapshots so the next refresh asks the provider.
    pub fn invalidate(&self) {
        self.cache.clear();
    }
}

impl<P: PriceProvider> crate::sources::stream::TickSink for Market<P> {
    fn book(&self) -> &crate::sources::SourceBook {
        &self.sources.book
    }

    fn take(&self, tick: &Tick) {
        self.take_tick(tick);
    }
}
