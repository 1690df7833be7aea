//! Alert channels: add one (its token into the OS keyring), list them with
//! the built-in ones, send a test, remove one (`coinlytics channel …`).

use crate::Engine;
use crate::alerts::channel::{self, Message};
use crate::error::{Error, Result};
use crate::model::InvalidInput;
use crate::model::channel::{self as model, BUILT_IN, ChannelConfig, ChannelInfo, MAX_CHANNELS};
use crate::secrets::{self, Secret, SecretName};
use crate::store::queries::channels;

/// The longest token a channel keeps.
const TOKEN_MAX: usize = 4096;

impl Engine {
    /// Adds the channel `name` that sends as `config` says, with `token`
    /// (kept in the keyring only) if it needs one.
    pub async fn channel_add(
        &self,
        name: &str,
        config: ChannelConfig,
        token: Option<Secret>,
    ) -> Result<ChannelInfo> {
        let name = model::channel_name(name)?;
        if let Some(t) = &token {
            let t = t.expose().trim();
            if t.is_empty() {
                return Err(
                    InvalidInput("no token was given: type it, or pipe it in".into()).into(),
                );
            }
            if t.contains('\n') || t.len() > TOKEN_MAX {
                return Err(InvalidInput(format!(
                    "a channel's token is one line of at most {TOKEN_MAX} characters"
                ))
                .into());
            }
        }
        let at = crate::clock::now_ms();
        let added = self.store.write(|tx| {
            if channels::count(tx)? >= MAX_CHANNELS as i64 {
                return Ok(None);
            }
            channels::insert(tx, &name, &config, at).map(Some)
        })?;
        match added {
            None => {
                return Err(InvalidInput(format!(
                    "there are {MAX_CHANNELS} channels already; remove one first"
                ))
                .into());
            }
            Some(false) => {
                return Err(InvalidInput(format!(
                    "a channel named '{name}' exists; remove it first or choose another name"
                ))
                .into());
            }
            Some(true) => {}
        }
        // The token's place is the keyring; without it the channel is not
        // kept half made.
        let key = SecretName::Channel(name.clone());
        let stored = match &token {
            Some(t) => {
                let t = t.clone();
                super::blocking(move || Ok(secrets::set(key, t.expose().trim())?)).await
            }
            None => {
                super::blocking(move || secrets::delete(key).map(|_| ()).map_err(Error::from)).await
            }
        };
        if let Err(e) = stored {
            let _ = self.store.write(|tx| channels::delete(tx, &name));
            return Err(e);
        }
        Ok(info(&name, &config, Some(at), Some(token.is_some())))
    }

    /// The built-in channels, then those added, by name; whether each
    /// added one has a token (never the token).
    pub async fn channels(&self) -> Result<Vec<ChannelInfo>> {
        let settings = self.settings();
        let mut all = vec![
            ChannelInfo {
                name: BUILT_IN[0].into(),
                kind: "desktop",
                summary: "a notification on this machine's desktop".into(),
                token: None,
                created_at: None,
            },
            ChannelInfo {
                name: BUILT_IN[1].into(),
                kind: "email",
                summary: if settings.email.is_configured() {
                    format!("e-mail to {}", settings.email.to.join(", "))
                } else {
                    "e-mail, not set up (`coinlytics email setup`)".into()
                },
                token: None,
                created_at: None,
            },
        ];
        for (name, config, at) in self.store.read(channels::list)? {
            let key = SecretName::Channel(name.clone());
            let token = super::blocking(move || Ok(secrets::get(key)?.is_some()))
                .await
                .ok();
            all.push(info(&name, &config, Some(at), token));
        }
        Ok(all)
    }

    /// Removes the channel `name` and its token.
    pub async fn channel_remove(&self, name: &str) -> Result<ChannelInfo> {
        let (name, config, at) = self.stored_channel(name)?;
        let users: Vec<String> = self
            .store
            .read(crate::store::queries::alerts::rules)?
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
        let had = super::blocking(move || Ok(secrets::delete(key)?)).await?;
        self.store.write(|tx| channels::delete(tx, &name))?;
        Ok(info(&name, &config, Some(at), Some(had)))
    }

    /// Sends a test message through the channel `name`.
    pub async fn channel_test(&self, name: &str) -> Result<ChannelInfo> {
        let (name, config, at) = self.stored_channel(name)?;
        let key = SecretName::Channel(name.clone());
        let token = super::blocking(move || Ok(secrets::get(key)?)).await?;
        let msg = Message {
            title: "Coinlytics: a test".into(),
            body: format!("Alerts sent to the channel '{name}' arrive here."),
        };
        channel::send(&config, token.as_ref(), &msg).await?;
        Ok(info(&name, &config, Some(at), Some(token.is_some())))
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
}

fn info(name: &str, config: &ChannelConfig, at: Option<i64>, token: Option<bool>) -> ChannelInfo {
    ChannelInfo {
        name: name.to_string(),
        kind: config.kind(),
        summary: config.summary(),
        token,
        created_at: at,
    }
}

fn no_channel(name: &str) -> Error {
    Error::NotFound(format!(
        "no channel named '{name}' (`coinlytics channel ls` lists them)"
    ))
}
