//! Alert channels: add or set one again (its secrets into the OS
//! keyring), list them with the built-in ones, send a test, remove one
//! (`coinlytics channel …`, Settings → Alert channels).

use serde::{Deserialize, Serialize};

use super::blocking;
use crate::Engine;
use crate::alerts::channel::{self, Message, SendError};
use crate::error::{Error, Result};
use crate::model::InvalidInput;
use crate::model::alert::Delivery;
use crate::model::channel::{
    self as model, BUILT_IN, ChannelConfig, ChannelPolicy, MAX_CHANNELS, QuietThen,
};
pub use crate::secrets::ChannelSecrets as Credentials;
use crate::secrets::{self, Secret, SecretName};
use crate::store::queries::{alerts, channels};

/// A channel as `coinlytics channel ls` and the window list it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct ChannelInfo {
    pub name: String,
    pub kind: String,
    /// Where it sends, in words; never a secret.
    pub summary: String,
    /// Whether its secret is in the keyring; `None` for a built-in
    /// channel, or when the keyring cannot be read.
    pub token: Option<bool>,
    /// When it was added (ms since the epoch); `None` for a built-in one.
    pub created_at: Option<i64>,
    /// Its service's reason for refusing it for good (a bad token, a
    /// deleted webhook): nothing more is sent until it is set again or a
    /// test goes through.
    pub failing: Option<String>,
    /// How the newest alert sent to it went.
    pub last_delivery: Option<Delivery>,
    /// Its quiet hours and daily cap.
    pub policy: ChannelPolicy,
    /// Where and how it sends (never a secret), for a form to edit;
    /// `None` for a built-in one.
    pub config: Option<ChannelConfig>,
}

/// A channel as the window's form gives it: each field as typed, checked
/// here by the model's rules, as the command line's flags are. An empty
/// field is one not given.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ChannelInput {
    pub name: String,
    /// ntfy, telegram, sms, pushover, gotify or webhook.
    pub kind: String,
    /// ntfy: the topic's URL; Gotify: the server's.
    pub url: String,
    /// Telegram, SMS, Pushover: another API than the service's own.
    pub api_url: String,
    pub chat_id: String,
    pub account_sid: String,
    pub from: String,
    pub to: String,
    pub user_key: String,
    pub priority: String,
    /// Webhook: discord, slack or generic, and the generic one's template.
    pub preset: String,
    pub template: String,
    pub sign: bool,
    /// `22:00-07:00`, and what becomes of an alert in them.
    pub quiet: String,
    pub quiet_then: Option<QuietThen>,
    pub daily_cap: String,
    /// The token (a webhook's URL); when editing, empty keeps the stored one.
    pub secret: String,
    pub signing_key: String,
    /// Set the channel of this name anew.
    pub replace: bool,
}

