//! The engine's one error type, and the one shape every front end shows it
//! in. Each concern has its own typed error; [`Error`] unites them, gives
//! each a machine-readable [`ErrorKind`] (what the page acts on), a sentence
//! for the user (its `Display`), and the CLI's exit code. It crosses IPC as
//! [`ErrorBody`], `{ "kind": "invalid_input", "message": "…" }`.

use serde::Serialize;

pub use crate::alerts::email::EmailError;
pub use crate::alerts::lock::LockError;
pub use crate::config::ConfigError;
pub use crate::error_kind::ErrorKind;
pub use crate::model::InvalidInput;
pub use crate::model::access::AccessError;
pub use crate::model::alert::RuleError;
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
    Channel(#[from] crate::alerts::channel::SendError),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Access(#[from] AccessError),
    /// Input no front end may pass on: a malformed coin id, an unsupported
    /// currency, a number out of range. The message names the value.
    #[error(transparent)]
    Invalid(#[from] InvalidInput),
    /// The user named something that is not there (a coin not in the
    /// watchlist), or there is nothing to show.
    #[error("{0}")]
    NotFound(String),
    /// An earlier failure, kept as it was shown (e.g. why the engine could
    /// not open, for every later command of the window).
    #[error("{}", .0.message)]
    Reported(ErrorBody),
    /// A failure that is no fault of the input (a task that died).
    #[error("{0}")]
    Internal(String),
}

/// An error as it crosses IPC (and as `--json` output would show it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct ErrorBody {
    pub kind: ErrorKind,
    pub message: String,
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Config(e) => e.kind(),
            Error::Provider(e) => e.kind(),
            Error::Store(_) => ErrorKind::Storage,
            Error::Secret(_) => ErrorKind::Keyring,
            Error::UnknownCoin(_) | Error::Rule(_) | Error::Invalid(_) => ErrorKind::InvalidInput,
            Error::NoSuchRule(_) | Error::NotFound(_) => ErrorKind::NotFound,
            Error::Email(e) => e.kind(),
            Error::Channel(e) => e.kind(),
            Error::Lock(_) => ErrorKind::Conflict,
            Error::Access(e) => e.kind(),
            Error::Reported(body) => body.kind,
            Error::Internal(_) => ErrorKind::Internal,
        }
    }

    /// The CLI's exit code: see [`ErrorKind::exit_code`].
    pub fn exit_code(&self) -> u8 {
        self.kind().exit_code()
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            kind: self.kind(),
            message: self.to_string(),
        }
    }
}

impl Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.body().serialize(s)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_crosses_ipc_as_kind_and_message() {
        let json = serde_json::to_string(&Error::Invalid(InvalidInput(
            "'zzz' is not a supported currency".into(),
        )))
        .expect("serializes");
        assert_eq!(
            json,
            r#"{"kind":"invalid_input","message":"'zzz' is not a supported currency"}"#
        );
        let json = serde_json::to_string(&Error::NoSuchRule(7)).expect("serializes");
        assert_eq!(json, r#"{"kind":"not_found","message":"no alert #7"}"#);
    }

    #[test]
    fn exit_codes_follow_the_kind() {
        assert_eq!(Error::Invalid(InvalidInput(String::new())).exit_code(), 2);
        assert_eq!(Error::UnknownCoin("x".into()).exit_code(), 2);
        assert_eq!(Error::NoSuchRule(1).exit_code(), 1);
        let reported = Error::Reported(ErrorBody {
            kind: ErrorKind::Conflict,
            message: "m".into(),
        });
        assert_eq!(
            (reported.exit_code(), reported.to_string().as_str()),
            (3, "m")
        );
    }
}
