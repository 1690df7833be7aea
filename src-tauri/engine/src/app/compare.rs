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
    pub series: Vec<CompareSeries>,
    /// Pearson correlation of daily returns, `series` by `series`; `null`
    /// where too few days are shared.
    pub correlation: Vec<Vec<Option<f64>>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct CompareSeries {
    pub coin: Coin,
    /// % from the first stored price in the range.
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

impl Engine {
    /// Compares `q.coins` over `q.range` from the stored history (no
    /// network unless a symbol is not yet known).
    pub async fn compare(&self, q: &CompareQuery) -> Result<Comparison> {
        if q.coins.is_empty() || q.coins.len() > MAX_COMPARE {
            return Err(InvalidInput(format!(
                "compare from 1 to {MAX_COMPARE} coins, not {}",
                q.coins.len()
            ))
            .into());
        }
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
        let closes: Vec<Vec<(i64, Decimal)>> = super::blocking(move || {
            Ok(store.read(|c| {
                ids.iter()
                    .map(|id| {
                        let Some(series) = candles::find_series(c, id, &cur)? else {
                            return Ok(Vec::new());
                        };
                        let (_, _, rows) = candles::range(c, series, from, to, MAX_POINTS)?;
                        Ok(rows.into_iter().map(|r| (r.t / 1000, r.close)).collect())
                    })
                    .collect::<rusqlite::Result<_>>()
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
            series,
            correlation,
        })
    }
}
