//! Import row resolution: a file's [`Draft`]s (as [`super::import`] read
//! them, coins still the file's symbols) become transactions of a
//! portfolio, or errors naming their line and column; then the new rows
//! go through the ledger check with every stored transaction.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::import::{Draft, Format, RowError, Skipped};
use super::ledger;
use super::valuation::Prices;
use super::{Portfolio, Tx, is_fiat};
use crate::model::alert::MAX_PRICE_LEVEL;

/// What an import adds, or would: the preview and the outcome alike.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct ImportReport {
    pub format: Format,
    pub portfolio: String,
    /// The transactions new to the portfolio (numbered once committed).
    pub added: Vec<Tx>,
    /// Rows imported before (by a file's own ids, or the same row's text).
    pub duplicates: usize,
    pub skipped: Vec<Skipped>,
    /// Every row that cannot be imported; any at all and nothing is.
    pub errors: Vec<RowError>,
    /// Rows kept whose value no source gives (no price in the file, none
    /// stored or fetched for their day): their quantities count; the
    /// costs and gains they touch are incomplete until a price is given.
    pub value_unknown: Vec<RowError>,
    /// The fetches of rates and past prices that failed ("EUR rates from
    /// the ECB, …: cannot reach …"): why some values are unknown.
    pub not_fetched: Vec<String>,
    /// Whether `added` was written: not on a dry run, nor with errors.
    pub committed: bool,
}

/// A row resolved: its line, its key (so a re-import adds nothing) and
/// its transaction (not numbered, in no stored portfolio yet).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub line: u64,
    pub key: String,
    pub tx: Tx,
}

/// The symbols `drafts` name as coins (assets, fees paid in a coin), each
/// once: a file of 100,000 rows names a few dozen coins.
pub fn symbols(drafts: &[Draft]) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for d in drafts {
        for sym in std::iter::once(&d.asset).chain(d.fee_currency.iter().filter(|c| !is_fiat(c))) {
            if seen.insert(sym.as_str()) {
                out.push(sym.clone());
            }
        }
    }
    out
}

/// `drafts` as transactions of `portfolio`, each symbol by `coins` (the
/// coin id it names, or none), prices without a currency in `reporting`;
/// each row that cannot be one is an error instead.
pub fn resolve(
    drafts: Vec<Draft>,
    coins: &HashMap<String, Option<String>>,
    reporting: &str,
    portfolio: &str,
) -> (Vec<Row>, Vec<RowError>) {
    let mut rows = Vec::with_capacity(drafts.len());
    let mut errors = Vec::new();
    let error = |line: u64, column: &str, reason: String| RowError {
        line,
        column: column.into(),
        reason,
    };
    for d in drafts {
        let Some(coin) = coins.get(&d.asset).cloned().flatten() else {
            let why = format!("'{}' is no coin in the coin list", d.asset);
            errors.push(error(d.line, "coin", why));
            continue;
        };
        let currency = d.currency.clone().unwrap_or_else(|| reporting.to_string());
        if !is_fiat(&currency) {
            let why = format!("'{currency}' is not a fiat currency");
            errors.push(error(d.line, "currency", why));
            continue;
        }
        let fee_currency = match &d.fee_currency {
            Some(c) if is_fiat(c) => Some(c.clone()),
            Some(c) => match coins.get(c).cloned().flatten() {
                Some(id) => Some(id),
                None => {
                    let why = format!("'{c}' is no currency or coin");
                    errors.push(error(d.line, "fee_currency", why));
                    continue;
                }
            },
            None => d.fee.map(|_| currency.clone()),
        };
        if [Some(d.quantity), d.price, d.fee]
            .into_iter()
            .flatten()
            .any(|v| v > MAX_PRICE_LEVEL)
        {
            let why = format!("an amount above {MAX_PRICE_LEVEL}");
            errors.push(error(d.line, "quantity", why));
            continue;
        }
        rows.push(Row {
            line: d.line,
            key: d.key,
            tx: Tx {
                id: 0,
                portfolio: portfolio.to_string(),
                portfolio_id: 0,
                time: d.time,
                kind: d.kind,
                coin_id: coin,
                quantity: d.quantity,
                price: d.price,
                currency,
                fee: d.fee,
                fee_currency,
                note: d.note,
                transfer: None,
            },
        });
    }
    (rows, errors)
}

/// Leaves out the rows imported before (their key is in `known`); returns
/// how many.
pub fn drop_known(rows: &mut Vec<Row>, known: &HashSet<String>) -> usize {
    let before = rows.len();
    rows.retain(|r| !known.contains(&r.key));
    before - rows.len()
}

/// The ledger check of `rows` added to `stored` (in the portfolio of their
/// name, created if new): the first row that would take more than is
/// held, as an error of its line; else the rows whose value is unknown.
pub fn check<P: Prices + ?Sized>(
    prices: &P,
    mut stored: Vec<Tx>,
    portfolios: &[Portfolio],
    rows: &[Row],
    reporting: &str,
) -> rusqlite::Result<Result<Vec<RowError>, RowError>> {
    let first = stored.iter().map(|t| t.id).max().unwrap_or(0) + 1;
    let mut lines = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        let mut t = r.tx.clone();
        t.id = first + i as i64;
        t.portfolio_id = (portfolios.iter())
            .find(|p| p.name.eq_ignore_ascii_case(&t.portfolio))
            .map_or(-1, |p| p.id);
        lines.insert(t.id, r.line);
        stored.push(t);
    }
    Ok(
        match ledger::check(prices, &mut stored, portfolios, reporting)? {
            Ok(ledger) => Ok((ledger.unknown.into_iter())
                .filter_map(|u| {
                    Some(RowError {
                        line: *lines.get(&u.tx)?,
                        column: "price".into(),
                        reason: format!("value unknown: {}", u.why),
                    })
                })
                .collect()),
            Err(r) => Err(RowError {
                line: lines.get(&r.tx).copied().unwrap_or(0),
                column: "quantity".into(),
                reason: r.why,
            }),
        },
    )
}

#[cfg(test)]
mod tests;
