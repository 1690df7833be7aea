//! The Portfolio view's commands: the holdings with the transactions, add
//! and remove a transaction, and import a file through a preview (a file of
//! no known layout through a mapping of its columns, kept as a profile).

use coinlytics_engine::Error;
use coinlytics_engine::app::portfolio::{
    FxUsed, Holdings, ImportAs, ImportProfile, ImportReport, MappingGuess, TxInput, ValueHistory,
    WhatIf,
};
use coinlytics_engine::app::portfolio::{Mapping, check_import_size};
use coinlytics_engine::model::portfolio::{Method, Portfolio, Tx};
use coinlytics_engine::model::{CoinId, InvalidInput};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};

use crate::state::AppState;

/// The longest column name a mapping may send: it is stored with a profile.
const MAX_COLUMN_CHARS: usize = 1024;
/// The newest transactions the view lists at first: a screenful or two
/// paints fast however many there are; "Show more" asks for more.
const LISTED: usize = 100;
/// The most it lists when asked; `coinlytics portfolio ls` has all.
const MAX_LISTED: usize = 10_000;

/// Everything the Portfolio view shows.
#[derive(Serialize, ts_rs::TS)]
pub struct PortfolioPage {
    portfolios: Vec<Portfolio>,
    /// The portfolio shown; all of them when none.
    selected: Option<String>,
    holdings: Holdings,
    /// Newest first: the `listed` newest (100 when not given).
    txs: Vec<Tx>,
    /// How many transactions there are in all.
    tx_count: usize,
    /// The rate each listed transaction in another fiat was converted at.
    rates: Vec<FxUsed>,
}

/// A transaction as the form sends it; Rust checks every field.
#[derive(Debug, Deserialize, ts_rs::TS)]
pub struct TxForm {
    portfolio: String,
    kind: String,
    coin: String,
    quantity: String,
    price: Option<String>,
    currency: Option<String>,
    fee: Option<String>,
    fee_currency: Option<String>,
    time: Option<String>,
    note: Option<String>,
    to: Option<String>,
}

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
    let engine = state.engine()?;
    let selected = blank_is_none(portfolio);
    let method = match blank_is_none(method) {
        Some(m) => {
            Some(Method::parse(&m).ok_or_else(|| InvalidInput(format!("'{m}' is not a method")))?)
        }
        None => None,
    };
    let holdings = engine.holdings(selected.as_deref(), method).await?;
    let mut txs = engine.txs(selected.as_deref())?;
    let tx_count = txs.len();
    txs.reverse();
    txs.truncate(listed.unwrap_or(LISTED).clamp(1, MAX_LISTED));
    let reporting = &holdings.currency;
    let mut rates = if txs.iter().any(|t| t.currency != *reporting) {
        engine.fx_used().await?
    } else {
        Vec::new()
    };
    rates.retain(|r| txs.iter().any(|t| t.id == r.tx));
    Ok(PortfolioPage {
        rates,
        portfolios: engine.portfolios()?,
        selected,
        holdings,
        txs,
        tx_count,
    })
}

impl TxForm {
    fn input(self) -> TxInput {
        TxInput {
            portfolio: self.portfolio,
            kind: self.kind,
            coin: self.coin,
            quantity: self.quantity,
            price: blank_is_none(self.price),
            currency: blank_is_none(self.currency),
            fee: blank_is_none(self.fee),
            fee_currency: blank_is_none(self.fee_currency),
            time: blank_is_none(self.time),
            note: blank_is_none(self.note),
            to: blank_is_none(self.to),
        }
    }
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
    form: TxForm,
) -> Result<Vec<Tx>, Error> {
    written(&app, state.engine()?.add_tx(&form.input()).await)
}

/// Changes transaction `id` to what the form says.
#[tauri::command]
pub async fn portfolio_edit(
    app: AppHandle,
    state: State<'_, AppState>,
    id: i64,
    form: TxForm,
) -> Result<Tx, Error> {
    written(&app, state.engine()?.edit_tx(id, &form.input()).await)
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

/// A mapping from the page, refused when a column name is past
/// [`MAX_COLUMN_CHARS`]; the engine checks what it maps.
fn mapping_arg(mapping: Mapping) -> Result<Mapping, Error> {
    if let Some(long) = mapping
        .columns()
        .find(|c| c.chars().count() > MAX_COLUMN_CHARS)
    {
        let start: String = long.chars().take(20).collect();
        return Err(InvalidInput(format!(
            "the column '{start}…' is longer than {MAX_COLUMN_CHARS} characters"
        ))
        .into());
    }
    Ok(mapping)
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
        Some(m) => ImportAs::Mapping(mapping_arg(m)?),
        None => ImportAs::parse(format.as_deref().unwrap_or("auto")),
    };
    let done = (state.engine()?)
        .import_txs(bytes, &portfolio, how, dry_run)
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
    let mapping = mapping_arg(mapping)?;
    state
        .with_engine(move |e| e.save_import_profile(&name, &mapping))
        .await
}
