//! Compare: up to five coins over one range, normalised to % from its
//! start, with each one's return, volatility, drawdown and Sharpe-like
//! ratio, and the correlation of their daily returns.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::Engine;
use crate::analytics;
pub use crate::analytics::Stats;
use crate::error::Result;
use crate::model::{Coin, CoinId, Currency, InvalidInput, MAX_POINTS, Range};
use crate::store::queries::candles;

/// The most coins one comparison holds.
pub const MAX_COMPARE: usize = 5;

#[derive(Debug, Clone, PartialEq)]
pub struct CompareQuery {
    pub coins: Vec<CoinId>,
    /// Default: the configured currency.
    pub currency: Option<Currency>,
    pub range: Range,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Comparison {
    pub currency: String,
    pub range: Range,
    /// Unix ms the range starts and ends.
    #[ts(type = "number")]
    pub from: i64,
    #[ts(type = "number")]
    pub to: i64,
    /// The width of every series' buckets, seconds: one for all of them,
    /// so their points line up; a bucket without a point is a gap.
    #[ts(type = "number")]
    pub step_secs: i64,
    pub series: Vec<CompareSeries>,
    /// Pearson correlation of daily returns, `series` by `series`; `null`
    /// where too few days are shared.
    pub correlation: Vec<Vec<Option<f64>>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct CompareSeries {
    pub coin: Coin,
    /// % from the first stored price in the range, one point per bucket
    /// (its close, stamped at its start).
    pub points: Vec<NormalPoint>,
    pub stats: Stats,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct NormalPoint {
    /// Unix ms.
    #[ts(type = "number")]
    pub t: i64,
    pub pct: f64,
}

impl CompareQuery {
    /// Whether the comparison can be made (1 to [`MAX_COMPARE`] coins):
    /// checked before anything is fetched for it, and by
    /// [`Engine::compare`].
    pub fn check(&self) -> std::result::Result<(), InvalidInput> {
        if self.coins.is_empty() || self.coins.len() > MAX_COMPARE {
            return Err(InvalidInput(format!(
                "compare from 1 to {MAX_COMPARE} coins, not {}",
                self.coins.len()
            )));
        }
        Ok(())
    }
}

impl Engine {
    /// Compares `q.coins` over `q.range` from the stored history (no
    /// network unless a symbol is not yet known).
    pub async fn compare(&self, q: &CompareQuery) -> Result<Comparison> {
        q.check()?;
        let mut coins: Vec<Coin> = Vec::with_capacity(q.coins.len());
        for c in &q.coins {
            let coin = self.coin(c).await?;
            if !coins.iter().any(|k| k.id == coin.id) {
                coins.push(coin);
            }
        }
        let currency = self.currency_or_default(q.currency.as_ref());
        let to = chrono::Utc::now().timestamp();
        let from = to
            - i64::from(
                q.range
                    .days()
                    .unwrap_or(crate::provider::MAX_HISTORY_DAYS_FREE),
            ) * 86_400;
        let store = self.store.clone();
        let (ids, cur) = (
            coins.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
            currency.clone(),
        );
        // Every coin cut in the same buckets, as wide as the coarsest
        // resolution any of them has stored in the range, so their points
        // line up on one chart; a coin with no series has none.
        let (step, closes): (i64, Vec<Vec<(i64, Decimal)>>) = super::blocking(move || {
            Ok(store.read(|c| {
                let mut found = Vec::with_capacity(ids.len());
                for id in &ids {
                    found.push(candles::find_series(c, id, &cur)?);
                }
                let present: Vec<i64> = found.iter().flatten().copied().collect();
                let (b, read) = candles::uniform(c, &present, from, to, MAX_POINTS)?;
                let mut read = read.into_iter();
                let closes = found
                    .iter()
                    .map(|s| match s {
                        Some(_) => read
                            .next()
                            .unwrap_or_default()
                            .into_iter()
                            .map(|r| (r.t / 1000, r.close))
                            .collect(),
                        None => Vec::new(),
                    })
                    .collect();
                Ok((b.step, closes))
            })?)
        })
        .await?;
        let refs: Vec<&[(i64, Decimal)]> = closes.iter().map(Vec::as_slice).collect();
        let correlation = analytics::correlation_matrix(&refs);
        let series = coins
            .into_iter()
            .zip(&closes)
            .map(|(coin, points)| CompareSeries {
                coin,
                points: analytics::normalised(points)
                    .into_iter()
                    .map(|(t, pct)| NormalPoint { t: t * 1000, pct })
                    .collect(),
                stats: analytics::stats(points),
            })
            .collect();
        Ok(Comparison {
            currency,
            range: q.range,
            from: from * 1000,
            to: to * 1000,
            step_secs: step,
            series,
            correlation,
        })
    }
}
