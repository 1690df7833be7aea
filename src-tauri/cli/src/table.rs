//! The quote table shared by `prices` and `watch`: which columns, their
//! alignment, and the cells of each row.

use chrono::Utc;
use coinlytics_engine::model::Quote;

use coinlytics_engine::format;

/// Whether a cell shows a rise, a fall, or neither (for colouring).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    Up,
    Down,
    Flat,
}

pub struct Cell {
    pub text: String,
    pub trend: Trend,
}

const HEADERS: [&str; 8] = [
    "#",
    "COIN",
    "PRICE",
    "1H",
    "24H",
    "7D",
    "MARKET CAP",
    "VOLUME 24H",
];
/// Columns aligned left; the rest are numbers, aligned right.
const LEFT: [bool; 9] = [false, true, false, false, false, false, false, false, false];

pub struct Table {
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
    widths: Vec<usize>,
}

fn trend(p: Option<f64>) -> Trend {
    match p {
        Some(p) if p > 0.0 => Trend::Up,
        Some(p) if p < 0.0 => Trend::Down,
        _ => Trend::Flat,
    }
}

fn plain(text: String) -> Cell {
    Cell {
        text,
        trend: Trend::Flat,
    }
}

impl Table {
    /// Rows for `quotes`; with `stale`, an AGE column says how old each is.
    pub fn new(quotes: &[Quote], stale: bool) -> Table {
        let now = Utc::now();
        let mut headers = HEADERS.to_vec();
        if stale {
            headers.push("AGE");
        }
        let rows: Vec<Vec<Cell>> = quotes
            .iter()
            .map(|q| {
                let cur = &q.currency;
                let mut row = vec![
                    plain(q.market_cap_rank.map_or("—".into(), |r| r.to_string())),
                    // The source's text: made printable before it is measured.
                    plain(
                        format::printable(&format!("{} {}", q.symbol.to_ascii_uppercase(), q.name))
                            .into_owned(),
                    ),
                    plain(format::price(q.price, cur)),
                    Cell {
                        text: format::pct(q.change_1h_pct),
                        trend: trend(q.change_1h_pct),
                    },
                    Cell {
                        text: format::pct(q.change_24h_pct),
                        trend: trend(q.change_24h_pct),
                    },
                    Cell {
                        text: format::pct(q.change_7d_pct),
                        trend: trend(q.change_7d_pct),
                    },
                    plain(format::compact(q.market_cap, cur)),
                    plain(format::compact(q.volume_24h, cur)),
                ];
                if stale {
                    row.push(plain(format!(
                        "{} old",
                        format::age((now - q.fetched_at).num_seconds())
                    )));
                }
                row
            })
            .collect();
        let widths = (0..headers.len())
            .map(|i| {
                rows.iter()
                    .map(|r| r[i].text.chars().count())
                    .chain([headers[i].len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        Table {
            headers,
            rows,
            widths,
        }
    }

    /// `text` padded to column `i`'s width and alignment.
    pub fn pad(&self, i: usize, text: &str) -> String {
        let w = self.widths[i];
        if LEFT[i] {
            format!("{text:<w$}")
        } else {
            format!("{text:>w$}")
        }
    }

    pub fn header_line(&self) -> String {
        let cells: Vec<String> = self
            .headers
            .iter()
            .enumerate()
            .map(|(i, h)| self.pad(i, h))
            .collect();
        cells.join("  ")
    }

    /// Plain text lines (no colour), header first.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![self.header_line()];
        for row in &self.rows {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(i, c)| self.pad(i, &c.text))
                .collect();
            out.push(cells.join("  ").trim_end().to_string());
        }
        out
    }
}
