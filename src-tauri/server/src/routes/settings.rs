//! Settings: read them all; change some with a token that may write.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use coinlytics_engine::Error;
use coinlytics_engine::app::settings::Key;
use serde::Serialize;

use super::{Answer, Body};
use crate::ctx::Ctx;

/// One setting as `coinlytics config get` lists it.
#[derive(Serialize)]
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

pub async fn list(State(ctx): State<Ctx>) -> Answer<Vec<SettingView>> {
    Ok(Json(view(&ctx.engine.settings())))
}

/// `{"name": "value", …}`: all saved together, or none (a bad one says why).
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
    Ok(Json(view(&settings)))
}
