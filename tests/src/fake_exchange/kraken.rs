//! Kraken spot, as documented at docs.kraken.com (REST "Get Ticker
//! Information", WebSocket v2 "status", "ticker", "heartbeat", "ping") and
//! as the live v2 feed sends it:
//!
//! - REST `GET /0/public/Ticker?pair=XBTUSD,ETHUSD` answers `{"error":[],
//!   "result":{…}}` keyed by each pair's full name: the legacy X/Z names
//!   for the old markets (XBTUSD → XXBTZUSD, ETHUSD → XETHZUSD, XBTEUR →
//!   XXBTZEUR, ETHEUR → XETHZEUR, USDTUSD → USDTZUSD) and the plain name
//!   for newer ones (SOLUSD → SOLUSD). Every figure is a string except the
//!   trade counts `t`; prices are padded to the pair's REST decimals (5;
//!   USDT 8). One unknown pair fails the whole request: HTTP 200
//!   `{"error":["EQuery:Unknown asset pair"]}`.
//! - WebSocket v2 at `/v2`: a `status` message on connect (its
//!   `connection_id` is a u64 above i64::MAX, as the real ones are); one
//!   subscribe ack per symbol, then that symbol's `snapshot`, then
//!   `update`s on price moves. Ticker figures are JSON numbers carrying the
//!   decimal's digits exactly (`"last":70000.0`, trailing zeros kept), plus
//!   `trades` and an RFC 3339 `timestamp` as the live feed sends. A
//!   `heartbeat` goes out after a second without any other message, once
//!   the socket has a subscription (as documented: heartbeats fill
//!   silence, they do not come every second regardless).

use std::time::Duration;

use axum::http::StatusCode;
use axum::response::Response;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::market::{self, Stats};
use super::{State, json_response, json_str};

/// BTC 70000, ETH 3500, SOL 150 in USD, BTC and ETH in EUR (≈ ×0.92), and
/// USDT at 1.0003 USD; prices at the precision Kraken quotes them.
pub(super) const SEED: &[(&str, &str)] = &[
    ("XBTUSD", "70000.0"),
    ("ETHUSD", "3500.00"),
    ("SOLUSD", "150.00"),
    ("XBTEUR", "64400.0"),
    ("ETHEUR", "3220.00"),
    ("USDTUSD", "1.00030"),
];

/// The known markets: REST name (altname), full name (the result's key),
/// WebSocket v2 symbol.
const NAMES: &[(&str, &str, &str)] = &[
    ("XBTUSD", "XXBTZUSD", "BTC/USD"),
    ("ETHUSD", "XETHZUSD", "ETH/USD"),
    ("SOLUSD", "SOLUSD", "SOL/USD"),
    ("XBTEUR", "XXBTZEUR", "BTC/EUR"),
    ("ETHEUR", "XETHZEUR", "ETH/EUR"),
    ("USDTUSD", "USDTZUSD", "USDT/USD"),
];

/// The REST name for any of a market's names (altname, full name or v2
/// symbol, any case); a name the fake does not know stays as given.
pub(super) fn canonical(st: &State, name: &str) -> String {
    let upper = name.to_ascii_uppercase();
    if let Some((alt, ..)) = NAMES
        .iter()
        .find(|(alt, key, ws)| *alt == upper || *key == upper || *ws == upper)
    {
        return alt.to_string();
    }
    st.pairs
        .keys()
        .find(|alt| alt.eq_ignore_ascii_case(name) || ws_name(alt) == upper)
        .cloned()
        .unwrap_or_else(|| name.to_string())
}

/// The result key Kraken answers a market under.
fn key(alt: &str) -> String {
    NAMES
        .iter()
        .find(|(a, ..)| *a == alt)
        .map_or_else(|| alt.to_string(), |(_, k, _)| k.to_string())
}

/// A market's WebSocket v2 symbol ("BTC/USD"); for a market a test added,
/// its name split before a known quote currency.
pub(super) fn ws_name(alt: &str) -> String {
    if let Some((.., ws)) = NAMES.iter().find(|(a, ..)| *a == alt) {
        return ws.to_string();
    }
    for quote in [
        "USDT", "USDC", "USD", "EUR", "GBP", "CAD", "JPY", "CHF", "AUD",
    ] {
        if let Some(base) = alt.strip_suffix(quote).filter(|b| !b.is_empty()) {
            let base = match base {
                "XBT" => "BTC",
                "XDG" => "DOGE",
                b => b,
            };
            return format!("{base}/{quote}");
        }
    }
    alt.to_string()
}

