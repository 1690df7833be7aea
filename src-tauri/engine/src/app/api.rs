//! The local API's tokens: make, list, revoke, and check one a request
//! presents (`coinlytics api token …`, `coinlytics serve`).

use crate::Engine;
use crate::error::{Error, Result};
use crate::model::InvalidInput;
use crate::model::access::{self, AccessError, Scope, TokenHash, TokenInfo};
use crate::secrets::Secret;
use crate::store::queries::api_tokens;

/// A token just made: its value, shown this once, and how it is listed.
pub struct NewToken {
    pub token: Secret,
    pub info: TokenInfo,
}

impl Engine {
    /// Makes a token named `name` (see [`access::token_name`]) that may
    /// read, or read and write, for `lifetime_ms` (none: until revoked).
    pub fn api_token_create(
        &self,
        name: &str,
        scope: Scope,
        lifetime_ms: Option<i64>,
    ) -> Result<NewToken> {
        let name = access::token_name(name)?;
        let now = super::now_ms();
        let info = TokenInfo {
            name,
            scope,
            created_at: now,
            expires_at: lifetime_ms.map(|ms| now.saturating_add(ms)),
            last_used_at: None,
        };
        let (token, hash) = access::generate();
        let inserted = self.store.write(|tx| {
            if api_tokens::count(tx)? >= access::MAX_TOKENS as i64 {
                return Ok(None);
            }
            api_tokens::insert(tx, &info, &hash).map(Some)
        })?;
        match inserted {
            None => Err(InvalidInput(format!(
                "there are {} tokens already; revoke one first",
                access::MAX_TOKENS
            ))
            .into()),
            Some(false) => Err(InvalidInput(format!(
                "a token named '{}' exists; revoke it first or choose another name",
                info.name
            ))
            .into()),
            Some(true) => Ok(NewToken { token, info }),
        }
    }

    /// Every token, oldest first; never their values.
    pub fn api_tokens(&self) -> Result<Vec<TokenInfo>> {
        Ok(self.store.read(api_tokens::list)?)
    }

    /// Revokes the named token: the next request with it is refused, and
    /// so are the browser sessions it signed in.
    pub fn api_token_revoke(&self, name: &str) -> Result<TokenInfo> {
        let name = access::token_name(name)?;
        self.store
            .write(|tx| api_tokens::delete(tx, &name))?
            .ok_or_else(|| Error::NotFound(format!("no API token named '{name}'")))
    }

    /// The token `presented` is, if it is one that may `write` (or only
    /// read) now. Its last use is noted, at most once a minute.
    pub fn api_token_check(&self, presented: &str, write: bool) -> Result<TokenInfo> {
        if !access::is_token_shaped(presented) {
            return Err(AccessError::BadToken.into());
        }
        self.api_token_check_hash(&TokenHash::of(presented), write)
    }

    /// [`Engine::api_token_check`] of a token known by its hash: a browser
    /// session's, which keeps the hash, never the token.
    pub fn api_token_check_hash(&self, hash: &TokenHash, write: bool) -> Result<TokenInfo> {
        // Every stored hash is compared, each in constant time.
        let found =
            self.store
                .read(api_tokens::with_hashes)?
                .into_iter()
                .fold(
                    None,
                    |found, (info, h)| {
                        if h.matches(hash) { Some(info) } else { found }
                    },
                );
        let info = found.ok_or(AccessError::BadToken)?;
        let now = super::now_ms();
        if info.expired(now) {
            return Err(AccessError::Expired(info.name).into());
        }
        if write && info.scope != Scope::Write {
            return Err(AccessError::ReadOnly(info.name).into());
        }
        if info
            .last_used_at
            .is_none_or(|t| now - t >= access::LAST_USE_EVERY_MS)
        {
            self.store
                .write(|tx| api_tokens::touch(tx, &info.name, now))?;
        }
        Ok(info)
    }
}
