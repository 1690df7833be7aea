//! Alert channels as data: a named destination of a kind (`ntfy`,
//! `telegram`, `sms`, `pushover`, `gotify`, `webhook`), several of a kind
//! allowed. What is not secret (where to send,
//! how) is kept in the database; a channel's token only in the OS
//! keyring. `desktop` and `email` are the built-in channels.

use serde::{Deserialize, Serialize};

use super::InvalidInput;

/// The channels every user has, by these names.
pub const BUILT_IN: [&str; 2] = ["desktop", "email"];
/// How many channels a user may add.
pub const MAX_CHANNELS: usize = 100;
const MAX_NAME: usize = 32;

/// A channel's name as a user types it: 1 to 32 lower-case letters,
/// digits, `-` and `_`; not a built-in channel's.
pub fn channel_name(name: &str) -> Result<String, InvalidInput> {
    let name = name.trim().to_ascii_lowercase();
    if name.is_empty() || name.len() > MAX_NAME {
        return Err(InvalidInput(format!(
            "a channel's name is 1 to {MAX_NAME} characters"
        )));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
    {
        return Err(InvalidInput(format!(
            "'{name}' is not a channel name: use letters, digits, '-' and '_'"
        )));
    }
    if BUILT_IN.contains(&name.as_str()) {
        return Err(InvalidInput(format!(
            "'{name}' is a built-in channel; choose another name"
        )));
    }
    Ok(name)
}

/// Where and how a channel sends, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChannelConfig {
    /// An ntfy server's topic (<https://docs.ntfy.sh/publish/>).
    Ntfy {
        /// `https://ntfy.sh`, or `http://` for this machine only.
        server: String,
        topic: String,
        /// 1 (min) to 5 (max); none: the server's default (3).
        priority: Option<u8>,
    },
    /// A Gotify server (<https://gotify.net/docs/pushmsg>); its app token
    /// is the channel's secret.
    Gotify {
        /// `https://gotify.example` (a path prefix kept), or `http://` for
        /// this machine only.
        server: String,
        /// 0 to 10; none: the app's default.
        priority: Option<u8>,
    },
    /// Pushover (<https://pushover.net/api>); the application's API token
    /// is the channel's secret.
    Pushover {
        /// `https://api.pushover.net`, or a compatible service's.
        api: String,
        /// Whom to send to: a user's or a group's key.
        user_key: String,
        /// -2 (lowest) to 1 (high); 2 (emergency) needs acknowledging,
        /// which alerts do not ask for.
        priority: Option<i8>,
    },
    /// A Telegram chat, through a bot (<https://core.telegram.org/bots/api#sendmessage>);
    /// the bot's token is the channel's secret.
    Telegram {
        /// `https://api.telegram.org`, or a Bot API server of one's own.
        api: String,
        /// A chat's number (negative for a group), or `@channel`.
        chat_id: String,
    },
    /// An SMS through Twilio's Messages API, or a compatible one
    /// (<https://www.twilio.com/docs/messaging/api/message-resource>); the
    /// auth token is the channel's secret.
    Sms {
        api: String,
        account_sid: String,
        /// A number (E.164) or a messaging service's SID (`MG…`).
        from: String,
        to: String,
    },
    /// A POST of JSON to a URL: a Discord or Slack webhook, or any
    /// receiver. The URL is the channel's secret (a Discord or Slack
    /// webhook's URL is its credential), and so is the signing key.
    Webhook {
        preset: WebhookPreset,
        /// The generic preset's body: JSON whose strings may hold
        /// `{{title}}`, `{{body}}`, `{{coin}}`, `{{symbol}}`, `{{price}}`,
        /// `{{currency}}`, `{{key}}` and `{{fired_at}}`.
        template: Option<String>,
        /// Whether each POST carries `X-Coinlytics-Signature-256`: the
        /// HMAC-SHA256 of its body with the channel's signing key.
        signed: bool,
    },
}

/// Which service a webhook speaks to, and so the shape of its body.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum WebhookPreset {
    Discord,
    Slack,
    Generic,
}

