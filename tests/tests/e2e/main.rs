//! The cross-crate and end-to-end tests: one binary, one module per area,
//! run against the real binaries (`cargo build --workspace --all-targets`
//! first, as .ci/test does), the fake servers of `coinlytics_tests`, and
//! real desktop services. A test is named by its module: `monitor::…`.
//!
//! A new area is one more `mod` line here and its file beside this one;
//! what tests share is in `util`.

mod util;

mod alert_paths;
mod architecture;
mod browser;
mod channels;
mod cli;
mod faults;
mod fill;
mod history;
mod keyring;
mod market;
mod monitor;
mod past_sources;
mod portfolio;
mod serve;
mod sources;
mod ticker;
mod tray;
mod window;
