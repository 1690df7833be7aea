//! Binance spot, as documented in binance-spot-api-docs (rest-api.md "24hr
//! ticker price change statistics", web-socket-streams.md "Individual
//! Symbol Ticker Streams", errors.md):
//!
//! - REST `GET /api/v3/ticker/24hr?symbols=["BTCUSDT","ETHUSDT"]` (a
//!   URL-encoded JSON array) answers an array of FULL tickers;
//!   `?symbol=BTCUSDT` one object; neither, every symbol. Every decimal is
//!   a string padded to 8 places ("70000.00000000"), the percent to 3
//!   ("1.230"); times and ids are numbers. A symbol Binance does not list:
//!   HTTP 400 `{"code":-1121,"msg":"Invalid symbol."}`; one that is not
//!   uppercase letters and digits: HTTP 400 -1100 (illegal characters).
//! - WebSocket combined streams at `/stream?streams=btcusdt@ticker/…`:
//!   `{"stream":"btcusdt@ticker","data":{"e":"24hrTicker",…}}`. Stream
//!   names are lowercase; an uppercase one is accepted and gets nothing
//!   (as the real server). Live SUBSCRIBE / UNSUBSCRIBE /
//!   LIST_SUBSCRIPTIONS method messages are answered. The server pings;
//!   a pong must echo the ping's payload.
//! - REST `GET /api/v3/klines?symbol=BTCUSDT&interval=1d&startTime=&endTime=
//!   &limit=` (market-data.md "Kline/Candlestick data") answers an array of
//!   klines `[openTime, "open", "high", "low", "close", "volume",
//!   closeTime, "quoteVolume", trades, "takerBase", "takerQuote", "0"]`
//!   (times in ms, numbers; decimals as 8-place strings), oldest first,
//!   opening from `startTime` to `endTime`, at most `limit` (default 500,
//!   at most 1000: more is -1130). The fake serves `interval=1d` only
//!   (another is -1120, "Invalid interval.").
//! - On shutdown the server sends `{"stream":"!serverShutdown","data":
//!   {"e":"serverShutdown","E":…}}` before closing, as documented.

use std::time::Duration;

use chrono::Datelike;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::history::{day_of, day_start};
use super::market::{self, Stats};
use super::{State, json_response, now_ms};

/// The klines endpoint's path.
pub(super) const KLINES: &str = "/api/v3/klines";

/// BTC 70000, ETH 3500, SOL 150 against USDT, USDC and EUR (≈ ×0.92).
pub(super) const SEED: &[(&str, &str)] = &[
    ("BTCUSDT", "70000.00"),
    ("ETHUSDT", "3500.00"),
    ("SOLUSDT", "150.00"),
    ("BTCUSDC", "70000.00"),
    ("BTCEUR", "64400.00"),
    ("ETHEUR", "3220.00"),
];

/// Every decimal Binance sends has (at least) 8 places.
fn d8(d: rust_decimal::Decimal) -> String {
    market::padded(d, 8)
}

/// The symbol a stream name follows, if it is a lowercase
/// `<symbol>@ticker` of a listed symbol (an uppercase name gets no data).
pub(super) fn stream_pair(st: &State, stream: &str) -> Option<String> {
    let symbol = stream.strip_suffix("@ticker")?;
    if symbol.is_empty() || symbol.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let upper = symbol.to_ascii_uppercase();
    st.pairs.contains_key(&upper).then_some(upper)
}

/// The 24-hour window Binance reports: it ends now.
fn window() -> (i64, i64) {
    let close = now_ms();
    (close - 86_400_000, close)
}

