//! The portfolio's total as prices move: the positions are replayed from
//! the store only when the transactions change (the store's portfolio
//! revision, which a write from any process bumps) or the currency does,
//! and valued again at each new price, streamed ones too. A tray showing
//! the total at every price update costs a read of one counter and a few
//! multiplications, not a replay of every transaction.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rust_decimal::Decimal;

use super::holdings::{self, Positions};
use super::ledger::Refused;
use crate::store::queries::portfolio as q;
use crate::store::{Store, StoreError};

/// Why the total cannot be worked out.
#[derive(Debug, thiserror::Error)]
pub enum Unvalued {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Refused(Refused),
}

/// Every portfolio's positions, kept between price updates.
pub struct Tracker {
    store: Arc<Store>,
    kept: Mutex<Option<Kept>>,
}

struct Kept {
    rev: i64,
    currency: String,
    positions: Positions,
}

impl Tracker {
    pub(crate) fn new(store: Arc<Store>) -> Tracker {
        Tracker {
            store,
            kept: Mutex::new(None),
        }
    }

    /// Every portfolio's market value in `currency`, to the cent, as the
    /// holdings total it: each coin held at its price in `prices` (coin id
    /// to a unit's price in `currency`, streamed prices included) where it
    /// has one, else at its stored quote. `None` when the holdings are
    /// empty. Blocks on the store: replays the transactions when they
    /// changed.
    pub fn total(
        &self,
        currency: &str,
        prices: &HashMap<String, Decimal>,
    ) -> Result<Option<Decimal>, Unvalued> {
        let rev = self.store.read(q::rev)?;
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        let current = kept
            .as_ref()
            .is_some_and(|k| k.rev == rev && k.currency == currency);
        if !current {
            let (ledger, portfolios) = self
                .store
                .read(|c| holdings::ledger(c, currency, None))?
                .map_err(Unvalued::Refused)?;
            let ids: Vec<i64> = portfolios.iter().map(|p| p.id).collect();
            tracing::debug!(rev, "portfolio replayed for its total");
            *kept = Some(Kept {
                rev,
                currency: currency.to_string(),
                positions: Positions::of(&ledger, &ids),
            });
        }
        let Some(k) = kept.as_ref() else {
            return Ok(None);
        };
        let missing: Vec<String> = (k.positions.0.iter())
            .filter(|p| !prices.contains_key(&p.coin))
            .map(|p| p.coin.clone())
            .collect();
        let stored = if missing.is_empty() {
            HashMap::new()
        } else {
            (self.store).read(|c| holdings::stored_prices(c, currency, &missing))?
        };
        let (held, totals) = k.positions.value(
            |coin| prices.get(coin).or_else(|| stored.get(coin)).copied(),
            |_| None,
            |coin| (coin.to_string(), coin.to_string()),
        );
        Ok((!held.is_empty()).then_some(totals.market_value))
    }
}

#[cfg(test)]
mod tests;
