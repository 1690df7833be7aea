//! Coinlytics' engine: everything but the window. Prices come from a
//! [`provider`], pass through the [`market`] service into the [`store`] and
//! out on a broadcast channel to whoever listens (the terminal ticker, the
//! window, the tray, the alert monitor).
//!
//! This crate never depends on tauri or any GUI library, so every headless
//! mode and every test runs without a display.

pub mod alerts;
pub mod cache;
pub mod config;
pub mod error;
pub mod format;
pub mod logging;
pub mod market;
pub mod model;
pub mod provider;
pub mod refresher;
pub mod secrets;
pub mod store;

use std::sync::{Arc, RwLock};
use std::time::Duration;

pub use error::{Error, Result};

use config::{ApiPlan, Settings};
use market::Market;
use model::{Coin, QuoteRequest, Selection};
use provider::{CoinGecko, HttpOptions};
use secrets::SecretName;
use store::{Store, queries};

/// How many coins to show when the watchlist is empty.
pub const DEFAULT_TOP: u32 = 20;
/// The longest a fetched snapshot answers identical requests; never more
/// than half the refresh interval, or the refresher would be answered from
/// the cache.
const MAX_CACHE_TTL: Duration = Duration::from_secs(10);

/// An open data directory with its provider: what every front end holds.
pub struct Engine {
    settings: RwLock<Settings>,
    pub store: Arc<Store>,
    pub market: Arc<Market<CoinGecko>>,
    /// Set when a configured API key could not be read from the keyring;
    /// the engine then runs keyless and front ends should say so.
    pub key_warning: Option<String>,
}

impl Engine {
    /// Opens the store and builds the provider from `settings`. Reads the
    /// keyring only when an API plan is configured.
    pub fn open(settings: Settings) -> Result<Engine> {
        let store = Arc::new(Store::open(&settings.database_path())?);
        let (key, key_warning) = match settings.coingecko_api_plan {
            ApiPlan::None => (None, None),
            plan => match secrets::get(SecretName::CoinGeckoApiKey) {
                Ok(Some(k)) => (Some((plan, k)), None),
                Ok(None) => (
                    None,
                    Some(format!(
                        "coingecko_api_plan is {} but no API key is stored; using the keyless API",
                        plan.as_str()
                    )),
                ),
                Err(e) => (None, Some(format!("{e}; using the keyless API"))),
            },
        };
        if let Some(w) = &key_warning {
            tracing::warn!("{w}");
        }
        let opts = HttpOptions {
            timeout: Duration::from_secs(settings.http_timeout_secs),
            requests_per_minute: settings.requests_per_minute,
            ..HttpOptions::default()
        };
        let provider = CoinGecko::new(
            &settings.coingecko_url,
            key.as_ref().map(|(plan, k)| (*plan, k.expose())),
            opts,
        )?;
        let ttl = MAX_CACHE_TTL.min(settings.refresh_interval() / 2);
        let market = Arc::new(Market::new(Arc::new(provider), store.clone(), ttl));
        Ok(Engine {
            settings: RwLock::new(settings),
            store,
            market,
            key_warning,
        })
    }

    /// A copy of the current settings.
    pub fn settings(&self) -> Settings {
        self.settings
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Validates and saves one setting; later refreshes use it.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        let mut s = self.settings.write().unwrap_or_else(|p| p.into_inner());
        s.set_and_save(key, value)?;
        Ok(())
    }

    /// What a refresh shows by default: the watchlist, or the top coins
    /// when the watchlist is empty.
    pub fn default_request(&self) -> Result<QuoteRequest> {
        let ids: Vec<String> = self.watchlist()?.into_iter().map(|c| c.id).collect();
        let selection = if ids.is_empty() {
            Selection::Top(DEFAULT_TOP)
        } else {
            Selection::Coins(ids)
        };
        Ok(QuoteRequest {
            selection,
            currency: self.settings().currency,
        })
    }

    /// Puts the watchlist in the order of `ids`.
    pub fn watchlist_reorder(&self, ids: &[String]) -> Result<()> {
        self.store
            .write(|tx| queries::watchlist::reorder(tx, ids))?;
        self.market.invalidate();
        Ok(())
    }

    /// Coins whose id, symbol or name starts with `query` (case-insensitive),
    /// best-ranked first; exact symbol matches lead.
    pub fn search_coins(&self, query: &str, limit: u32) -> Result<Vec<Coin>> {
        Ok(self
            .store
            .read(|c| queries::coins::search(c, query, limit))?)
    }

    pub fn watchlist(&self) -> Result<Vec<Coin>> {
        Ok(self.store.read(queries::watchlist::list)?)
    }

    /// Adds the coin meant by `id_or_symbol`; returns it and whether it was new.
    pub async fn watchlist_add(&self, id_or_symbol: &str) -> Result<(Coin, bool)> {
        let coin = self.market.resolve_coin(id_or_symbol).await?;
        let now = chrono::Utc::now().timestamp_millis();
        let added = self
            .store
            .write(|tx| queries::watchlist::add(tx, &coin.id, now))?;
        self.market.invalidate();
        Ok((coin, added))
    }

    /// Removes the coin meant by `id_or_symbol` (id or symbol of a watched
    /// coin); returns it, or `None` if it was not watched.
    pub fn watchlist_remove(&self, id_or_symbol: &str) -> Result<Option<Coin>> {
        let key = id_or_symbol.trim().to_ascii_lowercase();
        let Some(coin) = self
            .watchlist()?
            .into_iter()
            .find(|c| c.id == key || c.symbol == key)
        else {
            return Ok(None);
        };
        self.store
            .write(|tx| queries::watchlist::remove(tx, &coin.id))?;
        self.market.invalidate();
        Ok(Some(coin))
    }
}
