//! Kraken: REST `GET /0/public/Ticker?pair=XBTUSD,…` (answered under the
//! legacy keys of older assets, errors in an `error` array with HTTP 200)
//! and WebSocket v2's `ticker` channel: a subscribe, an ack per symbol, a
//! snapshot, updates, and a heartbeat every second. v2 sends prices as JSON
//! numbers; they are read as the decimals written.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::{Frame, HttpClient, Pair, ProviderError, StreamPlan, Tick, decimal_text, malformed};
use crate::provider::Failure;
use crate::provider::decimal;

const TICKER: &str = "/0/public/Ticker";

#[derive(Deserialize)]
struct TickerAnswer {
    #[serde(default)]
    error: Vec<String>,
    #[serde(default)]
    result: HashMap<String, TickerInfo>,
}

#[derive(Deserialize)]
struct TickerInfo {
    /// Last trade: [price, lot volume].
    c: Vec<String>,
    /// Today's opening price.
    o: Option<String>,
}

pub(super) async fn tickers(http: &HttpClient, pairs: &[Pair]) -> Result<Vec<Tick>, ProviderError> {
    let names: Vec<&str> = pairs.iter().map(|p| p.rest.as_str()).collect();
    let answer: TickerAnswer = http.get_json(TICKER, &[("pair", names.join(","))]).await?;
    if !answer.error.is_empty() {
        return Err(ProviderError {
            provider: http.provider(),
            endpoint: TICKER.into(),
            failure: Failure::Status {
                status: 200,
                message: answer.error.join("; "),
            },
        });
    }
    let now = Utc::now();
    let mut out = Vec::new();
    for (key, info) in answer.result {
        let Some(pair) = pairs.iter().find(|p| p.rest_key == key || p.rest == key) else {
            continue;
        };
        let last = info.c.first().map(String::as_str).unwrap_or_default();
        let price = decimal_text(last)
            .ok_or_else(|| malformed(http, TICKER, format!("{key}: last price '{last}'")))?;
        let open = info.o.as_deref().and_then(decimal_text);
        out.push(pair.tick(price, open.and_then(|o| pct_change(o, price)), now));
    }
    Ok(out)
}

fn pct_change(from: Decimal, to: Decimal) -> Option<f64> {
    use rust_decimal::prelude::ToPrimitive;
    ((to - from) / from * Decimal::ONE_HUNDRED).to_f64()
}

pub(super) fn stream_plan(base: &str, pairs: &[Pair]) -> StreamPlan {
    let symbols: Vec<&str> = pairs.iter().map(|p| p.stream.as_str()).collect();
    let subscribe = serde_json::json!({
        "method": "subscribe",
        "params": {"channel": "ticker", "symbol": symbols},
        "req_id": 1,
    });
    StreamPlan {
        url: base.to_string(),
        subscribe: vec![subscribe.to_string()],
        ping: Some(r#"{"method":"ping","req_id":2}"#.into()),
    }
}

#[derive(Deserialize)]
struct Message {
    channel: Option<String>,
    method: Option<String>,
    success: Option<bool>,
    error: Option<String>,
    #[serde(default)]
    data: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct TickerData {
    symbol: String,
    #[serde(deserialize_with = "decimal::opt", default)]
    last: Option<Decimal>,
    change_pct: Option<f64>,
    timestamp: Option<DateTime<Utc>>,
}

pub(super) fn parse_stream(
    text: &str,
    pairs: &[Pair],
    received: DateTime<Utc>,
) -> Result<Frame, String> {
    let msg: Message = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if msg.success == Some(false) {
        return Ok(Frame::Refused(
            msg.error.unwrap_or_else(|| "refused".into()),
        ));
    }
    if msg.method.is_some() || msg.channel.as_deref() != Some("ticker") {
        // Acks, pongs, heartbeats and status.
        return Ok(Frame::Alive);
    }
    let mut ticks = Vec::new();
    for item in msg.data {
        let t: TickerData = serde_json::from_value(item).map_err(|e| e.to_string())?;
        let Some(pair) = pairs.iter().find(|p| p.stream == t.symbol) else {
            continue;
        };
        let Some(price) = t.last.filter(|p| *p > Decimal::ZERO) else {
            return Err(format!("{}: no last price", t.symbol));
        };
        ticks.push(pair.tick(price, t.change_pct, t.timestamp.unwrap_or(received)));
    }
    Ok(Frame::Ticks(ticks))
}
