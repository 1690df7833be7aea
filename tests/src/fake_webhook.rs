//! A fake webhook receiver on 127.0.0.1 that is three at once, each at its
//! own secret path:
//! - a Discord webhook
//!   (<https://discord.com/developers/docs/resources/webhook#execute-webhook>):
//!   `POST` JSON with `content` (up to 2000 characters) or `embeds`; 204
//!   (or the message with 200 for `?wait=true`), Discord's `{"message",
//!   "code"}` errors, and 429 with `{"retry_after", "global"}`,
//!   `Retry-After` and `X-RateLimit-Reset-After` when asked to slow down;
//! - a Slack incoming webhook (<https://api.slack.com/messaging/webhooks>):
//!   `POST` JSON with `text` (or `blocks`); `ok`, or Slack's plain-text
//!   errors (`no_text`, `invalid_payload`, `no_service`, `rate_limited`);
//! - a generic receiver: any JSON gets `{"ok": true}`.
//!
//! Every request is kept, refused or not, with its headers, so a test can
//! count attempts and check a signature ([`verify_signature`]).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::served::Served;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

const DISCORD_ID: &str = "123456789";
const DISCORD_TOKEN: &str = "TOKENabc";
const SLACK_PATH: &str = "/services/T000/B000/XXXXSECRET";
const GENERIC_PATH: &str = "/hook/generic-secret-path";

/// Discord's limit on a message's `content`, in characters.
const DISCORD_MAX_CONTENT: usize = 2000;

/// Which of the three services a request went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hook {
    Discord,
    Slack,
    Generic,
}

/// A request as it came, taken or refused.
#[derive(Debug, Clone)]
pub struct Received {
    pub hook: Hook,
    /// Lower-case names, in the order sent.
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub at: Instant,
}

impl Received {
    /// The first header named `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        (self.headers.iter())
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Whether `r` carries `x-coinlytics-signature-256: sha256=<hex>`, the
/// lower-case hex of HMAC-SHA256 of its body under `secret`.
pub fn verify_signature(secret: &str, r: &Received) -> bool {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(r.body.as_bytes());
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    r.header("x-coinlytics-signature-256") == Some(expected.as_str())
}

#[derive(Default)]
struct Inner {
    requests: Vec<Received>,
    accepted: Vec<(Hook, Value)>,
    /// Webhooks deleted on the service's side.
    gone: HashSet<Hook>,
    /// Answer 429 to the next N requests to a hook, retry after so many
    /// seconds.
    slow_down: HashMap<Hook, (usize, f64)>,
}

pub struct FakeWebhook {
    served: Served,
    inner: Arc<Mutex<Inner>>,
}

impl FakeWebhook {
    pub async fn start() -> FakeWebhook {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = axum::Router::new()
            .route("/api/webhooks/{id}/{token}", post(discord))
            .route("/services/{team}/{bot}/{secret}", post(slack))
            .route("/hook/{*path}", post(generic))
            .with_state(inner.clone());
        FakeWebhook {
            served: Served::start(app).await,
            inner,
        }
    }

    pub fn url(&self) -> String {
        self.served.url()
    }

    /// The Discord webhook's URL.
    pub fn discord_url(&self) -> String {
        format!("{}/api/webhooks/{DISCORD_ID}/{DISCORD_TOKEN}", self.url())
    }

    /// The Slack incoming webhook's URL.
    pub fn slack_url(&self) -> String {
        format!("{}{SLACK_PATH}", self.url())
    }

    /// The generic receiver's URL.
    pub fn generic_url(&self) -> String {
        format!("{}{GENERIC_PATH}", self.url())
    }

    /// The Discord webhook was deleted: requests get 404 Unknown Webhook.
    pub fn discord_delete(&self) {
        self.lock().gone.insert(Hook::Discord);
    }

    /// The Slack webhook was removed: requests get 404 `no_service`.
    pub fn slack_delete(&self) {
        self.lock().gone.insert(Hook::Slack);
    }

    /// The next `n` requests to `hook` get 429, retry after `retry_after_secs`
    /// (whole seconds, rounded up, in `Retry-After`; Discord also has the
    /// exact figure in its body and `X-RateLimit-Reset-After`).
    pub fn slow_down(&self, hook: Hook, n: usize, retry_after_secs: f64) {
        let mut s = self.lock();
        if n > 0 {
            s.slow_down.insert(hook, (n, retry_after_secs));
        } else {
            s.slow_down.remove(&hook);
        }
    }

    /// Every request, taken or refused, as it came.
    pub fn requests(&self) -> Vec<Received> {
        self.lock().requests.clone()
    }

    /// The bodies `hook` took.
    pub fn accepted(&self, hook: Hook) -> Vec<Value> {
        (self.lock().accepted.iter())
            .filter(|(h, _)| *h == hook)
            .map(|(_, body)| body.clone())
            .collect()
    }

