//! A fake of Frankfurter's v1 API (<https://frankfurter.dev/v1/>), the
//! European Central Bank's daily euro reference rates, on 127.0.0.1:
//!
//! - `GET /{start}..{end}?base=EUR&symbols=USD,GBP` (`to` for `symbols`;
//!   an open end `/{start}..` runs to today) answers
//!   `{"amount":1.0,"base":"EUR","start_date":…,"end_date":…,"rates":
//!   {"2024-01-02":{"GBP":0.86905,"USD":1.0956},…}}`, rates as JSON
//!   numbers, a day's currencies sorted;
//! - `GET /{date}` one day's (the working day on or before it):
//!   `{"amount":1.0,"base":"EUR","date":…,"rates":{…}}`.
//!
//! As the real one: only TARGET working days have rates (no weekends, New
//! Year, Good Friday, Easter Monday, 1 May, 25 and 26 December), from
//! 1999-01-04; a span starts at the last working day on or before its
//! start; unknown currencies are left out and, if nothing is left, the
//! answer is 404 `{"message":"not found"}`; a bad date is 422
//! `{"message":…}`. Only `base=EUR` is served (the fake does not rebase:
//! 422 for another).
//!
//! Each seeded currency wanders deterministically by day within a
//! fraction of a percent ([`FakeEcb::rate`] says what a day answers); a
//! test fixes a currency's rate ([`FakeEcb::set_rate`]) or one day's
//! ([`FakeEcb::set_rate_on`]), closes a day ([`FakeEcb::close_on`]),
//! answers every request with a status ([`FakeEcb::set_status`]: 429
//! with `Retry-After`, 500, 503), with a cut body
//! ([`FakeEcb::set_malformed`]), or goes down ([`FakeEcb::stop`]).

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::{Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Days, NaiveDate, Utc, Weekday};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use crate::served::Served;

/// Units per euro around which each seeded currency wanders.
const SEED: &[(&str, &str)] = &[
    ("USD", "1.0800"),
    ("GBP", "0.85000"),
    ("JPY", "160.00"),
    ("CHF", "0.9500"),
    ("CAD", "1.4700"),
    ("AUD", "1.6500"),
    ("SEK", "11.2000"),
    ("NOK", "11.5000"),
    ("DKK", "7.4600"),
    ("PLN", "4.3000"),
];

/// A currency's rates: around a base, or fixed.
#[derive(Clone)]
struct Series {
    base: Decimal,
    wanders: bool,
}

struct Inner {
    series: BTreeMap<String, Series>,
    on_day: BTreeMap<(String, NaiveDate), Decimal>,
    closed: BTreeSet<NaiveDate>,
    status: Option<u16>,
    retry_after_secs: u64,
    malformed: bool,
    /// Each request's path and query, as received.
    asked: Vec<String>,
}

impl Inner {
    fn rate(&self, code: &str, day: NaiveDate) -> Option<Decimal> {
        if !self.working(day) {
            return None;
        }
        if let Some(r) = self.on_day.get(&(code.to_string(), day)) {
            return Some(*r);
        }
        let s = self.series.get(code)?;
        if !s.wanders {
            return Some(s.base);
        }
        // Up to 49 steps of the base's last place: 1.0800 … 1.0849.
        let step = Decimal::new(1, s.base.scale());
        let n = i64::from(day.num_days_from_ce()).rem_euclid(50);
        Some(s.base + step * Decimal::from(n))
    }

    fn working(&self, day: NaiveDate) -> bool {
        day >= first_day() && is_target_day(day) && !self.closed.contains(&day)
    }

    /// The last working day on or before `day`, not before 1999-01-04.
    fn working_on_or_before(&self, day: NaiveDate) -> Option<NaiveDate> {
        let mut d = day;
        while d >= first_day() {
            if self.working(d) {
                return Some(d);
            }
            d = d.pred_opt()?;
        }
        None
    }
}

/// The first day of the ECB's reference rates.
fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(1999, 1, 4).expect("a date")
}

