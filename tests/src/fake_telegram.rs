//! A fake Telegram Bot API on 127.0.0.1 (<https://core.telegram.org/bots/api>):
//! `POST {url}/bot<token>/sendMessage` with `{"chat_id", "text",
//! "parse_mode", "link_preview_options"}` and `GET|POST
//! {url}/bot<token>/getUpdates`; Telegram's `{"ok": true, "result": …}` on
//! success and `{"ok": false, "error_code", "description"}` otherwise: 401
//! for a wrong token, 400 for an unknown chat, an empty or too long text or
//! HTML it can't parse, 403 for a chat that blocked the bot, and 429 with
//! `parameters.retry_after` (in the body only, as Telegram sends it) when
//! asked to slow down.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::served::Served;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

/// Telegram's limit on a message's text, counted after entity parsing.
const MAX_TEXT: usize = 4096;

/// The tags Telegram's HTML parse mode knows
/// (<https://core.telegram.org/bots/api#html-style>).
const TAGS: &[&str] = &[
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "tg-emoji",
    "a",
    "code",
    "pre",
    "blockquote",
];

#[derive(Default)]
struct Inner {
    token: String,
    /// Chats the bot may write to: id → the user's first name.
    chats: HashMap<i64, String>,
    blocked: HashSet<i64>,
    messages: Vec<Value>,
    /// Every sendMessage call, taken or refused.
    attempts: Vec<Instant>,
    /// Answer 429 with this retry_after (s) to the next N sendMessage calls.
    slow_down: Option<(usize, u64)>,
    updates: Vec<Value>,
    next_update_id: i64,
    next_message_id: i64,
}

pub struct FakeTelegram {
    served: Served,
    inner: Arc<Mutex<Inner>>,
}

impl FakeTelegram {
    /// An API that knows one bot, whose token is `token`.
    pub async fn start(token: &str) -> FakeTelegram {
        let inner = Arc::new(Mutex::new(Inner {
            token: token.to_string(),
            next_update_id: 1,
            next_message_id: 1,
            ..Inner::default()
        }));
        let app = axum::Router::new()
            .route("/{bot}/sendMessage", post(send_message))
            .route("/{bot}/getUpdates", get(get_updates).post(get_updates))
            .fallback(not_found)
            .with_state(inner.clone());
        FakeTelegram {
            served: Served::start(app).await,
            inner,
        }
    }

    /// The API base: requests go to `{url}/bot<token>/<method>`.
    pub fn url(&self) -> String {
        self.served.url()
    }

    /// The bot may write to chat `id` from now on.
    pub fn add_chat(&self, id: i64, first_name: &str) {
        self.lock().chats.insert(id, first_name.to_string());
    }

    /// The user of chat `id` blocked the bot: sending there answers 403.
    pub fn block(&self, chat_id: i64) {
        self.lock().blocked.insert(chat_id);
    }

    /// The next `n` sendMessage calls get 429 with `retry_after` seconds.
    pub fn slow_down(&self, n: usize, retry_after: u64) {
        self.lock().slow_down = (n > 0).then_some((n, retry_after));
    }

    /// A user wrote `text` to the bot from a private chat: the chat
    /// becomes known, and getUpdates reports the message.
    pub fn user_wrote(&self, chat_id: i64, first_name: &str, username: Option<&str>, text: &str) {
        let mut s = self.lock();
        s.chats.insert(chat_id, first_name.to_string());
        let mut chat = json!({"id": chat_id, "type": "private", "first_name": first_name});
        let mut from = json!({"id": chat_id, "is_bot": false, "first_name": first_name});
        if let Some(username) = username {
            chat["username"] = json!(username);
            from["username"] = json!(username);
        }
        let update = json!({
            "update_id": s.next_update_id,
            "message": {
                "message_id": s.next_message_id,
                "date": chrono::Utc::now().timestamp(),
                "chat": chat,
                "from": from,
                "text": text,
            },
        });
        s.next_update_id += 1;
        s.next_message_id += 1;
        s.updates.push(update);
    }

    /// The sendMessage bodies taken, as they came.
    pub fn messages(&self) -> Vec<Value> {
        self.lock().messages.clone()
    }

    /// When each sendMessage call came, taken or refused.
    pub fn attempts(&self) -> Vec<Instant> {
        self.lock().attempts.clone()
    }

    /// The messages taken, once there are `n`, within `timeout`.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Value> {
        crate::served::at_least(n, timeout, || self.messages()).await
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn error(status: StatusCode, description: &str) -> Response {
    let body = json!({"ok": false, "error_code": status.as_u16(), "description": description});
    (status, Json(body)).into_response()
}

fn unauthorized() -> Response {
    error(StatusCode::UNAUTHORIZED, "Unauthorized")
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "Not Found")
}

