//! The European Central Bank's daily euro reference rates, through
//! Frankfurter's keyless v1 API: one request per span of up to a year,
//! `GET {ecb_url}/{start}..{end}?base=EUR&symbols=USD,GBP`, answered
//! `{"amount":1.0,"base":"EUR","start_date":…,"end_date":…,"rates":
//! {"2024-01-02":{"GBP":0.86905,"USD":1.0956},…}}`.
//!
//! They reach back to 1999-01-04, where CoinGecko's free plan stops at a
//! year. The ECB publishes on TARGET working days only: a weekend or a
//! holiday has no entry, and the working day before's rate holds for it.
//! Frankfurter answers a span from the last working day on or before its
//! start, so a span that starts on a Saturday brings Friday's rate too.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{Datelike, NaiveDate, Utc, Weekday};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::http::{HttpClient, HttpOptions};
use super::{Failure, ProviderError, decimal};
use crate::model::FiatRate;

/// The currencies the ECB publishes a daily rate against the euro for
/// (lower case, as the model's fiat codes). The rouble's stopped on
/// 2022-03-01; a span after that has none.
pub const CURRENCIES: &[&str] = &[
    "usd", "jpy", "bgn", "czk", "dkk", "gbp", "huf", "pln", "ron", "sek", "chf", "isk", "nok",
    "try", "aud", "brl", "cad", "cny", "hkd", "idr", "ils", "inr", "krw", "mxn", "myr", "nzd",
    "php", "sgd", "thb", "zar", "rub",
];

/// The currency every rate is against.
pub const BASE: &str = "eur";

/// The most days one request spans: a year's answer is small (about 255
/// rows a currency), and spans stay well within what any Frankfurter
/// answers day by day (its early versions averaged longer spans by week).
const SPAN_DAYS: i64 = 365;

/// The longest a 429's `Retry-After` is waited out before the call fails
/// as rate limited: a caller filling history in the background decides
/// when to come back, rather than hang on one request.
const MAX_WAIT: Duration = Duration::from_secs(5);

/// Whether the ECB publishes a daily rate for `code` (any case).
pub fn publishes(code: &str) -> bool {
    CURRENCIES.contains(&code.to_ascii_lowercase().as_str())
}

/// The first day of the ECB's reference rates.
pub fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(1999, 1, 4).unwrap_or(NaiveDate::MIN)
}

/// The ECB's reference rates, through Frankfurter at a configurable base
/// URL (`ecb_url`).
pub struct Ecb {
    http: HttpClient,
}

impl Ecb {
    /// A client of Frankfurter's v1 API at `base_url` (no trailing path:
    /// `https://api.frankfurter.dev/v1`, or a fake's `http://127.0.0.1:P`).
    pub fn new(base_url: &str, opts: HttpOptions) -> Result<Ecb, ProviderError> {
        let opts = HttpOptions {
            max_backoff: opts.max_backoff.min(MAX_WAIT),
            ..opts
        };
        Ok(Ecb {
            http: HttpClient::new("ECB", base_url, Default::default(), opts)?,
        })
    }

