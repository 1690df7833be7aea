//! `/api/v1`: one handler per action of the application layer, answering
//! the types the window's IPC carries. Handlers parse, call, answer.

mod alerts;
mod channels;
mod email;
mod market;
mod openapi;
mod portfolio;
mod session;
mod settings;
mod views;
mod watchlist;

use std::sync::Arc;

use axum::extract::State;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router, middleware};
use coinlytics_engine::error::ErrorKind;
use coinlytics_engine::{Engine, Error};
use serde::de::DeserializeOwned;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::error::ApiError;
use std::time::Duration;

use crate::ctx::Ctx;
use crate::guard;

/// The largest request body (an import's upload is the largest).
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// How long a request may take before it is answered 408.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

type Answer<T> = Result<Json<T>, ApiError>;

pub(crate) fn router(ctx: Ctx) -> Router {
    let protected = Router::new()
        .route("/dashboard", get(views::dashboard))
        .route("/markets", get(views::markets))
        .route("/alerts/page", get(views::alerts))
        .route("/refresh", post(views::refresh))
        .route("/coins/{id}/backfill", post(views::backfill))
        .route("/email", get(email::status).put(email::save))
        .route(
            "/email/password",
            put(email::set_password).delete(email::clear_password),
        )
        .route("/email/test", post(email::test))
        .route("/channels", get(channels::list))
        .route(
            "/channels/{name}",
            put(channels::save).delete(channels::remove),
        )
        .route("/channels/{name}/test", post(channels::test))
        .route("/sources/{coin}/preference", put(market::source_prefer))
        .route(
            "/portfolio/import/guess",
            post(portfolio::guess).layer(DefaultBodyLimit::max(portfolio::MAX_UPLOAD_BYTES)),
        )
        .route("/portfolio/profiles", get(portfolio::profiles))
        .route("/portfolio/profiles/{name}", put(portfolio::save_profile))
        .route("/prices", get(market::prices))
        .route("/search", get(market::search))
        .route("/currencies", get(market::currencies))
        .route("/coins/{id}", get(market::coin))
        .route("/coins/{id}/history", get(market::history))
        .route("/compare", get(market::compare))
        .route("/convert", get(market::convert))
        .route("/sources", get(market::sources))
        .route("/sources/{coin}", get(market::source_compare))
        .route("/watchlist", get(watchlist::list).post(watchlist::add))
        .route("/watchlist/order", put(watchlist::reorder))
        .route("/watchlist/{id}", delete(watchlist::remove))
        .route("/alerts", get(alerts::list).post(alerts::create))
        .route(
            "/alerts/{id}",
            get(alerts::one).put(alerts::replace).delete(alerts::remove),
        )
        .route("/alerts/{id}/enabled", put(alerts::set_enabled))
        .route("/alerts/history", get(alerts::history))
        .route("/alerts/history/acknowledge", post(alerts::acknowledge))
        .route("/settings", get(settings::list).patch(settings::change))
        .route("/portfolio", get(portfolio::page))
        .route(
            "/portfolio/transactions",
            get(portfolio::list).post(portfolio::add),
        )
        .route(
            "/portfolio/transactions/{id}",
            put(portfolio::edit).delete(portfolio::remove),
        )
        .route("/portfolio/whatif", get(portfolio::what_if))
        .route("/portfolio/gains", get(portfolio::gains))
        .route("/portfolio/value", get(portfolio::value))
        .route(
            "/portfolio/import",
            post(portfolio::import).layer(DefaultBodyLimit::max(portfolio::MAX_UPLOAD_BYTES)),
        )
        .route("/portfolio/export", get(portfolio::export))
        .route_layer(middleware::from_fn_with_state(ctx.clone(), guard::token));
    let api = Router::new()
        .route("/health", get(market::health))
        .route("/openapi.json", get(openapi::serve))
        .route("/stream", get(crate::stream::stream))
        .route("/session", post(session::sign_in).delete(session::sign_out))
        .merge(protected)
        .fallback(not_found);
    let mut app = Router::new()
        .nest("/api/v1", api)
        .fallback(crate::ui::file)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(REQUEST_TIMEOUT, within));
    // Preflights are answered before a token is asked for.
    if let Some(cors) = cors(&ctx.engine.settings().api_cors_origins) {
        app = app.layer(cors);
    }
    app.layer(middleware::from_fn_with_state(ctx.clone(), guard::host))
        // Outermost: every answer has them, a refusal of the Host too.
        .layer(middleware::from_fn(guard::security_headers))
        .with_state(ctx)
}

