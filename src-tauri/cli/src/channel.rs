//! `coinlytics channel add|ls|test|rm`: where alerts go besides the
//! desktop and e-mail (ntfy, Gotify, Pushover). A channel's token is read from
//! standard input (no echo on a terminal), never from a flag, and kept
//! in the OS keyring only.

use clap::Subcommand;
use coinlytics_engine::model::channel::{ChannelConfig, ChannelInfo};
use coinlytics_engine::{Engine, Error};

use crate::secret::read_secret;

#[derive(Subcommand, Debug)]
pub enum ChannelCmd {
    /// Add a channel
    #[command(subcommand)]
    Add(AddCmd),
    /// List the channels: the built-in ones, then those added (never a token)
    #[command(alias = "list")]
    Ls {
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Send a test message through a channel
    Test { name: String },
    /// Remove a channel and its token
    #[command(alias = "remove")]
    Rm { name: String },
}

#[derive(Subcommand, Debug)]
pub enum AddCmd {
    /// An ntfy topic (the ntfy app on a phone subscribes to it)
    Ntfy {
        /// A name for it: letters, digits, '-', '_'
        name: String,
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
    /// A Gotify server (its Android app shows the messages); the app token is read from standard input
    Gotify {
        /// A name for it: letters, digits, '-', '_'
        name: String,
        /// The server's URL, e.g. https://gotify.example
        #[arg(long)]
        url: String,
        /// 0 to 10; default: the app's
        #[arg(long)]
        priority: Option<u8>,
    },
    /// Pushover; the application's API token is read from standard input
    Pushover {
        /// A name for it: letters, digits, '-', '_'
        name: String,
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
}

pub async fn run(engine: &Engine, cmd: ChannelCmd) -> Result<(), Error> {
    match cmd {
        ChannelCmd::Add(AddCmd::Ntfy {
            name,
            url,
            priority,
            token_stdin,
        }) => {
            // The address is checked before a token is asked for.
            let config = ChannelConfig::ntfy(&url, priority)?;
            let token = token_stdin
                .then(|| read_secret("the ntfy access token"))
                .transpose()?;
            added(engine.channel_add(&name, config, token).await?);
        }
        ChannelCmd::Add(AddCmd::Gotify {
            name,
            url,
            priority,
        }) => {
            let config = ChannelConfig::gotify(&url, priority)?;
            let token = read_secret("the Gotify app token")?;
            added(engine.channel_add(&name, config, Some(token)).await?);
        }
        ChannelCmd::Add(AddCmd::Pushover {
            name,
            user_key,
            priority,
            api_url,
        }) => {
            let config = ChannelConfig::pushover(&user_key, priority, api_url.as_deref())?;
            let token = read_secret("the Pushover application token")?;
            added(engine.channel_add(&name, config, Some(token)).await?);
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
                outln!("{:<20} {:<8} {:<7} {}", "NAME", "KIND", "TOKEN", "WHERE");
                for c in all {
                    outln!(
                        "{:<20} {:<8} {:<7} {}",
                        c.name,
                        c.kind,
                        token(&c),
                        c.summary
                    );
                }
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
                    " and its token"
                } else {
                    ""
                }
            );
        }
    }
    Ok(())
}

/// Says what was added, and how to try it.
fn added(added: ChannelInfo) {
    outln!(
        "added the channel '{}': {}{}; try it with `coinlytics channel test {}`",
        added.name,
        added.summary,
        if added.token == Some(true) {
            ", with its token in the OS keyring"
        } else {
            ""
        },
        added.name
    );
}

/// Whether a channel keeps a token, in a word.
fn token(c: &ChannelInfo) -> &'static str {
    match (c.created_at, c.token) {
        (None, _) => "-",
        (Some(_), Some(true)) => "yes",
        (Some(_), Some(false)) => "no",
        (Some(_), None) => "?",
    }
}
