//! The Sources panel: each price source's health and the CoinGecko budget,
//! and a coin's price on each source.

use coinlytics_engine::Error;
use coinlytics_engine::app::sources::{SourceComparison, SourcesReport};
use coinlytics_engine::model::CoinId;
use tauri::State;

use crate::state::AppState;

/// Every source's state, last success, latency, errors, and the budget.
#[tauri::command]
pub async fn sources_report(state: State<'_, AppState>) -> Result<SourcesReport, Error> {
    Ok(state.engine()?.sources_report())
}

/// Where `coin`'s price comes from: a source's key or "aggregate"; `null`
/// for the default. Checked by the settings like any other value.
#[tauri::command]
pub async fn source_prefer(
    state: State<'_, AppState>,
    coin: String,
    source: Option<String>,
) -> Result<(), Error> {
    state
        .engine()?
        .prefer_source(&CoinId::parse(&coin)?, source.as_deref())
        .await
}

/// `coin`'s price on each source and its spread from the median.
#[tauri::command]
pub async fn source_compare(
    state: State<'_, AppState>,
    coin: String,
) -> Result<SourceComparison, Error> {
    state
        .engine()?
        .compare_sources(&CoinId::parse(&coin)?)
        .await
}
