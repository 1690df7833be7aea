//! The portfolio: its page (holdings by a method, the newest
//! transactions), transactions (list, add, edit, delete), what-if, value
//! history, import (an upload, with a dry run) and export (CSV).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use coinlytics_engine::Error;
use coinlytics_engine::app::portfolio::{
    GainsReport, ImportAs, ImportProfile, ImportReport, MAX_IMPORT_BYTES, Mapping, MappingGuess,
    PortfolioPage, TxInput, ValueHistory, WhatIf, check_import_size, method,
};
use coinlytics_engine::error::{ErrorBody, ErrorKind};
use coinlytics_engine::model::CoinId;
use coinlytics_engine::model::portfolio::Tx;
use serde::Deserialize;

use super::{Answer, Body, Path, Query, blocking};
use crate::ctx::Ctx;
use crate::error::ApiError;

/// The largest upload: the engine's one import cap.
pub const MAX_UPLOAD_BYTES: usize = MAX_IMPORT_BYTES as usize;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    portfolio: Option<String>,
    method: Option<String>,
    listed: Option<usize>,
}

#[utoipa::path(get, path = "/api/v1/portfolio", tag = "portfolio", params(PageParams), responses((status = 200, body = PortfolioPage), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn page(State(ctx): State<Ctx>, Query(p): Query<PageParams>) -> Answer<PortfolioPage> {
    Ok(Json(
        ctx.engine
            .portfolio_page(p.portfolio.as_deref(), p.method.as_deref(), p.listed)
            .await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct Which {
    portfolio: Option<String>,
}

/// Every transaction, oldest first.
#[utoipa::path(get, path = "/api/v1/portfolio/transactions", tag = "portfolio", params(Which), responses((status = 200, body = Vec<Tx>), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn list(State(ctx): State<Ctx>, Query(w): Query<Which>) -> Answer<Vec<Tx>> {
    Ok(Json(
        blocking(&ctx.engine, move |e| e.txs(w.portfolio.as_deref())).await?,
    ))
}

/// 201 with what was recorded (a transfer is two legs).
#[utoipa::path(post, path = "/api/v1/portfolio/transactions", tag = "portfolio", request_body = TxInput, responses((status = 201, description = "what was recorded (a transfer is two legs)", body = Vec<Tx>), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn add(
    State(ctx): State<Ctx>,
    Body(input): Body<TxInput>,
) -> Result<(StatusCode, Json<Vec<Tx>>), ApiError> {
    Ok((StatusCode::CREATED, Json(ctx.engine.add_tx(&input).await?)))
}

#[utoipa::path(put, path = "/api/v1/portfolio/transactions/{id}", tag = "portfolio", params(("id" = i64, Path)), request_body = TxInput, responses((status = 200, body = Tx), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn edit(
    State(ctx): State<Ctx>,
    Path(id): Path<i64>,
    Body(input): Body<TxInput>,
) -> Answer<Tx> {
    Ok(Json(ctx.engine.edit_tx(id, &input).await?))
}

