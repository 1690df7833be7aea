//! Reading transaction files: the generic format (README.md documents it),
//! and the exports people download from Coinbase (its transaction history,
//! every layout since 2023), Kraken (ledgers and trades) and Binance (spot
//! trade history and the transaction statement), from their documented
//! columns. Pure: rows become [`Draft`]s, [`Skipped`] rows or [`RowError`]s;
//! coins are still the file's symbols (as `aliases` names them), resolved
//! by the application layer.
//!
//! Each layout is a module: `coinbase`, `kraken`, `binance`, `statement`
//! (Binance's), `generic` and `mapping` (a file of no known layout). What
//! they share: `encoding` (bytes to text), `row` (a row's cells, numbers
//! and times), `aliases` (symbols as exchanges write them) and `trade`
//! (one asset for another, as drafts).

mod aliases;
mod binance;
mod coinbase;
mod encoding;
mod generic;
mod kraken;
mod mapping;
mod row;
mod statement;
mod trade;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

pub use mapping::{
    FIELDS, MAX_COLUMN_CHARS, Mapping, MappingField, MappingGuess, guess, guess_mapping,
    parse_mapped,
};
pub use row::number;

use super::{TxKind, is_fiat};
use crate::model::InvalidInput;
use row::{Fingerprints, Header, Row};

/// The most a file to import may hold, whoever reads it (the window sends
/// its text, the CLI reads it from disk): far more than any exchange's
/// history, and little enough to hold in memory a few times over.
pub const MAX_IMPORT_BYTES: u64 = 64 << 20;

/// Refuses a file of `len` bytes past [`MAX_IMPORT_BYTES`], before any
/// reading; `what` names it ("the file", its path).
pub fn check_size(len: u64, what: &str) -> Result<(), InvalidInput> {
    if len > MAX_IMPORT_BYTES {
        return Err(InvalidInput(format!(
            "{what} is larger than {} MiB",
            MAX_IMPORT_BYTES >> 20
        )));
    }
    Ok(())
}

/// A file's layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Generic,
    Coinbase,
    /// Kraken's ledgers (`ledgers.csv`).
    Kraken,
    /// Kraken's trades (`trades.csv`).
    KrakenTrades,
    /// Binance's spot trade history.
    Binance,
    /// Binance's transaction statement (`User_ID,UTC_Time,…,Operation`).
    BinanceStatement,
    /// Any other file, read through a [`Mapping`] of its columns.
    Mapped,
}

impl Format {
    pub const ALL: [Format; 6] = [
        Format::Generic,
        Format::Coinbase,
        Format::Kraken,
        Format::KrakenTrades,
        Format::Binance,
        Format::BinanceStatement,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Generic => "generic",
            Format::Coinbase => "coinbase",
            Format::Kraken => "kraken",
            Format::KrakenTrades => "kraken_trades",
            Format::Binance => "binance",
            Format::BinanceStatement => "binance_statement",
            Format::Mapped => "mapped",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// Which layout a header names, by its columns.
    fn of_header(h: &Header) -> Option<Format> {
        if h.has("transaction type") && h.has("quantity transacted") {
            Some(Format::Coinbase)
        } else if h.has("refid") && h.has("asset") && h.has("amount") {
            Some(Format::Kraken)
        } else if h.has("ordertxid") && h.has("pair") && h.has("vol") {
            Some(Format::KrakenTrades)
        } else if h.has("date(utc)") && (h.has("pair") || h.has("market")) {
            Some(Format::Binance)
        } else if h.has("utc_time") && h.has("operation") && h.has("coin") && h.has("change") {
            Some(Format::BinanceStatement)
        } else if h.has("time") && h.has("type") && h.has("coin") && h.has("quantity") {
            Some(Format::Generic)
        } else {
            None
        }
    }

    /// Whether a file found in `self` answers a request for `want`: one
    /// exchange's files are one choice ("kraken" reads its trades too), as
    /// a person picks the exchange, not which of its reports it is.
    fn answers(self, want: Format) -> bool {
        let family = |f| match f {
            Format::KrakenTrades => Format::Kraken,
            Format::BinanceStatement => Format::Binance,
            f => f,
        };
        self == want || family(self) == want
    }
}

/// A transaction read from a file; `asset` is as the file names it.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// The line of the file it comes from (1 is the first line).
    pub line: u64,
    pub time: DateTime<Utc>,
    pub kind: TxKind,
    /// Lower case: `btc`, `eth`, or a coin id in the generic format.
    pub asset: String,
    pub quantity: Decimal,
    /// `None` for a buy or sale only when the file gives no fiat value (one
    /// leg of a coin-for-coin trade): the application layer values it.
    pub price: Option<Decimal>,
    pub currency: Option<String>,
    pub fee: Option<Decimal>,
    /// A fiat code or an asset as the file names it.
    pub fee_currency: Option<String>,
    pub note: Option<String>,
    /// Unique per row of the source: importing the same file twice adds nothing.
    pub key: String,
}

/// Why a row cannot be imported.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct RowError {
    pub line: u64,
    pub column: String,
    pub reason: String,
}

