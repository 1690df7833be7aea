//! One WebSocket of a fake exchange: a task that answers the client's
//! messages, relays price moves, keeps the exchange's clock (periodic
//! tickers, heartbeats, pings) and enforces its rules (Binance's pong
//! deadline, Coinbase's subscribe deadline). What is said is the
//! exchange's [`Session`]'s business; when and whether is this file's.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use tokio::sync::mpsc;
use tokio::time::{MissedTickBehavior, interval_at};

use super::{Cmd, Shared, Sock, State, lock};

/// One exchange's side of one socket: what it sends and how it answers.
/// Every method runs with the state locked and only builds messages; the
/// socket task sends them after unlocking.
pub(super) trait Session: Send {
    /// Sent right after the upgrade.
    fn open(&mut self, st: &State) -> Vec<String>;
    /// The answer to a text message from the client.
    fn on_text(&mut self, st: &State, text: &str) -> Vec<String>;
    /// `pair` (its REST name) moved: a ticker, if this socket follows it.
    fn on_price(&mut self, st: &State, pair: &str) -> Vec<String>;
    /// Once a tick (1 s): periodic tickers or heartbeats. `quiet_for` is
    /// how long since this socket last sent anything.
    fn on_tick(&mut self, st: &State, quiet_for: Duration) -> Vec<String>;
    /// The server is going away: its last words before the Close frame.
    fn on_shutdown(&mut self, _st: &State) -> Vec<String> {
        Vec::new()
    }
    /// Its subscriptions, in the exchange's stream naming.
    fn streams(&self) -> Vec<String>;
    /// Binance: the server pings and expects pongs.
    fn pings(&self) -> bool {
        false
    }
    /// Coinbase: closed unless it subscribes in time; true once it has.
    fn must_subscribe(&self) -> bool {
        false
    }
    fn has_subscribed(&self) -> bool {
        true
    }
}

/// A socket's place in the state: there from the upgrade's acceptance (so
/// [`super::FakeExchange::connections`] counts it as soon as the client's
/// handshake returns) until its task ends, however it ends.
pub(super) struct Registration {
    state: Shared,
    id: u64,
}

impl Registration {
    pub fn new(
        state: &Shared,
        streams: Vec<String>,
    ) -> (Registration, mpsc::UnboundedReceiver<Cmd>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut st = lock(state);
        let id = st.next_socket;
        st.next_socket += 1;
        st.connects += 1;
        st.sockets.insert(
            id,
            Sock {
                tx,
                streams,
                abort: None,
            },
        );
        (
            Registration {
                state: state.clone(),
                id,
            },
            rx,
        )
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        lock(&self.state).sockets.remove(&self.id);
    }
}

/// Runs the socket in a task of its own, whose abort handle the state
/// keeps (shutdown aborts a socket stuck sending to a client that stopped
/// reading).
pub(super) async fn run(
    ws: WebSocket,
    registration: Registration,
    rx: mpsc::UnboundedReceiver<Cmd>,
    session: Box<dyn Session>,
) {
    let state = registration.state.clone();
    let id = registration.id;
    let task = tokio::spawn(drive(ws, registration, rx, session));
    if let Some(sock) = lock(&state).sockets.get_mut(&id) {
        sock.abort = Some(task.abort_handle());
    }
    let _ = task.await;
}

/// Why a socket's task ends.
enum End {
    /// The client closed, or the connection broke.
    Gone,
    /// The fake closes it (with a Close frame).
    Close,
}

