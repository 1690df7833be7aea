//! Who may use the local API (`coinlytics serve`): its tokens' rules.
//!
//! A token is an opaque random secret (256 bits, `cly_` and 43 base64url
//! characters) shown once when made; the store keeps only its SHA-256, so
//! a copy of the database lets no one in. Opaque hashed tokens rather than
//! signed ones (JWTs): revoking one ends it at the next request, with no
//! key to rotate and no list of revoked ids to keep; there is one user and
//! one server, so nothing gains from a token that verifies itself.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::InvalidInput;
use crate::error_kind::ErrorKind;
use crate::secrets::Secret;

/// What every token starts with, so a leaked one is recognisable (secret
/// scanners, a user reading a log they are about to share).
pub const PREFIX: &str = "cly_";
/// A token's random part: 32 bytes.
const RANDOM_BYTES: usize = 32;
/// The length of a whole token: the prefix and 43 base64url characters.
pub const TOKEN_LEN: usize = PREFIX.len() + (RANDOM_BYTES * 4).div_ceil(3);
/// The longest token name.
pub const MAX_NAME: usize = 40;
/// At most this many tokens: each request compares against every one.
pub const MAX_TOKENS: usize = 100;
/// The longest lifetime a token may be given: ten years.
pub const MAX_LIFETIME_DAYS: i64 = 3650;
/// A token's last use is written at most this often (ms): a busy client
/// would otherwise write to the database at every request.
pub const LAST_USE_EVERY_MS: i64 = 60_000;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Read anything; change nothing.
    Read,
    /// Read and change (the watchlist, alerts, the portfolio, settings).
    Write,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "read" => Some(Scope::Read),
            "write" => Some(Scope::Write),
            _ => None,
        }
    }
}

/// A token as it is listed: never its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct TokenInfo {
    pub name: String,
    pub scope: Scope,
    /// Unix ms.
    #[ts(type = "number")]
    pub created_at: i64,
    /// Unix ms; none: it does not expire.
    #[ts(type = "number | null")]
    pub expires_at: Option<i64>,
    /// Unix ms, to within a minute; none: never used.
    #[ts(type = "number | null")]
    pub last_used_at: Option<i64>,
}

impl TokenInfo {
    pub fn expired(&self, now_ms: i64) -> bool {
        self.expires_at.is_some_and(|t| t <= now_ms)
    }
}

/// A token's SHA-256: what the store keeps.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenHash(pub [u8; 32]);

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenHash(…)")
    }
}

impl TokenHash {
    pub fn of(token: &str) -> TokenHash {
        TokenHash(Sha256::digest(token.as_bytes()).into())
    }

