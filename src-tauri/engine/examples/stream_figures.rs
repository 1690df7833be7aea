//! The streaming figures of BENCHMARKS.md, in one process: a fake Binance
//! (its own tokio runtime and threads) streams to the engine's real stream
//! task, book and tick channel (another runtime), through a real
//! WebSocket on 127.0.0.1.
//!
//! 1. Tick in → UI event out: the time from the fake sending a price to
//!    the engine publishing its `PriceTick` (what the window, tray, ticker
//!    and monitor hear), over 2,000 ticks 5 ms apart: p50, p99, max.
//! 2. CPU at 1,000 ticks/s for 20 s: the engine's threads only (the
//!    fake's are counted apart), as % of one core, with the prices written
//!    each second as the app does.
//! 3. Memory: the process's resident memory before the streams start and
//!    while COINS coins stream at 1,000 ticks/s (the fake's own sockets
//!    included, so an upper bound of what streaming adds).
//! 4. Reconnection: the fake stops for 5 s and starts again on its port;
//!    the time from its return to the stream's socket.
//!
//! Run: `cargo run --release -p coinlytics-engine --example stream_figures [COINS]`
//! (default 50: every coin Binance streams in the table).

use std::sync::Arc;
use std::time::{Duration, Instant};

use coinlytics_engine::model::{QuoteRequest, Selection};
use coinlytics_engine::{Engine, refresher};
use coinlytics_tests::{ExchangeKind, FakeExchange};

const COINS: &[(&str, &str)] = &[
    ("bitcoin", "BTCUSDT"),
    ("ethereum", "ETHUSDT"),
    ("solana", "SOLUSDT"),
    ("ripple", "XRPUSDT"),
    ("cardano", "ADAUSDT"),
    ("dogecoin", "DOGEUSDT"),
    ("polkadot", "DOTUSDT"),
    ("litecoin", "LTCUSDT"),
    ("chainlink", "LINKUSDT"),
    ("avalanche-2", "AVAXUSDT"),
    ("stellar", "XLMUSDT"),
    ("bitcoin-cash", "BCHUSDT"),
    ("uniswap", "UNIUSDT"),
    ("tron", "TRXUSDT"),
    ("binancecoin", "BNBUSDT"),
    ("the-open-network", "TONUSDT"),
    ("shiba-inu", "SHIBUSDT"),
    ("near", "NEARUSDT"),
    ("internet-computer", "ICPUSDT"),
    ("aptos", "APTUSDT"),
    ("sui", "SUIUSDT"),
    ("ethereum-classic", "ETCUSDT"),
    ("filecoin", "FILUSDT"),
    ("cosmos", "ATOMUSDT"),
    ("hedera-hashgraph", "HBARUSDT"),
    ("arbitrum", "ARBUSDT"),
    ("optimism", "OPUSDT"),
    ("injective-protocol", "INJUSDT"),
    ("aave", "AAVEUSDT"),
    ("pepe", "PEPEUSDT"),
    ("render-token", "RENDERUSDT"),
    ("the-graph", "GRTUSDT"),
    ("algorand", "ALGOUSDT"),
    ("vechain", "VETUSDT"),
    ("fetch-ai", "FETUSDT"),
    ("celestia", "TIAUSDT"),
    ("lido-dao", "LDOUSDT"),
    ("tezos", "XTZUSDT"),
    ("the-sandbox", "SANDUSDT"),
    ("decentraland", "MANAUSDT"),
    ("axie-infinity", "AXSUSDT"),
    ("theta-token", "THETAUSDT"),
    ("curve-dao-token", "CRVUSDT"),
    ("zcash", "ZECUSDT"),
    ("dash", "DASHUSDT"),
    ("neo", "NEOUSDT"),
    ("chiliz", "CHZUSDT"),
    ("compound-governance-token", "COMPUSDT"),
    ("basic-attention-token", "BATUSDT"),
    ("sei-network", "SEIUSDT"),
];

/// CPU seconds of this process's threads whose name starts with `prefix`.
fn cpu_secs(prefix: &str) -> f64 {
    let mut ticks = 0u64;
    for task in std::fs::read_dir("/proc/self/task")
        .expect("tasks")
        .flatten()
    {
        let path = task.path();
        let name = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        if !name.starts_with(prefix) {
            continue;
        }
        let stat = std::fs::read_to_string(path.join("stat")).unwrap_or_default();
        // Fields after the ")" that ends the name: utime is the 12th, stime the 13th.
        let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
        let f: Vec<&str> = rest.split_whitespace().collect();
        ticks += f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        ticks += f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    }
    // USER_HZ: 100 on Linux.
    ticks as f64 / 100.0
}

