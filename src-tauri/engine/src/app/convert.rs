//! The converter: any coin or currency into any other, from stored quotes
//! and CoinGecko's exchange rates (units per bitcoin), saying which rates
//! it used and how old they are.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::Engine;
use crate::error::{Error, Result};
use crate::format;
use crate::model::alert::MAX_PRICE_LEVEL;
use crate::model::{InvalidInput, RateKind};
use crate::provider::PriceProvider;
use crate::store::queries;

/// Exchange rates are fetched again when older than this (and the price
/// source answers).
const RATES_MAX_AGE_MS: i64 = 10 * 60 * 1000;
/// Digits kept in a rate and a result: more than any price has, fewer
/// than a division's 28.
const SIGNIFICANT: u32 = 15;

/// What to convert, as a user typed it: `1.5`, `eth`, `eur`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvertQuery {
    pub amount: String,
    pub from: String,
    pub to: String,
}

/// One side of a conversion as shown: `ETH` "Ethereum".
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Unit {
    /// Upper case: `ETH`, `EUR`.
    pub code: String,
    pub name: String,
    /// A national currency: amounts in it are shown to the cent.
    pub fiat: bool,
}

impl Unit {
    /// `amount` of this unit as people read it: "€4,847.11" for a fiat
    /// currency, "0.052278573 BTC" (eight significant digits) otherwise.
    pub fn show(&self, amount: Decimal) -> String {
        if self.fiat {
            return format::price(amount, &self.code.to_ascii_lowercase());
        }
        let shown = amount.round_sf(8).unwrap_or(amount).normalize();
        format!("{} {}", format::grouped(&shown.to_string()), self.code)
    }
}

/// An answer of the converter.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Conversion {
    #[ts(type = "string")]
    pub amount: Decimal,
    pub from: Unit,
    pub to: Unit,
    #[ts(type = "string")]
    pub result: Decimal,
    /// One `from` in `to`.
    #[ts(type = "string")]
    pub rate: Decimal,
    /// When the oldest rate it used was fetched.
    pub as_of: DateTime<Utc>,
    pub age_secs: i64,
    /// The age as people read it: "40 s", "3 min".
    pub age: String,
    /// Older than the refresher would let a price get.
    pub stale: bool,
    /// Which rates, e.g. "CoinGecko: Ethereum in USD; USD→EUR exchange rate".
    pub source: String,
    /// "1.5 ETH = €4,847.11": the answer as every front end shows it.
    pub text: String,
    /// "1 ETH = €3,231.41".
    pub rate_text: String,
}

/// One way to say what a unit is worth: `value` of `currency` (a code of
/// the exchange rates or of a quote), known since `at`.
#[derive(Debug, Clone)]
struct Worth {
    currency: String,
    value: Decimal,
    at: i64,
    /// The stored quote it comes from, if any (for the source line).
    quote: Option<String>,
}

impl Engine {
    /// Converts `q.amount` of `q.from` into `q.to` (coins by id or symbol,
    /// currencies by code), through a stored quote, CoinGecko's exchange
    /// rates, or a quote and a cross rate, preferring the fewest rates and
    /// then the freshest.
    pub async fn convert(&self, q: &ConvertQuery) -> Result<Conversion> {
        let amount = parse_amount(&q.amount)?;
        self.refresh_rates_if_old().await;
        let (from, from_worth) = self.worths(&q.from).await?;
        let (to, to_worth) = self.worths(&q.to).await?;
        let store = self.store.clone();
        let best = super::blocking(move || {
            let mut best: Option<(usize, i64, Decimal, String)> = None;
            for a in &from_worth {
                for b in &to_worth {
                    let Some((rate, inputs, at, source)) = link(&store, a, b)? else {
                        continue;
                    };
                    let better = best
                        .as_ref()
                        .is_none_or(|(n, t, ..)| (inputs, -at) < (*n, -*t));
                    if better {
                        best = Some((inputs, at, rate, source));
                    }
                }
            }
            Ok(best)
        })
        .await?;
        let Some((_, at, rate, source)) = best else {
            return Err(Error::NotFound(format!(
                "no stored price or exchange rate links {} to {}; add the coin to the watchlist, or connect once to fetch rates",
                from.code, to.code
            )));
        };
        let result = amount.checked_mul(rate).ok_or_else(|| {
            InvalidInput(format!(
                "{} {} is too large to convert",
                q.amount.trim(),
                from.code
            ))
        })?;
        let as_of = DateTime::from_timestamp_millis(at).unwrap_or_default();
        let age_secs = (Utc::now() - as_of).num_seconds().max(0);
        let stale_after = (3 * self.settings().refresh_secs).max(300) as i64;
        let result = result.round_sf(SIGNIFICANT).unwrap_or(result).normalize();
        let rate = rate.round_sf(SIGNIFICANT).unwrap_or(rate).normalize();
        Ok(Conversion {
            text: format!("{} = {}", from.show(amount), to.show(result)),
            rate_text: format!("{} = {}", from.show(Decimal::ONE), to.show(rate)),
            amount,
            from,
            to,
            result,
            rate,
            as_of,
            age_secs,
            age: format::age(age_secs),
            stale: age_secs > stale_after,
            source,
        })
    }

