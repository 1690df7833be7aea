//! Backfill: a coin's past from the provider's history endpoints into the
//! candle store, at the finest granularity each answer has, without
//! starving the live refresh of the provider's rate budget.
//!
//! A backfill is a list of steps per coin (one API call each). A finished
//! step is recorded (`backfill_steps`), so an interrupted backfill resumes
//! with the steps it had not done; writing a step twice changes nothing,
//! because candles merge idempotently.

use std::collections::HashSet;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde::Serialize;

use crate::clock::now_ms;
use crate::error::Result;
use crate::model::{ChartPoint, Coin, OhlcCandle};
use crate::provider::{Failure, MAX_HISTORY_DAYS_FREE, PriceProvider, ohlc_granularity_secs};
use crate::store::Store;
use crate::store::queries::candles::Bar;
use crate::store::queries::{backfill as steps, candles};
use crate::task::blocking;

/// The share of the provider's request budget a backfill may use: the rest
/// stays free for the live refresh, which then never waits behind it.
const BUDGET_SHARE: (u32, u32) = (2, 3);
/// How often one step is tried again after the provider said "too many
/// requests" (it waits as asked, else a minute).
const RATE_LIMIT_WAITS: u32 = 3;

/// One API call of a backfill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// `/coins/{id}/market_chart?days=`: prices and 24 h volumes.
    Chart(u32),
    /// `/coins/{id}/ohlc?days=`: candles, for highs and lows between points.
    Ohlc(u32),
}

impl Step {
    pub fn key(self) -> String {
        match self {
            Step::Chart(d) => format!("market_chart:{d}"),
            Step::Ohlc(d) => format!("ohlc:{d}"),
        }
    }

    /// How long a finished step stays done: one whose answer has 5-minute
    /// or 30-minute detail is worth redoing after an hour, the rest after a
    /// day.
    fn fresh_for_ms(self) -> i64 {
        match self {
            Step::Chart(1) | Step::Ohlc(1) => 3_600_000,
            _ => 86_400_000,
        }
    }
}

/// The steps that cover `days` (at most a year: the free and demo plans'
/// limit) at the finest granularity each answer has: the whole span daily
/// (beyond 90 days), up to 90 days hourly, the last day in 5-minute
/// points; then the candles that fit whole in the store's days (4-hour,
/// up to 30 days) and hours (30-minute, the last day). Widest first, so a
/// chart has its whole range after the first call and gains detail after.
pub fn plan(days: u32) -> Vec<Step> {
    let days = days.clamp(1, MAX_HISTORY_DAYS_FREE);
    let mut steps = Vec::new();
    if days > 90 {
        steps.push(Step::Chart(days));
    }
    if days > 1 {
        steps.push(Step::Chart(days.min(90)));
    }
    steps.push(Step::Chart(1));
    if days > 1 {
        // The ohlc endpoint takes only these spans.
        let span = [7, 14, 30].into_iter().find(|d| *d >= days).unwrap_or(30);
        steps.push(Step::Ohlc(span));
    }
    steps.push(Step::Ohlc(1));
    steps
}

/// Where a backfill is, for a progress bar or the chart's state line.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Progress {
    pub coin_id: String,
    pub currency: String,
    /// Steps finished (or skipped as still fresh) of `total`, all coins.
    pub done: u32,
    pub total: u32,
    /// Seconds the backfill waits for the provider's rate limit, if it does.
    pub waiting_secs: Option<u64>,
    /// Prices and candles the step just finished merged (0: it was done
    /// recently and skipped, or is still waiting), so a chart redraws
    /// only when there is something new.
    pub points: u32,
}

/// What a finished backfill did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Report {
    /// API calls made.
    pub calls: u32,
    /// Steps skipped: done recently (an earlier or interrupted run).
    pub skipped: u32,
    /// Prices and candles merged into the store.
    pub points: u32,
}

/// Paces every backfill of one engine and keeps two from filling the same
/// series at once.
pub struct Backfiller {
    pacer: DefaultDirectRateLimiter,
    running: Mutex<HashSet<(String, String)>>,
}

impl Backfiller {
    /// A pacer for a provider allowing `requests_per_minute`.
    pub fn new(requests_per_minute: u32) -> Backfiller {
        let (num, den) = BUDGET_SHARE;
        let per_minute =
            NonZeroU32::new(requests_per_minute * num / den).unwrap_or(NonZeroU32::MIN);
        // Evenly spaced, no burst: a burst would take the slots the live
        // refresh counts on.
        let quota = Quota::with_period(Duration::from_secs(60) / per_minute.get())
            .unwrap_or_else(|| Quota::per_minute(per_minute))
            .allow_burst(NonZeroU32::MIN);
        Backfiller {
            pacer: RateLimiter::direct(quota),
            running: Mutex::new(HashSet::new()),
        }
    }

    /// Whether a backfill of `coin` in `currency` is under way.
    pub fn is_running(&self, coin: &str, currency: &str) -> bool {
        self.running()
            .contains(&(coin.to_string(), currency.to_string()))
    }

