//! CoinGecko's public API v3: `/coins/markets`, `/simple/price`,
//! `/coins/list`, `/simple/supported_vs_currencies`, and for history
//! `/coins/{id}/market_chart`, `/coins/{id}/ohlc` and `/exchange_rates`.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::marker::PhantomData;

use chrono::{DateTime, TimeZone, Utc};
use reqwest::header::HeaderMap;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

use super::http::{HttpClient, HttpOptions};
use super::{Failure, PriceProvider, ProviderError, decimal};
use crate::model::ApiPlan;
use crate::model::{
    ChartPoint, Coin, ExchangeRate, OhlcCandle, Quote, QuoteFigures, QuoteRequest, RateKind,
    Selection, SimplePrice,
};

/// The most coins `/coins/markets` returns per page.
pub const MAX_PER_PAGE: usize = 250;

const NAME: &str = "CoinGecko";
const MARKETS: &str = "/coins/markets";
const SIMPLE_PRICE: &str = "/simple/price";

/// The CoinGecko provider. Cheap to share behind an `Arc`.
pub struct CoinGecko {
    http: HttpClient,
}

impl CoinGecko {
    /// A client for the API at `base_url`; `api_key` is sent in the header
    /// its plan requires.
    pub fn new(
        base_url: &str,
        api_key: Option<(ApiPlan, &str)>,
        opts: HttpOptions,
    ) -> Result<CoinGecko, ProviderError> {
        let mut headers = HeaderMap::new();
        let header = match api_key {
            Some((ApiPlan::Demo, key)) => HttpClient::header("x-cg-demo-api-key", key),
            Some((ApiPlan::Pro, key)) => HttpClient::header("x-cg-pro-api-key", key),
            _ => None,
        };
        if let Some((name, value)) = header {
            headers.insert(name, value);
        }
        Ok(CoinGecko {
            http: HttpClient::new(NAME, base_url, headers, opts)?,
        })
    }

    pub fn base_url(&self) -> &str {
        self.http.base_url()
    }

    /// Requests sent in the last minute, and the plan's limit per minute
    /// (`requests_per_minute`): the client waits rather than pass it, so
    /// polling slows down before CoinGecko answers 429.
    pub fn budget(&self) -> (u32, u32) {
        self.http.budget()
    }

    /// One page as sent: the caller tells a short (last) page by its rows,
    /// before any is dropped.
    async fn markets_page(
        &self,
        currency: &str,
        ids: Option<&[String]>,
        per_page: usize,
        page: usize,
    ) -> Result<Vec<MarketWire>, ProviderError> {
        let mut query = vec![
            ("vs_currency", currency.to_string()),
            ("order", "market_cap_desc".to_string()),
            ("per_page", per_page.to_string()),
            ("page", page.to_string()),
            ("sparkline", "true".to_string()),
            ("price_change_percentage", "1h,24h,7d,30d,1y".to_string()),
        ];
        if let Some(ids) = ids {
            query.push(("ids", ids.join(",")));
        }
        self.http.get_json(MARKETS, &query).await
    }
}

/// Decodes a `/coins/markets` body; public for the parse benchmark.
pub fn parse_markets_body(body: &[u8], currency: &str) -> Result<Vec<Quote>, ProviderError> {
    let rows: Vec<MarketWire> = serde_json::from_slice(body).map_err(|e| ProviderError {
        provider: NAME,
        endpoint: MARKETS.into(),
        failure: Failure::Malformed(e.to_string()),
    })?;
    parse_markets(rows, currency, Utc::now())
}

