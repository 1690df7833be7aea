//! Prices and what is read from them: health, quotes, search, a coin's
//! view and history, compare, convert, the sources.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use coinlytics_engine::Error;
use coinlytics_engine::app::compare::{CompareQuery, Comparison};
use coinlytics_engine::app::convert::{Conversion, ConvertQuery};
use coinlytics_engine::app::history::{CoinOverview, History, HistoryQuery};
use coinlytics_engine::app::market::Pick;
use coinlytics_engine::app::sources::{SourceComparison, SourcesReport};
use coinlytics_engine::error::{ErrorBody, ErrorKind};
use coinlytics_engine::model::{Coin, CoinId, Currency, Quote, Range};
use serde::{Deserialize, Serialize};

use super::{Answer, Body, Path, Query, blocking, coin_list};
use crate::ctx::Ctx;
use crate::error::ApiError;

/// `GET /health`, without a token: whether prices are fresh.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// "ok", or "stale" when the last refresh failed.
    status: &'static str,
    version: &'static str,
    updated_at: Option<DateTime<Utc>>,
    /// Seconds since `updated_at`.
    age_secs: Option<i64>,
    /// Why the last refresh failed.
    failure: Option<String>,
    /// "running" here, or "passive" while another process watches the alerts.
    monitor: &'static str,
}

