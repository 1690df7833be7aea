//! Each exchange's messages, in the shapes its documentation records.

use chrono::Utc;
use rust_decimal::Decimal;

use super::*;

fn coins(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

fn dec(s: &str) -> Decimal {
    s.parse().expect("decimal")
}

#[test]
fn pairs_name_each_market_as_its_exchange_does() {
    let ids = coins(&["bitcoin", "dogecoin", "unknown-coin"]);
    let b = pairs(Exchange::Binance, &ids, "usd");
    assert_eq!(b.len(), 2);
    assert_eq!(
        (b[0].rest.as_str(), b[0].stream.as_str()),
        ("BTCUSDT", "btcusdt@ticker")
    );
    assert_eq!(b[0].quote, QuoteAsset::Usdt);
    let k = pairs(Exchange::Kraken, &ids, "usd");
    assert_eq!(
        (
            k[0].rest.as_str(),
            k[0].rest_key.as_str(),
            k[0].stream.as_str()
        ),
        ("XBTUSD", "XXBTZUSD", "BTC/USD")
    );
    assert_eq!(
        (k[1].rest.as_str(), k[1].stream.as_str()),
        ("XDGUSD", "DOGE/USD")
    );
    let c = pairs(Exchange::Coinbase, &ids, "eur");
    assert_eq!(c[0].rest, "BTC-EUR");
    assert_eq!(c[0].currency, "eur");
    // No exchange market for yen: CoinGecko alone.
    assert!(pairs(Exchange::Kraken, &ids, "jpy").is_empty());
}

#[test]
fn binance_combined_stream_ticks_and_acks() {
    let p = pairs(Exchange::Binance, &coins(&["bitcoin"]), "usd");
    let plan = stream_plan(Exchange::Binance, "ws://127.0.0.1:9/", &p);
    assert_eq!(plan.url, "ws://127.0.0.1:9/stream?streams=btcusdt@ticker");
    let msg = r#"{"stream":"btcusdt@ticker","data":{"e":"24hrTicker","E":1672515782136,"s":"BTCUSDT","p":"0.0015","P":"250.00","w":"0.0018","x":"0.0009","c":"70123.45000000","Q":"10","b":"0.0024","B":"10","a":"0.0026","A":"100","o":"0.0010","h":"0.0025","l":"0.0010","v":"10000","q":"18","O":0,"C":1,"F":0,"L":18150,"n":18151}}"#;
    let Ok(Frame::Ticks(t)) = parse_stream(Exchange::Binance, msg, &p, Utc::now()) else {
        panic!("not a tick");
    };
    assert_eq!(t[0].price, dec("70123.45"));
    assert_eq!(t[0].coin_id, "bitcoin");
    assert_eq!(t[0].change_24h_pct, Some(250.0));
    assert_eq!(t[0].at.timestamp_millis(), 1_672_515_782_136);
    assert_eq!(
        parse_stream(
            Exchange::Binance,
            r#"{"result":null,"id":1}"#,
            &p,
            Utc::now()
        ),
        Ok(Frame::Alive)
    );
    assert!(parse_stream(Exchange::Binance, "{not json", &p, Utc::now()).is_err());
    let shutdown =
        r#"{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":1672515782136}}"#;
    assert_eq!(
        parse_stream(Exchange::Binance, shutdown, &p, Utc::now()),
        Ok(Frame::Alive)
    );
}

#[test]
fn kraken_v2_snapshot_heartbeat_and_refusal() {
    let p = pairs(Exchange::Kraken, &coins(&["bitcoin", "ethereum"]), "usd");
    let plan = stream_plan(Exchange::Kraken, "ws://127.0.0.1:9/v2", &p);
    assert_eq!(plan.url, "ws://127.0.0.1:9/v2");
    let sub: serde_json::Value = serde_json::from_str(&plan.subscribe[0]).expect("json");
    assert_eq!(sub["params"]["channel"], "ticker");
    assert_eq!(
        sub["params"]["symbol"],
        serde_json::json!(["BTC/USD", "ETH/USD"])
    );
    let snapshot = r#"{"channel":"ticker","type":"snapshot","data":[{"symbol":"BTC/USD","bid":70000.1,"bid_qty":0.5,"ask":70000.2,"ask_qty":1.2,"last":70000.15,"volume":1520.3,"vwap":69900.0,"low":69000.0,"high":71000.0,"change":120.5,"change_pct":0.17}]}"#;
    let Ok(Frame::Ticks(t)) = parse_stream(Exchange::Kraken, snapshot, &p, Utc::now()) else {
        panic!("not a tick");
    };
    assert_eq!((t[0].coin_id, t[0].price), ("bitcoin", dec("70000.15")));
    for alive in [
        r#"{"channel":"heartbeat"}"#,
        r#"{"channel":"status","type":"update","data":[{"api_version":"v2","connection_id":1,"system":"online","version":"2.0.0"}]}"#,
        r#"{"method":"subscribe","req_id":1,"result":{"channel":"ticker","snapshot":true,"symbol":"BTC/USD"},"success":true,"time_in":"2023-09-25T09:04:31.742599Z","time_out":"2023-09-25T09:04:31.742648Z"}"#,
    ] {
        assert_eq!(
            parse_stream(Exchange::Kraken, alive, &p, Utc::now()),
            Ok(Frame::Alive),
            "{alive}"
        );
    }
    let refused = r#"{"error":"Currency pair not supported BAD/USD","method":"subscribe","req_id":1,"success":false,"symbol":"BAD/USD"}"#;
    assert!(matches!(
        parse_stream(Exchange::Kraken, refused, &p, Utc::now()),
        Ok(Frame::Refused(m)) if m.contains("not supported")
    ));
}

#[test]
fn coinbase_ticker_events_and_heartbeats() {
    let p = pairs(Exchange::Coinbase, &coins(&["ethereum"]), "usd");
    let plan = stream_plan(Exchange::Coinbase, "ws://127.0.0.1:9", &p);
    assert_eq!(plan.subscribe.len(), 2, "ticker and heartbeats at once");
    let msg = r#"{"channel":"ticker","client_id":"","timestamp":"2023-02-09T20:30:37.167359596Z","sequence_num":0,"events":[{"type":"snapshot","tickers":[{"type":"ticker","product_id":"ETH-USD","price":"3500.01","volume_24_h":"1","low_24_h":"1","high_24_h":"1","low_52_w":"1","high_52_w":"1","price_percent_chg_24_h":"-4.15775596190603"}]}]}"#;
    let Ok(Frame::Ticks(t)) = parse_stream(Exchange::Coinbase, msg, &p, Utc::now()) else {
        panic!("not a tick");
    };
    assert_eq!((t[0].coin_id, t[0].price), ("ethereum", dec("3500.01")));
    let hb = r#"{"channel":"heartbeats","client_id":"","timestamp":"2023-06-23T20:31:26.122969572Z","sequence_num":0,"events":[{"current_time":"2023-06-23 20:31:56.121961769 +0000 UTC m=+91717.525857105","heartbeat_counter":"3049"}]}"#;
    assert_eq!(
        parse_stream(Exchange::Coinbase, hb, &p, Utc::now()),
        Ok(Frame::Alive)
    );
    let bad = r#"{"channel":"ticker","events":[{"type":"update","tickers":[{"product_id":"ETH-USD","price":"-1"}]}]}"#;
    assert!(parse_stream(Exchange::Coinbase, bad, &p, Utc::now()).is_err());
}

#[test]
fn a_coins_past_is_asked_of_coinbase_in_its_currency_then_binance() {
    let names = |coin: &str, currency: &str| -> Vec<(Exchange, String, QuoteAsset)> {
        history_pairs(coin, currency)
            .into_iter()
            .map(|p| (p.exchange, p.rest, p.quote))
            .collect()
    };
    assert_eq!(
        names("bitcoin", "usd"),
        [
            (Exchange::Coinbase, "BTC-USD".into(), QuoteAsset::Usd),
            (Exchange::Binance, "BTCUSDT".into(), QuoteAsset::Usdt),
        ]
    );
    assert_eq!(
        names("ethereum", "eur"),
        [
            (Exchange::Coinbase, "ETH-EUR".into(), QuoteAsset::Eur),
            (Exchange::Binance, "ETHEUR".into(), QuoteAsset::Eur),
        ]
    );
    assert_eq!(
        names("solana", "gbp"),
        [(Exchange::Coinbase, "SOL-GBP".into(), QuoteAsset::Gbp)]
    );
    assert_eq!(
        names("pepe", "usd"),
        [(Exchange::Binance, "PEPEUSDT".into(), QuoteAsset::Usdt)]
    );
    assert!(names("stellar", "eur").is_empty(), "no euro market checked");
    assert!(names("bitcoin", "jpy").is_empty());
    assert!(names("no-such-coin", "usd").is_empty());
    assert!(
        names("tether", "usd").is_empty(),
        "the dollar's own stablecoin"
    );
}

/// Binance's recorded `/api/v3/klines` answer (BTCUSDT, 1m), read in place
/// from shared/real beside the repository: every kline reads, and as
/// minutes they are refused where days are asked.
#[test]
fn binance_recorded_klines_read_exactly() {
    const FILE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/real/api/binance/nautilus_http_spot_market_klines.json"
    );
    let Ok(text) = std::fs::read_to_string(FILE) else {
        eprintln!("skipped: no recorded answers at {FILE} (a checkout without shared/real)");
        return;
    };
    let rows: Vec<Vec<serde_json::Value>> = serde_json::from_str(&text).expect("klines");
    assert_eq!(rows.len(), 10);
    let klines: Vec<_> = rows
        .iter()
        .map(|r| binance::kline(r).expect("a kline"))
        .collect();
    assert_eq!(
        klines[0],
        (
            1_634_943_780_000,
            [
                dec("60685.22"),
                dec("60729.84"),
                dec("60670.90"),
                dec("60719.27")
            ]
        )
    );
    assert_eq!(klines[0].1[3].to_string(), "60719.27000000", "scale kept");
    assert!(klines.windows(2).all(|w| w[1].0 - w[0].0 == 60_000));
    let day = chrono::NaiveDate::from_ymd_opt(2021, 10, 22).expect("day");
    let refused = binance::parse_klines(rows, day, day).expect_err("minutes");
    assert!(refused.contains("not a UTC day's"), "{refused}");
}