/// The quotes of every page of one answer, taken together so a coin sent
/// twice (on two pages, or twice on one) is caught.
fn parse_markets(
    rows: Vec<MarketWire>,
    currency: &str,
    fetched_at: DateTime<Utc>,
) -> Result<Vec<Quote>, ProviderError> {
    let quotes = rows
        .into_iter()
        // A coin with no price (delisted, no trades) has nothing to show.
        .filter_map(|w| {
            let price = w.current_price?;
            Some(Quote {
                coin_id: w.id,
                symbol: w.symbol.to_ascii_lowercase(),
                name: w.name,
                image: w.image,
                currency: currency.to_string(),
                price,
                market_cap: w.market_cap,
                volume_24h: w.total_volume,
                change_1h_pct: w.price_change_percentage_1h_in_currency,
                change_24h_pct: w
                    .price_change_percentage_24h_in_currency
                    .or(w.price_change_percentage_24h),
                change_7d_pct: w.price_change_percentage_7d_in_currency,
                market_cap_rank: w.market_cap_rank,
                sparkline_7d: w
                    .sparkline_in_7d
                    .map(|s| s.price.into_iter().flatten().collect())
                    .unwrap_or_default(),
                updated_at: w.last_updated.unwrap_or(fetched_at),
                fetched_at,
                source: NAME.into(),
                figures: QuoteFigures {
                    change_30d_pct: w.price_change_percentage_30d_in_currency,
                    change_1y_pct: w.price_change_percentage_1y_in_currency,
                    ath: w.ath,
                    ath_at: w.ath_date.map(|d| d.timestamp_millis()),
                    atl: w.atl,
                    atl_at: w.atl_date.map(|d| d.timestamp_millis()),
                    circulating_supply: w.circulating_supply,
                    total_supply: w.total_supply,
                    max_supply: w.max_supply,
                    spread_pct: None,
                },
            })
        })
        .collect();
    Ok(keep_usable(MARKETS, quotes, |q| {
        (q.coin_id.as_str(), q.currency.as_str(), q.price)
    }))
}

/// Drops what the source got wrong before it reaches the store and the
/// alerts, so the last good price stays (shown stale, as after a failed
/// refresh):
/// - a second answer for a coin in a currency: the source contradicts
///   itself; the first counts (on `/coins/markets`, the higher rank);
/// - a price of 0 or less: a glitch, not a price. Kept, it would replace
///   the good one and fire every `below` rule.
///
/// One warning per answer names the coins.
fn keep_usable<T>(
    endpoint: &str,
    items: Vec<T>,
    key: impl Fn(&T) -> (&str, &str, Decimal),
) -> Vec<T> {
    let mut seen = HashSet::new();
    let (mut repeated, mut not_positive) = (Vec::new(), Vec::new());
    let mut kept = Vec::with_capacity(items.len());
    for item in items {
        let (coin, currency, price) = key(&item);
        if !seen.insert((coin.to_string(), currency.to_string())) {
            repeated.push(format!("{coin} ({currency})"));
        } else if price <= Decimal::ZERO {
            not_positive.push(format!("{coin} ({price} {currency})"));
        } else {
            kept.push(item);
        }
    }
    if !repeated.is_empty() || !not_positive.is_empty() {
        tracing::warn!(
            provider = NAME,
            endpoint,
            ?not_positive,
            ?repeated,
            "dropped prices the source got wrong; the stored ones stay"
        );
    }
    kept
}

/// A `/simple/price` body: coin id → field → value, in the order sent.
type SimpleWire = Entries<HashMap<String, serde_json::Value>>;

/// The prices of `ids` in `currencies` that `body` has, in the order asked.
fn parse_simple(
    body: SimpleWire,
    ids: &[String],
    currencies: &[String],
) -> Result<Vec<SimplePrice>, ProviderError> {
    let malformed = |what: String| ProviderError {
        provider: NAME,
        endpoint: SIMPLE_PRICE.into(),
        failure: Failure::Malformed(what),
    };
    let mut out = Vec::new();
    for (id, fields) in &body.0 {
        if !ids.contains(id) {
            continue;
        }
        let dec = |key: &str| -> Result<Option<Decimal>, ProviderError> {
            match fields.get(key) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(v) => v
                    .as_f64()
                    .and_then(decimal::from_f64)
                    .map(Some)
                    .ok_or_else(|| malformed(format!("{id}.{key} is not a number: {v}"))),
            }
        };
        let updated_at = fields
            .get("last_updated_at")
            .and_then(serde_json::Value::as_i64)
            .and_then(|t| Utc.timestamp_opt(t, 0).single());
        for cur in currencies {
            let Some(price) = dec(cur)? else { continue };
            out.push(SimplePrice {
                coin_id: id.clone(),
                currency: cur.clone(),
                price,
                market_cap: dec(&format!("{cur}_market_cap"))?,
                volume_24h: dec(&format!("{cur}_24h_vol"))?,
                change_24h_pct: fields
                    .get(&format!("{cur}_24h_change"))
                    .and_then(|v| v.as_f64()),
                updated_at,
            });
        }
    }
    let mut out = keep_usable(SIMPLE_PRICE, out, |p| {
        (p.coin_id.as_str(), p.currency.as_str(), p.price)
    });
    let asked = |p: &SimplePrice| {
        let coin = ids.iter().position(|id| *id == p.coin_id);
        (coin, currencies.iter().position(|c| *c == p.currency))
    };
    out.sort_by_key(asked);
    Ok(out)
}

