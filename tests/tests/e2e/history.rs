//! History through the real `coinlytics` binary against the fake CoinGecko
//! server: a year's backfill, resumed after a kill and paced through 429s;
//! `history`, `compare` and `convert` as a user runs them.

use std::process::Stdio;
use std::str::FromStr;

use crate::util::{User, WAIT, wait_until};
use coinlytics_tests::{FakeCoinGecko, Fault};
use rust_decimal::Decimal;
use serde_json::Value;

const CHART: &str = "/coins/bitcoin/market_chart";
const OHLC: &str = "/coins/bitcoin/ohlc";
const DAY_MS: i64 = 86_400_000;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(
        v.as_str()
            .unwrap_or_else(|| panic!("a decimal string: {v}")),
    )
    .expect("a decimal")
}

/// Candles of `history --json`, checked for shape: ascending, each low ≤
/// open/close ≤ high.
fn candles(v: &Value) -> Vec<(i64, Decimal, Decimal, Decimal, Decimal)> {
    let rows: Vec<_> = v
        .as_array()
        .expect("an array")
        .iter()
        .map(|c| {
            (
                c["t"].as_i64().expect("t"),
                dec(&c["open"]),
                dec(&c["high"]),
                dec(&c["low"]),
                dec(&c["close"]),
            )
        })
        .collect();
    assert!(rows.windows(2).all(|w| w[0].0 < w[1].0), "ascending times");
    for (t, o, h, l, c) in &rows {
        assert!(
            l <= o && l <= c && o <= h && c <= h,
            "candle at {t}: {o} {h} {l} {c}"
        );
    }
    rows
}

