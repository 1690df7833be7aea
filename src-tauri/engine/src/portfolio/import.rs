//! Reading transaction files: the generic format (README.md documents it),
//! and the exports of Coinbase (its 2024 transaction history), Kraken
//! (ledgers) and Binance (spot trade history), from their documented
//! columns. Pure: rows become [`Draft`]s or [`RowError`]s; coins are still
//! the file's symbols, resolved by the application layer.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use super::{TxKind, is_fiat};
use crate::model::{InvalidInput, amount};

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
    Kraken,
    Binance,
    /// Any other file, read through a [`Mapping`] of its columns.
    Mapped,
}

impl Format {
    pub const ALL: [Format; 4] = [
        Format::Generic,
        Format::Coinbase,
        Format::Kraken,
        Format::Binance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Generic => "generic",
            Format::Coinbase => "coinbase",
            Format::Kraken => "kraken",
            Format::Binance => "binance",
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
        } else if h.has("date(utc)") && (h.has("pair") || h.has("market")) {
            Some(Format::Binance)
        } else if h.has("time") && h.has("type") && h.has("coin") && h.has("quantity") {
            Some(Format::Generic)
        } else {
            None
        }
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

/// Stablecoins a trade may be priced in, taken at one US dollar.
const USD_STABLECOINS: &[&str] = &["usdt", "usdc", "busd", "fdusd", "tusd", "dai", "usdp"];

/// The header's columns, by lower-case name.
struct Header {
    index: HashMap<String, usize>,
    names: Vec<String>,
}

impl Header {
    fn new(record: &csv::StringRecord) -> Header {
        let names: Vec<String> = record
            .iter()
            .map(|s| s.trim().trim_start_matches('\u{feff}').to_string())
            .collect();
        let index = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.to_ascii_lowercase(), i))
            .collect();
        Header { index, names }
    }

    fn has(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }
}

/// One record and where it is, with its fields by column name.
struct Row<'a> {
    line: u64,
    header: &'a Header,
    record: &'a csv::StringRecord,
}

impl<'a> Row<'a> {
    /// The column's text, trimmed ("" when the column is absent or empty).
    fn get(&self, name: &str) -> &'a str {
        self.header
            .index
            .get(name)
            .and_then(|i| self.record.get(*i))
            .map_or("", str::trim)
    }

    /// The column as the file names it, for messages.
    fn column(&self, name: &str) -> String {
        self.header
            .index
            .get(name)
            .map_or(name.to_string(), |i| self.header.names[*i].clone())
    }

    fn has(&self, name: &str) -> bool {
        self.header.has(name)
    }

    fn err(&self, name: &str, reason: impl Into<String>) -> RowError {
        RowError {
            line: self.line,
            column: self.column(name),
            reason: reason.into(),
        }
    }

    fn required(&self, name: &str) -> Result<&str, RowError> {
        match self.get(name) {
            "" => Err(self.err(name, "is empty")),
            v => Ok(v),
        }
    }

    fn decimal(&self, name: &str) -> Result<Decimal, RowError> {
        let v = self.required(name)?;
        number(v).ok_or_else(|| self.err(name, format!("'{v}' is not a number")))
    }

    fn opt_decimal(&self, name: &str) -> Result<Option<Decimal>, RowError> {
        match self.get(name) {
            "" => Ok(None),
            v => number(v)
                .map(Some)
                .ok_or_else(|| self.err(name, format!("'{v}' is not a number"))),
        }
    }

    fn time(&self, name: &str) -> Result<DateTime<Utc>, RowError> {
        let v = self.required(name)?;
        time(v).ok_or_else(|| self.err(name, format!("'{v}' is not a date and time")))
    }
}

