//! A fake Pushover API on 127.0.0.1 (<https://pushover.net/api>):
//! `POST /1/messages.json` with `{"token", "user", "title", "message",
//! "priority"}`; `{"status": 1, "request": …}` on success, and
//! Pushover's `{"token"|"user": "invalid", "errors": [...], "status": 0}`
//! with 400 for a wrong token or user key.

use std::sync::{Arc, Mutex};

use crate::served::Served;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

struct Inner {
    token: String,
    user: String,
    messages: Vec<Value>,
}

pub struct FakePushover {
    served: Served,
    inner: Arc<Mutex<Inner>>,
}

impl FakePushover {
    /// An API that knows one application (`token`) and one user (`user`).
    pub async fn start(token: &str, user: &str) -> FakePushover {
        let inner = Arc::new(Mutex::new(Inner {
            token: token.to_string(),
            user: user.to_string(),
            messages: Vec::new(),
        }));
        let app = axum::Router::new()
            .route("/1/messages.json", post(message))
            .with_state(inner.clone());
        FakePushover {
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

fn invalid(field: &str, error: &str) -> Response {
    let body = json!({field: "invalid", "errors": [error], "status": 0, "request": "5042853c-402d-4a18-abcb-168734a801de"});
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

async fn message(State(inner): State<Arc<Mutex<Inner>>>, body: String) -> Response {
    let mut s = inner.lock().unwrap_or_else(|e| e.into_inner());
    let Ok(body) = serde_json::from_str::<Value>(&body) else {
        return invalid("message", "message cannot be blank");
    };
    if body["token"].as_str() != Some(s.token.as_str()) {
        return invalid(
            "token",
            "application token is invalid, see https://pushover.net/api",
        );
    }
    if body["user"].as_str() != Some(s.user.as_str()) {
        return invalid(
            "user",
            "user identifier is not a valid user, group, or subscribed user key, see https://pushover.net/api#identifiers",
        );
    }
    if body["message"].as_str().is_none_or(str::is_empty) {
        return invalid("message", "message cannot be blank");
    }
    s.messages.push(body);
    Json(json!({"status": 1, "request": "647d2300-702c-4b38-8b2f-d56326ae460b"})).into_response()
}
