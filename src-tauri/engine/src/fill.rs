//! Filling the past a valuation lacks, instead of asking the user to: a
//! day's exchange rate, a coin's price on a day. Each need goes to the
//! source that reaches it: CoinGecko's history for the last year (the
//! free plan's reach), the European Central Bank's reference rates for
//! older fiat rates, and the exchanges' daily candles (in dollars) for
//! older coin prices. What no source gives stays a transaction of
//! unknown value: kept, its quantity counted, said so.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use crate::backfill::Backfiller;
use crate::model::Coin;
use crate::portfolio::valuation::{Missing, RATE_COIN};
use crate::provider::exchange::DailyHistory;
use crate::provider::{PriceProvider, ecb};
use crate::store::Store;
use crate::store::queries::{coins, daily, fiat_rates};
use crate::task::blocking;

/// How far back CoinGecko's free plan answers, with a margin for the
/// hours between the plan's count and the day asked.
const RECENT_DAYS: i64 = 364;
/// Days fetched before the first needed: a rate or price a day or two
/// older stands in for a weekend's or a holiday's.
const LEAD_DAYS: i64 = 7;

/// The fetches that give what a valuation lacks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The ECB's reference rates of these currencies over a span.
    pub reference: Option<(BTreeSet<String>, NaiveDate, NaiveDate)>,
    /// A coin's CoinGecko history in a currency, reaching back to a day.
    pub recent: BTreeMap<(String, String), NaiveDate>,
    /// A coin's daily closes from the exchanges, in dollars, over a span:
    /// a later round converts them, once they are stored.
    pub old: BTreeMap<String, (NaiveDate, NaiveDate)>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.reference.is_none() && self.recent.is_empty() && self.old.is_empty()
    }

    /// How many fetches it takes (a step of progress each).
    pub fn len(&self) -> usize {
        usize::from(self.reference.is_some()) + self.recent.len() + self.old.len()
    }
}

/// The fetches for `missing` on `today`, in the reporting currency
/// `reporting`.
pub fn plan<'a>(
    missing: impl IntoIterator<Item = &'a Missing>,
    reporting: &str,
    today: NaiveDate,
) -> Plan {
    let mut p = Plan::default();
    let recent = |day: NaiveDate| (today - day).num_days() <= RECENT_DAYS;
    let widen = |span: &mut (NaiveDate, NaiveDate), day: NaiveDate| {
        span.0 = span.0.min(day - Duration::days(LEAD_DAYS));
        span.1 = span.1.max(day);
    };
    let reach = |p: &mut Plan, coin: &str, currency: &str, day: NaiveDate| {
        let key = (coin.to_string(), currency.to_string());
        let first = p.recent.entry(key).or_insert(day);
        *first = (*first).min(day);
    };
    for m in missing {
        match m {
            Missing::Rate { from, to, day } => {
                if by_ecb(from) && by_ecb(to) {
                    let (codes, start, end) = p.reference.get_or_insert_with(|| {
                        (BTreeSet::new(), *day - Duration::days(LEAD_DAYS), *day)
                    });
                    codes.extend([from.clone(), to.clone()]);
                    let mut span = (*start, *end);
                    widen(&mut span, *day);
                    (*start, *end) = span;
                } else if recent(*day) {
                    // Bitcoin in both gives the day's rate.
                    reach(&mut p, RATE_COIN, from, *day);
                    reach(&mut p, RATE_COIN, to, *day);
                }
            }
            Missing::Price { coin, day } => {
                if recent(*day) {
                    reach(&mut p, coin, reporting, *day);
                } else {
                    let span = p.old.entry(coin.clone()).or_insert((*day, *day));
                    widen(span, *day);
                }
            }
        }
    }
    p
}

/// Where a fill is, for a progress bar or the import's status line.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(rename = "FillProgress")]
pub struct Progress {
    /// Fetches finished of `total` (a later round may add to it).
    pub done: u32,
    pub total: u32,
    /// "EUR and USD rates from the ECB, 2023-07-07 to 2023-07-14"
    pub doing: String,
}

/// The sources a plan's fetches go to.
pub struct Sources<'a, P: PriceProvider> {
    pub provider: &'a P,
    pub backfiller: &'a Backfiller,
    pub ecb: ecb::Ecb,
    pub exchanges: DailyHistory,
}

