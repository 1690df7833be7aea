//! Where a price comes from, and which of a coin's prices to show: the
//! domain types the settings hold (`sources`, `price_source`,
//! `coin_sources`, `coingecko_api_plan`) and [`crate::sources`] acts on.

use serde::Serialize;

/// A place prices come from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, ts_rs::TS, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    #[serde(rename = "coingecko")]
    CoinGecko,
    Binance,
    Kraken,
    Coinbase,
}

impl Source {
    pub const ALL: [Source; 4] = [
        Source::CoinGecko,
        Source::Binance,
        Source::Kraken,
        Source::Coinbase,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Source::CoinGecko => "coingecko",
            Source::Binance => "binance",
            Source::Kraken => "kraken",
            Source::Coinbase => "coinbase",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Source::CoinGecko => "CoinGecko",
            Source::Binance => "Binance",
            Source::Kraken => "Kraken",
            Source::Coinbase => "Coinbase",
        }
    }

    pub fn from_key(key: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// Which price of a coin to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Preference {
    /// The median of the fresh sources.
    #[default]
    Aggregate,
    /// This source while it is fresh; the median of the others when not.
    Prefer(Source),
}

impl Preference {
    /// As settings name it: "aggregate" or a source's key.
    pub const KEYS: &'static [&'static str] =
        &["aggregate", "coingecko", "binance", "kraken", "coinbase"];

    pub fn from_key(key: &str) -> Option<Preference> {
        match key {
            "aggregate" => Some(Preference::Aggregate),
            k => Source::from_key(k).map(Preference::Prefer),
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Preference::Aggregate => "aggregate",
            Preference::Prefer(s) => s.key(),
        }
    }
}

/// Which CoinGecko plan the API key in the keyring belongs to; it decides
/// the header the key is sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ApiPlan {
    /// No key: the public, keyless API.
    None,
    /// A demo key, sent as `x-cg-demo-api-key`.
    Demo,
    /// A paid key, sent as `x-cg-pro-api-key`.
    Pro,
}

impl ApiPlan {
    pub(crate) const NAMES: &[&str] = &["none", "demo", "pro"];

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    pub(crate) fn from_name(name: &str) -> ApiPlan {
        match name {
            "demo" => ApiPlan::Demo,
            "pro" => ApiPlan::Pro,
            _ => ApiPlan::None,
        }
    }
}
