//! A fake CoinGecko API v3: a real HTTP server on 127.0.0.1 that answers
//! `/ping`, `/coins/markets`, `/simple/price`, `/coins/list`,
//! `/simple/supported_vs_currencies`, `/coins/{id}/market_chart`,
//! `/coins/{id}/ohlc` and `/exchange_rates` in CoinGecko's wire format.
//! History follows a deterministic price path per coin
//! ([`FakeCoinGecko::price_at`]) that ends at the coin's current price at
//! the moment of the request; without a pro key (`x-cg-pro-api-key`) it
//! reaches back 365 days, as CoinGecko's free and demo plans. Faults are
//! scripted per request (429 + Retry-After, 5xx, stalls, truncated or
//! wrongly typed JSON, a coin answered twice, redirects, huge answers).
//! Tests steer it through [`FakeCoinGecko`]; a separate process steers it
//! through its `/__control/…` routes.

mod data;
mod routes;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::http::HeaderMap;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use data::CoinData;

/// One scripted misbehaviour, used for the next API request instead of a
/// normal answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// HTTP 429 with `Retry-After` and CoinGecko's rate-limit body.
    TooManyRequests { retry_after_secs: u64 },
    /// This HTTP status with a CoinGecko-style error body.
    Status(u16),
    /// This HTTP status with this error message in CoinGecko's body: the
    /// server's words, which reach the user.
    StatusMessage(u16, String),
    /// Wait this long, then answer normally (for client timeouts).
    Stall(Duration),
    /// HTTP 200 with the normal JSON body cut in half.
    Truncated,
    /// HTTP 200, the right shape, but values of the wrong type.
    WrongTypes,
    /// HTTP 200 with the first coin answered twice, the copy after it at
    /// twice the price (a source contradicting itself).
    Duplicated,
    /// HTTP 302 to the same endpoint and query under this base URL, as an
    /// API that moved answers (e.g. another fake's `base_url()`).
    Redirect(String),
    /// HTTP 200 with the normal JSON body padded with blanks to `bytes`
    /// (still valid JSON). `gzip`: compressed on the wire, a few KiB that
    /// inflate to `bytes`; else sent as is.
    Oversized { bytes: usize, gzip: bool },
}

/// How to start the fake.
#[derive(Debug, Clone)]
pub struct FakeOptions {
    /// Coins with market data (the real-looking ones first).
    pub coins: usize,
    /// Extra ids that only `/coins/list` knows, for a 10,000+ coin search.
    pub list_extra: usize,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Every price moves a little (±0.5 %) on each market request.
    pub drift: bool,
    /// If set, API requests must carry it as `x-cg-demo-api-key` or
    /// `x-cg-pro-api-key`, else get CoinGecko's 401.
    pub api_key: Option<String>,
}

impl Default for FakeOptions {
    fn default() -> Self {
        FakeOptions {
            coins: 300,
            list_extra: 0,
            port: 0,
            drift: false,
            api_key: None,
        }
    }
}

#[derive(Debug, Default)]
struct Seen {
    count: usize,
    query: String,
    headers: HeaderMap,
}

/// Everything the server knows; behind one mutex, held only briefly.
struct State {
    coins: Vec<CoinData>,
    opts: FakeOptions,
    faults: VecDeque<Fault>,
    seen: HashMap<String, Seen>,
    down: bool,
    /// Unix seconds the fake started; `last_updated` counts from it.
    epoch: i64,
}

type Shared = Arc<Mutex<State>>;

fn lock(s: &Shared) -> MutexGuard<'_, State> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

