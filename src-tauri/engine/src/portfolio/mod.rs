//! The local portfolio: transactions in portfolios, their cost basis and
//! profit and loss. Nothing here leaves the machine.

pub mod basis;
pub mod import;

pub use crate::model::portfolio::{FIAT, Method, Portfolio, Tx, TxKind, is_fiat};
