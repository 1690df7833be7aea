//! Alert rules and what fired: list, create, replace, enable or disable,
//! delete; the history, and acknowledging it.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use coinlytics_engine::app::alerts::{MAX_HISTORY, RuleInput, RuleView};
use coinlytics_engine::error::ErrorBody;
use coinlytics_engine::model::alert::HistoryEntry;
use serde::{Deserialize, Serialize};

use super::{Answer, Body, Path, Query, blocking};
use crate::ctx::Ctx;
use crate::error::ApiError;

#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerts", responses((status = 200, body = Vec<RuleView>), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn list(State(ctx): State<Ctx>) -> Answer<Vec<RuleView>> {
    Ok(Json(blocking(&ctx.engine, |e| e.alerts()).await?))
}

#[utoipa::path(get, path = "/api/v1/alerts/{id}", tag = "alerts", params(("id" = i64, Path)), responses((status = 200, body = RuleView), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn one(State(ctx): State<Ctx>, Path(id): Path<i64>) -> Answer<RuleView> {
    Ok(Json(blocking(&ctx.engine, move |e| e.alert(id)).await?))
}

/// 201 with the rule as saved.
#[utoipa::path(post, path = "/api/v1/alerts", tag = "alerts", request_body = RuleInput, responses((status = 201, body = RuleView), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn create(
    State(ctx): State<Ctx>,
    Body(input): Body<RuleInput>,
) -> Result<(StatusCode, Json<RuleView>), ApiError> {
    let rule = ctx.engine.alert_save(None, &input).await?;
    Ok((StatusCode::CREATED, Json(rule)))
}

#[utoipa::path(put, path = "/api/v1/alerts/{id}", tag = "alerts", params(("id" = i64, Path)), request_body = RuleInput, responses((status = 200, body = RuleView), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn replace(
    State(ctx): State<Ctx>,
    Path(id): Path<i64>,
    Body(input): Body<RuleInput>,
) -> Answer<RuleView> {
    Ok(Json(ctx.engine.alert_save(Some(id), &input).await?))
}

#[utoipa::path(delete, path = "/api/v1/alerts/{id}", tag = "alerts", params(("id" = i64, Path)), responses((status = 204, description = "deleted"), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn remove(State(ctx): State<Ctx>, Path(id): Path<i64>) -> Result<StatusCode, ApiError> {
    blocking(&ctx.engine, move |e| e.alert_remove(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Enabled {
    enabled: bool,
}

#[utoipa::path(put, path = "/api/v1/alerts/{id}/enabled", tag = "alerts", params(("id" = i64, Path)), request_body = Enabled, responses((status = 200, body = RuleView), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn set_enabled(
    State(ctx): State<Ctx>,
    Path(id): Path<i64>,
    Body(b): Body<Enabled>,
) -> Answer<RuleView> {
    Ok(Json(
        blocking(&ctx.engine, move |e| e.alert_set_enabled(id, b.enabled)).await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// At most this many firings, newest first; default 100.
    limit: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/alerts/history", tag = "alerts", params(HistoryParams), responses((status = 200, body = Vec<HistoryEntry>), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn history(
    State(ctx): State<Ctx>,
    Query(h): Query<HistoryParams>,
) -> Answer<Vec<HistoryEntry>> {
    let limit = h.limit.unwrap_or(100).min(MAX_HISTORY);
    Ok(Json(
        blocking(&ctx.engine, move |e| e.alert_history(limit)).await?,
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Acknowledged {
    acknowledged: usize,
}

#[utoipa::path(post, path = "/api/v1/alerts/history/acknowledge", tag = "alerts", responses((status = 200, body = Acknowledged), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn acknowledge(State(ctx): State<Ctx>) -> Answer<Acknowledged> {
    let acknowledged = blocking(&ctx.engine, |e| e.alerts_acknowledge()).await?;
    Ok(Json(Acknowledged { acknowledged }))
}
