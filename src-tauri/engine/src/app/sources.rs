//! Where prices come from: each source's health and the CoinGecko request
//! budget (`coinlytics sources`, the Sources panel), and a coin's price on
//! each source (`coinlytics sources compare`).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use crate::Engine;
use crate::config::Key;
use crate::error::Result;
use crate::model::CoinId;
use crate::model::Source;
use crate::sources::book;
pub use crate::sources::{Health, SourceState};

/// One source as the panel shows it.
#[derive(Debug, Clone, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct SourceStatus {
    pub source: Source,
    pub name: &'static str,
    /// "streaming", "polling", "backing off", "blocked for this region", …
    pub state_label: &'static str,
    #[serde(flatten)]
    pub health: Health,
}

/// Every source, and the CoinGecko budget of the last minute.
#[derive(Debug, Clone, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct SourcesReport {
    pub sources: Vec<SourceStatus>,
    /// CoinGecko requests sent in the last 60 s.
    pub coingecko_used: u32,
    /// The most a minute may have (`requests_per_minute`).
    pub coingecko_limit: u32,
}

/// A coin's price on one source.
#[derive(Debug, Clone, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct SourcePrice {
    pub source: Source,
    pub name: &'static str,
    #[ts(type = "string")]
    pub price: Decimal,
    /// How far from the median of the fresh sources, in %.
    pub spread_pct: Option<f64>,
    pub age_secs: i64,
    /// Stale readings are shown but take no part in the median.
    pub fresh: bool,
}

/// A coin's price on each source.
#[derive(Debug, Clone, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct SourceComparison {
    pub coin_id: String,
    pub currency: String,
    #[ts(type = "string | null")]
    pub median: Option<Decimal>,
    pub prices: Vec<SourcePrice>,
    /// The widest gap between two fresh sources, as % of the median.
    pub spread_pct: Option<f64>,
    /// The price the coin shows: "aggregate" or a source's key.
    pub preference: String,
    /// `preference` is the coin's own (`coin_sources`), not the default.
    pub own_preference: bool,
}

impl Engine {
    /// Every source's health now.
    pub fn sources_report(&self) -> SourcesReport {
        let (coingecko_used, coingecko_limit) = self.market.provider().budget();
        let sources = self
            .market
            .sources()
            .book
            .health()
            .into_iter()
            .map(|(source, health)| SourceStatus {
                source,
                name: source.name(),
                state_label: health.state.label(),
                health,
            })
            .collect();
        SourcesReport {
            sources,
            coingecko_used,
            coingecko_limit,
        }
    }

    /// Asks every source for the default view's coins once, so a front
    /// end that just started has health to show; failures are in the report.
    pub async fn probe_sources(&self) -> Result<SourcesReport> {
        let req = self.default_request()?;
        let _ = self.market.refresh(&req).await;
        Ok(self.sources_report())
    }

    /// Asks every source for `coin` once (in the display currency).
    pub async fn probe_coin(&self, coin: &CoinId) -> Result<()> {
        let coin = self.coin(coin).await?;
        let req = crate::model::QuoteRequest {
            selection: crate::model::Selection::Coins(vec![coin.id]),
            currency: self.settings().currency,
        };
        let _ = self.market.refresh(&req).await;
        Ok(())
    }

    /// `coin`'s price on each source, in the display currency, from the
    /// readings in hand (refresh first for fresh ones).
    pub async fn compare_sources(&self, coin: &CoinId) -> Result<SourceComparison> {
        let coin = self.coin(coin).await?;
        let currency = self.settings().currency;
        let now = Utc::now();
        let sources = self.market.sources();
        let readings = sources.book.readings(&coin.id, &currency, now);
        let (pref, own) = sources.preference(&coin.id);
        let mut c = comparison(coin.id, currency, readings, now);
        (c.preference, c.own_preference) = (pref.key().to_string(), own);
        Ok(c)
    }

    /// Where `coin`'s price comes from: `source` ("aggregate" or a source's
    /// key), or `None` for the default (`price_source`); saved in
    /// `coin_sources`.
    pub async fn prefer_source(&self, coin: &CoinId, source: Option<&str>) -> Result<()> {
        let coin = self.coin(coin).await?;
        let mut list: Vec<String> = self
            .settings()
            .coin_sources
            .into_iter()
            .filter(|p| p.split_once('=').is_none_or(|(c, _)| c != coin.id))
            .collect();
        if let Some(source) = source {
            list.push(format!("{}={source}", coin.id));
        }
        self.configure(&[(Key::CoinSources, list.join(","))])
            .await?;
        Ok(())
    }
}

fn comparison(
    coin_id: String,
    currency: String,
    readings: Vec<(Source, book::Reading, bool)>,
    now: DateTime<Utc>,
) -> SourceComparison {
    let fresh: Vec<Decimal> = readings.iter().filter(|r| r.2).map(|r| r.1.price).collect();
    let median = book::median(fresh.clone());
    let spread_pct = book::spread(fresh);
    let pct = |d: Decimal| -> Option<f64> {
        let m = median.filter(|m| *m > Decimal::ZERO)?;
        (d / m * Decimal::ONE_HUNDRED).to_f64()
    };
    let prices = readings
        .into_iter()
        .map(|(source, r, fresh)| SourcePrice {
            source,
            name: source.name(),
            price: r.price,
            spread_pct: median.and_then(|m| pct(r.price - m)),
            age_secs: (now - r.received).num_seconds().max(0),
            fresh,
        })
        .collect();
    SourceComparison {
        coin_id,
        currency,
        median,
        prices,
        spread_pct,
        preference: String::new(),
        own_preference: false,
    }
}
