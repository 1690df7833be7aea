//! Signing a browser in with a token, and out.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use coinlytics_engine::Error;
use coinlytics_engine::error::ErrorBody;
use coinlytics_engine::model::access::{AccessError, TokenHash, is_token_shaped};
use serde::Deserialize;

use super::Body;
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::guard::{same_origin, tried_too_often};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    token: String,
}

fn foreign() -> ApiError {
    Error::from(AccessError::Refused(
        "signing in and out is for this server's own pages".into(),
    ))
    .into()
}

/// `POST /session {"token": …}`: 204 and the session's cookie. Bad tokens
/// count against the address like any other.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", security(()), request_body = SignIn, responses((status = 204, description = "signed in: the session cookie is set"), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn sign_in(
    State(ctx): State<Ctx>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Body(b): Body<SignIn>,
) -> Result<Response, ApiError> {
    if headers.contains_key(header::ORIGIN) && !same_origin(&headers, ctx.secure) {
        return Err(foreign());
    }
    let ip = peer.ip();
    ctx.limits.may_try(ip).map_err(tried_too_often)?;
    let checked = if is_token_shaped(&b.token) {
        ctx.engine.api_token_check(&b.token, false)
    } else {
        Err(AccessError::BadToken.into())
    };
    let token = match checked {
        Ok(t) => t,
        Err(e) => {
            if let Err(wait) = ctx.limits.failed(ip) {
                return Err(tried_too_often(wait));
            }
            return Err(e.into());
        }
    };
    tracing::info!(token = %token.name, "a browser signed in");
    let cookie = ctx.sessions.start(TokenHash::of(&b.token), ctx.secure);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

/// `DELETE /session`: the session ends and its cookie is cleared.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session", responses((status = 204, description = "signed out: the cookie is cleared"), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn sign_out(State(ctx): State<Ctx>, headers: HeaderMap) -> Result<Response, ApiError> {
    if !same_origin(&headers, ctx.secure) {
        return Err(foreign());
    }
    let cookie = ctx.sessions.end(&headers, ctx.secure);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}
