//! Price history: a coin's candles over a range, answered from the store
//! in at most [`MAX_POINTS`] equal buckets; what of a range is missing,
//! and a backfill to fetch it.

use serde::Serialize;

use crate::Engine;
pub use crate::backfill::{Progress, Report};
use crate::error::Result;
use crate::model::buckets;
use crate::model::{Candle, Coin, CoinId, Currency, InvalidInput, MAX_POINTS, Range};
use crate::provider::MAX_HISTORY_DAYS_FREE;
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

impl HistoryQuery {
    /// Whether the query can be answered (points from 1 to
    /// [`MAX_POINTS`]): checked before anything is fetched for it, and by
    /// [`Engine::history`].
    pub fn check(&self) -> std::result::Result<(), InvalidInput> {
        match self.points {
            Some(n) if !(1..=MAX_POINTS).contains(&n) => Err(InvalidInput(format!(
                "the number of points must be from 1 to {MAX_POINTS}, not {n}"
            ))),
            _ => Ok(()),
        }
    }
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
    /// The width of every answered candle (stored ones grouped), seconds:
    /// the same all along the range, at least the coarsest resolution
    /// stored anywhere in it, so a bucket with nothing stored is a gap
    /// between two candles, never a wider candle.
    #[ts(type = "number")]
    pub step_secs: i64,
    pub candles: Vec<Candle>,
    /// A backfill of this coin is under way: more is coming.
    pub backfilling: bool,
}

/// What [`Engine::fetch_missing`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fetched {
    /// The coins (as asked) whose stored history lacked part of the range,
    /// which a backfill then filled; empty when nothing lacked.
    pub coins: Vec<String>,
    /// What the backfill did (done steps of a failed one stay stored).
    pub report: Report,
    /// Why the rest could not be fetched (the provider unreachable,
    /// refusing or rate limiting): the stored history is all there is.
    pub failed: Option<String>,
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
    /// The stored history of a coin over a range, in equal buckets
    /// ([`candles::uniform`]); empty until something was stored (a
    /// refresh, a backfill). Never touches the network unless the coin is
    /// named by a symbol not yet known ([`Engine::fetch_missing`] does).
    pub async fn history(&self, q: &HistoryQuery) -> Result<History> {
        q.check()?;
        let points = q.points.unwrap_or(MAX_POINTS);
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
                let (b, mut read) = candles::uniform(c, &[series], from, to, points)?;
                Ok((from, b.res.secs(), b.step, read.pop().unwrap_or_default()))
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

    /// What of `range` the stored history of `coin` in `currency` (default:
    /// the configured one) lacks, as unix-second spans: the stretches with
    /// no stored price longer than the provider's own spacing over such a
    /// span ([`buckets::missing`]); all of it when nothing is stored. For
    /// `max`, the year a backfill reaches.
    pub async fn missing_history(
        &self,
        coin: &CoinId,
        currency: Option<&Currency>,
        range: Range,
    ) -> Result<Vec<(i64, i64)>> {
        let coin = self.coin(coin).await?;
        let currency = self.currency_or_default(currency);
        let now = chrono::Utc::now().timestamp();
        let (from, to) = buckets::coverage_span(range, now, MAX_HISTORY_DAYS_FREE);
        let store = self.store.clone();
        let stored = super::blocking(move || {
            Ok(
                store.read(|c| match candles::find_series(c, &coin.id, &currency)? {
                    Some(series) => candles::stored_hours(c, series, from, to),
                    None => Ok(Vec::new()),
                })?,
            )
        })
        .await?;
        Ok(buckets::missing(
            &stored,
            from,
            to,
            buckets::gap_slack_secs(range),
        ))
    }

    /// Fetches what the stored history of `q.coins` lacks over `q.range`
    /// ([`Engine::missing_history`]): one backfill of the coins that lack
    /// any, paced within the provider's budget like every backfill (a step
    /// done recently is not asked again), `progress` hearing each step.
    /// Coins whose history covers the range cost no request. A provider
    /// that cannot be reached, or refuses, is no error here: what is stored
    /// stays, and the answer says why the rest could not be fetched.
    pub async fn fetch_missing(
        &self,
        q: &BackfillQuery,
        progress: impl FnMut(&Progress),
    ) -> Result<Fetched> {
        let mut lacking = Vec::new();
        for c in &q.coins {
            if !self
                .missing_history(c, q.currency.as_ref(), q.range)
                .await?
                .is_empty()
            {
                lacking.push(c.clone());
            }
        }
        if lacking.is_empty() {
            return Ok(Fetched::default());
        }
        let fill = BackfillQuery {
            coins: lacking,
            currency: q.currency.clone(),
            range: q.range,
        };
        let (report, failed) = match self.backfill(&fill, progress).await {
            Ok(report) => (report, None),
            Err(crate::Error::Provider(e)) => {
                tracing::warn!(error = %e, range = q.range.as_str(), "could not fetch the missing history");
                (Report::default(), Some(e.to_string()))
            }
            Err(e) => return Err(e),
        };
        Ok(Fetched {
            coins: fill.coins.iter().map(|c| c.as_str().to_owned()).collect(),
            report,
            failed,
        })
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
