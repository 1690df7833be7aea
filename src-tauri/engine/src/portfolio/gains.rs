//! Realized gains for a tax year: every disposal in the year, line by line
//! per lot as the method took it (date acquired, or "various" from an
//! average-cost pool), its proceeds, cost basis, gain and holding period;
//! totals for short and long; and the year's income (staking, rewards) at
//! its value when received, apart. Exact in the reporting fiat; a report,
//! not tax advice: no country's rules beyond the holding period.

use chrono::{DateTime, Months, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use super::basis::{Action, Entry};
use super::ledger::Ledger;
use super::{Tx, TxKind, cents};

/// Held for more than a year before its disposal: long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Term {
    Short,
    Long,
}

/// One line of the report: one lot (or part of one) a disposal took.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct GainLine {
    /// The coin's id.
    pub coin: String,
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub quantity: Decimal,
    /// When the lot was acquired (unix seconds); `None`: "various", from
    /// an average-cost pool.
    pub acquired: Option<i64>,
    /// When it was disposed of (unix seconds).
    pub disposed: i64,
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub proceeds: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub cost: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub gain: Decimal,
    pub term: Term,
    /// The transaction that disposed of it.
    pub tx: i64,
    /// Its proceeds or its lot's cost is not known (zero stands in).
    pub incomplete: bool,
}

/// Income received in the year, at its value then.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct IncomeLine {
    pub coin: String,
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub quantity: Decimal,
    pub received: i64,
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub value: Decimal,
    pub note: String,
    pub tx: i64,
    /// No source gives its value then (zero stands in).
    pub value_unknown: bool,
}

/// The sums of some lines.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct GainTotals {
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub proceeds: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub cost: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub gain: Decimal,
    /// A line's value is not known: the sums are incomplete.
    pub incomplete: bool,
}

impl GainTotals {
    fn add(&mut self, l: &GainLine) {
        self.proceeds += l.proceeds;
        self.cost += l.cost;
        self.gain += l.gain;
        self.incomplete |= l.incomplete;
    }
}

/// The lines of a year, and their totals, to the cent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Realized {
    pub lines: Vec<GainLine>,
    pub short: GainTotals,
    pub long: GainTotals,
    pub income: Vec<IncomeLine>,
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub income_total: Decimal,
}

/// A year's report as front ends show it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct GainsReport {
    pub year: i32,
    /// The reporting fiat, lower case.
    pub currency: String,
    /// The portfolio reported; `None`: all of them.
    pub portfolio: Option<String>,
    /// The method every portfolio was replayed by; `None`: each its own.
    pub method: Option<super::Method>,
    /// Each coin id's symbol, for the lines' descriptions.
    pub symbols: std::collections::BTreeMap<String, String>,
    #[serde(flatten)]
    pub realized: Realized,
}

/// The report of `year` (local time) for `only` (every portfolio when
/// none), each portfolio by its method or all by `method`, from the store.
pub fn read(
    conn: &rusqlite::Connection,
    year: i32,
    only: Option<&super::Portfolio>,
    method: Option<super::Method>,
    reporting: &str,
) -> rusqlite::Result<Result<GainsReport, super::ledger::Refused>> {
    let mut r = match super::holdings::replayed(conn, reporting, method)? {
        Ok(r) => r,
        Err(refused) => return Ok(Err(refused)),
    };
    if let Some(p) = only {
        r.portfolios.retain(|x| x.id == p.id);
    }
    let ids: Vec<i64> = r.portfolios.iter().map(|p| p.id).collect();
    let realized = realized(&r.ledger, &r.entries, &r.txs, &ids, year_bounds(year));
    let mut symbols = std::collections::BTreeMap::new();
    let coins =
        (realized.lines.iter().map(|l| &l.coin)).chain(realized.income.iter().map(|l| &l.coin));
    for coin in coins {
        if !symbols.contains_key(coin) {
            symbols.insert(coin.clone(), super::holdings::named(conn, coin).1);
        }
    }
    Ok(Ok(GainsReport {
        year,
        currency: reporting.to_string(),
        portfolio: only.map(|p| p.name.clone()),
        method,
        symbols,
        realized,
    }))
}

/// The first second of `year` and of the next, in local time: a tax year
/// is the calendar year where its owner lives.
pub fn year_bounds(year: i32) -> (i64, i64) {
    use chrono::TimeZone;
    let start = |y: i32| {
        chrono::Local
            .with_ymd_and_hms(y, 1, 1, 0, 0, 0)
            .earliest()
            .map_or(0, |t| t.timestamp())
    };
    (start(year), start(year + 1))
}