impl PriceProvider for CoinGecko {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn markets(&self, req: &QuoteRequest) -> Result<Vec<Quote>, ProviderError> {
        let mut rows = Vec::new();
        let mut top = None;
        match &req.selection {
            Selection::Coins(ids) => {
                for chunk in ids.chunks(MAX_PER_PAGE) {
                    let page = self
                        .markets_page(&req.currency, Some(chunk), chunk.len(), 1)
                        .await?;
                    rows.extend(page);
                }
            }
            Selection::Top(n) => {
                let n = *n as usize;
                let per_page = n.clamp(1, MAX_PER_PAGE);
                for page in 1..=n.div_ceil(per_page) {
                    let page = self
                        .markets_page(&req.currency, None, per_page, page)
                        .await?;
                    let last = page.len() < per_page;
                    rows.extend(page);
                    if last {
                        break;
                    }
                }
                top = Some(n);
            }
        }
        let mut quotes = parse_markets(rows, &req.currency, Utc::now())?;
        if let Some(n) = top {
            quotes.truncate(n);
        }
        Ok(quotes)
    }

    async fn simple_prices(
        &self,
        ids: &[String],
        currencies: &[String],
    ) -> Result<Vec<SimplePrice>, ProviderError> {
        let query = [
            ("ids", ids.join(",")),
            ("vs_currencies", currencies.join(",")),
            ("include_market_cap", "true".to_string()),
            ("include_24hr_vol", "true".to_string()),
            ("include_24hr_change", "true".to_string()),
            ("include_last_updated_at", "true".to_string()),
        ];
        let body: SimpleWire = self.http.get_json(SIMPLE_PRICE, &query).await?;
        parse_simple(body, ids, currencies)
    }

    async fn coin_list(&self) -> Result<Vec<Coin>, ProviderError> {
        let coins: Vec<Coin> = self.http.get_json("/coins/list", &[]).await?;
        Ok(coins
            .into_iter()
            .map(|c| Coin {
                symbol: c.symbol.to_ascii_lowercase(),
                ..c
            })
            .collect())
    }

    async fn supported_currencies(&self) -> Result<Vec<String>, ProviderError> {
        self.http
            .get_json("/simple/supported_vs_currencies", &[])
            .await
    }

    async fn market_chart(
        &self,
        id: &str,
        currency: &str,
        days: u32,
    ) -> Result<Vec<ChartPoint>, ProviderError> {
        let endpoint = format!("/coins/{id}/market_chart");
        let query = [
            ("vs_currency", currency.to_string()),
            ("days", days.to_string()),
        ];
        let body: ChartWire = self.http.get_json(&endpoint, &query).await?;
        parse_chart(body, &endpoint)
    }

    async fn ohlc(
        &self,
        id: &str,
        currency: &str,
        days: u32,
    ) -> Result<Vec<OhlcCandle>, ProviderError> {
        let endpoint = format!("/coins/{id}/ohlc");
        let query = [
            ("vs_currency", currency.to_string()),
            ("days", days.to_string()),
        ];
        let rows: Vec<[f64; 5]> = self.http.get_json(&endpoint, &query).await?;
        parse_ohlc(rows, &endpoint)
    }

