//! Each layout from a sample that follows its documented columns; each
//! exchange's every layout and row kind in its own module, and the real
//! exports other projects test with (`real`).

mod binance;
mod coinbase;
mod kraken;
mod real;
mod statement;
mod symbols;

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::*;

fn d(s: &str) -> Decimal {
    s.parse().expect("a decimal")
}

fn read(text: &str, format: Option<Format>) -> (Format, Parsed) {
    parse(text.as_bytes(), format).expect("a known layout")
}

/// What `drafts` leave held of each asset: what they add, less what they
/// take and the fees paid in a coin.
fn held(drafts: &[Draft]) -> HashMap<String, Decimal> {
    let mut held: HashMap<String, Decimal> = HashMap::new();
    for x in drafts {
        let sign = match x.kind {
            TxKind::Buy | TxKind::TransferIn | TxKind::Income => Decimal::ONE,
            TxKind::Sell | TxKind::TransferOut | TxKind::Fee => -Decimal::ONE,
        };
        *held.entry(x.asset.clone()).or_default() += sign * x.quantity;
        if let (Some(fee), Some(c)) = (x.fee, &x.fee_currency)
            && !is_fiat(c)
        {
            *held.entry(c.clone()).or_default() -= fee;
        }
    }
    held
}

/// Each draft as (line, kind, asset, quantity).
fn rows(p: &Parsed) -> Vec<(u64, TxKind, &str, Decimal)> {
    p.drafts
        .iter()
        .map(|x| (x.line, x.kind, x.asset.as_str(), x.quantity))
        .collect()
}

/// The lines skipped.
/// A draft's price, its currency, its fee and the fee's currency.
fn priced(d: &Draft) -> (Option<Decimal>, Option<&str>, Option<Decimal>, Option<&str>) {
    (
        d.price,
        d.currency.as_deref(),
        d.fee,
        d.fee_currency.as_deref(),
    )
}

fn skipped_lines(p: &Parsed) -> Vec<u64> {
    p.skipped.iter().map(|s| s.line).collect()
}

const COINBASE: &str = "\
You can use this transaction report to inform your likely tax obligations.

Transactions
User,Jane Doe,0a1b2c3d
ID,Timestamp,Transaction Type,Asset,Quantity Transacted,Price Currency,Price at Transaction,Subtotal,Total (inclusive of fees and/or spread),Fees and/or Spread,Notes
65a1f0c3e1,2024-01-05 12:00:00 UTC,Buy,BTC,0.5,USD,\"$43,000.00\",\"$21,500.00\",\"$21,700.00\",$200.00,Bought 0.5 BTC for $21700.00 USD
65a1f0c3e2,2024-02-01 09:30:00 UTC,Sell,BTC,-0.2,USD,\"$50,000.00\",\"$10,000.00\",\"$9,900.00\",$100.00,Sold 0.2 BTC for $9900.00 USD
65a1f0c3e3,2024-02-02 10:00:00 UTC,Staking Income,ETH,0.01,USD,\"$2,300.00\",$23.00,$23.00,$0.00,
65a1f0c3e4,2024-02-03 10:00:00 UTC,Convert,ETH,-0.5,USD,\"$2,400.00\",\"$1,200.00\",\"$1,200.00\",$0.00,Converted 0.5 ETH to 0.024 BTC
65a1f0c3e5,2024-02-04 10:00:00 UTC,Deposit,USD,1000,USD,$1.00,\"$1,000.00\",\"$1,000.00\",$0.00,
65a1f0c3e6,2024-02-05 10:00:00 UTC,Send,BTC,-0.1,USD,\"$42,000.00\",\"$4,200.00\",\"$4,200.00\",$0.00,Sent to a Ledger
";