/// A TARGET2 working day: not a weekend, New Year's Day, Good Friday,
/// Easter Monday, 1 May, Christmas Day or 26 December.
pub fn is_target_day(day: NaiveDate) -> bool {
    if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        return false;
    }
    if matches!(
        (day.month(), day.day()),
        (1, 1) | (5, 1) | (12, 25) | (12, 26)
    ) {
        return false;
    }
    let easter = easter_sunday(day.year());
    !(Some(day) == easter.checked_sub_days(Days::new(2))
        || Some(day) == easter.checked_add_days(Days::new(1)))
}

/// Easter Sunday of `year` (the Gregorian computus).
fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("Easter is a date")
}

type Shared = Arc<Mutex<Inner>>;

fn lock(s: &Shared) -> MutexGuard<'_, Inner> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

/// A running fake Frankfurter; stopped when dropped.
pub struct FakeEcb {
    served: Option<Served>,
    url: String,
    inner: Shared,
}

impl FakeEcb {
    /// The fake on a free port of 127.0.0.1, with the seeded currencies.
    pub async fn start() -> FakeEcb {
        let inner = Arc::new(Mutex::new(Inner {
            series: SEED
                .iter()
                .map(|(code, base)| {
                    let base = Decimal::from_str(base).expect("seed rate");
                    (
                        code.to_string(),
                        Series {
                            base,
                            wanders: true,
                        },
                    )
                })
                .collect(),
            on_day: BTreeMap::new(),
            closed: BTreeSet::new(),
            status: None,
            retry_after_secs: 1,
            malformed: false,
            asked: Vec::new(),
        }));
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(inner.clone());
        let served = Served::start(app).await;
        FakeEcb {
            url: served.url(),
            served: Some(served),
            inner,
        }
    }

    /// `http://127.0.0.1:PORT`: the base URL a client is configured with
    /// (`ecb_url`), to which it appends `/{start}..{end}`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// From now on `code` (e.g. "USD") is `per_eur` on every working day
    /// (a new code adds a currency); days set with
    /// [`FakeEcb::set_rate_on`] keep theirs.
    pub fn set_rate(&self, code: &str, per_eur: &str) {
        let base = decimal(per_eur);
        lock(&self.inner).series.insert(
            code.to_ascii_uppercase(),
            Series {
                base,
                wanders: false,
            },
        );
    }

    /// `code` is `per_eur` on `day` (if a working day).
    pub fn set_rate_on(&self, code: &str, day: NaiveDate, per_eur: &str) {
        let rate = decimal(per_eur);
        lock(&self.inner)
            .on_day
            .insert((code.to_ascii_uppercase(), day), rate);
    }

    /// No rates on `day`, as on a holiday.
    pub fn close_on(&self, day: NaiveDate) {
        lock(&self.inner).closed.insert(day);
    }

    /// What the fake answers for `code` on `day`: `None` on a day
    /// without rates (a weekend, a holiday) or for a currency it has not.
    pub fn rate(&self, code: &str, day: NaiveDate) -> Option<Decimal> {
        lock(&self.inner).rate(&code.to_ascii_uppercase(), day)
    }

    /// Every request is answered with this status (None: normally): 429
    /// with `Retry-After` ([`FakeEcb::set_retry_after`]) and
    /// `{"message":"Too Many Requests"}`, any other with its reason.
    pub fn set_status(&self, status: Option<u16>) {
        lock(&self.inner).status = status;
    }

    /// The `Retry-After` (seconds) of a 429; 1 unless set.
    pub fn set_retry_after(&self, secs: u64) {
        lock(&self.inner).retry_after_secs = secs;
    }

    /// While true, every answer is HTTP 200 with its JSON cut short.
    pub fn set_malformed(&self, malformed: bool) {
        lock(&self.inner).malformed = malformed;
    }

    /// Stops listening: from now on the port refuses connections.
    pub fn stop(&mut self) {
        self.served = None;
    }

    /// Requests received (refused ones included).
    pub fn requests(&self) -> usize {
        lock(&self.inner).asked.len()
    }

    /// Each request's path and query as received, e.g.
    /// `/2024-01-01..2024-03-31?base=EUR&symbols=USD%2CGBP`.
    pub fn asked(&self) -> Vec<String> {
        lock(&self.inner).asked.clone()
    }
}