#[tokio::test(flavor = "multi_thread")]
async fn a_year_is_backfilled_in_five_requests_and_answered_in_at_most_2000_points() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    let out = user
        .run(&["backfill", "--coins", "btc", "--range", "1y"])
        .await
        .ok();
    assert!(out.stdout.contains("5 requests"), "{out:?}");
    assert_eq!((fake.requests(CHART), fake.requests(OHLC)), (3, 2));

    let year = user
        .run(&["history", "bitcoin", "--range", "1y", "--json"])
        .await
        .ok()
        .json();
    let year = candles(&year);
    // Daily points for nine months, hourly ones for 90 days: read in equal
    // days, the coarsest resolution stored in the year (issue 22).
    assert!((365..=367).contains(&year.len()), "{} points", year.len());
    assert!(
        year.windows(2).all(|w| w[1].0 - w[0].0 == DAY_MS),
        "equal days"
    );
    let first = year[0].0;
    assert!(
        (now_ms() - first - 365 * DAY_MS).abs() < 2 * DAY_MS,
        "the year starts a year ago, not {} days ago",
        (now_ms() - first) / DAY_MS
    );

    // The last day in 5-minute detail, as CoinGecko gives it.
    let day = user
        .run(&["history", "btc", "--range", "1d", "--json"])
        .await
        .ok()
        .json();
    let day = candles(&day);
    assert!(day.len() >= 280, "a day of 5-minute points: {}", day.len());
    // Hourly candles hold the 30-minute OHLC candles' highs and lows too;
    // grouped by four they keep the extremes, the first open and the last
    // close.
    let points = |n: &'static str| {
        let user = &user;
        async move {
            let v = user
                .run(&["history", "btc", "--range", "1d", "--points", n, "--json"])
                .await
                .ok()
                .json();
            candles(&v)
        }
    };
    let hours = points("24").await;
    let narrow = points("6").await;
    assert!((20..=24).contains(&hours.len()), "{} points", hours.len());
    assert!(narrow.len() <= 6, "{} points", narrow.len());
    let max = |v: &[(i64, Decimal, Decimal, Decimal, Decimal)]| v.iter().map(|c| c.2).max();
    let min = |v: &[(i64, Decimal, Decimal, Decimal, Decimal)]| v.iter().map(|c| c.3).min();
    // A partial oldest group is left out rather than answer a seventh.
    let start = hours
        .iter()
        .position(|c| c.0 == narrow[0].0)
        .expect("aligned groups");
    let same = &hours[start..];
    assert_eq!(max(&narrow), max(same));
    assert_eq!(min(&narrow), min(same));
    assert_eq!(narrow[0].1, same[0].1);
    assert_eq!(narrow.last().map(|c| c.4), same.last().map(|c| c.4));
    assert!(
        max(&hours) >= max(&day),
        "the candles' highs are at least the points'"
    );

    // Candles at the range's usual width hold several prices each: a
    // trader sees bodies and wicks, not flat one-price dashes.
    for (range, n) in [
        ("1d", 48),
        ("7d", 42),
        ("30d", 180),
        ("90d", 90),
        ("1y", 53),
    ] {
        let v = user
            .run(&["history", "btc", "--range", range, "--candles", "--json"])
            .await
            .ok()
            .json();
        let rows = candles(&v);
        assert!(
            rows.len().abs_diff(n) <= 2,
            "{range}: {} candles, not about {n}",
            rows.len()
        );
        let flat = rows.iter().filter(|c| c.2 == c.3).count();
        assert!(
            flat * 20 <= rows.len(),
            "{range}: {flat} of {} candles are flat",
            rows.len()
        );
    }

    // Done recently: running it again asks nothing.
    let again = user
        .run(&["backfill", "--coins", "bitcoin", "--range", "1y"])
        .await
        .ok();
    assert!(
        again.stdout.contains("0 requests") && again.stdout.contains("5 steps skipped"),
        "{again:?}"
    );
    assert_eq!(fake.requests(CHART) + fake.requests(OHLC), 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_backfill_resumes_with_what_it_had_not_done() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    // 60 a minute: the backfill takes 40, one call every 1.5 s.
    let mut cmd = user.command(&["backfill", "--coins", "bitcoin", "--range", "1y"]);
    cmd.env("COINLYTICS_REQUESTS_PER_MINUTE", "60")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("start backfill");
    let done_steps = || -> i64 {
        if !user.database_path().exists() {
            return 0;
        }
        user.database()
            .query_row("SELECT count(*) FROM backfill_steps", [], |r| r.get(0))
            .unwrap_or(0)
    };
    wait_until("two steps finished", WAIT, async || done_steps() >= 2).await;
    child.kill().expect("kill");
    child.wait().expect("reap");
    let done = done_steps();
    let asked = fake.requests(CHART) + fake.requests(OHLC);
    assert!((2..5).contains(&done), "{done} steps done");

    let out = user
        .run(&["backfill", "--coins", "bitcoin", "--range", "1y"])
        .await
        .ok();
    let resumed = fake.requests(CHART) + fake.requests(OHLC) - asked;
    assert_eq!(resumed as i64, 5 - done, "{out:?}");
    assert!(
        out.stdout.contains(&format!("{done} steps skipped")),
        "{out:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backfill_waits_out_429s_and_a_bad_answer_keeps_what_was_fetched() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    for _ in 0..4 {
        fake.push_fault(Fault::TooManyRequests {
            retry_after_secs: 1,
        });
    }
    let out = user
        .run(&["backfill", "--coins", "bitcoin", "--range", "30d"])
        .await
        .ok();
    assert!(out.stdout.contains("4 requests"), "{out:?}");
    let month = user
        .run(&["history", "bitcoin", "--range", "30d", "--json"])
        .await
        .ok()
        .json();
    let month = candles(&month);
    assert!(month.len() > 24 * 29, "hourly for 30 days");
    // The last day's 5-minute prices are read in hours too: every step
    // the same hour.
    assert!(
        month.windows(2).all(|w| w[1].0 - w[0].0 == 3_600_000),
        "equal hours"
    );

    // A malformed answer stops the backfill with a clear message; what was
    // stored stays.
    let other = User::new(&fake.base_url());
    other
        .run(&["backfill", "--coins", "bitcoin", "--range", "1d"])
        .await
        .ok();
    let before = other
        .run(&["history", "bitcoin", "--range", "1d", "--json"])
        .await
        .ok()
        .stdout;
    fake.push_fault(Fault::WrongTypes);
    let failed = other
        .run(&["backfill", "--coins", "ethereum", "--range", "1d"])
        .await;
    assert_eq!(failed.code, 1, "{failed:?}");
    assert!(
        failed.stderr.contains("market_chart")
            && failed.stderr.contains("running it again resumes"),
        "{failed:?}"
    );
    let after = other
        .run(&["history", "bitcoin", "--range", "1d", "--json"])
        .await
        .ok()
        .stdout;
    assert_eq!(before, after);
}

