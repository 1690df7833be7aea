//! Prices: what to show, fresh or stored, and the coin list behind search.

use std::time::Duration;

use tokio::sync::broadcast;

use crate::Engine;
use crate::error::{Error, Result};
// What front ends hear from the market, and the tasks that keep its
// prices fresh, which a front end starts.
pub use crate::market::{MarketEvent, QuotesView, RefreshStatus, Snapshot};
use crate::model::{
    Coin, CoinId, Currency, InvalidInput, PriceTick, Quote, QuoteRequest, Selection,
};
pub use crate::refresher;
use crate::store::queries;

/// How many coins to show when the watchlist is empty.
pub const DEFAULT_TOP: u32 = 20;
/// The most coins a "top N" view shows.
pub const MAX_TOP: u32 = 1000;
/// How many coins a search returns.
pub const SEARCH_LIMIT: u32 = 20;
const MAX_QUERY_CHARS: usize = 64;
/// The coin list behind search is refetched when older than this.
pub const COIN_LIST_MAX_AGE: Duration = Duration::from_secs(24 * 3600);

/// Streamed prices gathered between two frames of a front end: the
/// latest of each coin in each currency, so a busy stream is drawn at the
/// frame's pace, not the exchanges'.
#[derive(Debug, Default)]
pub struct TickFrame {
    pending: std::collections::HashMap<(String, String), PriceTick>,
}

impl TickFrame {
    pub fn add(&mut self, t: PriceTick) {
        self.pending
            .insert((t.coin_id.clone(), t.currency.clone()), t);
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// The frame's ticks, one per coin and currency; the frame is empty after.
    pub fn take(&mut self) -> Vec<PriceTick> {
        self.pending.drain().map(|(_, t)| t).collect()
    }
}

/// Which coins a user asked to see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    /// The watchlist, or the top coins while it is empty.
    Default,
    /// The top `n` by market cap.
    Top(u32),
    /// These coins (ids or symbols), in this order.
    Coins(Vec<CoinId>),
}

impl Engine {
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

    /// The request for what the user picked, in the configured currency.
    /// Coins are resolved by id or symbol; when the coin list cannot be
    /// fetched (offline), a name is taken as an id so stored prices can
    /// still be shown.
    pub async fn request(&self, pick: &Pick) -> Result<QuoteRequest> {
        let currency = self.settings().currency;
        let selection = match pick {
            Pick::Default => return self.default_request(),
            Pick::Top(n) if !(1..=MAX_TOP).contains(n) => {
                return Err(InvalidInput(format!(
                    "the number of top coins must be from 1 to {MAX_TOP}, not {n}"
                ))
                .into());
            }
            Pick::Top(n) => Selection::Top(*n),
            Pick::Coins(coins) if coins.is_empty() => return self.default_request(),
            Pick::Coins(coins) => {
                let mut ids = Vec::with_capacity(coins.len());
                for c in coins {
                    ids.push(self.coin(c).await?.id);
                }
                Selection::Coins(ids)
            }
        };
        Ok(QuoteRequest {
            selection,
            currency,
        })
    }

    /// [`Engine::request`] in another currency than the configured one,
    /// if the provider supports it.
    pub async fn request_in(&self, pick: &Pick, currency: &str) -> Result<QuoteRequest> {
        let currency = self.supported_currency(currency).await?;
        Ok(QuoteRequest {
            currency: currency.into(),
            ..self.request(pick).await?
        })
    }

    /// The coin a user named by id or symbol. When the coin list cannot be
    /// fetched (offline), the name is taken as an id, so what is stored
    /// for it can still be shown.
    pub async fn coin(&self, c: &CoinId) -> Result<Coin> {
        match self.market.resolve_coin(c.as_str()).await {
            Ok(coin) => Ok(coin),
            Err(Error::Provider(e)) => {
                tracing::warn!(error = %e, coin = c.as_str(), "coin list unavailable; using the name as an id");
                Ok(Coin {
                    id: c.as_str().to_string(),
                    symbol: c.as_str().to_string(),
                    name: c.as_str().to_string(),
                })
            }
            Err(e) => Err(e),
        }
    }

    /// Fresh quotes if the provider answers, else the stored ones with why
    /// they are stale. Fails only when there is nothing at all to show.
    pub async fn quotes(&self, req: &QuoteRequest) -> Result<QuotesView> {
        self.market.quotes(req).await
    }

