//! The refresher: a task that refreshes the market at the configured
//! interval until told to stop. What it refreshes (the watchlist, or the top
//! coins) is asked anew each time, so watchlist edits take effect at the next
//! tick without restarting it.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::Engine;
use crate::model::QuoteRequest;

/// Stops the refresher when dropped or when [`RefresherHandle::stop`] is called.
/// How often a long-running app trims the event log and alert history.
const PRUNE_EVERY: Duration = Duration::from_secs(6 * 3600);

pub struct RefresherHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl RefresherHandle {
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Spawns the refresher on the current tokio runtime; `requests` says what
/// to refresh each time (e.g. [`Engine::refresh_requests`]). The first
/// refresh happens at once.
pub fn spawn(
    engine: Arc<Engine>,
    interval: Duration,
    requests: impl Fn(&Engine) -> crate::Result<Vec<QuoteRequest>> + Send + 'static,
) -> RefresherHandle {
    let (stop, mut stopped) = watch::channel(false);
    let task = tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut pruned: Option<std::time::Instant> = None;
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = stopped.changed() => break,
            }
            if pruned.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) {
                engine.prune();
                pruned = Some(std::time::Instant::now());
            }
            match requests(&engine) {
                // Failures are logged and published by the market itself.
                Ok(reqs) => {
                    for req in reqs {
                        let _ = engine.market.refresh(&req).await;
                    }
                }
                Err(e) => tracing::error!(error = %e, "cannot read the watchlist"),
            }
        }
    });
    RefresherHandle { stop, task }
}
