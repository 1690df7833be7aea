//! The sources of a valuation's older past against their fakes on
//! 127.0.0.1: the ECB's reference rates (Frankfurter's wire format) and
//! the exchanges' daily candles (Coinbase's candles, Binance's klines),
//! each client through its configurable base URL, and what they fetch
//! stored where valuation reads it.

use std::time::Duration;

use chrono::{Days, NaiveDate, Utc};
use coinlytics_engine::error::ErrorKind;
use coinlytics_engine::model::{DailyCandle, Source};
use coinlytics_engine::provider::ecb::Ecb;
use coinlytics_engine::provider::exchange::DailyHistory;
use coinlytics_engine::provider::{Failure, ProviderError};
use coinlytics_engine::store::Store;
use coinlytics_engine::store::queries::{daily, fiat_rates, portfolio};
use coinlytics_tests::{ExchangeKind, FakeEcb, FakeExchange};
use rust_decimal::Decimal;

use crate::market::opts;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("day")
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("db.sqlite3")).expect("store");
    (dir, store)
}

#[track_caller]
fn failure(r: Result<impl std::fmt::Debug, ProviderError>) -> ProviderError {
    r.expect_err("a failure")
}

// ---- The ECB ----

#[tokio::test]
async fn ecb_rates_take_a_request_a_year_and_a_weekend_takes_fridays() {
    let fake = FakeEcb::start().await;
    fake.set_rate_on("USD", day("2023-03-03"), "1.0615");
    let ecb = Ecb::new(&fake.url(), opts()).expect("client");
    let rates = ecb
        .rates(&["USD", "gbp", "eur"], day("2022-12-15"), day("2024-02-10"))
        .await
        .expect("rates");
    assert_eq!(fake.requests(), 2, "{:?}", fake.asked());
    assert!(
        fake.asked()[0].starts_with("/2022-12-15..2023-12-14?base=EUR&symbols=USD%2CGBP"),
        "{:?}",
        fake.asked()
    );
    assert!(fake.asked()[1].starts_with("/2023-12-15..2024-02-10?"));
    // Every rate as the fake wrote it, exactly; only working days.
    assert!(rates.iter().all(|r| r.base == "eur"));
    for r in &rates {
        assert_eq!(
            Some(r.rate),
            fake.rate(&r.quote, r.day),
            "{} {}",
            r.quote,
            r.day
        );
    }
    assert!(rates.windows(2).all(|w| w[0].day <= w[1].day));
    let usd_days = rates.iter().filter(|r| r.quote == "usd").count();
    assert_eq!(usd_days, rates.len() / 2, "both currencies every day");
    assert!(
        !rates.iter().any(|r| r.day == day("2022-12-25")),
        "Christmas"
    );

    let (_d, store) = store();
    let n = store
        .write(|tx| fiat_rates::put_fiat_rates(tx, &rates, 1))
        .expect("stored");
    assert_eq!(n, rates.len());
    // Saturday 2023-03-04 takes Friday's 1.0615; Sunday too.
    let on = |from: &str, to: &str, d: &str| {
        store
            .read(|c| fiat_rates::fiat_rate_on_or_before(c, from, to, day(d), 4))
            .expect("read")
    };
    assert_eq!(
        on("eur", "usd", "2023-03-05"),
        Some((Decimal::new(10615, 4), day("2023-03-03")))
    );
    let gbp = fake.rate("GBP", day("2023-03-03")).expect("gbp");
    assert_eq!(
        on("usd", "gbp", "2023-03-04"),
        Some((gbp / Decimal::new(10615, 4), day("2023-03-03")))
    );
    assert_eq!(
        on("usd", "eur", "2023-03-04"),
        Some((Decimal::ONE / Decimal::new(10615, 4), day("2023-03-03")))
    );
}

#[tokio::test]
async fn ecb_a_span_starting_on_a_holiday_brings_the_working_day_before() {
    let fake = FakeEcb::start().await;
    let ecb = Ecb::new(&fake.url(), opts()).expect("client");
    // 2024-03-29 is Good Friday, 2024-04-01 Easter Monday.
    let rates = ecb
        .rates(&["usd"], day("2024-03-29"), day("2024-04-02"))
        .await
        .expect("rates");
    let days: Vec<NaiveDate> = rates.iter().map(|r| r.day).collect();
    assert_eq!(days, [day("2024-03-28"), day("2024-04-02")]);
}

