//! One file per table. Functions take a `&Connection` (a `&Transaction`
//! derefs to one) so callers compose them inside [`super::Store::write`].

pub mod alerts;
pub mod api_tokens;
pub mod backfill;
pub mod candles;
pub mod channels;
pub mod coins;
pub mod daily;
pub mod events;
pub mod fiat_rates;
pub mod history;
pub mod portfolio;
pub mod quotes;
pub mod rates;
pub mod state;
pub mod watchlist;

use std::str::FromStr;

use rust_decimal::Decimal;

/// Reads a TEXT money column back into an exact decimal.
pub(crate) fn decimal_col(row: &rusqlite::Row, idx: usize) -> rusqlite::Result<Decimal> {
    // Borrowed from the row: no String per value (100,000 transactions
    // read three or four each).
    let s = row.get_ref(idx)?.as_str()?;
    Decimal::from_str(s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

pub(crate) fn opt_decimal_col(
    row: &rusqlite::Row,
    idx: usize,
) -> rusqlite::Result<Option<Decimal>> {
    match row.get_ref(idx)? {
        rusqlite::types::ValueRef::Null => Ok(None),
        _ => decimal_col(row, idx).map(Some),
    }
}
