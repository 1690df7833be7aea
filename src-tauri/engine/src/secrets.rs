//! Secrets in the OS keyring (Secret Service on Linux). A secret is read
//! into a [`Secret`], whose `Debug` and `Display` never show the value, so it
//! cannot reach a log by accident, and whose memory is wiped when it is
//! dropped, so it does not linger in the heap (a core dump, swap). Nothing
//! here writes a secret anywhere else.

use std::fmt;

use zeroize::Zeroizing;

/// The keyring service all Coinlytics secrets are filed under; tests set
/// `COINLYTICS_KEYRING_SERVICE` to keep theirs apart.
fn service() -> String {
    std::env::var("COINLYTICS_KEYRING_SERVICE").unwrap_or_else(|_| "coinlytics".to_string())
}

/// The secrets Coinlytics keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretName {
    CoinGeckoApiKey,
    SmtpPassword,
    /// The token (or other credential) of the alert channel so named.
    Channel(String),
    /// The key a signed webhook channel signs its bodies with.
    ChannelSigning(String),
}

impl SecretName {
    fn account(&self) -> String {
        match self {
            SecretName::CoinGeckoApiKey => "coingecko-api-key".into(),
            SecretName::SmtpPassword => "smtp-password".into(),
            SecretName::Channel(name) => format!("channel-{name}"),
            SecretName::ChannelSigning(name) => format!("channel-{name}-signing"),
        }
    }

    pub fn describe(&self) -> &'static str {
        match self {
            SecretName::CoinGeckoApiKey => "the CoinGecko API key",
            SecretName::SmtpPassword => "the SMTP password",
            SecretName::Channel(_) => "an alert channel's token",
            SecretName::ChannelSigning(_) => "an alert channel's signing key",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the OS keyring is not available, so {what} cannot be used: {reason}")]
    Unavailable { what: &'static str, reason: String },
    #[error("the OS keyring is locked; unlock it to use {what}")]
    Locked { what: &'static str },
    #[error("{what} in the OS keyring is unreadable: {reason}")]
    Bad { what: &'static str, reason: String },
}

/// A secret value. Its formatting is always redacted; its memory is
/// zeroed when dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Takes `value` over (no copy is made).
    pub fn new(value: String) -> Secret {
        Secret(Zeroizing::new(value))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

fn entry(name: &SecretName) -> Result<keyring::Entry, SecretError> {
    keyring::Entry::new(&service(), &name.account()).map_err(|e| map_err(name, e))
}

fn map_err(name: &SecretName, e: keyring::Error) -> SecretError {
    let what = name.describe();
    match e {
        keyring::Error::NoStorageAccess(err) => {
            let reason = err.to_string();
            if reason.to_ascii_lowercase().contains("lock") {
                SecretError::Locked { what }
            } else {
                SecretError::Unavailable { what, reason }
            }
        }
        keyring::Error::PlatformFailure(err) => SecretError::Unavailable {
            what,
            reason: err.to_string(),
        },
        other => SecretError::Bad {
            what,
            reason: other.to_string(),
        },
    }
}

/// The stored secret, or `None` if none is stored.
pub fn get(name: SecretName) -> Result<Option<Secret>, SecretError> {
    match entry(&name)?.get_password() {
        Ok(v) => Ok(Some(Secret::new(v))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(map_err(&name, e)),
    }
}

/// A channel's secrets: its token (a webhook's URL), and a signed
/// webhook's key.
#[derive(Debug, Clone, Default)]
pub struct ChannelSecrets {
    pub token: Option<Secret>,
    pub signing: Option<Secret>,
}

/// The channel `name`'s secrets. A channel that can send without one
/// (`optional`: an ntfy topic) sends without it on a machine with no
/// keyring at all. Blocks on D-Bus: call it off the runtime.
pub fn channel(name: &str, optional: bool) -> Result<ChannelSecrets, SecretError> {
    let read = || {
        Ok(ChannelSecrets {
            token: get(SecretName::Channel(name.into()))?,
            signing: get(SecretName::ChannelSigning(name.into()))?,
        })
    };
    match read() {
        Err(SecretError::Unavailable { .. }) if optional => Ok(ChannelSecrets::default()),
        other => other,
    }
}

pub fn set(name: SecretName, value: &str) -> Result<(), SecretError> {
    entry(&name)?
        .set_password(value)
        .map_err(|e| map_err(&name, e))
}

/// Removes the secret; false if there was none.
pub fn delete(name: SecretName) -> Result<bool, SecretError> {
    match entry(&name)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(map_err(&name, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn secrets_never_format_their_value() {
        let s = Secret::new("hunter2".into());
        assert!(!format!("{s:?} {s}").contains("hunter2"));
        assert_eq!(s.expose(), "hunter2");
    }
}