    fn running(&self) -> std::sync::MutexGuard<'_, HashSet<(String, String)>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Fills `coins` in `currency` over `days`, telling `progress` after
    /// each step. A coin already being filled (by another caller) is
    /// waited for. Stops at the first failure that waiting does not cure; the
    /// steps done so far stay done.
    pub async fn run<P: PriceProvider>(
        &self,
        provider: &P,
        store: &Arc<Store>,
        coins: &[Coin],
        currency: &str,
        days: u32,
        mut progress: impl FnMut(&Progress),
    ) -> Result<Report> {
        let steps = plan(days);
        let total = (steps.len() * coins.len()) as u32;
        let mut report = Report::default();
        let mut done = 0;
        for coin in coins {
            let key = (coin.id.clone(), currency.to_string());
            // A coin another caller is filling (a shorter range asked a
            // moment before) is waited for, not skipped: skipping it lost
            // the longer range's steps. Its steps are then fresh here.
            loop {
                let free = self.running().insert(key.clone());
                if free {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            let _guard = Running(self, key);
            let series = {
                let store = store.clone();
                let (id, cur) = (coin.id.clone(), currency.to_string());
                blocking(move || Ok(store.write(|tx| candles::series_id(tx, &id, &cur))?)).await?
            };
            let finished = {
                let store = store.clone();
                blocking(move || Ok(store.read(|c| steps::finished(c, series))?)).await?
            };
            let now = now_ms();
            for step in &steps {
                let fresh = finished
                    .get(&step.key())
                    .is_some_and(|at| crate::clock::within(*at, now, step.fresh_for_ms()));
                let mut merged = 0;
                if fresh {
                    report.skipped += 1;
                } else {
                    let bars = self
                        .fetch(provider, coin, currency, *step, |waiting| {
                            progress(&Progress {
                                coin_id: coin.id.clone(),
                                currency: currency.to_string(),
                                done,
                                total,
                                waiting_secs: Some(waiting),
                                points: 0,
                            })
                        })
                        .await?;
                    report.calls += 1;
                    merged = bars.len() as u32;
                    report.points += merged;
                    let store = store.clone();
                    let key = step.key();
                    blocking(move || {
                        Ok(store.write(|tx| {
                            candles::merge(tx, series, &bars)?;
                            steps::finish(tx, series, &key, now_ms(), bars.len())
                        })?)
                    })
                    .await?;
                }
                done += 1;
                progress(&Progress {
                    coin_id: coin.id.clone(),
                    currency: currency.to_string(),
                    done,
                    total,
                    waiting_secs: None,
                    points: merged,
                });
            }
        }
        Ok(report)
    }

    /// One step's answer as bars to merge, paced, waiting out rate limits.
    async fn fetch<P: PriceProvider>(
        &self,
        provider: &P,
        coin: &Coin,
        currency: &str,
        step: Step,
        mut waiting: impl FnMut(u64),
    ) -> Result<Vec<Bar>> {
        let mut waits = 0;
        loop {
            self.pacer.until_ready().await;
            let answer = match step {
                Step::Chart(days) => provider
                    .market_chart(&coin.id, currency, days)
                    .await
                    .map(|p| p.iter().map(point_bar).collect()),
                Step::Ohlc(days) => {
                    let span = ohlc_granularity_secs(days);
                    provider
                        .ohlc(&coin.id, currency, days)
                        .await
                        .map(|c| c.iter().map(|c| candle_bar(c, span)).collect())
                }
            };
            match answer {
                Ok(bars) => return Ok(bars),
                Err(e)
                    if waits < RATE_LIMIT_WAITS
                        && matches!(e.failure, Failure::RateLimited { .. }) =>
                {
                    let Failure::RateLimited { retry_after } = e.failure else {
                        unreachable!()
                    };
                    let wait = retry_after.unwrap_or(Duration::from_secs(60));
                    tracing::info!(coin = %coin.id, step = %step.key(), wait_secs = wait.as_secs(), "backfill waits for the rate limit");
                    waiting(wait.as_secs());
                    tokio::time::sleep(wait).await;
                    waits += 1;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// Marks a series as being filled until dropped (also on an error or a
/// cancelled task).
struct Running<'a>(&'a Backfiller, (String, String));

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.running().remove(&self.1);
    }
}

fn point_bar(p: &ChartPoint) -> Bar {
    Bar::point(p.ts_ms.div_euclid(1000), p.price, p.volume)
}

/// CoinGecko stamps a candle with its close time.
fn candle_bar(c: &OhlcCandle, span_secs: i64) -> Bar {
    let end = c.close_ms.div_euclid(1000);
    Bar {
        start: end - span_secs,
        end,
        open: c.open,
        high: c.high,
        low: c.low,
        close: c.close,
        volume: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_year_takes_five_calls_at_the_finest_granularity_each_answer_has() {
        use Step::*;
        assert_eq!(
            plan(365),
            vec![Chart(365), Chart(90), Chart(1), Ohlc(30), Ohlc(1)]
        );
        assert_eq!(plan(9999), plan(365));
        assert_eq!(plan(30), vec![Chart(30), Chart(1), Ohlc(30), Ohlc(1)]);
        assert_eq!(plan(7), vec![Chart(7), Chart(1), Ohlc(7), Ohlc(1)]);
        assert_eq!(plan(1), vec![Chart(1), Ohlc(1)]);
    }
}
