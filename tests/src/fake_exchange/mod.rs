//! Fake crypto exchanges: Binance (spot), Kraken and Coinbase (Advanced
//! Trade), each one real HTTP server on 127.0.0.1 that serves both the
//! exchange's public REST ticker endpoint and its public WebSocket ticker
//! stream, in the exchange's documented wire format (and, where the docs
//! and the live feed disagree, the live feed's: see each exchange's file).
//!
//! A test steers the fake through [`FakeExchange`]: it moves prices (and
//! every subscribed socket hears of it at once), refuses REST requests and
//! upgrades with an HTTP status (Binance's 451 from a restricted country,
//! a 429, a 503), drops every socket as the exchange does after 24 hours,
//! goes silent while keeping sockets open (a stale stream), floods ticks
//! for a CPU benchmark, and counts what the client did: connections,
//! subscriptions, REST requests, missed pongs and missing subscribes.
//!
//! The timing is the exchange's, shortened where a test would otherwise
//! wait for minutes: Binance pings every second (real: 20 s) and closes a
//! socket whose pong is 3 s late (real: a minute); Coinbase closes a socket
//! that has not subscribed within 5 s (as the real one). Both can be
//! shortened further ([`FakeExchange::set_ping`],
//! [`FakeExchange::set_subscribe_deadline`]).

mod binance;
mod coinbase;
mod history;
mod kraken;
mod market;
mod socket;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{FromRequestParts, Query, Request, State as AxState};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::{mpsc, oneshot};
use tokio::task::{AbortHandle, JoinHandle};

use market::Pair;

/// Which exchange a [`FakeExchange`] plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExchangeKind {
    Binance,
    Kraken,
    Coinbase,
}

/// What a socket's task is told to do from outside.
#[derive(Debug, Clone)]
enum Cmd {
    /// This market's price moved (its name as the exchange names it in REST).
    Price(String),
    /// Close now, as the exchange closes a socket (a Close frame).
    Close,
    /// The server is going away: the exchange's goodbye (Binance sends a
    /// `serverShutdown` event), then a Close frame.
    Shutdown,
}

/// One open socket, as the fake's state sees it.
struct Sock {
    tx: mpsc::UnboundedSender<Cmd>,
    /// Its subscriptions, in the exchange's stream naming.
    streams: Vec<String>,
    /// Aborts the socket's task when it cannot be closed politely (a
    /// client that stopped reading blocks the task in a send).
    abort: Option<AbortHandle>,
}

/// The intervals the fake keeps; tests may shorten them.
#[derive(Debug, Clone, Copy)]
struct Timing {
    /// Binance's periodic tickers, Kraken's and Coinbase's heartbeats.
    tick: Duration,
    /// Binance: a Ping frame this often…
    ping_every: Duration,
    /// …and the socket closed if its Pong is this late.
    pong_timeout: Duration,
    /// Coinbase: a socket must subscribe within this, else it is closed.
    subscribe_deadline: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            tick: Duration::from_secs(1),
            ping_every: Duration::from_secs(1),
            pong_timeout: Duration::from_secs(3),
            subscribe_deadline: Duration::from_secs(5),
        }
    }
}

/// Everything the server knows; behind one mutex, held only briefly (never
/// across an await: socket tasks build their messages under it, then send
/// without it).
struct State {
    kind: ExchangeKind,
    /// Markets by their REST name (Binance "BTCUSDT", Kraken "XBTUSD",
    /// Coinbase "BTC-USD").
    pairs: BTreeMap<String, Pair>,
    sockets: HashMap<u64, Sock>,
    next_socket: u64,
    status: Option<u16>,
    retry_after_secs: u64,
    silent: bool,
    connects: usize,
    rest_requests: usize,
    pong_timeouts: usize,
    subscribe_timeouts: usize,
    timing: Timing,
    /// Bumped to stop a running flood.
    flood_generation: u64,
    started: Instant,
    /// The markets' daily candles (Binance's klines, Coinbase's candles).
    history: history::History,
}

type Shared = Arc<Mutex<State>>;

fn lock(s: &Shared) -> MutexGuard<'_, State> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

impl State {
    /// Tells every socket that `pair`'s price moved; each one sends a
    /// ticker if it is subscribed to it.
    fn notify(&self, pair: &str) {
        for sock in self.sockets.values() {
            let _ = sock.tx.send(Cmd::Price(pair.to_string()));
        }
    }

