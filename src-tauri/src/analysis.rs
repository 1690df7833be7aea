//! The Compare view's and the converter's commands.

use coinlytics_engine::Error;
use coinlytics_engine::app::compare::{CompareQuery, Comparison};
use coinlytics_engine::app::convert::{Conversion, ConvertQuery};
use coinlytics_engine::model::{CoinId, Range};
use tauri::State;

use crate::state::AppState;

#[tauri::command]
pub async fn compare(
    state: State<'_, AppState>,
    ids: Vec<String>,
    range: String,
) -> Result<Comparison, Error> {
    let query = CompareQuery {
        coins: ids
            .iter()
            .map(|id| CoinId::parse(id))
            .collect::<Result<_, _>>()?,
        currency: None,
        range: Range::parse(&range)?,
    };
    state.engine()?.compare(&query).await
}

#[tauri::command]
pub async fn convert(
    state: State<'_, AppState>,
    amount: String,
    from: String,
    to: String,
) -> Result<Conversion, Error> {
    state
        .engine()?
        .convert(&ConvertQuery { amount, from, to })
        .await
}
