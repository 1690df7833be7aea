//! The stream's feed: the engine's events as messages, each serialized
//! once, as `{"kind": …, "payload": …}` with the kinds and payloads the
//! window's events have (`market`, `ticks`, `alert`, `backfill`) plus `status` and
//! `sources`, on a broadcast channel every stream client reads.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use coinlytics_engine::Engine;
use coinlytics_engine::app::alerts::AlertEvent;
use coinlytics_engine::app::market::{MarketEvent, TickFrame};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::{self, error::RecvError};

/// How many messages wait for a client before it counts as too slow.
pub const QUEUE: usize = 256;
/// Streamed prices are sent at most this often, the latest of each coin.
const TICK_FRAME: Duration = Duration::from_millis(250);

/// What a client may subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// `market` (a refresh's quotes) and `ticks` (streamed prices).
    Prices,
    /// `alert`: each firing and delivery (where this process monitors).
    Firings,
    /// `status`: when prices were last fetched, or why not.
    Status,
    /// `sources`: each source's health, after each refresh.
    Sources,
    /// `backfill`: the progress of a coin's backfill a page asked for.
    Backfill,
}

impl Topic {
    pub const ALL: [Topic; 5] = [
        Topic::Prices,
        Topic::Firings,
        Topic::Status,
        Topic::Sources,
        Topic::Backfill,
    ];

    pub fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// One message of the feed: its topic, and its text, made once for all.
#[derive(Clone)]
pub struct Item {
    pub topic: Topic,
    pub text: Utf8Bytes,
}

#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    kind: &'a str,
    payload: &'a T,
}

pub fn item<T: Serialize>(topic: Topic, kind: &str, payload: &T) -> Option<Item> {
    match serde_json::to_string(&Envelope { kind, payload }) {
        Ok(text) => Some(Item {
            topic,
            text: text.into(),
        }),
        Err(e) => {
            tracing::error!(kind, error = %e, "a stream message could not be made");
            None
        }
    }
}

#[derive(Serialize)]
struct Status {
    updated_at: Option<chrono::DateTime<chrono::Utc>>,
    failure: Option<String>,
}

/// Starts the feed: the engine's events, and the alert monitor's if this
/// process runs it, as messages on the returned channel.
pub fn spawn_feed(
    engine: Arc<Engine>,
    mut alerts: Option<broadcast::Receiver<AlertEvent>>,
) -> broadcast::Sender<Item> {
    let (tx, _) = broadcast::channel(QUEUE);
    let feed = tx.clone();
    let mut market = engine.subscribe();
    let mut ticks = engine.subscribe_ticks();
    tokio::spawn(async move {
        let mut frame = TickFrame::default();
        let mut every_frame = tokio::time::interval(TICK_FRAME);
        every_frame.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let send = |item: Option<Item>| {
            // No client listening is no error.
            if let Some(item) = item {
                let _ = feed.send(item);
            }
        };
        loop {
            tokio::select! {
                ev = market.recv() => match ev {
                    // With no stream open, nothing is made.
                    Ok(_) if feed.receiver_count() == 0 => {}
                    Ok(ev) => {
                        let ev = match ev {
                            MarketEvent::Updated(snap) => MarketEvent::Updated(Arc::new(snap.for_drawing())),
                            other => other,
                        };
                        send(item(Topic::Prices, "market", &ev));
                        let status = engine.refresh_status().ok();
                        if let Some(s) = status {
                            send(item(Topic::Status, "status", &Status { updated_at: s.updated_at, failure: s.failure }));
                        }
                        send(item(Topic::Sources, "sources", &engine.sources_report()));
                    }
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => break,
                },
                t = ticks.recv() => match t {
                    Ok(t) => frame.add(t),
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => break,
                },
                _ = every_frame.tick(), if !frame.is_empty() => {
                    let ticks = frame.take();
                    if feed.receiver_count() > 0 {
                        send(item(Topic::Prices, "ticks", &ticks));
                    }
                }
                ev = async {
                    match alerts.as_mut() {
                        Some(rx) => rx.recv().await,
                        None => std::future::pending().await,
                    }
                }, if alerts.is_some() => match ev {
                    Ok(ev) => send(item(Topic::Firings, "alert", &ev)),
                    // Behind is no reason to stop forwarding; only the monitor's end is.
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => alerts = None,
                }
            }
        }
    });
    tx
}
