//! `/api/v1/stream`: the WebSocket a browser or a script keeps open for
//! live prices, firings, refresh status and source health.
//!
//! Every client reads the feed (feed.rs) from a broadcast channel: its
//! bounded queue. A client that falls a queue behind, or
//! whose socket takes too long to take a message, is closed with a
//! reason; the feed never waits for anyone.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use coinlytics_engine::model::access::{TokenHash, TokenInfo};

use crate::ctx::Ctx;
use crate::feed::Topic;
use crate::limit::Wait;

/// How long one message may take to leave for a client.
const SEND_WITHIN: Duration = Duration::from_secs(10);
/// How long the closing frame may wait for a client that stopped reading:
/// it gets the reason if it reads again within this.
const CLOSE_WITHIN: Duration = Duration::from_secs(30);
/// How long a client has to authenticate.
const AUTH_WITHIN: Duration = Duration::from_secs(10);
/// How often the server pings, and checks the token is still valid.
const PING_EVERY: Duration = Duration::from_secs(20);
/// The largest message a client may send.
const MAX_CLIENT_MESSAGE: usize = 16 * 1024;
/// Each client's read buffer. tungstenite's default, 128 KiB, is zeroed
/// on every read and so all resident: 140 MiB for 1,000 clients
/// (BENCHMARKS.md). What a client sends is small (auth, subscribe).
const READ_BUFFER: usize = 4 * 1024;

/// What a client sends.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum ClientMessage {
    Auth { token: String },
    Subscribe { topics: Vec<Topic> },
}

/// How a client proved who it is.
enum Credential {
    /// A token it sent (the header, or its first message).
    Token(String),
    /// Its browser session's token.
    Session(TokenHash),
}

impl Credential {
    fn check(
        &self,
        engine: &coinlytics_engine::Engine,
    ) -> Result<TokenInfo, coinlytics_engine::Error> {
        match self {
            Credential::Token(t) => engine.api_token_check(t, false),
            Credential::Session(h) => engine.api_token_check_hash(h, false),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/stream", tag = "stream",
    description = "A WebSocket. Authenticate with the header, the session cookie (from this server's pages only), or a first message `{\"type\":\"auth\",\"token\":…}`; subscribe with `{\"type\":\"subscribe\",\"topics\":[\"prices\",\"firings\",\"status\",\"sources\",\"backfill\"]}`. Messages are `{kind, payload}`: market, ticks, alert, status, sources, backfill. Closed with 4401 (no valid token), 4400 (a message it does not take), 4408 (too slow), 1001 (stopping).",
    responses((status = 101, description = "switching to the WebSocket protocol")))]
/// The upgrade. A token in the Authorization header, or the session
/// cookie of one of this server's own pages, authenticates at once;
/// otherwise the first message must be `{"type":"auth","token":…}`.
pub async fn stream(
    State(ctx): State<Ctx>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(crate::guard::bearer)
        .map(|t| Credential::Token(t.to_string()))
        .or_else(|| {
            // A page of another site may open a WebSocket here and the
            // browser would send the cookie: only our own pages' count.
            crate::guard::same_origin(&headers, ctx.secure)
                .then(|| ctx.sessions.token_of(&headers))
                .flatten()
                .map(Credential::Session)
        });
    ws.max_message_size(MAX_CLIENT_MESSAGE)
        .read_buffer_size(READ_BUFFER)
        .on_upgrade(move |socket| client(ctx, socket, peer.ip(), presented))
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

async fn client(ctx: Ctx, mut socket: WebSocket, ip: IpAddr, presented: Option<Credential>) {
    if let Err(Wait(secs)) = ctx.limits.may_try(ip) {
        let reason = format!("too many bad tokens from this address; try again in {secs} s");
        return close(socket, CLOSE_UNAUTHORIZED, &reason).await;
    }
    let presented = match presented {
        Some(credential) => credential,
        None => match tokio::time::timeout(AUTH_WITHIN, first_text(&mut socket)).await {
            Ok(Some(text)) => match serde_json::from_str::<ClientMessage>(&text) {
                Ok(ClientMessage::Auth { token }) => Credential::Token(token),
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
    let token = match presented.check(&ctx.engine) {
        Ok(t) => t,
        Err(e) => {
            // Guessing over a WebSocket counts as over HTTP.
            let _ = ctx.limits.failed(ip);
            return close(socket, CLOSE_UNAUTHORIZED, &e.to_string()).await;
        }
    };
    let _open = ctx.streams.clone();
    let mut stopping = ctx.stopping.clone();
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
            _ = async { drop(stopping.wait_for(|s| *s).await) } => {
                return close(socket, 1001, "the server is stopping").await;
            }
            _ = ping.tick() => {
                // A revoked or expired token ends its streams too.
                if let Err(e) = presented.check(&ctx.engine) {
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
