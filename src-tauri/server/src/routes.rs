//! `/api/v1`: one handler per action of the application layer, answering
//! the types the window's IPC carries.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Path, Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::{delete, get, put};
use axum::{Json, Router, middleware};
use chrono::{DateTime, Utc};
use coinlytics_engine::app::market::Pick;
use coinlytics_engine::app::watchlist::Added;
use coinlytics_engine::error::ErrorKind;
use coinlytics_engine::model::{Coin, CoinId, Quote};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tower_http::timeout::TimeoutLayer;

use crate::error::ApiError;
use crate::{Ctx, MAX_BODY_BYTES, REQUEST_TIMEOUT, guard};

type Answer<T> = Result<Json<T>, ApiError>;

pub(crate) fn router(ctx: Ctx) -> Router {
    let protected = Router::new()
        .route("/prices", get(prices))
        .route("/watchlist", get(watchlist).post(watchlist_add))
        .route("/watchlist/order", put(watchlist_reorder))
        .route("/watchlist/{id}", delete(watchlist_remove))
        .route_layer(middleware::from_fn_with_state(ctx.clone(), guard::token));
    let api = Router::new()
        .route("/health", get(health))
        .merge(protected)
        .fallback(not_found);
    Router::new()
        .nest("/api/v1", api)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(middleware::from_fn_with_state(ctx.clone(), guard::host))
        .with_state(ctx)
}

async fn not_found() -> ApiError {
    ApiError::new(
        ErrorKind::NotFound,
        "no such endpoint; the API is under /api/v1 (see /api/v1/health)",
    )
}

/// A JSON body, refused as `{kind, message}` when it is not one.
struct Body<T>(T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Body(v)),
            Err(JsonRejection::BytesRejection(e))
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                Err(ApiError::new(
                    ErrorKind::TooLarge,
                    format!("the body is larger than {} MiB", MAX_BODY_BYTES >> 20),
                ))
            }
            Err(e) => Err(ApiError::new(ErrorKind::InvalidInput, e.body_text())),
        }
    }
}

/// A query string, refused as `{kind, message}` when it does not parse.
struct Query<T>(T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(|e: QueryRejection| ApiError::new(ErrorKind::InvalidInput, e.body_text()))
    }
}

/// `GET /health`, without a token: whether prices are fresh.
#[derive(Serialize)]
struct Health {
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

async fn health(State(ctx): State<Ctx>) -> Answer<Health> {
    let status = ctx.engine.refresh_status()?;
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PricesQuery {
    /// Ids or symbols, comma-separated.
    coins: Option<String>,
    top: Option<u32>,
    currency: Option<String>,
}

/// What `GET /prices` answers: fresh quotes, or the stored ones and why
/// they are stale.
#[derive(Serialize)]
struct Prices {
    currency: String,
    quotes: Vec<Quote>,
    stale: bool,
    failure: Option<String>,
}

async fn prices(State(ctx): State<Ctx>, Query(q): Query<PricesQuery>) -> Answer<Prices> {
    let pick = match (q.top, q.coins.as_deref()) {
        (Some(_), Some(_)) => {
            return Err(ApiError::new(
                ErrorKind::InvalidInput,
                "ask for coins or top, not both",
            ));
        }
        (Some(n), None) => Pick::Top(n),
        (None, Some(list)) => Pick::Coins(
            list.split(',')
                .filter(|c| !c.trim().is_empty())
                .map(CoinId::parse)
                .collect::<Result<_, _>>()
                .map_err(coinlytics_engine::Error::from)?,
        ),
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
        quotes: view.quotes,
    }))
}

async fn watchlist(State(ctx): State<Ctx>) -> Answer<Vec<Coin>> {
    Ok(Json(ctx.engine.watchlist()?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CoinRef {
    id: String,
}

async fn watchlist_add(
    State(ctx): State<Ctx>,
    Body(c): Body<CoinRef>,
) -> Result<(StatusCode, Json<Added>), ApiError> {
    let engine = &ctx.engine;
    let added = engine
        .watchlist_add(&CoinId::parse(&c.id).map_err(coinlytics_engine::Error::from)?)
        .await?;
    engine.refresh_soon(engine.default_request()?);
    let status = if added.added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(added)))
}

async fn watchlist_remove(State(ctx): State<Ctx>, Path(id): Path<String>) -> Answer<Coin> {
    let id = CoinId::parse(&id).map_err(coinlytics_engine::Error::from)?;
    Ok(Json(ctx.engine.watchlist_remove(&id)?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Order {
    ids: Vec<String>,
}

async fn watchlist_reorder(
    State(ctx): State<Ctx>,
    Body(o): Body<Order>,
) -> Result<StatusCode, ApiError> {
    let ids = o
        .ids
        .iter()
        .map(|id| CoinId::parse(id))
        .collect::<Result<Vec<_>, _>>()
        .map_err(coinlytics_engine::Error::from)?;
    ctx.engine.watchlist_reorder(&ids)?;
    Ok(StatusCode::NO_CONTENT)
}