    async fn exchange_rates(&self) -> Result<Vec<ExchangeRate>, ProviderError> {
        const RATES: &str = "/exchange_rates";
        let body: RatesWire = self.http.get_json(RATES, &[]).await?;
        let mut rates: Vec<ExchangeRate> = body
            .rates
            .into_iter()
            .filter_map(|(code, r)| {
                let per_btc = r.value.filter(|v| *v > Decimal::ZERO)?;
                Some(ExchangeRate {
                    code: code.to_ascii_lowercase(),
                    name: r.name,
                    unit: r.unit,
                    kind: RateKind::parse(&r.kind).unwrap_or(RateKind::Fiat),
                    per_btc,
                })
            })
            .collect();
        if rates.is_empty() {
            return Err(malformed(RATES, "no usable rate".into()));
        }
        rates.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(rates)
    }
}

/// One element of `/coins/markets`, as CoinGecko sends it. Fields we do not
/// use are ignored; types are strict, so a string where a number belongs is
/// a [`Failure::Malformed`], not a silent zero.
#[derive(Deserialize)]
struct MarketWire {
    id: String,
    symbol: String,
    name: String,
    #[serde(default)]
    image: Option<String>,
    #[serde(default, deserialize_with = "decimal::opt")]
    current_price: Option<Decimal>,
    #[serde(default, deserialize_with = "decimal::opt")]
    market_cap: Option<Decimal>,
    #[serde(default)]
    market_cap_rank: Option<u32>,
    #[serde(default, deserialize_with = "decimal::opt")]
    total_volume: Option<Decimal>,
    #[serde(default)]
    price_change_percentage_24h: Option<f64>,
    #[serde(default)]
    price_change_percentage_1h_in_currency: Option<f64>,
    #[serde(default)]
    price_change_percentage_24h_in_currency: Option<f64>,
    #[serde(default)]
    price_change_percentage_7d_in_currency: Option<f64>,
    #[serde(default)]
    price_change_percentage_30d_in_currency: Option<f64>,
    #[serde(default)]
    price_change_percentage_1y_in_currency: Option<f64>,
    #[serde(default, deserialize_with = "decimal::opt")]
    ath: Option<Decimal>,
    #[serde(default)]
    ath_date: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "decimal::opt")]
    atl: Option<Decimal>,
    #[serde(default)]
    atl_date: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "decimal::opt")]
    circulating_supply: Option<Decimal>,
    #[serde(default, deserialize_with = "decimal::opt")]
    total_supply: Option<Decimal>,
    #[serde(default, deserialize_with = "decimal::opt")]
    max_supply: Option<Decimal>,
    #[serde(default)]
    sparkline_in_7d: Option<SparklineWire>,
    #[serde(default)]
    last_updated: Option<DateTime<Utc>>,
}

/// A `/coins/{id}/market_chart` body: `[ms, value]` pairs. A value may be
/// null (CoinGecko sends it for a gap); the pair is then skipped.
#[derive(Deserialize)]
struct ChartWire {
    prices: Vec<(f64, Option<f64>)>,
    #[serde(default)]
    total_volumes: Vec<(f64, Option<f64>)>,
}

/// A `/exchange_rates` body.
#[derive(Deserialize)]
struct RatesWire {
    rates: HashMap<String, RateWire>,
}

#[derive(Deserialize)]
struct RateWire {
    name: String,
    unit: String,
    #[serde(deserialize_with = "decimal::opt")]
    value: Option<Decimal>,
    #[serde(rename = "type")]
    kind: String,
}

/// The chart points of a `/coins/{id}/market_chart` body, oldest first,
/// each with the volume sent for the same moment. Prices of 0 or less are
/// dropped: a gap, not a price.
fn parse_chart(body: ChartWire, endpoint: &str) -> Result<Vec<ChartPoint>, ProviderError> {
    let volumes: HashMap<i64, Decimal> = body
        .total_volumes
        .iter()
        .filter_map(|(t, v)| Some((*t as i64, decimal::from_f64((*v)?)?)))
        .collect();
    let mut points = Vec::with_capacity(body.prices.len());
    for (t, price) in body.prices {
        let Some(price) = price else { continue };
        let price = decimal::from_f64(price)
            .ok_or_else(|| malformed(endpoint, format!("price {price} at {t}")))?;
        if price <= Decimal::ZERO || !t.is_finite() {
            continue;
        }
        let ts_ms = t as i64;
        points.push(ChartPoint {
            ts_ms,
            price,
            volume: volumes.get(&ts_ms).copied(),
        });
    }
    points.sort_by_key(|p| p.ts_ms);
    points.dedup_by_key(|p| p.ts_ms);
    Ok(points)
}

