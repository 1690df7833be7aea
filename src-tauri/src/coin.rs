//! The coin view's commands: a coin's figures, its history over a range,
//! and a backfill of that history in the background (progress as
//! `backfill` events).

use coinlytics_engine::Error;
use coinlytics_engine::app::history::{BackfillQuery, CoinOverview, History, HistoryQuery};
use coinlytics_engine::model::{CoinId, Range};
use tauri::{AppHandle, State};

use crate::events;
use crate::state::AppState;

#[tauri::command]
pub async fn coin(state: State<'_, AppState>, id: String) -> Result<CoinOverview, Error> {
    let id = CoinId::parse(&id)?;
    state.engine()?.coin_overview(&id).await
}

#[tauri::command]
pub async fn history(
    state: State<'_, AppState>,
    id: String,
    range: String,
    candles: bool,
) -> Result<History, Error> {
    let query = HistoryQuery {
        coin: CoinId::parse(&id)?,
        currency: None,
        range: Range::parse(&range)?,
        points: None,
        candles,
    };
    state.engine()?.history(&query).await
}

/// Starts the backfill and returns; it reports through events.
#[tauri::command]
pub async fn backfill(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
    range: String,
) -> Result<(), Error> {
    let query = BackfillQuery {
        coins: vec![CoinId::parse(&id)?],
        currency: None,
        range: Range::parse(&range)?,
    };
    let engine = state.engine()?;
    tauri::async_runtime::spawn(async move {
        engine
            .backfill_reporting(&query, |ev| events::send(&app, events::BACKFILL, &ev))
            .await;
    });
    Ok(())
}