    /// The last stored quotes for `req`, in its order; no network.
    pub fn stored_quotes(&self, req: &QuoteRequest) -> Result<Vec<Quote>> {
        Ok(self.market.stored(req)?)
    }

    /// Every market update and failure from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<MarketEvent> {
        self.market.subscribe()
    }

    /// Every streamed price from now on, applied to its coin's quote: a
    /// front end moves its rows with [`Quote::apply_tick`] and shows the
    /// fields as they come.
    pub fn subscribe_ticks(&self) -> broadcast::Receiver<PriceTick> {
        self.market.subscribe_ticks()
    }

    /// Asks for fresh prices of `req` now, bypassing the cache; the
    /// outcome arrives as a market event. Needs a tokio runtime.
    pub fn refresh_soon(self: &std::sync::Arc<Self>, req: QuoteRequest) {
        self.market.invalidate();
        let engine = self.clone();
        tokio::spawn(async move {
            // Failures are logged and published by the market itself.
            let _ = engine.market.refresh(&req).await;
        });
    }

    /// How the last refresh of the default request went.
    pub fn refresh_status(&self) -> Result<RefreshStatus> {
        let req = self.default_request()?;
        let mut status = self.market.outcome(&req).unwrap_or_default();
        if status.updated_at.is_none() {
            status.updated_at = self.stored_quotes(&req)?.iter().map(|q| q.fetched_at).max();
        }
        Ok(status)
    }

    /// Coins whose id, symbol or name starts with `query` (case-insensitive),
    /// best-ranked first; exact symbol matches lead.
    pub fn search_coins(&self, query: &str) -> Result<Vec<Coin>> {
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(InvalidInput(format!(
                "the search is longer than {MAX_QUERY_CHARS} characters"
            ))
            .into());
        }
        Ok(self
            .store
            .read(|c| queries::coins::search(c, query, SEARCH_LIMIT))?)
    }

    /// Keeps the coin list behind search and symbols a day fresh.
    pub async fn ensure_coin_list(&self) -> Result<bool> {
        self.market.ensure_coin_list(COIN_LIST_MAX_AGE).await
    }

    /// The currencies prices can be quoted in (stored, so known offline).
    pub async fn supported_currencies(&self) -> Vec<String> {
        self.market.supported_currencies().await
    }

    /// `code` as a currency the provider supports.
    pub(crate) async fn supported_currency(&self, code: &str) -> Result<Currency> {
        let currency = Currency::parse(code)?;
        if !self
            .supported_currencies()
            .await
            .iter()
            .any(|c| c == currency.as_str())
        {
            return Err(InvalidInput(format!(
                "'{}' is not a supported currency",
                currency.as_str()
            ))
            .into());
        }
        Ok(currency)
    }

    /// What the refresher fetches: the default request, and the coins it
    /// does not cover (per currency) of enabled alert rules and of the
    /// portfolio (in the display currency, and in the currency of each
    /// portfolio rule), so every rule and holding sees its coin's price.
    pub fn refresh_requests(&self) -> Result<Vec<QuoteRequest>> {
        let main = self.default_request()?;
        let covered = |coin: &str, currency: &str| {
            currency == main.currency
                && matches!(&main.selection, Selection::Coins(ids) if ids.iter().any(|i| i == coin))
        };
        let mut extra: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        let mut want = |coin: &str, currency: &str| {
            if !covered(coin, currency) {
                let ids = extra.entry(currency.to_string()).or_default();
                if !ids.iter().any(|i| i == coin) {
                    ids.push(coin.to_string());
                }
            }
        };
        let held = self.store.read(queries::portfolio::coins)?;
        let mut valued_in = vec![main.currency.clone()];
        for r in self
            .store
            .read(queries::alerts::rules)?
            .into_iter()
            .filter(|r| r.enabled)
        {
            let s = r.spec;
            if s.condition.is_portfolio() {
                if !valued_in.contains(&s.currency) {
                    valued_in.push(s.currency);
                }
            } else {
                want(&s.coin_id, &s.currency);
            }
        }
        for currency in &valued_in {
            for coin in held.iter().filter(|c| !crate::portfolio::is_fiat(c)) {
                want(coin, currency);
            }
        }
        let mut requests = vec![main];
        requests.extend(extra.into_iter().map(|(currency, ids)| QuoteRequest {
            selection: Selection::Coins(ids),
            currency,
        }));
        Ok(requests)
    }
}
