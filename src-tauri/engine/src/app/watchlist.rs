//! The watchlist: which coins the user follows, in their order.

use serde::Serialize;

use crate::Engine;
use crate::error::{Error, Result};
use crate::model::{Coin, CoinId, InvalidInput};
use crate::store::queries;

/// The most coins a watchlist holds (one refresh asks for 250 a request).
pub const MAX_WATCHED: usize = 1000;

/// What [`Engine::watchlist_add`] did.
#[derive(Debug, Clone, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Added {
    pub coin: Coin,
    /// False if the coin was watched already.
    pub added: bool,
}

impl Engine {
    /// The watched coins, in the user's order.
    pub fn watchlist(&self) -> Result<Vec<Coin>> {
        Ok(self.store.read(queries::watchlist::list)?)
    }

    /// Adds the coin meant by `coin` (an id, or the best-ranked coin with
    /// that symbol). Fails with an unknown-coin error if no coin is meant.
    pub async fn watchlist_add(&self, coin: &CoinId) -> Result<Added> {
        let coin = self.market.resolve_coin(coin.as_str()).await?;
        let watched = self.watchlist()?.len();
        if watched >= MAX_WATCHED {
            return Err(
                InvalidInput(format!("the watchlist holds at most {MAX_WATCHED} coins")).into(),
            );
        }
        let now = super::now_ms();
        let added = self
            .store
            .write(|tx| queries::watchlist::add(tx, &coin.id, now))?;
        self.market.invalidate();
        Ok(Added { coin, added })
    }

    /// Removes the watched coin with id or symbol `coin`; returns it.
    pub fn watchlist_remove(&self, coin: &CoinId) -> Result<Coin> {
        let key = coin.as_str();
        let coin = self
            .watchlist()?
            .into_iter()
            .find(|c| c.id == key || c.symbol == key)
            .ok_or_else(|| Error::NotFound(format!("'{key}' is not in the watchlist")))?;
        self.store
            .write(|tx| queries::watchlist::remove(tx, &coin.id))?;
        self.market.invalidate();
        Ok(coin)
    }

    /// Puts the watchlist in the order of `ids`; ids not watched are
    /// ignored.
    pub fn watchlist_reorder(&self, ids: &[CoinId]) -> Result<()> {
        if ids.len() > MAX_WATCHED {
            return Err(
                InvalidInput(format!("the watchlist holds at most {MAX_WATCHED} coins")).into(),
            );
        }
        let ids: Vec<String> = ids.iter().map(|c| c.as_str().to_string()).collect();
        self.store
            .write(|tx| queries::watchlist::reorder(tx, &ids))?;
        self.market.invalidate();
        Ok(())
    }
}
