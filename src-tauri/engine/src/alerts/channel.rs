//! Sending a message to a channel a user added (model/channel.rs): each
//! kind in its service's wire format. The answer says whether to retry:
//! a service's rate answer (429 and its wait), a permanent refusal (a bad
//! token, an unknown topic) that no retry fixes, or a failure that may
//! pass. No redirect is followed, an answer is read only up to a cap, and
//! a token appears in no message.

use std::sync::OnceLock;
use std::time::Duration;

use reqwest::header::RETRY_AFTER;

use super::wording;
use crate::model::alert::Firing;
use crate::model::channel::{ChannelConfig, WebhookPreset};
use crate::secrets::{ChannelSecrets, Secret};

/// How long one send may take.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The most of a service's answer read (its error message is in it).
const MAX_ANSWER: usize = 64 * 1024;
/// The wait when a service asks to slow down without saying how long.
const DEFAULT_WAIT: Duration = Duration::from_secs(60);

/// What a channel is sent: the desktop notification's words, and the
/// firing's facts for a template.
#[derive(Debug, Clone)]
pub struct Message {
    pub title: String,
    pub body: String,
    /// Whether the move was upward, for an icon; `None` for a test.
    pub up: Option<bool>,
    /// A page about the coin, to open from the notification.
    pub click: Option<String>,
    /// A generic webhook's template fields (model/channel's
    /// `TEMPLATE_FIELDS`).
    pub fields: Vec<(&'static str, String)>,
}

impl Message {
    pub fn firing(f: &Firing) -> Message {
        let (title, body) = (f.headline(), f.body());
        let fired_at = chrono::DateTime::from_timestamp(f.epoch, 0)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default();
        Message {
            fields: vec![
                ("title", title.clone()),
                ("body", body.clone()),
                ("coin", f.coin_id.clone()),
                ("symbol", f.symbol.to_ascii_uppercase()),
                ("price", f.price.to_string()),
                ("currency", f.currency.to_ascii_uppercase()),
                ("key", f.key.clone()),
                ("fired_at", fired_at),
            ],
            title,
            body,
            up: Some(f.value >= f.level),
            click: Some(format!("https://www.coingecko.com/en/coins/{}", f.coin_id)),
        }
    }

    /// What `channel test` sends through the channel `name`.
    pub fn test(name: &str) -> Message {
        let title = "Coinlytics: a test".to_string();
        let body = format!("Alerts sent to the channel '{name}' arrive here.");
        Message {
            fields: vec![("title", title.clone()), ("body", body.clone())],
            title,
            body,
            up: None,
            click: None,
        }
    }
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

/// Sends `msg` to the channel `config` describes, with its secrets.
pub async fn send(
    config: &ChannelConfig,
    secrets: &ChannelSecrets,
    msg: &Message,
) -> Result<(), SendError> {
    let token = secrets.token.as_ref();
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
        ChannelConfig::Telegram { api, chat_id } => telegram(api, chat_id, token, msg).await,
        ChannelConfig::Sms {
            api,
            account_sid,
            from,
            to,
        } => sms(api, account_sid, (from, to), token, msg).await,
        ChannelConfig::Webhook {
            preset,
            template,
            signed,
        } => {
            let signing = match signed {
                true => Some(needed(
                    secrets.signing.as_ref(),
                    "A signed webhook",
                    "its signing key",
                )?),
                false => None,
            };
            webhook(*preset, template.as_deref(), signing, token, msg).await
        }
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
    let tag = match msg.up {
        Some(true) => "chart_with_upwards_trend",
        Some(false) => "chart_with_downwards_trend",
        None => "bell",
    };
    // ntfy keeps a message of up to 4,096 bytes as text.
    let mut body = serde_json::json!({
        "topic": topic,
        "title": msg.title,
        "message": wording::fit(&msg.body, 1024, wording::plain, "…"),
        "tags": [tag],
    });
    if let Some(p) = priority {
        body["priority"] = p.into();
    }
    if let Some(click) = &msg.click {
        body["click"] = click.as_str().into();
    }
    let mut req = json_post(&format!("{server}/"), &body)?;
    if let Some(t) = token {
        req = req.bearer_auth(t.expose());
    }
    // ntfy's errors: {"code": 40101, "http": 401, "error": "unauthorized"}.
    let what = format!("the token for '{topic}'");
    deliver(req, Answer::new("ntfy", server, "/error", &what)).await
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
        Answer::new("Gotify", server, "/errorDescription", "the app token"),
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
        "title": wording::fit(&msg.title, 250, wording::plain, "…"),
        "message": wording::fit(&msg.body, 1024, wording::plain, "…"),
    });
    if let Some(p) = priority {
        body["priority"] = p.into();
    }
    let req = json_post(&format!("{api}/1/messages.json"), &body)?;
    // Pushover's errors: {"user": "invalid", "errors": ["user identifier
    // is invalid"], "status": 0}; a bad token or key is a 400.
    deliver(
        req,
        Answer::new("Pushover", api, "/errors/0", "the application token"),
    )
    .await
}

