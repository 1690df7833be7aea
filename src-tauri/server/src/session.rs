//! Browser sessions: a browser signs in once with a token and then carries
//! an HttpOnly, SameSite=Strict cookie instead (a page's script never sees
//! either). The server keeps each session's token hash, never the token,
//! and checks it at every request, so revoking the token (from any
//! process) or its expiry ends the session at once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, header};
use coinlytics_engine::model::access::{self, TokenHash};

/// The cookie's name.
pub const COOKIE: &str = "coinlytics_session";
/// A session unused this long ends.
pub const IDLE: Duration = Duration::from_secs(12 * 3600);
/// A session ends this long after sign-in, however much it is used.
pub const ABSOLUTE: Duration = Duration::from_secs(7 * 24 * 3600);
/// At most this many sessions; the oldest go first.
const MAX_SESSIONS: usize = 1000;

struct Session {
    token: TokenHash,
    started: Instant,
    last_seen: Instant,
}

#[derive(Default)]
pub struct Sessions {
    by_id: Mutex<HashMap<[u8; 32], Session>>,
}

impl Sessions {
    /// A new session for the token of `token`; returns the cookie to set.
    pub fn start(&self, token: TokenHash, secure: bool) -> HeaderValue {
        let (id, key) = access::generate();
        let now = Instant::now();
        let mut by_id = self.by_id.lock().unwrap_or_else(|e| e.into_inner());
        by_id.retain(|_, s| live(s, now));
        if by_id.len() >= MAX_SESSIONS
            && let Some(oldest) = by_id.iter().min_by_key(|(_, s)| s.started).map(|(k, _)| *k)
        {
            by_id.remove(&oldest);
        }
        by_id.insert(
            key.0,
            Session {
                token,
                started: now,
                last_seen: now,
            },
        );
        cookie(id.expose(), ABSOLUTE.as_secs(), secure)
    }

    /// The token hash of the live session the request's cookie names.
    pub fn token_of(&self, headers: &HeaderMap) -> Option<TokenHash> {
        let id = session_id(headers)?;
        let key = TokenHash::of(id);
        let now = Instant::now();
        let mut by_id = self.by_id.lock().unwrap_or_else(|e| e.into_inner());
        let session = by_id.get_mut(&key.0)?;
        if !live(session, now) {
            by_id.remove(&key.0);
            return None;
        }
        session.last_seen = now;
        Some(session.token.clone())
    }

    /// Ends the session the request's cookie names; returns the cookie
    /// that clears it.
    pub fn end(&self, headers: &HeaderMap, secure: bool) -> HeaderValue {
        if let Some(id) = session_id(headers) {
            let key = TokenHash::of(id);
            self.by_id
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&key.0);
        }
        cookie("", 0, secure)
    }
}

fn live(s: &Session, now: Instant) -> bool {
    now.duration_since(s.last_seen) < IDLE && now.duration_since(s.started) < ABSOLUTE
}

fn session_id(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
        .filter(|v| access::is_token_shaped(v))
}

fn cookie(value: &str, max_age: u64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text =
        format!("{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}");
    // The value is base64url and the rest ASCII: always a valid header.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_cookie(set: &HeaderValue) -> HeaderMap {
        let pair = set
            .to_str()
            .expect("ascii")
            .split(';')
            .next()
            .expect("pair")
            .to_string();
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("other=1; {pair}")).expect("header"),
        );
        h
    }

    #[test]
    fn a_session_names_its_token_until_it_ends() {
        let sessions = Sessions::default();
        let token = TokenHash::of("cly_x");
        let set = sessions.start(token.clone(), false);
        let text = set.to_str().expect("ascii");
        assert!(
            text.contains("HttpOnly")
                && text.contains("SameSite=Strict")
                && !text.contains("Secure"),
            "{text}"
        );
        let headers = with_cookie(&set);
        assert!(
            sessions
                .token_of(&headers)
                .is_some_and(|t| t.matches(&token))
        );
        let cleared = sessions.end(&headers, true);
        assert!(
            cleared
                .to_str()
                .expect("ascii")
                .contains("Max-Age=0; Secure")
        );
        assert!(sessions.token_of(&headers).is_none());
        assert!(sessions.token_of(&HeaderMap::new()).is_none());
    }
}
