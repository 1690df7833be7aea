//! A fake Twilio Messages API on 127.0.0.1
//! (<https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource>):
//! `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with HTTP Basic
//! auth `AccountSid:AuthToken` and a form body (`To`, `From`, `Body`); the
//! message resource as JSON with 201 on success, and Twilio's `{"code",
//! "message", "more_info", "status"}` otherwise: 401 for wrong
//! credentials, 400 for a bad number, an unverified number (as a trial
//! account) or a bad body, 429 (with Retry-After) when asked to slow down.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::served::Served;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use serde_json::json;

/// Twilio's limit on a message's body, in characters.
const MAX_BODY: usize = 1600;

/// A text message the API took.
#[derive(Debug, Clone)]
pub struct Sms {
    pub to: String,
    pub from: String,
    pub body: String,
}

#[derive(Default)]
struct Inner {
    account_sid: String,
    auth_token: String,
    /// Numbers a trial account may not text.
    unverified: HashSet<String>,
    messages: Vec<Sms>,
    /// Every request, taken or refused.
    attempts: Vec<Instant>,
    /// Answer 429 with this Retry-After (s) to the next N requests.
    slow_down: Option<(usize, u64)>,
}

pub struct FakeTwilio {
    served: Served,
    inner: Arc<Mutex<Inner>>,
}

impl FakeTwilio {
    /// An API that knows one account, `account_sid` with `auth_token`.
    pub async fn start(account_sid: &str, auth_token: &str) -> FakeTwilio {
        let inner = Arc::new(Mutex::new(Inner {
            account_sid: account_sid.to_string(),
            auth_token: auth_token.to_string(),
            ..Inner::default()
        }));
        let app = axum::Router::new()
            .route(
                "/2010-04-01/Accounts/{account_sid}/Messages.json",
                post(create_message),
            )
            .with_state(inner.clone());
        FakeTwilio {
            served: Served::start(app).await,
            inner,
        }
    }

    pub fn url(&self) -> String {
        self.served.url()
    }

    /// Texting `number` answers 400 (21608), as for a trial account.
    pub fn unverified(&self, number: &str) {
        self.lock().unverified.insert(number.to_string());
    }

    /// The next `n` requests get 429 with `Retry-After: retry_after_secs`.
    pub fn slow_down(&self, n: usize, retry_after_secs: u64) {
        self.lock().slow_down = (n > 0).then_some((n, retry_after_secs));
    }

    /// The messages taken, as they came.
    pub fn messages(&self) -> Vec<Sms> {
        self.lock().messages.clone()
    }

    /// When each request came, taken or refused.
    pub fn attempts(&self) -> Vec<Instant> {
        self.lock().attempts.clone()
    }

