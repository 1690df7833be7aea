//! The refresher: a task that refreshes the market at the configured
//! interval until told to stop. What it refreshes (the watchlist, or the top
//! coins) is asked anew each time, so watchlist edits take effect at the next
//! tick without restarting it.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::Engine;
use crate::model::{QuoteRequest, Selection};
use crate::provider::exchange::Exchange;
use crate::sources::Source;
use crate::sources::stream::{StreamUrls, Streams, Wanted};

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

/// The live streams of one front end and the task that feeds them.
pub struct StreamsHandle {
    streams: Streams,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl StreamsHandle {
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        self.streams.stop().await;
    }
}

/// How often the coins to stream are asked anew (a watchlist edit reaches
/// the streams within this), and streamed prices written.
const STREAM_WANTS_EVERY: Duration = Duration::from_secs(5);
const STREAM_WRITES_EVERY: Duration = Duration::from_secs(1);

/// Streams the coins of `requests` (the same as the refresher's) from
/// every exchange that is on, if `streaming` is (or `force`); writes the
/// streamed prices each second. `None` when nothing would stream.
pub fn spawn_streams(
    engine: Arc<Engine>,
    force: bool,
    requests: impl Fn(&Engine) -> crate::Result<Vec<QuoteRequest>> + Send + 'static,
) -> Option<StreamsHandle> {
    let s = engine.settings();
    let exchanges: Vec<Exchange> = Exchange::ALL
        .into_iter()
        .filter(|e| s.sources.iter().any(|k| k == Source::from(*e).key()))
        .collect();
    if !(s.streaming || force) || exchanges.is_empty() {
        return None;
    }
    let urls = StreamUrls {
        binance: s.binance_ws_url.clone(),
        kraken: s.kraken_ws_url.clone(),
        coinbase: s.coinbase_ws_url.clone(),
    };
    let streams = Streams::spawn(engine.market.clone(), &exchanges, &urls);
    let wanted = streams.sender();
    let (stop, mut stopped) = watch::channel(false);
    let task = tokio::spawn(async move {
        let mut writes = tokio::time::interval(STREAM_WRITES_EVERY);
        let mut wants = tokio::time::interval(STREAM_WANTS_EVERY);
        loop {
            tokio::select! {
                _ = wants.tick() => match requests(&engine) {
                    Ok(reqs) => {
                        let _ = wanted.send_if_modified(|w| {
                            let new = streamed_coins(&reqs);
                            let changed = *w != new;
                            *w = new;
                            changed
                        });
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot read the coins to stream"),
                },
                _ = writes.tick() => {
                    if let Err(e) = engine.market.flush_ticks() {
                        tracing::warn!(error = %e, "cannot store streamed prices; kept for the next try");
                    }
                }
                _ = stopped.changed() => break,
            }
        }
        let _ = engine.market.flush_ticks();
    });
    Some(StreamsHandle {
        streams,
        stop,
        task,
    })
}

/// The coins of the requests that name coins (not a "top N" view).
fn streamed_coins(reqs: &[QuoteRequest]) -> Wanted {
    let mut out = Wanted::new();
    for r in reqs {
        if let Selection::Coins(ids) = &r.selection {
            out.extend(ids.iter().map(|id| (id.clone(), r.currency.clone())));
        }
    }
    out
}
