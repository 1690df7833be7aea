//! The commands the window may call (each granted in
//! capabilities/default.json). Each parses its arguments into the engine's
//! typed input, calls one action of the application layer, and returns its
//! result or the engine's [`Error`] (`{kind, message}` on the page). No
//! rule lives here.

use chrono::Utc;
use coinlytics_engine::Error;
use coinlytics_engine::app::pages::{Dashboard, Markets};
use coinlytics_engine::app::settings::Key;
use coinlytics_engine::app::watchlist::Added;
use coinlytics_engine::model::{Coin, CoinId};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};
use tauri_plugin_autostart::ManagerExt;

use crate::state::AppState;

type Answer<T> = Result<T, Error>;

/// Async so it runs on the runtime, not on the main thread the window
/// needs for its first paint.
#[tauri::command]
pub async fn dashboard(state: State<'_, AppState>) -> Answer<Dashboard> {
    state.engine()?.dashboard(state.is_paused())
}

/// Refresh now (the retry button); the outcome arrives as a market event.
#[tauri::command]
pub async fn refresh(state: State<'_, AppState>) -> Answer<()> {
    let request = state.with_engine(|e| e.default_request()).await?;
    state.engine()?.refresh_soon(request);
    Ok(())
}

#[tauri::command]
pub async fn search_coins(state: State<'_, AppState>, query: String) -> Answer<Vec<Coin>> {
    state.with_engine(move |e| e.search_coins(&query)).await
}

#[tauri::command]
pub async fn watchlist_add(state: State<'_, AppState>, id: String) -> Answer<Added> {
    let engine = state.engine()?;
    let added = engine.watchlist_add(&CoinId::parse(&id)?).await?;
    engine.refresh_soon(engine.default_request()?);
    Ok(added)
}

#[tauri::command]
pub async fn watchlist_remove(state: State<'_, AppState>, id: String) -> Answer<Coin> {
    let id = CoinId::parse(&id)?;
    state.with_engine(move |e| e.watchlist_remove(&id)).await
}

#[tauri::command]
pub async fn watchlist_reorder(state: State<'_, AppState>, ids: Vec<String>) -> Answer<()> {
    let ids = ids
        .iter()
        .map(|id| CoinId::parse(id))
        .collect::<Result<Vec<_>, _>>()?;
    state.with_engine(move |e| e.watchlist_reorder(&ids)).await
}

#[tauri::command]
pub async fn currencies(state: State<'_, AppState>) -> Answer<Vec<String>> {
    Ok(state.engine()?.supported_currencies().await)
}

#[tauri::command]
pub async fn set_currency(state: State<'_, AppState>, code: String) -> Answer<()> {
    let engine = state.engine()?;
    engine.configure(&[(Key::Currency, code)]).await?;
    engine.refresh_soon(engine.default_request()?);
    Ok(())
}

#[tauri::command]
pub async fn markets(state: State<'_, AppState>) -> Answer<Markets> {
    state.engine()?.markets().await
}

/// The preferences the window's settings dialog shows.
#[derive(Serialize, ts_rs::TS)]
pub struct Preferences {
    close_to_tray: bool,
    privacy: bool,
    tray_portfolio: bool,
    autostart: bool,
    /// The coins the tray ticker cycles through; empty: the first three.
    tray_coins: Vec<String>,
}

/// A preference the window may change; anything else fails to deserialize.
#[derive(Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Preference {
    CloseToTray,
    Autostart,
    /// Hide the portfolio's amounts.
    Privacy,
    /// Show the portfolio's total in the tray ticker.
    TrayPortfolio,
}

/// Start at login is an entry of the desktop session, not a setting.
fn autostart_error(e: tauri_plugin_autostart::Error) -> Error {
    Error::Internal(format!("cannot change start at login: {e}"))
}

#[tauri::command]
pub fn preferences(app: AppHandle, state: State<'_, AppState>) -> Answer<Preferences> {
    let settings = state.engine()?.settings();
    Ok(Preferences {
        close_to_tray: settings.close_to_tray,
        privacy: settings.privacy,
        tray_portfolio: settings.tray_portfolio,
        autostart: app.autolaunch().is_enabled().map_err(autostart_error)?,
        tray_coins: settings.tray_coins,
    })
}

#[tauri::command]
pub async fn set_preference(
    app: AppHandle,
    state: State<'_, AppState>,
    key: Preference,
    value: bool,
) -> Answer<()> {
    match key {
        Preference::CloseToTray => {
            state
                .engine()?
                .configure(&[(Key::CloseToTray, value.to_string())])
                .await?;
        }
        Preference::Privacy | Preference::TrayPortfolio => {
            let k = match key {
                Preference::Privacy => Key::Privacy,
                _ => Key::TrayPortfolio,
            };
            state.engine()?.configure(&[(k, value.to_string())]).await?;
            // The tray's total shows or goes at once, not at the next update.
            crate::tray::update_portfolio(&app);
        }
        Preference::Autostart if value => app.autolaunch().enable().map_err(autostart_error)?,
        Preference::Autostart => app.autolaunch().disable().map_err(autostart_error)?,
    }
    Ok(())
}

/// Chooses the coins of the tray ticker, in order (none: the first three
/// of the watchlist). The tray shows them from the next update, which this
/// asks for at once.
#[tauri::command]
pub async fn set_tray_coins(state: State<'_, AppState>, ids: Vec<String>) -> Answer<()> {
    let engine = state.engine()?;
    engine.configure(&[(Key::TrayCoins, ids.join(","))]).await?;
    engine.refresh_soon(engine.default_request()?);
    Ok(())
}

/// When the page reached each step of its start, in ms since its
/// navigation began (`performance.now()`), and when navigation began.
#[derive(Debug, Deserialize, ts_rs::TS)]
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
pub fn ui_ready(state: State<'_, AppState>, marks: Option<UiMarks>) {
    let since_start_ms = state.since_start_ms();
    let now = Utc::now().timestamp_millis();
    // Process start in unix ms, then navigation start relative to it.
    let navigation_ms = marks
        .as_ref()
        .map(|m| (m.navigation_unix_ms - (now - since_start_ms as i64)).max(0));
    tracing::info!(
        since_start_ms,
        unix_ms = now,
        navigation_ms,
        script_ms = marks.as_ref().map(|m| m.script_ms),
        data_ms = marks.as_ref().map(|m| m.data_ms),
        painted_ms = marks.as_ref().map(|m| m.painted_ms),
        "dashboard ready"
    );
    // The dashboard is painted: start-up is over.
    tauri::async_runtime::spawn(async {
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        coinlytics_engine::app::memory::release_startup_code();
    });
}