/// Runs `plan`'s fetches into `store`, one after another, telling
/// `progress` before each (its count starts at `done`); returns a line
/// for each fetch that failed ("EUR rates from the ECB: …"). A failure
/// stops nothing else: what it would have given stays unknown.
pub async fn run<P: PriceProvider>(
    plan: &Plan,
    sources: &Sources<'_, P>,
    store: &Arc<Store>,
    done: &mut u32,
    total: u32,
    progress: &mut (impl FnMut(&Progress) + Send),
) -> Vec<String> {
    let mut failed = Vec::new();
    let mut step = |doing: &str, done: &mut u32| {
        progress(&Progress {
            done: *done,
            total,
            doing: doing.to_string(),
        });
        *done += 1;
    };
    if let Some((codes, start, end)) = &plan.reference {
        let listed: Vec<&str> = codes.iter().map(String::as_str).collect();
        let quoted: Vec<String> = (codes.iter())
            .filter(|c| *c != ecb::BASE)
            .map(|c| c.to_uppercase())
            .collect();
        let doing = format!(
            "the ECB's euro rates of {}, {start} to {end}",
            quoted.join(", ")
        );
        step(&doing, done);
        match sources.ecb.rates(&listed, *start, *end).await {
            Ok(rates) => {
                let (store, now) = (store.clone(), crate::clock::now_ms());
                let put = blocking(move || {
                    Ok(store.write(|tx| fiat_rates::put_fiat_rates(tx, &rates, now))?)
                });
                if let Err(e) = put.await {
                    failed.push(format!("{doing}: {e}"));
                }
            }
            Err(e) => failed.push(format!("{doing}: {e}")),
        }
    }
    for ((coin, currency), first) in &plan.recent {
        let doing = format!(
            "{coin}'s prices in {} from CoinGecko since {first}",
            currency.to_uppercase()
        );
        step(&doing, done);
        let days = (chrono::Utc::now().date_naive() - *first).num_days() + 2;
        let known = {
            let (store, id) = (store.clone(), coin.clone());
            blocking(move || Ok(store.read(|c| coins::find(c, &id))?)).await
        };
        let coin = match known {
            Ok(Some(c)) if c.id == *coin => c,
            _ => Coin {
                id: coin.clone(),
                symbol: coin.clone(),
                name: coin.clone(),
            },
        };
        let days = u32::try_from(days).unwrap_or(u32::MAX);
        let filled = (sources.backfiller)
            .run(sources.provider, store, &[coin], currency, days, |_| {})
            .await;
        if let Err(e) = filled {
            failed.push(format!("{doing}: {e}"));
        }
    }
    for (coin, (first, last)) in &plan.old {
        let doing = format!("{coin}'s daily prices from the exchanges, {first} to {last}");
        step(&doing, done);
        match sources
            .exchanges
            .daily_candles(coin, PIVOT_FETCHED, *first, *last)
            .await
        {
            Ok(candles) => {
                let (store, id) = (store.clone(), coin.clone());
                let put = blocking(move || {
                    Ok(store
                        .write(|tx| daily::put_daily_candles(tx, &id, PIVOT_FETCHED, &candles))?)
                });
                if let Err(e) = put.await {
                    failed.push(format!("{doing}: {e}"));
                }
            }
            Err(e) => failed.push(format!("{doing}: {e}")),
        }
    }
    failed
}

/// The currency old coin prices are fetched in: the exchanges' deepest
/// markets are in dollars, and valuation converts them at the day's rate.
const PIVOT_FETCHED: &str = crate::portfolio::valuation::PIVOT;

/// Whether the ECB's reference rates give `code` (the euro is their base).
fn by_ecb(code: &str) -> bool {
    code == ecb::BASE || ecb::publishes(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("a day")
    }

    #[test]
    fn each_need_goes_to_the_source_that_reaches_it() {
        let today = day("2026-12-07");
        let missing = [
            // Old: the ECB for the rate, the exchanges for the coin.
            Missing::Rate {
                from: "eur".into(),
                to: "usd".into(),
                day: day("2023-07-14"),
            },
            Missing::Rate {
                from: "gbp".into(),
                to: "usd".into(),
                day: day("2021-03-01"),
            },
            Missing::Price {
                coin: "solana".into(),
                day: day("2021-03-02"),
            },
            Missing::Price {
                coin: "solana".into(),
                day: day("2022-05-01"),
            },
            // Recent: CoinGecko, back to the oldest day asked.
            Missing::Price {
                coin: "ethereum".into(),
                day: day("2026-06-01"),
            },
            Missing::Price {
                coin: "ethereum".into(),
                day: day("2026-03-01"),
            },
            // A currency the ECB has none of: bitcoin in both, if recent.
            Missing::Rate {
                from: "ngn".into(),
                to: "usd".into(),
                day: day("2026-11-30"),
            },
            Missing::Rate {
                from: "ngn".into(),
                to: "usd".into(),
                day: day("2019-01-01"),
            },
        ];
        let p = plan(&missing, "usd", today);
        let (codes, start, end) = p.reference.clone().expect("ECB");
        assert_eq!(codes.into_iter().collect::<Vec<_>>(), ["eur", "gbp", "usd"]);
        assert_eq!((start, end), (day("2021-02-22"), day("2023-07-14")));
        assert_eq!(
            p.old.get("solana"),
            Some(&(day("2021-02-23"), day("2022-05-01")))
        );
        assert_eq!(
            p.recent.get(&("ethereum".into(), "usd".into())),
            Some(&day("2026-03-01"))
        );
        assert_eq!(
            p.recent.get(&("bitcoin".into(), "ngn".into())),
            Some(&day("2026-11-30"))
        );
        assert_eq!(p.len(), 5, "{p:?}");
    }
}
