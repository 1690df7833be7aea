use std::time::Duration;

use super::*;

/// A client to talk to the fake with. reqwest's rustls (the workspace's
/// TLS) takes the process's crypto provider, as the engine installs it.
fn client() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().timeout(Duration::from_secs(5))
}

async fn get(fake: &FakeCoinGecko, path_and_query: &str) -> reqwest::Response {
    client()
        .build()
        .expect("client")
        .get(format!("{}{path_and_query}", fake.base_url()))
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn markets_paginate_filter_and_count() {
    let fake = FakeCoinGecko::start().await;
    let page1: Vec<serde_json::Value> =
        get(&fake, "/coins/markets?vs_currency=usd&per_page=250&page=1")
            .await
            .json()
            .await
            .expect("json");
    let page2: Vec<serde_json::Value> =
        get(&fake, "/coins/markets?vs_currency=usd&per_page=250&page=2")
            .await
            .json()
            .await
            .expect("json");
    assert_eq!((page1.len(), page2.len()), (250, 50));
    assert_eq!(page1[0]["id"], "bitcoin");
    assert_eq!(page1[0]["market_cap_rank"], 1);
    assert!(page1[0]["market_cap"].is_u64());
    let some: Vec<serde_json::Value> = get(
        &fake,
        "/coins/markets?vs_currency=eur&ids=ethereum,nope,bitcoin&sparkline=true",
    )
    .await
    .json()
    .await
    .expect("json");
    assert_eq!(some.len(), 2);
    assert_eq!(
        some[0]["sparkline_in_7d"]["price"].as_array().map(Vec::len),
        Some(168)
    );
    assert_eq!(fake.requests("/coins/markets"), 3);
    assert_eq!(
        get(&fake, "/coins/markets?vs_currency=xyz").await.status(),
        400
    );
}

#[tokio::test]
async fn faults_are_served_in_order_then_normal_answers_resume() {
    let fake = FakeCoinGecko::start().await;
    fake.push_fault(Fault::TooManyRequests {
        retry_after_secs: 7,
    });
    fake.push_fault(Fault::Truncated);
    fake.push_fault(Fault::Status(503));
    let r = get(&fake, "/ping").await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "7");
    let body = get(&fake, "/coins/list").await.text().await.expect("text");
    assert!(
        serde_json::from_str::<serde_json::Value>(&body).is_err(),
        "truncated"
    );
    assert_eq!(get(&fake, "/ping").await.status(), 503);
    assert_eq!(get(&fake, "/ping").await.status(), 200);
}

#[tokio::test]
async fn an_oversized_answer_is_huge_on_the_wire_or_only_once_inflated() {
    let fake = FakeCoinGecko::start().await;
    // No decompression here: the bytes as they travel.
    let raw = client().no_gzip().build().expect("client");
    for gzip in [true, false] {
        fake.push_fault(Fault::Oversized {
            bytes: 4 << 20,
            gzip,
        });
        let r = raw
            .get(format!("{}/coins/list", fake.base_url()))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .expect("request");
        let encoding = r.headers()["content-encoding"].clone();
        let wire = r.bytes().await.expect("body").len();
        if gzip {
            assert_eq!(encoding, "gzip");
            assert!(wire < 64 << 10, "{wire} bytes on the wire");
        } else {
            assert_eq!(encoding, "identity");
            assert_eq!(wire, 4 << 20);
        }
    }
}

