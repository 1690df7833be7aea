//! The alert monitor: a task subscribed to the market's updates. On each
//! update it runs the rule book, writes the firings and the rules' new state
//! in one transaction, and only then wakes the dispatcher. Rules edited by
//! any process are picked up at the next update (a revision counter in
//! SQLite says when).

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use serde::Serialize;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;
use tracing::Instrument;

use crate::Engine;
use crate::alerts::dispatch::{DeliveryEvent, Dispatcher};
use crate::alerts::email::Mailer;
use crate::alerts::evaluate::{HoldingReading, PortfolioReading, RuleBook};
use crate::alerts::lock::MonitorLock;
use crate::alerts::notify::Notifier;
use crate::clock::now_ms;
use crate::market::{MarketEvent, PriceTick, Snapshot};
use crate::model::Quote;
use crate::model::alert::Firing;
use crate::model::{MAX_POINTS, Resolution};
use crate::portfolio::holdings;
use crate::store::{Store, StoreError, queries};

/// What the monitor tells front ends (the window, the tray, logs).
#[derive(Debug, Clone, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AlertEvent {
    // Boxed: a firing is several times the size of the other events.
    Fired(Box<Firing>),
    Delivery(DeliveryEvent),
    /// The monitor stopped unexpectedly (a bug) and starts again after
    /// `retry_in_secs`; deliveries go on meanwhile.
    Restarting {
        reason: String,
        retry_in_secs: u64,
    },
    /// It runs again.
    Restarted,
}

/// The running monitor and dispatcher. Holds the data directory's monitor
/// lock until stopped.
pub struct Monitor {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    forward: JoinHandle<()>,
    dispatcher: Arc<Dispatcher>,
    events: broadcast::Sender<AlertEvent>,
    _lock: MonitorLock,
}

impl Monitor {
    /// Starts monitoring `engine`'s market updates. The first update after
    /// start evaluates every enabled rule; deliveries left pending by an
    /// earlier run are attempted at once.
    pub fn start(
        engine: Arc<Engine>,
        lock: MonitorLock,
        notifier: Arc<dyn Notifier>,
        mailer: Arc<Mailer>,
    ) -> Monitor {
        let (stop, stopped) = watch::channel(false);
        let (events, _) = broadcast::channel(256);
        let (deliveries, mut delivery_rx) = broadcast::channel(256);
        let dispatcher = Arc::new(Dispatcher::spawn(
            engine.store.clone(),
            notifier,
            mailer,
            deliveries,
            stopped.clone(),
        ));
        let forward = {
            let events = events.clone();
            tokio::spawn(async move {
                while let Ok(d) = delivery_rx.recv().await {
                    let _ = events.send(AlertEvent::Delivery(d));
                }
            })
        };
        let task = {
            let (dispatcher, sender, watching) =
                (dispatcher.clone(), events.clone(), stopped.clone());
            tokio::spawn(supervise(
                move || {
                    run(
                        engine.clone(),
                        dispatcher.clone(),
                        sender.clone(),
                        watching.clone(),
                    )
                },
                events.clone(),
                stopped,
                FIRST_RESTART,
            ))
        };
        Monitor {
            stop,
            task,
            forward,
            dispatcher,
            events,
            _lock: lock,
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<AlertEvent> {
        self.events.subscribe()
    }

    /// Stops evaluating and delivering (an attempt under way finishes) and
    /// releases the lock.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        if let Ok(d) = Arc::try_unwrap(self.dispatcher) {
            d.join().await;
        }
        self.forward.abort();
    }
}

/// The first wait before a stopped monitor is restarted; it doubles up to
/// [`MAX_RESTART`] while it keeps stopping, and starts over once a run has
/// lasted [`STABLE_RUN`].
const FIRST_RESTART: Duration = Duration::from_secs(1);
const MAX_RESTART: Duration = Duration::from_secs(5 * 60);
const STABLE_RUN: Duration = Duration::from_secs(10 * 60);

