//! Fixtures for tests and benchmarks: one builder per domain value, so a
//! test says only what matters to it (`Quote { market_cap_rank: Some(1),
//! ..quote("bitcoin", "70000") }`). Compiled for the engine's own tests and
//! with the `test-support` feature; never in a release of the app.

use std::path::Path;

use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;

use crate::app::alerts::RuleInput;
use crate::config::{Key, Overrides, Settings};
use crate::model::Quote;
use crate::model::alert::{
    Channels, Condition, DEFAULT_BAND_PCT, DEFAULT_LOOKBACK_SECS, Firing, RuleSpec,
};

/// A decimal from text, for fixtures: `dec("70000.5")`.
pub fn dec(s: &str) -> Decimal {
    s.parse()
        .unwrap_or_else(|e| panic!("'{s}' is not a decimal: {e}"))
}

/// A USD quote of `coin_id` at `price`, updated and fetched at a fixed
/// moment (2023-11-14T22:13:20Z); every optional field empty.
pub fn quote(coin_id: &str, price: &str) -> Quote {
    let at = Utc
        .timestamp_opt(1_700_000_000, 0)
        .single()
        .unwrap_or_default();
    Quote {
        coin_id: coin_id.into(),
        symbol: coin_id.chars().take(3).collect(),
        name: coin_id.into(),
        image: None,
        currency: "usd".into(),
        price: dec(price),
        market_cap: None,
        volume_24h: None,
        change_1h_pct: None,
        change_24h_pct: None,
        change_7d_pct: None,
        market_cap_rank: None,
        sparkline_7d: Vec::new(),
        updated_at: at,
        fetched_at: at,
        source: "CoinGecko".into(),
        figures: Default::default(),
    }
}

/// A rule on `coin_id` in USD: desktop only, re-arming with the default
/// band, no cooldown; move and anomaly rules watch one hour, anomaly rules
/// against the default lookback (a week).
pub fn rule_spec(coin_id: &str, condition: Condition, level: &str) -> RuleSpec {
    RuleSpec {
        coin_id: coin_id.into(),
        currency: "usd".into(),
        portfolio: None,
        target_pct: None,
        condition,
        level: dec(level),
        window_secs: condition.takes_window().then_some(3600),
        lookback_secs: condition.takes_lookback().then_some(DEFAULT_LOOKBACK_SECS),
        channels: Channels {
            desktop: true,
            email: false,
            named: Vec::new(),
            urgent: false,
        },
        note: String::new(),
        once: false,
        band_pct: DEFAULT_BAND_PCT,
        cooldown_secs: 0,
        confirm_secs: None,
    }
}

/// [`rule_spec`] as a user would type it ([`RuleInput`]): the configured
/// currency, the default band, no cooldown, no lookback (the default).
pub fn rule_input(coin: &str, condition: Condition, level: &str) -> RuleInput {
    RuleInput {
        coin: coin.into(),
        currency: None,
        portfolio: None,
        target: None,
        condition,
        level: level.into(),
        window: condition.takes_window().then(|| "1h".into()),
        lookback: None,
        channels: Channels {
            desktop: true,
            email: false,
            named: Vec::new(),
            urgent: false,
        },
        note: String::new(),
        once: false,
        band_pct: None,
        cooldown: None,
        confirm: None,
    }
}

/// Rule 1 on `coin_id` firing for the first time: the price rose above
/// 70,000 USD to 71,000; desktop only, no note.
pub fn firing(coin_id: &str) -> Firing {
    let q = quote(coin_id, "71000");
    Firing {
        key: "1-1".into(),
        rule_id: 1,
        epoch: 1,
        coin_id: q.coin_id,
        symbol: q.symbol,
        name: q.name,
        currency: q.currency,
        condition: Condition::Above,
        level: dec("70000"),
        window_secs: None,
        lookback_secs: None,
        price: q.price,
        value: q.price,
        change_24h_pct: None,
        note: String::new(),
        fired_at: 1_700_000_000_000,
        channels: Channels {
            desktop: true,
            email: false,
            named: Vec::new(),
            urgent: false,
        },
        portfolio: None,
        target_pct: None,
    }
}

/// Settings of a private user: config file and data under `dir`, USD
/// prices from `base_url` (a fake server on 127.0.0.1), no client-side rate
/// limit to speak of and a short HTTP timeout. Flags beat the environment,
/// so a developer's own `COINLYTICS_*` variables do not leak in.
pub fn settings(dir: &Path, base_url: &str) -> Settings {
    Settings::load(&Overrides {
        config_file: Some(dir.join("config.toml")),
        values: vec![
            (Key::DataDir, dir.join("data").display().to_string()),
            (Key::CoingeckoUrl, base_url.into()),
            // No exchange: tests never reach a real API.
            (Key::Sources, "coingecko".into()),
            (Key::Currency, "usd".into()),
            (Key::RequestsPerMinute, "10000".into()),
            (Key::HttpTimeoutSecs, "2".into()),
        ],
    })
    .unwrap_or_else(|e| panic!("test settings: {e}"))
}
