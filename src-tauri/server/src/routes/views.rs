//! What the dashboard's views show on opening, each in one answer as the
//! window's commands give it (the page in a browser draws the same), and
//! the page's two background actions: refresh now, and backfill a coin's
//! history (its progress as the stream's `backfill` messages).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use coinlytics_engine::Error;
use coinlytics_engine::app::history::BackfillQuery;
use coinlytics_engine::app::pages::{AlertsPage, Dashboard, Markets};
use coinlytics_engine::error::ErrorBody;
use coinlytics_engine::model::{CoinId, Range};
use serde::Deserialize;

use super::{Answer, Path, Query, blocking};
use crate::ctx::Ctx;
use crate::error::ApiError;
use crate::feed::{Topic, item};

#[utoipa::path(get, path = "/api/v1/dashboard", tag = "views", responses((status = 200, body = Dashboard), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
/// The dashboard from the store: the watchlist, its stored quotes, the
/// last refresh.
pub async fn dashboard(State(ctx): State<Ctx>) -> Answer<Dashboard> {
    Ok(Json(blocking(&ctx.engine, |e| e.dashboard(false)).await?))
}

#[utoipa::path(get, path = "/api/v1/markets", tag = "views", responses((status = 200, body = Markets), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
/// The top coins by market cap; the stored ones, with why, if offline.
pub async fn markets(State(ctx): State<Ctx>) -> Answer<Markets> {
    Ok(Json(ctx.engine.markets().await?))
}

#[utoipa::path(get, path = "/api/v1/alerts/page", tag = "views", responses((status = 200, body = AlertsPage), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
/// The Alerts view: rules, recent firings, who watches, what the form offers.
pub async fn alerts(State(ctx): State<Ctx>) -> Answer<AlertsPage> {
    let monitor = ctx.monitor.status();
    Ok(Json(
        blocking(&ctx.engine, move |e| e.alerts_page(monitor)).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/refresh", tag = "views", responses((status = 202, description = "asked for: the outcome arrives on the stream as a `market` message"), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
/// Refresh the prices now.
pub async fn refresh(State(ctx): State<Ctx>) -> Result<StatusCode, ApiError> {
    let request = blocking(&ctx.engine, |e| e.default_request()).await?;
    ctx.engine.refresh_soon(request);
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BackfillParams {
    /// 24h, 7d, 30d, 90d, 1y or max.
    range: String,
}

#[utoipa::path(post, path = "/api/v1/coins/{id}/backfill", tag = "views", params(("id" = String, Path, description = "an id or symbol"), BackfillParams), responses((status = 202, description = "started: progress arrives on the stream as `backfill` messages"), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
/// Fetch a coin's past over a range from the price source, in the background.
pub async fn backfill(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    Query(p): Query<BackfillParams>,
) -> Result<StatusCode, ApiError> {
    let query = BackfillQuery {
        coins: vec![CoinId::parse(&id).map_err(Error::from)?],
        currency: None,
        range: Range::parse(&p.range).map_err(Error::from)?,
    };
    tokio::spawn(async move {
        let feed = ctx.feed.clone();
        ctx.engine
            .backfill_reporting(&query, |ev| {
                // No client listening is no error.
                if let Some(i) = item(Topic::Backfill, "backfill", &ev) {
                    let _ = feed.send(i);
                }
            })
            .await;
    });
    Ok(StatusCode::ACCEPTED)
}
