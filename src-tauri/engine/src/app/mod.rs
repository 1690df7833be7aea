//! The application layer: every action a user can take, once, for every
//! front end. Each is a method of [`Engine`] (or, where no data directory
//! is needed, a function) that takes typed input — [`CoinId`],
//! [`Currency`], [`Key`], [`RuleInput`] — validates it, does the work, and
//! returns a typed result or an [`Error`] whose kind and message are the
//! same whichever front end asked. The window's commands and the CLI's
//! subcommands only parse, call one of these, and render.
//!
//! **API boundary**: the types here and in [`crate::model`] are what front
//! ends see; the store and the services behind [`Engine`] are not.
//!
//! [`CoinId`]: crate::model::CoinId
//! [`Currency`]: crate::model::Currency
//! [`Key`]: crate::config::Key
//! [`RuleInput`]: alerts::RuleInput
//! [`Error`]: crate::Error

pub mod alerts;
pub mod api;
pub mod channels;
pub mod compare;
pub mod convert;
pub mod email;
mod fill;
pub mod history;
pub mod market;
pub mod pages;
pub mod portfolio;
pub mod settings;
pub mod sources;
pub mod watchlist;

#[cfg(test)]
mod tests;

/// Logging, which a front end sets up before anything else.
pub use crate::logging;
/// What a front end's `main` does first.
pub use crate::memory;

pub(crate) use crate::clock::now_ms;
pub(crate) use crate::task::blocking;
