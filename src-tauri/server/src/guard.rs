//! What every request passes before a handler: the Host it is addressed
//! to, and the token it carries.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use coinlytics_engine::Error;
use coinlytics_engine::model::access::AccessError;

use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::limit::Wait;

/// Refuses, 403, a request addressed to a host that is not ours.
pub async fn host(State(ctx): State<Ctx>, req: Request, next: Next) -> Result<Response, ApiError> {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !ctx.hosts.allows(host) {
        tracing::info!(host, "refused a request for a foreign host");
        return Err(Error::from(AccessError::Refused(
            "this server answers only requests addressed to its own host names (a foreign Host header is how DNS rebinding reaches a local server)".into(),
        ))
        .into());
    }
    Ok(next.run(req).await)
}

/// Lets a request through only with a token that may do what it asks:
/// reading (GET, HEAD) needs any valid token, anything else one that may
/// write. An address that keeps presenting bad tokens waits (429), and so
/// does a token past its rate.
pub async fn token(State(ctx): State<Ctx>, req: Request, next: Next) -> Result<Response, ApiError> {
    let write = !matches!(*req.method(), Method::GET | Method::HEAD);
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip());
    ctx.limits.may_try(ip).map_err(tried_too_often)?;
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(bearer);
    let checked = match presented {
        Some(presented) => ctx.engine.api_token_check(presented, write),
        None => match ctx.sessions.token_of(req.headers()) {
            // A cookie rides along on any request a browser makes, a
            // foreign page's too: a change must come from our own pages.
            Some(_) if write && !same_origin(req.headers(), ctx.secure) => {
                return Err(Error::from(AccessError::Refused(
                    "a change made with a browser session must come from this server's own pages"
                        .into(),
                ))
                .into());
            }
            Some(hash) => ctx.engine.api_token_check_hash(&hash, write),
            None => Err(Error::from(AccessError::NoToken)),
        },
    };
    let token = match checked {
        Ok(token) => token,
        Err(e) => {
            // Only a token presented counts as a guess: a page whose
            // session lapsed asks many times at once, and must still be
            // able to sign in.
            if presented.is_some()
                && e.kind() == coinlytics_engine::error::ErrorKind::Unauthorized
                && let Err(wait) = ctx.limits.failed(ip)
            {
                tracing::warn!(%ip, "an address ran out of attempts at a token");
                return Err(tried_too_often(wait));
            }
            return Err(e.into());
        }
    };
    ctx.limits.request(&token.name).map_err(|Wait(secs)| {
        ApiError::too_many(
            format!(
                "the token '{}' is over its rate (api_requests_per_second); try again in {secs} s",
                token.name
            ),
            secs,
        )
    })?;
    Ok(next.run(req).await)
}

/// Whether a browser says the request comes from a page of this server:
/// `Sec-Fetch-Site: same-origin`, or an `Origin` naming the Host it asked.
pub fn same_origin(headers: &HeaderMap, secure: bool) -> bool {
    let get = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    if let Some(site) = get(header::HeaderName::from_static("sec-fetch-site")) {
        return site == "same-origin";
    }
    match (get(header::ORIGIN), get(header::HOST)) {
        (Some(origin), Some(host)) => {
            let scheme = if secure { "https" } else { "http" };
            origin.eq_ignore_ascii_case(&format!("{scheme}://{host}"))
        }
        _ => false,
    }
}

/// The token of an `Authorization: Bearer …` header's value.
pub fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

pub fn tried_too_often(Wait(secs): Wait) -> ApiError {
    ApiError::too_many(
        format!("too many bad tokens from this address; try again in {secs} s"),
        secs,
    )
}

/// What every answer says to a browser: nothing here may be framed,
/// sniffed, cached or given a referrer; a JSON answer runs nothing.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'",
        ),
    ] {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    }
    response
}