/// A `<symbol>@ticker` event, wrapped as a combined stream's.
fn ticker_event(st: &State, stream: &str, symbol: &str) -> Option<String> {
    let s = st.pairs.get(symbol)?.stats(symbol);
    let (open_ms, close_ms) = window();
    let data = json!({
        "e": "24hrTicker",
        "E": close_ms,
        "s": symbol,
        "p": d8(s.change),
        "P": pct(&s),
        "w": d8(s.vwap),
        "x": d8(s.open),
        "c": d8(s.last),
        "Q": d8(s.last_qty),
        "b": d8(s.bid),
        "B": d8(s.bid_qty),
        "a": d8(s.ask),
        "A": d8(s.ask_qty),
        "o": d8(s.open),
        "h": d8(s.high),
        "l": d8(s.low),
        "v": d8(s.volume),
        "q": d8(s.quote_volume),
        "O": open_ms,
        "C": close_ms,
        "F": 1_000_000_000_u64,
        "L": 1_000_000_000 + s.trades - 1,
        "n": s.trades,
    });
    Some(json!({ "stream": stream, "data": data }).to_string())
}

/// Price change percent, 3 places ("1.230"), as Binance sends it.
fn pct(s: &Stats) -> String {
    market::padded(s.change_pct, 3)
}

/// A FULL `/api/v3/ticker/24hr` object.
fn rest_ticker(symbol: &str, s: &Stats) -> Value {
    let (open_ms, close_ms) = window();
    json!({
        "symbol": symbol,
        "priceChange": d8(s.change),
        "priceChangePercent": pct(s),
        "weightedAvgPrice": d8(s.vwap),
        "prevClosePrice": d8(s.open),
        "lastPrice": d8(s.last),
        "lastQty": d8(s.last_qty),
        "bidPrice": d8(s.bid),
        "bidQty": d8(s.bid_qty),
        "askPrice": d8(s.ask),
        "askQty": d8(s.ask_qty),
        "openPrice": d8(s.open),
        "highPrice": d8(s.high),
        "lowPrice": d8(s.low),
        "volume": d8(s.volume),
        "quoteVolume": d8(s.quote_volume),
        "openTime": open_ms,
        "closeTime": close_ms,
        "firstId": 1_000_000_000_u64,
        "lastId": 1_000_000_000 + s.trades - 1,
        "count": s.trades,
    })
}

fn error(status: StatusCode, code: i64, msg: &str) -> Response {
    json_response(status, json!({ "code": code, "msg": msg }).to_string())
}

/// Binance's symbol rule in `symbols`: uppercase letters, digits, `-_.`.
fn legal(symbol: &str) -> bool {
    (1..=20).contains(&symbol.len())
        && symbol
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b"-_.".contains(&b))
}

/// `/api/v3/klines`: a symbol's daily klines.
fn klines(st: &State, query: &[(String, String)]) -> Response {
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let bad = |code: i64, msg: &str| error(StatusCode::BAD_REQUEST, code, msg);
    let Some(symbol) = param("symbol").filter(|s| !s.is_empty()) else {
        return bad(
            -1102,
            "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.",
        );
    };
    if !legal(symbol) {
        return bad(
            -1100,
            "Illegal characters found in parameter 'symbol'; legal range is '^[A-Z0-9-_.]{1,20}$'.",
        );
    }
    let Some(pair) = st.pairs.get(symbol) else {
        return bad(-1121, "Invalid symbol.");
    };
    match param("interval") {
        None | Some("") => {
            return bad(
                -1102,
                "Mandatory parameter 'interval' was not sent, was empty/null, or malformed.",
            );
        }
        Some("1d") => {}
        Some(_) => return bad(-1120, "Invalid interval."),
    }
    // A time that is not a number: the name of the parameter.
    let time = |name: &'static str| match param(name) {
        None => Ok(None),
        Some(v) => v.parse::<i64>().map(Some).map_err(|_| name),
    };
    let (start, end) = match (time("startTime"), time("endTime")) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(name), _) | (_, Err(name)) => {
            return bad(
                -1100,
                &format!(
                    "Illegal characters found in parameter '{name}'; legal range is '^-?[0-9]{{1,20}}$'."
                ),
            );
        }
    };
    let limit = match param("limit").map(str::parse::<usize>) {
        None => 500,
        Some(Ok(n)) if (1..=1000).contains(&n) => n,
        Some(_) => return bad(-1130, "Invalid data sent for parameter 'limit'."),
    };
    let today = chrono::Utc::now().date_naive();
    // The first day opening at or after startTime; the last at or before endTime.
    let first = start.map(|ms| day_of((ms + 86_399_999).div_euclid(1000)));
    let last = end.map(|ms| day_of(ms.div_euclid(1000))).unwrap_or(today);
    let days = match first {
        Some(first) => {
            let mut d = st.history.days(symbol, &pair.last, first, last.min(today));
            d.truncate(limit);
            d
        }
        None => {
            let from = last - chrono::Days::new(limit as u64 - 1);
            st.history.days(symbol, &pair.last, from, last.min(today))
        }
    };
    let rows: Vec<Value> = days
        .iter()
        .map(|d| {
            let open_ms = day_start(d.day) * 1000;
            let quote_volume = (d.volume * d.close).round_dp(8);
            json!([
                open_ms,
                d8(d.open),
                d8(d.high),
                d8(d.low),
                d8(d.close),
                d8(d.volume),
                open_ms + 86_399_999,
                d8(quote_volume),
                100_000 + d.day.ordinal(),
                d8((d.volume / rust_decimal::Decimal::TWO).round_dp(8)),
                d8((quote_volume / rust_decimal::Decimal::TWO).round_dp(8)),
                "0",
            ])
        })
        .collect();
    json_response(StatusCode::OK, Value::Array(rows).to_string())
}