/// Answers `{kind, message}` 408 to a request not done within `limit`
/// (a body sent too slowly, say); what it was doing is dropped.
async fn within(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            ErrorKind::TimedOut,
            format!("the request took longer than {} s", limit.as_secs_f32()),
        )
        .into_response(),
    }
}

/// CORS for the origins the `api_cors_origins` setting lists, if any:
/// their pages may call the API with a token (never with this server's
/// session cookie, which no other site's page is sent or may use).
fn cors(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
            .max_age(Duration::from_secs(600)),
    )
}

async fn not_found() -> ApiError {
    ApiError::new(
        ErrorKind::NotFound,
        "no such endpoint; the API is under /api/v1 (see /api/v1/health)",
    )
}

/// Runs a synchronous action (a database read or write) off the async
/// runtime's threads, so a long one (a large portfolio) holds up no other
/// request.
async fn blocking<T: Send + 'static>(
    engine: &Arc<Engine>,
    f: impl FnOnce(&Engine) -> Result<T, Error> + Send + 'static,
) -> Result<T, ApiError> {
    let engine = engine.clone();
    tokio::task::spawn_blocking(move || f(&engine))
        .await
        .map_err(|e| Error::Internal(format!("a request's task failed: {e}")))?
        .map_err(ApiError::from)
}

/// A JSON body, refused as `{kind, message}` when it is not one.
struct Body<T>(T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let too_large = || {
            ApiError::new(
                ErrorKind::TooLarge,
                format!("the body is larger than {} MiB", MAX_BODY_BYTES >> 20),
            )
        };
        // Refused by its declared length before a byte is read.
        if declared_length(&req).is_some_and(|len| len > MAX_BODY_BYTES as u64) {
            return Err(too_large());
        }
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Body(v)),
            Err(JsonRejection::BytesRejection(e))
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                Err(too_large())
            }
            Err(e) => Err(ApiError::new(ErrorKind::InvalidInput, e.body_text())),
        }
    }
}

/// The body's length as its Content-Length header declares it.
fn declared_length(req: &Request) -> Option<u64> {
    req.headers()
        .get(axum::http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
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

/// A path segment, refused as `{kind, message}` when it does not parse.
struct Path<T>(T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(|e| ApiError::new(ErrorKind::InvalidInput, e.body_text()))
    }
}

/// Comma-separated coins (`btc,eth`), each checked.
fn coin_list(list: &str) -> Result<Vec<coinlytics_engine::model::CoinId>, Error> {
    list.split(',')
        .filter(|c| !c.trim().is_empty())
        .map(|c| coinlytics_engine::model::CoinId::parse(c).map_err(Error::from))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::body::Body;
    use axum::http::Request;
    use axum::routing::get;
    use axum::{Router, middleware};
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_request_past_its_time_is_answered_408_with_the_error_body() {
        let app = Router::new()
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "late"
                }),
            )
            .layer(middleware::from_fn_with_state(
                Duration::from_millis(50),
                super::within,
            ));
        let req = Request::builder()
            .uri("/slow")
            .body(Body::empty())
            .expect("request");
        let res = app.oneshot(req).await.expect("an answer");
        assert_eq!(res.status().as_u16(), 408);
        let body = axum::body::to_bytes(res.into_body(), 1024)
            .await
            .expect("body");
        let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(body["kind"], "timed_out", "{body}");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("0.05 s")),
            "{body}"
        );
    }
}
