//! The fake's HTTP routes: the API under `/api/v3` and the control routes
//! under `/__control`.

use std::collections::HashMap;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Query, State as AxState};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rand::Rng;
use serde_json::{Value, json};
use tower_http::compression::CompressionLayer;

use super::data::{self, CoinData, Path, RATES};
use super::{Fault, Shared, State, lock};

pub(super) fn router(state: Shared) -> Router {
    let control = Router::new()
        .route("/fault", post(control_fault))
        .route("/price", post(control_price))
        .route("/down", post(control_down))
        .route("/up", post(control_up))
        .route("/requests", get(control_requests));
    Router::new()
        .nest("/__control", control)
        .fallback(api)
        .layer(CompressionLayer::new())
        .with_state(state)
}

fn error(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

/// A refusal from the API proper: status and JSON body.
type ApiError = (StatusCode, Value);

fn cg_status(code: u16, message: &str) -> Value {
    json!({ "status": { "error_code": code, "error_message": message } })
}

/// Every API request: count it, check the key, apply a queued fault, answer.
async fn api(
    AxState(state): AxState<Shared>,
    uri: Uri,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let endpoint = uri
        .path()
        .strip_prefix("/api/v3")
        .unwrap_or(uri.path())
        .to_string();
    let fault = {
        let mut st = lock(&state);
        let seen = st.seen.entry(endpoint.clone()).or_default();
        seen.count += 1;
        seen.query = uri.query().unwrap_or_default().to_string();
        seen.headers = headers.clone();
        if let Some(key) = &st.opts.api_key {
            let sent = ["x-cg-demo-api-key", "x-cg-pro-api-key"]
                .iter()
                .find_map(|h| headers.get(*h).and_then(|v| v.to_str().ok()));
            if sent != Some(key.as_str()) {
                return error(
                    StatusCode::UNAUTHORIZED,
                    cg_status(10002, "API Key Missing"),
                );
            }
        }
        if st.down {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                cg_status(503, "Service Unavailable"),
            );
        }
        st.faults.pop_front()
    };
    match fault {
        Some(Fault::TooManyRequests { retry_after_secs }) => {
            let body = cg_status(
                429,
                "You've exceeded the Rate Limit. Please visit https://www.coingecko.com/en/api/pricing to subscribe to our API plans for higher rate limits.",
            );
            let mut r = error(StatusCode::TOO_MANY_REQUESTS, body);
            r.headers_mut().insert(
                header::RETRY_AFTER,
                retry_after_secs.to_string().parse().expect("header value"),
            );
            return r;
        }
        Some(Fault::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return error(
                status,
                cg_status(code, status.canonical_reason().unwrap_or("Error")),
            );
        }
        Some(Fault::StatusMessage(code, message)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return error(status, cg_status(code, &message));
        }
        Some(Fault::Stall(d)) => tokio::time::sleep(d).await,
        Some(Fault::Redirect(base)) => {
            let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
            let to = format!("{}{endpoint}{query}", base.trim_end_matches('/'));
            return (StatusCode::FOUND, [(header::LOCATION, to)]).into_response();
        }
        _ => {}
    }
    // A pro key is a paid plan: history beyond 365 days.
    let paid = headers.contains_key("x-cg-pro-api-key");
    let body = {
        let mut st = lock(&state);
        answer(&mut st, &endpoint, &q, paid)
    };
    let body = match body {
        Ok(v) => v,
        Err((status, body)) => return error(status, body),
    };
    let text = match fault {
        Some(Fault::Truncated) => {
            let full = body.to_string();
            full[..full.len() / 2].to_string()
        }
        Some(Fault::WrongTypes) => wrong_types(body).to_string(),
        Some(Fault::Duplicated) => duplicated(body),
        Some(Fault::Oversized { bytes, .. }) => {
            let mut text = body.to_string();
            let blanks = bytes.saturating_sub(text.len());
            text.extend(std::iter::repeat_n(' ', blanks));
            text
        }
        _ => body.to_string(),
    };
    let mut r = (
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        text,
    )
        .into_response();
    if let Some(Fault::Oversized { gzip: false, .. }) = fault {
        // The compression layer leaves an answer that names its encoding alone.
        r.headers_mut().insert(
            header::CONTENT_ENCODING,
            header::HeaderValue::from_static("identity"),
        );
    }
    r
}