/// Telegram's `sendMessage` (<https://core.telegram.org/bots/api#sendmessage>)
/// in its HTML parse mode. The bot's token is part of the URL, which no
/// message repeats.
async fn telegram(
    api: &str,
    chat_id: &str,
    token: Option<&Secret>,
    msg: &Message,
) -> Result<(), SendError> {
    let token = needed(token, "Telegram", "the bot's token")?;
    let chat: serde_json::Value = match chat_id.parse::<i64>() {
        Ok(n) => n.into(),
        Err(_) => chat_id.into(),
    };
    let body = serde_json::json!({
        "chat_id": chat,
        "text": wording::telegram(&msg.title, &msg.body),
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": true},
    });
    let req = json_post(&format!("{api}/bot{}/sendMessage", token.expose()), &body)?;
    // Telegram's errors: {"ok": false, "error_code": 429, "description":
    // "Too Many Requests: retry after 5", "parameters": {"retry_after": 5}}.
    let mut answer = Answer::new("Telegram", api, "/description", "the bot's token");
    answer.wait_at = Some("/parameters/retry_after");
    deliver(req, answer).await
}

/// The chats that wrote to a Telegram bot lately, from its updates
/// (<https://core.telegram.org/bots/api#getupdates>): their ids and names.
pub async fn telegram_chats(api: &str, token: &Secret) -> Result<Vec<(i64, String)>, SendError> {
    let service = Answer::new("Telegram", api, "/description", "the bot's token");
    let resp = client()?
        .get(format!("{api}/bot{}/getUpdates", token.expose()))
        .send()
        .await
        .map_err(|e| service.unreachable(&e))?;
    let status = resp.status();
    let wait = retry_after(&resp);
    let text = answer(resp).await;
    if !status.is_success() {
        return Err(service.refusal(status, wait, &text));
    }
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|_| SendError::Transient("Telegram's answer is not JSON".into()))?;
    let mut chats: Vec<(i64, String)> = Vec::new();
    for update in v["result"].as_array().into_iter().flatten() {
        let Some(chat) = ["message", "channel_post", "my_chat_member"]
            .iter()
            .find_map(|k| update[k]["chat"].as_object())
        else {
            continue;
        };
        let Some(id) = chat.get("id").and_then(|i| i.as_i64()) else {
            continue;
        };
        let name = ["title", "first_name", "username"]
            .iter()
            .find_map(|k| chat.get(*k).and_then(|n| n.as_str()))
            .unwrap_or("?");
        if !chats.iter().any(|(c, _)| *c == id) {
            chats.push((
                id,
                crate::format::printable(name).chars().take(64).collect(),
            ));
        }
    }
    Ok(chats)
}

/// An SMS through Twilio's Messages API
/// (<https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource>):
/// a form, with the account's SID and auth token as Basic auth.
async fn sms(
    api: &str,
    account_sid: &str,
    (from, to): (&str, &str),
    token: Option<&Secret>,
    msg: &Message,
) -> Result<(), SendError> {
    let token = needed(token, "The SMS service", "the account's auth token")?;
    let from_key = if from.starts_with("MG") {
        "MessagingServiceSid"
    } else {
        "From"
    };
    let text = wording::sms(&msg.title, &msg.body);
    let req = client()?
        .post(format!(
            "{api}/2010-04-01/Accounts/{account_sid}/Messages.json"
        ))
        .basic_auth(account_sid, Some(token.expose()))
        .form(&[("To", to), (from_key, from), ("Body", &text)]);
    // Twilio's errors: {"code": 21211, "message": "Invalid 'To' Phone
    // Number", "more_info": …, "status": 400}.
    deliver(req, Answer::new("SMS", api, "/message", "the auth token")).await
}

/// A webhook: Discord's (<https://discord.com/developers/docs/resources/webhook#execute-webhook>),
/// Slack's (<https://api.slack.com/messaging/webhooks>), or JSON of one's
/// own. A signed one says `X-Coinlytics-Signature-256: sha256=<hex>`, the
/// HMAC-SHA256 of the body with the channel's key, as GitHub's do.
async fn webhook(
    preset: WebhookPreset,
    template: Option<&str>,
    signing: Option<&Secret>,
    url: Option<&Secret>,
    msg: &Message,
) -> Result<(), SendError> {
    let url = needed(url, "A webhook", "its URL")?;
    let (service, body, error_at) = match preset {
        WebhookPreset::Discord => (
            "Discord",
            serde_json::json!({
                "content": wording::discord_content(&msg.title, &msg.body),
                // Never a ping to @everyone from a note's text.
                "allowed_mentions": {"parse": []},
            }),
            "/message",
        ),
        WebhookPreset::Slack => (
            "Slack",
            serde_json::json!({
                "text": wording::slack_text(&msg.title, &msg.body),
                "mrkdwn": true,
            }),
            "",
        ),
        WebhookPreset::Generic => ("The webhook", generic_body(template, msg), "/error"),
    };
    let body = body.to_string();
    let mut req = client()?
        .post(url.expose())
        .header(reqwest::header::CONTENT_TYPE, "application/json");
    if let Some(key) = signing {
        req = req.header(
            "X-Coinlytics-Signature-256",
            signature(key, body.as_bytes()),
        );
    }
    // The URL is the secret: the answer names the service, not where.
    let mut answer = Answer::new(service, "its URL", error_at, "the webhook's URL");
    answer.wait_at = Some("/retry_after");
    deliver(req.body(body), answer).await
}

