//! The commands the window may call. Each validates its arguments, calls
//! the engine, and returns data or an [`IpcError`]; no logic lives here.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use coinlytics_engine::Engine;
use coinlytics_engine::model::{Coin, Quote, QuoteRequest, Selection};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};
use tauri_plugin_autostart::ManagerExt;

use super::state::{AppState, IpcError};

/// How many coins the Markets view shows.
const MARKETS_TOP: u32 = 250;
const SEARCH_LIMIT: u32 = 20;

pub(super) fn valid_coin_id(id: &str) -> Result<&str, IpcError> {
    let ok = !id.is_empty()
        && id.len() <= 100
        && id.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.' || b == b'_'
        });
    if ok {
        Ok(id)
    } else {
        Err(IpcError::invalid(format!("'{id}' is not a coin id")))
    }
}

/// Refreshes `req` in the background; the result arrives as a market event.
fn refresh_in_background(engine: Arc<Engine>, req: QuoteRequest) {
    tauri::async_runtime::spawn(async move {
        let _ = engine.market.refresh(&req).await;
    });
}

#[derive(Serialize)]
pub struct Dashboard {
    currency: String,
    refresh_secs: u64,
    /// Watched coins in the user's order, with or without a stored quote.
    watchlist: Vec<Coin>,
    /// Stored quotes of the watched coins: shown at once, fresh ones follow.
    quotes: Vec<Quote>,
    updated_at: Option<DateTime<Utc>>,
    failure: Option<String>,
    paused: bool,
}

/// Everything the dashboard shows on opening, from the store (no network).
/// Async so it runs on the runtime, not on the main thread the window
/// needs for its first paint.
#[tauri::command]
pub async fn dashboard(state: State<'_, AppState>) -> Result<Dashboard, IpcError> {
    let engine = state.engine()?;
    let settings = engine.settings();
    let watchlist = engine.watchlist()?;
    let req = QuoteRequest {
        selection: Selection::Coins(watchlist.iter().map(|c| c.id.clone()).collect()),
        currency: settings.currency.clone(),
    };
    let quotes = engine
        .market
        .stored(&req)
        .map_err(coinlytics_engine::Error::from)?;
    let status = state
        .status
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    Ok(Dashboard {
        currency: settings.currency,
        refresh_secs: settings.refresh_secs,
        watchlist,
        updated_at: status
            .updated_at
            .or_else(|| quotes.iter().map(|q| q.fetched_at).max()),
        quotes,
        failure: status.failure,
        paused: state.is_paused(),
    })
}

/// Refresh now (the retry button); the outcome arrives as a market event.
#[tauri::command]
pub fn refresh(state: State<'_, AppState>) -> Result<(), IpcError> {
    let engine = state.engine()?;
    engine.market.invalidate();
    let req = engine.default_request()?;
    refresh_in_background(engine, req);
    Ok(())
}

#[tauri::command]
pub fn search_coins(state: State<'_, AppState>, query: String) -> Result<Vec<Coin>, IpcError> {
    if query.chars().count() > 64 {
        return Err(IpcError::invalid("the search is longer than 64 characters"));
    }
    Ok(state.engine()?.search_coins(&query, SEARCH_LIMIT)?)
}

#[tauri::command]
pub async fn watchlist_add(state: State<'_, AppState>, id: String) -> Result<Coin, IpcError> {
    let engine = state.engine()?;
    let (coin, _) = engine.watchlist_add(valid_coin_id(&id)?).await?;
    refresh_in_background(engine.clone(), engine.default_request()?);
    Ok(coin)
}

#[tauri::command]
pub fn watchlist_remove(state: State<'_, AppState>, id: String) -> Result<(), IpcError> {
    state.engine()?.watchlist_remove(valid_coin_id(&id)?)?;
    Ok(())
}

#[tauri::command]
pub fn watchlist_reorder(state: State<'_, AppState>, ids: Vec<String>) -> Result<(), IpcError> {
    if ids.len() > 1000 {
        return Err(IpcError::invalid("too many coins"));
    }
    for id in &ids {
        valid_coin_id(id)?;
    }
    state.engine()?.watchlist_reorder(&ids)?;
    Ok(())
}

