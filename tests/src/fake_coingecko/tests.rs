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
