//! A CSV of no known layout, read through a [`Mapping`] of its columns
//! onto the generic format's fields: guessed from usual column names,
//! corrected by a person, saved as a named profile.

use std::collections::HashMap;

use serde::Serialize;

use super::row::Header;
use super::{Format, Parsed, csv_reader, detect, encoding, read, rest};
use crate::model::InvalidInput;

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
    let text = encoding::decode(bytes);
    let mut reader = csv_reader(text.as_bytes());
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
    let text = encoding::decode(bytes);
    let mut reader = csv_reader(text.as_bytes());
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
    let rows = rest(records, text.as_bytes())?;
    Ok(read(Format::Mapped, &header, &rows))
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