fn decimal(s: &str) -> Decimal {
    Decimal::from_str(s)
        .ok()
        .filter(|d| *d > Decimal::ZERO)
        .unwrap_or_else(|| panic!("{s:?} is not a rate"))
}

fn message(status: StatusCode, text: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        json!({ "message": text }).to_string(),
    )
        .into_response()
}

async fn handle(
    State(inner): State<Shared>,
    Query(query): Query<Vec<(String, String)>>,
    req: Request,
) -> Response {
    let mut st = lock(&inner);
    let uri = req.uri();
    st.asked.push(
        uri.path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default(),
    );
    if let Some(status) = st.status {
        let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut r = message(code, code.canonical_reason().unwrap_or("error"));
        if status == 429 {
            r.headers_mut().insert(
                header::RETRY_AFTER,
                st.retry_after_secs.to_string().parse().expect("header"),
            );
        }
        return r;
    }
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if !param("base")
        .or(param("from"))
        .unwrap_or("EUR")
        .eq_ignore_ascii_case("EUR")
    {
        return message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the fake answers base=EUR only",
        );
    }
    let symbols: Option<Vec<String>> = param("symbols").or(param("to")).map(|s| {
        s.split(',')
            .map(|c| c.trim().to_ascii_uppercase())
            .filter(|c| !c.is_empty())
            .collect()
    });
    let today = Utc::now().date_naive();
    let path = uri.path().trim_start_matches('/').to_string();
    let parse = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d");
    let (span, single) = match path.split_once("..") {
        Some((a, b)) => {
            let Ok(start) = parse(a) else {
                return message(StatusCode::UNPROCESSABLE_ENTITY, "invalid date");
            };
            let end = if b.is_empty() { Ok(today) } else { parse(b) };
            let Ok(end) = end else {
                return message(StatusCode::UNPROCESSABLE_ENTITY, "invalid date");
            };
            ((start, end.min(today)), false)
        }
        None if path == "latest" => ((today, today), true),
        None => match parse(&path) {
            Ok(day) => ((day, day.min(today)), true),
            Err(_) => return message(StatusCode::NOT_FOUND, "not found"),
        },
    };
    let (start, end) = span;
    let mut days: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    if let Some(from) = st.working_on_or_before(start).filter(|_| start <= today) {
        let codes: Vec<String> = match &symbols {
            Some(s) => s.clone(),
            None => st.series.keys().cloned().collect(),
        };
        let last = if single { from } else { end };
        let mut d = from;
        while d <= last {
            let mut rates = Map::new();
            let mut sorted = codes.clone();
            sorted.sort();
            for code in sorted {
                if let Some(r) = st.rate(&code, d) {
                    rates.insert(code, number(r));
                }
            }
            if !rates.is_empty() {
                days.insert(d.to_string(), rates);
            }
            let Some(next) = d.succ_opt() else { break };
            d = next;
        }
    }
    if days.is_empty() {
        return message(StatusCode::NOT_FOUND, "not found");
    }
    let body = if single {
        let (day, rates) = days.into_iter().next().expect("a day");
        json!({ "amount": 1.0, "base": "EUR", "date": day, "rates": rates })
    } else {
        let first = days.keys().next().cloned().unwrap_or_default();
        let last = days.keys().last().cloned().unwrap_or_default();
        json!({
            "amount": 1.0,
            "base": "EUR",
            "start_date": first,
            "end_date": last,
            "rates": days,
        })
    };
    let mut text = body.to_string();
    if st.malformed {
        text.truncate(text.len() / 2);
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        text,
    )
        .into_response()
}