/// The same shape with values of the wrong types.
fn wrong_types(body: Value) -> Value {
    match body {
        Value::Array(mut rows) => {
            match rows.first_mut() {
                Some(Value::Object(first)) => {
                    first.insert("current_price".into(), json!("abc"));
                    first.insert("market_cap".into(), json!({ "usd": 1 }));
                }
                // An OHLC candle [ms, open, high, low, close]: its open a string.
                Some(Value::Array(cells)) if cells.len() > 1 => cells[1] = json!("abc"),
                Some(first) => *first = json!({ "not": "a string" }),
                None => rows.push(json!(42)),
            }
            Value::Array(rows)
        }
        Value::Object(mut map) => {
            // A chart {"prices": [[ms, price], …], …}: the first price a string.
            if let Some(Value::Array(prices)) = map.get_mut("prices") {
                match prices.first_mut() {
                    Some(Value::Array(pair)) if pair.len() > 1 => pair[1] = json!("abc"),
                    _ => prices.insert(0, json!("abc")),
                }
                return Value::Object(map);
            }
            // {"rates": {"btc": {"value": 1.0, …}, …}}: the first value a string.
            if let Some(Value::Object(rates)) = map.get_mut("rates") {
                if let Some(Value::Object(first)) = rates.values_mut().next() {
                    first.insert("value".into(), json!("abc"));
                }
                return Value::Object(map);
            }
            // {"bitcoin": {"usd": 1}} → {"bitcoin": [1]}: an array where an object belongs.
            Value::Object(map.into_iter().map(|(k, _)| (k, json!([1]))).collect())
        }
        other => other,
    }
}

/// The first coin twice, the copy second and at twice the price. A JSON
/// object holds a key once, so a `/simple/price` copy is written into the
/// text, as a server that repeats itself would.
fn duplicated(body: Value) -> String {
    let doubled = |v: &mut Value| {
        if let Some(p) = v.as_f64() {
            *v = json!(p * 2.0);
        }
    };
    match body {
        Value::Array(mut rows) => {
            if let Some(mut copy) = rows.first().cloned() {
                if let Some(price) = copy.get_mut("current_price") {
                    doubled(price);
                }
                // An OHLC candle: the same close time, every price doubled.
                if let Value::Array(cells) = &mut copy {
                    cells.iter_mut().skip(1).for_each(doubled);
                }
                rows.insert(1, copy);
            }
            Value::Array(rows).to_string()
        }
        Value::Object(mut map) if map.contains_key("prices") => {
            // A chart: the first moment's price twice, the copy doubled.
            if let Some(Value::Array(prices)) = map.get_mut("prices")
                && let Some(mut copy) = prices.first().cloned()
            {
                if let Some(price) = copy.get_mut(1) {
                    doubled(price);
                }
                prices.insert(1, copy);
            }
            Value::Object(map).to_string()
        }
        Value::Object(map) => {
            let text = Value::Object(map.clone()).to_string();
            let Some((id, Value::Object(fields))) = map.into_iter().next() else {
                return text;
            };
            // The prices are keyed by bare currency ("usd"); "usd_market_cap"
            // and "last_updated_at" stay as they were.
            let copy: serde_json::Map<String, Value> = fields
                .into_iter()
                .map(|(k, mut v)| {
                    if !k.contains('_') {
                        doubled(&mut v);
                    }
                    (k, v)
                })
                .collect();
            let open = text.strip_suffix('}').unwrap_or(&text);
            format!("{open},{}:{}}}", json!(id), Value::Object(copy))
        }
        other => other.to_string(),
    }
}

fn rate(st: &State, currency: &str) -> Option<f64> {
    let coin_rate = |id: &str| st.coins.iter().find(|c| c.id == id).map(|c| 1.0 / c.usd);
    match currency {
        "btc" => coin_rate("bitcoin"),
        "eth" => coin_rate("ethereum"),
        c => RATES.iter().find(|(code, _)| *code == c).map(|(_, r)| *r),
    }
}

fn flag(q: &HashMap<String, String>, key: &str) -> bool {
    q.get(key).is_some_and(|v| v == "true")
}