#[test]
fn daily_klines_and_candles_become_days_oldest_first() {
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("day");
    let rows: Vec<Vec<serde_json::Value>> = serde_json::from_str(
        r#"[[1704067200000,"42283.58000000","44184.10000000","42180.77000000","44179.55000000","27174.29903000",1704153599999,"1169995682.50098290",1102454,"13695.52830000","589717950.28911780","0"],
            [1704153600000,"44179.55000000","45879.63000000","44148.34000000","44946.91000000","65146.40661000",1704239999999,"2944331697.01004060",2261220,"33069.12014000","1495000355.28271380","0"]]"#,
    )
    .expect("rows");
    let days = binance::parse_klines(rows, day("2024-01-02"), day("2024-12-31")).expect("days");
    assert_eq!(days.len(), 1, "the day before `first` is left out");
    assert_eq!(
        (days[0].day, days[0].close, days[0].source),
        (
            day("2024-01-02"),
            dec("44946.91"),
            crate::model::Source::Binance
        )
    );

    let answer: serde_json::Value = serde_json::json!({"candles": [
        {"start": "1704153600", "low": "44150.01", "high": "45900", "open": "44180", "close": "44950.5", "volume": "20000.1"},
        {"start": "1704067200", "low": "42180", "high": "44190", "open": "42280", "close": "44180", "volume": "15000"},
    ]});
    let candles: Vec<coinbase::Candle> =
        serde_json::from_value(answer["candles"].clone()).expect("candles");
    let days =
        coinbase::parse_candles(candles, day("2024-01-01"), day("2024-01-02")).expect("days");
    assert_eq!(
        days.iter().map(|c| (c.day, c.close)).collect::<Vec<_>>(),
        [
            (day("2024-01-01"), dec("44180")),
            (day("2024-01-02"), dec("44950.5"))
        ]
    );
    let noon: Vec<coinbase::Candle> =
        serde_json::from_value(serde_json::json!([{"start": "1704110400", "low": "1", "high": "1", "open": "1", "close": "1"}]))
            .expect("candle");
    assert!(coinbase::parse_candles(noon, day("2024-01-01"), day("2024-01-02")).is_err());
}
