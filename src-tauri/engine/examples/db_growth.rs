//! How much the database grows with the price history: simulates the
//! refresher (a price a minute per coin: a raw point and the candles of
//! every resolution) and its 6-hourly retention for two years, and prints
//! the bytes in use after each year, per coin and for 50 coins.
//!
//! Run: `cargo run --release -p coinlytics-engine --example db_growth [COINS]`
//! (default 5 coins; storage is per series, so it scales by coins).

use chrono::{TimeZone, Utc};
use coinlytics_engine::model::HistoryPoint;
use coinlytics_engine::store::Store;
use coinlytics_engine::store::queries::{self, candles};
use rust_decimal::Decimal;

const MINUTES_PER_6H: i64 = 360;
const YEAR_SECS: i64 = 365 * 86_400;
/// 2025-01-01T00:00:00Z.
const T0: i64 = 1_735_689_600;

fn used_bytes(store: &Store) -> i64 {
    store
        .read(|c| {
            c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            let pages: i64 = c.query_row("PRAGMA page_count", [], |r| r.get(0))?;
            let free: i64 = c.query_row("PRAGMA freelist_count", [], |r| r.get(0))?;
            let size: i64 = c.query_row("PRAGMA page_size", [], |r| r.get(0))?;
            Ok((pages - free) * size)
        })
        .expect("sizes")
}

fn main() {
    let coins: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("growth.sqlite3")).expect("open");
    let ids: Vec<String> = (0..coins).map(|c| format!("coin-{c:03}")).collect();
    let series: Vec<i64> = ids
        .iter()
        .map(|id| {
            store
                .write(|tx| candles::series_id(tx, id, "usd"))
                .expect("series")
        })
        .collect();
    // Prices as CoinGecko sends them: about eight significant digits.
    let mut cents: Vec<i64> = (0..coins as i64).map(|c| 6_718_733 - c * 10_007).collect();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut sizes = Vec::new();
    let started = std::time::Instant::now();
    for year in 1..=2 {
        let end = T0 + year * YEAR_SECS;
        let mut t = T0 + (year - 1) * YEAR_SECS;
        while t < end {
            store
                .write(|tx| {
                    for (i, id) in ids.iter().enumerate() {
                        let mut points = Vec::with_capacity(MINUTES_PER_6H as usize);
                        for m in 0..MINUTES_PER_6H {
                            x ^= x << 13;
                            x ^= x >> 7;
                            x ^= x << 17;
                            cents[i] = (cents[i] + (x % 2001) as i64 - 1000).max(100_000);
                            points.push(HistoryPoint {
                                coin_id: id.clone(),
                                currency: "usd".into(),
                                ts: t + m * 60,
                                price: Decimal::new(cents[i], 2),
                                volume: Some(Decimal::from(31_260_929_299 + (x % 1_000_000))),
                                market_cap: Some(Decimal::from(
                                    1_317_802_988_326 + (x % 1_000_000),
                                )),
                            });
                        }
                        queries::history::insert(tx, &points)?;
                        let bars: Vec<_> = points
                            .iter()
                            .map(|p| candles::Bar::point(p.ts, p.price, p.volume))
                            .collect();
                        candles::merge(tx, series[i], &bars)?;
                    }
                    Ok(())
                })
                .expect("write");
            t += MINUTES_PER_6H * 60;
            store
                .retain_history(t, Default::default())
                .expect("retention");
        }
        let bytes = used_bytes(&store);
        let counts = store
            .read(|c| candles::counts(c, series[0]))
            .expect("counts");
        println!(
            "after year {year} ({:?}, at {}): {:.2} MiB for {coins} coins, {:.2} MiB a coin, {:.1} MiB for 50 coins; candles of one coin [1m, 5m, 1h, 1d] = {counts:?}",
            started.elapsed(),
            Utc.timestamp_opt(end, 0)
                .single()
                .expect("time")
                .date_naive(),
            bytes as f64 / 1048576.0,
            bytes as f64 / coins as f64 / 1048576.0,
            bytes as f64 / coins as f64 * 50.0 / 1048576.0,
        );
        sizes.push(bytes);
    }
    let growth = (sizes[1] - sizes[0]) as f64 / coins as f64 * 50.0 / 1048576.0;
    println!("growth in year 2 for 50 coins: {growth:.1} MiB");
}
