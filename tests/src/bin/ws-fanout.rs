//! `ws-fanout`: many WebSocket clients of `coinlytics serve`'s
//! `/api/v1/stream` in one process, on one monotonic clock, for the
//! fan-out benchmark (tests/bench/serve-fanout.py).
//!
//! Every client connects with the token in the Authorization header,
//! subscribes to `prices`, and notes when each `ticks` message reached it
//! (the time taken as the message is read, before anything else is done
//! with it). The server makes each message once and sends the same text
//! to every client, so a frame is known by its text's hash. A frame's
//! fan-out latency to a client is its receive time minus the earliest
//! receive time of that frame over all clients (≈ when the server sent
//! it); to the last client: the most of those. Printed: the percentiles
//! of that per frame over the frames first seen in the measured window,
//! the frames any client missed, and how clients ended (a close code such
//! as 4408, too slow, with its reason). The last line on stdout is the
//! figures as JSON.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::sync::{Semaphore, watch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// WebSocket clients of /api/v1/stream, each subscribed to `prices`; the
/// fan-out latency of each `ticks` frame to the last client.
#[derive(Parser)]
struct Args {
    /// The stream's URL: ws://127.0.0.1:PORT/api/v1/stream
    #[arg(long)]
    url: String,
    /// An API token (`coinlytics api token create NAME`)
    #[arg(long, env = "COINLYTICS_TOKEN", hide_env_values = true)]
    token: String,
    /// How many clients
    #[arg(long, default_value_t = 1000)]
    clients: usize,
    /// How many connect and subscribe at the same time
    #[arg(long, default_value_t = 50)]
    connect_at_once: usize,
    /// Seconds between every client being subscribed and the measured window
    #[arg(long, default_value_t = 3)]
    warmup: u64,
    /// Seconds of the measured window: frames first seen in it count
    #[arg(long, default_value_t = 60)]
    secs: u64,
    /// Seconds after the window for its last frames to reach every client
    #[arg(long, default_value_t = 2)]
    tail: u64,
    /// Each client's read buffer (bytes; tungstenite's default is 131072,
    /// zeroed on every read: smaller keeps a thousand clients cheap)
    #[arg(long, default_value_t = 8 * 1024)]
    read_buffer: usize,
}

/// How a client ended.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum End {
    /// Still reading when the run was over (the normal end).
    Stopped,
    /// The server closed it with this code and reason.
    Closed(u16, String),
    /// The server closed it without a close frame, or it failed to read.
    Lost(String),
    /// It never got subscribed.
    NoConnect(String),
}

impl std::fmt::Display for End {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            End::Stopped => write!(f, "open until the end"),
            End::Closed(code, reason) => write!(f, "closed by the server: {code} {reason:?}"),
            End::Lost(e) => write!(f, "lost: {e}"),
            End::NoConnect(e) => write!(f, "could not connect: {e}"),
        }
    }
}

/// What one client saw.
struct Seen {
    /// Each `ticks` message: its text's hash, and ns since the epoch.
    ticks: Vec<(u64, u64)>,
    /// Other messages (market, status, sources), by kind.
    others: HashMap<String, u64>,
    /// The largest message of each kind (bytes).
    largest: HashMap<String, usize>,
    end: End,
    /// When it ended, ns since the epoch (None: open until the end).
    ended_at: Option<u64>,
}

