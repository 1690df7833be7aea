//! [`ErrorKind`]: what kind of failure an error is. A leaf: each concern's
//! own error (the store's, the provider's, the config's …) names its kind
//! here without importing [`crate::error`], which unites those errors and
//! so sits above them.

use serde::Serialize;

/// What kind of failure an [`Error`](crate::Error) is: stable names that front ends
/// branch on (the page shows the stale banner on `offline`, keeps a form
/// open on `invalid_input`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The input is wrong; the message says what is allowed.
    InvalidInput,
    /// Nothing by that name, or nothing to show.
    NotFound,
    /// The price source cannot be reached (no network, timeout).
    Offline,
    /// The price source asks us to slow down.
    RateLimited,
    /// The price source answered with an error or nonsense.
    Upstream,
    /// The OS keyring is unavailable or locked.
    Keyring,
    /// The database or the config file cannot be read or written.
    Storage,
    /// Another process already does this (e.g. monitors the alerts).
    Conflict,
    /// An e-mail could not be sent.
    Email,
    /// An alert channel (ntfy, …) could not deliver.
    Channel,
    /// The local API needs a valid token (none, unknown, revoked, expired).
    Unauthorized,
    /// The local API refuses this request whoever asks (a read-only
    /// token writing, a foreign Host, a cross-site request).
    Forbidden,
    /// Too many requests to the local API; try again later.
    TooManyRequests,
    /// What was sent is larger than allowed (a body, a file).
    TooLarge,
    /// The local API gave up on a request that took too long (a body
    /// sent too slowly, say).
    TimedOut,
    Internal,
}

impl ErrorKind {
    /// The kind's name, as it crosses IPC and is written to the event log.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Offline => "offline",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Upstream => "upstream",
            ErrorKind::Keyring => "keyring",
            ErrorKind::Storage => "storage",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Email => "email",
            ErrorKind::Channel => "channel",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::TooManyRequests => "too_many_requests",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::TimedOut => "timed_out",
            ErrorKind::Internal => "internal",
        }
    }

    /// The CLI's exit code for an error of this kind: 1 nothing to show
    /// (or it failed), 2 bad input, 3 already running. 0 is success.
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorKind::InvalidInput => 2,
            ErrorKind::Conflict => 3,
            _ => 1,
        }
    }
}
