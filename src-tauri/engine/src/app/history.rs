//! Price history: a coin's candles over a range, answered from the store
//! in at most [`MAX_POINTS`] points.

use serde::Serialize;

use crate::Engine;
use crate::backfill::{Progress, Report};
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
    /// At most this many points (1 to [`MAX_POINTS`]); default the most,
    /// or for `candles` one per [`Range::candle_secs`].
    pub points: Option<u32>,
    /// For a candlestick chart: candles as wide as the range's usual
    /// candle, each holding several stored prices, rather than the most
    /// points (a line's detail, where an old stretch of daily prices
    /// would draw as flat one-price candles).
    pub candles: bool,
}

/// A coin's candles over a range, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
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
    /// The width of each answered candle (stored ones grouped), seconds.
    #[ts(type = "number")]
    pub step_secs: i64,
    pub candles: Vec<Candle>,
    /// A backfill of this coin is under way: more is coming.
    pub backfilling: bool,
}

/// What `coinlytics backfill` and the coin view ask to fill.
#[derive(Debug, Clone, PartialEq)]
pub struct BackfillQuery {
    /// Default (empty): the watchlist.
    pub coins: Vec<CoinId>,
    /// Default: the configured currency.
    pub currency: Option<Currency>,
    pub range: Range,
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
        let currency = self.currency_or_default(q.currency.as_ref());
        let to = chrono::Utc::now().timestamp();
        let store = self.store.clone();
        let (id, cur, range) = (coin.id.clone(), currency.clone(), q.range);
        let candle = (q.candles && q.points.is_none()).then(|| range.candle_secs());
        let (from, resolution, step, candles) = super::blocking(move || {
            Ok(store.read(|c| {
                let Some(series) = candles::find_series(c, &id, &cur)? else {
                    return Ok((to - range_secs(range, None, to), 60, 60, Vec::new()));
                };
                let extent = candles::extent(c, series)?;
                let span = range_secs(range, extent.map(|e| e.0), to);
                let from = to - span;
                let points = candle.map_or(points, |w| {
                    u32::try_from((span + w - 1) / w).map_or(MAX_POINTS, |n| n.clamp(1, MAX_POINTS))
                });
                let (res, step, candles) = candles::range(c, series, from, to, points)?;
                Ok((from, res.secs(), step, candles))
            })?)
        })
        .await?;
        let backfilling = self.backfiller.is_running(&coin.id, &currency);
        Ok(History {
            coin,
            currency,
            range: q.range,
            from: from * 1000,
            to: to * 1000,
            resolution_secs: resolution,
            step_secs: step,
            candles,
            backfilling,
        })
    }

    /// Fetches the past of `q.coins` from the provider into the store,
    /// resuming an interrupted backfill, paced to leave the live refresh
    /// its share of the rate limit. `progress` hears every step.
    pub async fn backfill(
        &self,
        q: &BackfillQuery,
        progress: impl FnMut(&Progress),
    ) -> Result<Report> {
        let coins = if q.coins.is_empty() {
            self.watchlist()?
        } else {
            let mut coins = Vec::with_capacity(q.coins.len());
            for c in &q.coins {
                coins.push(self.coin(c).await?);
            }
            coins
        };
        if coins.is_empty() {
            return Err(
                InvalidInput("the watchlist is empty; name the coins to backfill".into()).into(),
            );
        }
        let currency = self.currency_or_default(q.currency.as_ref());
        let days = q.range.days().unwrap_or(u32::MAX);
        self.backfiller
            .run(
                self.market.provider(),
                &self.store,
                &coins,
                &currency,
                days,
                progress,
            )
            .await
    }

    pub(crate) fn currency_or_default(&self, c: Option<&Currency>) -> String {
        match c {
            Some(c) => c.as_str().to_string(),
            None => self.settings().currency,
        }
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

/// A coin's view: its figures (the stored quote in the configured
/// currency), whether it is watched, and the price levels of its alerts.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct CoinOverview {
    pub coin: Coin,
    pub quote: Option<crate::model::Quote>,
    pub watched: bool,
    pub levels: Vec<AlertLevel>,
}

/// An enabled above/below rule's level, drawn on the chart.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct AlertLevel {
    pub rule_id: i64,
    #[ts(type = "string")]
    pub level: rust_decimal::Decimal,
    /// "Alert above", "Alert below".
    pub label: String,
}

impl Engine {
    /// What the coin view shows first, from the store (no network unless
    /// the coin is named by a symbol not yet known).
    pub async fn coin_overview(&self, c: &CoinId) -> Result<CoinOverview> {
        use crate::model::alert::Condition;
        let coin = self.coin(c).await?;
        let currency = self.settings().currency;
        let request = crate::model::QuoteRequest {
            selection: crate::model::Selection::Coins(vec![coin.id.clone()]),
            currency: currency.clone(),
        };
        let quote = self.stored_quotes(&request)?.into_iter().next();
        let watched = self.watchlist()?.iter().any(|w| w.id == coin.id);
        let levels = self
            .alerts()?
            .into_iter()
            .filter(|r| {
                r.rule.enabled && r.rule.spec.coin_id == coin.id && r.rule.spec.currency == currency
            })
            .filter_map(|r| {
                let label = match r.rule.spec.condition {
                    Condition::Above => "Alert above",
                    Condition::Below => "Alert below",
                    _ => return None,
                };
                Some(AlertLevel {
                    rule_id: r.rule.id,
                    level: r.rule.spec.level,
                    label: label.to_string(),
                })
            })
            .collect();
        Ok(CoinOverview {
            coin,
            quote,
            watched,
            levels,
        })
    }
}
