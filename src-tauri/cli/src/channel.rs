//! `coinlytics channel add|ls|test|rm`: where alerts go besides the
//! desktop and e-mail (ntfy, Telegram, SMS, Pushover, Gotify, webhooks).
//! A channel's secret is read from standard input (no echo on a
//! terminal), never from a flag, and kept in the OS keyring only.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use coinlytics_engine::app::channels::{ChannelInfo, Credentials};
use coinlytics_engine::app::settings::Secret;
use coinlytics_engine::model::InvalidInput;
use coinlytics_engine::model::channel::{ChannelConfig, ChannelPolicy, QuietThen, WebhookPreset};
use coinlytics_engine::{Engine, Error};

use crate::secret::read_secret;

#[derive(Subcommand, Debug)]
pub enum ChannelCmd {
    /// Add a channel, or set one again (--replace)
    #[command(subcommand)]
    Add(AddCmd),
    /// List the channels: the built-in ones, then those added (never a secret)
    #[command(alias = "list")]
    Ls {
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Send a test message through a channel
    Test { name: String },
    /// Remove a channel and its secrets
    #[command(alias = "remove")]
    Rm { name: String },
}

/// What every `channel add` takes.
#[derive(Args, Debug)]
pub struct Common {
    /// A name for it: letters, digits, '-', '_'
    name: String,
    /// Set the channel of this name anew; an empty secret keeps the stored one
    #[arg(long)]
    replace: bool,
    /// Hours of the local day when only urgent alerts are sent, e.g. 22:00-07:00
    #[arg(long, value_name = "FROM-TO")]
    quiet: Option<String>,
    /// What becomes of an alert in the quiet hours: hold (sent when they end) or drop
    #[arg(long, value_name = "HOLD|DROP", default_value = "hold")]
    quiet_then: QuietThen,
    /// The most messages in a day (from local midnight); past it, the day's others are not sent
    #[arg(long, value_name = "N")]
    daily_cap: Option<u32>,
}

#[derive(Subcommand, Debug)]
pub enum AddCmd {
    /// An ntfy topic (the ntfy app on a phone subscribes to it)
    Ntfy {
        #[command(flatten)]
        common: Common,
        /// The topic's URL, e.g. https://ntfy.sh/my-secret-topic
        #[arg(long)]
        url: String,
        /// 1 (min) to 5 (max); default: the server's (3)
        #[arg(long)]
        priority: Option<u8>,
        /// Read an access token for the topic from standard input
        #[arg(long)]
        token_stdin: bool,
    },
    /// A Telegram chat, through a bot of yours; the bot's token is read from standard input
    Telegram {
        #[command(flatten)]
        common: Common,
        /// The chat's id; without it, the chat that last wrote to the bot
        #[arg(long, allow_hyphen_values = true)]
        chat_id: Option<String>,
        /// A Bot API server instead of https://api.telegram.org
        #[arg(long, value_name = "URL")]
        api_url: Option<String>,
    },
    /// An SMS through Twilio (or a compatible API); the auth token is read from standard input
    Sms {
        #[command(flatten)]
        common: Common,
        /// The account's SID: AC and 32 hexadecimal digits
        #[arg(long)]
        account_sid: String,
        /// The number it comes from (+15551234567), or a messaging service's SID (MG…)
        #[arg(long)]
        from: String,
        /// The number it goes to (+15551234567)
        #[arg(long)]
        to: String,
        /// A Twilio-compatible API instead of https://api.twilio.com
        #[arg(long, value_name = "URL")]
        api_url: Option<String>,
    },
    /// Pushover; the application's API token is read from standard input
    Pushover {
        #[command(flatten)]
        common: Common,
        /// Your user (or group) key, on your Pushover dashboard
        #[arg(long)]
        user_key: String,
        /// -2 (lowest) to 1 (high); default 0
        #[arg(long, allow_hyphen_values = true)]
        priority: Option<i8>,
        /// A Pushover-compatible API instead of https://api.pushover.net
        #[arg(long, value_name = "URL")]
        api_url: Option<String>,
    },
    /// A Gotify server (its Android app shows the messages); the app token is read from standard input
    Gotify {
        #[command(flatten)]
        common: Common,
        /// The server's URL, e.g. https://gotify.example
        #[arg(long)]
        url: String,
        /// 0 to 10; default: the app's
        #[arg(long)]
        priority: Option<u8>,
    },
    /// A webhook: Discord, Slack, or JSON to any URL; the URL (a credential) is read from standard input
    Webhook {
        #[command(flatten)]
        common: Common,
        /// The body's shape: discord, slack or generic
        #[arg(long)]
        preset: WebhookPreset,
        /// The generic preset's body: a JSON file whose strings may hold {{title}}, {{body}},
        /// {{coin}}, {{symbol}}, {{price}}, {{currency}}, {{key}}, {{fired_at}}
        #[arg(long, value_name = "FILE")]
        template: Option<PathBuf>,
        /// Sign each body (X-Coinlytics-Signature-256: sha256=HMAC); the key is read after the URL
        #[arg(long)]
        sign: bool,
    },
}

pub async fn run(engine: &Engine, cmd: ChannelCmd) -> Result<(), Error> {
    match cmd {
        ChannelCmd::Add(add) => {
            let common = add.common();
            let replace = common.replace;
            let policy =
                ChannelPolicy::parse(common.quiet.as_deref(), common.quiet_then, common.daily_cap)?;
            let (name, config, secrets) = configure(engine, add).await?;
            let c = engine
                .channel_add(&name, (config, policy), secrets, replace)
                .await?;
            let when = c.policy.summary();
            outln!(
                "{} the channel '{}': {}{}{}{}; try it with `coinlytics channel test {}`",
                if replace { "set" } else { "added" },
                c.name,
                c.summary,
                if when.is_empty() { "" } else { "; " },
                when,
                if c.token == Some(true) {
                    ", with its secret in the OS keyring"
                } else {
                    ""
                },
                c.name
            );
        }
        ChannelCmd::Ls { json } => {
            let all = engine.channels().await?;
            if json {
                outln!(
                    "{}",
                    serde_json::to_string_pretty(&all)
                        .map_err(|e| Error::Internal(e.to_string()))?
                );
            } else {
                ls(&all);
            }
        }
        ChannelCmd::Test { name } => {
            let c = engine.channel_test(&name).await?;
            outln!("sent a test message through '{}' ({})", c.name, c.summary);
        }
        ChannelCmd::Rm { name } => {
            let c = engine.channel_remove(&name).await?;
            outln!(
                "removed the channel '{}'{}",
                c.name,
                if c.token == Some(true) {
                    " and its secret"
                } else {
                    ""
                }
            );
        }
    }
    Ok(())
}

impl AddCmd {
    fn common(&self) -> &Common {
        match self {
            AddCmd::Ntfy { common, .. }
            | AddCmd::Telegram { common, .. }
            | AddCmd::Sms { common, .. }
            | AddCmd::Pushover { common, .. }
            | AddCmd::Gotify { common, .. }
            | AddCmd::Webhook { common, .. } => common,
        }
    }
}

/// The channel's name, setting and secrets from the command line and
/// standard input. The setting is checked before a secret is asked for.
async fn configure(
    engine: &Engine,
    add: AddCmd,
) -> Result<(String, ChannelConfig, Credentials), Error> {
    let replace = add.common().replace;
    let name = add.common().name.clone();
    let token = |config: &ChannelConfig| secret(config.secret_name(), replace);
    let (config, secrets) = match add {
        AddCmd::Ntfy {
            url,
            priority,
            token_stdin,
            ..
        } => {
            let config = ChannelConfig::ntfy(&url, priority)?;
            let token = if token_stdin { token(&config)? } else { None };
            (
                config,
                Credentials {
                    token,
                    signing: None,
                },
            )
        }
        AddCmd::Telegram {
            chat_id, api_url, ..
        } => {
            let probe =
                ChannelConfig::telegram(chat_id.as_deref().unwrap_or("0"), api_url.as_deref())?;
            let token = token(&probe)?;
            let chat_id = match chat_id {
                Some(id) => id,
                None => find_chat(engine, &probe, token.as_ref()).await?,
            };
            let config = ChannelConfig::telegram(&chat_id, api_url.as_deref())?;
            (
                config,
                Credentials {
                    token,
                    signing: None,
                },
            )
        }
        AddCmd::Sms {
            account_sid,
            from,
            to,
            api_url,
            ..
        } => {
            let config = ChannelConfig::sms(&account_sid, &from, &to, api_url.as_deref())?;
            (
                config.clone(),
                Credentials {
                    token: token(&config)?,
                    signing: None,
                },
            )
        }
        AddCmd::Pushover {
            user_key,
            priority,
            api_url,
            ..
        } => {
            let config = ChannelConfig::pushover(&user_key, priority, api_url.as_deref())?;
            (
                config.clone(),
                Credentials {
                    token: token(&config)?,
                    signing: None,
                },
            )
        }
        AddCmd::Gotify { url, priority, .. } => {
            let config = ChannelConfig::gotify(&url, priority)?;
            (
                config.clone(),
                Credentials {
                    token: token(&config)?,
                    signing: None,
                },
            )
        }
        AddCmd::Webhook {
            preset,
            template,
            sign,
            ..
        } => {
            let template = template
                .map(|path| {
                    std::fs::read_to_string(&path).map_err(|e| {
                        InvalidInput(format!("cannot read the template {}: {e}", path.display()))
                    })
                })
                .transpose()?;
            let config = ChannelConfig::webhook(preset, template.as_deref(), sign)?;
            let token = token(&config)?;
            let signing = if sign {
                secret("the signing key", replace)?
            } else {
                None
            };
            (config, Credentials { token, signing })
        }
    };
    Ok((name, config, secrets))
}

/// A secret from standard input; with `replace`, nothing keeps the stored
/// one.
fn secret(what: &str, replace: bool) -> Result<Option<Secret>, Error> {
    if !replace {
        return read_secret(what).map(Some);
    }
    let s = read_secret(&format!("{what} (nothing keeps the stored one)"))?;
    Ok((!s.expose().trim().is_empty()).then_some(s))
}

/// The chat that wrote to the bot, when there is one; else what to do.
async fn find_chat(
    engine: &Engine,
    probe: &ChannelConfig,
    token: Option<&Secret>,
) -> Result<String, Error> {
    let (ChannelConfig::Telegram { api, .. }, Some(token)) = (probe, token) else {
        return Err(InvalidInput("the bot's token is needed to find the chat".into()).into());
    };
    let chats = engine.telegram_chats(api, token).await?;
    match chats.as_slice() {
        [] => Err(InvalidInput(
            "no one has written to the bot lately: send it any message in Telegram, then run this again (or give --chat-id)".into(),
        )
        .into()),
        [(id, name)] => {
            outln!("found the chat {id} ({name}) in the bot's messages");
            Ok(id.to_string())
        }
        many => Err(InvalidInput(format!(
            "several chats wrote to the bot; choose one with --chat-id: {}",
            many.iter()
                .map(|(id, name)| format!("{id} ({name})"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .into()),
    }
}

/// The channels as a table: a failing one with its service's reason on
/// the line below, until it is fixed.
fn ls(all: &[ChannelInfo]) {
    outln!(
        "{:<20} {:<9} {:<7} {:<14} {}",
        "NAME",
        "KIND",
        "SECRET",
        "LAST DELIVERY",
        "WHERE"
    );
    for c in all {
        let last = c.last_delivery.as_ref();
        let status = if c.failing.is_some() {
            "FAILING"
        } else {
            last.map_or("-", |d| d.label.as_str())
        };
        let when = c.policy.summary();
        outln!(
            "{:<20} {:<9} {:<7} {:<14} {}{}{}",
            c.name,
            c.kind,
            token(c),
            status,
            c.summary,
            if when.is_empty() { "" } else { "; " },
            when
        );
        if let Some(why) = c.failing.as_deref() {
            outln!("{:<20} {why}", "");
        } else if let Some(why) = last.and_then(|d| d.last_error.as_deref()) {
            outln!("{:<20} {why}", "");
        }
    }
}

/// Whether a channel keeps a secret, in a word.
fn token(c: &ChannelInfo) -> &'static str {
    match (c.created_at, c.token) {
        (None, _) => "-",
        (Some(_), Some(true)) => "yes",
        (Some(_), Some(false)) => "no",
        (Some(_), None) => "?",
    }
}
