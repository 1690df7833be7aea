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