impl std::str::FromStr for WebhookPreset {
    type Err = InvalidInput;
    fn from_str(s: &str) -> Result<WebhookPreset, InvalidInput> {
        match s.trim().to_ascii_lowercase().as_str() {
            "discord" => Ok(WebhookPreset::Discord),
            "slack" => Ok(WebhookPreset::Slack),
            "generic" => Ok(WebhookPreset::Generic),
            other => Err(InvalidInput(format!(
                "'{other}' is not a webhook preset: discord, slack or generic"
            ))),
        }
    }
}

/// The placeholders a generic webhook's template may use.
pub const TEMPLATE_FIELDS: [&str; 8] = [
    "title", "body", "coin", "symbol", "price", "currency", "key", "fired_at",
];

/// When a channel may be sent to: quiet hours, and a cap on a day's
/// messages (an SMS costs money). Kept with the channel, for any kind.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
pub struct ChannelPolicy {
    #[serde(default)]
    pub quiet: Option<QuietHours>,
    /// The most messages sent in a day (from local midnight); past it, the
    /// day's others are not sent.
    #[serde(default)]
    pub daily_cap: Option<u32>,
}

/// Hours of the local day in which a channel is sent nothing but an
/// urgent rule's alerts.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
pub struct QuietHours {
    /// Minutes after midnight they begin and end; they may span midnight
    /// (22:00 to 07:00).
    pub from_min: u16,
    pub to_min: u16,
    /// What becomes of an alert that fires in them.
    pub then: QuietThen,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum QuietThen {
    /// Sent when they end.
    Hold,
    /// Not sent.
    Drop,
}

impl std::str::FromStr for QuietThen {
    type Err = InvalidInput;
    fn from_str(s: &str) -> Result<QuietThen, InvalidInput> {
        match s.trim().to_ascii_lowercase().as_str() {
            "hold" => Ok(QuietThen::Hold),
            "drop" => Ok(QuietThen::Drop),
            other => Err(InvalidInput(format!(
                "'{other}' is not what becomes of an alert in quiet hours: hold or drop"
            ))),
        }
    }
}

/// What a channel's policy says of an alert now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Send,
    /// Held back until this local time, for the reason given.
    Hold(chrono::NaiveDateTime, String),
    /// Not sent, for the reason given.
    Drop(String),
}

/// The largest daily cap a user may set.
pub const MAX_DAILY_CAP: u32 = 10_000;

impl ChannelPolicy {
    /// A policy from what a user types: quiet hours as `22:00-07:00`, what
    /// becomes of an alert in them, and a daily cap.
    pub fn parse(
        quiet: Option<&str>,
        then: QuietThen,
        daily_cap: Option<u32>,
    ) -> Result<ChannelPolicy, InvalidInput> {
        let quiet = match quiet.map(str::trim).filter(|q| !q.is_empty()) {
            None => None,
            Some(q) => {
                let bad = || {
                    InvalidInput(format!(
                        "quiet hours are written as 22:00-07:00 (local time), not '{q}'"
                    ))
                };
                let (from, to) = q.split_once('-').ok_or_else(bad)?;
                let (from_min, to_min) = (
                    clock_minutes(from).ok_or_else(bad)?,
                    clock_minutes(to).ok_or_else(bad)?,
                );
                if from_min == to_min {
                    return Err(InvalidInput(
                        "quiet hours that begin when they end are empty".into(),
                    ));
                }
                Some(QuietHours {
                    from_min,
                    to_min,
                    then,
                })
            }
        };
        if let Some(cap) = daily_cap
            && !(1..=MAX_DAILY_CAP).contains(&cap)
        {
            return Err(InvalidInput(format!(
                "a daily cap is 1 to {MAX_DAILY_CAP} messages, not {cap}"
            )));
        }
        Ok(ChannelPolicy { quiet, daily_cap })
    }