#[test]
fn coinbase_2024_reads_past_its_preamble_dollar_amounts_and_negative_sales() {
    let (format, p) = read(COINBASE, None);
    assert_eq!(format, Format::Coinbase);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.skipped.len(), 1, "the USD deposit is cash");
    let kinds: Vec<(TxKind, &str, Decimal)> = p
        .drafts
        .iter()
        .map(|x| (x.kind, x.asset.as_str(), x.quantity))
        .collect();
    assert_eq!(
        kinds,
        [
            (TxKind::Buy, "btc", d("0.5")),
            (TxKind::Sell, "btc", d("0.2")),
            (TxKind::Income, "eth", d("0.01")),
            (TxKind::Sell, "eth", d("0.5")),
            (TxKind::Buy, "btc", d("0.024")),
            (TxKind::TransferOut, "btc", d("0.1")),
        ]
    );
    let buy = &p.drafts[0];
    assert_eq!(
        (buy.price, buy.fee, buy.currency.as_deref()),
        (Some(d("43000")), Some(d("200")), Some("usd"))
    );
    assert_eq!(buy.line, 6);
    assert_eq!(buy.key, "coinbase|65a1f0c3e1");
    // The conversion's buy costs what the ETH sold for: 1,200 / 0.024 = 50,000.
    assert_eq!(p.drafts[4].price, Some(d("50000")));
}

#[test]
fn kraken_ledgers_pair_a_trades_two_rows() {
    let text = "\
\"txid\",\"refid\",\"time\",\"type\",\"subtype\",\"aclass\",\"asset\",\"wallet\",\"amount\",\"fee\",\"balance\"
\"L1\",\"T1\",\"2024-01-05 12:00:00\",\"trade\",\"\",\"currency\",\"ZUSD\",\"spot / main\",\"-21500.0000\",\"34.4000\",\"78465.6000\"
\"L2\",\"T1\",\"2024-01-05 12:00:00\",\"trade\",\"\",\"currency\",\"XXBT\",\"spot / main\",\"0.5000000000\",\"0.0000000000\",\"0.5000000000\"
\"L3\",\"D1\",\"2024-01-06 08:00:00\",\"deposit\",\"\",\"currency\",\"ZEUR\",\"spot / main\",\"500.0000\",\"0.0000\",\"500.0000\"
\"L4\",\"S1\",\"2024-01-07 00:00:00\",\"staking\",\"\",\"currency\",\"DOT.S\",\"spot / main\",\"1.2500000000\",\"0.0000000000\",\"1.2500000000\"
\"L5\",\"W1\",\"2024-01-08 00:00:00\",\"withdrawal\",\"\",\"currency\",\"XXBT\",\"spot / main\",\"-0.1000000000\",\"0.0001000000\",\"0.3999000000\"
";
    let (format, p) = read(text, None);
    assert_eq!(format, Format::Kraken);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.skipped.len(), 1);
    let buy = &p.drafts[0];
    assert_eq!(
        (buy.kind, buy.asset.as_str(), buy.quantity),
        (TxKind::Buy, "btc", d("0.5"))
    );
    assert_eq!(
        (buy.price, buy.fee, buy.fee_currency.as_deref()),
        (Some(d("43000")), Some(d("34.4")), Some("usd"))
    );
    assert_eq!(buy.key, "kraken|T1");
    assert_eq!(
        (p.drafts[1].kind, p.drafts[1].asset.as_str()),
        (TxKind::Income, "dot")
    );
    let out = &p.drafts[2];
    assert_eq!(
        (out.kind, out.quantity, out.fee, out.fee_currency.as_deref()),
        (
            TxKind::TransferOut,
            d("0.1"),
            Some(d("0.0001")),
            Some("btc")
        )
    );
}

