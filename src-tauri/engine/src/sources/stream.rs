//! Live exchange streams: one task per exchange that is on, subscribed to
//! the pairs of the coins wanted (the watchlist, the alert rules' coins).
//! Each message's ticks go to a [`TickSink`] (the market, which chooses
//! the price to show and publishes it at once). A stream that ends,
//! errs or says nothing for [`STALE_AFTER`] is opened again after a short
//! back-off with jitter and subscribed anew; one refused for the region
//! (HTTP 451) is left off for the run. REST polling goes on beside it, so
//! prices keep coming while a stream is down.

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use chrono::Utc;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::{self, Message};

use super::{Source, SourceBook, SourceState};
use crate::provider::exchange::Tick;
use crate::provider::exchange::{self, Exchange, Frame, Pair, StreamPlan};

/// A stream that sends nothing for this long is stale: every exchange
/// here sends something each second (Binance its tickers, Kraken and
/// Coinbase heartbeats).
pub const STALE_AFTER: Duration = Duration::from_secs(10);
/// No connection attempt takes longer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Kraken's application ping, when the stream is quiet.
const PING_EVERY: Duration = Duration::from_secs(5);
/// Reconnection waits double from this…
const FIRST_RETRY: Duration = Duration::from_millis(200);
/// …up to this, plus up to [`JITTER`]: a server that comes back is
/// streamed from again within 2 s.
const MAX_RETRY: Duration = Duration::from_millis(1500);
const JITTER: Duration = Duration::from_millis(400);

/// The coins to stream, per currency.
pub type Wanted = BTreeSet<(String, String)>;

/// Where each exchange streams.
#[derive(Debug, Clone)]
pub struct StreamUrls {
    pub binance: String,
    pub kraken: String,
    pub coinbase: String,
}

impl StreamUrls {
    fn of(&self, e: Exchange) -> &str {
        match e {
            Exchange::Binance => &self.binance,
            Exchange::Kraken => &self.kraken,
            Exchange::Coinbase => &self.coinbase,
        }
    }
}

/// Where the streams' ticks go, and the book their health is kept in: the
/// market. A trait, so that the streams sit below the market that owns them.
pub trait TickSink: Send + Sync + 'static {
    /// The book each source's health is written to.
    fn book(&self) -> &SourceBook;
    /// Takes one streamed tick.
    fn take(&self, tick: &Tick);
}

