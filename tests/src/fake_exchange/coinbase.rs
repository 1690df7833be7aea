//! Coinbase Advanced Trade, as documented at docs.cdp.coinbase.com (REST
//! "List Public Products", WebSocket overview and channels "ticker",
//! "heartbeats", and the AsyncAPI spec whose shapes were checked against
//! the production feed) and as the live public feed sends it:
//!
//! - REST `GET /api/v3/brokerage/market/products?product_ids=BTC-USD&
//!   product_ids=ETH-USD` (the parameter repeated, not comma-joined)
//!   answers `{"products":[…],"num_products":N}`, every figure a string;
//!   ids Coinbase does not list are left out. `GET …/market/products/{id}`
//!   answers one product, or HTTP 404 for an unknown id.
//! - REST `GET /api/v3/brokerage/market/products/{id}/candles?start=&end=
//!   &granularity=ONE_DAY` ("Get Public Product Candles"; start and end in
//!   Unix seconds) answers `{"candles":[{"start":"1704067200","low":…,
//!   "high":…,"open":…,"close":…,"volume":…}]}`, every field a string,
//!   NEWEST first, the buckets starting from `start` to `end`. More than
//!   350 candles asked is HTTP 400 INVALID_ARGUMENT ("number of candles
//!   requested should be less than 350"), as the live API; an unknown id
//!   404. The fake serves ONE_DAY only.
//! - WebSocket at `/`: a client must subscribe within 5 s of connecting,
//!   else it is closed. Every message is `{"channel":…,"timestamp":…,
//!   "sequence_num":N,"events":[…]}`, `sequence_num` counting from 0 per
//!   socket over all channels, `timestamp` RFC 3339 with nanoseconds. The
//!   public feed sends no `client_id` (the AsyncAPI spec, checked against
//!   production, says so; the prose docs' examples show `"client_id":""`).
//!   A ticker subscription gets each product's `snapshot` first and then
//!   the `subscriptions` message (as the live feed orders them: its
//!   snapshot is sequence_num 0), then `update`s on price moves. Heartbeats
//!   come every second with an integer `heartbeat_counter` and a
//!   `current_time` in Go's time format, not RFC 3339.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::Response;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::history::{day_of, day_start};
use super::market::Stats;
use super::{State, json_response};

const LIST: &str = "/api/v3/brokerage/market/products";

/// The product a daily candles path names (`…/products/BTC-USD/candles`).
pub(super) fn candles_product(path: &str) -> Option<&str> {
    path.strip_prefix(LIST)?
        .strip_prefix('/')?
        .strip_suffix("/candles")
        .filter(|id| !id.is_empty() && !id.contains('/'))
}