/// A rate as the JSON number Frankfurter writes (a float: 1.08, 160.0).
fn number(d: Decimal) -> Value {
    let f: f64 = d.to_string().parse().unwrap_or(0.0);
    json!(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("day")
    }

    async fn get(url: String) -> (u16, Option<String>, Value) {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let r = reqwest::Client::new()
            .get(url)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        let retry = r
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = r.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, retry, body)
    }

    #[test]
    fn target_holidays_and_weekends_have_no_rates() {
        assert_eq!(easter_sunday(2024), day("2024-03-31"));
        assert_eq!(easter_sunday(2019), day("2019-04-21"));
        for closed in [
            "2024-03-29", // Good Friday
            "2024-04-01", // Easter Monday
            "2024-05-01",
            "2024-12-25",
            "2024-12-26",
            "2025-01-01",
            "2024-03-02", // a Saturday
        ] {
            assert!(!is_target_day(day(closed)), "{closed}");
        }
        assert!(is_target_day(day("2024-03-28")));
    }

    #[tokio::test]
    async fn a_span_from_a_weekend_starts_at_fridays_rates() {
        let fake = FakeEcb::start().await;
        fake.set_rate("USD", "1.0826");
        fake.set_rate_on("USD", day("2024-03-04"), "1.0855");
        let (status, _, body) = get(format!(
            "{}/2024-03-02..2024-03-05?base=EUR&symbols=USD,GBP,XYZ",
            fake.url()
        ))
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["base"], "EUR");
        assert_eq!(body["start_date"], "2024-03-01");
        assert_eq!(body["end_date"], "2024-03-05");
        let days: Vec<&String> = body["rates"].as_object().expect("rates").keys().collect();
        assert_eq!(days, ["2024-03-01", "2024-03-04", "2024-03-05"]);
        assert_eq!(body["rates"]["2024-03-01"]["USD"], json!(1.0826));
        assert_eq!(body["rates"]["2024-03-04"]["USD"], json!(1.0855));
        assert!(
            body["rates"]["2024-03-01"]["XYZ"].is_null(),
            "unknown: left out"
        );
        let gbp = fake.rate("gbp", day("2024-03-05")).expect("a rate");
        assert_eq!(
            body["rates"]["2024-03-05"]["GBP"].as_f64(),
            gbp.to_string().parse().ok()
        );
        assert_eq!(fake.rate("usd", day("2024-03-02")), None, "a Saturday");
        assert_eq!(fake.requests(), 1);
        assert!(fake.asked()[0].starts_with("/2024-03-02..2024-03-05?"));
    }

    #[tokio::test]
    async fn nothing_to_answer_is_not_found_and_a_bad_date_unprocessable() {
        let fake = FakeEcb::start().await;
        let (status, _, body) =
            get(format!("{}/2024-01-02..2024-01-31?symbols=XYZ", fake.url())).await;
        assert_eq!((status, &body), (404, &json!({"message": "not found"})));
        let (status, _, _) = get(format!("{}/1990-01-01..1990-12-31", fake.url())).await;
        assert_eq!(status, 404, "before 1999-01-04");
        let (status, _, body) = get(format!("{}/2024-13-01..2024-12-31", fake.url())).await;
        assert_eq!(status, 422, "{body}");
        let (status, _, body) = get(format!("{}/2024-03-03?symbols=USD", fake.url())).await;
        assert_eq!((status, &body["date"]), (200, &json!("2024-03-01")));
    }

    #[tokio::test]
    async fn it_refuses_cuts_answers_short_and_goes_down_when_told() {
        let mut fake = FakeEcb::start().await;
        let url = format!("{}/2024-03-01..2024-03-08?symbols=USD", fake.url());
        fake.set_status(Some(429));
        fake.set_retry_after(7);
        let (status, retry, body) = get(url.clone()).await;
        assert_eq!((status, retry.as_deref()), (429, Some("7")));
        assert_eq!(body["message"], "Too Many Requests");
        fake.set_status(Some(500));
        assert_eq!(get(url.clone()).await.0, 500);
        fake.set_status(None);
        fake.set_malformed(true);
        let (status, _, body) = get(url.clone()).await;
        assert_eq!(status, 200);
        assert!(body.is_string(), "not JSON: {body}");
        fake.set_malformed(false);
        assert_eq!(get(url.clone()).await.0, 200);
        assert_eq!(fake.requests(), 4);
        fake.stop();
        let _ = rustls::crypto::ring::default_provider().install_default();
        let down = reqwest::Client::new().get(url).send().await;
        assert!(down.is_err_and(|e| e.is_connect()), "the port refuses");
    }
}
