//! The engine's one error type. Each concern has its own typed error; this
//! enum unites them so callers (CLI, Tauri commands) handle one type, and it
//! serializes to `{ "kind", "message" }` so it can cross IPC as a value.

use serde::Serialize;

pub use crate::alerts::email::EmailError;
pub use crate::alerts::lock::LockError;
pub use crate::alerts::rule::RuleError;
pub use crate::config::ConfigError;
pub use crate::provider::ProviderError;
pub use crate::secrets::SecretError;
pub use crate::store::StoreError;

/// Any failure of an engine operation. Messages are written for the user and
/// never contain a secret.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("unknown coin '{0}': no coin with that id or symbol in the coin list")]
    UnknownCoin(String),
    #[error("invalid alert: {0}")]
    Rule(#[from] RuleError),
    #[error("no alert #{0}")]
    NoSuchRule(i64),
    #[error(transparent)]
    Email(#[from] EmailError),
    #[error(transparent)]
    Lock(#[from] LockError),
}

impl Error {
    /// A stable, machine-readable name of the error's kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Config(_) => "config",
            Error::Provider(e) => e.kind(),
            Error::Store(_) => "store",
            Error::Secret(_) => "secret",
            Error::UnknownCoin(_) => "unknown_coin",
            Error::Rule(_) => "invalid_alert",
            Error::NoSuchRule(_) => "not_found",
            Error::Email(_) => "email",
            Error::Lock(_) => "monitor_lock",
        }
    }
}

impl Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Error", 2)?;
        st.serialize_field("kind", self.kind())?;
        st.serialize_field("message", &self.to_string())?;
        st.end()
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
