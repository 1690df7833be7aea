//! The engine's market service and CoinGecko provider against the fake
//! CoinGecko server: requests made, data stored, faults survived.

use std::sync::Arc;
use std::time::{Duration, Instant};

use coinlytics_engine::config::ApiPlan;
use coinlytics_engine::error::ErrorKind;
use coinlytics_engine::market::{Market, MarketEvent};
use coinlytics_engine::model::{QuoteRequest, Selection};
use coinlytics_engine::provider::{CoinGecko, HttpOptions, PriceProvider};
use coinlytics_engine::store::{Store, queries};
use coinlytics_tests::{FakeCoinGecko, Fault};

struct Setup {
    fake: FakeCoinGecko,
    market: Market<CoinGecko>,
    _dir: tempfile::TempDir,
}

/// Quick clients for fakes on 127.0.0.1: a second's timeout, short backoff.
pub(crate) fn opts() -> HttpOptions {
    HttpOptions {
        timeout: Duration::from_secs(1),
        requests_per_minute: 600,
        min_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_secs(5),
        ..HttpOptions::default()
    }
}

async fn setup() -> Setup {
    let fake = FakeCoinGecko::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(Store::open(&dir.path().join("db.sqlite3")).expect("store"));
    let provider = CoinGecko::new(&fake.base_url(), None, opts()).expect("provider");
    // TTL zero: every refresh asks the provider unless coalesced in flight.
    let market = Market::new(Arc::new(provider), store, Duration::ZERO);
    Setup {
        fake,
        market,
        _dir: dir,
    }
}

fn top(n: u32) -> QuoteRequest {
    QuoteRequest {
        selection: Selection::Top(n),
        currency: "usd".into(),
    }
}

fn count(market: &Market<CoinGecko>, f: fn(&rusqlite::Connection) -> rusqlite::Result<i64>) -> i64 {
    market.store().read(f).expect("count")
}

#[tokio::test]
async fn a_refresh_of_150_coins_is_one_request_and_stores_them_all() {
    let s = setup().await;
    let snap = s.market.refresh(&top(150)).await.expect("refresh");
    assert_eq!(snap.quotes.len(), 150);
    assert_eq!(s.fake.requests("/coins/markets"), 1);
    assert_eq!(count(&s.market, queries::coins::count), 150);
    let stored = s.market.stored(&top(150)).expect("stored");
    assert_eq!(stored.len(), 150);
    assert_eq!(stored[0].coin_id, "bitcoin");
    assert!(!stored[0].sparkline_7d.is_empty());
}

#[tokio::test]
async fn three_hundred_coins_take_two_requests_of_250() {
    let s = setup().await;
    let snap = s.market.refresh(&top(300)).await.expect("refresh");
    assert_eq!(snap.quotes.len(), 300);
    assert_eq!(s.fake.requests("/coins/markets"), 2);
}

#[tokio::test]
async fn a_second_identical_refresh_is_idempotent() {
    let s = setup().await;
    s.market.refresh(&top(150)).await.expect("first");
    let before = (
        count(&s.market, queries::coins::count),
        count(&s.market, queries::history::count),
        s.market.stored(&top(150)).expect("stored"),
    );
    s.market.refresh(&top(150)).await.expect("second");
    let after = (
        count(&s.market, queries::coins::count),
        count(&s.market, queries::history::count),
        s.market.stored(&top(150)).expect("stored"),
    );
    assert_eq!(before.0, after.0);
    assert_eq!(
        before.1, after.1,
        "history points are keyed by provider time"
    );
    let prices =
        |v: &Vec<coinlytics_engine::model::Quote>| v.iter().map(|q| q.price).collect::<Vec<_>>();
    assert_eq!(prices(&before.2), prices(&after.2));
    assert_eq!(s.fake.requests("/coins/markets"), 2);
}

#[tokio::test]
async fn a_429_is_retried_after_its_retry_after() {
    let s = setup().await;
    s.fake.push_fault(Fault::TooManyRequests {
        retry_after_secs: 1,
    });
    let started = Instant::now();
    let snap = s.market.refresh(&top(10)).await.expect("succeeds on retry");
    assert_eq!(snap.quotes.len(), 10);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(s.fake.requests("/coins/markets"), 2);
}