/// Runs the task `start` makes until `stopped`. A run that ends otherwise —
/// a panic, which no input should cause but a bug could — is logged, told
/// to front ends and started again after a back-off, so alerts are never
/// silently unwatched while the window says "active".
async fn supervise<F, Fut>(
    mut start: F,
    events: broadcast::Sender<AlertEvent>,
    mut stopped: watch::Receiver<bool>,
    first_delay: Duration,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut delay = first_delay;
    loop {
        let began = Instant::now();
        let ended = tokio::spawn(start()).await;
        if *stopped.borrow() {
            return;
        }
        let reason = match ended {
            Err(e) if e.is_panic() => {
                let panic = e.into_panic();
                panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "it panicked".into())
            }
            Err(e) => e.to_string(),
            Ok(()) => "it ended unexpectedly".into(),
        };
        if began.elapsed() >= STABLE_RUN {
            delay = first_delay;
        }
        tracing::error!(
            reason,
            retry_in_secs = delay.as_secs(),
            "the alert monitor stopped; restarting it"
        );
        let _ = events.send(AlertEvent::Restarting {
            reason,
            retry_in_secs: delay.as_secs().max(1),
        });
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = stopped.changed() => return,
        }
        delay = (delay * 2).min(MAX_RESTART);
        tracing::info!("the alert monitor restarted");
        let _ = events.send(AlertEvent::Restarted);
    }
}

/// Streamed prices are evaluated at most this often (all that came
/// meanwhile at once), so a flood of ticks costs a bounded number of runs.
const TICK_BATCH: Duration = Duration::from_millis(50);

