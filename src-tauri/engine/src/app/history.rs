//! Price history: a coin's candles over a range, answered from the store
//! in at most [`MAX_POINTS`] points.

use serde::Serialize;

use crate::Engine;
use crate::error::Result;
use crate::model::{Candle, Coin, CoinId, Currency, InvalidInput, MAX_POINTS, Range};
use crate::store::queries::candles;

/// What a chart or `coinlytics history` asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryQuery {
    pub coin: CoinId,
    /// Default: the configured currency.
    pub currency: Option<Currency>,
    pub range: Range,
    /// At most this many points (1 to [`MAX_POINTS`]); default the most.
    pub points: Option<u32>,
}

/// A coin's candles over a range, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct History {
    pub coin: Coin,
    pub currency: String,
    pub range: Range,
    /// Unix ms the range starts and ends.
    #[ts(type = "number")]
    pub from: i64,
    #[ts(type = "number")]
    pub to: i64,
    /// The width of the stored candles the answer was read from, seconds.
    #[ts(type = "number")]
    pub resolution_secs: i64,
    pub candles: Vec<Candle>,
}

impl Engine {
    /// The stored history of a coin over a range; empty until something
    /// was stored (a refresh, a backfill). Never touches the network
    /// unless the coin is named by a symbol not yet known.
    pub async fn history(&self, q: &HistoryQuery) -> Result<History> {
        let points = match q.points {
            None => MAX_POINTS,
            Some(n) if (1..=MAX_POINTS).contains(&n) => n,
            Some(n) => {
                return Err(InvalidInput(format!(
                    "the number of points must be from 1 to {MAX_POINTS}, not {n}"
                ))
                .into());
            }
        };
        let coin = self.coin(&q.coin).await?;
        let currency = match &q.currency {
            Some(c) => c.as_str().to_string(),
            None => self.settings().currency,
        };
        let to = chrono::Utc::now().timestamp();
        let store = self.store.clone();
        let (id, cur, range) = (coin.id.clone(), currency.clone(), q.range);
        let (from, resolution, candles) = super::blocking(move || {
            Ok(store.read(|c| {
                let Some(series) = candles::find_series(c, &id, &cur)? else {
                    return Ok((to - range_secs(range, None, to), 60, Vec::new()));
                };
                let extent = candles::extent(c, series)?;
                let from = to - range_secs(range, extent.map(|e| e.0), to);
                let (res, candles) = candles::range(c, series, from, to, points)?;
                Ok((from, res.secs(), candles))
            })?)
        })
        .await?;
        Ok(History {
            coin,
            currency,
            range: q.range,
            from: from * 1000,
            to: to * 1000,
            resolution_secs: resolution,
            candles,
        })
    }
}

/// How far back `range` reaches from `now`; `Max` reaches the first
/// stored day (a year while nothing is stored).
fn range_secs(range: Range, first: Option<i64>, now: i64) -> i64 {
    match range.days() {
        Some(days) => i64::from(days) * 86_400,
        None => first.map_or(365 * 86_400, |f| (now - f).max(86_400)),
    }
}