/// What was removed (a transfer's two legs go together).
#[utoipa::path(delete, path = "/api/v1/portfolio/transactions/{id}", tag = "portfolio", params(("id" = i64, Path)), responses((status = 200, description = "what was removed", body = Vec<Tx>), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn remove(State(ctx): State<Ctx>, Path(id): Path<i64>) -> Answer<Vec<Tx>> {
    Ok(Json(ctx.engine.remove_tx(id).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GainsParams {
    year: i32,
    portfolio: Option<String>,
    /// fifo, lifo, hifo or average for every portfolio; none: each its own.
    method: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/portfolio/gains", tag = "portfolio", params(GainsParams), responses((status = 200, body = GainsReport), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
/// A tax year's realized gains: each lot a disposal took, totals short
/// and long, income apart. Not tax advice.
pub async fn gains(State(ctx): State<Ctx>, Query(g): Query<GainsParams>) -> Answer<GainsReport> {
    Ok(Json(
        ctx.engine
            .portfolio_gains(g.year, g.portfolio.as_deref(), g.method.as_deref())
            .await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WhatIfParams {
    coin: String,
    quantity: String,
    price: Option<String>,
    portfolio: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/portfolio/whatif", tag = "portfolio", params(WhatIfParams), responses((status = 200, body = WhatIf), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn what_if(State(ctx): State<Ctx>, Query(w): Query<WhatIfParams>) -> Answer<WhatIf> {
    let coin = CoinId::parse(&w.coin).map_err(Error::from)?;
    Ok(Json(
        ctx.engine
            .what_if(
                &coin,
                &w.quantity,
                w.price.as_deref(),
                w.portfolio.as_deref(),
            )
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/portfolio/value", tag = "portfolio", params(Which), responses((status = 200, body = ValueHistory), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn value(State(ctx): State<Ctx>, Query(w): Query<Which>) -> Answer<ValueHistory> {
    Ok(Json(
        ctx.engine.value_history(w.portfolio.as_deref()).await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    portfolio: String,
    /// `auto` (the default), a format's name, or a saved profile's.
    format: Option<String>,
    /// Which of the file's columns holds each field, as JSON (`Mapping`),
    /// for a file of no known layout; instead of `format`.
    mapping: Option<String>,
    #[serde(default)]
    dry_run: bool,
}

/// A file as the request's body, refused as `{kind, message}` past the
/// import cap.
pub struct Upload(Bytes);

impl<S: Send + Sync> FromRequest<S> for Upload {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if let Some(len) = super::declared_length(&req) {
            check_import_size(len, "the file")
                .map_err(|e| ApiError::new(ErrorKind::TooLarge, Error::from(e).to_string()))?;
        }
        Bytes::from_request(req, state)
            .await
            .map(Upload)
            .map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        ErrorKind::TooLarge,
                        format!("the file is larger than {} MiB", MAX_UPLOAD_BYTES >> 20),
                    )
                } else {
                    ApiError::new(ErrorKind::InvalidInput, e.body_text())
                }
            })
    }
}

/// `POST /portfolio/import?portfolio=…[&format=…][&dry_run=true]` with the
/// file as the body: what it adds, or, with `dry_run`, would add.
#[utoipa::path(post, path = "/api/v1/portfolio/import", tag = "portfolio", params(ImportParams), request_body(content = Vec<u8>, content_type = "text/csv", description = "the file, up to 64 MiB"), responses((status = 200, body = ImportReport), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn import(
    State(ctx): State<Ctx>,
    Query(p): Query<ImportParams>,
    Upload(file): Upload,
) -> Answer<ImportReport> {
    let how = match (p.mapping, p.format.as_deref()) {
        (Some(_), Some(_)) => {
            return Err(ApiError::new(
                ErrorKind::InvalidInput,
                "give a format or a mapping, not both",
            ));
        }
        (Some(m), None) => ImportAs::Mapping(
            serde_json::from_str::<Mapping>(&m)
                .map_err(|e| ApiError::new(ErrorKind::InvalidInput, format!("the mapping: {e}")))?,
        ),
        (None, format) => ImportAs::parse(format.unwrap_or("auto")),
    };
    Ok(Json(
        ctx.engine
            .import_txs(file.to_vec(), &p.portfolio, how, p.dry_run)
            .await?,
    ))
}

/// `POST /portfolio/import/guess` with the file as the body.
#[utoipa::path(post, path = "/api/v1/portfolio/import/guess", tag = "portfolio", request_body(content = Vec<u8>, content_type = "text/csv", description = "the file, up to 64 MiB"), responses((status = 200, body = MappingGuess), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
/// A file's columns, the guess of which holds each field, and its layout if known.
pub async fn guess(State(ctx): State<Ctx>, Upload(file): Upload) -> Answer<MappingGuess> {
    Ok(Json(
        blocking(&ctx.engine, move |e| e.guess_mapping(&file)).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/portfolio/profiles", tag = "portfolio", responses((status = 200, body = Vec<ImportProfile>), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
/// The saved import profiles (mappings of a file's columns), by name.
pub async fn profiles(State(ctx): State<Ctx>) -> Answer<Vec<ImportProfile>> {
    Ok(Json(blocking(&ctx.engine, |e| e.import_profiles()).await?))
}

#[utoipa::path(put, path = "/api/v1/portfolio/profiles/{name}", tag = "portfolio", params(("name" = String, Path)), request_body = Mapping, responses((status = 200, body = ImportProfile), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
/// Saves a mapping as the import profile `name`, replacing one so named.
pub async fn save_profile(
    State(ctx): State<Ctx>,
    Path(name): Path<String>,
    Body(mapping): Body<Mapping>,
) -> Answer<ImportProfile> {
    Ok(Json(
        blocking(&ctx.engine, move |e| e.save_import_profile(&name, &mapping)).await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    portfolio: Option<String>,
    /// `transactions` (the default) or `holdings`.
    what: Option<String>,
    method: Option<String>,
}

/// CSV: the transactions, or the holdings by a method.
#[utoipa::path(get, path = "/api/v1/portfolio/export", tag = "portfolio", params(ExportParams), responses((status = 200, description = "CSV", content_type = "text/csv", body = String), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn export(
    State(ctx): State<Ctx>,
    Query(p): Query<ExportParams>,
) -> Result<Response, ApiError> {
    let csv = match p.what.as_deref().unwrap_or("transactions") {
        "transactions" => {
            blocking(&ctx.engine, move |e| e.export_txs(p.portfolio.as_deref())).await?
        }
        "holdings" => {
            let method = match p.method.as_deref() {
                Some(m) => Some(method(m).map_err(Error::from)?),
                None => None,
            };
            ctx.engine
                .export_holdings(p.portfolio.as_deref(), method)
                .await?
        }
        other => {
            return Err(ApiError::new(
                ErrorKind::InvalidInput,
                format!("'{other}' is not something to export: transactions or holdings"),
            ));
        }
    };
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response())
}
