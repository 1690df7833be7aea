//! A fake ntfy server on 127.0.0.1 speaking ntfy's JSON publishing
//! (<https://docs.ntfy.sh/publish/#publish-as-json>): `POST /` with
//! `{"topic", "message", "title", "tags", "priority", "click"}`, an
//! optional `Authorization: Bearer` access token, and ntfy's answers: the
//! message as JSON on success; `{"code", "http", "error"}` with 401 for a
//! wrong token, 400 for a bad message, 429 (with Retry-After) when asked
//! to slow down.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::served::Served;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

/// A message the server took, as it came.
#[derive(Debug, Clone)]
pub struct Published {
    pub body: Value,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    pub at: Instant,
}

#[derive(Default)]
struct Inner {
    published: Vec<Published>,
    /// Every request, taken or not: when it came, and to which topic.
    attempts: Vec<(Instant, String)>,
    /// The access token the topic needs, if any.
    token: Option<String>,
    /// Answer 429 with this Retry-After (s) to the next N requests to
    /// this topic.
    slow_down: Option<(String, u32, u64)>,
    /// How long a message taken waits for its answer (a slow server, or
    /// one that dies before answering).
    answer_after: Duration,
}

pub struct FakeNtfy {
    served: Served,
    inner: Arc<Mutex<Inner>>,
}

impl FakeNtfy {
    pub async fn start() -> FakeNtfy {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = axum::Router::new()
            .route("/", post(publish))
            .with_state(inner.clone());
        FakeNtfy {
            served: Served::start(app).await,
            inner,
        }
    }

    pub fn url(&self) -> String {
        self.served.url()
    }

    /// Topics need this access token from now on.
    pub fn require_token(&self, token: &str) {
        self.lock().token = Some(token.to_string());
    }

    /// The next `n` requests to `topic` get 429 with `Retry-After: secs`.
    pub fn slow_down(&self, topic: &str, n: u32, secs: u64) {
        self.lock().slow_down = Some((topic.to_string(), n, secs));
    }

    /// From now on, each message taken is answered only after `wait`.
    pub fn answer_after(&self, wait: Duration) {
        self.lock().answer_after = wait;
    }

    pub fn published(&self) -> Vec<Published> {
        self.lock().published.clone()
    }

    /// When each request to `topic` came, taken or refused.
    pub fn attempts(&self, topic: &str) -> Vec<Instant> {
        (self.lock().attempts.iter())
            .filter(|(_, t)| t == topic)
            .map(|(at, _)| *at)
            .collect()
    }

    /// The messages taken, once there are `n`, within `timeout`.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Published> {
        crate::served::at_least(n, timeout, || self.published()).await
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn error(status: StatusCode, code: u32, text: &str) -> Response {
    (
        status,
        Json(json!({"code": code, "http": status.as_u16(), "error": text})),
    )
        .into_response()
}

async fn publish(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let answer = take(&inner, &headers, body);
    let wait = match answer.status().is_success() {
        true => inner.lock().unwrap_or_else(|e| e.into_inner()).answer_after,
        false => Duration::ZERO,
    };
    tokio::time::sleep(wait).await;
    answer
}

/// Takes a message (or refuses it), as ntfy would.
fn take(inner: &Mutex<Inner>, headers: &HeaderMap, body: String) -> Response {
    let mut s = inner.lock().unwrap_or_else(|e| e.into_inner());
    let parsed = serde_json::from_str::<Value>(&body);
    let topic = (parsed.as_ref().ok())
        .and_then(|b| b["topic"].as_str())
        .unwrap_or_default()
        .to_string();
    s.attempts.push((Instant::now(), topic.clone()));
    if let Some((slowed, n, secs)) = s.slow_down.clone()
        && slowed == topic
    {
        s.slow_down = (n > 1).then_some((slowed, n - 1, secs));
        let mut r = error(
            StatusCode::TOO_MANY_REQUESTS,
            42901,
            "limit reached: too many requests",
        );
        r.headers_mut().insert(header::RETRY_AFTER, secs.into());
        return r;
    }
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Some(token) = &s.token
        && authorization.as_deref() != Some(&format!("Bearer {token}"))
    {
        return error(StatusCode::UNAUTHORIZED, 40101, "unauthorized");
    }
    let Ok(body) = parsed else {
        return error(
            StatusCode::BAD_REQUEST,
            40024,
            "invalid request: request body must be JSON",
        );
    };
    let topic_ok = body["topic"]
        .as_str()
        .is_some_and(|t| !t.is_empty() && t.len() <= 64);
    if !topic_ok || !body["message"].is_string() {
        return error(
            StatusCode::BAD_REQUEST,
            40009,
            "invalid request: topic invalid",
        );
    }
    if let Some(p) = body.get("priority")
        && !p.as_u64().is_some_and(|p| (1..=5).contains(&p))
    {
        return error(StatusCode::BAD_REQUEST, 40007, "invalid priority");
    }
    let answer = json!({
        "id": format!("m{}", s.published.len() + 1),
        "time": chrono::Utc::now().timestamp(),
        "event": "message",
        "topic": body["topic"],
        "message": body["message"],
    });
    s.published.push(Published {
        body,
        authorization,
        at: Instant::now(),
    });
    Json(answer).into_response()
}
