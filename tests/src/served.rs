//! A fake service's HTTP server on 127.0.0.1, stopped when dropped: what
//! each small fake (ntfy, Gotify, Pushover, Telegram, Twilio, webhooks)
//! shares, and how a test waits for what one receives.

use tokio::sync::oneshot;

pub struct Served {
    addr: std::net::SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

impl Served {
    /// Serves `app` on a free port of 127.0.0.1.
    pub async fn start(app: axum::Router) -> Served {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Served {
            addr,
            stop: Some(stop),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// What `taken` lists, once it lists `n` or `timeout` has passed: how a
/// test waits for a fake service to receive what the app sends.
pub async fn at_least<T>(
    n: usize,
    timeout: std::time::Duration,
    taken: impl Fn() -> Vec<T>,
) -> Vec<T> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let got = taken();
        if got.len() >= n || std::time::Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