    /// The REST names of the markets some open socket is subscribed to
    /// (and that exist), sorted.
    fn subscribed_pairs(&self) -> Vec<String> {
        let set: BTreeSet<String> = self
            .sockets
            .values()
            .flat_map(|s| s.streams.iter())
            .filter_map(|stream| stream_pair(self, stream))
            .collect();
        set.into_iter().collect()
    }
}

/// The REST name of the market a stream name subscribes to, if any
/// (Binance only counts lowercase names, as the real one).
fn stream_pair(st: &State, stream: &str) -> Option<String> {
    match st.kind {
        ExchangeKind::Binance => binance::stream_pair(st, stream),
        ExchangeKind::Kraken => kraken::rest_name(st, stream),
        ExchangeKind::Coinbase => st.pairs.contains_key(stream).then(|| stream.to_string()),
    }
}

/// A running fake exchange. Dropping it leaves the server running until
/// the runtime ends; [`FakeExchange::shutdown`] stops it at once.
pub struct FakeExchange {
    kind: ExchangeKind,
    state: Shared,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl FakeExchange {
    /// The exchange on a random free port.
    pub async fn start(kind: ExchangeKind) -> FakeExchange {
        Self::start_on(kind, 0).await
    }

    /// The exchange on `port` (0 picks a free one): a test stops a fake and
    /// brings a new one back on the same port, as an exchange that went
    /// away and came back at the same address.
    pub async fn start_on(kind: ExchangeKind, port: u16) -> FakeExchange {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let seed: &[(&str, &str)] = match kind {
            ExchangeKind::Binance => binance::SEED,
            ExchangeKind::Kraken => kraken::SEED,
            ExchangeKind::Coinbase => coinbase::SEED,
        };
        let state = Arc::new(Mutex::new(State {
            kind,
            pairs: seed
                .iter()
                .map(|(name, price)| (name.to_string(), Pair::seeded(price)))
                .collect(),
            sockets: HashMap::new(),
            next_socket: 1,
            status: None,
            retry_after_secs: 1,
            silent: false,
            connects: 0,
            rest_requests: 0,
            pong_timeouts: 0,
            subscribe_timeouts: 0,
            timing: Timing::default(),
            flood_generation: 0,
            started: Instant::now(),
            history: history::History::default(),
        }));
        let app = Router::new().fallback(handle).with_state(state.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = served.await {
                tracing::error!(error = %e, "fake exchange server failed");
            }
        });
        FakeExchange {
            kind,
            state,
            addr,
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub fn kind(&self) -> ExchangeKind {
        self.kind
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://127.0.0.1:PORT`, no trailing slash: the client appends the
    /// exchange's paths (`/api/v3/ticker/24hr`, `/0/public/Ticker`,
    /// `/api/v3/brokerage/market/products`).
    pub fn rest_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The stream's base URL as the client is configured with it: Binance
    /// `ws://127.0.0.1:PORT` (the client appends `/stream?streams=…`),
    /// Kraken `ws://127.0.0.1:PORT/v2`, Coinbase `ws://127.0.0.1:PORT`.
    pub fn ws_url(&self) -> String {
        match self.kind {
            ExchangeKind::Kraken => format!("ws://{}/v2", self.addr),
            ExchangeKind::Binance | ExchangeKind::Coinbase => format!("ws://{}", self.addr),
        }
    }

    /// Sets the last price of a pair named as the exchange names it in REST
    /// (Binance "BTCUSDT", Kraken "XBTUSD" — answered under its legacy key
    /// "XXBTZUSD" —, Coinbase "BTC-USD"), and sends a ticker update at once
    /// to every socket subscribed to it. A new name adds a market. `price`
    /// is a decimal string, kept exactly as given.
    pub fn set_price(&self, pair: &str, price: &str) {
        assert!(
            market::is_price(price),
            "set_price({pair:?}, {price:?}): not a decimal price"
        );
        let mut st = lock(&self.state);
        let name = match self.kind {
            ExchangeKind::Kraken => kraken::canonical(&st, pair),
            _ => pair.to_string(),
        };
        match st.pairs.get_mut(&name) {
            Some(p) => p.last = price.to_string(),
            None => {
                st.pairs.insert(name.clone(), Pair::new(price));
            }
        }
        st.notify(&name);
    }

    /// The pair's last price as the fake keeps it (exactly as set).
    pub fn price(&self, pair: &str) -> Option<String> {
        let st = lock(&self.state);
        let name = match self.kind {
            ExchangeKind::Kraken => kraken::canonical(&st, pair),
            _ => pair.to_string(),
        };
        st.pairs.get(&name).map(|p| p.last.clone())
    }

    /// Every REST request and every WebSocket upgrade is answered with this
    /// HTTP status and the exchange's error body (None: answer normally).
    /// E.g. 451 (Binance's "restricted location" body), 503, 429 (with
    /// `Retry-After`, see [`FakeExchange::set_retry_after`]). Sockets
    /// already open stay open.
    pub fn set_status(&self, status: Option<u16>) {
        lock(&self.state).status = status;
    }

    /// The `Retry-After` (seconds) sent with a 429 or 418; 1 unless set.
    pub fn set_retry_after(&self, secs: u64) {
        lock(&self.state).retry_after_secs = secs;
    }

    /// The daily close of `pair` (named as in [`FakeExchange::set_price`])
    /// on `day` is `close`, a decimal string kept exactly. Other days
    /// wander within ±1 % of the pair's current price, deterministically
    /// ([`FakeExchange::daily_close`] says what a day answers).
    pub fn set_daily_close(&self, pair: &str, day: chrono::NaiveDate, close: &str) {
        assert!(
            market::is_price(close),
            "set_daily_close({pair:?}, {close:?}): not a decimal price"
        );
        lock(&self.state)
            .history
            .set_close(pair, day, market::parse(close));
    }

    /// The market trades from `day` on: no daily candles before (by
    /// default every market has them from 2015-01-01).
    pub fn set_listed_since(&self, pair: &str, day: chrono::NaiveDate) {
        lock(&self.state).history.set_listed(pair, day);
    }

    /// The close the fake serves for `pair` on `day` (today's: the price
    /// now), or None before its listing, after today, or for a pair it
    /// does not list.
    pub fn daily_close(&self, pair: &str, day: chrono::NaiveDate) -> Option<rust_decimal::Decimal> {
        let st = lock(&self.state);
        let last = &st.pairs.get(pair)?.last;
        st.history.close(pair, last, day)
    }

    /// The daily candles routes (Binance `/api/v3/klines`, Coinbase
    /// `…/products/{id}/candles`) answer with this status and the
    /// exchange's error body (429 with `Retry-After`, see
    /// [`FakeExchange::set_retry_after`]); None: normally. Tickers and
    /// streams are untouched ([`FakeExchange::set_status`] refuses all).
    pub fn set_history_status(&self, status: Option<u16>) {
        lock(&self.state).history.status = status;
    }

    /// While true, the daily candles routes answer HTTP 200 with their
    /// JSON cut short.
    pub fn set_history_malformed(&self, malformed: bool) {
        lock(&self.state).history.malformed = malformed;
    }

    /// Each daily candles request's path and query, as received (refused
    /// ones included).
    pub fn history_requests(&self) -> Vec<String> {
        lock(&self.state).history.requests.clone()
    }

    /// Closes every open socket now, as the exchange closes one (a Close
    /// frame; Binance does this to every connection after 24 hours).
    pub fn drop_sockets(&self) {
        let st = lock(&self.state);
        for sock in st.sockets.values() {
            let _ = sock.tx.send(Cmd::Close);
        }
    }

    /// While true, open sockets stay open but the server sends nothing at
    /// all: no ticks, no heartbeats, no pings, no replies (a stale stream a
    /// client must notice by itself). Prices set meanwhile still reach REST.
    /// (The WebSocket library still answers a client's own Ping frames.)
    pub fn set_silent(&self, silent: bool) {
        lock(&self.state).silent = silent;
    }

    /// Sends `per_sec` ticker messages a second, round-robin over all
    /// subscribed pairs, with prices wandering within ±0.1 % of where each
    /// stood when the flood reached it, until called with 0 (for a CPU
    /// benchmark). Bounded: stops by itself after `for_secs`.
    pub fn flood(&self, per_sec: u32, for_secs: u32) {
        let generation = {
            let mut st = lock(&self.state);
            st.flood_generation += 1;
            st.flood_generation
        };
        if per_sec == 0 || for_secs == 0 {
            return;
        }
        let state = self.state.clone();
        tokio::spawn(flood(state, generation, per_sec, for_secs));
    }

    /// Binance: how often the server pings each socket, and how late a
    /// pong may be before the socket is closed (and counted in
    /// [`FakeExchange::pong_timeouts`]). Defaults 1 s and 3 s (real: 20 s
    /// and a minute). Applies to sockets opened afterwards.
    pub fn set_ping(&self, every: Duration, pong_timeout: Duration) {
        let mut st = lock(&self.state);
        st.timing.ping_every = every;
        st.timing.pong_timeout = pong_timeout;
    }

    /// Coinbase: how soon after connecting a socket must subscribe, else it
    /// is closed (and counted in [`FakeExchange::subscribe_timeouts`]).
    /// Default 5 s, as the real one.
    pub fn set_subscribe_deadline(&self, deadline: Duration) {
        lock(&self.state).timing.subscribe_deadline = deadline;
    }

    /// Sockets open now.
    pub fn connections(&self) -> usize {
        lock(&self.state).sockets.len()
    }

    /// WebSocket upgrades accepted in total.
    pub fn connects(&self) -> usize {
        lock(&self.state).connects
    }

    /// What open sockets are subscribed to, over all of them, sorted and
    /// without repeats, in the exchange's stream naming: Binance
    /// "btcusdt@ticker" (exactly as the client named it, so a wrongly
    /// uppercased name shows, and gets no data), Kraken "BTC/USD",
    /// Coinbase "BTC-USD" (ticker channel).
    pub fn subscribed(&self) -> Vec<String> {
        let st = lock(&self.state);
        let set: BTreeSet<&String> = st.sockets.values().flat_map(|s| s.streams.iter()).collect();
        set.into_iter().cloned().collect()
    }

    /// REST requests received, refused ones included (upgrades are not
    /// counted here but in [`FakeExchange::connects`]).
    pub fn rest_requests(&self) -> usize {
        lock(&self.state).rest_requests
    }

    /// Binance: sockets closed because their pong did not come in time.
    pub fn pong_timeouts(&self) -> usize {
        lock(&self.state).pong_timeouts
    }

    /// Coinbase: sockets closed because they did not subscribe in time.
    pub fn subscribe_timeouts(&self) -> usize {
        lock(&self.state).subscribe_timeouts
    }

    /// Stops listening (the port refuses connections once this returns)
    /// and closes every socket, with the exchange's goodbye where it has
    /// one (Binance's `serverShutdown` event).
    pub async fn shutdown(mut self) {
        // Stop listening first, so a client reconnecting at once is refused
        // rather than let in again before the sockets close.
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        {
            let mut st = lock(&self.state);
            st.flood_generation += 1;
            for sock in st.sockets.values() {
                let _ = sock.tx.send(Cmd::Shutdown);
            }
        }
        let deadline = Instant::now() + Duration::from_millis(500);
        while self.connections() > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // A socket whose client stopped reading is stuck in a send.
        for sock in lock(&self.state).sockets.values() {
            if let Some(abort) = &sock.abort {
                abort.abort();
            }
        }
        if let Some(task) = self.task.take() {
            // Graceful shutdown waits for open HTTP connections; a client
            // keeping one alive must not hold a test up.
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

/// Every request: refused with the set status, else an upgrade on the
/// exchange's stream path, else its REST endpoint.
async fn handle(AxState(state): AxState<Shared>, req: Request) -> Response {
    let (mut parts, _body) = req.into_parts();
    let upgrade = parts
        .headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let (kind, refusal) = {
        let mut st = lock(&state);
        if !upgrade {
            st.rest_requests += 1;
        }
        (st.kind, st.status.map(|s| (s, st.retry_after_secs)))
    };
    if let Some((status, retry_after)) = refusal {
        return refused(kind, status, retry_after);
    }
    let path = parts.uri.path().to_string();
    let query: Vec<(String, String)> = match Query::try_from_uri(&parts.uri) {
        Ok(Query(q)) => q,
        Err(_) => Vec::new(),
    };
    if upgrade {
        let session: Box<dyn socket::Session> = match kind {
            ExchangeKind::Binance if path == "/stream" => Box::new(binance::Session::new(&query)),
            ExchangeKind::Kraken if path == "/v2" => Box::new(kraken::Session::new()),
            ExchangeKind::Coinbase if path == "/" => Box::new(coinbase::Session::new()),
            _ => return StatusCode::NOT_FOUND.into_response(),
        };
        let ws = match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
            Ok(ws) => ws,
            Err(rejection) => return rejection.into_response(),
        };
        let (registration, rx) = socket::Registration::new(&state, session.streams());
        return ws.on_upgrade(move |ws| socket::run(ws, registration, rx, session));
    }
    let (answer, malformed) = rest(&state, kind, &parts.uri, &path, &query);
    if malformed {
        return cut(answer).await;
    }
    answer
}

/// A REST request's answer, and whether to cut it short; a daily candles
/// request is counted, and refused if the test said so.
fn rest(
    state: &Shared,
    kind: ExchangeKind,
    uri: &axum::http::Uri,
    path: &str,
    query: &[(String, String)],
) -> (Response, bool) {
    let mut st = lock(state);
    let history = match kind {
        ExchangeKind::Binance => path == binance::KLINES,
        ExchangeKind::Coinbase => coinbase::candles_product(path).is_some(),
        ExchangeKind::Kraken => false,
    };
    if history {
        st.history.requests.push(
            uri.path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default(),
        );
        if let Some(status) = st.history.status {
            return (refused(kind, status, st.retry_after_secs), false);
        }
    }
    let answer = match kind {
        ExchangeKind::Binance => binance::rest(&st, path, query),
        ExchangeKind::Kraken => kraken::rest(&st, path, query),
        ExchangeKind::Coinbase => coinbase::rest(&st, path, query),
    };
    (answer, history && st.history.malformed)
}

/// `answer` with its body cut in half (an answer broken off).
async fn cut(answer: Response) -> Response {
    let (parts, body) = answer.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let half = bytes.slice(..bytes.len() / 2);
    Response::from_parts(parts, axum::body::Body::from(half))
}

/// The exchange's answer to a request it refuses with `status`.
fn refused(kind: ExchangeKind, status: u16, retry_after_secs: u64) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = match kind {
        ExchangeKind::Binance => binance::error_body(status),
        ExchangeKind::Kraken => kraken::error_body(status),
        ExchangeKind::Coinbase => coinbase::error_body(status),
    };
    let mut r = json_response(code, body);
    if status == 429 || status == 418 {
        r.headers_mut().insert(
            header::RETRY_AFTER,
            retry_after_secs.to_string().parse().expect("header value"),
        );
    }
    r
}

/// `body` (JSON text) with this status, as the exchanges send JSON.
fn json_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        body,
    )
        .into_response()
}

/// The flood: every 10 ms, as many ticks as are due, round-robin over the
/// subscribed markets; stops when `generation` is superseded or its time
/// is up.
async fn flood(state: Shared, generation: u64, per_sec: u32, for_secs: u32) {
    let started = Instant::now();
    let end = started + Duration::from_secs(u64::from(for_secs));
    let mut bases: HashMap<String, String> = HashMap::new();
    let mut sent: u64 = 0;
    let mut turn: usize = 0;
    let mut every = tokio::time::interval(Duration::from_millis(10));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        every.tick().await;
        if Instant::now() >= end {
            return;
        }
        let due = (f64::from(per_sec) * started.elapsed().as_secs_f64()) as u64;
        let mut st = lock(&state);
        if st.flood_generation != generation {
            return;
        }
        let pairs = st.subscribed_pairs();
        if pairs.is_empty() {
            // Nothing to send to: no backlog builds up meanwhile.
            sent = due;
            continue;
        }
        while sent < due {
            let pair = &pairs[turn % pairs.len()];
            turn += 1;
            sent += 1;
            let Some(last) = st.pairs.get(pair).map(|p| p.last.clone()) else {
                continue;
            };
            let base = bases.entry(pair.clone()).or_insert(last);
            let ppm = rand::random_range(-1000..=1000);
            let price = market::wander(base, ppm);
            if let Some(p) = st.pairs.get_mut(pair) {
                p.last = price;
            }
            st.notify(pair);
        }
    }
}

/// Now as Unix milliseconds (Binance's times).
fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A JSON string literal for `s`.
fn json_str(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

#[cfg(test)]
mod tests;