/// The candles of a `/coins/{id}/ohlc` body, oldest first; one whose
/// figures contradict each other (a low above its high, a price of 0 or
/// less) is dropped.
fn parse_ohlc(rows: Vec<[f64; 5]>, endpoint: &str) -> Result<Vec<OhlcCandle>, ProviderError> {
    let sent = rows.len();
    let mut candles = Vec::with_capacity(sent);
    for [t, o, h, l, c] in rows {
        let dec =
            |v: f64| decimal::from_f64(v).ok_or_else(|| malformed(endpoint, format!("{v} at {t}")));
        let (open, high, low, close) = (dec(o)?, dec(h)?, dec(l)?, dec(c)?);
        let sane = low > Decimal::ZERO && low <= open.min(close) && high >= open.max(close);
        if sane && t.is_finite() {
            candles.push(OhlcCandle {
                close_ms: t as i64,
                open,
                high,
                low,
                close,
            });
        }
    }
    if candles.len() < sent {
        tracing::warn!(
            provider = NAME,
            endpoint,
            dropped = sent - candles.len(),
            "dropped candles whose figures contradict each other"
        );
    }
    candles.sort_by_key(|c| c.close_ms);
    candles.dedup_by_key(|c| c.close_ms);
    Ok(candles)
}

fn malformed(endpoint: &str, what: String) -> ProviderError {
    ProviderError {
        provider: NAME,
        endpoint: endpoint.to_string(),
        failure: Failure::Malformed(what),
    }
}

#[derive(Deserialize)]
struct SparklineWire {
    #[serde(default)]
    price: Vec<Option<f64>>,
}