fn answer(
    st: &mut State,
    endpoint: &str,
    q: &HashMap<String, String>,
    paid: bool,
) -> Result<Value, ApiError> {
    match endpoint {
        "/ping" => Ok(json!({ "gecko_says": "(V3) To the Moon!" })),
        "/simple/supported_vs_currencies" => Ok(json!(data::supported_currencies())),
        "/coins/list" => {
            let mut list: Vec<Value> = st
                .coins
                .iter()
                .map(|c| json!({ "id": c.id, "symbol": c.symbol, "name": c.name }))
                .collect();
            list.extend(
                (data::LIST_ONLY.iter())
                    .map(|(id, symbol, name)| json!({ "id": id, "symbol": symbol, "name": name })),
            );
            list.extend((1..=st.opts.list_extra).map(|i| {
                json!({ "id": format!("extra-coin-{i:05}"), "symbol": format!("xc{i}"), "name": format!("Extra Coin {i:05}") })
            }));
            Ok(Value::Array(list))
        }
        "/coins/markets" => markets(st, q),
        "/simple/price" => simple_price(st, q),
        "/exchange_rates" => exchange_rates(st),
        _ => match coin_route(endpoint) {
            Some((id, "market_chart")) => market_chart(st, id, q, paid),
            Some((id, "ohlc")) => ohlc(st, id, q, paid),
            _ => Err((StatusCode::NOT_FOUND, json!({ "error": "Not Found" }))),
        },
    }
}

/// `/coins/{id}/market_chart` and `/coins/{id}/ohlc`: the id and the route.
fn coin_route(endpoint: &str) -> Option<(&str, &str)> {
    let (id, route) = endpoint.strip_prefix("/coins/")?.split_once('/')?;
    (!id.is_empty() && matches!(route, "market_chart" | "ohlc")).then_some((id, route))
}

fn drift(st: &mut State) {
    let mut rng = rand::rng();
    for c in &mut st.coins {
        c.usd *= 1.0 + rng.random_range(-0.005..0.005);
        c.version += 1;
    }
}

