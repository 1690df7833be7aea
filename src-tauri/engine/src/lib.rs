//! Coinlytics' engine: everything but the window. Prices come from a
//! [`provider`], pass through the [`market`] service into the [`store`] and
//! out on a broadcast channel to whoever listens (the terminal ticker, the
//! window, the tray, the alert monitor).
//!
//! Front ends (the window, the CLI) call the application layer, [`app`]:
//! one method of [`Engine`] per user action, which validates its typed
//! input, does the work and returns a typed result or an [`Error`].
//!
//! This crate never depends on tauri or any GUI library, so every headless
//! mode and every test runs without a display.

pub mod alerts;
pub mod analytics;
pub mod app;
pub mod backfill;
pub mod cache;
pub mod clock;
pub mod config;
pub mod error;
pub mod error_kind;
pub mod fill;
pub mod format;
pub mod logging;
pub mod market;
pub mod memory;
pub mod model;
pub mod monitor;
pub mod portfolio;
pub mod private;
pub mod provider;
pub mod refresher;
pub mod secrets;
pub mod sources;
pub mod store;
mod task;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;

use std::sync::{Arc, RwLock};
use std::time::Duration;

pub use error::{Error, Result};

use config::{ApiPlan, Settings};
use market::Market;
use provider::{CoinGecko, HttpOptions};
use secrets::SecretName;
use store::Store;

/// The longest a fetched snapshot answers identical requests; never more
/// than half the refresh interval, or the refresher would be answered from
/// the cache.
const MAX_CACHE_TTL: Duration = Duration::from_secs(10);

/// How every client of a public API is built: the settings' timeout,
/// answer size and request budget.
pub(crate) fn http_options(settings: &Settings) -> HttpOptions {
    HttpOptions {
        timeout: Duration::from_secs(settings.http_timeout_secs),
        max_body_bytes: settings.http_max_body_mib << 20,
        requests_per_minute: settings.requests_per_minute,
        ..HttpOptions::default()
    }
}

/// An open data directory with its provider: what every front end holds.
/// Its methods, in [`app`], are the application layer: every user action of
/// the window and the CLI is one of them.
pub struct Engine {
    settings: RwLock<Settings>,
    pub(crate) store: Arc<Store>,
    /// For the engine's own tests and benchmarks; front ends go through
    /// [`app`].
    pub market: Arc<Market<CoinGecko>>,
    /// Set when a configured API key could not be read from the keyring;
    /// the engine then runs keyless and front ends should say so.
    pub key_warning: Option<String>,
    backfiller: backfill::Backfiller,
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
        let opts = http_options(&settings);
        let sources = sources::Sources::from_settings(&settings, &opts)?;
        let provider = CoinGecko::new(
            &settings.coingecko_url,
            key.as_ref().map(|(plan, k)| (*plan, k.expose())),
            opts,
        )?;
        let backfiller = backfill::Backfiller::new(settings.requests_per_minute);
        let ttl = MAX_CACHE_TTL.min(settings.refresh_interval() / 2);
        let market =
            Arc::new(Market::new(Arc::new(provider), store.clone(), ttl).with_sources(sources));
        Ok(Engine {
            settings: RwLock::new(settings),
            store,
            market,
            key_warning,
            backfiller,
        })
    }

    /// The portfolio's total as prices move, for a display that follows
    /// every price (the tray): positions replayed only when the
    /// transactions change. Keep it: it holds them between calls.
    pub fn portfolio_tracker(&self) -> portfolio::live::Tracker {
        portfolio::live::Tracker::new(self.store.clone())
    }

    /// Trims the event log and the alert history to the retention the
    /// settings give, and rolls old price history into coarser candles
    /// (minutes kept 7 days, 5 minutes 90 days, hours and days for ever).
    /// A failure is logged: nothing is lost by trying later.
    pub fn prune(&self) {
        let s = self.settings();
        match self
            .store
            .prune(clock::now_ms(), s.event_log_days, s.alert_history_days)
        {
            Ok((0, 0)) => {}
            Ok((events, firings)) => {
                tracing::info!(events, firings, "trimmed the event log and alert history")
            }
            Err(e) => tracing::warn!(error = %e, "cannot trim the event log and alert history"),
        }
        let now = chrono::Utc::now().timestamp();
        match self.store.retain_history(now, Default::default()) {
            Ok(r) => tracing::debug!(?r, "applied the price history's retention"),
            Err(e) => tracing::warn!(error = %e, "cannot apply the price history's retention"),
        }
    }
}
