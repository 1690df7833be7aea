//! `coinlytics serve`: the local API for a browser, a phone or a script,
//! running the same engine as the window: the refresher, the exchanges'
//! streams, and the alert monitor unless another process runs it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use coinlytics_engine::app::market::refresher;
use coinlytics_engine::{Engine, Error};
use coinlytics_server::{DEFAULT_PORT, MonitorRole, Options};

use crate::monitor::shutdown_signal;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The address and port to listen on; beyond loopback (e.g. 0.0.0.0:8725) only over TLS
    #[arg(long, value_name = "ADDR:PORT", default_value_t = SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)))]
    pub listen: SocketAddr,
    /// Serve TLS with this certificate (PEM; default beyond loopback: a self-signed one kept in the data directory)
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM)
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

pub async fn run(engine: Arc<Engine>, args: ServeArgs) -> Result<(), Error> {
    // The certificate first: a bad file is said before anything starts.
    let files = args.tls_cert.as_deref().zip(args.tls_key.as_deref());
    let tls = if files.is_some() || !args.listen.ip().is_loopback() {
        let mut names = engine.settings().api_hosts;
        if !args.listen.ip().is_unspecified() {
            names.push(args.listen.ip().to_string());
        }
        let id = engine.api_tls_identity(files, &names)?;
        if id.made {
            outln!(
                "made a self-signed TLS certificate: {}",
                id.cert_path.display()
            );
        }
        // A phone shows this before trusting the certificate: compare.
        outln!("its SHA-256 fingerprint: {}", id.fingerprint);
        Some(id)
    } else {
        None
    };
    let monitor = match engine.start_monitor("coinlytics serve", None) {
        Ok(m) => Some(m),
        Err(Error::Lock(e)) => {
            errln!("coinlytics: {e}; serving without watching the alerts here");
            None
        }
        Err(e) => return Err(e),
    };
    let opts = Options {
        listen: args.listen,
        monitor: if monitor.is_some() {
            MonitorRole::Running
        } else {
            MonitorRole::Passive
        },
    };
    let alerts = monitor.as_ref().map(|m| m.subscribe());
    let bound = match coinlytics_server::bind(engine.clone(), &opts, tls.as_ref(), alerts).await {
        Ok(b) => b,
        Err(e) => {
            if let Some(m) = monitor {
                m.stop().await;
            }
            return Err(e);
        }
    };
    let addr = bound
        .local_addr()
        .map_err(|e| Error::Internal(e.to_string()))?;
    let settings = engine.settings();
    let refresher = refresher::spawn(
        engine.clone(),
        settings.refresh_interval(),
        Engine::refresh_requests,
    );
    let streams = refresher::spawn_streams(engine.clone(), false, Engine::refresh_requests);
    tracing::info!(%addr, "serving the local API");
    let scheme = bound.scheme();
    outln!(
        "serving the local API at {scheme}://{addr}/api/v1 (its health: {scheme}://{addr}/api/v1/health) and the dashboard at {scheme}://{addr}/; Ctrl-C stops"
    );
    let served = bound.serve(shutdown_signal()).await;
    if let Some(s) = streams {
        s.stop().await;
    }
    refresher.stop().await;
    if let Some(m) = monitor {
        m.stop().await;
    }
    served?;
    outln!("stopped");
    Ok(())
}