/// The REST name of the market a v2 symbol names, if the fake has it.
pub(super) fn rest_name(st: &State, ws: &str) -> Option<String> {
    st.pairs.keys().find(|alt| ws_name(alt) == ws).cloned()
}

/// Decimals of a market's REST prices.
fn rest_places(alt: &str) -> u32 {
    if alt.starts_with("USDT") { 8 } else { 5 }
}

fn rest_ticker(alt: &str, s: &Stats) -> Value {
    let p = |d: Decimal| market::padded(d, rest_places(alt));
    let v = |d: Decimal| market::padded(d, 8);
    let half_volume = (s.volume / Decimal::TWO).round_dp(8);
    json!({
        "a": [p(s.ask), "1", "1.000"],
        "b": [p(s.bid), "1", "1.000"],
        "c": [p(s.last), v(s.last_qty)],
        "v": [v(half_volume), v(s.volume)],
        "p": [p(s.vwap), p(s.vwap)],
        "t": [s.trades / 2, s.trades],
        "l": [p(s.low), p(s.low)],
        "h": [p(s.high), p(s.high)],
        "o": p(s.open),
    })
}

pub(super) fn rest(st: &State, path: &str, query: &[(String, String)]) -> Response {
    if path != "/0/public/Ticker" {
        return json_response(
            StatusCode::NOT_FOUND,
            json!({ "error": ["EGeneral:Unknown method"] }).to_string(),
        );
    }
    let asked: Vec<String> = query
        .iter()
        .filter(|(k, _)| k == "pair")
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| canonical(st, p))
        .collect();
    let names: Vec<String> = if asked.is_empty() {
        st.pairs.keys().cloned().collect()
    } else {
        asked
    };
    let mut result = serde_json::Map::new();
    for alt in &names {
        let Some(pair) = st.pairs.get(alt) else {
            return json_response(
                StatusCode::OK,
                json!({ "error": ["EQuery:Unknown asset pair"] }).to_string(),
            );
        };
        result.insert(key(alt), rest_ticker(alt, &pair.stats(alt)));
    }
    json_response(
        StatusCode::OK,
        json!({ "error": [], "result": result }).to_string(),
    )
}

/// Kraken's body for a refused request: its error array.
pub(super) fn error_body(status: u16) -> String {
    let error = match status {
        429 => "EAPI:Rate limit exceeded",
        503 => "EService:Unavailable",
        502 | 504 => "EService:Busy",
        401 | 403 | 451 => "EGeneral:Permission denied",
        _ => "EGeneral:Internal error",
    };
    json!({ "error": [error] }).to_string()
}

/// RFC 3339 with microseconds, as Kraken stamps v2 messages.
fn stamp() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}

/// A v2 ticker message for one symbol. The figures are written as JSON
/// numbers with the decimal's exact digits (serde_json would go through
/// f64 and could change them).
fn ticker_message(kind: &str, ws: &str, s: &Stats) -> String {
    format!(
        concat!(
            r#"{{"channel":"ticker","type":"{}","data":[{{"symbol":{},"bid":{},"bid_qty":{},"#,
            r#""ask":{},"ask_qty":{},"last":{},"volume":{},"vwap":{},"low":{},"high":{},"#,
            r#""change":{},"change_pct":{},"trades":{},"timestamp":"{}"}}]}}"#
        ),
        kind,
        json_str(ws),
        s.bid,
        s.bid_qty,
        s.ask,
        s.ask_qty,
        s.last,
        s.volume,
        s.vwap,
        s.low,
        s.high,
        s.change,
        s.change_pct,
        s.trades,
        stamp(),
    )
}

/// One v2 socket.
pub(super) struct Session {
    /// Its ticker subscriptions (v2 symbols), in the order made.
    symbols: Vec<String>,
    connection_id: u64,
}

impl Session {
    pub fn new() -> Session {
        Session {
            symbols: Vec::new(),
            // Real ids are u64s that often exceed i64::MAX.
            connection_id: rand::random::<u64>() | (1 << 63),
        }
    }

    fn ticker(&self, st: &State, kind: &str, ws: &str) -> Option<String> {
        let alt = rest_name(st, ws)?;
        let pair = st.pairs.get(&alt)?;
        Some(ticker_message(kind, ws, &pair.stats(&alt)))
    }
}