/// A number as exports write it: `1234.5`, `$1,234.50`, `-€0.10`,
/// `1.5 €`, `1e-8`. The currency sign (and spaces beside it) is an export's
/// own; what is left is read by the one grammar of amounts
/// ([`crate::model::amount`]).
pub fn number(s: &str) -> Option<Decimal> {
    const CURRENCY: [char; 4] = ['$', '€', '£', '¥'];
    let t = s.trim();
    let (sign, t) = match t.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", t.strip_prefix('+').unwrap_or(t)),
    };
    let t = t
        .trim_start_matches(CURRENCY)
        .trim_end_matches(CURRENCY)
        .trim();
    // `$-5` as well as `-$5`, never both.
    let (sign, t) = match t.strip_prefix('-') {
        Some(rest) if sign.is_empty() => ("-", rest),
        _ => (sign, t),
    };
    amount::parse(&format!("{sign}{t}")).ok()
}

/// RFC 3339, `2024-01-05 12:00:00 UTC`, `2024-01-05 12:00:00` (UTC) or a day.
fn time(s: &str) -> Option<DateTime<Utc>> {
    let t = s.trim().trim_end_matches(" UTC").trim_end_matches('Z');
    if let Ok(dt) = DateTime::parse_from_rfc3339(s.trim()) {
        return Some(dt.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, f) {
            return Some(dt.and_utc());
        }
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

/// Reads `bytes` in `format` (found from the header when `None`).
pub fn parse(bytes: &[u8], format: Option<Format>) -> Result<(Format, Parsed), InvalidInput> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.records();
    let Some((format, header)) = find_header(&mut records, format)? else {
        return Err(InvalidInput(match format {
            Some(f) => format!("no {} header found in the file", f.as_str()),
            None => "no known header found: the file is not a Coinbase, Kraken or Binance export, nor the generic format (time,type,coin,quantity,…)".into(),
        }));
    };
    let rows = rest(records)?;
    Ok((format, read(format, &header, &rows)))
}

/// The layout `bytes` is in, found as [`parse`] finds it; `None` when it
/// is none the app knows (the file needs a [`Mapping`]).
pub fn detect(bytes: &[u8]) -> Result<Option<Format>, InvalidInput> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    Ok(find_header(&mut reader.records(), None)?.map(|(f, _)| f))
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
        if let Some(f) = found.filter(|f| want.is_none_or(|want| want == *f)) {
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

/// The records after the header, without blank lines, with their line.
fn rest(
    records: csv::StringRecordsIter<&[u8]>,
) -> Result<Vec<(u64, csv::StringRecord)>, InvalidInput> {
    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(|e| InvalidInput(format!("the file stops being CSV: {e}")))?;
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let line = record.position().map_or(0, |p| p.line());
        rows.push((line, record));
    }
    Ok(rows)
}

/// Reads `rows` (after `header`) in `format`.
fn read(format: Format, header: &Header, rows: &[(u64, csv::StringRecord)]) -> Parsed {
    let mut parsed = Parsed::default();
    let mut seen: HashMap<String, u32> = HashMap::new();
    // Rows with no id of their own are told apart by their text and how
    // often the same text came before, so two identical trades both count.
    let mut fingerprint = |record: &csv::StringRecord| {
        let text = record
            .iter()
            .map(str::trim)
            .collect::<Vec<_>>()
            .join("\u{1f}");
        let n = seen.entry(text.clone()).or_insert(0);
        *n += 1;
        format!("{}|{text}#{n}", format.as_str())
    };
    match format {
        Format::Generic | Format::Mapped => {
            for (line, record) in rows {
                let row = Row {
                    line: *line,
                    header,
                    record,
                };
                match generic(&row, fingerprint(record)) {
                    Ok(d) => parsed.drafts.push(d),
                    Err(e) => parsed.errors.push(e),
                }
            }
        }
        Format::Coinbase => {
            for (line, record) in rows {
                let row = Row {
                    line: *line,
                    header,
                    record,
                };
                coinbase(&row, &mut parsed);
            }
        }
        Format::Binance => {
            for (line, record) in rows {
                let row = Row {
                    line: *line,
                    header,
                    record,
                };
                match binance(&row, fingerprint(record)) {
                    Ok(d) => parsed.drafts.push(d),
                    Err(e) => parsed.errors.push(e),
                }
            }
        }
        Format::Kraken => kraken(rows, header, &mut parsed),
    }
    parsed
}

/// Which of a file's columns holds each field of the generic format: for a
/// CSV of no known layout. Saved as a named profile and used again.
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
pub struct Mapping {
    pub time: Option<String>,
    #[serde(rename = "type")]
    #[ts(rename = "type")]
    pub kind: Option<String>,
    pub coin: Option<String>,
    pub quantity: Option<String>,
    pub price: Option<String>,
    pub currency: Option<String>,
    pub fee: Option<String>,
    pub fee_currency: Option<String>,
    pub note: Option<String>,
}

/// The longest column name a mapping may hold.
pub const MAX_COLUMN_CHARS: usize = 1024;

/// The fields a [`Mapping`] fills, in the generic format's order: each
/// one's name (as in the mapping's JSON), its label, and whether every
/// file must have it.
pub const FIELDS: [(&str, &str, bool); 9] = [
    ("time", "Time", true),
    ("type", "Type", true),
    ("coin", "Coin", true),
    ("quantity", "Quantity", true),
    ("price", "Price", false),
    ("currency", "Currency", false),
    ("fee", "Fee", false),
    ("fee_currency", "Fee currency", false),
    ("note", "Note", false),
];

/// Column names that usually hold each field, most telling first.
const SYNONYMS: [(&str, &[&str]); 9] = [
    (
        "time",
        &[
            "time",
            "timestamp",
            "date(utc)",
            "date",
            "datetime",
            "created at",
            "executed at",
        ],
    ),
    (
        "type",
        &[
            "type",
            "side",
            "transaction type",
            "action",
            "operation",
            "kind",
        ],
    ),
    (
        "coin",
        &[
            "coin",
            "asset",
            "symbol",
            "ticker",
            "cryptocurrency",
            "crypto",
            "currency code",
        ],
    ),
    (
        "quantity",
        &[
            "quantity", "amount", "qty", "units", "size", "volume", "executed",
        ],
    ),
    (
        "price",
        &[
            "price",
            "unit price",
            "rate",
            "price per coin",
            "spot price",
        ],
    ),
    (
        "currency",
        &[
            "currency",
            "quote currency",
            "price currency",
            "fiat",
            "quote",
        ],
    ),
    ("fee", &["fee", "fees", "commission"]),
    (
        "fee_currency",
        &["fee currency", "fee coin", "fee asset", "commission asset"],
    ),
    ("note", &["note", "notes", "description", "comment", "memo"]),
];

impl Mapping {
    fn get(&self, field: &str) -> Option<&str> {
        match field {
            "time" => self.time.as_deref(),
            "type" => self.kind.as_deref(),
            "coin" => self.coin.as_deref(),
            "quantity" => self.quantity.as_deref(),
            "price" => self.price.as_deref(),
            "currency" => self.currency.as_deref(),
            "fee" => self.fee.as_deref(),
            "fee_currency" => self.fee_currency.as_deref(),
            _ => self.note.as_deref(),
        }
    }

    fn set(&mut self, field: &str, column: String) {
        let slot = match field {
            "time" => &mut self.time,
            "type" => &mut self.kind,
            "coin" => &mut self.coin,
            "quantity" => &mut self.quantity,
            "price" => &mut self.price,
            "currency" => &mut self.currency,
            "fee" => &mut self.fee,
            "fee_currency" => &mut self.fee_currency,
            _ => &mut self.note,
        };
        *slot = Some(column);
    }

    /// The columns it names.
    /// Refused when a column name is longer than [`MAX_COLUMN_CHARS`]: a
    /// mapping is stored with its profile.
    pub fn check(&self) -> Result<(), InvalidInput> {
        match self
            .columns()
            .find(|c| c.chars().count() > MAX_COLUMN_CHARS)
        {
            Some(long) => {
                let start: String = long.chars().take(20).collect();
                Err(InvalidInput(format!(
                    "the column '{start}…' is longer than {MAX_COLUMN_CHARS} characters"
                )))
            }
            None => Ok(()),
        }
    }

    pub fn columns(&self) -> impl Iterator<Item = &str> {
        FIELDS.into_iter().filter_map(|(f, _, _)| self.get(f))
    }

    /// The required [`FIELDS`] it names no column for.
    pub fn missing(&self) -> Vec<&'static str> {
        FIELDS
            .into_iter()
            .filter(|(f, _, required)| *required && self.get(f).is_none())
            .map(|(f, _, _)| f)
            .collect()
    }
}