fn ns_since(epoch: Instant) -> u64 {
    u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

fn hash_of(text: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

/// The message's `kind`, read without parsing the whole message.
fn kind_of(text: &str) -> &str {
    text.strip_prefix("{\"kind\":\"")
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("?")
}

struct Shared {
    url: String,
    token: String,
    read_buffer: usize,
    epoch: Instant,
    gate: Semaphore,
    /// Clients subscribed, or given up on.
    settled: AtomicUsize,
    subscribed: AtomicUsize,
}

async fn client(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) -> Seen {
    let mut seen = Seen {
        ticks: Vec::with_capacity(512),
        others: HashMap::new(),
        largest: HashMap::new(),
        end: End::Stopped,
        ended_at: None,
    };
    let connected = {
        let _permit = shared.gate.acquire().await;
        connect(&shared).await
    };
    shared.settled.fetch_add(1, Ordering::SeqCst);
    let mut ws = match connected {
        Ok(ws) => {
            shared.subscribed.fetch_add(1, Ordering::SeqCst);
            ws
        }
        Err(e) => {
            seen.end = End::NoConnect(e);
            seen.ended_at = Some(ns_since(shared.epoch));
            return seen;
        }
    };
    loop {
        tokio::select! {
            biased;
            msg = ws.next() => {
                let at = ns_since(shared.epoch);
                match msg {
                    Some(Ok(Message::Text(text))) => {
                        let kind = kind_of(&text);
                        if kind == "ticks" {
                            seen.ticks.push((hash_of(&text), at));
                        } else {
                            *seen.others.entry(kind.to_string()).or_default() += 1;
                        }
                        match seen.largest.get_mut(kind) {
                            Some(n) => *n = (*n).max(text.len()),
                            None => {
                                seen.largest.insert(kind.to_string(), text.len());
                            }
                        }
                    }
                    Some(Ok(Message::Close(frame))) => {
                        seen.end = match frame {
                            Some(f) => End::Closed(u16::from(f.code), f.reason.to_string()),
                            None => End::Closed(1005, String::new()),
                        };
                        seen.ended_at = Some(at);
                        return seen;
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => {
                        seen.end = End::Lost(e.to_string());
                        seen.ended_at = Some(at);
                        return seen;
                    }
                    None => {
                        seen.end = End::Lost("the connection ended".into());
                        seen.ended_at = Some(at);
                        return seen;
                    }
                }
            }
            _ = stop.changed() => {
                let _ = tokio::time::timeout(Duration::from_secs(2), ws.close(None)).await;
                return seen;
            }
        }
    }
}

type Ws = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// Connects, upgrades with the token, subscribes to `prices`.
async fn connect(shared: &Shared) -> Result<Ws, String> {
    let mut request = shared
        .url
        .as_str()
        .into_client_request()
        .map_err(|e| e.to_string())?;
    let bearer =
        HeaderValue::from_str(&format!("Bearer {}", shared.token)).map_err(|e| e.to_string())?;
    request.headers_mut().insert("authorization", bearer);
    let host = request
        .uri()
        .authority()
        .map(|a| a.as_str().to_string())
        .ok_or("the URL has no host")?;
    let work = async {
        let tcp = tokio::net::TcpStream::connect(&host)
            .await
            .map_err(|e| format!("connect {host}: {e}"))?;
        tcp.set_nodelay(true).map_err(|e| e.to_string())?;
        let config = WebSocketConfig::default().read_buffer_size(shared.read_buffer);
        let (mut ws, _) = tokio_tungstenite::client_async_with_config(request, tcp, Some(config))
            .await
            .map_err(|e| format!("upgrade: {e}"))?;
        ws.send(Message::text(r#"{"type":"subscribe","topics":["prices"]}"#))
            .await
            .map_err(|e| format!("subscribe: {e}"))?;
        Ok(ws)
    };
    tokio::time::timeout(Duration::from_secs(30), work)
        .await
        .map_err(|_| "no upgrade within 30 s".to_string())?
}

/// The nearest-rank percentile of sorted values.
fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

#[tokio::main]
async fn main() {
    let a = Args::parse();
    let epoch = Instant::now();
    let shared = Arc::new(Shared {
        url: a.url.clone(),
        token: a.token.clone(),
        read_buffer: a.read_buffer,
        epoch,
        gate: Semaphore::new(a.connect_at_once.max(1)),
        settled: AtomicUsize::new(0),
        subscribed: AtomicUsize::new(0),
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let tasks: Vec<_> = (0..a.clients)
        .map(|_| tokio::spawn(client(shared.clone(), stop_rx.clone())))
        .collect();
    while shared.settled.load(Ordering::SeqCst) < a.clients {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let subscribed = shared.subscribed.load(Ordering::SeqCst);
    let connect_secs = epoch.elapsed().as_secs_f64();
    // The driver samples the server's memory from this line on.
    eprintln!(
        "ws-fanout: {subscribed} of {} clients subscribed in {connect_secs:.1} s",
        a.clients
    );
    tokio::time::sleep(Duration::from_secs(a.warmup)).await;
    let start = ns_since(epoch);
    eprintln!("ws-fanout: measuring for {} s", a.secs);
    tokio::time::sleep(Duration::from_secs(a.secs)).await;
    let end = ns_since(epoch);
    tokio::time::sleep(Duration::from_secs(a.tail)).await;
    let _ = stop_tx.send(true);
    let mut all = Vec::with_capacity(tasks.len());
    for t in tasks {
        match t.await {
            Ok(seen) => all.push(seen),
            Err(e) => eprintln!("ws-fanout: a client's task failed: {e}"),
        }
    }
    eprintln!("ws-fanout: closed; {} clients' figures", all.len());
    // This process's own peak, for comparison with the server's.
    let own_hwm_kib = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        });
    report(&a, &all, start, end, subscribed, connect_secs, own_hwm_kib);
}

/// Prints the figures of the frames first seen in [start, end).
fn report(
    a: &Args,
    all: &[Seen],
    start: u64,
    end: u64,
    subscribed: usize,
    connect_secs: f64,
    own_hwm_kib: Option<u64>,
) {
    // Clients expected to get every frame: subscribed, and open at the
    // start of the window.
    let expected: Vec<&Seen> = all
        .iter()
        .filter(|s| !matches!(s.end, End::NoConnect(_)) && s.ended_at.is_none_or(|t| t > start))
        .collect();
    // Each frame: its first time anywhere, and its receive times.
    let mut frames: HashMap<u64, Vec<u64>> = HashMap::new();
    for s in &expected {
        for &(h, at) in &s.ticks {
            frames.entry(h).or_default().push(at);
        }
    }
    let mut spans = Vec::new(); // per frame: last − first
    let mut each = Vec::new(); // per frame and client: this − first
    let mut to_median = Vec::new(); // per frame: the median client's
    let mut missed_frames = 0usize;
    let mut missed = 0usize;
    let mut counted = Vec::new(); // the frames counted, by first time
    for (h, times) in &mut frames {
        times.sort_unstable();
        let first = times[0];
        if first < start || first >= end {
            continue;
        }
        counted.push((first, *h));
        spans.push(times[times.len() - 1] - first);
        to_median.push(times[times.len() / 2] - first);
        each.extend(times.iter().map(|t| t - first));
        // A client that got it twice would hide one that missed it.
        let got = times.len().min(expected.len());
        if got < expected.len() {
            missed_frames += 1;
            missed += expected.len() - got;
        }
    }
    counted.sort_unstable();
    spans.sort_unstable();
    each.sort_unstable();
    to_median.sort_unstable();
    let gaps: Vec<u64> = counted.windows(2).map(|w| w[1].0 - w[0].0).collect();
    let mut ends: BTreeMap<String, usize> = BTreeMap::new();
    for s in all {
        *ends.entry(s.end.to_string()).or_default() += 1;
    }
    let mut others: BTreeMap<&str, u64> = BTreeMap::new();
    for s in &expected {
        for (k, n) in &s.others {
            *others.entry(k.as_str()).or_default() += n;
        }
    }
    let mut largest: BTreeMap<&str, usize> = BTreeMap::new();
    for s in all {
        for (k, n) in &s.largest {
            let most = largest.entry(k.as_str()).or_default();
            *most = (*most).max(*n);
        }
    }
    let max_gap = gaps.iter().copied().max().unwrap_or(0);
    println!(
        "clients: {} asked, {subscribed} subscribed in {connect_secs:.1} s, {} open when the window began",
        a.clients,
        expected.len()
    );
    println!(
        "frames (ticks) first seen in the {} s window: {}; largest gap between frames {:.0} ms",
        a.secs,
        spans.len(),
        ms(max_gap)
    );
    println!(
        "to the last client:   p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(percentile(&spans, 50.0)),
        ms(percentile(&spans, 99.0)),
        ms(spans.last().copied().unwrap_or(0))
    );
    println!(
        "to the median client: p50 {:.2} ms, p99 {:.2} ms",
        ms(percentile(&to_median, 50.0)),
        ms(percentile(&to_median, 99.0))
    );
    println!(
        "every delivery:       p50 {:.2} ms, p99 {:.2} ms ({} deliveries)",
        ms(percentile(&each, 50.0)),
        ms(percentile(&each, 99.0)),
        each.len()
    );
    println!("frames some client missed: {missed_frames} ({missed} deliveries missing)");
    println!("other messages received: {others:?}; the largest of each kind (bytes): {largest:?}");
    for (how, n) in &ends {
        println!("clients {how}: {n}");
    }
    let figures = json!({
        "clients": a.clients,
        "subscribed": subscribed,
        "connect_secs": connect_secs,
        "open_at_start": expected.len(),
        "window_secs": a.secs,
        "frames": spans.len(),
        "last_p50_ms": ms(percentile(&spans, 50.0)),
        "last_p99_ms": ms(percentile(&spans, 99.0)),
        "last_max_ms": ms(spans.last().copied().unwrap_or(0)),
        "median_p50_ms": ms(percentile(&to_median, 50.0)),
        "median_p99_ms": ms(percentile(&to_median, 99.0)),
        "each_p50_ms": ms(percentile(&each, 50.0)),
        "each_p99_ms": ms(percentile(&each, 99.0)),
        "max_gap_ms": ms(max_gap),
        "missed_frames": missed_frames,
        "missed_deliveries": missed,
        "others": others,
        "largest_bytes": largest,
        "ends": ends,
        "read_buffer": a.read_buffer,
        "own_hwm_kib": own_hwm_kib,
    });
    println!("{figures}");
}