/// A running fake CoinGecko server. Dropping it leaves the server running
/// until the runtime ends; [`FakeCoinGecko::shutdown`] stops it at once.
pub struct FakeCoinGecko {
    state: Shared,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl FakeCoinGecko {
    /// 300 coins on a random port.
    pub async fn start() -> FakeCoinGecko {
        Self::start_with(FakeOptions::default()).await
    }

    pub async fn start_with(opts: FakeOptions) -> FakeCoinGecko {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", opts.port))
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(Mutex::new(State {
            coins: data::universe(opts.coins),
            opts,
            faults: VecDeque::new(),
            seen: HashMap::new(),
            down: false,
            epoch: chrono_now_secs(),
        }));
        let app = routes::router(state.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = served.await {
                tracing::error!(error = %e, "fake CoinGecko server failed");
            }
        });
        FakeCoinGecko {
            state,
            addr,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// `http://127.0.0.1:PORT/api/v3`, no trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}/api/v3", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Requests served for `endpoint` (e.g. "/coins/markets"), faulted ones included.
    pub fn requests(&self, endpoint: &str) -> usize {
        lock(&self.state).seen.get(endpoint).map_or(0, |s| s.count)
    }

    pub fn total_requests(&self) -> usize {
        lock(&self.state).seen.values().map(|s| s.count).sum()
    }

    /// The raw query string of the last request to `endpoint`.
    pub fn last_query(&self, endpoint: &str) -> Option<String> {
        lock(&self.state)
            .seen
            .get(endpoint)
            .map(|s| s.query.clone())
    }

    /// A header of the last request to `endpoint`.
    pub fn last_header(&self, endpoint: &str, header: &str) -> Option<String> {
        let st = lock(&self.state);
        let v = st.seen.get(endpoint)?.headers.get(header)?;
        v.to_str().ok().map(str::to_owned)
    }

    /// Queues `fault` for a coming API request (first in, first out).
    pub fn push_fault(&self, fault: Fault) {
        lock(&self.state).faults.push_back(fault);
    }

    /// Moves a coin's USD price; other currencies and its market cap follow.
    pub fn set_price(&self, coin_id: &str, usd: f64) {
        let mut st = lock(&self.state);
        if let Some(c) = st.coins.iter_mut().find(|c| c.id == coin_id) {
            c.usd = usd;
            c.version += 1;
        }
    }

    /// Gives a coin another symbol and name, as every endpoint answers
    /// them (a source sending hostile text).
    pub fn set_coin_text(&self, coin_id: &str, symbol: &str, name: &str) {
        let mut st = lock(&self.state);
        if let Some(c) = st.coins.iter_mut().find(|c| c.id == coin_id) {
            c.symbol = symbol.into();
            c.name = name.into();
        }
    }

    /// A coin's USD price at `t_secs` (Unix seconds) on the path the
    /// history endpoints answer from, anchored at the clock's now (where it
    /// is the coin's current price). Requests a few seconds apart see the
    /// path scaled by a few millionths.
    pub fn price_at(&self, coin_id: &str, t_secs: f64) -> Option<f64> {
        lock(&self.state)
            .coins
            .iter()
            .find(|c| c.id == coin_id)
            .map(|c| data::price_at(c, t_secs))
    }

    pub fn usd_price(&self, coin_id: &str) -> Option<f64> {
        lock(&self.state)
            .coins
            .iter()
            .find(|c| c.id == coin_id)
            .map(|c| c.usd)
    }

    /// While down, every API request answers 503.
    pub fn set_down(&self, down: bool) {
        lock(&self.state).down = down;
    }

    /// Stops the server; its port refuses connections once this returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            // Graceful shutdown waits for open connections; a client keeping
            // one alive must not hold a test up.
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_millis(500), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

fn chrono_now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The body of a `/coins/markets` page of the first `n` coins in USD,
/// exactly as the server sends it (for parse benchmarks).
pub fn markets_body(n: usize) -> Vec<u8> {
    let st = State {
        coins: data::universe(n),
        opts: FakeOptions::default(),
        faults: VecDeque::new(),
        seen: HashMap::new(),
        down: false,
        epoch: 1_764_000_000,
    };
    let coins: Vec<&CoinData> = st.coins.iter().collect();
    let rows: Vec<serde_json::Value> = coins
        .iter()
        .enumerate()
        .map(|(i, c)| {
            routes::market_json(
                &st,
                c,
                i + 1,
                ("usd", 1.0),
                true,
                &["1h", "24h", "7d", "30d", "1y"],
                data::now_secs(),
            )
        })
        .collect();
    serde_json::to_vec(&rows).expect("serialize")
}

#[cfg(test)]
mod tests;
