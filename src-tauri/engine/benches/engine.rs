//! Criterion benchmarks of the engine's hot paths; figures go in
//! BENCHMARKS.md. Run: `cargo bench -p coinlytics-engine --bench engine`.

use std::hint::black_box;
use std::str::FromStr;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use coinlytics_engine::model::{HistoryPoint, Quote};
use coinlytics_engine::provider::parse_markets_body;
use coinlytics_engine::store::{Store, queries};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rust_decimal::Decimal;

const HISTORY_ROWS: usize = 1_000_000;
/// Rows per transaction when ingesting history.
const BATCH: usize = 10_000;

fn history_points() -> Vec<HistoryPoint> {
    // 250 coins × 4,000 five-minute points.
    (0..HISTORY_ROWS)
        .map(|i| {
            let coin = i % 250;
            HistoryPoint {
                coin_id: format!("coin-{coin:03}"),
                currency: "usd".into(),
                ts: 1_700_000_000 + (i / 250) as i64 * 300,
                price: Decimal::new(6_718_733 + (i % 997) as i64, 2),
                volume: Some(Decimal::from(31_260_929_299_u64 + i as u64)),
                market_cap: Some(Decimal::from(1_317_802_988_326_u64 - i as u64)),
            }
        })
        .collect()
}

fn history_ingest(c: &mut Criterion) {
    let points = history_points();
    let mut g = c.benchmark_group("history_ingest");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(30));
    g.throughput(Throughput::Elements(HISTORY_ROWS as u64));
    g.bench_function("1M_rows_batched_wal", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let dir = tempfile::tempdir().expect("temp dir");
                let store = Store::open(&dir.path().join("bench.sqlite3")).expect("open");
                let start = Instant::now();
                for batch in points.chunks(BATCH) {
                    store
                        .write(|tx| queries::history::insert(tx, batch))
                        .expect("insert");
                }
                total += start.elapsed();
            }
            total
        })
    });
    g.finish();
}

fn quote(i: u32) -> Quote {
    let t = Utc.timestamp_opt(1_700_000_000, 0).single().expect("time");
    Quote {
        symbol: format!("c{i:03}"),
        name: format!("Coin {i:03}"),
        image: Some(format!(
            "https://coin-images.coingecko.com/coins/images/{i}/large/c.png"
        )),
        price: Decimal::from_str("67187.33").expect("decimal") / Decimal::from(i + 1),
        market_cap: Some(Decimal::from(1_317_802_988_326_u64 / (i as u64 + 1))),
        volume_24h: Some(Decimal::from(31_260_929_299_u64)),
        change_1h_pct: Some(0.12),
        change_24h_pct: Some(-3.64),
        change_7d_pct: Some(5.5),
        market_cap_rank: Some(i + 1),
        sparkline_7d: (0..168).map(|h| 67_000.0 + h as f64).collect(),
        updated_at: t,
        fetched_at: t,
        source: "CoinGecko".into(),
        figures: Default::default(),
        ..coinlytics_engine::testing::quote(&format!("coin-{i:03}"), "1")
    }
}

fn latest_quotes(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("bench.sqlite3")).expect("open");
    let quotes: Vec<Quote> = (0..250).map(quote).collect();
    store.record_refresh(&quotes).expect("seed");
    c.bench_function("latest_quotes_250", |b| {
        b.iter(|| {
            let q = store
                .read(|c| queries::quotes::latest_top(c, "usd", 250))
                .expect("query");
            assert_eq!(q.len(), 250);
            black_box(q)
        })
    });
}

/// A `/coins/markets` page of 250 coins in CoinGecko's wire format, every
/// field present as the real API sends it, with a 168-point sparkline.
fn markets_page() -> Vec<u8> {
    coinlytics_tests::markets_body(250)
}

fn parse_markets(c: &mut Criterion) {
    let body = markets_page();
    let mut g = c.benchmark_group("parse_markets");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("250_coins", |b| {
        b.iter(|| {
            let q = parse_markets_body(black_box(&body), "usd").expect("parse");
            assert_eq!(q.len(), 250);
            black_box(q)
        })
    });
    g.finish();
}

criterion_group!(benches, history_ingest, latest_quotes, parse_markets);
criterion_main!(benches);