fn markets(st: &mut State, q: &HashMap<String, String>) -> Result<Value, ApiError> {
    let currency = q
        .get("vs_currency")
        .map(|c| c.to_ascii_lowercase())
        .unwrap_or_default();
    let Some(rate) = rate(st, &currency) else {
        return Err(invalid_currency());
    };
    if st.opts.drift {
        drift(st);
    }
    let per_page: usize = q
        .get("per_page")
        .and_then(|v| v.parse().ok())
        .unwrap_or(100)
        .clamp(1, 250);
    let page: usize = q
        .get("page")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1);
    let sparkline = flag(q, "sparkline");
    let changes: Vec<String> = q
        .get("price_change_percentage")
        .map(|s| {
            s.split(',')
                .map(|c| c.trim().to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default();
    let changes: Vec<&str> = changes.iter().map(String::as_str).collect();
    let now = data::now_secs();
    let mut ranked: Vec<&CoinData> = st.coins.iter().collect();
    ranked.sort_by(|a, b| b.market_cap().total_cmp(&a.market_cap()));
    let ids: Option<Vec<&str>> = q.get("ids").map(|s| s.split(',').map(str::trim).collect());
    let rows: Vec<Value> = ranked
        .iter()
        .enumerate()
        .filter(|(_, c)| ids.as_ref().is_none_or(|ids| ids.contains(&c.id.as_str())))
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|(i, c)| market_json(st, c, i + 1, (&currency, rate), sparkline, &changes, now))
        .collect();
    Ok(Value::Array(rows))
}

fn invalid_currency() -> ApiError {
    (
        StatusCode::BAD_REQUEST,
        json!({ "error": "invalid vs_currency" }),
    )
}

/// An RFC 3339 time with milliseconds, as CoinGecko writes dates.
fn when(secs: f64) -> String {
    chrono::DateTime::from_timestamp_millis((secs * 1000.0).round() as i64)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// One `/coins/markets` element with the real API's full field set.
/// `changes`: the periods of `price_change_percentage` ("1h", "24h", "7d",
/// "14d", "30d", "200d", "1y"), each answered as
/// `price_change_percentage_{period}_in_currency`. `now`: Unix seconds the
/// price path ends at.
pub(super) fn market_json(
    st: &State,
    c: &CoinData,
    rank: usize,
    (currency, rate): (&str, f64),
    sparkline: bool,
    changes: &[&str],
    now: f64,
) -> Value {
    let price = round(c.usd * rate);
    let cap = (c.market_cap() * rate).round();
    let updated = st.epoch + c.version;
    let history = History::new(st, c, currency, now);
    // The all-time high is at least the past year's highest price, the low
    // at most its lowest; older extremes keep their fixed dates. Found on
    // the USD path (in btc or eth the rate of now converts them: close).
    let (mut ath, mut ath_date) = (round(price * 1.1), "2024-03-14T07:10:36.635Z".to_string());
    let mut atl = round(price * 0.01);
    if let Some(h) = History::new(st, c, "usd", now) {
        let (high, high_at, low) = h.year_extremes();
        if round(high * rate) > ath {
            ath = round(high * rate);
            ath_date = when(high_at);
        }
        atl = atl.min(round(low * rate));
    }
    let mut v = json!({
        "id": c.id,
        "symbol": c.symbol,
        "name": c.name,
        "image": format!("https://coin-images.coingecko.com/coins/images/{}/large/{}.png", c.image_id, c.id),
        "current_price": price,
        "market_cap": cap as u64,
        "market_cap_rank": rank,
        "fully_diluted_valuation": c.max_supply.map(|m| (m * c.usd * rate).round() as u64),
        "total_volume": c.volume_usd.map(|v| (v * rate).round() as u64),
        "high_24h": round(price * 1.021),
        "low_24h": round(price * 0.968),
        "price_change_24h": round(price - price / (1.0 + c.change_24h / 100.0)),
        "price_change_percentage_24h": c.change_24h,
        "market_cap_change_24h": (cap - cap / (1.0 + c.change_24h / 100.0)).round(),
        "market_cap_change_percentage_24h": c.change_24h,
        "circulating_supply": c.supply,
        "total_supply": c.max_supply.unwrap_or(c.supply),
        "max_supply": c.max_supply,
        "ath": ath,
        "ath_change_percentage": round_to((price / ath - 1.0) * 100.0, 6),
        "ath_date": ath_date,
        "atl": atl,
        "atl_change_percentage": round_to((price / atl - 1.0) * 100.0, 8),
        "atl_date": "2015-10-20T00:00:00.000Z",
        "roi": if c.image_id % 4 == 2 { json!({ "times": 12.3, "currency": "usd", "percentage": 1230.0 }) } else { Value::Null },
        "last_updated": when(updated as f64),
    });
    let obj = v.as_object_mut().expect("object");
    if sparkline {
        obj.insert(
            "sparkline_in_7d".into(),
            json!({ "price": data::sparkline(c, rate) }),
        );
    }
    for period in changes {
        let change = match *period {
            "1h" => json!(c.change_1h),
            "24h" => json!(c.change_24h),
            "7d" => json!(c.change_7d),
            // Longer periods follow the price path.
            "14d" | "30d" | "200d" | "1y" => {
                let days = match *period {
                    "14d" => 14.0,
                    "30d" => 30.0,
                    "200d" => 200.0,
                    _ => 365.0,
                };
                json!(history.as_ref().map(|h| {
                    round((h.price(now) / h.price(now - days * data::DAY) - 1.0) * 100.0)
                }))
            }
            _ => continue,
        };
        obj.insert(
            format!("price_change_percentage_{period}_in_currency"),
            change,
        );
    }
    v
}

/// Prices as the real API sends them: about 8 significant digits.
fn round(p: f64) -> f64 {
    round_to(p, 8)
}

/// `p` to `digits` significant digits.
fn round_to(p: f64, digits: i32) -> f64 {
    if p == 0.0 || !p.is_finite() {
        return p;
    }
    let digits = digits - p.abs().log10().ceil() as i32;
    let m = 10f64.powi(digits.clamp(0, 15));
    (p * m).round() / m
}

// ---- history: /coins/{id}/market_chart, /coins/{id}/ohlc, /exchange_rates ----

/// One coin's price path in one currency, anchored at one request's now:
/// what `market_chart`, `ohlc` and the markets' history fields share.
struct History {
    coin: Path,
    /// The coin's log price (in the currency) at `now`.
    log_now: f64,
    /// For a price in a coin (btc, eth): that coin's path, which divides.
    base: Option<Path>,
    now: f64,
    /// The same coin as the base (bitcoin in btc): a flat 1.
    flat: bool,
}

impl History {
    /// `None` when `currency` is not one the fake knows.
    fn new(st: &State, c: &CoinData, currency: &str, now: f64) -> Option<History> {
        let rate = rate(st, currency)?;
        let base_id = match currency {
            "btc" => Some("bitcoin"),
            "eth" => Some("ethereum"),
            _ => None,
        };
        let base = base_id
            .and_then(|id| st.coins.iter().find(|b| b.id == id))
            .map(Path::of);
        let coin = Path::of(c);
        let mut h = History {
            log_now: 0.0,
            coin,
            base,
            now,
            flat: base_id == Some(c.id.as_str()),
        };
        h.log_now = (c.usd * rate).ln() - h.shape(now);
        Some(h)
    }

    /// The path's log, up to the constant `log_now` fixes.
    fn shape(&self, t: f64) -> f64 {
        self.coin.log_at(t) - self.base.as_ref().map_or(0.0, |b| b.log_at(t))
    }

    fn log_price(&self, t: f64) -> f64 {
        self.log_now + self.shape(t)
    }

    fn price(&self, t: f64) -> f64 {
        self.log_price(t).exp()
    }

    /// How far (in log) the price can move within `secs`.
    fn max_move(&self, secs: f64) -> f64 {
        if self.flat {
            return 0.0;
        }
        self.coin.max_move(secs) + self.base.as_ref().map_or(0.0, |b| b.max_move(secs))
    }

    /// The past year's highest price, with a little room for the path
    /// between samples, and when it was; and a price below the year's lowest.
    /// The high is found coarse to fine (daily, hourly, 5-minutely), each
    /// step looking again only where the path may rise above the best so far.
    fn year_extremes(&self) -> (f64, f64, f64) {
        if self.flat {
            let p = self.price(self.now);
            return (p, self.now, p);
        }
        let start = self.now - 365.0 * data::DAY;
        let mut windows = vec![(start, self.now)];
        let mut best = (f64::MIN, self.now);
        let mut lowest = f64::MAX;
        for step in [data::DAY, 3600.0, 300.0] {
            let mut samples = vec![];
            for &(a, b) in &windows {
                let mut t = a;
                while t < b + step {
                    let t_in = t.min(b);
                    samples.push((self.log_price(t_in), t_in));
                    t += step;
                }
            }
            for &(l, t) in &samples {
                if l > best.0 {
                    best = (l, t);
                }
                lowest = lowest.min(l);
            }
            // The highest point lies within `step` of a sample no lower
            // than the best less what the path moves in `step`.
            let slack = self.max_move(step);
            windows.clear();
            for &(l, t) in &samples {
                if l < best.0 - slack {
                    continue;
                }
                let (a, b) = ((t - step).max(start), (t + step).min(self.now));
                match windows.last_mut() {
                    Some(last) if a <= last.1 => last.1 = last.1.max(b),
                    _ => windows.push((a, b)),
                }
            }
        }
        let room = self.max_move(300.0);
        let low_room = self.max_move(data::DAY);
        ((best.0 + room).exp(), best.1, (lowest - low_room).exp())
    }
}

fn find_coin<'a>(st: &'a State, id: &str) -> Result<&'a CoinData, ApiError> {
    st.coins
        .iter()
        .find(|c| c.id == id)
        .ok_or((StatusCode::NOT_FOUND, json!({ "error": "coin not found" })))
}