/// A row passed over on purpose (cash moving in or out, an internal transfer).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Skipped {
    pub line: u64,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct Parsed {
    pub drafts: Vec<Draft>,
    pub errors: Vec<RowError>,
    pub skipped: Vec<Skipped>,
}

impl Parsed {
    fn skip(&mut self, line: u64, reason: impl Into<String>) {
        self.skipped.push(Skipped {
            line,
            reason: reason.into(),
        });
    }
}

/// The parts of a note that are there, joined.
fn notes<I: IntoIterator<Item = Option<String>>>(parts: I) -> Option<String> {
    let parts: Vec<String> = parts
        .into_iter()
        .flatten()
        .filter(|p| !p.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// Reads `bytes` in `format` (found from the header when `None`).
pub fn parse(bytes: &[u8], format: Option<Format>) -> Result<(Format, Parsed), InvalidInput> {
    let text = encoding::decode(bytes);
    let mut reader = csv_reader(text.as_bytes());
    let mut records = reader.records();
    let Some((format, header)) = find_header(&mut records, format)? else {
        return Err(InvalidInput(match format {
            Some(f) => format!("no {} header found in the file", f.as_str()),
            None => "no known header found: the file is not a Coinbase, Kraken or Binance export, nor the generic format (time,type,coin,quantity,…)".into(),
        }));
    };
    let rows = rest(records, text.as_bytes())?;
    Ok((format, read(format, &header, &rows)))
}

/// The layout `bytes` is in, found as [`parse`] finds it; `None` when it
/// is none the app knows (the file needs a [`Mapping`]).
pub fn detect(bytes: &[u8]) -> Result<Option<Format>, InvalidInput> {
    let text = encoding::decode(bytes);
    let mut reader = csv_reader(text.as_bytes());
    Ok(find_header(&mut reader.records(), None)?.map(|(f, _)| f))
}

/// Every layout is read the same way: no header of its own (one is found
/// past any preamble), rows of any length (a bad row is that row's error).
fn csv_reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes)
}

/// Reads up to the header: Coinbase puts a few lines before its own, so it
/// is the first line whose columns name a known layout (`want`, when given).
fn find_header(
    records: &mut csv::StringRecordsIter<&[u8]>,
    want: Option<Format>,
) -> Result<Option<(Format, Header)>, InvalidInput> {
    for record in records {
        let record = record.map_err(|e| InvalidInput(format!("not a CSV file: {e}")))?;
        let h = Header::new(&record);
        let found = Format::of_header(&h);
        if let Some(f) = found.filter(|f| want.is_none_or(|want| f.answers(want))) {
            return Ok(Some((f, h)));
        }
        if want == Some(Format::Generic) && found.is_none() && h.names.iter().any(|n| !n.is_empty())
        {
            return Err(InvalidInput(format!(
                "the first line is not the generic format's header (time,type,coin,quantity,price,currency,fee,fee_currency,note): {}",
                h.names.join(",")
            )));
        }
    }
    Ok(None)
}

/// The records after the header, without blank lines, with their line
/// in `text` (what the records are read from).
fn rest(
    records: csv::StringRecordsIter<&[u8]>,
    text: &[u8],
) -> Result<Vec<(u64, csv::StringRecord)>, InvalidInput> {
    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(|e| InvalidInput(format!("the file stops being CSV: {e}")))?;
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let line = record.position().map_or(0, |p| line_of(p, text));
        rows.push((line, record));
    }
    Ok(rows)
}

/// The line a record starts on. The reader's position is where it began
/// reading it: just after the record before, so any blank lines between
/// them (which it passes over) are counted here.
fn line_of(p: &csv::Position, text: &[u8]) -> u64 {
    let start = usize::try_from(p.byte()).unwrap_or(usize::MAX);
    let blank = text
        .get(start..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| matches!(b, b'\n' | b'\r'))
        .filter(|b| **b == b'\n')
        .count();
    p.line() + blank as u64
}

/// Reads `rows` (after `header`) in `format`.
fn read(format: Format, header: &Header, rows: &[(u64, csv::StringRecord)]) -> Parsed {
    let mut parsed = Parsed::default();
    let mut fingerprints = Fingerprints::new(format.as_str());
    match format {
        Format::Generic | Format::Mapped => {
            for (line, record) in rows {
                let row = Row::new(*line, header, record);
                match generic::read(&row, fingerprints.key(record)) {
                    Ok(d) => parsed.drafts.extend(d),
                    Err(e) => parsed.errors.push(e),
                }
            }
        }
        Format::Coinbase => coinbase::read(header, rows, &mut parsed),
        Format::Binance => binance::read(header, rows, &mut fingerprints, &mut parsed),
        Format::BinanceStatement => statement::read(header, rows, &mut fingerprints, &mut parsed),
        Format::Kraken => kraken::ledgers(header, rows, &mut parsed),
        Format::KrakenTrades => kraken::trades(header, rows, &mut parsed),
    }
    // Grouped rows (a trade's legs) come out after single ones: the
    // preview lists them as the file does.
    parsed.drafts.sort_by_key(|d| d.line);
    parsed.skipped.sort_by_key(|s| s.line);
    parsed.errors.sort_by_key(|e| e.line);
    parsed
}

#[cfg(test)]
mod tests;