/// The running streams; stopped when dropped or by [`Streams::stop`].
pub struct Streams {
    wanted: watch::Sender<Wanted>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Streams {
    /// Starts one task per exchange in `exchanges`, streaming nothing
    /// until [`Streams::want`] names coins.
    pub fn spawn<S: TickSink>(sink: Arc<S>, exchanges: &[Exchange], urls: &StreamUrls) -> Streams {
        let (wanted, wanted_rx) = watch::channel(Wanted::new());
        let (stop, stop_rx) = watch::channel(false);
        let tasks = exchanges
            .iter()
            .map(|&e| {
                let task = run(
                    sink.clone(),
                    e,
                    urls.of(e).trim_end_matches('/').to_string(),
                    wanted_rx.clone(),
                    stop_rx.clone(),
                );
                tokio::spawn(task)
            })
            .collect();
        Streams {
            wanted,
            stop,
            tasks,
        }
    }

    /// Where to say which coins to stream; the streams resubscribe when
    /// the set changes.
    pub fn sender(&self) -> watch::Sender<Wanted> {
        self.wanted.clone()
    }

    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

/// The pairs of `exchange` for `wanted`, with tether's dollar price where
/// a dollar stablecoin converts another pair.
fn pairs_for(exchange: Exchange, wanted: &Wanted) -> Vec<Pair> {
    let mut by_currency: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for (coin, currency) in wanted {
        by_currency.entry(currency).or_default().push(coin.clone());
    }
    let mut out = Vec::new();
    for (currency, mut coins) in by_currency {
        if currency == "usd" && !coins.iter().any(|c| c == "tether") {
            coins.push("tether".into());
        }
        out.extend(exchange::pairs(exchange, &coins, currency));
    }
    out
}

/// How a stream session ended.
enum Ended {
    /// The exchange refuses this region: stay off.
    Blocked(String),
    /// Closed, failed or stale; `streamed` if ticks came before.
    Dropped { why: String, streamed: bool },
}

async fn run<S: TickSink>(
    sink: Arc<S>,
    exchange: Exchange,
    url: String,
    mut wanted: watch::Receiver<Wanted>,
    mut stop: watch::Receiver<bool>,
) {
    let source = Source::from(exchange);
    let book = sink.book();
    let mut failures = 0u32;
    loop {
        let pairs = pairs_for(exchange, &wanted.borrow_and_update());
        if pairs.is_empty() {
            tokio::select! {
                r = wanted.changed() => if r.is_err() { return },
                _ = stop.changed() => return,
            }
            continue;
        }
        let plan = exchange::stream_plan(exchange, &url, &pairs);
        let span = tracing::info_span!("stream", source = source.name(), pairs = pairs.len());
        let ended = tokio::select! {
            ended = tracing::Instrument::instrument(session(sink.as_ref(), exchange, &plan, &pairs), span) => ended,
            // Other coins: subscribe anew, at once.
            r = wanted.changed() => {
                if r.is_err() { return }
                failures = 0;
                continue;
            }
            _ = stop.changed() => return,
        };
        match ended {
            Ended::Blocked(why) => {
                tracing::warn!(source = source.name(), %why, "stream refused for this region; not retried");
                book.failed(source, SourceState::Blocked, &why);
                let _ = stop.changed().await;
                return;
            }
            Ended::Dropped { why, streamed } => {
                failures = if streamed { 1 } else { failures + 1 };
                tracing::info!(source = source.name(), %why, failures, "stream ended; reconnecting");
                book.failed(source, SourceState::BackingOff, &why);
                tokio::select! {
                    _ = tokio::time::sleep(retry_delay(failures)) => {}
                    _ = stop.changed() => return,
                }
            }
        }
    }
}

/// The wait before the `n`th attempt in a row: doubling, capped, jittered.
fn retry_delay(n: u32) -> Duration {
    let doubled = FIRST_RETRY.saturating_mul(1 << n.saturating_sub(1).min(8));
    let jitter = JITTER.mul_f64(rand::random::<f64>());
    doubled.min(MAX_RETRY) + jitter
}

async fn session<S: TickSink>(
    sink: &S,
    exchange: Exchange,
    plan: &StreamPlan,
    pairs: &[Pair],
) -> Ended {
    let source = Source::from(exchange);
    let book = sink.book();
    let mut ws = match connect(&plan.url).await {
        Ok(ws) => ws,
        Err(Refusal::Region(why)) => return Ended::Blocked(why),
        Err(Refusal::Other(why)) => {
            return Ended::Dropped {
                why,
                streamed: false,
            };
        }
    };
    for m in &plan.subscribe {
        if let Err(e) = ws.send(Message::text(m.clone())).await {
            return Ended::Dropped {
                why: format!("cannot subscribe: {e}"),
                streamed: false,
            };
        }
    }
    tracing::info!(url = %plan.url, "stream open");
    let mut streamed = false;
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.reset();
    loop {
        let next = tokio::select! {
            m = tokio::time::timeout(STALE_AFTER, ws.next()) => m,
            _ = ping.tick(), if plan.ping.is_some() => {
                let p = plan.ping.clone().unwrap_or_default();
                if ws.send(Message::text(p)).await.is_err() {
                    return Ended::Dropped { why: "cannot send a ping".into(), streamed };
                }
                continue;
            }
        };
        let message = match next {
            Err(_) => {
                return Ended::Dropped {
                    why: format!(
                        "silent for {} s: the stream is stale",
                        STALE_AFTER.as_secs()
                    ),
                    streamed,
                };
            }
            Ok(None) => {
                return Ended::Dropped {
                    why: "the exchange closed the stream".into(),
                    streamed,
                };
            }
            Ok(Some(Err(e))) => {
                return Ended::Dropped {
                    why: e.to_string(),
                    streamed,
                };
            }
            Ok(Some(Ok(m))) => m,
        };
        let text = match message {
            Message::Text(t) => t,
            Message::Close(frame) => {
                let why = frame.map_or("closed".to_string(), |f| {
                    format!("closed: {} {}", f.code, f.reason)
                });
                return Ended::Dropped { why, streamed };
            }
            // tungstenite answers pings itself; the pong goes out with the next write or flush.
            Message::Ping(_) => {
                let _ = ws.flush().await;
                continue;
            }
            _ => continue,
        };
        match exchange::parse_stream(exchange, &text, pairs, Utc::now()) {
            Ok(Frame::Ticks(ticks)) => {
                streamed = true;
                book.succeeded(source, SourceState::Streaming, None);
                for t in &ticks {
                    sink.take(t);
                }
            }
            Ok(Frame::Alive) => book.succeeded(source, SourceState::Streaming, None),
            Ok(Frame::Reply(r)) => {
                let _ = ws.send(Message::text(r)).await;
            }
            Ok(Frame::Refused(why)) => return Ended::Dropped { why, streamed },
            Err(e) => tracing::warn!(error = %e, "unreadable stream message; skipped"),
        }
    }
}

enum Refusal {
    Region(String),
    Other(String),
}

/// Anything a WebSocket can run over: TCP, or TLS over TCP.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Opens `url` (ws:// or wss://, TLS through rustls with the platform's
/// roots, as every other connection of the app).
async fn connect(url: &str) -> Result<WebSocketStream<Box<dyn Io>>, Refusal> {
    let other = |e: String| Refusal::Other(e);
    let parsed = reqwest::Url::parse(url).map_err(|e| other(format!("bad stream URL: {e}")))?;
    let host = parsed
        .host_str()
        .ok_or_else(|| other("no host".into()))?
        .to_string();
    let tls = parsed.scheme() == "wss";
    let port = parsed.port().unwrap_or(if tls { 443 } else { 80 });
    let open = async {
        let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| other(format!("cannot connect: {e}")))?;
        let _ = tcp.set_nodelay(true);
        let io: Box<dyn Io> = if tls {
            let name = rustls::pki_types::ServerName::try_from(host.clone())
                .map_err(|e| other(format!("bad host name: {e}")))?;
            let stream = tls_connector()
                .map_err(|e| other(format!("TLS set-up: {e}")))?
                .connect(name, tcp)
                .await
                .map_err(|e| other(format!("TLS: {e}")))?;
            Box::new(stream)
        } else {
            Box::new(tcp)
        };
        match tokio_tungstenite::client_async(url, io).await {
            Ok((ws, _)) => Ok(ws),
            Err(tungstenite::Error::Http(resp)) => {
                let status = resp.status().as_u16();
                let body = resp
                    .body()
                    .as_deref()
                    .map(|b| {
                        String::from_utf8_lossy(b)
                            .chars()
                            .take(200)
                            .collect::<String>()
                    })
                    .unwrap_or_default();
                let why = format!("HTTP {status}: {}", body.trim());
                Err(if status == 451 {
                    Refusal::Region(why)
                } else {
                    other(why)
                })
            }
            Err(e) => Err(other(e.to_string())),
        }
    };
    tokio::time::timeout(CONNECT_TIMEOUT, open)
        .await
        .unwrap_or_else(|_| {
            Err(other(format!(
                "no connection within {} s",
                CONNECT_TIMEOUT.as_secs()
            )))
        })
}

/// The TLS client configuration, built once: loading the platform's roots
/// costs tens of milliseconds, and it holds nothing of the user's.
fn tls_connector() -> Result<tokio_rustls::TlsConnector, String> {
    static CONFIG: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        crate::provider::install_tls_provider();
        use rustls_platform_verifier::BuilderVerifierExt;
        rustls::ClientConfig::builder()
            .with_platform_verifier()
            .map(|b| Arc::new(b.with_no_client_auth()))
            .map_err(|e| e.to_string())
    });
    config.clone().map(tokio_rustls::TlsConnector::from)
}