#[tokio::test(flavor = "multi_thread")]
async fn compare_answers_stats_and_correlations_for_three_coins() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    user.run(&["backfill", "--coins", "btc,eth,sol", "--range", "90d"])
        .await
        .ok();
    let cmp = user
        .run(&["compare", "btc,eth,sol", "--range", "90d", "--json"])
        .await
        .ok()
        .json();
    let series = cmp["series"].as_array().expect("series");
    assert_eq!(series.len(), 3);
    for s in series {
        assert!(s["stats"]["days"].as_u64().is_some_and(|d| d >= 89), "{s}");
        assert!(
            s["stats"]["volatility_pct"]
                .as_f64()
                .is_some_and(|v| v > 0.0)
        );
        assert_eq!(
            s["points"][0]["pct"].as_f64(),
            Some(0.0),
            "normalised from the start"
        );
    }
    let corr = cmp["correlation"].as_array().expect("matrix");
    for (i, row) in corr.iter().enumerate() {
        let row = row.as_array().expect("row");
        assert_eq!(row.len(), 3);
        assert!((row[i].as_f64().expect("diagonal") - 1.0).abs() < 1e-9);
        for c in row {
            assert!(c.as_f64().is_some_and(|c| (-1.0..=1.0).contains(&c)), "{c}");
        }
    }
    let table = user
        .run(&["compare", "btc,eth,sol", "--range", "90d"])
        .await
        .ok();
    assert!(
        table.stdout.contains("VOLATILITY") && table.stdout.contains("Correlation"),
        "{table:?}"
    );
    // Only today's refreshes stored: compare fetches the week first.
    let fresh = User::new(&fake.base_url());
    fresh.run(&["watchlist", "add", "btc"]).await.ok();
    fresh.run(&["prices"]).await.ok();
    let asked = fake.requests(CHART) + fake.requests(OHLC);
    let week = fresh
        .run(&["compare", "btc", "--range", "7d", "--json"])
        .await
        .ok()
        .json();
    assert_eq!(fake.requests(CHART) + fake.requests(OHLC) - asked, 4);
    assert!(
        week["series"][0]["stats"]["days"]
            .as_u64()
            .is_some_and(|d| d >= 6),
        "{week}"
    );
    // Too many coins is refused before anything is fetched.
    let asked = fake.total_requests();
    let six = user.run(&["compare", "btc,eth,sol,bnb,xrp,doge"]).await;
    assert_eq!(six.code, 2, "{six:?}");
    assert_eq!(fake.total_requests(), asked);
    // Offline, with only today's refreshes stored: the dashes are
    // explained, and so is what could not be fetched.
    let offline = User::new(&fake.base_url());
    offline.run(&["watchlist", "add", "ada"]).await.ok();
    offline.run(&["prices"]).await.ok();
    fake.set_down(true);
    let short = offline
        .run(&["compare", "cardano", "--range", "30d"])
        .await
        .ok();
    assert!(
        short
            .stderr
            .contains("could not fetch the missing history of cardano over 30d")
            && short.stderr.contains("showing what is stored")
            && short
                .stderr
                .contains("too little history stored for cardano over 30d"),
        "{short:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn history_of_a_coin_never_backfilled_fetches_its_range_and_offline_shows_what_is_stored() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    // One refresh: one price of each, nothing of the year before.
    user.run(&["prices", "--coins", "bitcoin,ethereum"])
        .await
        .ok();
    let out = user
        .run(&["history", "bitcoin", "--range", "1y"])
        .await
        .ok();
    assert_eq!(fake.requests(CHART) + fake.requests(OHLC), 5, "{out:?}");
    // The whole year, a row a day, from a year ago to today.
    let rows: Vec<&str> = out.stdout.lines().skip(1).collect();
    assert!((365..=367).contains(&rows.len()), "{} rows", rows.len());
    let day = |r: &str| {
        chrono::NaiveDate::parse_from_str(r.split_whitespace().next().unwrap_or(""), "%Y-%m-%d")
            .expect("a date")
    };
    let today = chrono::Utc::now().date_naive();
    assert_eq!(day(rows[rows.len() - 1]), today);
    assert!(
        (today - day(rows[0])).num_days().abs_diff(365) <= 1,
        "{}",
        rows[0]
    );
    assert!(
        out.stderr.is_empty(),
        "no bar, no message off a terminal: {out:?}"
    );
    // Stored now: nothing is fetched again, and the JSON is in equal days.
    let json = user
        .run(&["history", "bitcoin", "--range", "1y", "--json"])
        .await
        .ok()
        .json();
    assert!(
        candles(&json).windows(2).all(|w| w[1].0 - w[0].0 == DAY_MS),
        "equal days"
    );
    assert_eq!(fake.requests(CHART) + fake.requests(OHLC), 5);

    // Offline: ether's one stored price is shown, and why the rest is not.
    fake.shutdown().await;
    let off = user.run(&["history", "ethereum", "--range", "30d"]).await;
    assert_eq!(off.code, 0, "{off:?}");
    assert_eq!(
        off.stdout.lines().count(),
        2,
        "the header and the stored row: {off:?}"
    );
    assert!(
        off.stderr
            .contains("could not fetch the missing history of ethereum over 30d")
            && off.stderr.contains("cannot connect")
            && off.stderr.contains("showing what is stored"),
        "{off:?}"
    );
    // Nothing stored at all: it fails, saying why.
    let none = user.run(&["history", "solana", "--range", "7d"]).await;
    assert_eq!(none.code, 1, "{none:?}");
    assert!(
        none.stderr.contains("no history stored for solana")
            && none.stderr.contains("could not be fetched")
            && !none.stderr.contains("panicked"),
        "{none:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn convert_answers_in_words_and_in_json_with_exact_decimals() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    user.run(&["watchlist", "add", "ada"]).await.ok();
    user.run(&["prices"]).await.ok();
    let out = user.run(&["convert", "1.5", "ada", "eur"]).await.ok();
    let mut lines = out.stdout.lines();
    assert_eq!(lines.next(), Some("1.5 ADA = €0.6296"), "{out:?}");
    let second = lines.next().unwrap_or_default();
    assert!(
        second.starts_with("1 ADA = €0.4197 · CoinGecko: Cardano in USD; USD→EUR exchange rate · "),
        "{out:?}"
    );
    let v = user
        .run(&["convert", "1.5", "ada", "eur", "--json"])
        .await
        .ok()
        .json();
    assert_eq!(
        (v["amount"].as_str(), v["from"].as_str(), v["to"].as_str()),
        (Some("1.5"), Some("ada"), Some("eur"))
    );
    let (result, rate) = (dec(&v["result"]), dec(&v["rate"]));
    assert_eq!(result, rate * Decimal::from_str("1.5").expect("decimal"));
    assert!(
        chrono::DateTime::parse_from_rfc3339(v["as_of"].as_str().expect("as_of")).is_ok(),
        "{v}"
    );
    let bad = user.run(&["convert", "lots", "ada", "eur"]).await;
    assert_eq!(
        (bad.code, bad.stderr.trim()),
        (2, "coinlytics: 'lots' is not an amount"),
        "{bad:?}"
    );
}