#[test]
fn binance_trade_history_reads_amounts_with_their_assets() {
    let text = "\
Date(UTC),Pair,Side,Price,Executed,Amount,Fee
2024-01-05 12:00:00,BTCUSDT,BUY,43000,0.5BTC,21500USDT,0.0005BNB
2024-01-06 12:00:00,ETHEUR,SELL,2100,1.5ETH,3150EUR,3.15EUR
2024-01-06 12:00:00,ETHBTC,BUY,0.05,1ETH,0.05BTC,0.001ETH
";
    let (format, p) = read(text, None);
    assert_eq!(format, Format::Binance);
    let buy = &p.drafts[0];
    assert_eq!(
        (buy.kind, buy.asset.as_str(), buy.quantity, buy.price),
        (TxKind::Buy, "btc", d("0.5"), Some(d("43000")))
    );
    assert_eq!(
        (
            buy.currency.as_deref(),
            buy.fee,
            buy.fee_currency.as_deref()
        ),
        (Some("usd"), Some(d("0.0005")), Some("bnb"))
    );
    assert_eq!(buy.note.as_deref(), Some("USDT taken at 1 USD"));
    let sell = &p.drafts[1];
    assert_eq!(
        (
            sell.kind,
            sell.currency.as_deref(),
            sell.fee_currency.as_deref()
        ),
        (TxKind::Sell, Some("eur"), Some("eur"))
    );
    // ETH bought with BTC is coin for coin: a sale of the BTC and a buy of
    // the ETH at the same time, unpriced (the file gives no fiat value),
    // the fee on the ETH bought.
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let legs: Vec<_> = p.drafts[2..]
        .iter()
        .map(|x| (x.kind, x.asset.as_str(), x.quantity, x.price, x.fee))
        .collect();
    assert_eq!(
        legs,
        [
            (TxKind::Sell, "btc", d("0.05"), None, None),
            (TxKind::Buy, "eth", d("1"), None, Some(d("0.001"))),
        ]
    );
    assert_eq!(p.drafts[2].time, p.drafts[3].time);
    assert_eq!(p.drafts[3].note.as_deref(), Some("BTC → ETH trade"));
    assert_ne!(p.drafts[2].key, p.drafts[3].key);
}

#[test]
fn the_generic_format_names_every_bad_row_and_column() {
    let text = "\
time,type,coin,quantity,price,currency,fee,fee_currency,note
2024-01-01,buy,bitcoin,0.5,30000,usd,10,usd,first
2024-01-02,swap,bitcoin,1,1,usd,,,
2024-01-03,buy,bitcoin,lots,1,usd,,,
yesterday,buy,bitcoin,1,1,usd,,,
2024-01-05,sell,bitcoin,1,,usd,,,
2024-01-01,buy,bitcoin,0.5,30000,usd,10,usd,first
";
    let (_, p) = read(text, Some(Format::Generic));
    let errors: Vec<(u64, &str)> = p
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_str()))
        .collect();
    assert_eq!(
        errors,
        [(3, "type"), (4, "quantity"), (5, "time"), (6, "price")]
    );
    // Two identical rows are two transactions, told apart by their order.
    assert_eq!(p.drafts.len(), 2);
    assert_ne!(p.drafts[0].key, p.drafts[1].key);
    // The same file read again gives the same keys.
    let (_, again) = read(text, Some(Format::Generic));
    assert_eq!(
        again.drafts.iter().map(|x| &x.key).collect::<Vec<_>>(),
        p.drafts.iter().map(|x| &x.key).collect::<Vec<_>>()
    );
}

#[test]
fn the_generic_format_reads_a_price_in_a_coin_as_a_trade_of_two_coins() {
    let text = "\
time,type,coin,quantity,price,currency,fee,fee_currency,note
2024-01-01,buy,eth,2,0.05,btc,0.001,eth,swap
2024-01-02,sell,bitcoin,0.5,30000,usdt,,,
2024-01-03,income,XBT,0.1,,,,,
";
    let (_, p) = read(text, Some(Format::Generic));
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(
        rows(&p),
        [
            (2, TxKind::Sell, "btc", d("0.1")),
            (2, TxKind::Buy, "eth", d("2")),
            (3, TxKind::Sell, "bitcoin", d("0.5")),
            (4, TxKind::Income, "btc", d("0.1")),
        ]
    );
    let (btc, eth) = (&p.drafts[0], &p.drafts[1]);
    assert_eq!((btc.price, eth.price), (None, None));
    assert_eq!(
        (eth.fee, eth.fee_currency.as_deref(), eth.note.as_deref()),
        (Some(d("0.001")), Some("eth"), Some("BTC → ETH trade; swap"))
    );
    assert!(btc.key.ends_with("/sell") && eth.key.ends_with("/buy"));
    // A dollar stablecoin is dollars, as in a trade history.
    let sold = &p.drafts[2];
    assert_eq!(
        (sold.price, sold.currency.as_deref(), sold.note.as_deref()),
        (Some(d("30000")), Some("usd"), Some("USDT taken at 1 USD"))
    );
    assert_eq!(p.drafts[3].note.as_deref(), Some("XBT in the file"));
}

