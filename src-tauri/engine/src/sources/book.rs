//! The latest reading of every coin from every source, and the choice of
//! the one price to show.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::{Health, Preference, Source, SourceState};

/// One source's latest price of a coin, in our currency.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub price: Decimal,
    pub change_24h_pct: Option<f64>,
    /// The source's time of the price.
    pub at: DateTime<Utc>,
    /// When it reached us: freshness counts from here, so a source with a
    /// slow clock is not taken for a stale one.
    pub received: DateTime<Utc>,
}

/// What became of a reading offered to the book.
#[derive(Debug, Clone, PartialEq)]
pub enum Offer {
    Accepted,
    /// Too far from the median of the other sources: not shown as truth.
    HeldBack {
        median: Decimal,
    },
}

/// The price to show for a coin and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub price: Decimal,
    pub change_24h_pct: Option<f64>,
    /// The oldest time among the readings used.
    pub at: DateTime<Utc>,
    pub sources: Vec<Source>,
    /// The fresh sources' spread, (highest − lowest) / median in %, with
    /// two or more (a held-back price takes no part).
    pub spread_pct: Option<f64>,
}

impl Choice {
    /// "Binance", or "median of 3 (Binance, CoinGecko, Kraken)".
    pub fn label(&self) -> String {
        match self.sources.as_slice() {
            [one] => one.name().to_string(),
            many => {
                let names: Vec<&str> = many.iter().map(|s| s.name()).collect();
                format!("median of {} ({})", many.len(), names.join(", "))
            }
        }
    }
}

type Key = (String, String);

struct Inner {
    readings: HashMap<Key, BTreeMap<Source, Reading>>,
    /// The sources of each coin held back now.
    held: HashMap<Key, BTreeSet<Source>>,
    health: BTreeMap<Source, Health>,
}

/// Every source's readings and health. Shared by the REST refresh and the
/// streams; each call holds its lock briefly.
pub struct SourceBook {
    inner: Mutex<Inner>,
    /// A reading older than this is stale and no longer chosen.
    fresh_for: chrono::Duration,
    /// A reading further than this from the others' median is held back (%).
    band_pct: Decimal,
}

