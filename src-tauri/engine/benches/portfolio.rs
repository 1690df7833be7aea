//! Criterion benchmarks of the portfolio: 100,000 transactions replayed by
//! each method, the whole `Engine::holdings` (read from SQLite, valued,
//! replayed), a tax year's gains over them, a 100,000-row CSV imported, and
//! a 100,000-row Binance statement read; figures go in BENCHMARKS.md.
//! Run: `cargo bench -p coinlytics-engine --bench portfolio`.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Duration;

use chrono::DateTime;
use coinlytics_engine::Engine;
use coinlytics_engine::app::portfolio::ImportAs;
use coinlytics_engine::portfolio::basis::{Action, Book, Entry};
use coinlytics_engine::portfolio::{Method, Tx, TxKind};
use coinlytics_engine::store::queries::portfolio as q;
use coinlytics_engine::testing;
use criterion::{Criterion, criterion_group, criterion_main};
use rust_decimal::Decimal;

const N: i64 = 100_000;
const COINS: [&str; 5] = ["bitcoin", "ethereum", "solana", "cardano", "dogecoin"];
/// 2020-01-01T00:00:00Z.
const T0: i64 = 1_577_836_800;

/// Transaction `i`: in runs of 15 in one portfolio, two buys of 1 unit of
/// each coin at a wandering price, then a sale of half a unit of each
/// (never more than held); fees in dollars.
fn tx(i: i64) -> (u32, i64, TxKind, Decimal, Decimal, Decimal) {
    let coin = (i % COINS.len() as i64) as u32;
    let kind = if (i / 5) % 3 == 2 {
        TxKind::Sell
    } else {
        TxKind::Buy
    };
    let qty = if kind == TxKind::Sell {
        Decimal::new(5, 1)
    } else {
        Decimal::ONE
    };
    let price = Decimal::new(1_000_000 + (i * 7_919) % 500_000, 2);
    (coin, T0 + i * 600, kind, qty, price, Decimal::new(125, 2))
}

fn portfolio(i: i64) -> i64 {
    1 + (i / 15) % 2
}

fn entries() -> Vec<Entry> {
    (0..N)
        .map(|i| {
            let (coin, time, kind, quantity, price, fee) = tx(i);
            let action = match kind {
                TxKind::Buy => Action::Acquire {
                    cost: quantity * price + fee,
                },
                _ => Action::Dispose {
                    proceeds: quantity * price - fee,
                },
            };
            Entry {
                tx: i,
                portfolio: portfolio(i),
                coin,
                time,
                quantity,
                action,
                unknown: false,
            }
        })
        .collect()
}

fn replay(c: &mut Criterion) {
    let entries = entries();
    let mut g = c.benchmark_group("replay_100k");
    for method in Method::ALL {
        g.bench_function(method.as_str(), |b| {
            b.iter(|| Book::replay(black_box(&entries), HashMap::new(), method).expect("held"))
        });
    }
    g.finish();
}

/// An engine whose store holds the 100,000 transactions of `tx`.
fn stored_100k() -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().expect("dir");
    // No price source is asked: holdings read only the store.
    let engine = Engine::open(testing::settings(dir.path(), "http://127.0.0.1:9")).expect("engine");
    let store = engine.market.store().clone();
    store
        .write(|c| {
            let a = q::ensure(c, "Exchange", 0)?;
            let b = q::ensure(c, "Ledger", 0)?;
            for i in 0..N {
                let (coin, time, kind, quantity, price, fee) = tx(i);
                let t = Tx {
                    id: 0,
                    portfolio: String::new(),
                    portfolio_id: if portfolio(i) == 1 { a.id } else { b.id },
                    time: DateTime::from_timestamp(time, 0).expect("time"),
                    kind,
                    coin_id: COINS[coin as usize].into(),
                    quantity,
                    price: Some(price),
                    currency: "usd".into(),
                    fee: Some(fee),
                    fee_currency: Some("usd".into()),
                    note: None,
                    transfer: None,
                };
                q::insert(c, &t, None, 0)?;
            }
            Ok(())
        })
        .expect("100,000 transactions");
    (dir, engine)
}

fn holdings(c: &mut Criterion) {
    let (_dir, engine) = stored_100k();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    c.bench_function("holdings_100k_from_sqlite", |b| {
        b.iter(|| rt.block_on(engine.holdings(None, None)).expect("holdings"))
    });
}

/// 2020's realized gains (about half the 100,000 transactions fall in
/// it): read from SQLite, valued, replayed, each lot a sale took listed.
fn gains(c: &mut Criterion) {
    let (_dir, engine) = stored_100k();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    c.bench_function("gains_100k_year", |b| {
        b.iter(|| {
            let r = rt
                .block_on(engine.portfolio_gains(2020, None, None))
                .expect("gains");
            assert!(!r.realized.lines.is_empty());
        })
    });
}

