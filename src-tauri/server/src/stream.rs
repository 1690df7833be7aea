//! `/api/v1/stream`: the WebSocket a browser or a script keeps open for
//! live prices, firings, refresh status and source health.
//!
//! One feed task per server turns the engine's events into messages, each
//! serialized once, as `{"kind": …, "payload": …}` with the kinds and
//! payloads the window's events have (`market`, `ticks`, `alert`) plus
//! `status` and `sources`. Every client reads them from a broadcast
//! channel: its bounded queue. A client that falls a queue behind, or
//! whose socket takes too long to take a message, is closed with a
//! reason; the feed never waits for anyone.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use coinlytics_engine::Engine;
use coinlytics_engine::app::alerts::AlertEvent;
use coinlytics_engine::app::market::{MarketEvent, TickFrame};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::{self, error::RecvError};

use crate::Ctx;

/// How many messages wait for a client before it counts as too slow.
pub const QUEUE: usize = 256;
/// How long one message may take to leave for a client.
const SEND_WITHIN: Duration = Duration::from_secs(10);
/// How long the closing frame may wait for a client that stopped reading:
/// it gets the reason if it reads again within this.
const CLOSE_WITHIN: Duration = Duration::from_secs(30);
/// How long a client has to authenticate.
const AUTH_WITHIN: Duration = Duration::from_secs(10);
/// How often the server pings, and checks the token is still valid.
const PING_EVERY: Duration = Duration::from_secs(20);
/// Streamed prices are sent at most this often, the latest of each coin.
const TICK_FRAME: Duration = Duration::from_millis(250);
/// The largest message a client may send.
const MAX_CLIENT_MESSAGE: usize = 16 * 1024;

/// What a client may subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Topic {
    /// `market` (a refresh's quotes) and `ticks` (streamed prices).
    Prices,
    /// `alert`: each firing and delivery (where this process monitors).
    Firings,
    /// `status`: when prices were last fetched, or why not.
    Status,
    /// `sources`: each source's health, after each refresh.
    Sources,
}

impl Topic {
    const ALL: [Topic; 4] = [Topic::Prices, Topic::Firings, Topic::Status, Topic::Sources];

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// One message of the feed: its topic, and its text, made once for all.
#[derive(Clone)]
pub struct Item {
    topic: Topic,
    text: Utf8Bytes,
}

#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    kind: &'a str,
    payload: &'a T,
}

fn item<T: Serialize>(topic: Topic, kind: &str, payload: &T) -> Option<Item> {
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
                    send(item(Topic::Prices, "ticks", &frame.take()));
                }
                ev = async { alerts.as_mut()?.recv().await.ok() }, if alerts.is_some() => {
                    match ev {
                        Some(ev) => send(item(Topic::Firings, "alert", &ev)),
                        None => alerts = None,
                    }
                }
            }
        }
    });
    tx
}

/// What a client sends.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum ClientMessage {
    Auth { token: String },
    Subscribe { topics: Vec<Topic> },
}

/// The upgrade. A token in the Authorization header authenticates at
/// once; otherwise the first message must be `{"type":"auth","token":…}`.
pub async fn stream(State(ctx): State<Ctx>, headers: HeaderMap, ws: WebSocketUpgrade) -> Response {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(crate::guard::bearer)
        .map(str::to_string);
    ws.max_message_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| client(ctx, socket, presented))
}

/// Close codes in the range for applications (4000–4999).
const CLOSE_UNAUTHORIZED: u16 = 4401;
const CLOSE_BAD_MESSAGE: u16 = 4400;
const CLOSE_TOO_SLOW: u16 = 4408;

async fn close(mut socket: WebSocket, code: u16, reason: &str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = tokio::time::timeout(CLOSE_WITHIN, socket.send(Message::Close(Some(frame)))).await;
}

async fn client(ctx: Ctx, mut socket: WebSocket, presented: Option<String>) {
    let presented = match presented {
        Some(token) => token,
        None => match tokio::time::timeout(AUTH_WITHIN, first_text(&mut socket)).await {
            Ok(Some(text)) => match serde_json::from_str::<ClientMessage>(&text) {
                Ok(ClientMessage::Auth { token }) => token,
                _ => {
                    return close(
                        socket,
                        CLOSE_UNAUTHORIZED,
                        "the first message must be {\"type\":\"auth\",\"token\":…}",
                    )
                    .await;
                }
            },
            _ => return close(socket, CLOSE_UNAUTHORIZED, "no token within 10 s").await,
        },
    };
    let token = match ctx.engine.api_token_check(&presented, false) {
        Ok(t) => t,
        Err(e) => return close(socket, CLOSE_UNAUTHORIZED, &e.to_string()).await,
    };
    let mut feed = ctx.feed.subscribe();
    let mut topics: u8 = 0;
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            item = feed.recv() => match item {
                Ok(item) if topics & item.topic.bit() != 0 => {
                    match tokio::time::timeout(SEND_WITHIN, socket.send(Message::Text(item.text))).await {
                        Ok(Ok(())) => {}
                        Ok(Err(_)) => return,
                        Err(_) => {
                            tracing::warn!(token = %token.name, "closed a stream client too slow to read");
                            return close(socket, CLOSE_TOO_SLOW, "too slow: a message took over 10 s to leave").await;
                        }
                    }
                }
                Ok(_) => {}
                Err(RecvError::Lagged(n)) => {
                    tracing::warn!(token = %token.name, missed = n, "closed a stream client too slow to read");
                    return close(socket, CLOSE_TOO_SLOW, &format!("too slow: fell {n} messages behind")).await;
                }
                Err(RecvError::Closed) => return close(socket, 1001, "the server is stopping").await,
            },
            msg = socket.recv() => match msg {
                Some(Ok(Message::Text(text))) => match serde_json::from_str::<ClientMessage>(&text) {
                    Ok(ClientMessage::Subscribe { topics: wanted }) => {
                        topics = wanted.iter().fold(0, |bits, t| bits | t.bit());
                        let names: Vec<_> = Topic::ALL.iter().filter(|t| topics & t.bit() != 0).collect();
                        tracing::debug!(token = %token.name, ?names, "stream subscription");
                    }
                    Ok(ClientMessage::Auth { .. }) => {}
                    Err(e) => return close(socket, CLOSE_BAD_MESSAGE, &format!("not a message this stream takes: {e}")).await,
                },
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
            _ = ping.tick() => {
                // A revoked or expired token ends its streams too.
                if let Err(e) = ctx.engine.api_token_check(&presented, false) {
                    return close(socket, CLOSE_UNAUTHORIZED, &e.to_string()).await;
                }
                if tokio::time::timeout(SEND_WITHIN, socket.send(Message::Ping(Default::default()))).await.is_err() {
                    return close(socket, CLOSE_TOO_SLOW, "too slow: a ping took over 10 s to leave").await;
                }
            }
        }
    }
}

async fn first_text(socket: &mut WebSocket) -> Option<Utf8Bytes> {
    loop {
        match socket.recv().await? {
            Ok(Message::Text(text)) => return Some(text),
            Ok(Message::Ping(_) | Message::Pong(_)) => continue,
            _ => return None,
        }
    }
}