impl ChannelInput {
    /// The channel's setting, policy and secrets, each checked.
    pub fn parse(
        &self,
    ) -> std::result::Result<(ChannelConfig, ChannelPolicy, Credentials), InvalidInput> {
        let given = |s: &str| Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_owned);
        let number = |what: &str, s: &str| -> std::result::Result<Option<i64>, InvalidInput> {
            given(s)
                .map(|n| {
                    n.parse::<i64>()
                        .map_err(|_| InvalidInput(format!("{what} is a whole number, not '{n}'")))
                })
                .transpose()
        };
        let priority = number("the priority", &self.priority)?;
        let small = |p: Option<i64>| -> std::result::Result<Option<u8>, InvalidInput> {
            p.map(|p| {
                u8::try_from(p)
                    .map_err(|_| InvalidInput(format!("the priority {p} is out of range")))
            })
            .transpose()
        };
        let api = given(&self.api_url);
        let config = match self.kind.as_str() {
            "ntfy" => ChannelConfig::ntfy(&self.url, small(priority)?)?,
            "gotify" => ChannelConfig::gotify(&self.url, small(priority)?)?,
            "pushover" => ChannelConfig::pushover(
                &self.user_key,
                priority
                    .map(|p| {
                        i8::try_from(p)
                            .map_err(|_| InvalidInput(format!("the priority {p} is out of range")))
                    })
                    .transpose()?,
                api.as_deref(),
            )?,
            "telegram" => ChannelConfig::telegram(&self.chat_id, api.as_deref())?,
            "sms" => ChannelConfig::sms(&self.account_sid, &self.from, &self.to, api.as_deref())?,
            "webhook" => ChannelConfig::webhook(
                self.preset.parse()?,
                given(&self.template).as_deref(),
                self.sign,
            )?,
            other => {
                return Err(InvalidInput(format!(
                    "'{other}' is not a kind of channel: ntfy, telegram, sms, pushover, gotify or webhook"
                )));
            }
        };
        let cap = number("the daily cap", &self.daily_cap)?
            .map(|c| {
                u32::try_from(c)
                    .map_err(|_| InvalidInput(format!("a daily cap of {c} is out of range")))
            })
            .transpose()?;
        let policy = ChannelPolicy::parse(
            given(&self.quiet).as_deref(),
            self.quiet_then.unwrap_or(QuietThen::Hold),
            cap,
        )?;
        let secret = |s: &str| given(s).map(Secret::new);
        let secrets = Credentials {
            token: secret(&self.secret),
            signing: secret(&self.signing_key),
        };
        Ok((config, policy, secrets))
    }
}

/// The longest secret a channel keeps.
const TOKEN_MAX: usize = 4096;

impl Engine {
    /// Adds (or, with `replace`, sets anew) the channel a form describes.
    pub async fn channel_save(&self, input: &ChannelInput) -> Result<ChannelInfo> {
        let (config, policy, secrets) = input.parse()?;
        self.channel_add(&input.name, (config, policy), secrets, input.replace)
            .await
    }

    /// Adds the channel `name` that sends as `config` says, with its
    /// secrets (kept in the keyring only); with `replace`, sets the one of
    /// that name anew instead (its failing mark goes), keeping a secret
    /// not given again.
    pub async fn channel_add(
        &self,
        name: &str,
        (config, policy): (ChannelConfig, ChannelPolicy),
        mut secrets: Credentials,
        replace: bool,
    ) -> Result<ChannelInfo> {
        let name = model::channel_name(name)?;
        let at = crate::clock::now_ms();
        let existing = self.store.read(|c| channels::get(c, &name))?;
        match (&existing, replace) {
            (Some(_), false) => {
                return Err(InvalidInput(format!(
                    "a channel named '{name}' exists; set it again with --replace, or choose another name"
                ))
                .into());
            }
            (None, true) => return Err(no_channel(&name)),
            _ => {}
        }
        if replace {
            let old = credentials(&name, !config.needs_secret()).await?;
            secrets.token = secrets.token.or(old.token);
            if matches!(config, ChannelConfig::Webhook { signed: true, .. }) {
                secrets.signing = secrets.signing.or(old.signing);
            }
        }
        check_secrets(&config, &secrets)?;
        // The secrets first: a channel is never kept half made.
        self.store_secrets(&name, &secrets, replace).await?;
        let stored = self.store.write(|tx| {
            if replace {
                return channels::replace(tx, &name, (&config, &policy)).map(Some);
            }
            if channels::count(tx)? >= MAX_CHANNELS as i64 {
                return Ok(None);
            }
            channels::insert(tx, &name, (&config, &policy), at).map(Some)
        });
        match stored {
            Ok(Some(true)) => {}
            Ok(None) => {
                self.forget_secrets(&name).await;
                return Err(InvalidInput(format!(
                    "there are {MAX_CHANNELS} channels already; remove one first"
                ))
                .into());
            }
            Ok(Some(false)) => {
                self.forget_secrets(&name).await;
                return Err(InvalidInput(format!("the channel '{name}' changed meanwhile")).into());
            }
            Err(e) => {
                if !replace {
                    self.forget_secrets(&name).await;
                }
                return Err(e.into());
            }
        }
        let created = existing.map_or(at, |r| r.created_at);
        let mut c = info(&name, &config, Some(created), Some(secrets.token.is_some()));
        c.policy = policy;
        c.config = Some(config);
        Ok(c)
    }

