//! The alert monitor: a task subscribed to the market's updates. On each
//! update it runs the rule book, writes the firings and the rules' new state
//! in one transaction, and only then wakes the dispatcher. Rules edited by
//! any process are picked up at the next update (a revision counter in
//! SQLite says when).

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

use super::dispatch::{DeliveryEvent, Dispatcher};
use super::email::Mailer;
use super::evaluate::RuleBook;
use super::lock::MonitorLock;
use super::notify::Notifier;
use super::now_ms;
use crate::Engine;
use crate::market::{MarketEvent, Snapshot};
use crate::model::alert::Firing;
use crate::store::{Store, StoreError, queries};

/// What the monitor tells front ends (the window, the tray, logs).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AlertEvent {
    Fired(Firing),
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

async fn run(
    engine: Arc<Engine>,
    dispatcher: Arc<Dispatcher>,
    events: broadcast::Sender<AlertEvent>,
    mut stopped: watch::Receiver<bool>,
) {
    let mut updates = engine.market.subscribe();
    let store = engine.store.clone();
    let mut book = Book::default();
    loop {
        let event = tokio::select! {
            e = updates.recv() => e,
            _ = stopped.changed() => return,
        };
        match event {
            Ok(MarketEvent::Updated(snap)) => {
                let span = tracing::info_span!("alerts", coins = snap.quotes.len());
                let fired = span.in_scope(|| book.on_update(&store, &snap));
                if !fired.is_empty() {
                    dispatcher.wake();
                    for f in fired {
                        let _ = events.send(AlertEvent::Fired(f));
                    }
                }
            }
            Ok(MarketEvent::Failed { .. }) => {}
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(
                    skipped = n,
                    "the alert monitor fell behind; skipped updates"
                );
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// The rule book and the revision of the rules it was loaded at.
#[derive(Default)]
struct Book {
    rules: RuleBook,
    rev: Option<i64>,
}

impl Book {
    /// Evaluates one update and records its outcome; returns the firings
    /// that were recorded.
    fn on_update(&mut self, store: &Store, snap: &Snapshot) -> Vec<Firing> {
        if let Err(e) = self.reload_if_changed(store) {
            tracing::error!(error = %e, "cannot load alert rules");
            return Vec::new();
        }
        let out = self.rules.evaluate(&snap.quotes, now_ms());
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
            let points =
                store.read(|c| queries::history::range(c, &coin, &currency, now - span, now))?;
            let points: Vec<_> = points.into_iter().map(|p| (p.ts, p.price)).collect();
            rules.seed(&currency, &coin, &points);
        }
        tracing::debug!(rules = rules.len(), rev, "alert rules loaded");
        self.rules = rules;
        self.rev = Some(rev);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

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