pub(super) fn rest(st: &State, path: &str, query: &[(String, String)]) -> Response {
    if path == KLINES {
        return klines(st, query);
    }
    if path != "/api/v3/ticker/24hr" {
        return StatusCode::NOT_FOUND.into_response();
    }
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    // A refusal: Binance's error code and message.
    type Refusal = (i64, &'static str);
    const ILLEGAL_SYMBOL: Refusal = (
        -1100,
        "Illegal characters found in parameter 'symbol'; legal range is '^[A-Z0-9-_.]{1,20}$'.",
    );
    const ILLEGAL_SYMBOLS: Refusal = (
        -1100,
        "Illegal characters found in parameter 'symbols'; legal range is '^\\[(\"[A-Z0-9-_.]{1,20}\"(,\"[A-Z0-9-_.]{1,20}\"){0,}){0,1}\\]$'.",
    );
    let one = |symbol: &str, illegal: Refusal| -> Result<Value, Refusal> {
        if !legal(symbol) {
            return Err(illegal);
        }
        match st.pairs.get(symbol) {
            Some(p) => Ok(rest_ticker(symbol, &p.stats(symbol))),
            None => Err((-1121, "Invalid symbol.")),
        }
    };
    let body = match (param("symbol"), param("symbols")) {
        (Some(_), Some(_)) => Err((-1128, "Combination of optional parameters invalid.")),
        (Some(symbol), None) => one(symbol, ILLEGAL_SYMBOL),
        (None, Some(list)) => match serde_json::from_str::<Vec<String>>(list) {
            Ok(symbols) => symbols
                .iter()
                .map(|symbol| one(symbol, ILLEGAL_SYMBOLS))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            Err(_) => Err(ILLEGAL_SYMBOLS),
        },
        (None, None) => Ok(Value::Array(
            st.pairs
                .iter()
                .map(|(symbol, p)| rest_ticker(symbol, &p.stats(symbol)))
                .collect(),
        )),
    };
    let body = match body {
        Ok(body) => body,
        Err((code, msg)) => return error(StatusCode::BAD_REQUEST, code, msg),
    };
    json_response(StatusCode::OK, body.to_string())
}

/// Binance's body for a refused request.
pub(super) fn error_body(status: u16) -> String {
    let (code, msg) = match status {
        451 => (
            0,
            "Service unavailable from a restricted location according to 'b. Eligibility' in https://www.binance.com/en/terms. Please contact customer service if you believe you received this message in error.".to_string(),
        ),
        429 => (
            -1003,
            "Too much request weight used; current limit is 6000 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.".to_string(),
        ),
        418 => (
            -1003,
            format!(
                "Way too much request weight used; IP banned until {}. Please use WebSocket Streams for live updates to avoid bans.",
                now_ms() + 120_000
            ),
        ),
        503 => (
            -1008,
            "Server is currently overloaded with other requests. Please try again in a few minutes.".to_string(),
        ),
        _ => (
            -1000,
            "An unknown error occurred while processing the request.".to_string(),
        ),
    };
    json!({ "code": code, "msg": msg }).to_string()
}

/// One combined-stream socket.
pub(super) struct Session {
    /// Stream names as the client gave them (URL, then SUBSCRIBE).
    streams: Vec<String>,
}

impl Session {
    /// The streams named in the upgrade's `streams=a/b/c`.
    pub fn new(query: &[(String, String)]) -> Session {
        let streams = query
            .iter()
            .filter(|(k, _)| k == "streams")
            .flat_map(|(_, v)| v.split('/'))
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect::<Vec<_>>();
        let mut unique = Vec::new();
        for s in streams {
            if !unique.contains(&s) {
                unique.push(s);
            }
        }
        Session { streams: unique }
    }

    fn tickers<'a>(&self, st: &State, streams: impl Iterator<Item = &'a String>) -> Vec<String> {
        streams
            .filter_map(|stream| {
                let symbol = stream_pair(st, stream)?;
                ticker_event(st, stream, &symbol)
            })
            .collect()
    }
}

