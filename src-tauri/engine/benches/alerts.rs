//! Criterion benchmarks of the alert monitor; figures go in BENCHMARKS.md.
//! Run: `cargo bench -p coinlytics-engine --bench alerts`.

use std::hint::black_box;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use coinlytics_engine::Engine;
use coinlytics_engine::alerts::evaluate::RuleBook;
use coinlytics_engine::alerts::notify::Notifier;
use coinlytics_engine::app::alerts::RuleInput;
use coinlytics_engine::model::alert::{Channels, Condition, Firing, Rule};
use coinlytics_engine::model::{Quote, QuoteRequest, Selection};
use coinlytics_engine::testing;
use criterion::{Criterion, criterion_group, criterion_main};
use rust_decimal::Decimal;
use tokio::sync::mpsc;

const COINS: usize = 500;
const RULES: usize = 10_000;
const UPDATE: usize = 250;

fn rule(id: usize) -> Rule {
    let coin = format!("coin-{:03}", id % COINS);
    let condition = match id % 4 {
        0 => Condition::Above,
        1 => Condition::Below,
        2 => Condition::ChangeBelow,
        _ => Condition::Move,
    };
    // Levels far from the prices: the common case, nothing crosses.
    let level = match condition {
        Condition::Above => (1_000_000 + id).to_string(),
        Condition::Below => (1 + id % 7).to_string(),
        Condition::ChangeBelow => "-50".into(),
        _ => "20".into(),
    };
    Rule::new(id as i64, testing::rule_spec(&coin, condition, &level), 0)
}

fn quote(i: usize, ts: i64) -> Quote {
    let t = Utc.timestamp_opt(ts, 0).single().expect("time");
    Quote {
        symbol: format!("c{i:03}"),
        name: format!("Coin {i:03}"),
        price: Decimal::new(6_718_733 + (ts % 100), 2),
        change_1h_pct: Some(0.12),
        change_24h_pct: Some(-3.64),
        market_cap_rank: Some(i as u32 + 1),
        updated_at: t,
        fetched_at: t,
        source: "CoinGecko".into(),
        figures: Default::default(),
        ..testing::quote(&format!("coin-{i:03}"), "1")
    }
}

/// 10,000 rules over 500 coins (a quarter each: above, below, 24h change,
/// move within 1h), against one update of 250 coins.
fn evaluate(c: &mut Criterion) {
    let mut book = RuleBook::new((0..RULES).map(rule).collect());
    let mut ts = 1_700_000_000;
    c.bench_function("alerts_evaluate_10k_rules_250_coin_update", |b| {
        b.iter_batched(
            || {
                ts += 60;
                ((0..UPDATE).map(|i| quote(i, ts)).collect::<Vec<_>>(), ts)
            },
            |(quotes, now)| {
                let out = book.evaluate(&quotes, now * 1000);
                assert!(out.fired.is_empty());
                black_box(out)
            },
            criterion::BatchSize::SmallInput,
        )
    });
}

/// Tells the benchmark when the monitor called the notifier.
struct Recorder(Mutex<mpsc::UnboundedSender<Instant>>);

impl Notifier for Recorder {
    fn notify(&self, _: &Firing) -> Result<(), String> {
        let _ = self
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(Instant::now());
        Ok(())
    }
}

/// From the start of a refresh whose price crosses a level (HTTP to a
/// server on 127.0.0.1, parse, SQLite, broadcast, evaluate, record the
/// firing) to the notifier's call.
fn update_to_notification(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let (fake, engine, mut called, _monitor) = rt.block_on(async {
        let fake = coinlytics_tests::FakeCoinGecko::start().await;
        let settings = testing::settings(dir.path(), &fake.base_url());
        let engine = Arc::new(Engine::open(settings).expect("engine"));
        let input = RuleInput {
            coin: "bitcoin".into(),
            currency: None,
            portfolio: None,
            target: None,
            condition: Condition::Above,
            level: "100".into(),
            window: None,
            lookback: None,
            channels: Channels {
                desktop: true,
                email: false,
                named: Vec::new(),
                urgent: false,
            },
            note: String::new(),
            once: false,
            band_pct: Some("0".into()),
            cooldown: None,
            confirm: None,
        };
        engine.alert_save(None, &input).await.expect("rule");
        let (tx, rx) = mpsc::unbounded_channel();
        let monitor = engine
            .start_monitor_with("bench", Arc::new(Recorder(Mutex::new(tx))))
            .expect("monitor");
        (fake, engine, rx, monitor)
    });
    let req = QuoteRequest {
        selection: Selection::Coins(vec!["bitcoin".into()]),
        currency: "usd".into(),
    };
    let refresh_at = |price: f64| {
        fake.set_price("bitcoin", price);
        engine.market.invalidate();
        let start = Instant::now();
        rt.block_on(engine.market.refresh(&req)).expect("refresh");
        start
    };
    let mut g = c.benchmark_group("alerts_latency");
    g.sample_size(30);
    g.bench_function("update_to_notification_call", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                refresh_at(99.0); // below: re-arms
                std::thread::sleep(Duration::from_millis(5));
                let start = refresh_at(101.0);
                let called_at = rt
                    .block_on(async {
                        tokio::time::timeout(Duration::from_secs(5), called.recv()).await
                    })
                    .expect("notified in time")
                    .expect("notifier alive");
                total += called_at - start;
            }
            total
        })
    });
    g.finish();
}

criterion_group!(benches, evaluate, update_to_notification);
criterion_main!(benches);