#[tokio::test]
async fn a_429_asking_too_long_a_wait_fails_at_once() {
    let s = setup().await;
    s.fake.push_fault(Fault::TooManyRequests {
        retry_after_secs: 3600,
    });
    let started = Instant::now();
    let err = s
        .market
        .refresh(&top(10))
        .await
        .expect_err("will not wait an hour");
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert!(err.to_string().contains("rate limited (HTTP 429)"), "{err}");
    assert!(err.to_string().contains("asked to wait 3600 s"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn server_errors_are_retried_with_a_cap() {
    let s = setup().await;
    s.fake.push_fault(Fault::Status(500));
    s.fake.push_fault(Fault::Status(503));
    s.market
        .refresh(&top(5))
        .await
        .expect("third attempt succeeds");
    assert_eq!(s.fake.requests("/coins/markets"), 3);

    for _ in 0..10 {
        s.fake.push_fault(Fault::Status(502));
    }
    let err = s.market.refresh(&top(5)).await.expect_err("gives up");
    assert!(err.to_string().contains("HTTP 502"), "{err}");
    assert_eq!(
        s.fake.requests("/coins/markets"),
        3 + 4,
        "first try + 3 retries"
    );
}

#[tokio::test]
async fn malformed_json_leaves_stored_prices_untouched_and_names_the_endpoint() {
    let s = setup().await;
    s.market.refresh(&top(20)).await.expect("first");
    let before = s.market.stored(&top(20)).expect("stored");
    s.fake.set_price("bitcoin", 1.0);
    let mut events = s.market.subscribe();

    for fault in [Fault::Truncated, Fault::WrongTypes] {
        s.fake.push_fault(fault);
        let err = s.market.refresh(&top(20)).await.expect_err("malformed");
        assert_eq!(err.kind(), ErrorKind::Upstream);
        assert!(
            err.to_string()
                .starts_with("CoinGecko /coins/markets: malformed answer"),
            "{err}"
        );
        assert_eq!(
            s.market.stored(&top(20)).expect("stored"),
            before,
            "nothing changed"
        );
        match events.recv().await.expect("event") {
            MarketEvent::Failed { kind, source, .. } => {
                assert_eq!((kind, source), (ErrorKind::Upstream, "CoinGecko"));
            }
            other => panic!("expected a failure event, got {other:?}"),
        }
    }
    let log = s
        .market
        .store()
        .read(|c| queries::events::recent(c, 10))
        .expect("events");
    assert_eq!(log.len(), 2);
    assert!(log[0].message.contains("/coins/markets"));
}

#[tokio::test]
async fn a_stall_past_the_timeout_is_a_timeout_error() {
    let s = setup().await;
    s.fake.push_fault(Fault::Stall(Duration::from_secs(3)));
    let err = s.market.refresh(&top(5)).await.expect_err("times out");
    assert_eq!(err.kind(), ErrorKind::Offline, "{err}");
    assert!(err.to_string().contains("no answer within 1 s"), "{err}");
}

#[tokio::test]
async fn concurrent_identical_refreshes_share_one_request() {
    let fake = FakeCoinGecko::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(Store::open(&dir.path().join("db.sqlite3")).expect("store"));
    let provider = CoinGecko::new(&fake.base_url(), None, opts()).expect("provider");
    let market = Arc::new(Market::new(
        Arc::new(provider),
        store,
        Duration::from_secs(30),
    ));
    fake.push_fault(Fault::Stall(Duration::from_millis(300)));
    let req = top(50);
    let (a, b) = tokio::join!(market.refresh(&req), market.refresh(&req));
    assert_eq!(a.expect("a").fetched_at, b.expect("b").fetched_at);
    market.refresh(&top(50)).await.expect("within the TTL");
    assert_eq!(fake.requests("/coins/markets"), 1);
}

#[tokio::test]
async fn updates_reach_subscribers_with_the_new_price() {
    let s = setup().await;
    let mut events = s.market.subscribe();
    s.fake.set_price("bitcoin", 71_234.5);
    s.market.refresh(&top(3)).await.expect("refresh");
    match events.recv().await.expect("event") {
        MarketEvent::Updated(snap) => {
            assert_eq!(snap.quotes[0].coin_id, "bitcoin");
            assert_eq!(snap.quotes[0].price.to_string(), "71234.5");
        }
        other => panic!("expected an update, got {other:?}"),
    }
}

#[tokio::test]
async fn simple_prices_coin_list_and_currencies_parse() {
    let s = setup().await;
    let p = s.market.provider();
    let ids = vec![
        "bitcoin".to_string(),
        "ethereum".to_string(),
        "nope".to_string(),
    ];
    let prices = p
        .simple_prices(&ids, &["usd".into(), "eur".into()])
        .await
        .expect("simple");
    assert_eq!(
        prices.len(),
        4,
        "2 coins × 2 currencies; unknown ids left out"
    );
    assert!(
        prices
            .iter()
            .all(|sp| sp.market_cap.is_some() && sp.change_24h_pct.is_some())
    );
    let list = p.coin_list().await.expect("list");
    assert!(list.len() >= 150);
    assert!(list.iter().any(|c| c.id == "bitcoin" && c.symbol == "btc"));
    let cur = p.supported_currencies().await.expect("currencies");
    assert!(cur.contains(&"eur".to_string()) && cur.contains(&"jpy".to_string()));
}

#[tokio::test]
async fn an_api_key_is_sent_in_its_plan_header_and_responses_are_gzipped() {
    let fake = FakeCoinGecko::start().await;
    let demo = CoinGecko::new(
        &fake.base_url(),
        Some((ApiPlan::Demo, "demo-key-123")),
        opts(),
    )
    .expect("demo");
    demo.coin_list().await.expect("list");
    assert_eq!(
        fake.last_header("/coins/list", "x-cg-demo-api-key")
            .as_deref(),
        Some("demo-key-123")
    );
    assert!(
        fake.last_header("/coins/list", "accept-encoding")
            .unwrap_or_default()
            .contains("gzip")
    );
    assert!(
        fake.last_header("/coins/list", "user-agent")
            .unwrap_or_default()
            .starts_with("coinlytics/")
    );
    let pro =
        CoinGecko::new(&fake.base_url(), Some((ApiPlan::Pro, "pro-key")), opts()).expect("pro");
    pro.supported_currencies().await.expect("currencies");
    assert_eq!(
        fake.last_header("/simple/supported_vs_currencies", "x-cg-pro-api-key")
            .as_deref(),
        Some("pro-key")
    );
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed_so_the_key_stays_home() {
    let fake = FakeCoinGecko::start().await;
    // Another port is another origin, as another host would be.
    let elsewhere = FakeCoinGecko::start().await;
    let provider = CoinGecko::new(
        &fake.base_url(),
        Some((ApiPlan::Demo, "demo-key-123")),
        opts(),
    )
    .expect("provider");
    fake.push_fault(Fault::Redirect(elsewhere.base_url()));
    let result = provider.coin_list().await;
    assert_eq!(
        elsewhere.last_header("/coins/list", "x-cg-demo-api-key"),
        None,
        "the key went to another server"
    );
    assert_eq!(elsewhere.total_requests(), 0);
    let err = result.expect_err("a cross-origin redirect is not followed");
    assert_eq!(err.kind(), ErrorKind::Upstream, "{err}");
    let want = format!(
        "CoinGecko /coins/list: redirected to another host (http://{}); not followed",
        elsewhere.addr()
    );
    assert_eq!(err.to_string(), want);
    assert_eq!(fake.requests("/coins/list"), 1, "not retried");

    // A redirect within the same server is still followed.
    fake.push_fault(Fault::Redirect(fake.base_url()));
    provider.coin_list().await.expect("same origin");
    assert_eq!(fake.requests("/coins/list"), 3);
}

#[tokio::test]
async fn an_api_key_is_never_sent_in_clear_to_another_machine() {
    let provider = CoinGecko::new(
        "http://example.invalid/api/v3",
        Some((ApiPlan::Pro, "pro-key")),
        opts(),
    )
    .expect("provider");
    let err = provider
        .coin_list()
        .await
        .expect_err("no key over plain http");
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert_eq!(
        err.to_string(),
        "CoinGecko /coins/list: the API key is sent only over https or to this machine, \
         and http://example.invalid/api/v3 is neither; use an https:// URL"
    );
}

#[tokio::test]
async fn an_answer_past_the_size_cap_is_refused_compressed_or_not() {
    let fake = FakeCoinGecko::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(Store::open(&dir.path().join("db.sqlite3")).expect("store"));
    let capped = HttpOptions {
        max_body_bytes: 1 << 20,
        ..opts()
    };
    let provider = CoinGecko::new(&fake.base_url(), None, capped).expect("provider");
    let market = Market::new(Arc::new(provider), store, Duration::ZERO);
    market
        .refresh(&top(20))
        .await
        .expect("20 coins are far below 1 MiB");
    let before = market.stored(&top(20)).expect("stored");

    for gzip in [false, true] {
        fake.push_fault(Fault::Oversized {
            bytes: 4 << 20,
            gzip,
        });
        let err = market.refresh(&top(20)).await.expect_err("too large");
        assert_eq!(err.kind(), ErrorKind::Upstream, "{err}");
        assert_eq!(
            err.to_string(),
            "CoinGecko /coins/markets: answered more than 1 MiB; refused",
            "gzip: {gzip}"
        );
        assert_eq!(market.stored(&top(20)).expect("stored"), before);
    }
    assert_eq!(fake.requests("/coins/markets"), 3, "never retried");
}

#[tokio::test]
async fn the_answer_size_cap_is_a_setting() {
    let fake = FakeCoinGecko::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = coinlytics_engine::testing::settings(dir.path(), &fake.base_url());
    settings.http_max_body_mib = 1;
    let engine = coinlytics_engine::Engine::open(settings).expect("engine");
    fake.push_fault(Fault::Oversized {
        bytes: 2 << 20,
        gzip: true,
    });
    let err = engine
        .market
        .refresh(&top(5))
        .await
        .expect_err("past 1 MiB");
    assert!(
        err.to_string()
            .ends_with("/coins/markets: answered more than 1 MiB; refused"),
        "{err}"
    );
}

#[tokio::test]
async fn a_price_of_zero_or_less_or_a_repeated_coin_never_replaces_a_good_one() {
    let fake = FakeCoinGecko::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = coinlytics_engine::testing::settings(dir.path(), &fake.base_url());
    let engine = coinlytics_engine::Engine::open(settings).expect("engine");
    let req = QuoteRequest {
        selection: Selection::Coins(vec!["bitcoin".into(), "ethereum".into()]),
        currency: "usd".into(),
    };
    let stored_bitcoin = || {
        let stored = engine.market.stored(&req).expect("stored");
        let btc = stored.iter().find(|q| q.coin_id == "bitcoin");
        btc.map(|q| q.price.to_string())
    };
    let refresh = || async {
        engine.market.invalidate();
        let snap = engine.market.refresh(&req).await.expect("refresh");
        let quotes = snap.quotes.iter();
        quotes
            .map(|q| format!("{} {}", q.coin_id, q.price))
            .collect::<Vec<_>>()
    };
    refresh().await;
    assert_eq!(stored_bitcoin().as_deref(), Some("67187.33"));

    for bad in [0.0, -42.5] {
        fake.set_price("bitcoin", bad);
        let fetched = refresh().await;
        assert_eq!(
            stored_bitcoin().as_deref(),
            Some("67187.33"),
            "bitcoin at {bad}"
        );
        assert_eq!(fetched, ["ethereum 3512.4"], "bitcoin at {bad}");
        let p = engine.market.provider();
        let simple = p
            .simple_prices(&["bitcoin".into(), "ethereum".into()], &["usd".into()])
            .await
            .expect("simple");
        let ids: Vec<_> = simple.iter().map(|sp| sp.coin_id.as_str()).collect();
        assert_eq!(ids, ["ethereum"], "bitcoin at {bad}");
    }

    fake.set_price("bitcoin", 70_000.0);
    fake.push_fault(Fault::Duplicated);
    assert_eq!(refresh().await, ["bitcoin 70000", "ethereum 3512.4"]);
    assert_eq!(stored_bitcoin().as_deref(), Some("70000"));
    fake.push_fault(Fault::Duplicated);
    let p = engine.market.provider();
    let simple = p
        .simple_prices(&["bitcoin".into()], &["usd".into()])
        .await
        .expect("simple");
    let got: Vec<_> = simple.iter().map(|sp| sp.price.to_string()).collect();
    assert_eq!(got, ["70000"], "the first answer counts");
}

#[tokio::test]
async fn a_null_volume_is_kept_as_none_not_zero() {
    let s = setup().await;
    let snap = s.market.refresh(&top(250)).await.expect("refresh");
    assert!(
        snap.quotes.iter().any(|q| q.volume_24h.is_none()),
        "the fake has one coin with a null volume"
    );
}

async fn next_update(
    events: &mut tokio::sync::broadcast::Receiver<MarketEvent>,
) -> Arc<coinlytics_engine::market::Snapshot> {
    match tokio::time::timeout(Duration::from_secs(5), events.recv()).await {
        Ok(Ok(MarketEvent::Updated(snap))) => snap,
        other => panic!("expected an update, got {other:?}"),
    }
}

#[tokio::test]
async fn the_refresher_ticks_follows_watchlist_edits_and_stops() {
    use coinlytics_engine::app::market::DEFAULT_TOP;
    use coinlytics_engine::model::CoinId;
    use coinlytics_engine::{Engine, refresher};

    let fake = FakeCoinGecko::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = coinlytics_engine::testing::settings(dir.path(), &fake.base_url());
    let engine = Arc::new(Engine::open(settings).expect("engine"));
    let mut events = engine.market.subscribe();
    let handle = refresher::spawn(engine.clone(), Duration::from_millis(300), |e: &Engine| {
        e.default_request().map(|r| vec![r])
    });

    let first = next_update(&mut events).await;
    assert_eq!(
        first.quotes.len(),
        DEFAULT_TOP as usize,
        "empty watchlist: top coins"
    );

    let doge = CoinId::parse("dogecoin").expect("an id");
    engine.watchlist_add(&doge).await.expect("add");
    let mut snap = next_update(&mut events).await;
    if snap.quotes.len() != 1 {
        snap = next_update(&mut events).await; // a tick already in flight when we added
    }
    assert_eq!(
        snap.quotes
            .iter()
            .map(|q| q.coin_id.as_str())
            .collect::<Vec<_>>(),
        ["dogecoin"]
    );

    handle.stop().await;
    let served = fake.requests("/coins/markets");
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        fake.requests("/coins/markets"),
        served,
        "no refresh after stop"
    );
}
