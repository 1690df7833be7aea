//! The ledger check: no sale, fee or transfer takes more of a coin than
//! its portfolio holds then. Every path that writes a transaction (add,
//! edit, remove, import) replays the transactions as they would be after
//! it through [`check`] before anything is written; the holdings and a
//! what-if read the same replay through [`replay`].

use std::collections::HashMap;

use chrono::DateTime;

use super::basis::{Book, Shortfall};
use super::valuation::{self, Prices, ValueUnknown};
use super::{Method, Portfolio, Tx, TxKind};

/// The ids a change's transactions carry until the store numbers them:
/// above every stored one.
pub const PLANNED_ID: i64 = i64::MAX - 1;

/// Transactions replayed: every portfolio's lots, and the coins the
/// book's entries index.
#[derive(Debug)]
pub struct Ledger {
    pub book: Book,
    pub coins: Vec<String>,
    /// The transactions whose value is not known (kept, their quantities
    /// counted): the costs and gains they touch are incomplete.
    pub unknown: Vec<ValueUnknown>,
}

/// Why a ledger cannot be replayed: a transaction takes more than is
/// held. Its id, and "Ledger sells 0.8 bitcoin on 2024-01-02 but holds
/// 0.5 then: 0.3 short".
#[derive(Debug, Clone, PartialEq)]
pub struct Refused {
    pub tx: i64,
    pub why: String,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.why)
    }
}

/// Transactions in the order they are replayed: by time, then as recorded
/// (a transfer's sending leg is recorded before its receiving one).
pub fn sort(txs: &mut [Tx]) {
    txs.sort_by_key(|t| (t.time, t.id));
}

/// Each portfolio's method.
pub fn methods(portfolios: &[Portfolio]) -> HashMap<i64, Method> {
    portfolios.iter().map(|p| (p.id, p.method)).collect()
}

/// Replays `txs` (any order) valued in `reporting`, each portfolio by
/// its method in `methods` (others, e.g. one not yet created: `default`).
pub fn replay<P: Prices + ?Sized>(
    prices: &P,
    txs: &mut [Tx],
    reporting: &str,
    methods: HashMap<i64, Method>,
    default: Method,
) -> rusqlite::Result<Result<Ledger, Refused>> {
    Ok(replay_valued(prices, txs, reporting, methods, default)?.map(|(l, _)| l))
}

/// [`replay`], and the valued entries it replayed (what a report of
/// income reads); kept only by a caller that needs them, as the tray's
/// total keeps its ledger.
pub fn replay_valued<P: Prices + ?Sized>(
    prices: &P,
    txs: &mut [Tx],
    reporting: &str,
    methods: HashMap<i64, Method>,
    default: Method,
) -> rusqlite::Result<Result<(Ledger, Vec<super::basis::Entry>), Refused>> {
    sort(txs);
    let valued = valuation::value(prices, txs, reporting)?;
    Ok(match Book::replay(&valued.entries, methods, default) {
        Ok(book) => Ok((
            Ledger {
                book,
                coins: valued.coins,
                unknown: valued.unknown,
            },
            valued.entries,
        )),
        Err(s) => Err(Refused {
            tx: s.tx,
            why: shortfall(&s, txs, &valued.coins),
        }),
    })
}

/// The check before a write: `txs`, the transactions as they would be
/// after it, replayed by each portfolio's method; a refusal names the
/// first transaction left short.
pub fn check<P: Prices + ?Sized>(
    prices: &P,
    txs: &mut [Tx],
    portfolios: &[Portfolio],
    reporting: &str,
) -> rusqlite::Result<Result<Ledger, Refused>> {
    replay(
        prices,
        txs,
        reporting,
        methods(portfolios),
        Method::default(),
    )
}

/// The receiving leg of a transfer `out` into portfolio `to` (its id,
/// where known): the same coins at the same time, no fee.
pub fn transfer_leg(out: &Tx, to: &str, to_id: i64) -> Tx {
    Tx {
        kind: TxKind::TransferIn,
        portfolio: to.to_string(),
        portfolio_id: to_id,
        fee: None,
        fee_currency: None,
        ..out.clone()
    }
}

/// `tx` as planned: numbered [`PLANNED_ID`], in the stored portfolio of
/// its name (any case) or, for a new one, under an id no portfolio has;
/// a transfer `to` another portfolio comes with its receiving leg.
pub fn planned(tx: &Tx, to: Option<&str>, portfolios: &[Portfolio]) -> Vec<Tx> {
    let id_of = |n: &str| {
        portfolios
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(n))
            .map(|p| p.id)
    };
    let mut out = tx.clone();
    out.id = PLANNED_ID;
    out.portfolio_id = id_of(&tx.portfolio).unwrap_or(-1);
    let Some(to) = to else { return vec![out] };
    out.transfer = Some(PLANNED_ID);
    let mut leg = transfer_leg(&out, to, id_of(to).unwrap_or(-2));
    leg.id = PLANNED_ID + 1;
    vec![out, leg]
}

/// "Ledger sells 0.8 bitcoin on 2024-01-02 but holds 0.5 then: 0.3 short".
fn shortfall(s: &Shortfall, txs: &[Tx], coins: &[String]) -> String {
    let tx = txs.iter().find(|t| t.id == s.tx);
    let portfolio = tx.map_or("the portfolio", |t| t.portfolio.as_str());
    let what = tx.map_or("takes", |t| match t.kind {
        TxKind::Sell => "sells",
        TxKind::TransferOut => "transfers out",
        _ => "spends",
    });
    let coin = &coins[s.coin as usize];
    let day = DateTime::from_timestamp(s.time, 0)
        .unwrap_or_default()
        .date_naive();
    format!(
        "{portfolio} {what} {} {coin} on {day} but holds {} then: {} short",
        s.wanted.normalize(),
        s.held.normalize(),
        s.missing().normalize()
    )
}

#[cfg(test)]
mod tests;