#[tokio::test]
async fn ecb_a_currency_it_does_not_publish_is_never_asked() {
    let fake = FakeEcb::start().await;
    let ecb = Ecb::new(&fake.url(), opts()).expect("client");
    let e = failure(
        ecb.rates(&["usd", "XYZ"], day("2024-01-01"), day("2024-01-31"))
            .await,
    );
    assert!(
        matches!(&e.failure, Failure::Unlisted(m) if m.contains("XYZ")),
        "{e}"
    );
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(fake.requests(), 0);
    // One the ECB publishes that the fake has no rates of: Frankfurter's 404.
    let e = failure(
        ecb.rates(&["inr"], day("2024-01-01"), day("2024-01-31"))
            .await,
    );
    assert!(
        matches!(&e.failure, Failure::Unlisted(m) if m.contains("INR")),
        "{e}"
    );
    assert_eq!(fake.requests(), 1, "not retried");
    // Before 1999-01-04 there is nothing to ask.
    let none = ecb
        .rates(&["usd"], day("1990-01-01"), day("1998-12-31"))
        .await
        .expect("nothing");
    assert!(none.is_empty());
    assert_eq!(fake.requests(), 1);
}

#[tokio::test]
async fn ecb_rate_limited_broken_and_down_are_typed() {
    let mut fake = FakeEcb::start().await;
    let ecb = Ecb::new(&fake.url(), opts()).expect("client");
    let ask = || ecb.rates(&["usd"], day("2024-01-01"), day("2024-01-31"));

    fake.set_status(Some(429));
    fake.set_retry_after(120);
    let e = failure(ask().await);
    assert_eq!(
        e.failure,
        Failure::RateLimited {
            retry_after: Some(Duration::from_secs(120))
        }
    );
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(fake.requests(), 1, "a long wait is not waited out");

    fake.set_status(Some(500));
    let e = failure(ask().await);
    assert!(
        matches!(e.failure, Failure::Status { status: 500, .. }),
        "{e}"
    );
    assert_eq!(fake.requests(), 5, "a 5xx is retried three times");

    fake.set_status(None);
    fake.set_malformed(true);
    let e = failure(ask().await);
    assert!(matches!(e.failure, Failure::Malformed(_)), "{e}");
    assert_eq!(e.kind(), ErrorKind::Upstream);

    fake.set_malformed(false);
    // New Year's Day has none: the span starts at 2023-12-29, then
    // January's 22 working days.
    let rates = ask().await.expect("rates");
    assert_eq!((rates.len(), rates[0].day), (23, day("2023-12-29")));
    fake.stop();
    let e = failure(ask().await);
    assert_eq!(e.kind(), ErrorKind::Offline, "{e}");
}

// ---- The exchanges' daily candles ----

struct Exchanges {
    coinbase: FakeExchange,
    binance: FakeExchange,
    history: DailyHistory,
}

async fn exchanges() -> Exchanges {
    let coinbase = FakeExchange::start(ExchangeKind::Coinbase).await;
    let binance = FakeExchange::start(ExchangeKind::Binance).await;
    let history =
        DailyHistory::new(&coinbase.rest_url(), &binance.rest_url(), opts()).expect("clients");
    Exchanges {
        coinbase,
        binance,
        history,
    }
}

#[tokio::test]
async fn coinbase_first_then_binance_for_the_days_before_its_listing_paged() {
    let x = exchanges().await;
    x.coinbase.set_listed_since("BTC-USD", day("2019-07-01"));
    x.binance
        .set_daily_close("BTCUSDT", day("2019-03-01"), "3822.47");
    let candles = x
        .history
        .daily_candles("bitcoin", "usd", day("2019-01-01"), day("2020-12-31"))
        .await
        .expect("candles");
    assert_eq!(candles.len(), 731, "every day, once");
    assert!(
        candles
            .windows(2)
            .all(|w| w[1].day == w[0].day + Days::new(1))
    );
    let from = |c: &DailyCandle| match c.source {
        Source::Coinbase => x.coinbase.daily_close("BTC-USD", c.day),
        _ => x.binance.daily_close("BTCUSDT", c.day),
    };
    for c in &candles {
        let expected = if c.day < day("2019-07-01") {
            Source::Binance
        } else {
            Source::Coinbase
        };
        assert_eq!(c.source, expected, "{}", c.day);
        assert_eq!(Some(c.close), from(c), "{}", c.day);
    }
    assert_eq!(candles[59].close, Decimal::new(382_247, 2), "2019-03-01");
    // 731 days: three pages on Coinbase (300 a request), the 181 it
    // lacked in one request to Binance.
    assert_eq!(x.coinbase.history_requests().len(), 3);
    assert_eq!(x.binance.history_requests().len(), 1);
    assert!(
        x.binance.history_requests()[0]
            .contains("symbol=BTCUSDT&interval=1d&startTime=1546300800000&endTime=1561939199999")
    );
    assert!(x.coinbase.history_requests()[0].contains("granularity=ONE_DAY"));

    // Stored, they are the prices valuation reads.
    let (_d, store) = store();
    store
        .write(|tx| daily::put_daily_candles(tx, "bitcoin", "usd", &candles))
        .expect("stored");
    let noon = |d: &str| {
        day(d)
            .and_hms_opt(12, 0, 0)
            .expect("noon")
            .and_utc()
            .timestamp()
    };
    let price = |d: &str| {
        store
            .read(|c| portfolio::price_at(c, "bitcoin", "usd", noon(d), 2 * 86_400))
            .expect("read")
            .map(|p| p.0)
    };
    assert_eq!(price("2019-03-01"), Some(Decimal::new(382_247, 2)));
    assert_eq!(price("2020-06-15"), from(&candles[531]));
    assert_eq!(candles[531].day, day("2020-06-15"));
}

