//! A fake Gotify server on 127.0.0.1 speaking its message API
//! (<https://gotify.net/docs/pushmsg>): `POST /message` with
//! `{"title", "message", "priority"}` and the app token in `X-Gotify-Key`;
//! the message as JSON on success, Gotify's `{"error", "errorCode",
//! "errorDescription"}` with 401 for a wrong token, 400 for a bad message.

use std::sync::{Arc, Mutex};

use crate::served::Served;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

struct Inner {
    token: String,
    messages: Vec<Value>,
}

pub struct FakeGotify {
    served: Served,
    inner: Arc<Mutex<Inner>>,
}

impl FakeGotify {
    /// A server whose one app has the token `token`.
    pub async fn start(token: &str) -> FakeGotify {
        let inner = Arc::new(Mutex::new(Inner {
            token: token.to_string(),
            messages: Vec::new(),
        }));
        let app = axum::Router::new()
            .route("/message", post(message))
            .with_state(inner.clone());
        FakeGotify {
            served: Served::start(app).await,
            inner,
        }
    }

    pub fn url(&self) -> String {
        self.served.url()
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
