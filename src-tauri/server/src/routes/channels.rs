//! Alert channels: list them, add or set one anew (its secrets into the
//! OS keyring of the machine that serves), remove one, send a test.

use axum::Json;
use axum::extract::State;
use coinlytics_engine::app::channels::{ChannelInfo, ChannelInput};
use coinlytics_engine::error::ErrorBody;
use coinlytics_engine::model::InvalidInput;

use super::{Answer, Body, Path};
use crate::ctx::Ctx;

#[utoipa::path(get, path = "/api/v1/channels", tag = "alerts", responses((status = 200, body = Vec<ChannelInfo>), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
/// The built-in channels, then those added; never a secret.
pub async fn list(State(ctx): State<Ctx>) -> Answer<Vec<ChannelInfo>> {
    Ok(Json(ctx.engine.channels().await?))
}

#[utoipa::path(put, path = "/api/v1/channels/{name}", tag = "alerts", params(("name" = String, Path)), request_body = ChannelInput, responses((status = 200, body = ChannelInfo), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
/// Adds the channel `name`, or with `replace` sets it anew; a secret not
/// given again is kept.
pub async fn save(
    State(ctx): State<Ctx>,
    Path(name): Path<String>,
    Body(input): Body<ChannelInput>,
) -> Answer<ChannelInfo> {
    if !input.name.is_empty() && input.name != name {
        return Err(coinlytics_engine::Error::from(InvalidInput(
            "the body's name is not the path's".into(),
        ))
        .into());
    }
    let input = ChannelInput { name, ..input };
    Ok(Json(ctx.engine.channel_save(&input).await?))
}

#[utoipa::path(delete, path = "/api/v1/channels/{name}", tag = "alerts", params(("name" = String, Path)), responses((status = 200, body = ChannelInfo), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
/// Removes a channel and its secrets; refused while a rule sends to it.
pub async fn remove(State(ctx): State<Ctx>, Path(name): Path<String>) -> Answer<ChannelInfo> {
    Ok(Json(ctx.engine.channel_remove(&name).await?))
}

#[utoipa::path(post, path = "/api/v1/channels/{name}/test", tag = "alerts", params(("name" = String, Path)), responses((status = 200, body = ChannelInfo), (status = "4XX", description = "refused: the `{kind, message}` body", body = ErrorBody), (status = "5XX", description = "failed: the `{kind, message}` body", body = ErrorBody)))]
/// Sends a test message through a channel.
pub async fn test(State(ctx): State<Ctx>, Path(name): Path<String>) -> Answer<ChannelInfo> {
    Ok(Json(ctx.engine.channel_test(&name).await?))
}
