//! `coinlytics serve`: the local API, a third front end beside the window
//! and the terminal. Like them it only parses a request, calls one action
//! of the application layer (`coinlytics_engine::app`) and renders the
//! answer, as JSON in the types that cross the window's IPC.
//!
//! What guards it, outermost first (guard.rs): the Host allow-list (a
//! page on another site that rebinds its name to 127.0.0.1 is refused),
//! a body cap and a time limit, then a token on every route but
//! `/api/v1/health`, one that may write on every change.

mod ctx;
mod error;
mod feed;
mod guard;
mod hosts;
mod limit;
mod routes;
mod session;
mod stream;
mod tls;
mod ui;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::serve::ListenerExt;
use coinlytics_engine::app::alerts::AlertEvent;
use coinlytics_engine::app::api::TlsIdentity;
use coinlytics_engine::{Engine, Error};
use tokio::net::TcpListener;

pub use ctx::MonitorRole;

use ctx::Ctx;
use hosts::Hosts;

/// Where `coinlytics serve` listens unless told otherwise: loopback only.
pub const DEFAULT_PORT: u16 = 8725;

/// How long stopping waits for open streams to take their closing frame.
const STREAMS_CLOSE_WITHIN: std::time::Duration = std::time::Duration::from_secs(3);

/// What `serve` was asked for.
#[derive(Debug, Clone)]
pub struct Options {
    pub listen: SocketAddr,
    /// Whether this process watches the alerts (`/health` says).
    pub monitor: MonitorRole,
}

/// A server bound to its address, not yet serving: its address is known
/// (port 0 picks a free one) before it starts.
pub struct Bound {
    listener: TcpListener,
    stop: tokio::sync::watch::Sender<bool>,
    streams: Arc<()>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    app: axum::Router,
}

impl Bound {
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// `https` or `http`.
    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() { "https" } else { "http" }
    }

    /// Serves until `shutdown` completes; requests under way finish, and
    /// open streams are closed with a reason.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), Error> {
        let Bound {
            listener,
            stop,
            streams,
            tls,
            app,
        } = self;
        let shutdown = async move {
            shutdown.await;
            let _ = stop.send(true);
        };
        let served = serve_until(listener, tls, app, shutdown).await;
        // Streams are upgraded connections, which a graceful shutdown
        // does not wait for: they close themselves, given a moment.
        let deadline = tokio::time::Instant::now() + STREAMS_CLOSE_WITHIN;
        while Arc::strong_count(&streams) > 1 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        served
    }
}

async fn serve_until(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    app: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    let stopped = |e: std::io::Error| Error::Internal(format!("the local API stopped: {e}"));
    match tls {
        None => axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(stopped),
        Some(acceptor) => {
            // tap_io: axum then knows each connection's peer address.
            let listener = tls::TlsListener::new(listener, acceptor)
                .map_err(stopped)?
                .tap_io(|_| {});
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
                .map_err(stopped)
        }
    }
}

/// Binds `opts.listen`, over TLS with `tls`. Only a loopback address is
/// served in the clear. `alerts`: the alert monitor's events, where this
/// process runs it.
pub async fn bind(
    engine: Arc<Engine>,
    opts: &Options,
    tls: Option<&TlsIdentity>,
    alerts: Option<tokio::sync::broadcast::Receiver<AlertEvent>>,
) -> Result<Bound, Error> {
    if !opts.listen.ip().is_loopback() && tls.is_none() {
        return Err(coinlytics_engine::error::InvalidInput(format!(
            "{} is not a loopback address: listening beyond this machine needs TLS",
            opts.listen
        ))
        .into());
    }
    let tls = tls.map(tls::acceptor).transpose()?;
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let streams = Arc::new(());
    let listener = TcpListener::bind(opts.listen).await.map_err(|e| {
        coinlytics_engine::error::InvalidInput(format!("cannot listen on {}: {e}", opts.listen))
    })?;
    let settings = engine.settings();
    let hosts = Arc::new(Hosts::new(&settings.api_hosts));
    let ctx = Ctx {
        engine: engine.clone(),
        hosts,
        monitor: opts.monitor,
        limits: Arc::new(limit::Limits::new(settings.api_requests_per_second)),
        feed: feed::spawn_feed(engine.clone(), alerts),
        sessions: Arc::default(),
        secure: tls.is_some(),
        stopping,
        streams: streams.clone(),
    };
    Ok(Bound {
        listener,
        stop,
        streams,
        tls,
        app: routes::router(ctx),
    })
}