    /// The built-in channels, then those added, by name: whether each
    /// added one has its secret (never the secret), whether it is failing,
    /// and how its last delivery went.
    pub async fn channels(&self) -> Result<Vec<ChannelInfo>> {
        let settings = self.settings();
        let email = if settings.email.is_configured() {
            format!("e-mail to {}", settings.email.to.join(", "))
        } else {
            "e-mail, not set up (`coinlytics email setup`)".into()
        };
        let mut all = vec![
            built_in(
                BUILT_IN[0],
                "a notification on this machine's desktop".into(),
            ),
            built_in(BUILT_IN[1], email),
        ];
        for row in self.store.read(channels::list)? {
            let key = SecretName::Channel(row.name.clone());
            let token = blocking(move || Ok(secrets::get(key)?.is_some()))
                .await
                .ok();
            let mut c = info(&row.name, &row.config, Some(row.created_at), token);
            c.failing = row.failing.map(|(why, _)| why);
            c.policy = row.policy;
            c.config = Some(row.config);
            all.push(c);
        }
        for c in &mut all {
            c.last_delivery = self
                .store
                .read(|conn| alerts::last_delivery(conn, &c.name))?;
        }
        Ok(all)
    }

    /// Removes the channel `name` and its secrets; refused while a rule
    /// sends to it.
    pub async fn channel_remove(&self, name: &str) -> Result<ChannelInfo> {
        let row = self.stored_channel(name)?;
        let name = row.name;
        let users: Vec<String> = self
            .store
            .read(alerts::rules)?
            .into_iter()
            .filter(|r| r.spec.channels.named.contains(&name))
            .map(|r| format!("#{}", r.id))
            .collect();
        if !users.is_empty() {
            return Err(InvalidInput(format!(
                "alert {} sends to '{name}': change or remove {} first",
                users.join(", "),
                if users.len() == 1 { "it" } else { "them" }
            ))
            .into());
        }
        let key = SecretName::Channel(name.clone());
        let had = blocking(move || Ok(secrets::delete(key)?)).await?;
        let key = SecretName::ChannelSigning(name.clone());
        blocking(move || Ok(secrets::delete(key)?)).await?;
        self.store.write(|tx| channels::delete(tx, &name))?;
        Ok(info(&name, &row.config, Some(row.created_at), Some(had)))
    }

    /// Sends a test message through the channel `name`. A refusal marks it
    /// failing as a delivery's would; a success clears the mark.
    pub async fn channel_test(&self, name: &str) -> Result<ChannelInfo> {
        let row = self.stored_channel(name)?;
        let name = row.name;
        let secrets = credentials(&name, !row.config.needs_secret()).await?;
        let sent = channel::send(&row.config, &secrets, &Message::test(&name)).await;
        let failing = match &sent {
            Ok(()) => None,
            Err(SendError::Refused(why)) => Some(why.as_str()),
            Err(_) => row.failing.as_ref().map(|(why, _)| why.as_str()),
        };
        let now = crate::clock::now_ms();
        self.store
            .write(|tx| channels::set_failing(tx, &name, failing.map(|w| (w, now))))?;
        sent?;
        Ok(info(
            &name,
            &row.config,
            Some(row.created_at),
            Some(secrets.token.is_some()),
        ))
    }

    /// The chats that wrote to the Telegram bot whose token is `token`
    /// (through the Bot API at `api`): what `channel add telegram` offers
    /// when no chat id is given.
    pub async fn telegram_chats(&self, api: &str, token: &Secret) -> Result<Vec<(i64, String)>> {
        let config = ChannelConfig::telegram("0", Some(api))?;
        config.check_secret(token.expose().trim())?;
        let ChannelConfig::Telegram { api, .. } = config else {
            unreachable!("made as a Telegram channel");
        };
        Ok(channel::telegram_chats(&api, &Secret::new(token.expose().trim().into())).await?)
    }
}