#[tokio::test]
async fn closes_in_euros_and_pounds_and_what_no_exchange_lists() {
    let x = exchanges().await;
    let closes = x
        .history
        .daily_closes("ethereum", "EUR", day("2022-05-01"), day("2022-05-10"))
        .await
        .expect("closes");
    assert_eq!(closes.len(), 10);
    assert_eq!(
        Some(closes[0].1),
        x.coinbase.daily_close("ETH-EUR", day("2022-05-01"))
    );
    assert!(
        x.binance.history_requests().is_empty(),
        "Coinbase had them all"
    );

    x.coinbase.set_price("BTC-GBP", "55000.00");
    let gbp = x
        .history
        .daily_closes("bitcoin", "gbp", day("2022-05-01"), day("2022-05-03"))
        .await
        .expect("pounds");
    assert_eq!(gbp.len(), 3);
    assert_eq!(
        Some(gbp[2].1),
        x.coinbase.daily_close("BTC-GBP", day("2022-05-03"))
    );

    // Coinbase has no SOL-GBP (404), and Binance is not asked for pounds.
    let e = failure(
        x.history
            .daily_closes("solana", "gbp", day("2022-05-01"), day("2022-05-03"))
            .await,
    );
    assert!(matches!(e.failure, Failure::Unlisted(_)), "{e}");
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let asked = x.coinbase.history_requests().len();
    let e = failure(
        x.history
            .daily_closes("no-such-coin", "usd", day("2022-05-01"), day("2022-05-03"))
            .await,
    );
    assert!(matches!(e.failure, Failure::Unlisted(_)), "{e}");
    assert_eq!(x.coinbase.history_requests().len(), asked, "nothing asked");

    // Today's candle is still open: yesterday is the last day.
    let today = Utc::now().date_naive();
    let recent = x
        .history
        .daily_closes("bitcoin", "usd", today - Days::new(3), today)
        .await
        .expect("closes");
    assert_eq!(
        recent.iter().map(|c| c.0).collect::<Vec<_>>(),
        [
            today - Days::new(3),
            today - Days::new(2),
            today - Days::new(1)
        ]
    );
}

#[tokio::test]
async fn a_rate_limited_market_is_passed_over_and_two_are_a_typed_failure() {
    let x = exchanges().await;
    let ask = || {
        x.history
            .daily_candles("bitcoin", "usd", day("2021-01-01"), day("2021-01-31"))
    };
    x.coinbase.set_history_status(Some(429));
    x.coinbase.set_retry_after(30);
    let candles = ask().await.expect("Binance's");
    assert_eq!(candles.len(), 31);
    assert!(candles.iter().all(|c| c.source == Source::Binance));
    assert_eq!(x.coinbase.history_requests().len(), 1, "not waited out");

    x.binance.set_history_status(Some(429));
    x.binance.set_retry_after(60);
    let e = failure(ask().await);
    assert_eq!(
        e.failure,
        Failure::RateLimited {
            retry_after: Some(Duration::from_secs(30))
        },
        "Coinbase's, the first market's"
    );
    assert_eq!(e.kind(), ErrorKind::RateLimited);

    x.coinbase.set_history_status(None);
    x.binance.set_history_status(None);
    x.coinbase.set_history_malformed(true);
    x.binance.set_history_malformed(true);
    let e = failure(ask().await);
    assert!(matches!(e.failure, Failure::Malformed(_)), "{e}");
    assert!(
        e.to_string()
            .starts_with("Coinbase /api/v3/brokerage/market/products/BTC-USD/candles"),
        "{e}"
    );

    // Coinbase broken, Binance well: the days all come.
    x.binance.set_history_malformed(false);
    assert_eq!(ask().await.expect("Binance's").len(), 31);
}