#[tokio::test]
async fn control_routes_steer_a_separate_process() {
    let fake = FakeCoinGecko::start().await;
    let base = format!("http://{}", fake.addr());
    let c = client().build().expect("client");
    let post = |path: &str, body: serde_json::Value| {
        c.post(format!("{base}/__control{path}")).json(&body).send()
    };
    assert_eq!(
        post(
            "/price",
            serde_json::json!({"id": "bitcoin", "usd": 70000.5})
        )
        .await
        .expect("price")
        .status(),
        204
    );
    assert_eq!(fake.usd_price("bitcoin"), Some(70000.5));
    post("/fault", serde_json::json!({"kind": "status", "code": 502}))
        .await
        .expect("fault");
    assert_eq!(get(&fake, "/ping").await.status(), 502);
    post("/down", serde_json::json!({})).await.expect("down");
    assert_eq!(get(&fake, "/ping").await.status(), 503);
    post("/up", serde_json::json!({})).await.expect("up");
    let counts: serde_json::Value = c
        .get(format!("{base}/__control/requests"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(counts["/ping"], 2);
}

#[tokio::test]
async fn shutdown_refuses_further_connections() {
    let fake = FakeCoinGecko::start().await;
    let url = fake.base_url();
    fake.shutdown().await;
    let err = client()
        .timeout(Duration::from_secs(2))
        .build()
        .expect("client")
        .get(format!("{url}/ping"))
        .send()
        .await
        .expect_err("closed");
    assert!(err.is_connect(), "{err}");
}

#[test]
fn the_benchmark_body_is_a_full_markets_page() {
    let v: Vec<serde_json::Value> = serde_json::from_slice(&markets_body(250)).expect("json");
    assert_eq!(v.len(), 250);
    assert!(v[0].get("sparkline_in_7d").is_some());
    assert!(v[0].get("price_change_percentage_7d_in_currency").is_some());
}

async fn json_of(fake: &FakeCoinGecko, path_and_query: &str) -> serde_json::Value {
    let r = get(fake, path_and_query).await;
    assert_eq!(r.status(), 200, "{path_and_query}");
    r.json().await.expect("json")
}

/// The `[ms, value]` pairs of a chart series.
fn pairs(v: &serde_json::Value) -> Vec<(i64, f64)> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|p| (p[0].as_i64().expect("ms"), p[1].as_f64().expect("value")))
        .collect()
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[tokio::test]
async fn market_chart_has_coingeckos_automatic_granularity() {
    let fake = FakeCoinGecko::start().await;
    let usd = fake.usd_price("bitcoin").expect("bitcoin");
    // (days, spacing, points before now)
    for (days, step, n) in [
        (1, 300_000, 288),
        (30, 3_600_000, 720),
        (365, 86_400_000, 365),
    ] {
        let before = now_ms();
        let chart = json_of(
            &fake,
            &format!("/coins/bitcoin/market_chart?vs_currency=usd&days={days}"),
        )
        .await;
        let prices = pairs(&chart["prices"]);
        assert_eq!(prices.len(), n + 1, "days={days}");
        let (last_ms, last) = prices[n];
        assert!(
            last_ms >= before && last_ms <= now_ms(),
            "the last point is now"
        );
        assert_eq!(last, usd, "the path ends at the current price");
        for w in prices[..n].windows(2) {
            assert_eq!(w[1].0 - w[0].0, step, "days={days}");
        }
        assert!(
            prices[..n].iter().all(|(t, _)| t % step == 0),
            "on the grid"
        );
        assert!(prices[0].0 >= before - days * 86_400_000);
        assert!(prices[n - 1].0 < last_ms && last_ms - prices[n - 1].0 <= step);
        assert!(prices.iter().all(|(_, p)| *p > 0.0));
        for series in ["market_caps", "total_volumes"] {
            let s = pairs(&chart[series]);
            let stamps: Vec<i64> = s.iter().map(|(t, _)| *t).collect();
            let expected: Vec<i64> = prices.iter().map(|(t, _)| *t).collect();
            assert_eq!(stamps, expected, "{series} at the prices' times");
            assert!(s.iter().all(|(_, v)| *v > 0.0), "{series}");
        }
        let cap = pairs(&chart["market_caps"])[n].1;
        assert!(
            (cap / (usd * 19_690_000.0) - 1.0).abs() < 1e-9,
            "cap = price × supply"
        );
    }
    // A year moves the price, a plausible amount.
    let year = pairs(
        &json_of(
            &fake,
            "/coins/bitcoin/market_chart?vs_currency=usd&days=365",
        )
        .await["prices"],
    );
    let (lo, hi) = year.iter().fold((f64::MAX, f64::MIN), |(lo, hi), (_, p)| {
        (lo.min(*p), hi.max(*p))
    });
    assert!(hi / lo > 1.15 && hi / lo < 4.0, "range {lo}..{hi}");
    // interval=daily: midnights even for a short span.
    let daily = pairs(
        &json_of(
            &fake,
            "/coins/bitcoin/market_chart?vs_currency=usd&days=10&interval=daily",
        )
        .await["prices"],
    );
    assert_eq!(daily.len(), 11);
    assert!(daily[..10].iter().all(|(t, _)| t % 86_400_000 == 0));
    // Other currencies: eur at the fixed rate; bitcoin in btc is 1.
    let eur = pairs(
        &json_of(&fake, "/coins/ethereum/market_chart?vs_currency=eur&days=1").await["prices"],
    );
    assert_eq!(eur.last().map(|p| p.1), Some(3231.408));
    let btc = pairs(
        &json_of(&fake, "/coins/bitcoin/market_chart?vs_currency=btc&days=2").await["prices"],
    );
    assert!(btc.iter().all(|(_, p)| *p == 1.0));
    assert_eq!(fake.requests("/coins/bitcoin/market_chart"), 6);
    let r = get(
        &fake,
        "/coins/no-such-coin/market_chart?vs_currency=usd&days=1",
    )
    .await;
    assert_eq!(r.status(), 404);
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body, serde_json::json!({"error": "coin not found"}));
    assert_eq!(
        get(&fake, "/coins/bitcoin/market_chart?vs_currency=xyz&days=1")
            .await
            .status(),
        400
    );
}

