//! Fetching the past a set of transactions lacks before they are checked
//! or written: valued, what is missing planned ([`crate::fill`]) and
//! fetched, then valued again, for as many rounds as a fetch brings new
//! needs (dollar closes then want the day's rate to the display currency).

use std::collections::BTreeSet;

use crate::Engine;
use crate::error::{Error, Result};
use crate::fill::{self, Progress, Sources};
use crate::portfolio::Tx;
use crate::portfolio::valuation::{self, Missing};
use crate::provider::ecb::Ecb;
use crate::provider::exchange::DailyHistory;

/// Rounds of fetching: a coin's old closes in dollars, then their rate.
const ROUNDS: usize = 3;

impl Engine {
    /// Fetches what valuing `txs` in the display currency lacks and a
    /// source can give; returns a line for each fetch that failed (the
    /// values it would have given stay unknown).
    pub(crate) async fn fill_past(
        &self,
        txs: &[Tx],
        progress: &mut (impl FnMut(&Progress) + Send),
    ) -> Result<Vec<String>> {
        let settings = self.settings();
        let reporting = settings.currency.clone();
        let mut tried: BTreeSet<Missing> = BTreeSet::new();
        let mut failed = Vec::new();
        let (mut done, mut total) = (0, 0);
        let mut sources = None;
        for _ in 0..ROUNDS {
            let missing: BTreeSet<Missing> = {
                let (store, txs, reporting) = (self.store.clone(), txs.to_vec(), reporting.clone());
                super::blocking(move || {
                    let valued = store.read(|c| valuation::value(c, &txs, &reporting))?;
                    Ok(valued.unknown.into_iter().map(|u| u.missing).collect())
                })
                .await?
            };
            let new: Vec<Missing> = missing.difference(&tried).cloned().collect();
            let plan = fill::plan(&new, &reporting, chrono::Utc::now().date_naive());
            tried.extend(new);
            if plan.is_empty() {
                break;
            }
            let sources = match &sources {
                Some(s) => s,
                None => {
                    let opts = crate::http_options(&settings);
                    let built = Sources {
                        provider: self.market.provider(),
                        backfiller: &self.backfiller,
                        ecb: Ecb::new(&settings.ecb_url, opts.clone()).map_err(Error::Provider)?,
                        exchanges: DailyHistory::new(
                            &settings.coinbase_url,
                            &settings.binance_url,
                            opts,
                        )
                        .map_err(Error::Provider)?,
                    };
                    sources.insert(built)
                }
            };
            total += plan.len() as u32;
            let store = self.store.clone();
            let more = fill::run(&plan, sources, &store, &mut done, total, progress).await;
            failed.extend(more);
        }
        if done > 0 {
            progress(&Progress {
                done,
                total,
                doing: String::new(),
            });
        }
        Ok(failed)
    }
}