#[utoipa::path(get, path = "/api/v1/health", tag = "market", security(()), responses((status = 200, body = Health), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn health(State(ctx): State<Ctx>) -> Answer<Health> {
    let status = blocking(&ctx.engine, |e| e.refresh_status()).await?;
    Ok(Json(Health {
        status: if status.failure.is_some() {
            "stale"
        } else {
            "ok"
        },
        version: env!("CARGO_PKG_VERSION"),
        age_secs: status
            .updated_at
            .map(|t| (Utc::now() - t).num_seconds().max(0)),
        updated_at: status.updated_at,
        failure: status.failure,
        monitor: ctx.monitor.as_str(),
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PricesQuery {
    /// Ids or symbols, comma-separated.
    coins: Option<String>,
    top: Option<u32>,
    currency: Option<String>,
}

/// What `GET /prices` answers: fresh quotes, or the stored ones and why
/// they are stale; each sparkline thinned for drawing as the window gets
/// it (a coin's history has every point).
#[derive(Serialize, utoipa::ToSchema)]
pub struct Prices {
    currency: String,
    quotes: Vec<Quote>,
    stale: bool,
    failure: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/prices", tag = "market", params(PricesQuery), responses((status = 200, body = Prices), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn prices(State(ctx): State<Ctx>, Query(q): Query<PricesQuery>) -> Answer<Prices> {
    let pick = match (q.top, q.coins.as_deref()) {
        (Some(_), Some(_)) => {
            return Err(ApiError::new(
                ErrorKind::InvalidInput,
                "ask for coins or top, not both",
            ));
        }
        (Some(n), None) => Pick::Top(n),
        (None, Some(list)) => Pick::Coins(coin_list(list)?),
        (None, None) => Pick::Default,
    };
    let engine = &ctx.engine;
    let req = match q.currency.as_deref() {
        Some(c) => engine.request_in(&pick, c).await?,
        None => engine.request(&pick).await?,
    };
    let view = engine.quotes(&req).await?;
    Ok(Json(Prices {
        currency: req.currency,
        stale: view.is_stale(),
        failure: view.failure.map(|e| e.to_string()),
        quotes: view.quotes.into_iter().map(Quote::for_drawing).collect(),
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    q: String,
}

#[utoipa::path(get, path = "/api/v1/search", tag = "market", params(SearchQuery), responses((status = 200, body = Vec<Coin>), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn search(State(ctx): State<Ctx>, Query(s): Query<SearchQuery>) -> Answer<Vec<Coin>> {
    Ok(Json(
        blocking(&ctx.engine, move |e| e.search_coins(&s.q)).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/currencies", tag = "market", responses((status = 200, body = Vec<String>), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn currencies(State(ctx): State<Ctx>) -> Answer<Vec<String>> {
    Ok(Json(ctx.engine.supported_currencies().await))
}

#[utoipa::path(get, path = "/api/v1/coins/{id}", tag = "market", params(("id" = String, Path, description = "an id or symbol")), responses((status = 200, body = CoinOverview), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn coin(State(ctx): State<Ctx>, Path(id): Path<String>) -> Answer<CoinOverview> {
    let id = CoinId::parse(&id).map_err(Error::from)?;
    Ok(Json(ctx.engine.coin_overview(&id).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// 1d, 7d, 30d, 90d, 1y or max; default 30d.
    range: Option<String>,
    points: Option<u32>,
    #[serde(default)]
    candles: bool,
    currency: Option<String>,
}

fn currency(c: Option<&str>) -> Result<Option<Currency>, Error> {
    c.map(|c| Currency::parse(c).map_err(Error::from))
        .transpose()
}

#[utoipa::path(get, path = "/api/v1/coins/{id}/history", tag = "market", params(("id" = String, Path, description = "an id or symbol"), HistoryParams), responses((status = 200, body = History), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn history(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    Query(h): Query<HistoryParams>,
) -> Answer<History> {
    let query = HistoryQuery {
        coin: CoinId::parse(&id).map_err(Error::from)?,
        currency: currency(h.currency.as_deref())?,
        range: Range::parse(h.range.as_deref().unwrap_or("30d")).map_err(Error::from)?,
        points: h.points,
        candles: h.candles,
    };
    Ok(Json(ctx.engine.history(&query).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CompareParams {
    coins: String,
    range: Option<String>,
    currency: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/compare", tag = "market", params(CompareParams), responses((status = 200, body = Comparison), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn compare(State(ctx): State<Ctx>, Query(c): Query<CompareParams>) -> Answer<Comparison> {
    let query = CompareQuery {
        coins: coin_list(&c.coins)?,
        currency: currency(c.currency.as_deref())?,
        range: Range::parse(c.range.as_deref().unwrap_or("30d")).map_err(Error::from)?,
    };
    Ok(Json(ctx.engine.compare(&query).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConvertParams {
    amount: String,
    from: String,
    to: String,
}

#[utoipa::path(get, path = "/api/v1/convert", tag = "market", params(ConvertParams), responses((status = 200, body = Conversion), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn convert(State(ctx): State<Ctx>, Query(c): Query<ConvertParams>) -> Answer<Conversion> {
    let query = ConvertQuery {
        amount: c.amount,
        from: c.from,
        to: c.to,
    };
    Ok(Json(ctx.engine.convert(&query).await?))
}

#[utoipa::path(get, path = "/api/v1/sources", tag = "market", responses((status = 200, body = SourcesReport), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn sources(State(ctx): State<Ctx>) -> Answer<SourcesReport> {
    Ok(Json(ctx.engine.sources_report()))
}

#[utoipa::path(get, path = "/api/v1/sources/{coin}", tag = "market", params(("coin" = String, Path, description = "an id or symbol")), responses((status = 200, body = SourceComparison), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn source_compare(
    State(ctx): State<Ctx>,
    Path(coin): Path<String>,
) -> Answer<SourceComparison> {
    let coin = CoinId::parse(&coin).map_err(Error::from)?;
    Ok(Json(ctx.engine.compare_sources(&coin).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preferred {
    /// A source's key, `aggregate`, or null for the default.
    source: Option<String>,
}

#[utoipa::path(put, path = "/api/v1/sources/{coin}/preference", tag = "market", params(("coin" = String, Path, description = "an id or symbol")), request_body = Preferred, responses((status = 204, description = "saved"), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
/// Where a coin's price comes from.
pub async fn source_prefer(
    State(ctx): State<Ctx>,
    Path(coin): Path<String>,
    Body(p): Body<Preferred>,
) -> Result<StatusCode, ApiError> {
    let coin = CoinId::parse(&coin).map_err(Error::from)?;
    ctx.engine.prefer_source(&coin, p.source.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}