#[tokio::test]
async fn ohlc_candles_are_stamped_at_their_close_and_bound_the_chart() {
    let fake = FakeCoinGecko::start().await;
    // (days, width, candles)
    for (days, width, n) in [
        (1, 1_800_000, 48),
        (7, 14_400_000, 42),
        (30, 14_400_000, 180),
        (90, 345_600_000, 23),
        (365, 345_600_000, 92),
    ] {
        let before = now_ms();
        let rows = json_of(
            &fake,
            &format!("/coins/ethereum/ohlc?vs_currency=usd&days={days}"),
        )
        .await;
        let rows = rows.as_array().expect("array");
        assert_eq!(rows.len(), n, "days={days}");
        let stamps: Vec<i64> = rows.iter().map(|r| r[0].as_i64().expect("ms")).collect();
        assert!(
            stamps.iter().all(|t| t % width == 0),
            "closes on boundaries"
        );
        assert!(stamps.windows(2).all(|w| w[1] - w[0] == width));
        let last = stamps[n - 1];
        assert!(
            last <= now_ms() && before - last < width,
            "the last completed candle"
        );
        for r in rows {
            let [o, h, l, c] = [1, 2, 3, 4].map(|i| r[i].as_f64().expect("price"));
            assert!(l > 0.0 && l <= o.min(c) && h >= o.max(c), "{r}");
        }
    }
    // The candles' highs and lows bound the chart's points in them, and
    // reach beyond them (wicks between the samples).
    let chart = pairs(
        &json_of(&fake, "/coins/ethereum/market_chart?vs_currency=usd&days=1").await["prices"],
    );
    let rows = json_of(&fake, "/coins/ethereum/ohlc?vs_currency=usd&days=1").await;
    let mut wicks = 0;
    for r in rows.as_array().expect("array") {
        let close = r[0].as_i64().expect("ms");
        let (h, l) = (r[2].as_f64().expect("high"), r[3].as_f64().expect("low"));
        let inside: Vec<f64> = chart
            .iter()
            .filter(|(t, _)| *t >= close - 1_800_000 && *t <= close)
            .map(|(_, p)| *p)
            .collect();
        assert!(
            inside.iter().all(|p| *p >= l && *p <= h),
            "{r} vs {inside:?}"
        );
        let top = inside.iter().copied().fold(f64::MIN, f64::max);
        if !inside.is_empty() && h > top {
            wicks += 1;
        }
        // Open and close are the path at the candle's ends.
        if let Some((_, p)) = chart.iter().find(|(t, _)| *t == close) {
            let c = r[4].as_f64().expect("close");
            assert!((c / p - 1.0).abs() < 1e-4, "close {c} vs chart {p}");
        }
    }
    assert!(wicks > 40, "highs beyond the sampled prices: {wicks}");
    assert_eq!(fake.requests("/coins/ethereum/ohlc"), 6);
    for bad in ["4", "0", "abc", "1.5"] {
        let r = get(
            &fake,
            &format!("/coins/ethereum/ohlc?vs_currency=usd&days={bad}"),
        )
        .await;
        assert_eq!(r.status(), 400, "days={bad}");
    }
    assert_eq!(
        get(&fake, "/coins/nope/ohlc?vs_currency=usd&days=1")
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn history_beyond_365_days_is_refused_as_coingecko_refuses_free_plans() {
    let fake = FakeCoinGecko::start().await;
    for path in [
        "/coins/bitcoin/market_chart?vs_currency=usd&days=366",
        "/coins/bitcoin/market_chart?vs_currency=usd&days=max",
        "/coins/bitcoin/ohlc?vs_currency=usd&days=max",
    ] {
        let r = get(&fake, path).await;
        assert_eq!(r.status(), 401, "{path}");
        let body: serde_json::Value = r.json().await.expect("json");
        let status = &body["error"]["status"];
        assert_eq!(status["error_code"], 10012, "{body}");
        assert!(
            status["error_message"].as_str().is_some_and(|m| m
                .starts_with("Your request exceeds the allowed time range.")
                && m.contains("within the past 365 days")),
            "{body}"
        );
        let at = status["timestamp"].as_str().expect("timestamp");
        assert!(chrono::DateTime::parse_from_rfc3339(at).is_ok(), "{at}");
    }
    // A pro key is a paid plan: the whole history.
    let paid = client()
        .build()
        .expect("client")
        .get(format!(
            "{}/coins/bitcoin/market_chart?vs_currency=usd&days=max",
            fake.base_url()
        ))
        .header("x-cg-pro-api-key", "any")
        .send()
        .await
        .expect("request");
    assert_eq!(paid.status(), 200);
    let body: serde_json::Value = paid.json().await.expect("json");
    let prices = pairs(&body["prices"]);
    assert_eq!(prices[0].0, 1_367_107_200_000, "from 2013-04-28");
    assert!(prices.len() > 4000);
}

#[tokio::test]
async fn exchange_rates_agree_with_simple_price() {
    let fake = FakeCoinGecko::start().await;
    let rates = json_of(&fake, "/exchange_rates").await;
    let rates = &rates["rates"];
    let simple = json_of(
        &fake,
        "/simple/price?ids=bitcoin&vs_currencies=usd,eur,jpy,eth,btc",
    )
    .await;
    for code in ["usd", "eur", "jpy", "eth", "btc"] {
        assert_eq!(rates[code]["value"], simple["bitcoin"][code], "{code}");
    }
    assert_eq!(
        rates["usd"],
        serde_json::json!({"name": "US Dollar", "unit": "$", "value": 67187.33, "type": "fiat"})
    );
    assert_eq!(
        rates["btc"],
        serde_json::json!({"name": "Bitcoin", "unit": "BTC", "value": 1.0, "type": "crypto"})
    );
    assert_eq!(rates["eth"]["type"], "crypto");
    assert_eq!(rates["xau"]["name"], "Gold - Troy Ounce");
    assert_eq!(rates["xau"]["type"], "commodity");
    // Every currency /simple/price knows has a rate, each above 0.
    let supported = json_of(&fake, "/simple/supported_vs_currencies").await;
    for code in supported.as_array().expect("array") {
        let code = code.as_str().expect("code");
        assert!(
            rates[code]["value"].as_f64().is_some_and(|v| v > 0.0),
            "{code}"
        );
    }
    fake.set_price("bitcoin", 70_000.0);
    let after = json_of(&fake, "/exchange_rates").await;
    assert_eq!(after["rates"]["eur"]["value"], 64_400.0);
    assert_eq!(fake.requests("/exchange_rates"), 2);
}

#[tokio::test]
async fn wrong_types_and_duplicates_reach_the_history_routes() {
    let fake = FakeCoinGecko::start().await;
    fake.push_fault(Fault::WrongTypes);
    let chart = json_of(&fake, "/coins/bitcoin/market_chart?vs_currency=usd&days=1").await;
    assert_eq!(chart["prices"][0][1], "abc");
    assert!(chart["prices"][1][1].is_f64());
    fake.push_fault(Fault::WrongTypes);
    let rows = json_of(&fake, "/coins/bitcoin/ohlc?vs_currency=usd&days=1").await;
    assert_eq!(rows[0][1], "abc");
    fake.push_fault(Fault::WrongTypes);
    let rates = json_of(&fake, "/exchange_rates").await;
    assert!(
        rates["rates"]
            .as_object()
            .expect("rates")
            .values()
            .any(|r| r["value"] == "abc")
    );
    fake.push_fault(Fault::Duplicated);
    let chart = json_of(&fake, "/coins/bitcoin/market_chart?vs_currency=usd&days=1").await;
    let prices = pairs(&chart["prices"]);
    assert_eq!(prices[0].0, prices[1].0);
    assert_eq!(prices[1].1, prices[0].1 * 2.0);
    fake.push_fault(Fault::TooManyRequests {
        retry_after_secs: 3,
    });
    assert_eq!(
        get(&fake, "/coins/bitcoin/ohlc?vs_currency=usd&days=1")
            .await
            .status(),
        429
    );
    fake.push_fault(Fault::Truncated);
    let text = get(&fake, "/coins/bitcoin/market_chart?vs_currency=usd&days=1")
        .await
        .text()
        .await
        .expect("text");
    assert!(serde_json::from_str::<serde_json::Value>(&text).is_err());
    assert_eq!(fake.requests("/coins/bitcoin/market_chart"), 3);
    assert_eq!(fake.requests("/coins/bitcoin/ohlc"), 2);
}

#[tokio::test]
async fn markets_follow_the_price_path_for_30d_1y_and_the_all_time_high() {
    let fake = FakeCoinGecko::start().await;
    let rows = json_of(
        &fake,
        "/coins/markets?vs_currency=usd&ids=bitcoin,solana&price_change_percentage=1h,24h,7d,30d,1y",
    )
    .await;
    for row in rows.as_array().expect("array") {
        let id = row["id"].as_str().expect("id");
        let now = now_ms() as f64 / 1000.0;
        let price = row["current_price"].as_f64().expect("price");
        for (field, days) in [
            ("price_change_percentage_30d_in_currency", 30.0),
            ("price_change_percentage_1y_in_currency", 365.0),
        ] {
            let then = fake.price_at(id, now - days * 86_400.0).expect("path");
            let expected = (price / then - 1.0) * 100.0;
            let got = row[field].as_f64().expect(field);
            assert!(
                (got - expected).abs() < 0.01,
                "{id} {field}: {got} vs {expected}"
            );
        }
        assert!(row["price_change_percentage_7d_in_currency"].is_f64());
        assert!(row.get("price_change_percentage_14d_in_currency").is_none());
        let year = pairs(
            &json_of(
                &fake,
                &format!("/coins/{id}/market_chart?vs_currency=usd&days=365"),
            )
            .await["prices"],
        );
        let top = year.iter().map(|(_, p)| *p).fold(f64::MIN, f64::max);
        let bottom = year.iter().map(|(_, p)| *p).fold(f64::MAX, f64::min);
        assert!(row["ath"].as_f64().expect("ath") >= top, "{id}");
        assert!(row["atl"].as_f64().expect("atl") <= bottom, "{id}");
        assert!(
            chrono::DateTime::parse_from_rfc3339(row["ath_date"].as_str().expect("date")).is_ok()
        );
    }
    // Only the periods asked for.
    let rows = json_of(
        &fake,
        "/coins/markets?vs_currency=usd&ids=bitcoin&price_change_percentage=24h",
    )
    .await;
    assert!(
        rows[0]
            .get("price_change_percentage_24h_in_currency")
            .is_some()
    );
    assert!(
        rows[0]
            .get("price_change_percentage_7d_in_currency")
            .is_none()
    );
}

#[test]
fn price_paths_end_now_stay_positive_and_move_together_loosely() {
    let coins = data::universe(300);
    let now = data::now_secs();
    let returns = |c: &data::CoinData| -> Vec<f64> {
        (0..365)
            .map(|k| {
                let t = now - f64::from(365 - k) * data::DAY;
                (data::price_at_anchored(c, t + data::DAY, now)
                    / data::price_at_anchored(c, t, now))
                .ln()
            })
            .collect()
    };
    for c in &coins {
        assert!((data::price_at_anchored(c, now, now) / c.usd - 1.0).abs() < 1e-12);
        for k in 0..=800 {
            let p = data::price_at_anchored(c, now - f64::from(k) * data::DAY, now);
            assert!(p > 0.0 && p.is_finite(), "{} {k} days ago", c.id);
        }
    }
    let corr = |a: &[f64], b: &[f64]| {
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let (ma, mb) = (mean(a), mean(b));
        let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
        let var = |v: &[f64], m: f64| v.iter().map(|x| (x - m) * (x - m)).sum::<f64>();
        cov / (var(a, ma) * var(b, mb)).sqrt()
    };
    let btc = returns(&coins[0]);
    for other in [1, 4, 7, 12, 40] {
        let r = corr(&btc, &returns(&coins[other]));
        assert!(r > 0.0 && r < 0.999, "bitcoin vs {}: {r}", coins[other].id);
    }
}
