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

use super::data::{self, CoinData, RATES};
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
    let body = {
        let mut st = lock(&state);
        answer(&mut st, &endpoint, &q)
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
                Some(first) => *first = json!({ "not": "a string" }),
                None => rows.push(json!(42)),
            }
            Value::Array(rows)
        }
        Value::Object(map) => {
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
                rows.insert(1, copy);
            }
            Value::Array(rows).to_string()
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

fn answer(st: &mut State, endpoint: &str, q: &HashMap<String, String>) -> Result<Value, ApiError> {
    match endpoint {
        "/ping" => Ok(json!({ "gecko_says": "(V3) To the Moon!" })),
        "/simple/supported_vs_currencies" => Ok(json!(data::supported_currencies())),
        "/coins/list" => {
            let mut list: Vec<Value> = st
                .coins
                .iter()
                .map(|c| json!({ "id": c.id, "symbol": c.symbol, "name": c.name }))
                .collect();
            list.extend((1..=st.opts.list_extra).map(|i| {
                json!({ "id": format!("extra-coin-{i:05}"), "symbol": format!("xc{i}"), "name": format!("Extra Coin {i:05}") })
            }));
            Ok(Value::Array(list))
        }
        "/coins/markets" => markets(st, q),
        "/simple/price" => simple_price(st, q),
        _ => Err((StatusCode::NOT_FOUND, json!({ "error": "Not Found" }))),
    }
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
        return Err((
            StatusCode::BAD_REQUEST,
            json!({ "error": "invalid vs_currency" }),
        ));
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
    let changes = q
        .get("price_change_percentage")
        .cloned()
        .unwrap_or_default();
    let mut ranked: Vec<&CoinData> = st.coins.iter().collect();
    ranked.sort_by(|a, b| b.market_cap().total_cmp(&a.market_cap()));
    let ids: Option<Vec<&str>> = q.get("ids").map(|s| s.split(',').map(str::trim).collect());
    let rows: Vec<Value> = ranked
        .iter()
        .enumerate()
        .filter(|(_, c)| ids.as_ref().is_none_or(|ids| ids.contains(&c.id.as_str())))
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|(i, c)| market_json(st, c, i + 1, rate, sparkline, !changes.is_empty()))
        .collect();
    Ok(Value::Array(rows))
}

/// One `/coins/markets` element with the real API's full field set.
pub(super) fn market_json(
    st: &State,
    c: &CoinData,
    rank: usize,
    rate: f64,
    sparkline: bool,
    changes: bool,
) -> Value {
    let price = round(c.usd * rate);
    let cap = (c.market_cap() * rate).round();
    let updated = st.epoch + c.version;
    let when = |secs: i64| {
        chrono::DateTime::from_timestamp(secs, 0)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    };
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
        "ath": round(price * 1.1),
        "ath_change_percentage": -9.09091,
        "ath_date": "2024-03-14T07:10:36.635Z",
        "atl": round(price * 0.01),
        "atl_change_percentage": 9900.0,
        "atl_date": "2015-10-20T00:00:00.000Z",
        "roi": if c.image_id % 4 == 2 { json!({ "times": 12.3, "currency": "usd", "percentage": 1230.0 }) } else { Value::Null },
        "last_updated": when(updated),
    });
    let obj = v.as_object_mut().expect("object");
    if sparkline {
        obj.insert(
            "sparkline_in_7d".into(),
            json!({ "price": data::sparkline(c, rate) }),
        );
    }
    if changes {
        obj.insert(
            "price_change_percentage_1h_in_currency".into(),
            json!(c.change_1h),
        );
        obj.insert(
            "price_change_percentage_24h_in_currency".into(),
            json!(c.change_24h),
        );
        obj.insert(
            "price_change_percentage_7d_in_currency".into(),
            json!(c.change_7d),
        );
    }
    v
}

/// Prices as the real API sends them: about 8 significant digits.
fn round(p: f64) -> f64 {
    if p == 0.0 || !p.is_finite() {
        return p;
    }
    let digits = 8 - p.abs().log10().ceil() as i32;
    let m = 10f64.powi(digits.clamp(0, 15));
    (p * m).round() / m
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