/// `…/products/{id}/candles`: a product's daily candles, newest first.
fn candles(st: &State, id: &str, query: &[(String, String)]) -> Response {
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let invalid = |why: &str| error(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", why);
    let Some(pair) = st.pairs.get(id) else {
        return error(StatusCode::NOT_FOUND, "NOT_FOUND", "ProductID not found");
    };
    let secs = |name: &str| param(name).and_then(|v| v.trim().parse::<i64>().ok());
    let (Some(start), Some(end)) = (secs("start"), secs("end")) else {
        return invalid("start and end are required as Unix times");
    };
    match param("granularity") {
        Some("ONE_DAY") => {}
        Some("") | None => return invalid("granularity is required"),
        Some(_) => return invalid("the fake serves granularity ONE_DAY only"),
    }
    if end < start {
        return invalid("start and end argument is invalid - start must be before end");
    }
    if (end - start) / 86_400 > 350 {
        return invalid(
            "start and end argument is invalid - number of candles requested should be less than 350",
        );
    }
    let limit = match param("limit").map(str::parse::<usize>) {
        None => 350,
        Some(Ok(n)) if (1..=350).contains(&n) => n,
        Some(_) => return invalid("limit must be from 1 to 350"),
    };
    let first = day_of(start + 86_399);
    let last = day_of(end);
    let candles: Vec<Value> = st
        .history
        .days(id, &pair.last, first, last)
        .iter()
        .rev()
        .take(limit)
        .map(|d| {
            json!({
                "start": day_start(d.day).to_string(),
                "low": d.low.to_string(),
                "high": d.high.to_string(),
                "open": d.open.to_string(),
                "close": d.close.to_string(),
                "volume": d.volume.normalize().to_string(),
            })
        })
        .collect();
    json_response(StatusCode::OK, json!({ "candles": candles }).to_string())
}

/// BTC 70000, ETH 3500, SOL 150 in USD, BTC and ETH in EUR (≈ ×0.92), and
/// USDT at 1.0003 USD.
pub(super) const SEED: &[(&str, &str)] = &[
    ("BTC-USD", "70000.00"),
    ("ETH-USD", "3500.00"),
    ("SOL-USD", "150.00"),
    ("BTC-EUR", "64400.00"),
    ("ETH-EUR", "3220.00"),
    ("USDT-USD", "1.0003"),
];

/// The 24-hour change in percent as Coinbase writes it: many places
/// ("1.55293466606717").
fn long_pct(s: &Stats) -> String {
    if s.open.is_zero() {
        return "0".into();
    }
    ((s.last - s.open) / s.open * Decimal::ONE_HUNDRED)
        .round_dp(14)
        .normalize()
        .to_string()
}

fn split(id: &str) -> (&str, &str) {
    id.split_once('-').unwrap_or((id, ""))
}

fn name_of(currency: &str) -> &str {
    match currency {
        "BTC" => "Bitcoin",
        "ETH" => "Ethereum",
        "SOL" => "Solana",
        "USDT" => "Tether",
        "USDC" => "USDC",
        "USD" => "US Dollar",
        "EUR" => "Euro",
        "GBP" => "British Pound",
        other => other,
    }
}

/// A product of `/market/products`.
fn product(id: &str, last: &str, s: &Stats) -> Value {
    let (base, quote) = split(id);
    let increment = Decimal::new(1, s.last.scale().max(2)).to_string();
    json!({
        "product_id": id,
        "price": last,
        "price_percentage_change_24h": long_pct(s),
        "volume_24h": s.volume.to_string(),
        "volume_percentage_change_24h": "-3.27868852459016",
        "base_increment": "0.00000001",
        "quote_increment": increment,
        "quote_min_size": "1",
        "quote_max_size": "150000000",
        "base_min_size": "0.00000001",
        "base_max_size": "3400",
        "base_name": name_of(base),
        "quote_name": name_of(quote),
        "watched": false,
        "is_disabled": false,
        "new": false,
        "status": "online",
        "cancel_only": false,
        "limit_only": false,
        "post_only": false,
        "trading_disabled": false,
        "auction_mode": false,
        "product_type": "SPOT",
        "quote_currency_id": quote,
        "base_currency_id": base,
        "fcm_trading_session_details": null,
        "mid_market_price": "",
        "alias": "",
        "alias_to": [],
        "base_display_symbol": base,
        "quote_display_symbol": quote,
        "view_only": false,
        "price_increment": increment,
        "display_name": id,
        "product_venue": "CBE",
        "approximate_quote_24h_volume": s.quote_volume.round_dp(2).to_string(),
    })
}

fn error(status: StatusCode, error: &str, message: &str) -> Response {
    json_response(
        status,
        json!({ "error": error, "error_details": message, "message": message }).to_string(),
    )
}

pub(super) fn rest(st: &State, path: &str, query: &[(String, String)]) -> Response {
    if let Some(id) = candles_product(path) {
        return candles(st, id, query);
    }
    if let Some(id) = path.strip_prefix(LIST).and_then(|r| r.strip_prefix('/')) {
        return match st.pairs.get(id) {
            Some(p) => json_response(
                StatusCode::OK,
                product(id, &p.last, &p.stats(id)).to_string(),
            ),
            None => error(StatusCode::NOT_FOUND, "NOT_FOUND", "ProductID not found"),
        };
    }
    if path != LIST {
        return error(StatusCode::NOT_FOUND, "NOT_FOUND", "Not Found");
    }
    let asked: Vec<&str> = query
        .iter()
        .filter(|(k, _)| k == "product_ids")
        .map(|(_, v)| v.as_str())
        .collect();
    let products: Vec<Value> = st
        .pairs
        .iter()
        .filter(|(id, _)| asked.is_empty() || asked.contains(&id.as_str()))
        .map(|(id, p)| product(id, &p.last, &p.stats(id)))
        .collect();
    let n = products.len();
    json_response(
        StatusCode::OK,
        json!({ "products": products, "num_products": n }).to_string(),
    )
}

/// Coinbase's body for a refused request.
pub(super) fn error_body(status: u16) -> String {
    let (error, message) = match status {
        429 => ("RATE_LIMIT_EXCEEDED", "Too many requests"),
        401 => ("UNAUTHENTICATED", "Unauthorized"),
        403 | 451 => ("PERMISSION_DENIED", "Not available in your region"),
        503 => ("UNAVAILABLE", "Service Unavailable"),
        _ => ("INTERNAL", "Internal error"),
    };
    json!({ "error": error, "error_details": message, "message": message }).to_string()
}

/// RFC 3339 with nanoseconds, as Coinbase stamps its messages.
fn stamp() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.9fZ")
        .to_string()
}