/// CoinGecko's refusal of history older than 365 days on the free and
/// demo plans: HTTP 401, error 10012.
fn beyond_free_range() -> ApiError {
    let at = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3f+00:00");
    (
        StatusCode::UNAUTHORIZED,
        json!({ "error": { "status": {
            "timestamp": at.to_string(),
            "error_code": 10012,
            "error_message": "Your request exceeds the allowed time range. Public API users are limited to querying historical data within the past 365 days. Upgrade to a paid plan to enjoy full historical data access: https://www.coingecko.com/en/api/pricing. ",
        } } }),
    )
}

const FREE_DAYS: f64 = 365.0;

fn bad_request(message: &str) -> ApiError {
    (StatusCode::BAD_REQUEST, json!({ "error": message }))
}

/// The coin, its price path in `vs_currency`, and the `days` asked for:
/// a number or `max` (the coin's whole history).
enum Days {
    Some(f64),
    Max,
}

fn history_request<'a>(
    st: &'a State,
    id: &str,
    q: &HashMap<String, String>,
    paid: bool,
) -> Result<(&'a CoinData, History, Days), ApiError> {
    let c = find_coin(st, id)?;
    let currency = q
        .get("vs_currency")
        .map(|c| c.to_ascii_lowercase())
        .unwrap_or_default();
    let h = History::new(st, c, &currency, data::now_secs()).ok_or_else(invalid_currency)?;
    let days = match q.get("days").map(|d| d.trim().to_ascii_lowercase()) {
        None => return Err(bad_request("Missing parameter days")),
        Some(d) if d == "max" => Days::Max,
        Some(d) => match d.parse::<f64>() {
            Ok(n) if n.is_finite() && n > 0.0 => Days::Some(n),
            _ => return Err(bad_request("invalid days")),
        },
    };
    let too_far = match days {
        Days::Max => true,
        Days::Some(n) => n > FREE_DAYS,
    };
    if too_far && !paid {
        return Err(beyond_free_range());
    }
    Ok((c, h, days))
}