impl Engine {
    /// The channel a user named, as stored.
    fn stored_channel(&self, name: &str) -> Result<channels::Row> {
        let name = model::channel_name(name)?;
        self.store
            .read(|c| channels::get(c, &name))?
            .ok_or_else(|| no_channel(&name))
    }

    /// Keeps the channel's secrets in the keyring; set anew (`replace`), it
    /// loses one it no longer has. (A new channel has none to lose: a
    /// removed one's went with it. An ntfy channel without a token needs
    /// no keyring at all.)
    async fn store_secrets(&self, name: &str, secrets: &Credentials, replace: bool) -> Result<()> {
        for (key, value) in [
            (SecretName::Channel(name.into()), &secrets.token),
            (SecretName::ChannelSigning(name.into()), &secrets.signing),
        ] {
            if value.is_none() && !replace {
                continue;
            }
            let value = value.clone();
            blocking(move || match value {
                Some(v) => Ok(secrets::set(key, v.expose().trim())?),
                None => secrets::delete(key).map(|_| ()).map_err(Error::from),
            })
            .await?;
        }
        Ok(())
    }

    async fn forget_secrets(&self, name: &str) {
        let _ = self
            .store_secrets(name, &Credentials::default(), true)
            .await;
    }
}

/// A channel's secrets as it needs them: each one line, of a sane length,
/// of the shape its kind takes.
fn check_secrets(config: &ChannelConfig, secrets: &Credentials) -> Result<()> {
    for s in [&secrets.token, &secrets.signing].into_iter().flatten() {
        let s = s.expose().trim();
        if s.is_empty() {
            return Err(InvalidInput("no secret was given: type it, or pipe it in".into()).into());
        }
        if s.contains('\n') || s.len() > TOKEN_MAX {
            return Err(InvalidInput(format!(
                "a channel's secret is one line of at most {TOKEN_MAX} characters"
            ))
            .into());
        }
    }
    match &secrets.token {
        Some(t) => config.check_secret(t.expose().trim())?,
        None if config.needs_secret() => {
            return Err(InvalidInput(format!("{} is needed", config.secret_name())).into());
        }
        None => {}
    }
    let signed = matches!(config, ChannelConfig::Webhook { signed: true, .. });
    match (&secrets.signing, signed) {
        (None, true) => Err(InvalidInput("a signed webhook needs its signing key".into()).into()),
        (Some(_), false) => {
            Err(InvalidInput("only a signed webhook has a signing key".into()).into())
        }
        (Some(k), true) if k.expose().trim().len() < 16 => Err(InvalidInput(
            "a signing key is at least 16 characters: `openssl rand -hex 32` makes one".into(),
        )
        .into()),
        _ => Ok(()),
    }
}

/// The channel `name`'s secrets, from the keyring; `optional` as
/// [`secrets::channel`] says.
async fn credentials(name: &str, optional: bool) -> Result<Credentials> {
    let name = name.to_string();
    blocking(move || Ok(secrets::channel(&name, optional)?)).await
}

fn built_in(name: &str, summary: String) -> ChannelInfo {
    ChannelInfo {
        name: name.into(),
        kind: name.into(),
        summary,
        token: None,
        created_at: None,
        failing: None,
        last_delivery: None,
        policy: ChannelPolicy::default(),
        config: None,
    }
}

fn info(name: &str, config: &ChannelConfig, at: Option<i64>, token: Option<bool>) -> ChannelInfo {
    ChannelInfo {
        name: name.to_string(),
        kind: config.kind().into(),
        summary: config.summary(),
        token,
        created_at: at,
        failing: None,
        last_delivery: None,
        policy: ChannelPolicy::default(),
        config: None,
    }
}

fn no_channel(name: &str) -> Error {
    Error::NotFound(format!(
        "no channel named '{name}' (`coinlytics channel ls` lists them)"
    ))
}