#[test]
fn absurd_amounts_are_row_errors_never_a_panic() {
    let huge = "79228162514264337593543950335";
    let tiny = "0.0000000000000000000000000001";
    let files = [
        format!(
            "ID,Timestamp,Transaction Type,Asset,Quantity Transacted,Price Currency,Price at Transaction,Subtotal,Total (inclusive of fees and/or spread),Fees and/or Spread,Notes\n\
x1,2024-01-01 00:00:00 UTC,Convert,BTC,{huge},EUR,{huge},1,1,{huge},Converted 1 BTC to {tiny} ETH\n\
x2,2024-01-01 00:00:00 UTC,Advanced Trade Buy,BTC,{huge},EUR,1,1,1,1,Bought 1 BTC for -{huge} USDC on BTC-USDC at {huge} USDC/BTC\n"
        ),
        format!(
            "txid,refid,time,type,subtype,aclass,asset,amount,fee,balance\n\
L1,T1,2024-01-01 00:00:00,trade,,currency,XXBT,{tiny},{huge},0\n\
L2,T1,2024-01-01 00:00:00,trade,,currency,XETH,-{huge},{huge},0\n\
L3,T1,2024-01-01 00:00:00,trade,,currency,XETH,-{huge},{huge},0\n"
        ),
        format!(
            "txid,ordertxid,pair,time,type,ordertype,price,cost,fee,vol,margin,misc,ledgers\n\
T1,O1,XBTUSDC,2024-01-01 00:00:00,buy,limit,{huge},,1,{huge},0,,\n\
T2,O2,/,2024-01-01 00:00:00,buy,limit,1,1,1,1,0,,\n"
        ),
        format!(
            "Date(UTC),Pair,Side,Price,Executed,Amount,Fee\n\
2024-01-01 00:00:00,BTCUSDT,BUY,1,{tiny}BTC,{huge}USDT,{huge}USDT\n\
2024-01-01 00:00:00,BTCUSDT,BUY,1,BTC,USDT,\n"
        ),
        format!(
            "User_ID,UTC_Time,Account,Operation,Coin,Change,Remark\n\
1,2024-01-01 00:00:00,Spot,Buy,BTC,{tiny},\n\
1,2024-01-01 00:00:00,Spot,Buy,USDT,-{huge},\n\
1,2024-01-01 00:00:00,Spot,Buy,USDT,-{huge},\n\
1,2024-01-01 00:00:00,Spot,Fee,BNB,-{huge},\n\
1,2024-01-01 00:00:00,Spot,Fee,BNB,-{huge},\n"
        ),
        format!(
            "time,type,coin,quantity,price,currency,fee,fee_currency,note\n\
2024-01-01,buy,eth,{huge},{huge},btc,,,\n"
        ),
    ];
    for file in files {
        let (format, p) = parse(file.as_bytes(), None).expect("a known layout");
        assert!(!p.errors.is_empty(), "{format:?}: {p:?}");
    }
}

#[test]
fn a_file_of_no_known_layout_is_refused_whole() {
    let err = parse(b"a,b,c\n1,2,3\n", None).expect_err("unknown");
    assert!(err.0.contains("no known header"), "{}", err.0);
    let err = parse(b"date,amount\n1,2\n", Some(Format::Generic)).expect_err("not generic");
    assert!(err.0.contains("generic format's header"), "{}", err.0);
}

#[test]
fn numbers_as_exports_write_them() {
    assert_eq!(number("$1,234.50"), Some(d("1234.50")));
    assert_eq!(number("-€0.10"), Some(d("-0.10")));
    assert_eq!(number("1e-8"), Some(d("0.00000001")));
    assert_eq!(number("lots"), None);
}

const WALLET_APP: &str = "\
Date,Action,Asset,Amount,Unit Price,Quote Currency,Commission,Memo
2024-03-01 10:00:00,Bought,BTC,0.25,60000,EUR,5,dca
2024-03-15 10:00:00,Sold,BTC,0.1,65000,EUR,2,
2024-03-20 10:00:00,Staking reward,ETH,0.02,3000,EUR,,
2024-03-21 10:00:00,Bought,BTC,,60000,EUR,,
";

