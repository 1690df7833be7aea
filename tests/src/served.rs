//! A fake service's HTTP server on 127.0.0.1, stopped when dropped: what
//! each small fake (ntfy, Gotify, Pushover) shares.

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