impl super::socket::Session for Session {
    /// Binance says nothing on connect; the fake sends each stream's
    /// ticker at once rather than within the second, so a test need not
    /// wait for the first tick.
    fn open(&mut self, st: &State) -> Vec<String> {
        self.tickers(st, self.streams.iter())
    }

    fn on_text(&mut self, st: &State, text: &str) -> Vec<String> {
        let Ok(req) = serde_json::from_str::<Value>(text) else {
            return vec![
                json!({ "code": 3, "msg": "Invalid JSON: expected value at line 1 column 1" })
                    .to_string(),
            ];
        };
        let id = req.get("id").cloned().unwrap_or(Value::Null);
        let params: Vec<String> = req
            .get("params")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        match req.get("method").and_then(Value::as_str) {
            Some("SUBSCRIBE") => {
                let new: Vec<String> = params
                    .into_iter()
                    .filter(|p| !self.streams.contains(p))
                    .collect();
                self.streams.extend(new.iter().cloned());
                let mut out = vec![json!({ "result": null, "id": id }).to_string()];
                out.extend(self.tickers(st, new.iter()));
                out
            }
            Some("UNSUBSCRIBE") => {
                self.streams.retain(|s| !params.contains(s));
                vec![json!({ "result": null, "id": id }).to_string()]
            }
            Some("LIST_SUBSCRIPTIONS") => {
                vec![json!({ "result": self.streams, "id": id }).to_string()]
            }
            Some("SET_PROPERTY") | Some("GET_PROPERTY") => {
                vec![json!({ "result": true, "id": id }).to_string()]
            }
            Some(other) => vec![json!({
                "code": 2,
                "msg": format!("Invalid request: unknown variant `{other}`, expected one of `SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY` at line 1 column 28"),
                "id": id,
            })
            .to_string()],
            None => vec![json!({
                "code": 2,
                "msg": "Invalid request: missing field `method` at line 1 column 73",
                "id": id,
            })
            .to_string()],
        }
    }

    fn on_price(&mut self, st: &State, pair: &str) -> Vec<String> {
        let stream = format!("{}@ticker", pair.to_ascii_lowercase());
        if self.streams.contains(&stream) {
            ticker_event(st, &stream, pair).into_iter().collect()
        } else {
            Vec::new()
        }
    }

    /// Every second, every stream's ticker (Binance's update speed).
    fn on_tick(&mut self, st: &State, _quiet_for: Duration) -> Vec<String> {
        self.tickers(st, self.streams.iter())
    }

    fn on_shutdown(&mut self, _st: &State) -> Vec<String> {
        vec![
            json!({
                "stream": "!serverShutdown",
                "data": { "e": "serverShutdown", "E": now_ms() },
            })
            .to_string(),
        ]
    }

    fn streams(&self) -> Vec<String> {
        self.streams.clone()
    }

    fn pings(&self) -> bool {
        true
    }
}
