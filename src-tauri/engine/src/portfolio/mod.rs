//! The local portfolio: transactions in portfolios, their cost basis and
//! profit and loss. Nothing here leaves the machine.

pub mod basis;