async fn drive(
    mut ws: WebSocket,
    registration: Registration,
    mut rx: mpsc::UnboundedReceiver<Cmd>,
    mut session: Box<dyn Session>,
) {
    let state = registration.state.clone();
    let id = registration.id;
    let timing = lock(&state).timing;
    let opened = Instant::now();
    let start = tokio::time::Instant::now();
    let mut tick = interval_at(start + timing.tick, timing.tick);
    let mut ping = interval_at(start + timing.ping_every, timing.ping_every);
    let mut check = interval_at(start, Duration::from_millis(20));
    for t in [&mut tick, &mut ping, &mut check] {
        t.set_missed_tick_behavior(MissedTickBehavior::Delay);
    }
    // The payload of the ping awaiting its pong, and when it went out.
    let mut awaiting: Option<(Bytes, Instant)> = None;
    let mut pings_sent: u64 = 0;
    let mut last_sent = Instant::now();

    let opening = build(&state, id, &mut *session, |s, st| s.open(st));
    let end = 'run: {
        if send_all(&mut ws, opening, &mut last_sent).await.is_err() {
            break 'run End::Gone;
        }
        loop {
            let out = tokio::select! {
                msg = ws.recv() => match msg {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break 'run End::Gone,
                    Some(Ok(Message::Text(text))) => {
                        build(&state, id, &mut *session, |s, st| s.on_text(st, text.as_str()))
                    }
                    Some(Ok(Message::Pong(payload))) => {
                        // Only the pong answering the outstanding ping
                        // counts; unsolicited ones do not (as Binance says).
                        if awaiting.as_ref().is_some_and(|(p, _)| *p == payload) {
                            awaiting = None;
                        }
                        Vec::new()
                    }
                    Some(Ok(_)) => Vec::new(),
                },
                cmd = rx.recv() => match cmd {
                    None | Some(Cmd::Close) => break 'run End::Close,
                    Some(Cmd::Shutdown) => {
                        let bye = build(&state, id, &mut *session, |s, st| s.on_shutdown(st));
                        let _ = send_all(&mut ws, bye, &mut last_sent).await;
                        break 'run End::Close;
                    }
                    Some(Cmd::Price(pair)) => {
                        build(&state, id, &mut *session, |s, st| s.on_price(st, &pair))
                    }
                },
                _ = tick.tick() => {
                    let quiet = last_sent.elapsed();
                    build(&state, id, &mut *session, |s, st| s.on_tick(st, quiet))
                }
                _ = ping.tick(), if session.pings() => {
                    let silent = lock(&state).silent;
                    if !silent && awaiting.is_none() {
                        pings_sent += 1;
                        let payload = Bytes::from(pings_sent.to_string());
                        awaiting = Some((payload.clone(), Instant::now()));
                        if ws.send(Message::Ping(payload)).await.is_err() {
                            break 'run End::Gone;
                        }
                    }
                    Vec::new()
                }
                _ = check.tick() => {
                    let mut st = lock(&state);
                    if st.silent {
                        // A silent server pings nobody, so waits for no pong.
                        awaiting = None;
                    }
                    if awaiting.as_ref().is_some_and(|(_, at)| at.elapsed() >= st.timing.pong_timeout) {
                        st.pong_timeouts += 1;
                        break 'run End::Close;
                    }
                    if session.must_subscribe()
                        && !session.has_subscribed()
                        && opened.elapsed() >= st.timing.subscribe_deadline
                    {
                        st.subscribe_timeouts += 1;
                        break 'run End::Close;
                    }
                    Vec::new()
                }
            };
            if send_all(&mut ws, out, &mut last_sent).await.is_err() {
                break 'run End::Gone;
            }
        }
    };
    if let End::Close = end {
        // The exchange's close: a Close frame, then the connection drops
        // (the client's reply is not waited for).
        let frame = CloseFrame {
            code: 1000,
            reason: "".into(),
        };
        let _ = tokio::time::timeout(
            Duration::from_millis(200),
            ws.send(Message::Close(Some(frame))),
        )
        .await;
    }
    drop(registration);
}

/// Builds messages under the lock (dropped while the fake is silent), and
/// records the session's subscriptions as they now stand.
fn build(
    state: &Shared,
    id: u64,
    session: &mut dyn Session,
    f: impl FnOnce(&mut dyn Session, &State) -> Vec<String>,
) -> Vec<String> {
    let mut st = lock(state);
    let out = f(session, &st);
    let streams = session.streams();
    if let Some(sock) = st.sockets.get_mut(&id) {
        sock.streams = streams;
    }
    if st.silent { Vec::new() } else { out }
}

async fn send_all(
    ws: &mut WebSocket,
    out: Vec<String>,
    last_sent: &mut Instant,
) -> Result<(), axum::Error> {
    for text in out {
        ws.send(Message::Text(text.into())).await?;
        *last_sent = Instant::now();
    }
    Ok(())
}
