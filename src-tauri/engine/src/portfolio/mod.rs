//! The local portfolio's domain: transactions in portfolios, their cost
//! basis, value and profit and loss. Nothing here leaves the machine.
//!
//! Each concern is a module: [`valuation`] (transactions in the reporting
//! fiat), [`basis`] (the lots by FIFO, LIFO, HIFO or average cost),
//! [`input`] (what a user types, checked), [`ledger`] (the one check that no transaction takes more than is held),
//! [`holdings`] (positions, their value and totals), [`live`] (the total
//! kept up to date as prices move), [`history`] (the value over time),
//! [`import`] (reading files), [`resolve`] (a file's rows as transactions),
//! [`export`] (CSV) and [`gains`] (a tax year's realized gains). It reads the store's queries and model types; it
//! never calls the application layer (`crate::app`) or `Engine`.

pub mod basis;
pub mod export;
pub mod gains;
pub mod history;
pub mod holdings;
pub mod import;
pub mod input;
pub mod ledger;
pub mod live;
pub mod resolve;
pub mod valuation;

#[cfg(test)]
mod fixture;

use rust_decimal::{Decimal, RoundingStrategy};

pub use crate::model::portfolio::{FIAT, Method, Portfolio, Tx, TxKind, is_fiat};

/// Money as shown and reported: to the cent, half away from zero.
pub fn cents(d: Decimal) -> Decimal {
    let mut c = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    c.rescale(2);
    c
}
