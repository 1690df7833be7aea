//! The watchlist: list, add, remove, reorder.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use coinlytics_engine::Error;
use coinlytics_engine::app::watchlist::Added;
use coinlytics_engine::error::ErrorBody;
use coinlytics_engine::model::{Coin, CoinId};
use serde::Deserialize;

use super::{Answer, Body, Path, blocking};
use crate::ctx::Ctx;
use crate::error::ApiError;

#[utoipa::path(get, path = "/api/v1/watchlist", tag = "watchlist", responses((status = 200, body = Vec<Coin>), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn list(State(ctx): State<Ctx>) -> Answer<Vec<Coin>> {
    Ok(Json(blocking(&ctx.engine, |e| e.watchlist()).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CoinRef {
    id: String,
}

/// 201 with the coin when it was added, 200 when it was watched already.
#[utoipa::path(post, path = "/api/v1/watchlist", tag = "watchlist", request_body = CoinRef, responses((status = 201, description = "added", body = Added), (status = 200, description = "watched already", body = Added), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn add(
    State(ctx): State<Ctx>,
    Body(c): Body<CoinRef>,
) -> Result<(StatusCode, Json<Added>), ApiError> {
    let engine = &ctx.engine;
    let added = engine
        .watchlist_add(&CoinId::parse(&c.id).map_err(Error::from)?)
        .await?;
    engine.refresh_soon(engine.default_request()?);
    let status = if added.added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(added)))
}

#[utoipa::path(delete, path = "/api/v1/watchlist/{id}", tag = "watchlist", params(("id" = String, Path, description = "an id or symbol")), responses((status = 200, description = "the coin removed", body = Coin), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn remove(State(ctx): State<Ctx>, Path(id): Path<String>) -> Answer<Coin> {
    let id = CoinId::parse(&id).map_err(Error::from)?;
    Ok(Json(
        blocking(&ctx.engine, move |e| e.watchlist_remove(&id)).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Order {
    ids: Vec<String>,
}

#[utoipa::path(put, path = "/api/v1/watchlist/order", tag = "watchlist", request_body = Order, responses((status = 204, description = "reordered"), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn reorder(State(ctx): State<Ctx>, Body(o): Body<Order>) -> Result<StatusCode, ApiError> {
    let ids = o
        .ids
        .iter()
        .map(|id| CoinId::parse(id))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Error::from)?;
    blocking(&ctx.engine, move |e| e.watchlist_reorder(&ids)).await?;
    Ok(StatusCode::NO_CONTENT)
}