    /// Units of each of `quotes` per euro on every working day from
    /// `start` to `end` (both included, clamped to 1999-01-04 and today),
    /// and on the working day before `start` when `start` is not one;
    /// oldest first, a day's quotes in the order asked. A span of more
    /// than a year takes a request a year.
    ///
    /// Only currencies the ECB publishes are asked ([`CURRENCIES`]; the
    /// euro itself is left out, its rate is 1): any other fails the call
    /// as [`Failure::Unlisted`] before a request is sent, as does a span
    /// for which the ECB has no rate of any currency asked. A currency it
    /// had no rate for on some days (the rouble after 2022-03-01) is
    /// simply absent on those days.
    pub async fn rates(
        &self,
        quotes: &[&str],
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<Vec<FiatRate>, ProviderError> {
        let mut codes: Vec<String> = Vec::new();
        for q in quotes {
            let code = q.trim().to_ascii_lowercase();
            if code == BASE || codes.contains(&code) {
                continue;
            }
            if !publishes(&code) {
                return Err(self.unlisted(
                    "rates",
                    format!(
                        "the ECB publishes no reference rate for {}",
                        code.to_ascii_uppercase()
                    ),
                ));
            }
            codes.push(code);
        }
        let start = start.max(first_day());
        let end = end.min(Utc::now().date_naive());
        if codes.is_empty() || start > end {
            return Ok(Vec::new());
        }
        let symbols = codes
            .iter()
            .map(|c| c.to_ascii_uppercase())
            .collect::<Vec<_>>()
            .join(",");
        let mut out = Vec::new();
        let mut found_any = false;
        let mut from = start;
        while from <= end {
            let to = (from + chrono::Days::new(SPAN_DAYS as u64 - 1)).min(end);
            let endpoint = format!("/{from}..{to}");
            let query = [("base", "EUR".to_string()), ("symbols", symbols.clone())];
            match self.http.get_json::<Series>(&endpoint, &query).await {
                Ok(series) => {
                    found_any = true;
                    out.extend(self.read(&endpoint, series, &codes, from, to)?);
                }
                // Frankfurter's "not found": none of these currencies has a
                // rate in this span (before it existed, after it stopped).
                Err(e) if matches!(e.failure, Failure::Status { status: 404, .. }) => {
                    tracing::debug!(endpoint, symbols, "the ECB has no rate in this span");
                }
                Err(e) => return Err(e),
            }
            from = to + chrono::Days::new(1);
        }
        if !found_any {
            return Err(self.unlisted(
                &format!("/{start}..{end}"),
                format!("no reference rate for {symbols} from {start} to {end}"),
            ));
        }
        // Spans never overlap, but a span's first row may be the working
        // day before it, which the span before already had.
        out.sort_by(|a, b| {
            (a.day, quote_rank(&codes, &a.quote)).cmp(&(b.day, quote_rank(&codes, &b.quote)))
        });
        out.dedup_by(|a, b| a.day == b.day && a.quote == b.quote);
        Ok(out)
    }

    /// One span's answer as rates of the codes asked.
    fn read(
        &self,
        endpoint: &str,
        series: Series,
        codes: &[String],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<FiatRate>, ProviderError> {
        let malformed = |why: String| {
            self.error(
                endpoint,
                Failure::Malformed(why.chars().take(200).collect()),
            )
        };
        if !series.base.eq_ignore_ascii_case("EUR") {
            return Err(malformed(format!(
                "rates against {} where the euro's were asked",
                series.base
            )));
        }
        // An answer of averages (a week's, a month's) would pass every
        // other check: it has far fewer days than the span's weekdays.
        let weekdays = weekdays(from, to);
        if weekdays > 20 && series.rates.len() * 2 < weekdays {
            return Err(malformed(format!(
                "{} days of rates for {weekdays} weekdays: averages, not daily rates \
                 (is ecb_url Frankfurter's v1 API?)",
                series.rates.len()
            )));
        }
        let mut out = Vec::new();
        for (day, rates) in series.rates {
            let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d")
                .map_err(|_| malformed(format!("'{day}' is not a date")))?;
            for (code, Rate(rate)) in rates {
                let quote = code.to_ascii_lowercase();
                if !codes.contains(&quote) {
                    continue;
                }
                if rate <= Decimal::ZERO {
                    return Err(malformed(format!("{code} on {day}: rate {rate}")));
                }
                out.push(FiatRate {
                    base: BASE.to_string(),
                    quote,
                    day,
                    rate,
                });
            }
        }
        Ok(out)
    }

    /// Requests sent in the last 60 s, and the most a minute may have.
    pub fn budget(&self) -> (u32, u32) {
        self.http.budget()
    }

    fn unlisted(&self, endpoint: &str, why: String) -> ProviderError {
        self.error(endpoint, Failure::Unlisted(why))
    }

    fn error(&self, endpoint: &str, failure: Failure) -> ProviderError {
        ProviderError {
            provider: self.http.provider(),
            endpoint: endpoint.to_string(),
            failure,
        }
    }
}

fn quote_rank(codes: &[String], quote: &str) -> usize {
    codes.iter().position(|c| c == quote).unwrap_or(usize::MAX)
}

/// Monday to Friday from `from` to `to`, both included.
fn weekdays(from: NaiveDate, to: NaiveDate) -> usize {
    from.iter_days()
        .take_while(|d| *d <= to)
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .count()
}

/// Frankfurter's time series.
#[derive(Deserialize)]
struct Series {
    base: String,
    /// Day → currency → units per euro. A BTreeMap, not the answer's
    /// order: days come out oldest first whatever the server's order.
    #[serde(default)]
    rates: BTreeMap<String, BTreeMap<String, Rate>>,
}

/// A rate sent as a JSON number, read as the decimal it was written as.
struct Rate(Decimal);

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        decimal::opt(d)?
            .map(Rate)
            .ok_or_else(|| serde::de::Error::custom("a rate is null"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn an_answer_reads_as_exact_decimals_oldest_first() {
        let body = r#"{"amount":1.0,"base":"EUR","start_date":"2022-12-30","end_date":"2023-01-03",
            "rates":{"2023-01-03":{"GBP":0.88058,"USD":1.0545},"2022-12-30":{"GBP":0.88693,"USD":1.0666,"JPY":140.66},
                     "2023-01-02":{"GBP":0.88295,"USD":1.0683}}}"#;
        let series: Series = serde_json::from_str(body).expect("parses");
        let ecb = Ecb::new("http://127.0.0.1:9", HttpOptions::default()).expect("client");
        let codes = vec!["usd".to_string(), "gbp".to_string()];
        let rates = ecb
            .read("/x", series, &codes, day("2022-12-31"), day("2023-01-03"))
            .expect("read");
        let seen: Vec<(String, &str, String)> = rates
            .iter()
            .map(|r| (r.day.to_string(), r.quote.as_str(), r.rate.to_string()))
            .collect();
        assert_eq!(
            seen[..3],
            [
                ("2022-12-30".to_string(), "gbp", "0.88693".to_string()),
                ("2022-12-30".to_string(), "usd", "1.0666".to_string()),
                ("2023-01-02".to_string(), "gbp", "0.88295".to_string()),
            ]
        );
        assert_eq!(rates.len(), 6, "JPY was not asked");
        assert!(rates.iter().all(|r| r.base == "eur"));
    }

    #[test]
    fn weekly_averages_are_refused_rather_than_taken_for_days() {
        let weeks: BTreeMap<String, BTreeMap<String, Rate>> = (0..13)
            .map(|w| {
                let d = day("2023-01-02") + chrono::Days::new(7 * w);
                (
                    d.to_string(),
                    BTreeMap::from([("USD".to_string(), Rate(Decimal::ONE))]),
                )
            })
            .collect();
        let series = Series {
            base: "EUR".into(),
            rates: weeks,
        };
        let ecb = Ecb::new("http://127.0.0.1:9", HttpOptions::default()).expect("client");
        let err = ecb
            .read(
                "/x",
                series,
                &["usd".to_string()],
                day("2023-01-01"),
                day("2023-03-31"),
            )
            .expect_err("weekly");
        assert!(err.to_string().contains("averages"), "{err}");
    }

    #[test]
    fn only_what_the_ecb_publishes_is_asked() {
        assert!(publishes("USD") && publishes("gbp") && publishes("rub"));
        assert!(!publishes("eur"), "the base, not a quote");
        assert!(!publishes("xyz") && !publishes("ars"));
        assert_eq!(weekdays(day("2024-03-01"), day("2024-03-10")), 6);
    }
}