/// The first line's columns and a guess of which holds each field (an
/// exact name first, then a name containing a usual one); each column is
/// used once.
pub fn guess(bytes: &[u8]) -> Result<(Vec<String>, Mapping), InvalidInput> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let columns: Vec<String> = match reader.records().next() {
        Some(Ok(r)) => Header::new(&r).names,
        Some(Err(e)) => return Err(InvalidInput(format!("not a CSV file: {e}"))),
        None => return Err(InvalidInput("the file is empty".into())),
    };
    let mut mapping = Mapping::default();
    let mut used = vec![false; columns.len()];
    for exact in [true, false] {
        for (field, names) in SYNONYMS {
            if mapping.get(field).is_some() {
                continue;
            }
            let lower: Vec<String> = columns.iter().map(|c| c.to_ascii_lowercase()).collect();
            let found = names.iter().find_map(|n| {
                (0..columns.len()).find(|&i| {
                    !used[i]
                        && if exact {
                            lower[i] == *n
                        } else {
                            lower[i].contains(n)
                        }
                })
            });
            if let Some(i) = found {
                used[i] = true;
                mapping.set(field, columns[i].clone());
            }
        }
    }
    Ok((columns, mapping))
}

/// Reads `bytes`, whose first line names its columns, through `mapping`.
pub fn parse_mapped(bytes: &[u8], mapping: &Mapping) -> Result<Parsed, InvalidInput> {
    let missing = mapping.missing();
    if !missing.is_empty() {
        return Err(InvalidInput(format!(
            "the mapping names no column for {}",
            missing.join(", ")
        )));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.records();
    let first = match records.next() {
        Some(Ok(r)) => r,
        Some(Err(e)) => return Err(InvalidInput(format!("not a CSV file: {e}"))),
        None => return Err(InvalidInput("the file is empty".into())),
    };
    let file = Header::new(&first);
    // The generic format's names, pointing at the file's columns (and
    // named as the file names them in messages).
    let mut index = HashMap::new();
    for (field, _) in SYNONYMS {
        let Some(column) = mapping.get(field) else {
            continue;
        };
        let Some(&i) = file.index.get(&column.to_ascii_lowercase()) else {
            return Err(InvalidInput(format!(
                "the file has no column '{column}' (mapped to {field})"
            )));
        };
        index.insert(field.to_string(), i);
    }
    let header = Header {
        index,
        names: file.names,
    };
    let rows = rest(records)?;
    Ok(read(Format::Mapped, &header, &rows))
}

/// A type as files write it: the generic names, and `Bought`, `SELL`,
/// `Deposit`, `Withdrawal`, `Staking reward`…
fn kind_of(s: &str) -> Option<TxKind> {
    if let Some(k) = TxKind::parse(s) {
        return Some(k);
    }
    let s = s.trim().to_ascii_lowercase();
    Some(match s.as_str() {
        "bought" | "purchase" | "buy order" | "market buy" | "limit buy" => TxKind::Buy,
        "sold" | "sale" | "sell order" | "market sell" | "limit sell" => TxKind::Sell,
        "deposit" | "receive" | "received" | "transfer in" => TxKind::TransferIn,
        "withdrawal" | "withdraw" | "send" | "sent" | "transfer out" => TxKind::TransferOut,
        "network fee" | "gas" => TxKind::Fee,
        _ if [
            "reward", "staking", "interest", "airdrop", "income", "mining",
        ]
        .iter()
        .any(|w| s.contains(w)) =>
        {
            TxKind::Income
        }
        _ => return None,
    })
}

fn generic(row: &Row, key: String) -> Result<Draft, RowError> {
    let kind_text = row.required("type")?;
    let kind = kind_of(kind_text).ok_or_else(|| {
        row.err(
            "type",
            format!("'{kind_text}' is not buy, sell, transfer_in, transfer_out, fee or income"),
        )
    })?;
    let quantity = row.decimal("quantity")?;
    if quantity <= Decimal::ZERO {
        return Err(row.err("quantity", "must be above 0"));
    }
    let price = row.opt_decimal("price")?;
    if kind.needs_price() && price.is_none() {
        return Err(row.err("price", format!("a {} needs a price", kind.as_str())));
    }
    let opt = |name: &str| Some(row.get(name).to_ascii_lowercase()).filter(|s| !s.is_empty());
    Ok(Draft {
        line: row.line,
        time: row.time("time")?,
        kind,
        asset: row.required("coin")?.to_ascii_lowercase(),
        quantity,
        price,
        currency: opt("currency"),
        fee: row.opt_decimal("fee")?,
        fee_currency: opt("fee_currency"),
        note: Some(row.get("note").to_string()).filter(|s| !s.is_empty()),
        key,
    })
}

/// Coinbase's 2024 transaction history: one row per transaction, its own
/// ID, amounts like `$1,234.00`, a sale's quantity negative.
fn coinbase(row: &Row, parsed: &mut Parsed) {
    let result = (|| -> Result<Vec<Draft>, RowError> {
        let id = row.get("id");
        let kind_text = row.required("transaction type")?;
        let asset = row.required("asset")?.to_ascii_lowercase();
        let time = row.time("timestamp")?;
        let quantity = row.decimal("quantity transacted")?.abs();
        let currency = row.get("price currency").to_ascii_lowercase();
        let currency = if currency.is_empty() {
            row.get("spot price currency").to_ascii_lowercase()
        } else {
            currency
        };
        let price_col = if row.has("price at transaction") {
            "price at transaction"
        } else {
            "spot price at transaction"
        };
        let price = row.opt_decimal(price_col)?.map(|d| d.abs());
        let fee = row
            .opt_decimal("fees and/or spread")?
            .map(|d| d.abs())
            .filter(|f| !f.is_zero());
        let note = Some(row.get("notes").to_string()).filter(|s| !s.is_empty());
        let key = |suffix: &str| {
            if id.is_empty() {
                format!("coinbase|{}|{}", row.line, suffix)
            } else {
                format!("coinbase|{id}{suffix}")
            }
        };
        if is_fiat(&asset) {
            return Ok(Vec::new());
        }
        let kind = match kind_text.to_ascii_lowercase().as_str() {
            "buy" | "advanced trade buy" | "advance trade buy" => TxKind::Buy,
            "sell" | "advanced trade sell" | "advance trade sell" => TxKind::Sell,
            "send" | "withdrawal" => TxKind::TransferOut,
            "receive" | "deposit" => TxKind::TransferIn,
            "rewards income" | "staking income" | "learning reward" | "inflation reward"
            | "coinbase earn" | "reward income" | "interest" => TxKind::Income,
            "convert" => {
                return convert(row, time, asset, quantity, currency, price, fee, note, &key);
            }
            "retail staking transfer" | "retail unstaking transfer" | "retail eth2 deprecation" => {
                return Ok(Vec::new());
            }
            other => {
                return Err(row.err(
                    "transaction type",
                    format!("'{other}' is not a transaction type Coinbase documents"),
                ));
            }
        };
        if kind.needs_price() && price.is_none() {
            return Err(row.err(price_col, "is empty"));
        }
        if !currency.is_empty() && !is_fiat(&currency) {
            return Err(row.err(
                "price currency",
                format!("'{currency}' is not a fiat currency"),
            ));
        }
        Ok(vec![Draft {
            line: row.line,
            time,
            kind,
            asset,
            quantity,
            price: price.filter(|_| kind != TxKind::TransferOut),
            currency: Some(currency.clone()).filter(|c| !c.is_empty()),
            fee,
            fee_currency: fee.map(|_| currency),
            note,
            key: key(""),
        }])
    })();
    match result {
        Ok(drafts) if drafts.is_empty() => parsed.skipped.push(Skipped {
            line: row.line,
            reason: "cash or an internal move".into(),
        }),
        Ok(drafts) => parsed.drafts.extend(drafts),
        Err(e) => parsed.errors.push(e),
    }
}

/// "Converted 0.5 ETH to 0.0262 BTC": a sale of the one at the row's price
/// and a buy of the other for the same value.
#[allow(clippy::too_many_arguments)]
fn convert(
    row: &Row,
    time: DateTime<Utc>,
    asset: String,
    quantity: Decimal,
    currency: String,
    price: Option<Decimal>,
    fee: Option<Decimal>,
    note: Option<String>,
    key: &dyn Fn(&str) -> String,
) -> Result<Vec<Draft>, RowError> {
    let text = note.clone().unwrap_or_default();
    let words: Vec<&str> = text.split_whitespace().collect();
    let to = words.iter().position(|w| w.eq_ignore_ascii_case("to"));
    let (Some(to), Some(price)) = (to, price) else {
        return Err(row.err(
            "notes",
            "a Convert needs 'Converted … to <quantity> <asset>' and a price",
        ));
    };
    let (Some(q2), Some(a2)) = (words.get(to + 1).and_then(|q| number(q)), words.get(to + 2))
    else {
        return Err(row.err(
            "notes",
            format!("'{text}' does not say what it was converted to"),
        ));
    };
    if q2 <= Decimal::ZERO {
        return Err(row.err("notes", "converted to nothing"));
    }
    let value = quantity * price;
    let sell = Draft {
        line: row.line,
        time,
        kind: TxKind::Sell,
        asset,
        quantity,
        price: Some(price),
        currency: Some(currency.clone()),
        fee,
        fee_currency: fee.map(|_| currency.clone()),
        note: note.clone(),
        key: key("/sell"),
    };
    let buy = Draft {
        line: row.line,
        time,
        kind: TxKind::Buy,
        asset: a2.to_ascii_lowercase(),
        quantity: q2,
        price: Some(value / q2),
        currency: Some(currency),
        fee: None,
        fee_currency: None,
        note,
        key: key("/buy"),
    };
    Ok(vec![sell, buy])
}

/// `0.5BTC` → (0.5, "btc").
fn amount_with_unit(s: &str) -> Option<(Decimal, String)> {
    let split = s.find(|c: char| c.is_ascii_alphabetic())?;
    let (n, unit) = s.split_at(split);
    Some((number(n)?, unit.to_ascii_lowercase()))
}

/// The currency a trade's quote asset counts in: a fiat, or a dollar
/// stablecoin taken at one US dollar.
fn quote_currency(asset: &str) -> Option<String> {
    if is_fiat(asset) {
        Some(asset.to_string())
    } else if USD_STABLECOINS.contains(&asset) {
        Some("usd".into())
    } else {
        None
    }
}

/// Binance's spot trade history: `Date(UTC),Pair,Side,Price,Executed,Amount,Fee`,
/// the last three with their asset after the number (`0.5BTC`).
fn binance(row: &Row, key: String) -> Result<Draft, RowError> {
    let time = row.time("date(utc)")?;
    let side = row.required("side").or_else(|_| row.required("type"))?;
    let kind = match side.to_ascii_lowercase().as_str() {
        "buy" => TxKind::Buy,
        "sell" => TxKind::Sell,
        other => return Err(row.err("side", format!("'{other}' is neither BUY nor SELL"))),
    };
    let executed = row.required("executed")?;
    let (quantity, asset) = amount_with_unit(executed).ok_or_else(|| {
        row.err(
            "executed",
            format!("'{executed}' is not an amount and an asset"),
        )
    })?;
    let amount = row.required("amount")?;
    let (total, quote) = amount_with_unit(amount).ok_or_else(|| {
        row.err(
            "amount",
            format!("'{amount}' is not an amount and an asset"),
        )
    })?;
    let currency = quote_currency(&quote).ok_or_else(|| {
        row.err(
            "amount",
            format!("a trade priced in {} (not a fiat or a dollar stablecoin): record it as a sale and a buy", quote.to_uppercase()),
        )
    })?;
    if quantity <= Decimal::ZERO {
        return Err(row.err("executed", "must be above 0"));
    }
    let (fee, fee_currency) = match row.get("fee") {
        "" => (None, None),
        f => {
            let (n, unit) = amount_with_unit(f)
                .ok_or_else(|| row.err("fee", format!("'{f}' is not an amount and an asset")))?;
            let unit = if unit == quote {
                currency.clone()
            } else {
                unit
            };
            (
                Some(n).filter(|n| !n.is_zero()),
                Some(unit).filter(|_| !n.is_zero()),
            )
        }
    };
    let note = (quote != currency).then(|| format!("{} taken at 1 USD", quote.to_uppercase()));
    Ok(Draft {
        line: row.line,
        time,
        kind,
        asset,
        quantity,
        price: Some(total.abs() / quantity),
        currency: Some(currency),
        fee,
        fee_currency,
        note,
        key,
    })
}

/// A Kraken asset code as a symbol: `XXBT` → `btc`, `ZEUR` → `eur`,
/// `DOT.S` → `dot`.
fn kraken_asset(code: &str) -> String {
    let base = code.split('.').next().unwrap_or(code).to_ascii_uppercase();
    let base = if base.len() == 4 && (base.starts_with('X') || base.starts_with('Z')) {
        base[1..].to_string()
    } else {
        base
    };
    match base.as_str() {
        "XBT" => "btc".into(),
        "XDG" => "doge".into(),
        other => other.to_ascii_lowercase(),
    }
}

/// Kraken's ledgers: one row per asset moved; a trade is two rows sharing
/// a `refid`, the fiat spent or received and the coin.
fn kraken(rows: &[(u64, csv::StringRecord)], header: &Header, parsed: &mut Parsed) {
    let mut trades: Vec<Vec<Row>> = Vec::new();
    let mut by_refid: HashMap<&str, usize> = HashMap::new();
    for (line, record) in rows {
        let row = Row {
            line: *line,
            header,
            record,
        };
        let kind = row.get("type").to_ascii_lowercase();
        match kind.as_str() {
            "trade" | "spend" | "receive" => {
                let refid = row.get("refid");
                match by_refid.get(refid).filter(|_| !refid.is_empty()) {
                    Some(i) => trades[*i].push(row),
                    None => {
                        by_refid.insert(refid, trades.len());
                        trades.push(vec![row]);
                    }
                }
            }
            _ => match kraken_single(&row, &kind) {
                Ok(Some(d)) => parsed.drafts.push(d),
                Ok(None) => parsed.skipped.push(Skipped {
                    line: row.line,
                    reason: format!("{kind} of cash, or between Kraken's wallets"),
                }),
                Err(e) => parsed.errors.push(e),
            },
        }
    }
    for legs in trades {
        match kraken_trade(&legs) {
            Ok(d) => parsed.drafts.push(d),
            Err(e) => parsed.errors.push(e),
        }
    }
    parsed.drafts.sort_by_key(|d| d.line);
}

fn kraken_single(row: &Row, kind: &str) -> Result<Option<Draft>, RowError> {
    let asset = kraken_asset(row.required("asset")?);
    let amount = row.decimal("amount")?;
    let fee = row.opt_decimal("fee")?.filter(|f| !f.is_zero());
    let tx_kind = match kind {
        _ if is_fiat(&asset) => return Ok(None),
        "deposit" => TxKind::TransferIn,
        "withdrawal" => TxKind::TransferOut,
        "staking" | "earn" | "reward" | "dividend" | "airdrop" if amount > Decimal::ZERO => {
            TxKind::Income
        }
        "transfer" | "staking" | "earn" => return Ok(None),
        other => {
            return Err(row.err(
                "type",
                format!("'{other}' is not a ledger type Kraken documents"),
            ));
        }
    };
    Ok(Some(Draft {
        line: row.line,
        time: row.time("time")?,
        kind: tx_kind,
        asset: asset.clone(),
        quantity: amount.abs(),
        price: None,
        currency: None,
        fee,
        fee_currency: fee.map(|_| asset),
        note: None,
        key: format!("kraken|{}", row.required("txid")?),
    }))
}

fn kraken_trade(legs: &[Row]) -> Result<Draft, RowError> {
    let first = &legs[0];
    let (fiat, coin): (Vec<&Row>, Vec<&Row>) = legs
        .iter()
        .partition(|r| is_fiat(&kraken_asset(r.get("asset"))));
    let (Some(fiat), Some(coin), 2) = (fiat.first(), coin.first(), legs.len()) else {
        return Err(first.err(
            "refid",
            "a trade needs one fiat row and one coin row sharing its refid (coin-for-coin trades: record a sale and a buy)",
        ));
    };
    let currency = kraken_asset(fiat.get("asset"));
    let coin_amount = coin.decimal("amount")?;
    let fiat_amount = fiat.decimal("amount")?;
    if coin_amount.is_zero() {
        return Err(coin.err("amount", "is 0"));
    }
    let kind = if coin_amount > Decimal::ZERO {
        TxKind::Buy
    } else {
        TxKind::Sell
    };
    let fiat_fee = fiat.opt_decimal("fee")?.unwrap_or_default();
    let coin_fee = coin.opt_decimal("fee")?.unwrap_or_default();
    let (fee, fee_currency) = if !coin_fee.is_zero() {
        // Rare: Kraken took the fee in the coin.
        (Some(coin_fee), Some(kraken_asset(coin.get("asset"))))
    } else {
        (
            Some(fiat_fee).filter(|f| !f.is_zero()),
            Some(currency.clone()).filter(|_| !fiat_fee.is_zero()),
        )
    };
    let line = legs.iter().map(|r| r.line).min().unwrap_or(first.line);
    Ok(Draft {
        line,
        time: coin.time("time")?,
        kind,
        asset: kraken_asset(coin.get("asset")),
        quantity: coin_amount.abs(),
        price: Some(fiat_amount.abs() / coin_amount.abs()),
        currency: Some(currency),
        fee,
        fee_currency,
        note: None,
        key: format!("kraken|{}", first.get("refid")),
    })
}

/// A file's columns and the app's guess of which holds each field.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct MappingGuess {
    /// The layout the file is in when the app knows it: then it needs no
    /// mapping.
    pub format: Option<Format>,
    /// The first line's columns, in the file's order.
    pub columns: Vec<String>,
    /// The fields a mapping fills, in order.
    pub fields: Vec<MappingField>,
    pub mapping: Mapping,
    /// Required fields no column was found for.
    pub missing: Vec<String>,
}

/// A field of a [`Mapping`], as a form asks for it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct MappingField {
    /// Its key in the mapping: `time`, `type`, `coin`, … `note`.
    pub field: String,
    pub label: String,
    /// Whether every file must have a column for it.
    pub required: bool,
}

/// A file's columns, a guess of which holds each field, and the layout
/// it is in if the app knows it.
pub fn guess_mapping(bytes: &[u8]) -> Result<MappingGuess, InvalidInput> {
    let (columns, mapping) = guess(bytes)?;
    let missing = mapping.missing().into_iter().map(String::from).collect();
    let fields = FIELDS
        .into_iter()
        .map(|(field, label, required)| MappingField {
            field: field.into(),
            label: label.into(),
            required,
        })
        .collect();
    Ok(MappingGuess {
        format: detect(bytes)?,
        columns,
        fields,
        mapping,
        missing,
    })
}

#[cfg(test)]
mod tests;