    /// The messages taken, once there are `n`, within `timeout`.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Sms> {
        crate::served::at_least(n, timeout, || self.messages()).await
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn error(status: StatusCode, code: u32, message: &str) -> Response {
    let body = json!({
        "code": code,
        "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
        "status": status.as_u16(),
    });
    (status, Json(body)).into_response()
}

/// The `(user, password)` of an HTTP Basic `Authorization` header.
fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

/// E.164: a `+`, then 8 to 15 digits.
fn is_e164(number: &str) -> bool {
    number
        .strip_prefix('+')
        .is_some_and(|d| (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}

/// How many SMS `body` goes out as: 160 characters of the GSM alphabet
/// (taken as printable ASCII and line breaks) fit one, 153 each when
/// concatenated (the rest is the header); anything else goes as UCS-2,
/// 70 and 67.
fn segments(body: &str) -> usize {
    let n = body.chars().count();
    let gsm = body
        .chars()
        .all(|c| c == '\n' || c == '\r' || (' '..='~').contains(&c));
    let (single, part) = if gsm { (160, 153) } else { (70, 67) };
    if n <= single { 1 } else { n.div_ceil(part) }
}

async fn create_message(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path(account_sid): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let mut s = inner.lock().unwrap_or_else(|e| e.into_inner());
    s.attempts.push(Instant::now());
    let credentials = (s.account_sid.clone(), s.auth_token.clone());
    if basic_auth(&headers) != Some(credentials) || account_sid != s.account_sid {
        return error(StatusCode::UNAUTHORIZED, 20003, "Authenticate");
    }
    if let Some((n, secs)) = s.slow_down {
        s.slow_down = (n > 1).then_some((n - 1, secs));
        let mut r = error(StatusCode::TOO_MANY_REQUESTS, 20429, "Too Many Requests");
        r.headers_mut().insert(header::RETRY_AFTER, secs.into());
        return r;
    }
    let form = serde_urlencoded::from_str::<Vec<(String, String)>>(&body).unwrap_or_default();
    let field = |name: &str| {
        (form.iter())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (to, from, text) = (field("To"), field("From"), field("Body"));
    if !is_e164(&to) {
        return error(
            StatusCode::BAD_REQUEST,
            21211,
            &format!("Invalid 'To' Phone Number: {to}"),
        );
    }
    if from.is_empty() && field("MessagingServiceSid").is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            21603,
            "A 'From' phone number is required.",
        );
    }
    if s.unverified.contains(&to) {
        return error(
            StatusCode::BAD_REQUEST,
            21608,
            &format!(
                "The number {to} is unverified. Trial accounts cannot send messages to unverified numbers; verify it at twilio.com/user/account/phone-numbers/verified, or purchase a Twilio number to send messages to unverified numbers"
            ),
        );
    }
    if text.is_empty() {
        return error(StatusCode::BAD_REQUEST, 21602, "Message body is required.");
    }
    if text.chars().count() > MAX_BODY {
        return error(
            StatusCode::BAD_REQUEST,
            21617,
            "The concatenated message body exceeds the 1600 character limit.",
        );
    }
    let sid = format!("SM{:032x}", s.messages.len() + 1);
    let now = chrono::Utc::now().to_rfc2822();
    let uri = format!("/2010-04-01/Accounts/{account_sid}/Messages/{sid}");
    let answer = json!({
        "sid": sid,
        "account_sid": account_sid,
        "to": to,
        "from": from,
        "body": text,
        "status": "queued",
        "direction": "outbound-api",
        "api_version": "2010-04-01",
        "num_segments": segments(&text).to_string(),
        "num_media": "0",
        "messaging_service_sid": null,
        "price": null,
        "price_unit": "USD",
        "error_code": null,
        "error_message": null,
        "date_created": now,
        "date_updated": now,
        "date_sent": null,
        "uri": format!("{uri}.json"),
        "subresource_uris": {"media": format!("{uri}/Media.json")},
    });
    s.messages.push(Sms {
        to,
        from,
        body: text,
    });
    (StatusCode::CREATED, Json(answer)).into_response()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    async fn send(fake: &FakeTwilio, token: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .expect("client");
        let url = format!("{}/2010-04-01/Accounts/AC123/Messages.json", fake.url());
        http.post(url)
            .basic_auth("AC123", Some(token))
            .header(
                header::CONTENT_TYPE.as_str(),
                "application/x-www-form-urlencoded",
            )
            .body(serde_urlencoded::to_string(form).expect("form"))
            .send()
            .await
            .expect("request")
    }

    async fn json_of(r: reqwest::Response) -> (u16, Value) {
        let status = r.status().as_u16();
        (status, r.json().await.expect("json body"))
    }

    #[tokio::test]
    async fn messages_are_taken_refused_and_slowed_down() {
        let fake = FakeTwilio::start("AC123", "secret").await;
        let sms = [
            ("To", "+15558675310"),
            ("From", "+15017122661"),
            ("Body", "BTC ≥ 50k"),
        ];

        let (status, answer) = json_of(send(&fake, "secret", &sms).await).await;
        assert_eq!(status, 201);
        assert!(
            answer["sid"]
                .as_str()
                .is_some_and(|s| s.len() == 34 && s.starts_with("SM"))
        );
        assert_eq!(answer["to"], "+15558675310");
        assert_eq!(answer["status"], "queued");
        assert_eq!(answer["num_segments"], "1");
        let taken = fake.messages();
        assert_eq!((taken.len(), taken[0].body.as_str()), (1, "BTC ≥ 50k"));

        let (status, answer) = json_of(send(&fake, "wrong", &sms).await).await;
        assert_eq!((status, answer["code"].clone()), (401, json!(20003)));

        let bad = [("To", "555-1234"), ("From", "+15017122661"), ("Body", "x")];
        let (status, answer) = json_of(send(&fake, "secret", &bad).await).await;
        assert_eq!((status, answer["code"].clone()), (400, json!(21211)));

        fake.unverified("+15558675310");
        let (status, answer) = json_of(send(&fake, "secret", &sms).await).await;
        assert_eq!((status, answer["code"].clone()), (400, json!(21608)));

        fake.slow_down(1, 3);
        let r = send(&fake, "secret", &sms).await;
        assert_eq!(r.headers()["retry-after"], "3");
        let (status, answer) = json_of(r).await;
        assert_eq!(status, 429);
        assert_eq!(
            answer,
            json!({"code": 20429, "message": "Too Many Requests", "more_info": "https://www.twilio.com/docs/errors/20429", "status": 429})
        );
        assert_eq!((fake.attempts().len(), fake.messages().len()), (5, 1));
    }

    #[test]
    fn segments_follow_the_encoding() {
        assert_eq!(segments(&"a".repeat(160)), 1);
        assert_eq!(segments(&"a".repeat(161)), 2);
        assert_eq!(segments(&"≥".repeat(70)), 1);
        assert_eq!(segments(&"≥".repeat(71)), 2);
    }
}