/// A JSON object's entries in the order sent, a repeated key included:
/// serde's maps would silently keep the last, and [`keep_usable`] keeps the
/// first, as it does for `/coins/markets`.
struct Entries<V>(Vec<(String, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Entries<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct InOrder<V>(PhantomData<V>);

        impl<'de, V: Deserialize<'de>> Visitor<'de> for InOrder<V> {
            type Value = Entries<V>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }

        d.deserialize_map(InOrder(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"[{"id":"bitcoin","symbol":"BTC","name":"Bitcoin","image":"https://x/b.png",
        "current_price":67187.33,"market_cap":1317802988326,"market_cap_rank":1,
        "fully_diluted_valuation":1409870000000,"total_volume":31260929299,
        "price_change_percentage_24h":3.64,"roi":null,"last_updated":"2024-04-07T16:49:31.736Z",
        "sparkline_in_7d":{"price":[66000.1,null,67187.33]},
        "price_change_percentage_1h_in_currency":0.12,
        "price_change_percentage_24h_in_currency":3.64,
        "price_change_percentage_7d_in_currency":-1.5},
        {"id":"dead","symbol":"dead","name":"Dead","current_price":null,"total_volume":null}]"#;

    #[test]
    fn markets_body_parses_to_exact_quotes_and_skips_priceless_coins() {
        let q = parse_markets_body(ONE.as_bytes(), "usd").expect("valid body");
        assert_eq!(q.len(), 1);
        assert_eq!(q[0].symbol, "btc");
        assert_eq!(q[0].price.to_string(), "67187.33");
        assert_eq!(q[0].market_cap, Some(Decimal::from(1_317_802_988_326_u64)));
        assert_eq!(q[0].sparkline_7d, vec![66000.1, 67187.33]);
        assert_eq!(q[0].change_7d_pct, Some(-1.5));
        assert_eq!(q[0].updated_at.timestamp(), 1_712_508_571);
    }

    #[test]
    fn prices_of_zero_or_less_and_repeated_coins_are_dropped() {
        let body = br#"[
            {"id":"bitcoin","symbol":"btc","name":"Bitcoin","current_price":70000},
            {"id":"zero","symbol":"z","name":"Zero","current_price":0},
            {"id":"bitcoin","symbol":"btc","name":"Bitcoin","current_price":140000},
            {"id":"negative","symbol":"n","name":"Negative","current_price":-1.5},
            {"id":"ethereum","symbol":"eth","name":"Ethereum","current_price":3500.5}]"#;
        let quotes = parse_markets_body(body, "usd").expect("valid body");
        let got: Vec<_> = quotes
            .iter()
            .map(|q| (q.coin_id.as_str(), q.price.to_string()))
            .collect();
        assert_eq!(
            got,
            [("bitcoin", "70000".into()), ("ethereum", "3500.5".into())]
        );
    }

    #[test]
    fn simple_prices_of_zero_or_less_and_repeated_coins_are_dropped() {
        let body = r#"{
            "bitcoin": {"usd": 70000, "eur": 0, "usd_market_cap": 1.4e12},
            "ethereum": {"usd": -3, "eur": 3200.5},
            "bitcoin": {"usd": 140000, "eur": 130000}}"#;
        let body: SimpleWire = serde_json::from_str(body).expect("valid body");
        let ids = ["bitcoin".to_string(), "ethereum".to_string()];
        let prices = parse_simple(body, &ids, &["usd".into(), "eur".into()]).expect("parsed");
        let got: Vec<_> = prices
            .iter()
            .map(|p| (p.coin_id.as_str(), p.currency.as_str(), p.price.to_string()))
            .collect();
        assert_eq!(
            got,
            [
                ("bitcoin", "usd", "70000".into()),
                ("ethereum", "eur", "3200.5".into())
            ]
        );
    }

    #[test]
    fn chart_points_keep_exact_prices_and_their_volumes_and_skip_gaps() {
        let body: ChartWire = serde_json::from_str(
            r#"{"prices":[[1711929600000,69702.3087473573],[1711843200000,0.1],[1711933200000,null],[1711936800000,-1]],
                "market_caps":[[1711929600000,1370247487960.09]],
                "total_volumes":[[1711929600000,16408802301.8374],[1711843200000,5]]}"#,
        )
        .expect("valid body");
        let points = parse_chart(body, "/coins/bitcoin/market_chart").expect("parsed");
        let got: Vec<_> = points
            .iter()
            .map(|p| {
                (
                    p.ts_ms,
                    p.price.to_string(),
                    p.volume.map(|v| v.to_string()),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (1_711_843_200_000, "0.1".into(), Some("5".into())),
                (
                    1_711_929_600_000,
                    "69702.3087473573".into(),
                    Some("16408802301.8374".into())
                ),
            ]
        );
    }

    #[test]
    fn ohlc_candles_that_contradict_themselves_are_dropped() {
        let rows: Vec<[f64; 5]> = serde_json::from_str(
            "[[1709395200000,61942,62211,61721,61845],[1709396999000,10,9,11,10],[1709398800000,61828,62139,61726,62139]]",
        )
        .expect("valid body");
        let candles = parse_ohlc(rows, "/coins/bitcoin/ohlc").expect("parsed");
        assert_eq!(candles.len(), 2);
        assert_eq!(candles[1].close.to_string(), "62139");
        let err = serde_json::from_str::<Vec<[f64; 5]>>(r#"[[1,"abc",1,1,1]]"#);
        assert!(err.is_err(), "a string is not a price");
    }

    #[test]
    fn wrong_types_are_malformed_and_name_the_endpoint() {
        let err = parse_markets_body(
            br#"[{"id":"x","symbol":"x","name":"X","current_price":"abc"}]"#,
            "usd",
        )
        .expect_err("a string is not a price");
        assert_eq!(err.kind(), crate::error_kind::ErrorKind::Upstream);
        assert!(
            err.to_string()
                .starts_with("CoinGecko /coins/markets: malformed answer"),
            "{err}"
        );
    }
}