/// `/coins/{id}/market_chart?vs_currency=&days=[&interval=daily]`:
/// `{"prices": [[ms, price], …], "market_caps": […], "total_volumes": […]}`,
/// oldest first. Automatic granularity as CoinGecko's: 5-minutely for up to
/// a day, hourly up to 90 days, daily (00:00 UTC) beyond; the last point
/// is now, at the current price.
fn market_chart(
    st: &State,
    id: &str,
    q: &HashMap<String, String>,
    paid: bool,
) -> Result<Value, ApiError> {
    let (c, h, days) = history_request(st, id, q, paid)?;
    let now_ms = (h.now * 1000.0).round() as i64;
    let start_ms = match days {
        Days::Some(n) => now_ms - (n * data::DAY * 1000.0).round() as i64,
        Days::Max => 0,
    }
    .max(data::genesis(c) * 1000);
    let span = (now_ms - start_ms) as f64 / 1000.0;
    let step_secs: i64 = match q.get("interval").map(String::as_str) {
        None | Some("") => {
            if span <= data::DAY {
                300
            } else if span <= 90.0 * data::DAY {
                3600
            } else {
                86_400
            }
        }
        Some("daily") => 86_400,
        Some("hourly") => 3600,
        Some(_) => return Err(bad_request("invalid interval")),
    };
    let step = step_secs * 1000;
    let first = start_ms.div_euclid(step) * step
        + if start_ms.rem_euclid(step) == 0 {
            0
        } else {
            step
        };
    let mut times: Vec<i64> = (0..)
        .map(|k| first + k * step)
        .take_while(|t| *t < now_ms)
        .collect();
    times.push(now_ms);
    let volume = c.volume_usd.unwrap_or(c.market_cap() * 0.04);
    let (mut prices, mut caps, mut volumes) = (vec![], vec![], vec![]);
    for ms in times {
        let t = ms as f64 / 1000.0;
        let p = h.price(t);
        // The volume in the currency of the time: USD volume times the rate then.
        let rate_then = p / data::price_at_anchored(c, t, h.now);
        prices.push(json!([ms, round(p)]));
        caps.push(json!([ms, round_to(p * c.supply, 14)]));
        volumes.push(json!([
            ms,
            round_to(volume * data::volume_factor(c, t, h.now) * rate_then, 14)
        ]));
    }
    Ok(json!({ "prices": prices, "market_caps": caps, "total_volumes": volumes }))
}

/// The candle widths `/coins/{id}/ohlc` answers: 30 minutes for 1–2 days,
/// 4 hours for 3–30, 4 days beyond (seconds).
fn ohlc_width(days: u32) -> i64 {
    match days {
        0..=2 => 1800,
        3..=30 => 4 * 3600,
        _ => 4 * 86_400,
    }
}

/// The `days` `/coins/{id}/ohlc` accepts (and `max`).
const OHLC_DAYS: &[u32] = &[1, 7, 14, 30, 90, 180, 365];