/// The generic webhook's body: the template with each `{{field}}` in its
/// strings replaced (the values are JSON-escaped by being put in a
/// string), or every field when there is no template.
fn generic_body(template: Option<&str>, msg: &Message) -> serde_json::Value {
    fn fill(v: &mut serde_json::Value, fields: &[(&str, String)]) {
        match v {
            serde_json::Value::String(s) => {
                for (k, val) in fields {
                    *s = s.replace(&format!("{{{{{k}}}}}"), val);
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(|v| fill(v, fields)),
            serde_json::Value::Object(o) => o.values_mut().for_each(|v| fill(v, fields)),
            _ => {}
        }
    }
    match template.and_then(|t| serde_json::from_str(t).ok()) {
        Some(mut v) => {
            fill(&mut v, &msg.fields);
            v
        }
        None => serde_json::Value::Object(
            msg.fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.as_str().into()))
                .collect(),
        ),
    }
}

/// `sha256=` and the hex of the body's HMAC-SHA256 with `key`.
pub fn signature(key: &Secret, body: &[u8]) -> String {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key.expose().as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
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

/// How to read a service's answer.
struct Answer<'a> {
    service: &'static str,
    /// Where it is, as a message may name it (never a secret URL).
    server: &'a str,
    /// The JSON pointer to its error's words ("": the whole answer, when
    /// it is plain text).
    error_at: &'a str,
    /// The JSON pointer to its wait in seconds, when it gives one in the
    /// body rather than in Retry-After.
    wait_at: Option<&'a str>,
    /// What a 401 refused.
    credential: &'a str,
}

impl<'a> Answer<'a> {
    fn new(
        service: &'static str,
        server: &'a str,
        error_at: &'a str,
        credential: &'a str,
    ) -> Answer<'a> {
        Answer {
            service,
            server,
            error_at,
            wait_at: None,
            credential,
        }
    }

    fn unreachable(&self, e: &reqwest::Error) -> SendError {
        SendError::Transient(format!(
            "{} at {} cannot be reached: {}",
            self.service,
            self.server,
            without_url(e)
        ))
    }

    /// What a failed answer (`status`, its Retry-After `wait`, its `text`)
    /// means for the next attempt.
    fn refusal(
        &self,
        status: reqwest::StatusCode,
        wait: Option<Duration>,
        text: &str,
    ) -> SendError {
        let json = serde_json::from_str::<serde_json::Value>(text).ok();
        let said = json
            .as_ref()
            .and_then(|v| v.pointer(self.error_at))
            .and_then(|s| s.as_str())
            .or_else(|| (json.is_none() && !text.trim().is_empty()).then_some(text.trim()))
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("an error"));
        let said: String = crate::format::printable(said).chars().take(200).collect();
        let body_wait = self
            .wait_at
            .and_then(|p| json.as_ref()?.pointer(p)?.as_f64())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(|s| Duration::from_secs_f64(s.min(24.0 * 3600.0)));
        let (service, server, code) = (self.service, self.server, status.as_u16());
        match code {
            429 => SendError::RateLimited {
                service,
                wait: wait.or(body_wait).unwrap_or(DEFAULT_WAIT),
            },
            401 => SendError::Refused(format!(
                "{service} at {server} refused {} ({code}: {said}); set it again (Settings → Alert channels, or `coinlytics channel add … --replace`)",
                self.credential
            )),
            400..=499 => SendError::Refused(format!(
                "{service} at {server} refused the message ({code}: {said})"
            )),
            _ => SendError::Transient(format!("{service} at {server} failed ({code}: {said})")),
        }
    }
}

/// Sends `req` and reads the answer: done, or a failure that says whether
/// to retry.
async fn deliver(req: reqwest::RequestBuilder, service: Answer<'_>) -> Result<(), SendError> {
    let resp = req.send().await.map_err(|e| service.unreachable(&e))?;
    let status = resp.status();
    if status.is_success() {
        return Ok(());
    }
    let wait = retry_after(&resp);
    Err(service.refusal(status, wait, &answer(resp).await))
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
