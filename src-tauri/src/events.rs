//! The names of the events the window hears, in one place (ui/js/api.js
//! listens under the same names).

/// Market updates and failures: `MarketEvent`.
pub const MARKET: &str = "market";
/// Streamed prices, a batch per frame: `PriceTick[]`.
pub const TICKS: &str = "ticks";
/// Each alert firing and delivery: `AlertEvent`.
pub const ALERT: &str = "alert";
/// Asks the window to show a coin (a notification's or the tray's click).
pub const OPEN_COIN: &str = "open-coin";
/// A coin's backfill progress: `BackfillEvent`.
pub const BACKFILL: &str = "backfill";