    /// Equal in constant time: how long it takes says nothing of where
    /// two hashes differ.
    pub fn matches(&self, other: &TokenHash) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

/// A new random token and its hash.
pub fn generate() -> (Secret, TokenHash) {
    let bytes: [u8; RANDOM_BYTES] = rand::random();
    let token = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = TokenHash::of(&token);
    (Secret::new(token), hash)
}

/// Whether `s` has a token's shape: a cheap refusal of anything else
/// before any hashing, and a token-shaped value a caller must not echo.
pub fn is_token_shaped(s: &str) -> bool {
    s.len() == TOKEN_LEN
        && s.starts_with(PREFIX)
        && s[PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A token's name: 1 to 40 letters, digits, `.`, `-` or `_` (it is typed
/// on a command line to revoke the token).
pub fn token_name(name: &str) -> Result<String, InvalidInput> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(InvalidInput(format!(
            "a token's name is 1 to {MAX_NAME} characters"
        )));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        return Err(InvalidInput(format!(
            "'{name}' is not a token name: use letters, digits, '.', '-' and '_'"
        )));
    }
    Ok(name.to_string())
}

/// A lifetime as a user types it, in ms: `12h`, `90d`, `8w` or `1y`
/// (365 days), at most ten years.
pub fn lifetime_ms(text: &str) -> Result<i64, InvalidInput> {
    const HOUR: i64 = 3_600_000;
    let bad = || {
        InvalidInput(format!(
            "'{text}' is not a lifetime: a whole number and h, d, w or y (e.g. 90d), at most {MAX_LIFETIME_DAYS} days"
        ))
    };
    let t = text.trim();
    let (digits, unit) = t.split_at(t.len().saturating_sub(1));
    let n: i64 = digits.parse().map_err(|_| bad())?;
    let unit_ms = match unit {
        "h" => HOUR,
        "d" => 24 * HOUR,
        "w" => 7 * 24 * HOUR,
        "y" => 365 * 24 * HOUR,
        _ => return Err(bad()),
    };
    let ms = n.checked_mul(unit_ms).ok_or_else(bad)?;
    if n <= 0 || ms > MAX_LIFETIME_DAYS * 24 * HOUR {
        return Err(bad());
    }
    Ok(ms)
}

/// Why the local API turned a request away. The messages never hold the
/// token that was sent.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error(
        "this needs an API token: send `Authorization: Bearer <token>`, or sign in (make a token with `coinlytics api token create NAME`)"
    )]
    NoToken,
    #[error("the API token is not valid: it is unknown, revoked or mistyped")]
    BadToken,
    #[error("the API token '{0}' has expired; make a new one with `coinlytics api token create`")]
    Expired(String),
    #[error(
        "the API token '{0}' is read-only; changing anything needs a token made without --read-only"
    )]
    ReadOnly(String),
    /// Refused before any token is looked at (a foreign Host, a cross-site
    /// request): the message says which rule.
    #[error("{0}")]
    Refused(String),
}

impl AccessError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            AccessError::NoToken | AccessError::BadToken | AccessError::Expired(_) => {
                ErrorKind::Unauthorized
            }
            AccessError::ReadOnly(_) | AccessError::Refused(_) => ErrorKind::Forbidden,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_prefixed_random_and_hashed() {
        let (a, ha) = generate();
        let (b, hb) = generate();
        assert!(is_token_shaped(a.expose()), "{}", a.expose().len());
        assert_ne!(a.expose(), b.expose());
        assert!(ha.matches(&TokenHash::of(a.expose())));
        assert!(!ha.matches(&hb));
        assert_eq!(TOKEN_LEN, 47);
    }

    #[test]
    fn only_token_shaped_values_are_looked_up() {
        let (t, _) = generate();
        let t = t.expose().to_string();
        assert!(!is_token_shaped(&t[1..]));
        assert!(!is_token_shaped(&format!("{t}x")));
        assert!(!is_token_shaped(&t.replace(PREFIX, "xyz_")));
        assert!(!is_token_shaped(&format!("{}!{}", &t[..10], &t[11..])));
    }

    #[test]
    fn names_are_short_and_typeable() {
        assert_eq!(token_name(" phone ").expect("ok"), "phone");
        assert!(token_name("home-assistant_1.2").is_ok());
        assert!(token_name("").is_err());
        assert!(token_name("a b").is_err());
        assert!(token_name(&"x".repeat(41)).is_err());
    }

    #[test]
    fn lifetimes_are_whole_units_up_to_ten_years() {
        assert_eq!(lifetime_ms("12h").expect("ok"), 12 * 3_600_000);
        assert_eq!(lifetime_ms("90d").expect("ok"), 90 * 86_400_000);
        assert_eq!(lifetime_ms("2w").expect("ok"), 14 * 86_400_000);
        assert_eq!(lifetime_ms("10y").expect("ok"), 3650 * 86_400_000);
        for bad in [
            "",
            "d",
            "0d",
            "-1d",
            "1.5d",
            "90",
            "11y",
            "9999999999999999999d",
            "3m",
        ] {
            assert!(lifetime_ms(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn refusals_are_401_or_403_kinds_and_never_hold_the_token() {
        assert_eq!(AccessError::BadToken.kind(), ErrorKind::Unauthorized);
        assert_eq!(
            AccessError::ReadOnly("x".into()).kind(),
            ErrorKind::Forbidden
        );
        assert!(!AccessError::BadToken.to_string().contains(PREFIX));
    }
}
