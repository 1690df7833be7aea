//! Settings: read them all; change some with a token that may write.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use coinlytics_engine::Error;
use coinlytics_engine::app::settings::Key;
use coinlytics_engine::error::ErrorBody;
use serde::Serialize;

use super::{Answer, Body};
use crate::ctx::Ctx;

/// One setting as `coinlytics config get` lists it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SettingView {
    name: &'static str,
    value: String,
    help: &'static str,
    env: &'static str,
}

fn view(settings: &coinlytics_engine::app::settings::Settings) -> Vec<SettingView> {
    settings
        .entries()
        .into_iter()
        .map(|(s, value)| SettingView {
            name: s.name,
            value,
            help: s.help,
            env: s.env,
        })
        .collect()
}

#[utoipa::path(get, path = "/api/v1/settings", tag = "settings", responses((status = 200, body = Vec<SettingView>), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn list(State(ctx): State<Ctx>) -> Answer<Vec<SettingView>> {
    Ok(Json(view(&ctx.engine.settings())))
}

/// `{"name": "value", …}`: all saved together, or none (a bad one says why).
#[utoipa::path(patch, path = "/api/v1/settings", tag = "settings", request_body(content = BTreeMap<String, String>, description = "settings by name, saved together or not at all"), responses((status = 200, body = Vec<SettingView>), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
pub async fn change(
    State(ctx): State<Ctx>,
    Body(changes): Body<BTreeMap<String, String>>,
) -> Answer<Vec<SettingView>> {
    let changes = changes
        .into_iter()
        .map(|(name, value)| {
            Ok((
                Key::parse(&name, "the request").map_err(Error::from)?,
                value,
            ))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let settings = ctx.engine.configure(&changes).await?;
    // What is shown may have changed with them (the currency, the coins).
    let engine = &ctx.engine;
    engine.refresh_soon(engine.default_request()?);
    Ok(Json(view(&settings)))
}