    /// Fetches CoinGecko's exchange rates when the stored ones are older
    /// than ten minutes, unless the source is known to be down (then the
    /// stored ones serve, marked by their age).
    async fn refresh_rates_if_old(&self) {
        let fetched = self.store.read(queries::rates::fetched_at).ok().flatten();
        let now = chrono::Utc::now().timestamp_millis();
        if fetched.is_some_and(|t| crate::clock::within(t, now, RATES_MAX_AGE_MS)) {
            return;
        }
        let down = self
            .default_request()
            .ok()
            .and_then(|r| self.market.outcome(&r))
            .is_some_and(|o| o.failure.is_some());
        if down && fetched.is_some() {
            return;
        }
        match self.market.provider().exchange_rates().await {
            Ok(rates) => {
                if let Err(e) = self
                    .store
                    .write(|tx| queries::rates::replace(tx, &rates, now))
                {
                    tracing::warn!(error = %e, "cannot store the exchange rates");
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot fetch the exchange rates; using the stored ones")
            }
        }
    }

    /// What one unit of `name` is worth, every way the store knows: as an
    /// exchange-rate code (itself, 1) and as a coin (each stored quote).
    async fn worths(&self, name: &str) -> Result<(Unit, Vec<Worth>)> {
        let code = name.trim().to_ascii_lowercase();
        if code.is_empty() || code.len() > 100 {
            return Err(
                InvalidInput(format!("'{}' is not a coin or a currency", name.trim())).into(),
            );
        }
        let rate = self.store.read(|c| queries::rates::get(c, &code))?;
        let mut worths = Vec::new();
        let mut unit = None;
        if let Some((r, at)) = &rate {
            unit = Some(Unit {
                code: code.to_ascii_uppercase(),
                name: r.name.clone(),
                fiat: r.kind == RateKind::Fiat,
            });
            worths.push(Worth {
                currency: code.clone(),
                value: Decimal::ONE,
                at: *at,
                quote: None,
            });
        }
        let coin = match crate::model::CoinId::parse(&code) {
            Ok(id) => match self.market.resolve_coin(id.as_str()).await {
                Ok(c) => Some(c),
                Err(Error::UnknownCoin(_) | Error::Provider(_)) => None,
                Err(e) => return Err(e),
            },
            Err(_) => None,
        };
        if let Some(coin) = coin {
            let prices = self
                .store
                .read(|c| queries::quotes::prices_of(c, &coin.id))?;
            for (currency, price, at) in prices {
                worths.push(Worth {
                    currency: currency.clone(),
                    value: price,
                    at,
                    quote: Some(format!(
                        "{} in {}",
                        coin.name,
                        currency.to_ascii_uppercase()
                    )),
                });
            }
            unit.get_or_insert(Unit {
                code: coin.symbol.to_ascii_uppercase(),
                name: coin.name,
                fiat: false,
            });
        }
        match unit {
            Some(u) if !worths.is_empty() => Ok((u, worths)),
            Some(u) => Err(Error::NotFound(format!(
                "no price of {} is stored yet; add it to the watchlist or wait for a refresh",
                u.code
            ))),
            None => Err(InvalidInput(format!(
                "'{}' is neither a known coin nor a currency",
                name.trim()
            ))
            .into()),
        }
    }
}

/// `a` and `b` linked: the rate of one `a` in `b`, how many rates it took,
/// when the oldest was fetched, and which they were. `None` when their
/// currencies have no exchange rate between them.
fn link(
    store: &crate::store::Store,
    a: &Worth,
    b: &Worth,
) -> Result<Option<(Decimal, usize, i64, String)>> {
    let mut inputs = usize::from(a.quote.is_some()) + usize::from(b.quote.is_some());
    let mut at = a.at.min(b.at);
    let mut sources: Vec<String> = [&a.quote, &b.quote]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    // One `a` is `a.value` of its currency; bring that into `b`'s currency.
    let cross = if a.currency == b.currency {
        Decimal::ONE
    } else {
        let rates = store.read(|c| {
            Ok((
                queries::rates::get(c, &a.currency)?,
                queries::rates::get(c, &b.currency)?,
            ))
        })?;
        let (Some((ra, ta)), Some((rb, tb))) = rates else {
            return Ok(None);
        };
        if ra.per_btc.is_zero() {
            return Ok(None);
        }
        inputs += 1;
        at = at.min(ta).min(tb);
        sources.push(format!(
            "{}→{} exchange rate",
            a.currency.to_ascii_uppercase(),
            b.currency.to_ascii_uppercase()
        ));
        match rb.per_btc.checked_div(ra.per_btc) {
            Some(x) => x,
            None => return Ok(None),
        }
    };
    if b.value.is_zero() {
        return Ok(None);
    }
    let rate = a
        .value
        .checked_mul(cross)
        .and_then(|v| v.checked_div(b.value));
    Ok(rate.map(|r| {
        let source = if sources.is_empty() {
            "the same unit".to_string()
        } else {
            format!("CoinGecko: {}", sources.join("; "))
        };
        (r, inputs, at, source)
    }))
}

/// An amount as typed: a positive decimal, at most 10^15.
fn parse_amount(s: &str) -> Result<Decimal> {
    let amount = crate::model::amount::parse(s)
        .map_err(|_| InvalidInput(format!("'{}' is not an amount", s.trim())))?;
    if amount <= Decimal::ZERO || amount > MAX_PRICE_LEVEL {
        return Err(InvalidInput(format!(
            "the amount must be above 0 and at most {MAX_PRICE_LEVEL}, not {}",
            s.trim()
        ))
        .into());
    }
    Ok(amount)
}