/// `/coins/{id}/ohlc?vs_currency=&days=`: `[[ms, open, high, low, close],
/// …]`, oldest first, each stamped at its close; only completed candles,
/// on boundaries of their width since the Unix epoch. Highs and lows lie a
/// little beyond the path sampled every 5 minutes, so they bound every
/// point `market_chart` gives for that time.
fn ohlc(st: &State, id: &str, q: &HashMap<String, String>, paid: bool) -> Result<Value, ApiError> {
    let (c, h, days) = history_request(st, id, q, paid)?;
    let (width, span) = match days {
        Days::Max => (ohlc_width(u32::MAX), h.now - data::genesis(c) as f64),
        Days::Some(n) => {
            let d = n as u32;
            if f64::from(d) != n || !OHLC_DAYS.contains(&d) {
                return Err(bad_request(
                    "invalid days: use one of 1, 7, 14, 30, 90, 180, 365, max",
                ));
            }
            (ohlc_width(d), n * data::DAY)
        }
    };
    let last = (h.now as i64).div_euclid(width) * width;
    let count = match days {
        Days::Max => (last - data::genesis(c)) / width,
        Days::Some(_) => (span / width as f64).ceil() as i64,
    };
    // Between 5-minute samples the path moves at most this much (log).
    let between = h.max_move(150.0);
    let seed = data::seed(&c.id);
    let rows: Vec<Value> = (0..count)
        .rev()
        .map(|k| {
            let close_at = last - k * width;
            let open_at = close_at - width;
            let (mut hi, mut lo) = (f64::MIN, f64::MAX);
            for s in (open_at..=close_at).step_by(300) {
                let l = h.log_price(s as f64);
                hi = hi.max(l);
                lo = lo.min(l);
            }
            // Wicks a little beyond the samples: 0.1–0.4 % more.
            let (up, down) = if h.flat {
                (0.0, 0.0)
            } else {
                let salt = close_at as u64;
                (
                    between + 0.001 + 0.003 * data::unit(seed, salt),
                    between + 0.001 + 0.003 * data::unit(seed, salt ^ 0x5555),
                )
            };
            json!([
                close_at * 1000,
                round(h.price(open_at as f64)),
                round((hi + up).exp()),
                round((lo - down).exp()),
                round(h.price(close_at as f64)),
            ])
        })
        .collect();
    Ok(Value::Array(rows))
}

/// `/exchange_rates`: units of each currency per bitcoin, from the fake's
/// prices and [`RATES`]: `{"rates": {"usd": {"name": "US Dollar", "unit":
/// "$", "value": 67187.33, "type": "fiat"}, …}}`.
fn exchange_rates(st: &State) -> Result<Value, ApiError> {
    let btc = find_coin(st, "bitcoin")?.usd;
    let entry = |name: &str, unit: &str, value: f64, kind: &str| json!({ "name": name, "unit": unit, "value": value, "type": kind });
    let mut rates = serde_json::Map::new();
    rates.insert("btc".into(), entry("Bitcoin", "BTC", 1.0, "crypto"));
    for &(code, id, name, unit) in data::RATE_COINS {
        if let Some(c) = st.coins.iter().find(|c| c.id == id) {
            // As /simple/price computes a price in eth: times 1 / its price.
            rates.insert(
                code.into(),
                entry(name, unit, round(btc * (1.0 / c.usd)), "crypto"),
            );
        }
    }
    rates.insert("bits".into(), entry("Bits", "μBTC", 1_000_000.0, "crypto"));
    rates.insert(
        "sats".into(),
        entry("Satoshi", "sats", 100_000_000.0, "crypto"),
    );
    for &(code, per_usd) in RATES {
        let (name, unit) = data::FIAT_NAMES
            .iter()
            .find(|(c, ..)| *c == code)
            .map_or((code, code), |&(_, n, u)| (n, u));
        rates.insert(code.into(), entry(name, unit, round(btc * per_usd), "fiat"));
    }
    for &(code, name, usd_per_oz) in data::COMMODITIES {
        rates.insert(
            code.into(),
            entry(
                name,
                &code.to_ascii_uppercase(),
                round(btc / usd_per_oz),
                "commodity",
            ),
        );
    }
    Ok(json!({ "rates": rates }))
}