async fn run(
    engine: Arc<Engine>,
    dispatcher: Arc<Dispatcher>,
    events: broadcast::Sender<AlertEvent>,
    mut stopped: watch::Receiver<bool>,
) {
    let mut updates = engine.market.subscribe();
    let mut ticks = engine.market.subscribe_ticks();
    let mut book = Book::default();
    let mut streamed: HashMap<(String, String), PriceTick> = HashMap::new();
    let mut next_batch = tokio::time::Instant::now();
    loop {
        let fired = tokio::select! {
            e = updates.recv() => match e {
                Ok(MarketEvent::Updated(snap)) => {
                    let span = tracing::info_span!("alerts", coins = snap.quotes.len());
                    book.on_update(&engine, &snap, true).instrument(span).await
                }
                Ok(MarketEvent::Failed { .. }) => continue,
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(
                        skipped = n,
                        "the alert monitor fell behind; skipped updates"
                    );
                    continue;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            t = ticks.recv() => {
                // A lagging receiver skips to the newest ticks: each is a whole price.
                if let Ok(t) = t {
                    streamed.insert((t.coin_id.clone(), t.currency.clone()), t);
                }
                continue;
            }
            _ = tokio::time::sleep_until(next_batch), if !streamed.is_empty() => {
                next_batch = tokio::time::Instant::now() + TICK_BATCH;
                let mut fired = Vec::new();
                for snap in streamed_snapshots(&engine.market, std::mem::take(&mut streamed)) {
                    let span = tracing::info_span!("alerts", coins = snap.quotes.len(), streamed = true);
                    fired.extend(book.on_update(&engine, &snap, false).instrument(span).await);
                }
                fired
            }
            _ = stopped.changed() => return,
        };
        if !fired.is_empty() {
            dispatcher.wake();
            for f in fired {
                let _ = events.send(AlertEvent::Fired(Box::new(f)));
            }
        }
    }
}

/// Streamed prices as updates: each coin's latest quote as the market
/// applied the tick to it, one snapshot per currency. A coin no refresh
/// has quoted yet waits for one (its rules need the rest of the quote).
fn streamed_snapshots<P: crate::provider::PriceProvider>(
    market: &crate::market::Market<P>,
    ticks: HashMap<(String, String), PriceTick>,
) -> Vec<Snapshot> {
    let mut by_currency: HashMap<String, Vec<Quote>> = HashMap::new();
    for (coin, currency) in ticks.into_keys() {
        if let Some(q) = market.latest_quote(&coin, &currency) {
            by_currency.entry(currency).or_default().push(q);
        }
    }
    by_currency
        .into_iter()
        .map(|(currency, quotes)| Snapshot {
            request: crate::model::QuoteRequest {
                selection: crate::model::Selection::Coins(
                    quotes.iter().map(|q| q.coin_id.clone()).collect(),
                ),
                currency: currency.clone(),
            },
            source: "stream",
            currency,
            quotes,
            fetched_at: chrono::Utc::now(),
        })
        .collect()
}

/// The rule book and the revision of the rules it was loaded at.
#[derive(Default)]
struct Book {
    rules: RuleBook,
    rev: Option<i64>,
}

impl Book {
    /// Evaluates one update and records its outcome; returns the firings
    /// that were recorded. Portfolio rules are read at refreshes only
    /// (`portfolios`), not at every streamed price.
    async fn on_update(
        &mut self,
        engine: &Engine,
        snap: &Snapshot,
        portfolios: bool,
    ) -> Vec<Firing> {
        let store = &engine.store;
        if let Err(e) = self.reload_if_changed(store) {
            tracing::error!(error = %e, "cannot load alert rules");
            return Vec::new();
        }
        let now = now_ms();
        let sources = &engine.market.sources().book;
        let others = |coin: &str, currency: &str, secs: u32| {
            sources.recent_prices(coin, currency, Duration::from_secs(u64::from(secs)))
        };
        let mut out = self.rules.evaluate_with(&snap.quotes, now, &others);
        // Portfolio rules read the holdings at the prices this update stored.
        let wanted = if portfolios {
            self.rules.portfolios_wanted(&snap.currency)
        } else {
            Vec::new()
        };
        for portfolio in wanted {
            match portfolio_reading(store.clone(), portfolio, &snap.currency).await {
                Ok(reading) => {
                    let more = self.rules.evaluate_portfolio(&reading, now);
                    out.fired.extend(more.fired);
                    out.changed.extend(more.changed);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot value a portfolio for its alert rules")
                }
            }
        }
        if out.is_empty() {
            return Vec::new();
        }
        // A rule edited since it was loaded keeps the edit: its state and
        // its firing are dropped, and the book reloads.
        let recorded = store.write(|tx| {
            let mut stale = Vec::new();
            for r in &out.changed {
                if !queries::alerts::save_state(tx, r)? {
                    stale.push(r.id);
                }
            }
            let mut fired = Vec::new();
            for f in out.fired {
                if !stale.contains(&f.rule_id) {
                    queries::alerts::insert_firing(tx, &f)?;
                    fired.push(f);
                }
            }
            Ok((fired, stale))
        });
        match recorded {
            Ok((fired, stale)) => {
                if !stale.is_empty() {
                    tracing::info!(rules = ?stale, "alert rules changed while evaluated; reloading them");
                    self.rev = None;
                }
                for f in &fired {
                    tracing::info!(
                        key = %f.key, coin = %f.coin_id, price = %f.price, level = %f.level,
                        "alert fired: {}", f.headline()
                    );
                }
                fired
            }
            Err(e) => {
                // Nothing was recorded: reload the stored state, so the
                // next update sees the same crossings again.
                tracing::error!(error = %e, "cannot record alert firings; they will be retried");
                self.rev = None;
                Vec::new()
            }
        }
    }

    fn reload_if_changed(&mut self, store: &Store) -> Result<(), StoreError> {
        let rev = store.read(queries::alerts::rules_rev)?;
        if self.rev == Some(rev) {
            return Ok(());
        }
        let mut rules = RuleBook::new(store.read(queries::alerts::rules)?);
        let now = now_ms() / 1000;
        for (currency, coin, span) in rules.windows_wanted() {
            let points = store.read(|c| stored_prices(c, &coin, &currency, now - span, now))?;
            rules.seed(&currency, &coin, &points);
        }
        tracing::debug!(rules = rules.len(), rev, "alert rules loaded");
        self.rules = rules;
        self.rev = Some(rev);
        Ok(())
    }
}

/// The holdings of `portfolio` (all when `None`) in `currency`, by each
/// portfolio's method, as portfolio rules read them: the portfolio's
/// domain, read from the store on a blocking thread.
async fn portfolio_reading(
    store: Arc<Store>,
    portfolio: Option<String>,
    currency: &str,
) -> Result<PortfolioReading, String> {
    let (name, reporting) = (portfolio.clone(), currency.to_string());
    let read = tokio::task::spawn_blocking(move || {
        store.read(|c| {
            let only = match name.as_deref().map(str::trim) {
                Some(n) => match queries::portfolio::find(c, n)? {
                    Some(p) => Some(p),
                    None => return Ok(Err(format!("no portfolio named '{n}'"))),
                },
                None => None,
            };
            let h = holdings::read(c, only.as_ref(), None, &reporting)?;
            Ok(h.map_err(|r| r.to_string()))
        })
    })
    .await
    .map_err(|e| e.to_string())?;
    let h = read.map_err(|e| e.to_string())??;
    let priced = h
        .holdings
        .iter()
        .all(|x| x.quantity.is_zero() || x.market_value.is_some());
    Ok(PortfolioReading {
        portfolio,
        currency: h.currency,
        total: priced.then_some(h.totals.market_value),
        holdings: h
            .holdings
            .into_iter()
            .map(|x| HoldingReading {
                coin: x.coin,
                name: x.name,
                symbol: x.symbol,
                cost_basis: x.cost_basis,
                market_value: x.market_value,
            })
            .collect(),
    })
}

/// The stored prices of a coin from `from` to `to` (unix seconds), oldest
/// first, to seed its rules' window with.
///
/// Raw points are the detail, but they are kept 7 days, and a backfill
/// writes only candles, while an anomaly rule reads up to 97 days (a 7-day
/// window and a 90-day lookback). So where the raw points do not reach back
/// to `from`, the part before the first of them comes from the candles: at
/// most [`MAX_POINTS`] closes at the finest detail stored (not a chart's
/// equal buckets, which would cut the hourly months in days where a daily
/// stretch came before them), but no finer than 5 minutes (5-minute
/// candles up to about 83 days, hours beyond). A close is placed at the
/// last moment it can have happened (the end of its group), never
/// earlier: a window never sees a price before its time, at worst one
/// step late. A group reaching the first raw point is
/// left out; the raw points hold it. On such coarse old data most short
/// windows have no price of their own, and those add no sample to the
/// anomaly statistic (`analytics::anomaly`) rather than a false 0 %.
fn stored_prices(
    conn: &rusqlite::Connection,
    coin: &str,
    currency: &str,
    from: i64,
    to: i64,
) -> rusqlite::Result<Vec<(i64, Decimal)>> {
    let raw: Vec<(i64, Decimal)> = queries::history::range(conn, coin, currency, from, to)?
        .into_iter()
        .map(|p| (p.ts, p.price))
        .collect();
    let raw_from = raw.first().map_or(to + 1, |&(t, _)| t);
    if raw_from <= from {
        return Ok(raw);
    }
    let Some(series) = queries::candles::find_series(conn, coin, currency)? else {
        return Ok(raw);
    };
    // No finer than 5 minutes: minute candles are dropped with the raw
    // points, so where those are gone, so are they.
    let max_points = u32::try_from((raw_from - from) / Resolution::FiveMinutes.secs())
        .unwrap_or(MAX_POINTS)
        .clamp(1, MAX_POINTS);
    let (buckets, candles) =
        queries::candles::detail(conn, series, from, raw_from - 1, max_points)?;
    let mut points: Vec<(i64, Decimal)> = candles
        .into_iter()
        .filter_map(|c| {
            // The group's last moment: it is stamped at its start.
            let at = c.t.div_euclid(1000) + buckets.step - 1;
            (at < raw_from).then_some((at, c.close))
        })
        .collect();
    points.extend(raw);
    Ok(points)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[test]
    fn a_window_beyond_the_raw_points_is_seeded_from_candles_never_ahead_of_time() {
        use crate::model::HistoryPoint;
        use crate::store::queries::candles::{Bar, merge, series_id};
        const DAY: i64 = 86_400;
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("db.sqlite3")).expect("store");
        let now = 1_800_000_000;
        let raw_from = now - 7 * DAY;
        // Every price is its own time, so each seeded price says when it
        // happened. A backfill's 5-minute points before the raw week, the
        // raw week after (written as a refresh writes: raw and candles).
        let price = |t: i64| Decimal::from(t);
        store
            .write(|tx| {
                let series = series_id(tx, "solana", "usd")?;
                let old: Vec<Bar> = (raw_from - 40 * DAY..raw_from)
                    .step_by(300)
                    .map(|t| Bar::point(t, price(t), None))
                    .collect();
                merge(tx, series, &old)?;
                let raw: Vec<HistoryPoint> = (raw_from..=now)
                    .step_by(300)
                    .map(|t| HistoryPoint {
                        coin_id: "solana".into(),
                        currency: "usd".into(),
                        ts: t,
                        price: price(t),
                        volume: None,
                        market_cap: None,
                    })
                    .collect();
                queries::history::insert(tx, &raw)?;
                let bars: Vec<Bar> = raw
                    .iter()
                    .map(|p| Bar::point(p.ts, p.price, None))
                    .collect();
                merge(tx, series, &bars)
            })
            .expect("seed");

        // A 1h window against 30 days.
        let from = now - 30 * DAY - 3600;
        let points = store
            .read(|c| stored_prices(c, "solana", "usd", from, now))
            .expect("prices");
        assert!(points.windows(2).all(|w| w[0].0 < w[1].0), "ascending");
        let (old, raw): (Vec<_>, Vec<_>) = points.iter().partition(|&&(t, _)| t < raw_from);
        assert_eq!(raw.len(), 7 * 288 + 1, "every raw point");
        assert!(raw.iter().all(|&&(t, p)| p == price(t)));
        assert!(
            old.len() > 1000 && old.len() <= MAX_POINTS as usize,
            "{} closes",
            old.len()
        );
        for &&(at, close) in &old {
            let happened = i64::try_from(close).expect("a time");
            assert!(happened <= at, "a close placed before it happened: {at}");
            assert!(at - happened < 2 * 3600, "placed {}s late", at - happened);
            assert!(happened >= from - 3600);
        }
        assert!(
            old[0].0 < from + 3600,
            "the candles reach back to the start"
        );

        // A window the raw points cover reads them alone.
        let from = now - 2 * DAY;
        let points = store
            .read(|c| stored_prices(c, "solana", "usd", from, now))
            .expect("prices");
        assert_eq!(points.first().map(|p| p.0), Some(from));
        assert_eq!(points.len(), 2 * 288 + 1);
    }

    #[tokio::test]
    async fn a_monitor_that_panics_is_told_and_restarted() {
        let (events, mut rx) = broadcast::channel(16);
        let (stop, stopped) = watch::channel(false);
        let runs = Arc::new(AtomicU32::new(0));
        let task = {
            let runs = runs.clone();
            let watching = stopped.clone();
            tokio::spawn(supervise(
                move || {
                    let n = runs.fetch_add(1, Ordering::SeqCst);
                    let mut stopped = watching.clone();
                    async move {
                        if n == 0 {
                            panic!("attempt to add with overflow");
                        }
                        let _ = stopped.changed().await;
                    }
                },
                events,
                stopped,
                Duration::from_millis(10),
            ))
        };
        match rx.recv().await.expect("an event") {
            AlertEvent::Restarting { reason, .. } => {
                assert_eq!(reason, "attempt to add with overflow")
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(rx.recv().await, Ok(AlertEvent::Restarted)));
        while runs.load(Ordering::SeqCst) < 2 {
            tokio::task::yield_now().await;
        }
        let _ = stop.send(true);
        task.await.expect("the supervisor ends when stopped");
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }
}