/// A Binance transaction statement of 100,000 rows: trades of three legs
/// (the coin bought, the dollars spent, a fee in the coin) a minute apart,
/// with a deposit of dollars (cash, passed over) now and then.
fn statement_file() -> Vec<u8> {
    let mut text = String::from("User_ID,UTC_Time,Account,Operation,Coin,Change,Remark\n");
    let mut rows = 0;
    let mut i = 0i64;
    while rows < N {
        let t = DateTime::from_timestamp(T0 + i * 60, 0)
            .expect("time")
            .format("%Y-%m-%d %H:%M:%S");
        if i % 50 == 0 {
            text.push_str(&format!("1,{t},Spot,Deposit,USD,100000,\n"));
            rows += 1;
        } else {
            let coin = ["BTC", "ETH", "SOL", "ADA", "DOGE"][(i % 5) as usize];
            let spent = Decimal::new(1_000_000 + (i * 7_919) % 500_000, 4);
            text.push_str(&format!(
                "1,{t},Spot,Buy,{coin},0.01,\n1,{t},Spot,Transaction Related,USD,-{spent},\n1,{t},Spot,Fee,{coin},-0.00001,\n"
            ));
            rows += 3;
        }
        i += 1;
    }
    text.into_bytes()
}

fn statement(c: &mut Criterion) {
    use coinlytics_engine::portfolio::import::{Format, parse};
    let file = statement_file();
    let mut g = c.benchmark_group("binance_statement_100k");
    g.sample_size(10);
    g.bench_function("parse", |b| {
        b.iter(|| {
            let (format, p) = parse(black_box(&file), None).expect("a statement");
            assert_eq!(format, Format::BinanceStatement);
            assert!(
                p.errors.is_empty(),
                "{:?}",
                &p.errors[..p.errors.len().min(3)]
            );
        })
    });
    // The whole import, checked but not written: coins resolved, valued,
    // replayed with what is stored.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let fake = rt.block_on(coinlytics_tests::FakeCoinGecko::start());
    let dir = tempfile::tempdir().expect("dir");
    let engine = Engine::open(testing::settings(dir.path(), &fake.base_url())).expect("engine");
    g.bench_function("import_dry_run", |b| {
        b.iter(|| {
            let r = rt
                .block_on(engine.import_txs(file.clone(), "Bench", ImportAs::Detect, true))
                .expect("import");
            assert!(
                r.errors.is_empty(),
                "{:?}",
                &r.errors[..r.errors.len().min(3)]
            );
            // Every row valued from the file: nothing to fetch, nothing unknown.
            assert!(r.value_unknown.is_empty() && r.not_fetched.is_empty());
        })
    });
    // And written, each run into a new database.
    g.bench_function("import_commit", |b| {
        commit_each_into_new(b, &rt, &file, || {
            let dir = tempfile::tempdir().expect("dir");
            let settings = testing::settings(dir.path(), &fake.base_url());
            (dir, Engine::open(settings).expect("engine"))
        })
    });
    g.finish();
}

/// The transactions of `tx` as a file in the generic format.
fn csv_file() -> Vec<u8> {
    let mut text = String::from("time,type,coin,quantity,price,currency,fee,fee_currency,note\n");
    for i in 0..N {
        let (coin, time, kind, quantity, price, fee) = tx(i);
        let time = DateTime::from_timestamp(time, 0)
            .expect("time")
            .to_rfc3339();
        text.push_str(&format!(
            "{time},{},{},{quantity},{price},usd,{fee},usd,\n",
            kind.as_str(),
            COINS[coin as usize]
        ));
    }
    text.into_bytes()
}

/// Times importing and writing `file`, each run into the new database
/// that `open` makes (not timed).
fn commit_each_into_new(
    b: &mut criterion::Bencher,
    rt: &tokio::runtime::Runtime,
    file: &[u8],
    open: impl FnMut() -> (tempfile::TempDir, Engine),
) {
    b.iter_batched(
        open,
        |(dir, engine)| {
            let r = rt
                .block_on(engine.import_txs(file.to_vec(), "Bench", ImportAs::Detect, false))
                .expect("import");
            assert!(r.committed);
            (dir, engine)
        },
        criterion::BatchSize::PerIteration,
    );
}

/// Reading, checking (coins, duplicates, a replay with the stored
/// transactions) and writing 100,000 rows, each run into a new database.
fn import(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let fake = rt.block_on(coinlytics_tests::FakeCoinGecko::start());
    let file = csv_file();
    let open = || {
        let dir = tempfile::tempdir().expect("dir");
        let engine = Engine::open(testing::settings(dir.path(), &fake.base_url())).expect("engine");
        // The coin list, as a first run fetches it.
        rt.block_on(engine.import_txs(
            b"time,type,coin,quantity,price\n2020-01-01,buy,bitcoin,1,1\n".to_vec(),
            "Warm",
            ImportAs::Detect,
            true,
        ))
        .expect("coin list");
        (dir, engine)
    };
    let mut g = c.benchmark_group("import_100k_csv");
    g.sample_size(10);
    g.bench_function("dry_run", |b| {
        let (_dir, engine) = open();
        b.iter(|| {
            let r = rt
                .block_on(engine.import_txs(file.clone(), "Bench", ImportAs::Detect, true))
                .expect("import");
            assert!(r.errors.is_empty() && r.added.len() == N as usize);
        })
    });
    g.bench_function("commit", |b| commit_each_into_new(b, &rt, &file, open));
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(10));
    targets = replay, holdings, gains, import, statement
}
criterion_main!(benches);
