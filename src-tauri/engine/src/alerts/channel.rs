//! Sending a message to a channel a user added (model/channel.rs): each
//! kind in its service's wire format. The answer says whether to retry:
//! a service's rate answer (429 and its wait), a permanent refusal (a bad
//! token, an unknown topic) that no retry fixes, or a failure that may
//! pass. No redirect is followed, an answer is read only up to a cap, and
//! a token appears in no message.

use std::sync::OnceLock;
use std::time::Duration;

use reqwest::header::RETRY_AFTER;

use crate::model::channel::ChannelConfig;
use crate::secrets::Secret;

/// How long one send may take.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The most of a service's answer read (its error message is in it).
const MAX_ANSWER: usize = 64 * 1024;
/// The wait when a service asks to slow down without saying how long.
const DEFAULT_WAIT: Duration = Duration::from_secs(60);

/// What a channel is sent: the desktop notification's words.
#[derive(Debug, Clone)]
pub struct Message {
    pub title: String,
    pub body: String,
}

/// Why a message was not delivered, and so whether to try again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// It may pass: the service could not be reached, or failed.
    #[error("{0}")]
    Transient(String),
    /// The service asks to wait this long first.
    #[error("{service} asks to wait {} s before the next message", .wait.as_secs())]
    RateLimited {
        service: &'static str,
        wait: Duration,
    },
    /// No retry will fix it: the channel must be changed.
    #[error("{0}")]
    Refused(String),
}

impl SendError {
    pub fn kind(&self) -> crate::error_kind::ErrorKind {
        match self {
            SendError::RateLimited { .. } => crate::error_kind::ErrorKind::RateLimited,
            _ => crate::error_kind::ErrorKind::Channel,
        }
    }
}

fn client() -> Result<&'static reqwest::Client, SendError> {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    if let Some(c) = CLIENT.get() {
        return Ok(c);
    }
    crate::provider::install_tls_provider();
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .user_agent(concat!("coinlytics/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| SendError::Transient(format!("cannot make an HTTP client: {e}")))?;
    Ok(CLIENT.get_or_init(|| c))
}

/// Sends `msg` to the channel `config` describes, with its `token`.
pub async fn send(
    config: &ChannelConfig,
    token: Option<&Secret>,
    msg: &Message,
) -> Result<(), SendError> {
    match config {
        ChannelConfig::Ntfy {
            server,
            topic,
            priority,
        } => ntfy(server, topic, *priority, token, msg).await,
        ChannelConfig::Gotify { server, priority } => gotify(server, *priority, token, msg).await,
        ChannelConfig::Pushover {
            api,
            user_key,
            priority,
        } => pushover(api, user_key, *priority, token, msg).await,
    }
}

/// ntfy's JSON publishing (<https://docs.ntfy.sh/publish/#publish-as-json>):
/// UTF-8 throughout, where its headers would need encoding.
async fn ntfy(
    server: &str,
    topic: &str,
    priority: Option<u8>,
    token: Option<&Secret>,
    msg: &Message,
) -> Result<(), SendError> {
    let mut body = serde_json::json!({
        "topic": topic,
        "title": msg.title,
        "message": msg.body,
        "tags": ["chart_with_upwards_trend"],
    });
    if let Some(p) = priority {
        body["priority"] = p.into();
    }
    let mut req = json_post(&format!("{server}/"), &body)?;
    if let Some(t) = token {
        req = req.bearer_auth(t.expose());
    }
    // ntfy's errors: {"code": 40101, "http": 401, "error": "unauthorized"}.
    let what = format!("the token for '{topic}'");
    deliver(req, ("ntfy", server), "/error", &what).await
}

/// Gotify's message API (<https://gotify.net/docs/pushmsg>): the app
/// token in `X-Gotify-Key`, never in the URL.
async fn gotify(
    server: &str,
    priority: Option<u8>,
    token: Option<&Secret>,
    msg: &Message,
) -> Result<(), SendError> {
    let token = needed(token, "Gotify", "the app's token")?;
    let mut body = serde_json::json!({"title": msg.title, "message": msg.body});
    if let Some(p) = priority {
        body["priority"] = p.into();
    }
    let req =
        json_post(&format!("{server}/message"), &body)?.header("X-Gotify-Key", token.expose());
    // Gotify's errors: {"error": "Unauthorized", "errorCode": 401,
    // "errorDescription": "you need to provide a valid access token …"}.
    deliver(
        req,
        ("Gotify", server),
        "/errorDescription",
        "the app token",
    )
    .await
}

/// Pushover's message API (<https://pushover.net/api>), as JSON: the
/// application's token in the body, never in the URL. Its limits: a
/// title of 250 characters, a message of 1,024.
async fn pushover(
    api: &str,
    user_key: &str,
    priority: Option<i8>,
    token: Option<&Secret>,
    msg: &Message,
) -> Result<(), SendError> {
    let token = needed(token, "Pushover", "the application's API token")?;
    let mut body = serde_json::json!({
        "token": token.expose(),
        "user": user_key,
        "title": msg.title.chars().take(250).collect::<String>(),
        "message": msg.body.chars().take(1024).collect::<String>(),
    });
    if let Some(p) = priority {
        body["priority"] = p.into();
    }
    let req = json_post(&format!("{api}/1/messages.json"), &body)?;
    // Pushover's errors: {"user": "invalid", "errors": ["user identifier
    // is invalid"], "status": 0}; a bad token or key is a 400.
    deliver(req, ("Pushover", api), "/errors/0", "the application token").await
}

/// The token a kind cannot send without.
fn needed<'a>(
    token: Option<&'a Secret>,
    service: &str,
    what: &str,
) -> Result<&'a Secret, SendError> {
    token.ok_or_else(|| {
        SendError::Refused(format!(
            "{service} needs {what}; add the channel again with it"
        ))
    })
}

