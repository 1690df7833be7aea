//! Alerts by e-mail: the settings (never the password), the password into
//! the OS keyring of the machine that serves, and a test message.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use coinlytics_engine::app::email::{self, EmailForm, EmailStatus};
use coinlytics_engine::app::settings::EmailSettings;
use coinlytics_engine::error::ErrorBody;
use serde::Deserialize;

use super::{Answer, Body};
use crate::ctx::Ctx;
use crate::error::ApiError;

#[utoipa::path(get, path = "/api/v1/email", tag = "email", responses((status = 200, body = EmailStatus), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
/// The e-mail settings, and whether a password is stored.
pub async fn status(State(ctx): State<Ctx>) -> Answer<EmailStatus> {
    Ok(Json(email::email_status(&ctx.engine.settings()).await))
}

#[utoipa::path(put, path = "/api/v1/email", tag = "email", request_body = EmailForm, responses((status = 200, body = EmailSettings), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
/// Saves the e-mail settings, each field checked.
pub async fn save(State(ctx): State<Ctx>, Body(form): Body<EmailForm>) -> Answer<EmailSettings> {
    Ok(Json(ctx.engine.email_save(&form).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Password {
    password: String,
}

#[utoipa::path(put, path = "/api/v1/email/password", tag = "email", request_body = Password, responses((status = 204, description = "stored in the OS keyring"), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
/// Stores the SMTP password in the OS keyring; it is never sent back.
pub async fn set_password(Body(p): Body<Password>) -> Result<StatusCode, ApiError> {
    email::set_email_password(&p.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/email/password", tag = "email", responses((status = 200, description = "whether a password was stored", body = bool), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
/// Removes the SMTP password from the OS keyring.
pub async fn clear_password() -> Answer<bool> {
    Ok(Json(email::clear_email_password().await?))
}

#[utoipa::path(post, path = "/api/v1/email/test", tag = "email", responses((status = 200, description = "the recipients", body = Vec<String>), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
/// Sends a test message with the saved settings.
pub async fn test(State(ctx): State<Ctx>) -> Answer<Vec<String>> {
    Ok(Json(ctx.engine.email_test().await?))
}
