//! Binance's spot trade history in its second header layout (the first is
//! `binance_trade_history_reads_amounts_with_their_assets`).

use super::*;

const MARKETS: &str = "\
Date(UTC),Market,Type,Price,Amount,Total,Fee,Fee Coin
2024-01-05 12:00:00,BTCUSDT,BUY,43000,0.5,21500,0.0005,BNB
2024-01-06 12:00:00,ETHBTC,SELL,0.05,2,0.1,0.0001,BTC
2024-01-07 12:00:00,ADAEUR,BUY,0.5,100,50,0.1,ADA
2024-01-08 12:00:00,BTC/TRY,SELL,2000000,0.01,20000,20,TRY
2024-01-09 12:00:00,NOPE,BUY,1,1,1,0,BNB
2024-01-10 12:00:00,BTCUSDT,HOLD,1,1,1,0,BNB
2024-01-11 12:00:00,BTCUSDT,BUY,1,0,0,0,BNB
2024-01-12 12:00:00,BTCUSDT,BUY,1,1,1,0.1,
";

#[test]
fn the_market_layout_reads_its_pair_from_the_market() {
    let (format, p) = read(MARKETS, None);
    assert_eq!(format, Format::Binance);
    let errors: Vec<(u64, &str)> = p
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_str()))
        .collect();
    assert_eq!(
        errors,
        [(6, "Market"), (7, "Type"), (8, "Amount"), (9, "Fee Coin")]
    );
    assert_eq!(
        rows(&p),
        [
            (2, TxKind::Buy, "btc", d("0.5")),
            (3, TxKind::Sell, "eth", d("2")),
            (3, TxKind::Buy, "btc", d("0.1")),
            (4, TxKind::Buy, "ada", d("100")),
            (5, TxKind::Sell, "btc", d("0.01")),
        ]
    );
    let buy = &p.drafts[0];
    assert_eq!(
        priced(buy),
        (
            Some(d("43000")),
            Some("usd"),
            Some(d("0.0005")),
            Some("bnb")
        )
    );
    assert_eq!(buy.note.as_deref(), Some("USDT taken at 1 USD"));
    // ETH sold for BTC: two unpriced legs, the BTC fee on the BTC received.
    let (eth, btc) = (&p.drafts[1], &p.drafts[2]);
    assert_eq!((eth.price, btc.price, eth.time), (None, None, btc.time));
    assert_eq!(
        (btc.fee, btc.fee_currency.as_deref()),
        (Some(d("0.0001")), Some("btc"))
    );
    assert_eq!(eth.note.as_deref(), Some("ETH → BTC trade"));
    assert!(
        eth.key.ends_with("/sell") && btc.key.ends_with("/buy"),
        "{}",
        eth.key
    );
    let ada = &p.drafts[3];
    assert_eq!(
        (
            ada.price,
            ada.currency.as_deref(),
            ada.fee_currency.as_deref()
        ),
        (Some(d("0.5")), Some("eur"), Some("ada"))
    );
    let lira = &p.drafts[4];
    assert_eq!(
        priced(lira),
        (Some(d("2000000")), Some("try"), Some(d("20")), Some("try"))
    );
}
