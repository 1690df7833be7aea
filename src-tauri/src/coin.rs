//! The coin view's commands: a coin's figures, its history over a range,
//! and a backfill of that history in the background (progress as
//! `backfill` events).

use coinlytics_engine::Error;
use coinlytics_engine::app::history::{BackfillQuery, CoinOverview, History, HistoryQuery};
use coinlytics_engine::model::{CoinId, Range};
use serde::Serialize;
use tauri::{AppHandle, State};

use crate::events;
use crate::state::AppState;

/// Where the backfill of a coin the window asked for is.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BackfillEvent {
    Progress {
        coin_id: String,
        done: u32,
        total: u32,
        waiting_secs: Option<u64>,
        /// What the step just finished brought: 0 when skipped.
        points: u32,
    },
    Done {
        coin_id: String,
        calls: u32,
        points: u32,
    },
    Failed {
        coin_id: String,
        message: String,
    },
}

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
        let emit = |ev: BackfillEvent| events::send(&app, events::BACKFILL, &ev);
        let coin_id = id.clone();
        let outcome = engine
            .backfill(&query, |p| {
                emit(BackfillEvent::Progress {
                    coin_id: coin_id.clone(),
                    done: p.done,
                    total: p.total,
                    waiting_secs: p.waiting_secs,
                    points: p.points,
                })
            })
            .await;
        emit(match outcome {
            Ok(r) => BackfillEvent::Done {
                coin_id: id,
                calls: r.calls,
                points: r.points,
            },
            Err(e) => {
                tracing::warn!(coin = %id, error = %e, "backfill failed");
                BackfillEvent::Failed {
                    coin_id: id,
                    message: e.to_string(),
                }
            }
        });
    });
    Ok(())
}