async fn send_message(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path(bot): Path<String>,
    body: String,
) -> Response {
    let mut s = inner.lock().unwrap_or_else(|e| e.into_inner());
    s.attempts.push(Instant::now());
    if bot != format!("bot{}", s.token) {
        return unauthorized();
    }
    if let Some((n, secs)) = s.slow_down {
        s.slow_down = (n > 1).then_some((n - 1, secs));
        let body = json!({
            "ok": false,
            "error_code": 429,
            "description": format!("Too Many Requests: retry after {secs}"),
            "parameters": {"retry_after": secs},
        });
        return (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
    }
    // Telegram reads no parameters from a body it can't parse, so the
    // first one it misses is the chat.
    let body = serde_json::from_str::<Value>(&body).unwrap_or(Value::Null);
    let chat_id = match &body["chat_id"] {
        Value::Number(n) => n.as_i64(),
        Value::String(s) if !s.is_empty() => Some(s.parse::<i64>().unwrap_or(0)),
        _ => None,
    };
    let Some(chat_id) = chat_id else {
        return error(StatusCode::BAD_REQUEST, "Bad Request: chat_id is empty");
    };
    let text = body["text"].as_str().unwrap_or_default();
    if text.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "Bad Request: message text is empty",
        );
    }
    let Some(first_name) = s.chats.get(&chat_id).cloned() else {
        return error(StatusCode::BAD_REQUEST, "Bad Request: chat not found");
    };
    if s.blocked.contains(&chat_id) {
        return error(
            StatusCode::FORBIDDEN,
            "Forbidden: bot was blocked by the user",
        );
    }
    let shown = match body["parse_mode"].as_str() {
        None => text.to_string(),
        Some("HTML") => match parse_html(text) {
            Ok(shown) => shown,
            Err(why) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    &format!("Bad Request: can't parse entities: {why}"),
                );
            }
        },
        // Only HTML is checked: the fake is for proving the engine escapes
        // what it sends as HTML.
        Some("Markdown" | "MarkdownV2") => text.to_string(),
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "Bad Request: unsupported parse_mode",
            );
        }
    };
    if shown.chars().count() > MAX_TEXT {
        return error(StatusCode::BAD_REQUEST, "Bad Request: message is too long");
    }
    let answer = json!({
        "ok": true,
        "result": {
            "message_id": s.next_message_id,
            "date": chrono::Utc::now().timestamp(),
            "chat": {"id": chat_id, "type": "private", "first_name": first_name},
            "text": shown,
        },
    });
    s.next_message_id += 1;
    s.messages.push(body);
    Json(answer).into_response()
}

