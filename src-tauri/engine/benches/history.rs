//! Criterion benchmarks of the price history: a year of minute candles
//! answered downsampled, and the analytics of a comparison; figures go in
//! BENCHMARKS.md. Run: `cargo bench -p coinlytics-engine --bench history`.

use std::hint::black_box;
use std::time::Duration;

use coinlytics_engine::analytics;
use coinlytics_engine::model::{MAX_POINTS, Resolution};
use coinlytics_engine::store::Store;
use coinlytics_engine::store::queries::candles::{self, Bar};
use criterion::{Criterion, criterion_group, criterion_main};
use rust_decimal::Decimal;

const YEAR_MINUTES: i64 = 525_600;
/// 2025-01-01T00:00:00Z: whole days, so buckets line up as in use.
const T0: i64 = 1_735_689_600;

/// A deterministic random walk of `n` minute prices from about 67,000, in
/// cents (CoinGecko's precision for such a price).
fn walk(n: i64, seed: u64) -> Vec<(i64, Decimal)> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut cents: i64 = 6_718_733;
    (0..n)
        .map(|m| {
            // xorshift: fast, and the same series on every run.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let step = (x % 2001) as i64 - 1000; // ±10.00 a minute
            cents = (cents + step).max(100_000);
            (T0 + m * 60, Decimal::new(cents, 2))
        })
        .collect()
}

/// A store holding one year of minute candles for `coins` coins, as the
/// refresher would have written them (every resolution kept up to date),
/// with no retention applied: the 525,600 minute rows are all there.
fn year_of_minutes(store: &Store, coins: u64) -> Vec<i64> {
    (0..coins)
        .map(|c| {
            let prices = walk(YEAR_MINUTES, c + 1);
            let series = store
                .write(|tx| candles::series_id(tx, &format!("coin-{c}"), "usd"))
                .expect("series");
            for day in prices.chunks(1440 * 7) {
                let bars: Vec<Bar> = day
                    .iter()
                    .map(|&(t, p)| Bar::point(t, p, Some(Decimal::from(31_260_929_299_u64))))
                    .collect();
                store
                    .write(|tx| candles::merge(tx, series, &bars))
                    .expect("merge");
            }
            series
        })
        .collect()
}

fn year_downsampled(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("bench.sqlite3")).expect("open");
    let series = year_of_minutes(&store, 1)[0];
    let counts = store.read(|c| candles::counts(c, series)).expect("counts");
    assert_eq!(counts[0], YEAR_MINUTES, "a year of minute candles");
    let to = T0 + YEAR_MINUTES * 60;
    let mut g = c.benchmark_group("history_range");
    g.bench_function("1y_of_525600_minutes_to_2000_points", |b| {
        b.iter(|| {
            let (b, rows) = store
                .read(|c| candles::uniform(c, &[series], T0, to, MAX_POINTS))
                .expect("range");
            assert!(rows[0].len() <= MAX_POINTS as usize && rows[0].len() > 1500);
            assert_eq!(b.res, Resolution::Hour);
            black_box(rows)
        })
    });
    g.bench_function("1d_of_minutes_to_2000_points", |b| {
        b.iter(|| {
            let (b, rows) = store
                .read(|c| candles::uniform(c, &[series], to - 86_400, to, MAX_POINTS))
                .expect("range");
            assert_eq!((b.res, rows[0].len()), (Resolution::Minute, 1440));
            black_box(rows)
        })
    });
    g.finish();
}

/// What `Engine::compare` does for five coins over a year once it has read
/// their candles: per coin the stats and the normalised series, and the
/// correlation matrix of daily returns.
fn analytics_five_coins(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("bench.sqlite3")).expect("open");
    let series = year_of_minutes(&store, 5);
    let to = T0 + YEAR_MINUTES * 60;
    let read = || -> Vec<Vec<(i64, Decimal)>> {
        store
            .read(|c| {
                let (_, read) = candles::uniform(c, &series, T0, to, MAX_POINTS)?;
                Ok(read
                    .into_iter()
                    .map(|rows| rows.into_iter().map(|r| (r.t / 1000, r.close)).collect())
                    .collect())
            })
            .expect("read")
    };
    let analyse = |closes: &[Vec<(i64, Decimal)>]| {
        let refs: Vec<&[(i64, Decimal)]> = closes.iter().map(Vec::as_slice).collect();
        let corr = analytics::correlation_matrix(&refs);
        let per_coin: Vec<_> = closes
            .iter()
            .map(|p| (analytics::stats(p), analytics::normalised(p)))
            .collect();
        (corr, per_coin)
    };
    let closes = read();
    assert!(closes.iter().all(|c| c.len() > 1500));
    let mut g = c.benchmark_group("compare");
    g.bench_function("analytics_5_coins_1y", |b| {
        b.iter(|| black_box(analyse(black_box(&closes))))
    });
    g.bench_function("read_and_analytics_5_coins_1y", |b| {
        b.iter(|| black_box(analyse(&read())))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(10));
    targets = year_downsampled, analytics_five_coins
}
criterion_main!(benches);