    /// The bodies `hook` took, once there are `n`, within `timeout`.
    pub async fn wait_for(&self, hook: Hook, n: usize, timeout: Duration) -> Vec<Value> {
        crate::served::at_least(n, timeout, || self.accepted(hook)).await
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Inner {
    fn record(&mut self, hook: Hook, headers: &HeaderMap, body: &Bytes) {
        let headers = (headers.iter())
            .map(|(n, v)| {
                let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
                (n.as_str().to_string(), v)
            })
            .collect();
        self.requests.push(Received {
            hook,
            headers,
            body: String::from_utf8_lossy(body).into_owned(),
            at: Instant::now(),
        });
    }

    /// The seconds to wait if `hook` is to be refused with 429 now.
    fn slowed(&mut self, hook: Hook) -> Option<f64> {
        let (n, secs) = self.slow_down.remove(&hook)?;
        if n > 1 {
            self.slow_down.insert(hook, (n - 1, secs));
        }
        Some(secs)
    }
}

fn too_many(mut r: Response, secs: f64) -> Response {
    *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    // Retry-After is whole seconds; rounding down could ask for a retry
    // before the limit resets.
    let whole = secs.max(0.0).ceil() as u64;
    r.headers_mut().insert(header::RETRY_AFTER, whole.into());
    r
}

fn discord_error(status: StatusCode, code: u32, message: &str) -> Response {
    (status, Json(json!({"message": message, "code": code}))).into_response()
}

async fn discord(
    State(inner): State<Arc<Mutex<Inner>>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut s = inner.lock().unwrap_or_else(|e| e.into_inner());
    s.record(Hook::Discord, &headers, &body);
    let mut path = uri.path().trim_start_matches("/api/webhooks/").split('/');
    let (id, token) = (path.next(), path.next());
    if id != Some(DISCORD_ID) || s.gone.contains(&Hook::Discord) {
        return discord_error(StatusCode::NOT_FOUND, 10015, "Unknown Webhook");
    }
    if token != Some(DISCORD_TOKEN) {
        return discord_error(StatusCode::UNAUTHORIZED, 50027, "Invalid Webhook Token");
    }
    if let Some(secs) = s.slowed(Hook::Discord) {
        let body =
            json!({"message": "You are being rate limited.", "retry_after": secs, "global": false});
        let mut r = too_many(Json(body).into_response(), secs);
        let h = r.headers_mut();
        h.insert("x-ratelimit-limit", HeaderValue::from_static("5"));
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        if let Ok(v) = HeaderValue::from_str(&format!("{secs:.3}")) {
            h.insert("x-ratelimit-reset-after", v);
        }
        h.insert("x-ratelimit-scope", HeaderValue::from_static("user"));
        return r;
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return discord_error(
            StatusCode::BAD_REQUEST,
            50109,
            "The request body contains invalid JSON.",
        );
    };
    let content = body["content"].as_str().unwrap_or_default();
    if content.chars().count() > DISCORD_MAX_CONTENT {
        let errors = json!({"content": {"_errors": [{
            "code": "BASE_TYPE_MAX_LENGTH",
            "message": "Must be 2000 or fewer in length.",
        }]}});
        let body = json!({"message": "Invalid Form Body", "code": 50035, "errors": errors});
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    let has_embeds = body["embeds"].as_array().is_some_and(|e| !e.is_empty());
    if content.is_empty() && !has_embeds {
        return discord_error(
            StatusCode::BAD_REQUEST,
            50006,
            "Cannot send an empty message",
        );
    }
    let wait = uri
        .query()
        .is_some_and(|q| q.split('&').any(|p| p == "wait=true"));
    let message = wait.then(|| {
        json!({
            "id": format!("{}", 1_200_000_000_000_000_000u64 + s.accepted.len() as u64),
            "type": 0,
            "content": content,
            "channel_id": "987654321",
            "webhook_id": DISCORD_ID,
            "author": {"id": DISCORD_ID, "username": "Coinlytics", "bot": true},
            "embeds": body.get("embeds").cloned().unwrap_or(json!([])),
            "timestamp": chrono::Utc::now().to_rfc3339(),
        })
    });
    s.accepted.push((Hook::Discord, body));
    match message {
        Some(message) => Json(message).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    }
}

async fn slack(
    State(inner): State<Arc<Mutex<Inner>>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut s = inner.lock().unwrap_or_else(|e| e.into_inner());
    s.record(Hook::Slack, &headers, &body);
    if uri.path() != SLACK_PATH || s.gone.contains(&Hook::Slack) {
        return (StatusCode::NOT_FOUND, "no_service").into_response();
    }
    if let Some(secs) = s.slowed(Hook::Slack) {
        return too_many("rate_limited".into_response(), secs);
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "invalid_payload").into_response();
    };
    let has_text = body["text"].as_str().is_some_and(|t| !t.is_empty());
    let has_blocks = body["blocks"].as_array().is_some_and(|b| !b.is_empty());
    if !has_text && !has_blocks {
        return (StatusCode::BAD_REQUEST, "no_text").into_response();
    }
    s.accepted.push((Hook::Slack, body));
    "ok".into_response()
}

async fn generic(
    State(inner): State<Arc<Mutex<Inner>>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut s = inner.lock().unwrap_or_else(|e| e.into_inner());
    s.record(Hook::Generic, &headers, &body);
    if uri.path() != GENERIC_PATH {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"ok": false, "error": "not found"})),
        )
            .into_response();
    }
    if let Some(secs) = s.slowed(Hook::Generic) {
        let body = json!({"ok": false, "error": "rate limited"});
        return too_many(Json(body).into_response(), secs);
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        let body = json!({"ok": false, "error": "the body is not JSON"});
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    };
    s.accepted.push((Hook::Generic, body));
    Json(json!({"ok": true})).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn post(url: &str, body: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .expect("client");
        let mut request = http
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_string());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.expect("request")
    }

    #[tokio::test]
    async fn discord_takes_refuses_and_slows_down() {
        let fake = FakeWebhook::start().await;
        let url = fake.discord_url();

        let r = post(&url, r#"{"content": "BTC up"}"#, &[]).await;
        assert_eq!(r.status(), 204);
        assert_eq!(r.bytes().await.expect("body").len(), 0);
        let r = post(&format!("{url}?wait=true"), r#"{"content": "ETH up"}"#, &[]).await;
        assert_eq!(r.status(), 200);
        let message: Value = r.json().await.expect("json");
        assert_eq!(message["content"], "ETH up");

        let long = json!({"content": "x".repeat(2001)}).to_string();
        let r = post(&url, &long, &[]).await;
        assert_eq!(r.status(), 400);
        let answer: Value = r.json().await.expect("json");
        assert_eq!(answer["code"], 50035);
        assert_eq!(
            answer["errors"]["content"]["_errors"][0]["code"],
            "BASE_TYPE_MAX_LENGTH"
        );

        fake.slow_down(Hook::Discord, 1, 0.5);
        // Only the hook asked to slow down does.
        let r = post(&fake.generic_url(), "{}", &[]).await;
        assert_eq!(r.status(), 200);
        let r = post(&url, r#"{"content": "x"}"#, &[]).await;
        assert_eq!(r.status(), 429);
        assert_eq!(r.headers()["retry-after"], "1");
        assert_eq!(r.headers()["x-ratelimit-reset-after"], "0.500");
        let answer: Value = r.json().await.expect("json");
        assert_eq!(
            answer,
            json!({"message": "You are being rate limited.", "retry_after": 0.5, "global": false})
        );

        fake.discord_delete();
        let r = post(&url, r#"{"content": "x"}"#, &[]).await;
        assert_eq!(r.status(), 404);
        let answer: Value = r.json().await.expect("json");
        assert_eq!(answer, json!({"message": "Unknown Webhook", "code": 10015}));

        let discord = (fake.requests().iter())
            .filter(|r| r.hook == Hook::Discord)
            .count();
        assert_eq!(discord, 5);
        assert_eq!(fake.accepted(Hook::Discord).len(), 2);
    }

    #[tokio::test]
    async fn slack_and_generic_answer_as_theirs_do() {
        let fake = FakeWebhook::start().await;
        let slack = fake.slack_url();

        let r = post(&slack, r#"{"text": "BTC up"}"#, &[]).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.text().await.expect("body"), "ok");
        let r = post(&slack, r#"{"username": "x"}"#, &[]).await;
        assert_eq!(
            (r.status().as_u16(), r.text().await.expect("body")),
            (400, "no_text".into())
        );
        let r = post(&slack, "text=x", &[]).await;
        assert_eq!(
            (r.status().as_u16(), r.text().await.expect("body")),
            (400, "invalid_payload".into())
        );
        fake.slow_down(Hook::Slack, 1, 2.0);
        let r = post(&slack, r#"{"text": "x"}"#, &[]).await;
        assert_eq!(r.status(), 429);
        assert_eq!(r.headers()["retry-after"], "2");
        assert_eq!(r.text().await.expect("body"), "rate_limited");
        fake.slack_delete();
        let r = post(&slack, r#"{"text": "x"}"#, &[]).await;
        assert_eq!(
            (r.status().as_u16(), r.text().await.expect("body")),
            (404, "no_service".into())
        );

        let body = r#"{"coin": "bitcoin"}"#;
        let mut mac = Hmac::<Sha256>::new_from_slice(b"s3cret").expect("key");
        mac.update(body.as_bytes());
        let signature = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        let r = post(
            &fake.generic_url(),
            body,
            &[("X-Coinlytics-Signature-256", &signature)],
        )
        .await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.json::<Value>().await.expect("json"), json!({"ok": true}));
        let r = post(&fake.generic_url(), "not json", &[]).await;
        assert_eq!(r.status(), 400);

        let generic: Vec<Received> = (fake.requests().into_iter())
            .filter(|r| r.hook == Hook::Generic)
            .collect();
        assert_eq!(generic.len(), 2);
        assert!(verify_signature("s3cret", &generic[0]));
        assert!(!verify_signature("other", &generic[0]));
        assert!(!verify_signature("s3cret", &generic[1]));
        assert_eq!(
            fake.accepted(Hook::Generic),
            vec![json!({"coin": "bitcoin"})]
        );
        assert_eq!(fake.accepted(Hook::Slack).len(), 1);
    }
}
