//! Binance spot: REST `GET /api/v3/ticker/24hr?symbols=[…]` and the
//! combined stream `/stream?streams=<symbol>@ticker/…` (lowercase names;
//! the server pings every 20 s and the socket layer answers; it closes a
//! connection after 24 h, and the stream task reconnects).

use chrono::{DateTime, TimeZone, Utc};
use serde::Deserialize;

use super::{Frame, HttpClient, Pair, ProviderError, StreamPlan, Tick, decimal_text, malformed};

const TICKER_24HR: &str = "/api/v3/ticker/24hr";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Ticker24hr {
    symbol: String,
    last_price: String,
    price_change_percent: Option<String>,
    close_time: Option<i64>,
}

/// One request for every pair; Binance refuses the whole batch if one
/// symbol is unknown (a delisting), and then each is asked alone, the
/// unknown ones left out.
pub(super) async fn tickers(http: &HttpClient, pairs: &[Pair]) -> Result<Vec<Tick>, ProviderError> {
    let symbols: Vec<&str> = pairs.iter().map(|p| p.rest.as_str()).collect();
    let symbols = serde_json::to_string(&symbols).unwrap_or_default();
    let rows: Vec<Ticker24hr> = match http.get_json(TICKER_24HR, &[("symbols", symbols)]).await {
        Ok(rows) => rows,
        Err(e) if unknown_symbol(&e) && pairs.len() > 1 => {
            let mut rows = Vec::new();
            for p in pairs {
                match http
                    .get_json(TICKER_24HR, &[("symbol", p.rest.clone())])
                    .await
                {
                    Ok(row) => rows.push(row),
                    Err(e) if unknown_symbol(&e) => {
                        tracing::warn!(symbol = %p.rest, "Binance does not know this symbol; skipped");
                    }
                    Err(e) => return Err(e),
                }
            }
            rows
        }
        Err(e) => return Err(e),
    };
    let now = Utc::now();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(pair) = pairs.iter().find(|p| p.rest == row.symbol) else {
            continue;
        };
        let price = decimal_text(&row.last_price).ok_or_else(|| {
            malformed(http, TICKER_24HR, format!("lastPrice '{}'", row.last_price))
        })?;
        out.push(pair.tick(
            price,
            row.price_change_percent.and_then(|p| p.parse().ok()),
            row.close_time.and_then(millis).unwrap_or(now),
        ));
    }
    Ok(out)
}

/// Binance's HTTP 400 {"code": -1121, "msg": "Invalid symbol."}.
fn unknown_symbol(e: &ProviderError) -> bool {
    matches!(&e.failure, crate::provider::Failure::Status { status: 400, message } if message.contains("Invalid symbol"))
}

pub(super) fn stream_plan(base: &str, pairs: &[Pair]) -> StreamPlan {
    let streams: Vec<&str> = pairs.iter().map(|p| p.stream.as_str()).collect();
    StreamPlan {
        url: format!("{base}/stream?streams={}", streams.join("/")),
        subscribe: Vec::new(),
        ping: None,
    }
}

#[derive(Deserialize)]
struct Combined {
    stream: Option<String>,
    data: Option<serde_json::Value>,
    error: Option<ErrorBody>,
}

#[derive(Deserialize)]
struct ErrorBody {
    msg: Option<String>,
}

#[derive(Deserialize)]
struct TickerEvent {
    #[serde(rename = "E")]
    event_ms: Option<i64>,
    #[serde(rename = "s")]
    symbol: String,
    #[serde(rename = "c")]
    last: String,
    #[serde(rename = "P")]
    change_pct: Option<String>,
}

pub(super) fn parse_stream(
    text: &str,
    pairs: &[Pair],
    received: DateTime<Utc>,
) -> Result<Frame, String> {
    let msg: Combined = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if let Some(e) = msg.error {
        return Ok(Frame::Refused(e.msg.unwrap_or_else(|| "error".into())));
    }
    let Some(data) = msg.data else {
        // {"result":null,"id":1}: a SUBSCRIBE answered.
        return Ok(Frame::Alive);
    };
    // Other events (`serverShutdown` before a restart) carry no price.
    if data.get("e").and_then(|e| e.as_str()) != Some("24hrTicker") {
        return Ok(Frame::Alive);
    }
    let data: TickerEvent = serde_json::from_value(data).map_err(|e| e.to_string())?;
    let stream = msg.stream.unwrap_or_default();
    let Some(pair) = pairs
        .iter()
        .find(|p| p.stream == stream || p.rest == data.symbol)
    else {
        return Ok(Frame::Alive);
    };
    let price = decimal_text(&data.last).ok_or_else(|| format!("price '{}'", data.last))?;
    Ok(Frame::Ticks(vec![pair.tick(
        price,
        data.change_pct.and_then(|p| p.parse().ok()),
        data.event_ms.and_then(millis).unwrap_or(received),
    )]))
}

fn millis(ms: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_millis_opt(ms).single()
}