/// A POST of `body` as JSON to `url`.
fn json_post(url: &str, body: &serde_json::Value) -> Result<reqwest::RequestBuilder, SendError> {
    Ok(client()?
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_string()))
}

/// Sends `req` to `service` at `server` and reads its answer: done, or a
/// failure (its reason at the JSON pointer `error_at`) that says whether
/// to retry; `credential` names what a 401/403 refused.
async fn deliver(
    req: reqwest::RequestBuilder,
    (service, server): (&'static str, &str),
    error_at: &str,
    credential: &str,
) -> Result<(), SendError> {
    let resp = req.send().await.map_err(|e| {
        SendError::Transient(format!(
            "{service} at {server} cannot be reached: {}",
            without_url(&e)
        ))
    })?;
    let status = resp.status();
    if status.is_success() {
        return Ok(());
    }
    let wait = retry_after(&resp);
    let said = said(&answer(resp).await, error_at, status);
    refusal(service, server, status, wait, &said, credential)
}

/// The error message at `pointer` in a service's JSON answer, or the
/// status's words; short and safe to show.
fn said(text: &str, pointer: &str, status: reqwest::StatusCode) -> String {
    let said = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| {
            v.pointer(pointer)
                .and_then(|s| s.as_str())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("an error").to_owned());
    crate::format::printable(&said).chars().take(200).collect()
}

/// What a service's failed answer means for the next attempt.
fn refusal(
    service: &'static str,
    server: &str,
    status: reqwest::StatusCode,
    wait: Option<Duration>,
    said: &str,
    credential: &str,
) -> Result<(), SendError> {
    let code = status.as_u16();
    match code {
        429 => Err(SendError::RateLimited {
            service,
            wait: wait.unwrap_or(DEFAULT_WAIT),
        }),
        401 | 403 => Err(SendError::Refused(format!(
            "{service} at {server} refused {credential} ({code}: {said}); set it again with `coinlytics channel add`"
        ))),
        400..=499 => Err(SendError::Refused(format!(
            "{service} at {server} refused the message ({code}: {said})"
        ))),
        _ => Err(SendError::Transient(format!(
            "{service} at {server} failed ({code}: {said})"
        ))),
    }
}

/// A reqwest error's words without the URL (which the caller names).
fn without_url(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return format!("no answer within {} s", TIMEOUT.as_secs());
    }
    if e.is_redirect() || e.status().is_some_and(|s| s.is_redirection()) {
        return "it answered with a redirect, which is not followed".into();
    }
    let mut s = e.to_string();
    if let Some(url) = e.url() {
        s = s.replace(url.as_str(), "").replace(" ()", "");
    }
    s
}

fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    let secs: u64 = resp
        .headers()
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(secs.min(24 * 3600)))
}

/// At most [`MAX_ANSWER`] bytes of the answer's body, as text.
async fn answer(mut resp: reqwest::Response) -> String {
    let mut bytes = Vec::new();
    while let Ok(Some(chunk)) = resp.chunk().await {
        bytes.extend_from_slice(&chunk);
        if bytes.len() >= MAX_ANSWER {
            bytes.truncate(MAX_ANSWER);
            break;
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}
