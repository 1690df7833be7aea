//! Alert channels as data: a named destination of a kind (`ntfy`,
//! `gotify`, `pushover`), several of a kind allowed. What is not secret (where to send,
//! how) is kept in the database; a channel's token only in the OS
//! keyring. `desktop` and `email` are the built-in channels.

use serde::{Deserialize, Serialize};

use super::InvalidInput;

/// The channels every user has, by these names.
pub const BUILT_IN: [&str; 2] = ["desktop", "email"];
/// How many channels a user may add.
pub const MAX_CHANNELS: usize = 50;
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// Pushover's own API.
pub const PUSHOVER_API: &str = "https://api.pushover.net";

impl ChannelConfig {
    pub fn kind(&self) -> &'static str {
        match self {
            ChannelConfig::Ntfy { .. } => "ntfy",
            ChannelConfig::Gotify { .. } => "gotify",
            ChannelConfig::Pushover { .. } => "pushover",
        }
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
        }
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
        let api = match api {
            Some(url) => {
                let parsed = web_url(url, "an API's URL", PUSHOVER_API)?;
                format!(
                    "{}{}",
                    parsed.origin().ascii_serialization(),
                    parsed.path().trim_end_matches('/')
                )
            }
            None => PUSHOVER_API.to_string(),
        };
        Ok(ChannelConfig::Pushover {
            api,
            user_key: user_key.to_string(),
            priority,
        })
    }

    /// A Gotify channel from the server's URL.
    pub fn gotify(url: &str, priority: Option<u8>) -> Result<ChannelConfig, InvalidInput> {
        let parsed = web_url(url, "a Gotify server's URL", "https://gotify.example")?;
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
        let parsed = web_url(url, "an ntfy topic's URL", "https://ntfy.sh/my-topic")?;
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

/// A service's URL as a user types it: https, or http to this machine
/// only; no user, query or fragment (a token is read on its own, into
/// the keyring). `what` and `example` word the refusal, which never
/// repeats the URL: a mistyped one may hold a password.
fn web_url(url: &str, what: &str, example: &str) -> Result<reqwest::Url, InvalidInput> {
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
        || parsed.query().is_some()
        || parsed.fragment().is_some()
    {
        return Err(bad(
            "no user, query or fragment (a token is read on its own, into the keyring)",
        ));
    }
    Ok(parsed)
}

/// A channel as `coinlytics channel ls` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelInfo {
    pub name: String,
    pub kind: &'static str,
    /// Where it sends, in words; never a secret.
    pub summary: String,
    /// Whether a token for it is in the keyring; `None` for a built-in
    /// channel, or when the keyring cannot be read.
    pub token: Option<bool>,
    /// When it was added (ms since the epoch); `None` for a built-in one.
    pub created_at: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

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
