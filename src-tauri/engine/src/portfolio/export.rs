//! CSV export: transactions in the generic format (which imports back),
//! and the holdings with their totals.

use rust_decimal::Decimal;

use super::Tx;
use super::holdings::Holdings;

/// Why a file could not be written (in memory: only a bug can cause it).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("cannot write CSV: {0}")]
pub struct CsvError(String);

pub(super) fn write_csv<const N: usize>(rows: Vec<[String; N]>) -> Result<String, CsvError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows {
        w.write_record(&row).map_err(|e| CsvError(e.to_string()))?;
    }
    let bytes = w.into_inner().map_err(|e| CsvError(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| CsvError(e.to_string()))
}

/// `txs` in the generic format, each with its portfolio.
pub fn txs_csv(txs: &[Tx]) -> Result<String, CsvError> {
    let opt = |d: Option<Decimal>| d.map(|d| d.normalize().to_string()).unwrap_or_default();
    let mut rows = vec![
        [
            "time",
            "type",
            "coin",
            "quantity",
            "price",
            "currency",
            "fee",
            "fee_currency",
            "note",
            "portfolio",
        ]
        .map(String::from),
    ];
    rows.extend(txs.iter().map(|t| {
        [
            t.time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            t.kind.as_str().into(),
            t.coin_id.clone(),
            t.quantity.normalize().to_string(),
            opt(t.price),
            t.currency.clone(),
            opt(t.fee),
            t.fee_currency.clone().unwrap_or_default(),
            t.note.clone().unwrap_or_default(),
            t.portfolio.clone(),
        ]
    }));
    write_csv(rows)
}

/// The holdings: one row per coin, then the totals.
pub fn holdings_csv(h: &Holdings) -> Result<String, CsvError> {
    let opt = |d: Option<Decimal>| d.map(|d| d.to_string()).unwrap_or_default();
    let mut rows = vec![
        [
            "coin",
            "quantity",
            "cost_basis",
            "price",
            "market_value",
            "unrealized_pnl",
            "realized_pnl",
            "allocation_pct",
            "currency",
        ]
        .map(String::from),
    ];
    for x in &h.holdings {
        rows.push([
            x.coin.clone(),
            x.quantity.to_string(),
            x.cost_basis.to_string(),
            opt(x.price),
            opt(x.market_value),
            opt(x.unrealized_pnl),
            x.realized_pnl.to_string(),
            opt(x.allocation_pct),
            h.currency.clone(),
        ]);
    }
    let t = &h.totals;
    rows.push([
        "total".into(),
        String::new(),
        t.cost_basis.to_string(),
        String::new(),
        t.market_value.to_string(),
        t.unrealized_pnl.to_string(),
        t.realized_pnl.to_string(),
        String::new(),
        h.currency.clone(),
    ]);
    write_csv(rows)
}

#[cfg(test)]
mod tests;