#[test]
fn a_mapping_is_guessed_from_usual_column_names() {
    let (columns, m) = guess(WALLET_APP.as_bytes()).expect("a header");
    assert_eq!(columns.len(), 8);
    assert_eq!(m.time.as_deref(), Some("Date"));
    assert_eq!(m.kind.as_deref(), Some("Action"));
    assert_eq!(m.coin.as_deref(), Some("Asset"));
    assert_eq!(m.quantity.as_deref(), Some("Amount"));
    assert_eq!(m.price.as_deref(), Some("Unit Price"));
    assert_eq!(m.currency.as_deref(), Some("Quote Currency"));
    assert_eq!(m.fee.as_deref(), Some("Commission"));
    assert_eq!(m.note.as_deref(), Some("Memo"));
    assert!(m.missing().is_empty());
}

#[test]
fn detection_finds_a_known_layout_past_a_preamble_and_none_in_another_file() {
    assert_eq!(detect(COINBASE.as_bytes()), Ok(Some(Format::Coinbase)));
    assert_eq!(detect(WALLET_APP.as_bytes()), Ok(None));
    // It agrees with the import: what it finds, parse reads.
    assert_eq!(read(COINBASE, None).0, Format::Coinbase);
    assert!(parse(WALLET_APP.as_bytes(), None).is_err());
}

#[test]
fn the_required_fields_are_the_ones_a_mapping_is_missing() {
    let required: Vec<&str> = FIELDS.iter().filter(|f| f.2).map(|f| f.0).collect();
    assert_eq!(required, ["time", "type", "coin", "quantity"]);
    assert_eq!(Mapping::default().missing(), required);
    // Every field's key is the one the mapping's JSON uses.
    let json = serde_json::to_value(Mapping::default()).expect("json");
    for (field, _, _) in FIELDS {
        assert!(json.get(field).is_some(), "{field}");
    }
}

#[test]
fn a_mapped_file_reads_like_the_generic_format_and_names_its_own_columns() {
    let (_, m) = guess(WALLET_APP.as_bytes()).expect("a header");
    let p = parse_mapped(WALLET_APP.as_bytes(), &m).expect("mapped");
    let kinds: Vec<(TxKind, &str)> = p
        .drafts
        .iter()
        .map(|x| (x.kind, x.asset.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (TxKind::Buy, "btc"),
            (TxKind::Sell, "btc"),
            (TxKind::Income, "eth")
        ]
    );
    assert_eq!(
        (
            p.drafts[0].currency.as_deref(),
            p.drafts[0].fee,
            p.drafts[0].note.as_deref()
        ),
        (Some("eur"), Some(d("5")), Some("dca"))
    );
    assert_eq!(p.errors.len(), 1);
    assert_eq!(
        (
            p.errors[0].line,
            p.errors[0].column.as_str(),
            p.errors[0].reason.as_str()
        ),
        (5, "Amount", "is empty")
    );
    assert!(p.drafts[0].key.starts_with("mapped|"));
}

#[test]
fn a_mapping_must_name_the_required_columns_and_the_file_must_have_them() {
    let mut m = Mapping {
        time: Some("Date".into()),
        kind: Some("Action".into()),
        coin: Some("Asset".into()),
        ..Mapping::default()
    };
    let err = parse_mapped(WALLET_APP.as_bytes(), &m).expect_err("no quantity");
    assert!(err.0.contains("no column for quantity"), "{}", err.0);
    m.quantity = Some("Size".into());
    let err = parse_mapped(WALLET_APP.as_bytes(), &m).expect_err("no Size column");
    assert!(
        err.0.contains("no column 'Size' (mapped to quantity)"),
        "{}",
        err.0
    );
}

#[test]
fn a_file_past_the_one_size_cap_is_refused_before_reading() {
    assert_eq!(MAX_IMPORT_BYTES, 64 * 1024 * 1024);
    assert!(check_size(MAX_IMPORT_BYTES, "the file").is_ok());
    let e = check_size(MAX_IMPORT_BYTES + 1, "big.csv").expect_err("too big");
    assert_eq!(e.0, "big.csv is larger than 64 MiB");
}
