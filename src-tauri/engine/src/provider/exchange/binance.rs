//! Binance spot: REST `GET /api/v3/ticker/24hr?symbols=[…]`, daily klines
//! `GET /api/v3/klines?symbol=…&interval=1d` for a coin's past, and the
//! combined stream `/stream?streams=<symbol>@ticker/…` (lowercase names;
//! the server pings every 20 s and the socket layer answers; it closes a
//! connection after 24 h, and the stream task reconnects).

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::{Frame, HttpClient, Pair, ProviderError, StreamPlan, Tick, decimal_text, malformed};
use crate::model::{DailyCandle, Source};

const TICKER_24HR: &str = "/api/v3/ticker/24hr";
const KLINES: &str = "/api/v3/klines";
/// The most klines one request answers (Binance's maximum `limit`).
pub(super) const KLINES_PER_REQUEST: u64 = 1000;
const DAY_MS: i64 = 86_400_000;

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

/// The daily klines of `symbol` (e.g. BTCUSDT) for the UTC days from
/// `first` to `last`, oldest first: one request, so at most
/// [`KLINES_PER_REQUEST`] days. A kline is
/// `[openTime, "open", "high", "low", "close", "volume", closeTime, …]`,
/// times in milliseconds, prices as strings. A day the market did not
/// trade yet is simply absent.
pub(super) async fn daily_klines(
    http: &HttpClient,
    symbol: &str,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Vec<DailyCandle>, ProviderError> {
    let start = day_start_ms(first);
    let query = [
        ("symbol", symbol.to_string()),
        ("interval", "1d".to_string()),
        ("startTime", start.to_string()),
        // Through the last day's final millisecond: its kline opens at
        // its midnight and is included.
        ("endTime", (day_start_ms(last) + DAY_MS - 1).to_string()),
        ("limit", KLINES_PER_REQUEST.to_string()),
    ];
    let rows: Vec<Vec<serde_json::Value>> = http.get_json(KLINES, &query).await?;
    parse_klines(rows, first, last).map_err(|why| malformed(http, KLINES, why))
}

/// Klines as daily candles; those outside `first..=last` are left out.
pub(super) fn parse_klines(
    rows: Vec<Vec<serde_json::Value>>,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Vec<DailyCandle>, String> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let (open_ms, [open, high, low, close]) = kline(&row)?;
        if open_ms.rem_euclid(DAY_MS) != 0 {
            return Err(format!("kline at {open_ms} ms is not a UTC day's"));
        }
        let Some(day) = millis(open_ms).map(|t| t.date_naive()) else {
            return Err(format!("kline time {open_ms} is out of range"));
        };
        if (first..=last).contains(&day) {
            out.push(DailyCandle {
                day,
                open,
                high,
                low,
                close,
                source: Source::Binance,
            });
        }
    }
    out.sort_by_key(|c| c.day);
    Ok(out)
}

/// One kline of any interval: its open time (ms), then its open, high,
/// low and close.
pub(super) fn kline(row: &[serde_json::Value]) -> Result<(i64, [Decimal; 4]), String> {
    let open_ms = row
        .first()
        .and_then(serde_json::Value::as_i64)
        .ok_or_else(|| format!("a kline without an open time: {}", short(row)))?;
    let price = |i: usize| {
        row.get(i)
            .and_then(serde_json::Value::as_str)
            .and_then(decimal_text)
            .ok_or_else(|| format!("kline at {open_ms} ms: field {i} is not a price"))
    };
    Ok((open_ms, [price(1)?, price(2)?, price(3)?, price(4)?]))
}

fn day_start_ms(day: NaiveDate) -> i64 {
    day.and_time(chrono::NaiveTime::MIN)
        .and_utc()
        .timestamp_millis()
}

fn short(row: &[serde_json::Value]) -> String {
    serde_json::to_string(row)
        .unwrap_or_default()
        .chars()
        .take(80)
        .collect()
}

/// Binance's HTTP 400 {"code": -1121, "msg": "Invalid symbol."}.
pub(super) fn unknown_symbol(e: &ProviderError) -> bool {
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
