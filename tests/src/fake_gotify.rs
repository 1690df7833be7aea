//! A fake Gotify server on 127.0.0.1 speaking its message API
//! (<https://gotify.net/docs/pushmsg>): `POST /message` with
//! `{"title", "message", "priority"}` and the app token in `X-Gotify-Key`;
//! the message as JSON on success, Gotify's `{"error", "errorCode",
//! "errorDescription"}` with 401 for a wrong token, 400 for a bad message.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use tokio::sync::oneshot;

struct Inner {
    token: String,
    messages: Vec<Value>,
}

pub struct FakeGotify {
    addr: std::net::SocketAddr,
    inner: Arc<Mutex<Inner>>,
    stop: Option<oneshot::Sender<()>>,
}

impl FakeGotify {
    /// A server whose one app has the token `token`.
    pub async fn start(token: &str) -> FakeGotify {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let inner = Arc::new(Mutex::new(Inner {
            token: token.to_string(),
            messages: Vec::new(),
        }));
        let app = axum::Router::new()
            .route("/message", post(message))
            .with_state(inner.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        FakeGotify {
            addr,
            inner,
            stop: Some(stop),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The messages taken, as they came.
    pub fn messages(&self) -> Vec<Value> {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .messages
            .clone()
    }
}

impl Drop for FakeGotify {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

fn error(status: StatusCode, description: &str) -> Response {
    let body = json!({
        "error": status.canonical_reason(),
        "errorCode": status.as_u16(),
        "errorDescription": description,
    });
    (status, Json(body)).into_response()
}

async fn message(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let mut s = inner.lock().unwrap_or_else(|e| e.into_inner());
    let key = headers.get("x-gotify-key").and_then(|v| v.to_str().ok());
    if key != Some(s.token.as_str()) {
        return error(
            StatusCode::UNAUTHORIZED,
            "you need to provide a valid access token or user credentials to access this api",
        );
    }
    let Ok(body) = serde_json::from_str::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "invalid JSON");
    };
    if body["message"].as_str().is_none_or(str::is_empty) {
        return error(
            StatusCode::BAD_REQUEST,
            "Field validation for 'Message' failed on the 'required' tag",
        );
    }
    let answer = json!({
        "id": s.messages.len() + 1,
        "appid": 1,
        "message": body["message"],
        "title": body["title"],
        "priority": body.get("priority").cloned().unwrap_or(json!(0)),
        "date": chrono::Utc::now().to_rfc3339(),
    });
    s.messages.push(body);
    Json(answer).into_response()
}