/// The report as CSV in the columns of IRS Form 8949 (description, date
/// acquired, date sold, proceeds, cost, gain), with the holding period;
/// dates as the form writes them (MM/DD/YYYY, "VARIOUS").
pub fn csv(report: &GainsReport) -> Result<String, super::export::CsvError> {
    let date = |t: i64| {
        DateTime::<Utc>::from_timestamp(t, 0)
            .map(|t| {
                t.with_timezone(&chrono::Local)
                    .format("%m/%d/%Y")
                    .to_string()
            })
            .unwrap_or_default()
    };
    let mut rows = vec![
        [
            "Description of property",
            "Date acquired",
            "Date sold or disposed of",
            "Proceeds",
            "Cost or other basis",
            "Gain or (loss)",
            "Term",
        ]
        .map(String::from),
    ];
    for l in &report.realized.lines {
        let symbol = report
            .symbols
            .get(&l.coin)
            .cloned()
            .unwrap_or_else(|| l.coin.clone());
        rows.push([
            format!("{} {symbol}", l.quantity.normalize()),
            l.acquired.map_or("VARIOUS".to_string(), date),
            date(l.disposed),
            l.proceeds.to_string(),
            l.cost.to_string(),
            l.gain.to_string(),
            match l.term {
                Term::Short => "short".into(),
                Term::Long => "long".into(),
            },
        ]);
    }
    super::export::write_csv(rows)
}

/// Whether a lot acquired at `acquired` and disposed of at `disposed` was
/// held for more than a year (to the same day and time a year on).
pub fn term(acquired: i64, disposed: i64) -> Term {
    let year_on = DateTime::<Utc>::from_timestamp(acquired, 0)
        .and_then(|t| t.checked_add_months(Months::new(12)))
        .map_or(i64::MAX, |t| t.timestamp());
    if disposed > year_on {
        Term::Long
    } else {
        Term::Short
    }
}

/// The disposals and income of `ledger` in the portfolios `ids` from
/// `from` up to `to` (unix seconds, `to` excluded); `entries` and `txs`
/// are what it replayed.
pub fn realized(
    ledger: &Ledger,
    entries: &[Entry],
    txs: &[Tx],
    ids: &[i64],
    (from, to): (i64, i64),
) -> Realized {
    let mut r = Realized::default();
    let in_year = |t: i64| (from..to).contains(&t);
    for d in ledger
        .book
        .disposals
        .iter()
        .filter(|d| ids.contains(&d.portfolio) && in_year(d.time))
    {
        let coin = &ledger.coins[d.coin as usize];
        // Proceeds shared by quantity; the last lot takes what rounding
        // left, so the lines sum to the disposal.
        let mut left = d.proceeds;
        for (i, lot) in d.lots.iter().enumerate() {
            let proceeds = if i + 1 == d.lots.len() {
                left
            } else {
                d.proceeds * lot.quantity / d.quantity
            };
            left -= proceeds;
            let line = GainLine {
                coin: coin.clone(),
                quantity: lot.quantity,
                acquired: (!d.pooled).then_some(lot.acquired),
                disposed: d.time,
                proceeds: cents(proceeds),
                cost: cents(lot.cost),
                gain: cents(proceeds) - cents(lot.cost),
                // A pool's units were bought over time; its oldest
                // unit's date is the one it keeps.
                term: term(lot.acquired, d.time),
                tx: d.tx,
                incomplete: lot.unknown || d.proceeds_unknown,
            };
            match line.term {
                Term::Short => r.short.add(&line),
                Term::Long => r.long.add(&line),
            }
            r.lines.push(line);
        }
    }
    let income: std::collections::HashMap<i64, &Tx> = (txs.iter())
        .filter(|t| t.kind == TxKind::Income)
        .map(|t| (t.id, t))
        .collect();
    for e in entries {
        let Some(tx) = income.get(&e.tx) else {
            continue;
        };
        if !ids.contains(&e.portfolio) || !in_year(e.time) {
            continue;
        }
        if let Action::Acquire { cost } = e.action {
            let value = cents(cost);
            r.income_total += value;
            r.income.push(IncomeLine {
                coin: ledger.coins[e.coin as usize].clone(),
                quantity: e.quantity,
                received: e.time,
                value,
                note: tx.note.clone().unwrap_or_default(),
                tx: tx.id,
                value_unknown: e.unknown,
            });
        }
    }
    r.lines.sort_by_key(|l| (l.disposed, l.tx));
    r
}

#[cfg(test)]
mod tests;