#[tauri::command]
pub async fn currencies(state: State<'_, AppState>) -> Result<Vec<String>, IpcError> {
    Ok(state.engine()?.market.supported_currencies().await)
}

#[tauri::command]
pub async fn set_currency(state: State<'_, AppState>, code: String) -> Result<(), IpcError> {
    let engine = state.engine()?;
    let code = code.trim().to_ascii_lowercase();
    if !engine.market.supported_currencies().await.contains(&code) {
        return Err(IpcError::invalid(format!(
            "'{code}' is not a supported currency"
        )));
    }
    engine.set_setting("currency", &code)?;
    engine.market.invalidate();
    refresh_in_background(engine.clone(), engine.default_request()?);
    Ok(())
}

#[derive(Serialize)]
pub struct Markets {
    quotes: Vec<Quote>,
    failure: Option<String>,
}

/// The top coins by market cap; stored ones (marked by `failure`) if offline.
#[tauri::command]
pub async fn markets(state: State<'_, AppState>) -> Result<Markets, IpcError> {
    let engine = state.engine()?;
    let req = QuoteRequest {
        selection: Selection::Top(MARKETS_TOP),
        currency: engine.settings().currency,
    };
    let view = engine.market.quotes(&req).await?;
    Ok(Markets {
        failure: view.failure.map(|e| e.to_string()),
        quotes: view.quotes,
    })
}

/// The preferences the window's settings dialog shows.
#[derive(Serialize)]
pub struct Preferences {
    close_to_tray: bool,
    autostart: bool,
}

/// A preference the window may change; anything else fails to deserialize.
#[derive(serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preference {
    CloseToTray,
    Autostart,
}

fn autostart_error(e: tauri_plugin_autostart::Error) -> IpcError {
    IpcError {
        kind: "autostart",
        message: format!("cannot change start at login: {e}"),
    }
}

#[tauri::command]
pub fn preferences(app: AppHandle, state: State<'_, AppState>) -> Result<Preferences, IpcError> {
    Ok(Preferences {
        close_to_tray: state.engine()?.settings().close_to_tray,
        autostart: app.autolaunch().is_enabled().map_err(autostart_error)?,
    })
}

#[tauri::command]
pub fn set_preference(
    app: AppHandle,
    state: State<'_, AppState>,
    key: Preference,
    value: bool,
) -> Result<(), IpcError> {
    match key {
        Preference::CloseToTray => state
            .engine()?
            .set_setting("close_to_tray", &value.to_string())?,
        Preference::Autostart if value => app.autolaunch().enable().map_err(autostart_error)?,
        Preference::Autostart => app.autolaunch().disable().map_err(autostart_error)?,
    }
    Ok(())
}

/// When the page reached each step of its start, in ms since its
/// navigation began (`performance.now()`), and when navigation began.
#[derive(Debug, Deserialize)]
pub struct UiMarks {
    navigation_unix_ms: i64,
    script_ms: u32,
    data_ms: u32,
    painted_ms: u32,
}

/// The dashboard's first paint: logged with the time since start-up, the
/// mark the start-up benchmark (tests/bench/app-figures.py) reads, and
/// where the page's share of that time went.
#[tauri::command]
pub fn ui_ready(marks: Option<UiMarks>) {
    let since_start_ms = super::since_start_ms();
    let now = Utc::now().timestamp_millis();
    let navigation_ms = marks.as_ref().zip(since_start_ms).map(|(m, since)| {
        // Process start in unix ms, then navigation start relative to it.
        (m.navigation_unix_ms - (now - since as i64)).max(0)
    });
    tracing::info!(
        since_start_ms,
        unix_ms = now,
        navigation_ms,
        script_ms = marks.as_ref().map(|m| m.script_ms),
        data_ms = marks.as_ref().map(|m| m.data_ms),
        painted_ms = marks.as_ref().map(|m| m.painted_ms),
        "dashboard ready"
    );
}