async fn get_updates(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path(bot): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    body: String,
) -> Response {
    let body = serde_json::from_str::<Value>(&body).unwrap_or(Value::Null);
    let param = |name: &str| {
        (query.get(name).and_then(|v| v.parse::<i64>().ok())).or_else(|| body[name].as_i64())
    };
    let offset = param("offset");
    let timeout = param("timeout").unwrap_or(0).max(0);
    let deadline = Instant::now() + Duration::from_secs(timeout.unsigned_abs());
    loop {
        {
            let mut s = inner.lock().unwrap_or_else(|e| e.into_inner());
            if bot != format!("bot{}", s.token) {
                return unauthorized();
            }
            // As Telegram: asking from `offset` confirms every update
            // before it, and those are never sent again.
            if let Some(offset) = offset {
                s.updates
                    .retain(|u| u["update_id"].as_i64() >= Some(offset));
            }
            if !s.updates.is_empty() || Instant::now() >= deadline {
                return Json(json!({"ok": true, "result": s.updates})).into_response();
            }
        }
        // Long polling: the answer waits for an update, as Telegram's does.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The text Telegram would show for `html` (tags dropped, entities
/// decoded), or why its HTML parse mode refuses it. Stricter than
/// Telegram in one way, so a test proves the engine escapes everything: a
/// `<`, `>` or `&` must be part of a tag or an entity.
fn parse_html(html: &str) -> Result<String, String> {
    let mut shown = String::new();
    let mut open: Vec<String> = Vec::new();
    let mut i = 0;
    while let Some(c) = html[i..].chars().next() {
        let rest = &html[i..];
        match c {
            '<' => {
                let Some(end) = rest.find('>') else {
                    return Err(format!("Unclosed start tag at byte offset {i}"));
                };
                let tag = &rest[1..end];
                if let Some(name) = tag.strip_prefix('/') {
                    let name = name.trim().to_ascii_lowercase();
                    match open.pop() {
                        Some(top) if top == name => {}
                        Some(top) => {
                            return Err(format!(
                                "Unmatched end tag at byte offset {i}, expected \"</{top}>\", found \"</{name}>\""
                            ));
                        }
                        None => return Err(format!("Unexpected end tag at byte offset {i}")),
                    }
                } else {
                    let name = (tag.split(|c: char| c.is_whitespace() || c == '/'))
                        .next()
                        .unwrap_or_default()
                        .to_ascii_lowercase();
                    if !TAGS.contains(&name.as_str()) {
                        return Err(format!(
                            "Unsupported start tag \"{name}\" at byte offset {i}"
                        ));
                    }
                    open.push(name);
                }
                i += end + 1;
            }
            '>' => return Err(format!("Unexpected \">\" at byte offset {i}")),
            '&' => {
                let entity = rest
                    .find(';')
                    .filter(|&end| end <= 10)
                    .and_then(|end| Some((decode_entity(&rest[1..end])?, end)));
                let Some((decoded, end)) = entity else {
                    return Err(format!("Unescaped \"&\" at byte offset {i}"));
                };
                shown.push(decoded);
                i += end + 1;
            }
            c => {
                shown.push(c);
                i += c.len_utf8();
            }
        }
    }
    match open.pop() {
        Some(top) => Err(format!(
            "Can't find end tag corresponding to start tag \"{top}\""
        )),
        None => Ok(shown),
    }
}

/// The character `&name;` stands for: the four named entities Telegram
/// documents, and numeric ones.
fn decode_entity(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        _ => {
            let n = name.strip_prefix('#')?;
            let code = match n.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => n.parse::<u32>().ok()?,
            };
            char::from_u32(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http() -> reqwest::Client {
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .expect("client")
    }

    async fn send(fake: &FakeTelegram, token: &str, body: Value) -> (u16, Value) {
        let r = http()
            .post(format!("{}/bot{token}/sendMessage", fake.url()))
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        assert!(r.headers().get("retry-after").is_none());
        (status, r.json().await.expect("json body"))
    }

    #[tokio::test]
    async fn send_message_takes_refuses_and_slows_down() {
        let fake = FakeTelegram::start("123:ABC").await;
        fake.add_chat(42, "Ada");

        let ok = json!({"chat_id": 42, "text": "<b>BTC</b> &gt; 50&#39;000", "parse_mode": "HTML"});
        let (status, answer) = send(&fake, "123:ABC", ok.clone()).await;
        assert_eq!(status, 200);
        assert_eq!(answer["ok"], true);
        assert_eq!(answer["result"]["chat"]["id"], 42);
        assert_eq!(answer["result"]["chat"]["first_name"], "Ada");
        assert_eq!(answer["result"]["text"], "BTC > 50'000");
        assert_eq!(fake.messages(), vec![ok]);

        let (status, answer) = send(&fake, "123:XYZ", json!({"chat_id": 42, "text": "x"})).await;
        assert_eq!((status, answer["error_code"].clone()), (401, json!(401)));

        let (status, answer) = send(&fake, "123:ABC", json!({"chat_id": 7, "text": "x"})).await;
        assert_eq!(status, 400);
        assert_eq!(answer["description"], "Bad Request: chat not found");

        let raw = json!({"chat_id": "42", "text": "BTC <script> & co", "parse_mode": "HTML"});
        let (status, answer) = send(&fake, "123:ABC", raw).await;
        assert_eq!(status, 400);
        assert_eq!(
            answer["description"],
            "Bad Request: can't parse entities: Unsupported start tag \"script\" at byte offset 4"
        );

        let long = json!({"chat_id": 42, "text": format!("<b>{}</b>", "x".repeat(4097)), "parse_mode": "HTML"});
        let (status, answer) = send(&fake, "123:ABC", long).await;
        assert_eq!(status, 400);
        assert_eq!(answer["description"], "Bad Request: message is too long");

        fake.slow_down(1, 5);
        let (status, answer) = send(&fake, "123:ABC", json!({"chat_id": 42, "text": "x"})).await;
        assert_eq!(status, 429);
        assert_eq!(
            answer,
            json!({"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 5", "parameters": {"retry_after": 5}})
        );

        fake.block(42);
        let (status, answer) = send(&fake, "123:ABC", json!({"chat_id": 42, "text": "x"})).await;
        assert_eq!(status, 403);
        assert_eq!(
            answer["description"],
            "Forbidden: bot was blocked by the user"
        );

        assert_eq!(fake.attempts().len(), 7);
        assert_eq!(fake.messages().len(), 1);
    }

    #[tokio::test]
    async fn get_updates_reports_who_wrote() {
        let fake = FakeTelegram::start("123:ABC").await;
        fake.user_wrote(42, "Ada", Some("ada"), "/start");
        let url = format!("{}/bot123:ABC/getUpdates", fake.url());
        let answer: Value =
            (http().get(&url).send().await.expect("request").json().await).expect("json body");
        assert_eq!(answer["ok"], true);
        let update = &answer["result"][0];
        assert_eq!(update["message"]["chat"]["id"], 42);
        assert_eq!(update["message"]["chat"]["username"], "ada");
        assert_eq!(update["message"]["from"]["is_bot"], false);
        assert_eq!(update["message"]["text"], "/start");

        let next = update["update_id"].as_i64().expect("update_id") + 1;
        let answer: Value = (http()
            .post(&url)
            .json(&json!({"offset": next}))
            .send()
            .await)
            .expect("request")
            .json()
            .await
            .expect("json body");
        assert_eq!(answer["result"], json!([]));

        let (status, _) = send(&fake, "123:ABC", json!({"chat_id": 42, "text": "hi"})).await;
        assert_eq!(status, 200);
    }
}
