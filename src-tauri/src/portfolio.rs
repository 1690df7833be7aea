//! The Portfolio view's commands: the holdings with the transactions, add
//! and remove a transaction, and import a file through a preview (a file of
//! no known layout through a mapping of its columns, kept as a profile).

use coinlytics_engine::Error;
use coinlytics_engine::app::portfolio::{
    GainsReport, ImportAs, ImportProfile, ImportReport, Mapping, MappingGuess, PortfolioPage,
    TxInput, ValueHistory, WhatIf, check_import_size,
};
use coinlytics_engine::model::CoinId;
use coinlytics_engine::model::portfolio::Tx;
use tauri::{AppHandle, State};

use crate::state::AppState;

fn blank_is_none(s: Option<String>) -> Option<String> {
    s.filter(|v| !v.trim().is_empty())
}

#[tauri::command]
pub async fn portfolio(
    state: State<'_, AppState>,
    portfolio: Option<String>,
    method: Option<String>,
    listed: Option<usize>,
) -> Result<PortfolioPage, Error> {
    state
        .engine()?
        .portfolio_page(portfolio.as_deref(), method.as_deref(), listed)
        .await
}

/// The tray's total follows a transaction written here at once (one
/// written by another process: at the next price update).
fn written<T>(app: &AppHandle, done: Result<T, Error>) -> Result<T, Error> {
    if done.is_ok() {
        crate::tray::update_portfolio(app);
    }
    done
}

#[tauri::command]
pub async fn portfolio_add(
    app: AppHandle,
    state: State<'_, AppState>,
    form: TxInput,
) -> Result<Vec<Tx>, Error> {
    written(&app, state.engine()?.add_tx(&form).await)
}

/// Changes transaction `id` to what the form says.
#[tauri::command]
pub async fn portfolio_edit(
    app: AppHandle,
    state: State<'_, AppState>,
    id: i64,
    form: TxInput,
) -> Result<Tx, Error> {
    written(&app, state.engine()?.edit_tx(id, &form).await)
}

#[tauri::command]
pub async fn portfolio_remove(
    app: AppHandle,
    state: State<'_, AppState>,
    id: i64,
) -> Result<Vec<Tx>, Error> {
    written(&app, state.engine()?.remove_tx(id).await)
}

/// What selling `quantity` of `coin` now, at its stored price or `price`,
/// would realize under each method, in `portfolio` (all when none).
#[tauri::command]
pub async fn portfolio_whatif(
    state: State<'_, AppState>,
    coin: String,
    quantity: String,
    price: Option<String>,
    portfolio: Option<String>,
) -> Result<WhatIf, Error> {
    let coin = CoinId::parse(&coin)?;
    let (price, portfolio) = (blank_is_none(price), blank_is_none(portfolio));
    state
        .engine()?
        .what_if(&coin, &quantity, price.as_deref(), portfolio.as_deref())
        .await
}

/// The value of `portfolio` (all when none) over time, for the view's
/// chart; asked for after the holdings, so they show first.
#[tauri::command]
pub async fn portfolio_value(
    state: State<'_, AppState>,
    portfolio: Option<String>,
) -> Result<ValueHistory, Error> {
    let portfolio = blank_is_none(portfolio);
    state.engine()?.value_history(portfolio.as_deref()).await
}

/// A file's text, refused past the engine's one cap
/// ([`MAX_IMPORT_BYTES`](coinlytics_engine::app::portfolio::MAX_IMPORT_BYTES)) before any reading.
fn file_text(text: String) -> Result<Vec<u8>, Error> {
    check_import_size(text.len() as u64, "the file")?;
    Ok(text.into_bytes())
}

/// Reads `text` (a file the user picked) into `portfolio`, through
/// `mapping` when given, else as `format` says (a format's name, a saved
/// profile's, or `auto`); with `dry_run` only the preview.
#[tauri::command]
pub async fn portfolio_import(
    app: AppHandle,
    state: State<'_, AppState>,
    text: String,
    portfolio: String,
    format: Option<String>,
    mapping: Option<Mapping>,
    dry_run: bool,
) -> Result<ImportReport, Error> {
    let bytes = file_text(text)?;
    let how = match mapping {
        Some(m) => ImportAs::Mapping(m),
        None => ImportAs::parse(format.as_deref().unwrap_or("auto")),
    };
    // The fetch of the rates and past prices the file needs, as it goes.
    let done = (state.engine()?)
        .import_txs_with(bytes, &portfolio, how, dry_run, |p| {
            crate::events::send(&app, crate::events::FILL, p)
        })
        .await;
    written(&app, done)
}

/// A picked file's columns, the guess of which holds each field, and the
/// layout it is in if the app knows it.
#[tauri::command]
pub async fn portfolio_mapping_guess(
    state: State<'_, AppState>,
    text: String,
) -> Result<MappingGuess, Error> {
    let bytes = file_text(text)?;
    state.with_engine(move |e| e.guess_mapping(&bytes)).await
}

/// The saved import profiles, by name.
#[tauri::command]
pub async fn portfolio_profiles(state: State<'_, AppState>) -> Result<Vec<ImportProfile>, Error> {
    state.with_engine(|e| e.import_profiles()).await
}

/// Saves `mapping` as the import profile `name` (replacing one so named).
#[tauri::command]
pub async fn portfolio_profile_save(
    state: State<'_, AppState>,
    name: String,
    mapping: Mapping,
) -> Result<ImportProfile, Error> {
    state
        .with_engine(move |e| e.save_import_profile(&name, &mapping))
        .await
}

/// A tax year's realized gains in `portfolio` (all when none), by
/// `method` (each portfolio's own when none).
#[tauri::command]
pub async fn portfolio_gains(
    state: State<'_, AppState>,
    year: i32,
    portfolio: Option<String>,
    method: Option<String>,
) -> Result<GainsReport, Error> {
    state
        .engine()?
        .portfolio_gains(year, portfolio.as_deref(), method.as_deref())
        .await
}
