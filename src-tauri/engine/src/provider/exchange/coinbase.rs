//! Coinbase Advanced Trade: REST `GET
//! /api/v3/brokerage/market/products?product_ids=…` (public, no key), a
//! product's daily candles `GET …/market/products/{id}/candles` for a
//! coin's past, and the WebSocket `ticker` channel with `heartbeats`, both
//! subscribed at once: Coinbase closes a socket that subscribes to nothing
//! within 5 s.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use super::{Frame, HttpClient, Pair, ProviderError, StreamPlan, Tick, decimal_text, malformed};
use crate::model::{DailyCandle, Source};

const PRODUCTS: &str = "/api/v3/brokerage/market/products";
/// The most days one candles request spans. Coinbase refuses a request for
/// more than 350 candles ("number of candles requested should be less
/// than 350"), and has refused more than 300 before; 300 passes both.
pub(super) const CANDLES_PER_REQUEST: u64 = 300;
const DAY: i64 = 86_400;

#[derive(Deserialize)]
struct Candles {
    #[serde(default)]
    candles: Vec<Candle>,
}

/// Every field a string; `start` in Unix seconds.
#[derive(Deserialize)]
pub(super) struct Candle {
    start: String,
    low: String,
    high: String,
    open: String,
    close: String,
}

/// The daily candles of `product` (e.g. BTC-USD) for the UTC days from
/// `first` to `last`, oldest first (Coinbase answers newest first): one
/// request, so at most [`CANDLES_PER_REQUEST`] days. A day the product did
/// not trade is absent.
pub(super) async fn daily_candles(
    http: &HttpClient,
    product: &str,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Vec<DailyCandle>, ProviderError> {
    let endpoint = format!("{PRODUCTS}/{product}/candles");
    let query = [
        ("start", day_start(first).to_string()),
        // Through the last day's final second: its candle starts at its
        // midnight, whether or not the server counts `end` in.
        ("end", (day_start(last) + DAY - 1).to_string()),
        ("granularity", "ONE_DAY".to_string()),
    ];
    let answer: Candles = http.get_json(&endpoint, &query).await?;
    parse_candles(answer.candles, first, last).map_err(|why| malformed(http, &endpoint, why))
}

pub(super) fn parse_candles(
    candles: Vec<Candle>,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Vec<DailyCandle>, String> {
    let mut out = Vec::with_capacity(candles.len());
    for c in candles {
        let start: i64 = c
            .start
            .trim()
            .parse()
            .map_err(|_| format!("candle start '{}' is not a Unix time", c.start))?;
        if start.rem_euclid(DAY) != 0 {
            return Err(format!("candle at {start} s is not a UTC day's"));
        }
        let Some(day) = DateTime::from_timestamp(start, 0).map(|t| t.date_naive()) else {
            return Err(format!("candle start {start} is out of range"));
        };
        let price = |name: &str, v: &str| {
            decimal_text(v).ok_or_else(|| format!("candle of {day}: {name} '{v}'"))
        };
        let candle = DailyCandle {
            day,
            open: price("open", &c.open)?,
            high: price("high", &c.high)?,
            low: price("low", &c.low)?,
            close: price("close", &c.close)?,
            source: Source::Coinbase,
        };
        if (first..=last).contains(&day) {
            out.push(candle);
        }
    }
    out.sort_by_key(|c| c.day);
    Ok(out)
}

fn day_start(day: NaiveDate) -> i64 {
    day.and_time(chrono::NaiveTime::MIN).and_utc().timestamp()
}

/// Coinbase's answer for a product it does not list: 404 NOT_FOUND, or
/// 400 naming the product id.
pub(super) fn unknown_product(e: &ProviderError) -> bool {
    match &e.failure {
        crate::provider::Failure::Status { status: 404, .. } => true,
        crate::provider::Failure::Status {
            status: 400,
            message,
        } => message.to_ascii_lowercase().contains("product"),
        _ => false,
    }
}

#[derive(Deserialize)]
struct Products {
    #[serde(default)]
    products: Vec<Product>,
}

#[derive(Deserialize)]
struct Product {
    product_id: String,
    price: String,
    price_percentage_change_24h: Option<String>,
}

pub(super) async fn tickers(http: &HttpClient, pairs: &[Pair]) -> Result<Vec<Tick>, ProviderError> {
    let query: Vec<(&str, String)> = pairs
        .iter()
        .map(|p| ("product_ids", p.rest.clone()))
        .collect();
    let answer: Products = http.get_json(PRODUCTS, &query).await?;
    let now = Utc::now();
    let mut out = Vec::new();
    for p in answer.products {
        let Some(pair) = pairs.iter().find(|x| x.rest == p.product_id) else {
            continue;
        };
        let price = decimal_text(&p.price).ok_or_else(|| {
            malformed(
                http,
                PRODUCTS,
                format!("{}: price '{}'", p.product_id, p.price),
            )
        })?;
        out.push(pair.tick(
            price,
            p.price_percentage_change_24h.and_then(|c| c.parse().ok()),
            now,
        ));
    }
    Ok(out)
}

pub(super) fn stream_plan(base: &str, pairs: &[Pair]) -> StreamPlan {
    let products: Vec<&str> = pairs.iter().map(|p| p.stream.as_str()).collect();
    let ticker =
        serde_json::json!({"type": "subscribe", "product_ids": products, "channel": "ticker"});
    let heartbeats = serde_json::json!({"type": "subscribe", "channel": "heartbeats"});
    StreamPlan {
        url: base.to_string(),
        subscribe: vec![ticker.to_string(), heartbeats.to_string()],
        ping: None,
    }
}

#[derive(Deserialize)]
struct Message {
    #[serde(rename = "type")]
    kind: Option<String>,
    channel: Option<String>,
    message: Option<String>,
    timestamp: Option<DateTime<Utc>>,
    #[serde(default)]
    events: Vec<Event>,
}

#[derive(Deserialize)]
struct Event {
    #[serde(default)]
    tickers: Vec<Ticker>,
}

#[derive(Deserialize)]
struct Ticker {
    product_id: String,
    price: String,
    price_percent_chg_24_h: Option<String>,
}

pub(super) fn parse_stream(
    text: &str,
    pairs: &[Pair],
    received: DateTime<Utc>,
) -> Result<Frame, String> {
    let msg: Message = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if msg.kind.as_deref() == Some("error") {
        return Ok(Frame::Refused(
            msg.message.unwrap_or_else(|| "error".into()),
        ));
    }
    if msg.channel.as_deref() != Some("ticker") {
        return Ok(Frame::Alive);
    }
    let at = msg.timestamp.unwrap_or(received);
    let mut ticks = Vec::new();
    for t in msg.events.into_iter().flat_map(|e| e.tickers) {
        let Some(pair) = pairs.iter().find(|p| p.stream == t.product_id) else {
            continue;
        };
        let price = decimal_text(&t.price)
            .ok_or_else(|| format!("{}: price '{}'", t.product_id, t.price))?;
        ticks.push(pair.tick(
            price,
            t.price_percent_chg_24_h.and_then(|c| c.parse().ok()),
            at,
        ));
    }
    Ok(Frame::Ticks(ticks))
}