fn simple_price(st: &mut State, q: &HashMap<String, String>) -> Result<Value, ApiError> {
    let ids: Vec<&str> = q
        .get("ids")
        .map(|s| s.split(',').map(str::trim).collect())
        .unwrap_or_default();
    let currencies: Vec<String> = q
        .get("vs_currencies")
        .map(|s| {
            s.split(',')
                .map(|c| c.trim().to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default();
    if ids.is_empty() || currencies.is_empty() {
        return Err((
            StatusCode::BAD_REQUEST,
            json!({ "error": "Missing parameter ids or vs_currencies" }),
        ));
    }
    if st.opts.drift {
        drift(st);
    }
    let mut out = serde_json::Map::new();
    for c in st.coins.iter().filter(|c| ids.contains(&c.id.as_str())) {
        let mut m = serde_json::Map::new();
        for cur in &currencies {
            let Some(rate) = rate(st, cur) else { continue };
            m.insert(cur.clone(), json!(round(c.usd * rate)));
            if flag(q, "include_market_cap") {
                m.insert(format!("{cur}_market_cap"), json!(c.market_cap() * rate));
            }
            if flag(q, "include_24hr_vol") {
                m.insert(
                    format!("{cur}_24h_vol"),
                    json!(c.volume_usd.map(|v| v * rate)),
                );
            }
            if flag(q, "include_24hr_change") {
                m.insert(format!("{cur}_24h_change"), json!(c.change_24h));
            }
        }
        if flag(q, "include_last_updated_at") {
            m.insert("last_updated_at".into(), json!(st.epoch + c.version));
        }
        out.insert(c.id.clone(), Value::Object(m));
    }
    Ok(Value::Object(out))
}

// ---- control routes (never counted, never consume faults) ----

async fn control_fault(AxState(state): AxState<Shared>, Json(body): Json<Value>) -> Response {
    let fault = match body.get("kind").and_then(Value::as_str) {
        Some("429") => Fault::TooManyRequests {
            retry_after_secs: body
                .get("retry_after_secs")
                .and_then(Value::as_u64)
                .unwrap_or(1),
        },
        Some("status") => {
            let code = body.get("code").and_then(Value::as_u64).unwrap_or(500) as u16;
            match body.get("message").and_then(Value::as_str) {
                Some(m) => Fault::StatusMessage(code, m.to_string()),
                None => Fault::Status(code),
            }
        }
        Some("stall") => Fault::Stall(Duration::from_millis(
            body.get("ms").and_then(Value::as_u64).unwrap_or(3000),
        )),
        Some("truncated") => Fault::Truncated,
        Some("wrong_types") => Fault::WrongTypes,
        Some("duplicated") => Fault::Duplicated,
        Some("oversized") => Fault::Oversized {
            bytes: body
                .get("bytes")
                .and_then(Value::as_u64)
                .unwrap_or(64 << 20) as usize,
            gzip: body.get("gzip").and_then(Value::as_bool).unwrap_or(false),
        },
        Some("redirect") => match body.get("to").and_then(Value::as_str) {
            Some(to) => Fault::Redirect(to.to_string()),
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    json!({ "error": "a redirect needs \"to\": a base URL" }),
                );
            }
        },
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                json!({ "error": "kind must be 429, status, stall, truncated, wrong_types, duplicated, oversized or redirect" }),
            );
        }
    };
    lock(&state).faults.push_back(fault);
    StatusCode::NO_CONTENT.into_response()
}

async fn control_price(AxState(state): AxState<Shared>, Json(body): Json<Value>) -> Response {
    let (Some(id), Some(usd)) = (
        body.get("id").and_then(Value::as_str),
        body.get("usd").and_then(Value::as_f64),
    ) else {
        return error(
            StatusCode::BAD_REQUEST,
            json!({ "error": "expected {\"id\": string, \"usd\": number}" }),
        );
    };
    let mut st = lock(&state);
    match st.coins.iter_mut().find(|c| c.id == id) {
        Some(c) => {
            c.usd = usd;
            c.version += 1;
            StatusCode::NO_CONTENT.into_response()
        }
        None => error(StatusCode::NOT_FOUND, json!({ "error": "unknown coin" })),
    }
}

async fn control_down(AxState(state): AxState<Shared>) -> StatusCode {
    lock(&state).down = true;
    StatusCode::NO_CONTENT
}

async fn control_up(AxState(state): AxState<Shared>) -> StatusCode {
    lock(&state).down = false;
    StatusCode::NO_CONTENT
}

async fn control_requests(AxState(state): AxState<Shared>) -> Json<Value> {
    let st = lock(&state);
    Json(json!(
        st.seen
            .iter()
            .map(|(k, v)| (k.clone(), v.count))
            .collect::<HashMap<_, _>>()
    ))
}