/// One ticker of a ticker event: every figure a string.
fn ticker(id: &str, last: &str, s: &Stats) -> Value {
    let scale = s.last.scale().max(2);
    json!({
        "type": "ticker",
        "product_id": id,
        "price": last,
        "volume_24_h": s.volume.to_string(),
        "low_24_h": s.low.to_string(),
        "high_24_h": s.high.to_string(),
        "low_52_w": (s.low * Decimal::new(6, 1)).round_dp(scale).to_string(),
        "high_52_w": (s.high * Decimal::new(12, 1)).round_dp(scale).to_string(),
        "price_percent_chg_24_h": long_pct(s),
        "best_bid": s.bid.to_string(),
        "best_ask": s.ask.to_string(),
        "best_bid_quantity": s.bid_qty.to_string(),
        "best_ask_quantity": s.ask_qty.to_string(),
    })
}

/// One Advanced Trade socket.
pub(super) struct Session {
    /// The next message's `sequence_num`.
    seq: u64,
    subscribed: bool,
    /// Ticker channel products, in the order subscribed.
    tickers: Vec<String>,
    heartbeats: bool,
    heartbeat_counter: u64,
    /// Other channels subscribed (accepted, never fed).
    others: BTreeMap<String, Vec<String>>,
}

impl Session {
    pub fn new() -> Session {
        Session {
            seq: 0,
            subscribed: false,
            tickers: Vec::new(),
            heartbeats: false,
            heartbeat_counter: 0,
            others: BTreeMap::new(),
        }
    }

    /// A message of `channel` with the next sequence number.
    fn envelope(&mut self, channel: &str, events: Value) -> String {
        let seq = self.seq;
        self.seq += 1;
        json!({
            "channel": channel,
            "timestamp": stamp(),
            "sequence_num": seq,
            "events": events,
        })
        .to_string()
    }

    fn ticker_event(&mut self, st: &State, kind: &str, id: &str) -> Option<String> {
        let pair = st.pairs.get(id)?;
        let t = ticker(id, &pair.last, &pair.stats(id));
        Some(self.envelope("ticker", json!([{ "type": kind, "tickers": [t] }])))
    }