/// This process's resident memory, MiB.
fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(COINS.len())
        .min(COINS.len());
    let fake_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("fake")
        .enable_all()
        .build()
        .expect("fake runtime");
    let engine_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("engine")
        .enable_all()
        .build()
        .expect("engine runtime");
    let fake = fake_rt.block_on(FakeExchange::start(ExchangeKind::Binance));
    for (_, symbol) in &COINS[..n] {
        fake.set_price(symbol, "100");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = coinlytics_engine::testing::settings(dir.path(), "http://127.0.0.1:9");
    settings.sources = vec!["binance".into()];
    settings.price_source = "binance".into();
    settings.binance_ws_url = fake.ws_url();
    settings.binance_url = fake.rest_url();
    let engine = Arc::new(Engine::open(settings).expect("engine"));
    let rss_before = rss_mib();
    let ids: Vec<String> = COINS[..n].iter().map(|(id, _)| id.to_string()).collect();
    let req = QuoteRequest {
        selection: Selection::Coins(ids),
        currency: "usd".into(),
    };
    let mut ticks = engine.market.subscribe_ticks();
    let streams = engine_rt.block_on(async {
        refresher::spawn_streams(engine.clone(), true, move |_| Ok(vec![req.clone()]))
            .expect("streams")
    });
    let wanted: Vec<String> = COINS[..n]
        .iter()
        .map(|(_, s)| format!("{}@ticker", s.to_ascii_lowercase()))
        .collect();
    let mut wanted_sorted = wanted.clone();
    wanted_sorted.sort();
    let t0 = Instant::now();
    while fake.subscribed() != wanted_sorted {
        assert!(t0.elapsed() < Duration::from_secs(30), "never subscribed");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(500));

    // 1. Latency: one tick at a time, each at its own price.
    let (tx, rx) = std::sync::mpsc::channel::<(String, Instant)>();
    engine_rt.spawn(async move {
        while let Ok(t) = ticks.recv().await {
            let _ = tx.send((t.price.to_string(), Instant::now()));
        }
    });
    while rx.try_recv().is_ok() {}
    let mut latencies = Vec::new();
    for i in 0..2000u32 {
        let price = format!("{}.{:02}", 70_000 + i / 100, i % 100 + 1);
        let sent = Instant::now();
        fake.set_price("BTCUSDT", &price);
        let want: rust_decimal::Decimal = price.parse().expect("price");
        loop {
            let (got, at) = rx.recv_timeout(Duration::from_secs(5)).expect("a tick");
            if got.parse::<rust_decimal::Decimal>().ok() == Some(want) {
                latencies.push(at - sent);
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    latencies.sort();
    println!(
        "tick in → PriceTick out over {} ticks: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        latencies.len(),
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );

    // 2. CPU at 1,000 ticks a second.
    let secs = 20;
    let _guard = fake_rt.enter();
    let (e0, f0, w0) = (cpu_secs("engine"), cpu_secs("fake"), Instant::now());
    fake.flood(1000, secs);
    std::thread::sleep(Duration::from_secs(u64::from(secs)));
    let wall = w0.elapsed().as_secs_f64();
    let (e1, f1) = (cpu_secs("engine"), cpu_secs("fake"));
    let mut received = 0usize;
    while rx.try_recv().is_ok() {
        received += 1;
    }
    println!(
        "1,000 ticks/s for {secs} s over {n} coins: the engine's threads {:.2} % of one core ({} ticks published); the fake's {:.2} %",
        (e1 - e0) / wall * 100.0,
        received,
        (f1 - f0) / wall * 100.0,
    );
    println!(
        "resident memory: {rss_before:.1} MiB with the engine open, {:.1} MiB after {n} coins streamed {secs} s at 1,000 ticks/s (+{:.1} MiB, the fake's sockets included)",
        rss_mib(),
        rss_mib() - rss_before
    );

    // 4. The exchange goes away for 5 s and comes back at the same address.
    let port = fake.port();
    fake_rt.block_on(fake.shutdown());
    std::thread::sleep(Duration::from_secs(5));
    let fake = fake_rt.block_on(FakeExchange::start_on(ExchangeKind::Binance, port));
    let back = Instant::now();
    while fake.connections() == 0 {
        assert!(
            back.elapsed() < Duration::from_secs(30),
            "never reconnected"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    println!(
        "a stream whose server was gone 5 s reconnected {:.0} ms after it came back",
        back.elapsed().as_secs_f64() * 1e3
    );
    engine_rt.block_on(streams.stop());
}
