//! A row of a file: its cells by column name, read as the exports write
//! them (numbers with a currency sign, times with or without a zone), and
//! the errors that name its line and column.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;

use super::RowError;
use super::aliases::Symbol;
use crate::model::amount;

/// The header's columns, by lower-case name.
pub struct Header {
    pub index: HashMap<String, usize>,
    pub names: Vec<String>,
}

impl Header {
    pub fn new(record: &csv::StringRecord) -> Header {
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

    pub fn has(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// The first of `names` the header has: one field under the names
    /// successive layouts gave it.
    pub fn first<'n>(&self, names: &[&'n str]) -> Option<&'n str> {
        names.iter().copied().find(|n| self.has(n))
    }

    /// A column named `<prefix> <suffix>` (Coinbase's `EUR Subtotal`), as
    /// its lower-case name and its prefix.
    pub fn prefixed(&self, suffix: &str) -> Option<(String, String)> {
        let tail = format!(" {suffix}");
        let mut names: Vec<&String> = self.index.keys().collect();
        // The same column whichever order the map holds them in.
        names.sort();
        names.into_iter().find_map(|n| {
            let prefix = n.strip_suffix(&tail)?;
            (!prefix.is_empty() && !prefix.contains(' ')).then(|| (n.clone(), prefix.to_string()))
        })
    }
}

/// One record and where it is, with its fields by column name.
pub struct Row<'a> {
    pub line: u64,
    header: &'a Header,
    record: &'a csv::StringRecord,
}

impl<'a> Row<'a> {
    pub fn new(line: u64, header: &'a Header, record: &'a csv::StringRecord) -> Row<'a> {
        Row {
            line,
            header,
            record,
        }
    }

    /// The column's text, trimmed ("" when the column is absent or empty).
    pub fn get(&self, name: &str) -> &'a str {
        self.header
            .index
            .get(name)
            .and_then(|i| self.record.get(*i))
            .map_or("", str::trim)
    }

    /// The column as the file names it, for messages.
    pub fn column(&self, name: &str) -> String {
        self.header
            .index
            .get(name)
            .map_or(name.to_string(), |i| self.header.names[*i].clone())
    }

    pub fn has(&self, name: &str) -> bool {
        self.header.has(name)
    }

    pub fn err(&self, name: &str, reason: impl Into<String>) -> RowError {
        RowError {
            line: self.line,
            column: self.column(name),
            reason: reason.into(),
        }
    }

    pub fn required(&self, name: &str) -> Result<&'a str, RowError> {
        match self.get(name) {
            "" => Err(self.err(name, "is empty")),
            v => Ok(v),
        }
    }

    pub fn decimal(&self, name: &str) -> Result<Decimal, RowError> {
        let v = self.required(name)?;
        number(v).ok_or_else(|| self.err(name, format!("'{v}' is not a number")))
    }

    pub fn opt_decimal(&self, name: &str) -> Result<Option<Decimal>, RowError> {
        match self.get(name) {
            "" => Ok(None),
            v => number(v)
                .map(Some)
                .ok_or_else(|| self.err(name, format!("'{v}' is not a number"))),
        }
    }

    pub fn time(&self, name: &str) -> Result<DateTime<Utc>, RowError> {
        let v = self.required(name)?;
        time(v).ok_or_else(|| self.err(name, format!("'{v}' is not a date and time")))
    }

    /// The column's symbol, and the coin it names.
    pub fn symbol(&self, name: &str) -> Result<Symbol, RowError> {
        Ok(Symbol::new(self.required(name)?))
    }

    /// Every cell, trimmed, as one text: what tells rows apart when they
    /// have no id.
    pub fn text(&self) -> String {
        text(self.record)
    }
}

fn text(record: &csv::StringRecord) -> String {
    record
        .iter()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

/// Keys for rows with no id of their own: their text and how often the
/// same text came before, so two identical trades both count and the same
/// file read again gives the same keys.
pub struct Fingerprints {
    format: &'static str,
    seen: HashMap<String, u32>,
}

impl Fingerprints {
    pub fn new(format: &'static str) -> Fingerprints {
        Fingerprints {
            format,
            seen: HashMap::new(),
        }
    }

    pub fn key(&mut self, record: &csv::StringRecord) -> String {
        self.of(text(record))
    }

    /// The key of anything told apart by `text`.
    pub fn of(&mut self, text: String) -> String {
        let n = self.seen.entry(text.clone()).or_insert(0);
        *n += 1;
        format!("{}|{text}#{n}", self.format)
    }
}

/// Currency signs exports put beside a number.
const CURRENCY_SIGNS: [char; 14] = [
    '$', '€', '£', '¥', '₹', '₩', '₺', '₽', '₴', '₱', '₦', '₫', '₪', '฿',
];

/// A number as exports write it: `1234.5`, `$1,234.50`, `-€0.10`, `CA$5`,
/// `1.5 €`, `1e-8`. The currency sign (and spaces beside it) is an export's
/// own; what is left is read by the one grammar of amounts
/// ([`crate::model::amount`]).
pub fn number(s: &str) -> Option<Decimal> {
    let t = s.trim();
    let (sign, t) = match t.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", t.strip_prefix('+').unwrap_or(t)),
    };
    let t = without_currency(t);
    // `$-5` as well as `-$5`, never both.
    let (sign, t) = match t.strip_prefix('-') {
        Some(rest) if sign.is_empty() => ("-", rest),
        _ => (sign, t),
    };
    amount::parse(&format!("{sign}{t}")).ok()
}

fn without_currency(t: &str) -> &str {
    let t = t.trim();
    // A dollar may carry its country: `CA$`, `A$`, `US$`, `NZ$`, `R$`.
    let t = match t.find('$') {
        Some(i) if i <= 2 && t[..i].bytes().all(|b| b.is_ascii_uppercase()) => &t[i..],
        _ => t,
    };
    t.trim_start_matches(CURRENCY_SIGNS)
        .trim_end_matches(CURRENCY_SIGNS)
        .trim()
}

/// RFC 3339, `2024-01-05 12:00:00 UTC`, `2024-01-05 12:00:00` (UTC), a
/// day, or Binance's `24-01-05 12:00:00`.
pub fn time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.with_timezone(&Utc));
    }
    let t = s.trim_end_matches(" UTC").trim_end_matches('Z');
    // chrono's `%Y` reads `24` as the year 24: a two-digit year has its own
    // formats.
    let short = t
        .split('-')
        .next()
        .is_some_and(|y| y.len() == 2 && y.bytes().all(|b| b.is_ascii_digit()));
    let (year, day) = if short {
        ("%y", "%y-%m-%d")
    } else {
        ("%Y", "%Y-%m-%d")
    };
    for rest in [" %H:%M:%S%.f", "T%H:%M:%S%.f", " %H:%M"] {
        let f = format!("{year}-%m-%d{rest}");
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, &f) {
            return Some(dt.and_utc());
        }
    }
    NaiveDate::parse_from_str(t, day)
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}