    /// The policy in words, for a list: "quiet 22:00–07:00 (held), at most
    /// 10 a day"; empty when there is none.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(q) = &self.quiet {
            parts.push(format!(
                "quiet {}–{} ({})",
                hh_mm(q.from_min),
                hh_mm(q.to_min),
                match q.then {
                    QuietThen::Hold => "held",
                    QuietThen::Drop => "dropped",
                }
            ));
        }
        if let Some(cap) = self.daily_cap {
            parts.push(format!("at most {cap} a day"));
        }
        parts.join(", ")
    }

    /// Whether to send an alert at the local time `now`, for a rule that is
    /// `urgent` or not, with `sent_today` messages sent since midnight. An
    /// urgent rule passes quiet hours; the cap holds for every rule.
    pub fn verdict(&self, now: chrono::NaiveDateTime, urgent: bool, sent_today: u32) -> Verdict {
        if let Some(cap) = self.daily_cap
            && sent_today >= cap
        {
            return Verdict::Drop(format!(
                "not sent: the channel's daily cap of {cap} was reached"
            ));
        }
        let Some(q) = self.quiet.filter(|_| !urgent) else {
            return Verdict::Send;
        };
        let Some(end) = q.end_after(now) else {
            return Verdict::Send;
        };
        let span = format!("{}–{}", hh_mm(q.from_min), hh_mm(q.to_min));
        match q.then {
            QuietThen::Hold => Verdict::Hold(
                end,
                format!(
                    "held back by quiet hours ({span}) until {}",
                    hh_mm(q.to_min)
                ),
            ),
            QuietThen::Drop => Verdict::Drop(format!("not sent: quiet hours ({span})")),
        }
    }
}

impl QuietHours {
    /// When the quiet hours `now` falls in end; `None` outside them.
    pub fn end_after(&self, now: chrono::NaiveDateTime) -> Option<chrono::NaiveDateTime> {
        use chrono::Timelike;
        let m = (now.hour() * 60 + now.minute()) as u16;
        let (from, to) = (self.from_min, self.to_min);
        let inside = if from < to {
            (from..to).contains(&m)
        } else {
            m >= from || m < to
        };
        if !inside {
            return None;
        }
        let end_time = chrono::NaiveTime::from_hms_opt(u32::from(to / 60), u32::from(to % 60), 0)?;
        let day = if m < to {
            now.date()
        } else {
            now.date().succ_opt()?
        };
        Some(day.and_time(end_time))
    }
}

/// `07:30` → 450.
fn clock_minutes(t: &str) -> Option<u16> {
    let (h, m) = t.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && !t.trim().starts_with('+')).then_some(h * 60 + m)
}

fn hh_mm(min: u16) -> String {
    format!("{:02}:{:02}", min / 60, min % 60)
}

/// Pushover's own API.
pub const PUSHOVER_API: &str = "https://api.pushover.net";
/// Telegram's Bot API.
pub const TELEGRAM_API: &str = "https://api.telegram.org";
/// Twilio's API.
pub const TWILIO_API: &str = "https://api.twilio.com";
const MAX_TEMPLATE: usize = 8 * 1024;