    fn subscriptions(&mut self) -> String {
        let mut subs = serde_json::Map::new();
        if !self.tickers.is_empty() {
            subs.insert("ticker".into(), json!(self.tickers));
        }
        if self.heartbeats {
            subs.insert("heartbeats".into(), json!([]));
        }
        for (channel, ids) in &self.others {
            subs.insert(channel.clone(), json!(ids));
        }
        self.envelope("subscriptions", json!([{ "subscriptions": subs }]))
    }
}

fn error_message(message: &str) -> String {
    json!({ "type": "error", "message": message }).to_string()
}

impl super::socket::Session for Session {
    /// Coinbase says nothing until the client subscribes.
    fn open(&mut self, st: &State) -> Vec<String> {
        self.heartbeat_counter = st.started.elapsed().as_secs();
        Vec::new()
    }

    fn on_text(&mut self, st: &State, text: &str) -> Vec<String> {
        let Ok(req) = serde_json::from_str::<Value>(text) else {
            return vec![error_message("Failed to parse message")];
        };
        let kind = req.get("type").and_then(Value::as_str).unwrap_or("");
        let Some(channel) = req.get("channel").and_then(Value::as_str) else {
            // The old Exchange feed's `"channels": [...]` is not Advanced Trade's.
            return vec![error_message("Failed to subscribe: channel is required")];
        };
        let ids: Vec<String> = req
            .get("product_ids")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        match (kind, channel) {
            ("subscribe", "heartbeats") => {
                self.subscribed = true;
                self.heartbeats = true;
                vec![self.subscriptions()]
            }
            ("subscribe", "ticker") => {
                if ids.is_empty() || ids.iter().any(|id| !st.pairs.contains_key(id)) {
                    return vec![error_message("Failed to subscribe")];
                }
                self.subscribed = true;
                let mut out = Vec::new();
                for id in ids {
                    if !self.tickers.contains(&id) {
                        self.tickers.push(id.clone());
                        out.extend(self.ticker_event(st, "snapshot", &id));
                    }
                }
                out.push(self.subscriptions());
                out
            }
            ("subscribe", other) => {
                self.subscribed = true;
                self.others
                    .entry(other.to_string())
                    .or_default()
                    .extend(ids);
                vec![self.subscriptions()]
            }
            ("unsubscribe", "heartbeats") => {
                self.heartbeats = false;
                vec![self.subscriptions()]
            }
            ("unsubscribe", "ticker") => {
                if ids.is_empty() {
                    self.tickers.clear();
                } else {
                    self.tickers.retain(|t| !ids.contains(t));
                }
                vec![self.subscriptions()]
            }
            ("unsubscribe", other) => {
                self.others.remove(other);
                vec![self.subscriptions()]
            }
            _ => vec![error_message("Failed to parse message: unknown type")],
        }
    }

    fn on_price(&mut self, st: &State, pair: &str) -> Vec<String> {
        if self.tickers.iter().any(|t| t == pair) {
            self.ticker_event(st, "update", pair).into_iter().collect()
        } else {
            Vec::new()
        }
    }

    /// Heartbeats every second, if subscribed to them.
    fn on_tick(&mut self, st: &State, _quiet_for: Duration) -> Vec<String> {
        if !self.heartbeats {
            return Vec::new();
        }
        self.heartbeat_counter += 1;
        let now = chrono::Utc::now();
        // Go's time.Time String(): date, time, zone, and the monotonic clock.
        let current_time = format!(
            "{} +0000 UTC m=+{:.9}",
            now.format("%Y-%m-%d %H:%M:%S%.9f"),
            st.started.elapsed().as_secs_f64()
        );
        let events = json!([{
            "current_time": current_time,
            "heartbeat_counter": self.heartbeat_counter,
        }]);
        vec![self.envelope("heartbeats", events)]
    }

    fn streams(&self) -> Vec<String> {
        self.tickers.clone()
    }

    fn must_subscribe(&self) -> bool {
        true
    }

    fn has_subscribed(&self) -> bool {
        self.subscribed
    }
}