/// A method reply: `fields` plus `method`, `req_id` (when the request had
/// one) and the wire times.
fn reply(method: &str, req_id: &Option<Value>, time_in: &str, fields: Value) -> String {
    let mut m = match fields {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
    };
    m.insert("method".into(), json!(method));
    if let Some(id) = req_id {
        m.insert("req_id".into(), id.clone());
    }
    m.insert("time_in".into(), json!(time_in));
    m.insert("time_out".into(), json!(stamp()));
    Value::Object(m).to_string()
}

impl super::socket::Session for Session {
    fn open(&mut self, _st: &State) -> Vec<String> {
        vec![
            json!({
                "channel": "status",
                "type": "update",
                "data": [{
                    "api_version": "v2",
                    "connection_id": self.connection_id,
                    "system": "online",
                    "version": "2.0.10",
                }],
            })
            .to_string(),
        ]
    }

    fn on_text(&mut self, st: &State, text: &str) -> Vec<String> {
        let time_in = stamp();
        let Ok(req) = serde_json::from_str::<Value>(text) else {
            return vec![
                json!({ "error": "Malformed request", "success": false, "time_in": time_in, "time_out": stamp() })
                    .to_string(),
            ];
        };
        let req_id = req.get("req_id").cloned();
        let method = req.get("method").and_then(Value::as_str).unwrap_or("");
        let params = req.get("params").cloned().unwrap_or(Value::Null);
        let channel = params.get("channel").and_then(Value::as_str).unwrap_or("");
        let symbols: Vec<String> = params
            .get("symbol")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let fail = |error: String, symbol: Option<&str>| {
            let mut f = json!({ "error": error, "success": false });
            if let Some(s) = symbol {
                f["symbol"] = json!(s);
            }
            reply(method, &req_id, &time_in, f)
        };
        match method {
            "ping" => vec![reply("pong", &req_id, &time_in, json!({}))],
            "subscribe" | "unsubscribe" if channel != "ticker" => {
                vec![fail(format!("Channel {channel} not supported by the fake"), None)]
            }
            "subscribe" | "unsubscribe" if symbols.is_empty() => {
                vec![fail("Missing field symbol".into(), None)]
            }
            "subscribe" => {
                let snapshot = params.get("snapshot").and_then(Value::as_bool) != Some(false);
                let mut out = Vec::new();
                for ws in &symbols {
                    if rest_name(st, ws).is_none() {
                        out.push(fail(format!("Currency pair not supported {ws}"), Some(ws)));
                    } else if self.symbols.contains(ws) {
                        out.push(fail("Already subscribed".into(), Some(ws)));
                    } else {
                        self.symbols.push(ws.clone());
                        out.push(reply(
                            method,
                            &req_id,
                            &time_in,
                            json!({
                                "result": {
                                    "channel": "ticker",
                                    "event_trigger": "trades",
                                    "snapshot": snapshot,
                                    "symbol": ws,
                                },
                                "success": true,
                            }),
                        ));
                        if snapshot {
                            out.extend(self.ticker(st, "snapshot", ws));
                        }
                    }
                }
                out
            }
            "unsubscribe" => symbols
                .iter()
                .map(|ws| {
                    if self.symbols.contains(ws) {
                        self.symbols.retain(|s| s != ws);
                        reply(
                            method,
                            &req_id,
                            &time_in,
                            json!({
                                "result": { "channel": "ticker", "event_trigger": "trades", "symbol": ws },
                                "success": true,
                            }),
                        )
                    } else {
                        fail("Subscription Not Found".into(), Some(ws))
                    }
                })
                .collect(),
            _ => vec![fail(format!("Method not supported by the fake: {method}"), None)],
        }
    }

    fn on_price(&mut self, st: &State, pair: &str) -> Vec<String> {
        let ws = ws_name(pair);
        if self.symbols.contains(&ws) {
            self.ticker(st, "update", &ws).into_iter().collect()
        } else {
            Vec::new()
        }
    }

    /// A heartbeat after a second with nothing else sent, once subscribed.
    fn on_tick(&mut self, _st: &State, quiet_for: Duration) -> Vec<String> {
        if !self.symbols.is_empty() && quiet_for >= Duration::from_millis(900) {
            vec![r#"{"channel":"heartbeat"}"#.to_string()]
        } else {
            Vec::new()
        }
    }

    fn streams(&self) -> Vec<String> {
        self.symbols.clone()
    }
}