impl ChannelConfig {
    pub fn kind(&self) -> &'static str {
        match self {
            ChannelConfig::Ntfy { .. } => "ntfy",
            ChannelConfig::Gotify { .. } => "gotify",
            ChannelConfig::Pushover { .. } => "pushover",
            ChannelConfig::Telegram { .. } => "telegram",
            ChannelConfig::Sms { .. } => "sms",
            ChannelConfig::Webhook { .. } => "webhook",
        }
    }

    /// Whether the channel cannot send without its secret (ntfy's token
    /// is for a protected topic only).
    pub fn needs_secret(&self) -> bool {
        !matches!(self, ChannelConfig::Ntfy { .. })
    }

    /// What the channel's secret is, in words: "the bot's token".
    pub fn secret_name(&self) -> &'static str {
        match self {
            ChannelConfig::Ntfy { .. } => "the ntfy access token",
            ChannelConfig::Gotify { .. } => "the Gotify app token",
            ChannelConfig::Pushover { .. } => "the Pushover application token",
            ChannelConfig::Telegram { .. } => "the Telegram bot's token",
            ChannelConfig::Sms { .. } => "the SMS service's auth token",
            ChannelConfig::Webhook { .. } => "the webhook's URL",
        }
    }

    /// Checks the secret the channel is given: a bot token goes into a
    /// URL's path, and a webhook's URL is where the alerts go. The
    /// refusal never repeats it.
    pub fn check_secret(&self, secret: &str) -> Result<(), InvalidInput> {
        match self {
            ChannelConfig::Telegram { .. } => {
                let ok = secret.split_once(':').is_some_and(|(bot, key)| {
                    !bot.is_empty()
                        && bot.chars().all(|c| c.is_ascii_digit())
                        && key.len() >= 30
                        && key
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
                });
                if !ok {
                    return Err(InvalidInput(
                        "that is not a Telegram bot token: @BotFather gives one like 123456789:AAH…"
                            .into(),
                    ));
                }
            }
            ChannelConfig::Webhook { preset, .. } => {
                let example = match preset {
                    WebhookPreset::Discord => "https://discord.com/api/webhooks/…",
                    WebhookPreset::Slack => "https://hooks.slack.com/services/…",
                    WebhookPreset::Generic => "https://example.com/hook",
                };
                web_url(secret, "a webhook's URL", example, true)?;
            }
            _ => {
                if secret.chars().any(char::is_whitespace) {
                    return Err(InvalidInput(format!(
                        "{} has no spaces in it",
                        self.secret_name()
                    )));
                }
            }
        }
        Ok(())
    }

    /// What the channel is, in words, for a list: never a secret.
    pub fn summary(&self) -> String {
        match self {
            ChannelConfig::Ntfy {
                server,
                topic,
                priority,
            } => {
                let mut s = format!("{server}/{topic}");
                if let Some(p) = priority {
                    s.push_str(&format!(", priority {p}"));
                }
                s
            }
            ChannelConfig::Gotify { server, priority } => match priority {
                Some(p) => format!("Gotify at {server}, priority {p}"),
                None => format!("Gotify at {server}"),
            },
            ChannelConfig::Pushover {
                api,
                user_key,
                priority,
            } => {
                // The start of the key is enough to tell two apart.
                let mut s = format!("Pushover to {}…", &user_key[..5.min(user_key.len())]);
                if api != PUSHOVER_API {
                    s.push_str(&format!(" at {api}"));
                }
                if let Some(p) = priority {
                    s.push_str(&format!(", priority {p}"));
                }
                s
            }
            ChannelConfig::Telegram { api, chat_id } => {
                let mut s = format!("Telegram chat {chat_id}");
                if api != TELEGRAM_API {
                    s.push_str(&format!(" through {api}"));
                }
                s
            }
            ChannelConfig::Sms { api, from, to, .. } => {
                let mut s = format!("SMS from {from} to {to}");
                if api != TWILIO_API {
                    s.push_str(&format!(" through {api}"));
                }
                s
            }
            ChannelConfig::Webhook {
                preset,
                template,
                signed,
            } => {
                let mut s = match (preset, template) {
                    (WebhookPreset::Discord, _) => "Discord webhook".to_string(),
                    (WebhookPreset::Slack, _) => "Slack webhook".to_string(),
                    (WebhookPreset::Generic, None) => "webhook, JSON".to_string(),
                    (WebhookPreset::Generic, Some(_)) => {
                        "webhook, JSON from a template".to_string()
                    }
                };
                if *signed {
                    s.push_str(", signed");
                }
                s
            }
        }
    }

    /// A Telegram channel: the chat to write to, through Telegram's Bot
    /// API or a compatible one at `api`.
    pub fn telegram(chat_id: &str, api: Option<&str>) -> Result<ChannelConfig, InvalidInput> {
        let chat_id = chat_id.trim();
        let number = chat_id.strip_prefix('-').unwrap_or(chat_id);
        let numeric =
            (1..=20).contains(&number.len()) && number.chars().all(|c| c.is_ascii_digit());
        let username = chat_id.strip_prefix('@').is_some_and(|u| {
            (5..=32).contains(&u.len()) && u.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        if !numeric && !username {
            return Err(InvalidInput(
                "a Telegram chat id is a number (-100… for a group) or @channelname".into(),
            ));
        }
        Ok(ChannelConfig::Telegram {
            api: api_base(api, "a Bot API server's URL", TELEGRAM_API)?,
            chat_id: chat_id.to_string(),
        })
    }

    /// An SMS channel through Twilio's API, or a compatible one at `api`.
    pub fn sms(
        account_sid: &str,
        from: &str,
        to: &str,
        api: Option<&str>,
    ) -> Result<ChannelConfig, InvalidInput> {
        let sid = account_sid.trim();
        let sid_ok = sid.len() == 34
            && sid.starts_with("AC")
            && sid[2..].chars().all(|c| c.is_ascii_hexdigit());
        if !sid_ok {
            return Err(InvalidInput(
                "an account SID is AC and 32 hexadecimal digits (on the console's front page)"
                    .into(),
            ));
        }
        let from = from.trim();
        let service = from.len() == 34
            && from.starts_with("MG")
            && from[2..].chars().all(|c| c.is_ascii_hexdigit());
        if !service {
            phone_number(from, "--from")?;
        }
        let to = to.trim();
        phone_number(to, "--to")?;
        Ok(ChannelConfig::Sms {
            api: api_base(api, "an SMS API's URL", TWILIO_API)?,
            account_sid: sid.to_string(),
            from: from.to_string(),
            to: to.to_string(),
        })
    }

    /// A webhook of a preset's shape; a generic one may give its body as a
    /// template (JSON, see [`ChannelConfig::Webhook`]).
    pub fn webhook(
        preset: WebhookPreset,
        template: Option<&str>,
        signed: bool,
    ) -> Result<ChannelConfig, InvalidInput> {
        let template = match template {
            None => None,
            Some(_) if preset != WebhookPreset::Generic => {
                return Err(InvalidInput(
                    "a template is for the generic preset; Discord's and Slack's bodies are set"
                        .into(),
                ));
            }
            Some(t) => {
                if t.len() > MAX_TEMPLATE {
                    return Err(InvalidInput(format!(
                        "a template is at most {} KiB",
                        MAX_TEMPLATE / 1024
                    )));
                }
                let v: serde_json::Value = serde_json::from_str(t)
                    .map_err(|e| InvalidInput(format!("the template is not JSON: {e}")))?;
                if !v.is_object() {
                    return Err(InvalidInput("the template is a JSON object: {…}".into()));
                }
                Some(v.to_string())
            }
        };
        Ok(ChannelConfig::Webhook {
            preset,
            template,
            signed,
        })
    }

    /// A Pushover channel: the user's (or group's) key, Pushover's API or
    /// a compatible one at `api`.
    pub fn pushover(
        user_key: &str,
        priority: Option<i8>,
        api: Option<&str>,
    ) -> Result<ChannelConfig, InvalidInput> {
        let user_key = user_key.trim();
        let key_ok = (20..=40).contains(&user_key.len())
            && user_key.chars().all(|c| c.is_ascii_alphanumeric());
        if !key_ok {
            return Err(InvalidInput(
                "a Pushover user key is 30 letters and digits (on your Pushover dashboard)".into(),
            ));
        }
        if let Some(p) = priority
            && !(-2..=1).contains(&p)
        {
            return Err(InvalidInput(format!(
                "Pushover's priority here is -2 (lowest) to 1 (high), not {p}"
            )));
        }
        Ok(ChannelConfig::Pushover {
            api: api_base(api, "an API's URL", PUSHOVER_API)?,
            user_key: user_key.to_string(),
            priority,
        })
    }

    /// A Gotify channel from the server's URL.
    pub fn gotify(url: &str, priority: Option<u8>) -> Result<ChannelConfig, InvalidInput> {
        let parsed = web_url(
            url,
            "a Gotify server's URL",
            "https://gotify.example",
            false,
        )?;
        if let Some(p) = priority
            && p > 10
        {
            return Err(InvalidInput(format!(
                "Gotify's priority is 0 to 10, not {p}"
            )));
        }
        let server = format!(
            "{}{}",
            parsed.origin().ascii_serialization(),
            parsed.path().trim_end_matches('/')
        );
        Ok(ChannelConfig::Gotify { server, priority })
    }

    /// An ntfy channel from the topic's URL (`https://ntfy.sh/my-topic`).
    pub fn ntfy(url: &str, priority: Option<u8>) -> Result<ChannelConfig, InvalidInput> {
        let parsed = web_url(
            url,
            "an ntfy topic's URL",
            "https://ntfy.sh/my-topic",
            false,
        )?;
        let bad =
            |why: &str| InvalidInput(format!("the URL given is not an ntfy topic's URL: {why}"));
        let topic = parsed.path().trim_matches('/');
        let topic_ok = (1..=64).contains(&topic.len())
            && topic
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
        if !topic_ok {
            return Err(bad(
                "the topic is its one path segment: 1 to 64 letters, digits, '-' or '_'",
            ));
        }
        if let Some(p) = priority
            && !(1..=5).contains(&p)
        {
            return Err(InvalidInput(format!(
                "ntfy's priority is 1 (min) to 5 (max), not {p}"
            )));
        }
        Ok(ChannelConfig::Ntfy {
            server: parsed.origin().ascii_serialization(),
            topic: topic.to_string(),
            priority,
        })
    }
}

/// An API's base URL (`api`, or `default`): its origin and path, without
/// a trailing `/`.
fn api_base(api: Option<&str>, what: &str, default: &str) -> Result<String, InvalidInput> {
    let Some(url) = api else {
        return Ok(default.to_string());
    };
    let parsed = web_url(url, what, default, false)?;
    Ok(format!(
        "{}{}",
        parsed.origin().ascii_serialization(),
        parsed.path().trim_end_matches('/')
    ))
}

/// A phone number in E.164: `+`, then 8 to 15 digits.
fn phone_number(n: &str, flag: &str) -> Result<(), InvalidInput> {
    let digits = n.strip_prefix('+').unwrap_or_default();
    if (8..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(InvalidInput(format!(
            "{flag} is a phone number with its country code: +15551234567"
        )))
    }
}

/// A service's URL as a user types it: https, or http to this machine
/// only; no user or fragment, nor a query unless `query` (a token is
/// read on its own, into the keyring). `what` and `example` word the
/// refusal, which never repeats the URL: a mistyped one may hold a
/// password.
fn web_url(
    url: &str,
    what: &str,
    example: &str,
    query: bool,
) -> Result<reqwest::Url, InvalidInput> {
    let bad = |why: &str| InvalidInput(format!("the URL given is not {what}: {why}"));
    let parsed =
        reqwest::Url::parse(url.trim()).map_err(|_| bad(&format!("write it as {example}")))?;
    let host = parsed.host_str().unwrap_or_default();
    match parsed.scheme() {
        "https" => {}
        "http" if super::is_loopback(host.trim_matches(['[', ']'])) => {}
        "http" => return Err(bad("use https (http only to this machine)")),
        _ => return Err(bad(&format!("write it as {example}"))),
    }
    if !parsed.username().is_empty()
        || parsed.password().is_some()
        || (parsed.query().is_some() && !query)
        || parsed.fragment().is_some()
    {
        return Err(bad(
            "no user, query or fragment (a token is read on its own, into the keyring)",
        ));
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hh: u32, mm: u32) -> chrono::NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 7)
            .and_then(|d| d.and_hms_opt(hh, mm, 0))
            .expect("a time")
    }

    #[test]
    fn quiet_hours_span_midnight_hold_or_drop_and_an_urgent_rule_passes() {
        let p = ChannelPolicy::parse(Some("22:00-07:00"), QuietThen::Hold, None).expect("valid");
        assert_eq!(p.summary(), "quiet 22:00–07:00 (held)");
        assert_eq!(p.verdict(at(21, 59), false, 0), Verdict::Send);
        assert_eq!(p.verdict(at(7, 0), false, 0), Verdict::Send);
        let tomorrow_7 = at(7, 0) + chrono::Duration::days(1);
        assert_eq!(
            p.verdict(at(23, 30), false, 0),
            Verdict::Hold(
                tomorrow_7,
                "held back by quiet hours (22:00–07:00) until 07:00".into()
            )
        );
        assert!(matches!(p.verdict(at(6, 59), false, 0), Verdict::Hold(t, _) if t == at(7, 0)));
        assert_eq!(p.verdict(at(23, 30), true, 0), Verdict::Send);
        let day =
            ChannelPolicy::parse(Some("12:00-13:30"), QuietThen::Drop, Some(3)).expect("valid");
        assert_eq!(
            day.summary(),
            "quiet 12:00–13:30 (dropped), at most 3 a day"
        );
        assert!(matches!(
            day.verdict(at(12, 45), false, 0),
            Verdict::Drop(_)
        ));
        assert_eq!(day.verdict(at(13, 30), false, 2), Verdict::Send);
        // The cap holds even for an urgent rule: an SMS costs money.
        assert!(
            matches!(day.verdict(at(14, 0), true, 3), Verdict::Drop(w) if w.contains("daily cap of 3"))
        );
        for bad in [
            "22-07",
            "25:00-07:00",
            "22:00",
            "07:00-07:00",
            "22:00-07:60",
        ] {
            assert!(
                ChannelPolicy::parse(Some(bad), QuietThen::Hold, None).is_err(),
                "{bad}"
            );
        }
        assert!(ChannelPolicy::parse(None, QuietThen::Hold, Some(0)).is_err());
    }

    #[test]
    fn names_are_checked_and_built_in_ones_reserved() {
        assert_eq!(channel_name(" Phone_2 ").expect("valid"), "phone_2");
        for bad in [
            "",
            "my phone",
            "desktop",
            "email",
            &"x".repeat(33),
            "ph/one",
        ] {
            assert!(channel_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_ntfy_url_is_https_or_this_machine_with_one_topic() {
        let c = ChannelConfig::ntfy("https://ntfy.sh/coin-alerts_1", Some(4)).expect("valid");
        assert_eq!(
            c,
            ChannelConfig::Ntfy {
                server: "https://ntfy.sh".into(),
                topic: "coin-alerts_1".into(),
                priority: Some(4)
            }
        );
        assert_eq!(c.summary(), "https://ntfy.sh/coin-alerts_1, priority 4");
        assert!(ChannelConfig::ntfy("http://127.0.0.1:8080/t", None).is_ok());
        for bad in [
            "http://ntfy.sh/t",
            "https://ntfy.sh/",
            "https://ntfy.sh/a/b",
            "https://user:pw@ntfy.sh/t",
            "https://ntfy.sh/t?auth=x",
            "ftp://ntfy.sh/t",
            "ntfy.sh/t",
        ] {
            assert!(ChannelConfig::ntfy(bad, None).is_err(), "{bad}");
        }
        assert!(ChannelConfig::ntfy("https://ntfy.sh/t", Some(6)).is_err());
        let refused =
            ChannelConfig::ntfy("https://me:hunter2@ntfy.sh/t", None).expect_err("a user");
        assert!(!refused.0.contains("hunter2"), "{}", refused.0);
    }

    #[test]
    fn a_gotify_url_keeps_its_path_and_its_priority_is_0_to_10() {
        let c = ChannelConfig::gotify("https://home.example/gotify/", Some(8)).expect("valid");
        assert_eq!(
            c.summary(),
            "Gotify at https://home.example/gotify, priority 8"
        );
        assert!(ChannelConfig::gotify("http://gotify.example", None).is_err());
        assert!(ChannelConfig::gotify("https://g.example/?token=x", None).is_err());
        assert!(ChannelConfig::gotify("https://g.example", Some(11)).is_err());
    }

    #[test]
    fn a_pushover_user_key_is_checked_and_shown_only_in_part() {
        let key = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG";
        let c = ChannelConfig::pushover(key, Some(-1), None).expect("valid");
        assert_eq!(c.summary(), "Pushover to uQiRz…, priority -1");
        assert!(ChannelConfig::pushover("short", None, None).is_err());
        assert!(ChannelConfig::pushover(key, Some(2), None).is_err());
        assert!(ChannelConfig::pushover(key, None, Some("http://push.example")).is_err());
    }
}