impl SourceBook {
    /// `enabled`: the sources the settings turn on; the others are `Off`.
    pub fn new(fresh_for: std::time::Duration, band_pct: u32, enabled: &[Source]) -> SourceBook {
        let health = Source::ALL
            .into_iter()
            .map(|s| {
                let state = if enabled.contains(&s) {
                    SourceState::Idle
                } else {
                    SourceState::Off
                };
                (
                    s,
                    Health {
                        state,
                        ..Health::default()
                    },
                )
            })
            .collect();
        SourceBook {
            inner: Mutex::new(Inner {
                readings: HashMap::new(),
                held: HashMap::new(),
                health,
            }),
            fresh_for: chrono::Duration::from_std(fresh_for).unwrap_or(chrono::Duration::MAX),
            band_pct: Decimal::from(band_pct),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes `source`'s reading of `coin` in `currency`. With three or more
    /// fresh sources, one further than the band from their median is held
    /// back: kept out of the price shown, counted and logged once, until a
    /// later reading of it comes back within the band. With two, no one can
    /// tell which is wrong, and both count.
    pub fn offer(&self, source: Source, coin: &str, currency: &str, reading: Reading) -> Offer {
        let now = reading.received;
        let mut inner = self.lock();
        let key = (coin.to_string(), currency.to_string());
        inner.health.entry(source).or_default().readings += 1;
        inner
            .readings
            .entry(key.clone())
            .or_default()
            .insert(source, reading);
        let (outliers, median) = self.outliers(&inner, &key, now);
        let before = inner.held.remove(&key).unwrap_or_default();
        for s in outliers.difference(&before) {
            inner.health.entry(*s).or_default().held_back += 1;
            let price = inner.readings[&key][s].price;
            tracing::warn!(
                source = s.name(),
                coin,
                currency,
                %price,
                median = %median.unwrap_or_default(),
                "price held back: too far from the other sources"
            );
        }
        let held = outliers.contains(&source);
        inner.held.insert(key, outliers);
        match (held, median) {
            (true, Some(median)) => Offer::HeldBack { median },
            _ => Offer::Accepted,
        }
    }

    /// The fresh readings of `key` further than the band from the median of
    /// all fresh ones (when there are three or more), and that median.
    fn outliers(
        &self,
        inner: &Inner,
        key: &Key,
        now: DateTime<Utc>,
    ) -> (BTreeSet<Source>, Option<Decimal>) {
        let fresh: Vec<(Source, Decimal)> = inner
            .readings
            .get(key)
            .map(|m| {
                m.iter()
                    .filter(|(s, r)| self.fresh(&inner.health, **s, r, now))
                    .map(|(s, r)| (*s, r.price))
                    .collect()
            })
            .unwrap_or_default();
        if fresh.len() < 3 {
            return (BTreeSet::new(), None);
        }
        let Some(median) = median(fresh.iter().map(|(_, p)| *p).collect()) else {
            return (BTreeSet::new(), None);
        };
        if median <= Decimal::ZERO {
            return (BTreeSet::new(), Some(median));
        }
        let far = fresh
            .into_iter()
            .filter(|(_, p)| ((*p - median).abs() / median) * Decimal::ONE_HUNDRED > self.band_pct)
            .map(|(s, _)| s)
            .collect();
        (far, Some(median))
    }

    fn fresh(
        &self,
        health: &BTreeMap<Source, Health>,
        s: Source,
        r: &Reading,
        now: DateTime<Utc>,
    ) -> bool {
        health.get(&s).is_some_and(|h| h.state.usable()) && now - r.received <= self.fresh_for
    }

    /// The price of `coin` in `currency` to show now: the preferred
    /// source's while it is fresh (and not held back), else the median of
    /// the fresh ones that are not.
    pub fn choose(
        &self,
        coin: &str,
        currency: &str,
        pref: Preference,
        now: DateTime<Utc>,
    ) -> Option<Choice> {
        let inner = self.lock();
        let key = (coin.to_string(), currency.to_string());
        let readings = inner.readings.get(&key)?;
        let (held, _) = self.outliers(&inner, &key, now);
        let fresh: Vec<(Source, &Reading)> = readings
            .iter()
            .filter(|(s, r)| self.fresh(&inner.health, **s, r, now) && !held.contains(*s))
            .map(|(s, r)| (*s, r))
            .collect();
        let spread_pct = spread(fresh.iter().map(|(_, r)| r.price).collect());
        if let Preference::Prefer(want) = pref
            && let Some((s, r)) = fresh.iter().find(|(s, _)| *s == want)
        {
            return Some(Choice {
                price: r.price,
                change_24h_pct: r.change_24h_pct,
                at: r.at,
                sources: vec![*s],
                spread_pct,
            });
        }
        let price = median(fresh.iter().map(|(_, r)| r.price).collect())?;
        Some(Choice {
            price,
            change_24h_pct: fresh.iter().find_map(|(_, r)| r.change_24h_pct),
            at: fresh.iter().map(|(_, r)| r.at).min()?,
            sources: fresh.iter().map(|(s, _)| *s).collect(),
            spread_pct,
        })
    }

    /// Every source's latest reading of `coin` in `currency`, with whether
    /// it is fresh.
    pub fn readings(
        &self,
        coin: &str,
        currency: &str,
        now: DateTime<Utc>,
    ) -> Vec<(Source, Reading, bool)> {
        let inner = self.lock();
        inner
            .readings
            .get(&(coin.to_string(), currency.to_string()))
            .map(|m| {
                m.iter()
                    .map(|(s, r)| (*s, r.clone(), self.fresh(&inner.health, *s, r, now)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The price of each source of `coin` in `currency` heard within
    /// `within` (and not held back): what a second source's confirmation
    /// reads.
    pub fn recent_prices(
        &self,
        coin: &str,
        currency: &str,
        within: std::time::Duration,
    ) -> Vec<Decimal> {
        let now = Utc::now();
        let within = chrono::Duration::from_std(within).unwrap_or(chrono::Duration::MAX);
        let inner = self.lock();
        let key = (coin.to_string(), currency.to_string());
        let (held, _) = self.outliers(&inner, &key, now);
        inner
            .readings
            .get(&key)
            .map(|m| {
                m.iter()
                    .filter(|(s, r)| {
                        inner.health.get(*s).is_some_and(|h| h.state.usable())
                            && now - r.received <= within
                            && !held.contains(*s)
                    })
                    .map(|(_, r)| r.price)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `source` answered (a REST call or a stream message).
    pub fn succeeded(&self, source: Source, state: SourceState, latency_ms: Option<u64>) {
        let mut inner = self.lock();
        let h = inner.health.entry(source).or_default();
        if h.state == SourceState::Off {
            return;
        }
        h.state = state;
        h.last_success = Some(Utc::now());
        if latency_ms.is_some() {
            h.latency_ms = latency_ms;
        }
    }

    /// `source` failed; `state` is what it does now (backing off, blocked).
    pub fn failed(&self, source: Source, state: SourceState, error: &str) {
        let mut inner = self.lock();
        let h = inner.health.entry(source).or_default();
        if h.state == SourceState::Off {
            return;
        }
        h.state = state;
        h.errors += 1;
        h.last_error = Some(error.to_string());
    }

    pub fn state(&self, source: Source) -> SourceState {
        self.lock()
            .health
            .get(&source)
            .map_or(SourceState::Off, |h| h.state)
    }

    /// Every source's health, in [`Source::ALL`] order.
    pub fn health(&self) -> Vec<(Source, Health)> {
        let inner = self.lock();
        Source::ALL
            .into_iter()
            .map(|s| (s, inner.health.get(&s).cloned().unwrap_or_default()))
            .collect()
    }
}

/// (highest − lowest) / median, in %, of two or more prices.
pub fn spread(prices: Vec<Decimal>) -> Option<f64> {
    use rust_decimal::prelude::ToPrimitive;
    if prices.len() < 2 {
        return None;
    }
    let (hi, lo) = (*prices.iter().max()?, *prices.iter().min()?);
    let m = median(prices).filter(|m| *m > Decimal::ZERO)?;
    ((hi - lo) / m * Decimal::ONE_HUNDRED).to_f64()
}

/// The middle price; the mean of the two middle ones for an even count.
pub fn median(mut prices: Vec<Decimal>) -> Option<Decimal> {
    prices.sort();
    let n = prices.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(prices[n / 2]),
        _ => Some((prices[n / 2 - 1] + prices[n / 2]) / Decimal::TWO),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(price: &str, secs_ago: i64) -> Reading {
        let at = Utc::now() - chrono::Duration::seconds(secs_ago);
        Reading {
            price: price.parse().expect("decimal"),
            change_24h_pct: None,
            at,
            received: at,
        }
    }

    fn book() -> SourceBook {
        let b = SourceBook::new(std::time::Duration::from_secs(60), 5, &Source::ALL);
        for s in Source::ALL {
            b.succeeded(s, SourceState::Polling, None);
        }
        b
    }

    #[test]
    fn the_median_of_fresh_sources_and_a_preferred_one_while_fresh() {
        let b = book();
        b.offer(Source::CoinGecko, "bitcoin", "usd", reading("70000", 0));
        b.offer(Source::Binance, "bitcoin", "usd", reading("70100", 0));
        b.offer(Source::Kraken, "bitcoin", "usd", reading("70300", 0));
        b.offer(Source::Coinbase, "bitcoin", "usd", reading("60000", 120));
        let now = Utc::now();
        let c = b
            .choose("bitcoin", "usd", Preference::Aggregate, now)
            .expect("choice");
        assert_eq!(c.price, "70100".parse().expect("d"));
        assert_eq!(c.label(), "median of 3 (CoinGecko, Binance, Kraken)");
        let k = b
            .choose("bitcoin", "usd", Preference::Prefer(Source::Kraken), now)
            .expect("k");
        assert_eq!(
            (k.price, k.label()),
            ("70300".parse().expect("d"), "Kraken".into())
        );
        // Coinbase's reading is stale: the preference falls over to the median.
        let cb = b
            .choose("bitcoin", "usd", Preference::Prefer(Source::Coinbase), now)
            .expect("cb");
        assert_eq!(cb.sources.len(), 3);
        // A source backing off is skipped.
        b.failed(Source::Kraken, SourceState::BackingOff, "HTTP 503");
        let c = b
            .choose("bitcoin", "usd", Preference::Aggregate, now)
            .expect("choice");
        assert_eq!(c.price, "70050".parse().expect("d"));
    }

    #[test]
    fn a_reading_far_from_the_others_median_is_held_back_whatever_came_first() {
        let b = book();
        b.offer(Source::Binance, "bitcoin", "usd", reading("70000", 0));
        // With one other source, no one can tell which is wrong.
        assert_eq!(
            b.offer(Source::Coinbase, "bitcoin", "usd", reading("90000", 0)),
            Offer::Accepted
        );
        // A third settles it, whichever was offered last.
        assert_eq!(
            b.offer(Source::Kraken, "bitcoin", "usd", reading("70050", 0)),
            Offer::Accepted
        );
        let now = Utc::now();
        let c = b.choose("bitcoin", "usd", Preference::Prefer(Source::Coinbase), now);
        assert_eq!(
            c.map(|c| c.sources),
            Some(vec![Source::Binance, Source::Kraken]),
            "the bad price is not shown"
        );
        assert_eq!(b.health()[3].1.held_back, 1);
        let again = b.offer(Source::Coinbase, "bitcoin", "usd", reading("91000", 0));
        assert_eq!(
            again,
            Offer::HeldBack {
                median: "70050".parse().expect("d")
            }
        );
        assert_eq!(
            b.health()[3].1.held_back,
            1,
            "held back once while it lasts"
        );
        b.offer(Source::Coinbase, "bitcoin", "usd", reading("70100", 0));
        let c = b
            .choose("bitcoin", "usd", Preference::Aggregate, now)
            .expect("choice");
        assert_eq!(c.sources.len(), 3, "back within the band, it counts again");
    }
}
