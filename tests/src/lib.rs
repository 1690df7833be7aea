//! Test support for Coinlytics: fake servers that speak the real wire
//! formats on 127.0.0.1, used by the tests in `tests/`, by benchmarks, and
//! (as binaries) by anyone demoing the app offline.

pub mod fake_coingecko;

pub use fake_coingecko::{FakeCoinGecko, FakeOptions, Fault, markets_body};
