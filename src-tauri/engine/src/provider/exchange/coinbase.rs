//! Coinbase Advanced Trade: REST `GET
//! /api/v3/brokerage/market/products?product_ids=…` (public, no key) and
//! the WebSocket `ticker` channel with `heartbeats`, both subscribed at
//! once: Coinbase closes a socket that subscribes to nothing within 5 s.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{Frame, HttpClient, Pair, ProviderError, StreamPlan, Tick, decimal_text, malformed};

const PRODUCTS: &str = "/api/v3/brokerage/market/products";

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
