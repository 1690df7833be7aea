//! Kraken's ledgers in both layouts, and its trades.

use super::*;

/// The older ledger: ten columns, no wallet.
const LEDGER_OLD: &str = "\
\"txid\",\"refid\",\"time\",\"type\",\"subtype\",\"aclass\",\"asset\",\"amount\",\"fee\",\"balance\"
\"\",\"D1\",\"2024-01-01 08:00:00\",\"deposit\",\"\",\"currency\",\"ZEUR\",1000.0000,0.0000,\"\"
\"L1\",\"D1\",\"2024-01-01 08:05:00\",\"deposit\",\"\",\"currency\",\"ZEUR\",1000.0000,0.0000,1000.0000
\"L2\",\"T1\",\"2024-01-02 10:00:00\",\"trade\",\"\",\"currency\",\"ZEUR\",-500.0000,0.8000,499.2000
\"L3\",\"T1\",\"2024-01-02 10:00:00\",\"trade\",\"\",\"currency\",\"XXBT\",0.0125000000,0.0000000000,0.0125000000
\"L4\",\"T2\",\"2024-01-03 10:00:00\",\"trade\",\"\",\"currency\",\"XXBT\",-0.0050000000,0.0000000000,0.0075000000
\"L5\",\"T2\",\"2024-01-03 10:00:00\",\"trade\",\"\",\"currency\",\"XETH\",0.1000000000,0.0001000000,0.0999000000
\"L6\",\"D2\",\"2024-01-04 09:00:00\",\"deposit\",\"\",\"currency\",\"USDC\",200.00000000,0.00000000,200.00000000
\"L7\",\"T3\",\"2024-01-04 10:00:00\",\"spend\",\"\",\"currency\",\"USDC\",-100.00000000,0.20000000,99.80000000
\"L8\",\"T3\",\"2024-01-04 10:00:00\",\"receive\",\"\",\"currency\",\"XXBT\",0.0025000000,0.0000000000,0.0100000000
\"L9\",\"S1\",\"2024-01-05 00:00:00\",\"transfer\",\"spottostaking\",\"currency\",\"XETH\",-0.0999000000,0.0000000000,0.0000000000
\"L10\",\"S2\",\"2024-01-05 00:00:10\",\"transfer\",\"stakingfromspot\",\"currency\",\"ETH2.S\",0.0999000000,0.0000000000,0.0999000000
\"L11\",\"R1\",\"2024-01-06 00:00:00\",\"staking\",\"\",\"currency\",\"ETH2.S\",0.0004000000,0.0000000000,0.1003000000
\"L12\",\"W1\",\"2024-01-07 00:00:00\",\"withdrawal\",\"\",\"currency\",\"XXBT\",-0.0040000000,0.0001000000,0.0059000000
\"L13\",\"M1\",\"2024-01-08 00:00:00\",\"margin\",\"\",\"currency\",\"XXBT\",-0.0001000000,0.0000000000,0.0058000000
\"L14\",\"T4\",\"2024-01-09 00:00:00\",\"trade\",\"\",\"currency\",\"XXBT\",-0.0025000000,0.0000000000,0.0033000000
\"L15\",\"T4\",\"2024-01-09 00:00:00\",\"trade\",\"\",\"currency\",\"ZEUR\",100.0000,0.0000,599.2000
\"L16\",\"T4\",\"2024-01-09 00:00:00\",\"trade\",\"\",\"currency\",\"KFEE\",0.00,25.00,975.00
\"L17\",\"X1\",\"2024-01-10 00:00:00\",\"bogus\",\"\",\"currency\",\"XXBT\",1.0,0.0,1.0
\"L18\",\"B1\",\"2024-01-11 12:00:00\",\"withdrawal\",\"\",\"currency\",\"DOT\",-10.0000000000,0.0000000000,0.0000000000
\"L19\",\"B1\",\"2024-01-11 12:00:10\",\"deposit\",\"\",\"currency\",\"DOT.S\",10.0000000000,0.0000000000,10.0000000000
";

#[test]
fn the_older_ledger_reads_every_row_kind() {
    let (format, p) = read(LEDGER_OLD, None);
    assert_eq!(format, Format::Kraken);
    assert_eq!(
        p.errors,
        [RowError {
            line: 19,
            column: "type".into(),
            reason: "'bogus' is not a ledger type Coinlytics reads (trade, spend, receive, deposit, withdrawal, transfer, staking, earn, reward, dividend, margin)".into(),
        }]
    );
    assert_eq!(
        rows(&p),
        [
            (4, TxKind::Buy, "btc", d("0.0125")),
            (6, TxKind::Sell, "btc", d("0.005")),
            (7, TxKind::Buy, "eth", d("0.1")),
            (8, TxKind::TransferIn, "usdc", d("200")),
            (9, TxKind::Sell, "usdc", d("100")),
            (10, TxKind::Buy, "btc", d("0.0025")),
            (13, TxKind::Income, "eth", d("0.0004")),
            (14, TxKind::TransferOut, "btc", d("0.004")),
            (16, TxKind::Sell, "btc", d("0.0025")),
        ]
    );
    // Pending rows, EUR, the staking moves and the margin row change no
    // coin held.
    assert_eq!(skipped_lines(&p), [2, 3, 11, 12, 15, 20, 21]);
    assert!(
        p.skipped[0].reason.starts_with("pending"),
        "{}",
        p.skipped[0].reason
    );
    assert!(p.skipped[2].reason.contains("between Kraken's own wallets"));
    assert!(p.skipped[4].reason.contains("margin"));
}

#[test]
fn a_ledger_trade_is_priced_by_its_fiat_side_else_two_legs() {
    let (_, p) = read(LEDGER_OLD, None);
    let buy = &p.drafts[0];
    assert_eq!(
        priced(buy),
        (Some(d("40000")), Some("eur"), Some(d("0.8")), Some("eur"))
    );
    assert_eq!(
        (buy.key.as_str(), buy.note.as_deref()),
        ("kraken|T1", Some("XXBT on Kraken"))
    );
    // BTC for ETH: no fiat value, each leg unpriced, the ETH's fee on it.
    let (sell, got) = (&p.drafts[1], &p.drafts[2]);
    assert_eq!((sell.price, got.price, sell.time), (None, None, got.time));
    assert_eq!(
        (got.fee, got.fee_currency.as_deref()),
        (Some(d("0.0001")), Some("eth"))
    );
    assert_eq!(
        (sell.key.as_str(), got.key.as_str()),
        ("kraken|T2/sell", "kraken|T2/buy")
    );
    assert_eq!(
        sell.note.as_deref(),
        Some("XXBT → XETH trade; XXBT on Kraken")
    );
    // USDC is a coin in a ledger: spent at one dollar, the BTC priced by it.
    let (usdc, btc) = (&p.drafts[4], &p.drafts[5]);
    assert_eq!(
        priced(usdc),
        (Some(d("1")), Some("usd"), Some(d("0.2")), Some("usdc"))
    );
    assert_eq!(btc.price, Some(d("40000")));
    assert_eq!(
        btc.note.as_deref(),
        Some("USDC → XXBT trade; XXBT on Kraken; USDC taken at 1 USD")
    );
    // Kraken's fee credits are no coin: the sale has no fee.
    let sold = &p.drafts[8];
    assert_eq!((sold.price, sold.fee), (Some(d("40000")), None));
}

#[test]
fn a_ledger_leaves_what_it_says_is_held() {
    let (_, p) = read(LEDGER_OLD, None);
    let held = held(&p.drafts);
    assert_eq!(held.get("btc"), Some(&d("0.0034")));
    assert_eq!(held.get("eth"), Some(&d("0.1003")));
    assert_eq!(held.get("usdc"), Some(&d("99.8")));
    assert_eq!(held.get("dot"), None);
}

/// The current ledger: `subclass` and `wallet` columns; Earn's rows.
const LEDGER_NEW: &str = "\
\"txid\",\"refid\",\"time\",\"type\",\"subtype\",\"aclass\",\"subclass\",\"asset\",\"wallet\",\"amount\",\"fee\",\"balance\"
\"N1\",\"R1\",\"2024-05-01 00:00:00\",\"deposit\",\"\",\"currency\",\"crypto\",\"SOL\",\"spot / main\",10.0000000000,0.0000000000,10.0000000000
\"N2\",\"R2\",\"2024-05-01 01:00:00\",\"earn\",\"allocation\",\"currency\",\"crypto\",\"SOL\",\"spot / main\",-10.0000000000,0.0000000000,0.0000000000
\"N3\",\"R2\",\"2024-05-01 01:00:00\",\"earn\",\"allocation\",\"currency\",\"crypto\",\"SOL\",\"earn / bonded\",10.0000000000,0.0000000000,10.0000000000
\"N4\",\"R3\",\"2024-05-08 00:00:00\",\"earn\",\"reward\",\"currency\",\"crypto\",\"SOL\",\"earn / bonded\",0.0500000000,0.0000000000,10.0500000000
\"N5\",\"R4\",\"2024-05-09 00:00:00\",\"earn\",\"autoallocation\",\"currency\",\"stable_coin\",\"USDC\",\"earn / flexible\",5.00000000,0.00000000,5.00000000
\"N6\",\"R5\",\"2024-05-10 00:00:00\",\"transfer\",\"spotfromfutures\",\"currency\",\"crypto\",\"XBT.M\",\"spot / main\",0.0100000000,0.0000000000,0.0100000000
\"N7\",\"R6\",\"2024-05-11 00:00:00\",\"transfer\",\"\",\"currency\",\"crypto\",\"ETHW\",\"spot / main\",0.5000000000,0.0000000000,0.5000000000
\"N8\",\"R7\",\"2024-05-12 00:00:00\",\"trade\",\"tradespot\",\"currency\",\"crypto\",\"SOL\",\"spot / main\",-2.0000000000,0.0000000000,8.0500000000
\"N9\",\"R7\",\"2024-05-12 00:00:00\",\"trade\",\"tradespot\",\"currency\",\"fiat\",\"USD\",\"spot / main\",300.0000,0.4800,299.5200
\"N10\",\"R8\",\"2024-05-13 00:00:00\",\"earn\",\"reward\",\"currency\",\"fiat\",\"USD.HOLD\",\"earn / flexible\",0.1200,0.0000,0.1200
";

#[test]
fn the_current_ledger_with_wallets_reads_earn_and_transfers() {
    let (format, p) = read(LEDGER_NEW, None);
    assert_eq!(format, Format::Kraken);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(
        rows(&p),
        [
            (2, TxKind::TransferIn, "sol", d("10")),
            (5, TxKind::Income, "sol", d("0.05")),
            (8, TxKind::TransferIn, "ethw", d("0.5")),
            (9, TxKind::Sell, "sol", d("2")),
        ]
    );
    // Allocations between wallets, a futures transfer and USD's reward
    // (cash) change no coin held.
    assert_eq!(skipped_lines(&p), [3, 4, 6, 7, 11]);
    let sale = &p.drafts[3];
    assert_eq!(
        (sale.price, sale.currency.as_deref(), sale.fee),
        (Some(d("150")), Some("usd"), Some(d("0.48")))
    );
    assert!(
        p.drafts[2]
            .note
            .as_deref()
            .is_some_and(|n| n.contains("naming no wallet")),
        "{:?}",
        p.drafts[2].note
    );
}

const TRADES: &str = "\
txid,ordertxid,pair,time,type,ordertype,price,cost,fee,vol,margin,misc,ledgers
TA1,OA1,XXBTZUSD,2024-01-05 12:00:00.1234,buy,limit,43000.0,21500.00000,34.40000,0.50000000,0.00000,,\"LA1,LA2\"
TA2,OA2,XBTUSDC,2024-01-06 12:00:00.0000,sell,market,44000.0,4400.00000,7.04000,0.10000000,0.00000,,\"LA3,LA4\"
TA3,OA3,ETHXBT,2024-01-07 12:00:00,buy,limit,0.05,0.05000,0.00008,1.00000000,0.00000,,\"LA5,LA6\"
TA4,OA4,XETHZEUR,2024-01-08 12:00:00,sell,limit,2000,2000,3.2,1,400,,\"LA7,LA8\"
TA5,OA5,XBT/EUR,2024-01-09 12:00:00,buy,market,40000,400,0.64,0.01,0,,\"LA9,LA10\"
TA6,OA6,FOOBAR,2024-01-10 12:00:00,buy,market,1,1,0,1,0,,
TA7,OA7,XXBTZEUR,2024-01-11 12:00:00,hold,market,1,1,0,1,0,,
TA8,OA8,XXBTZEUR,2024-01-12 12:00:00,buy,market,1,1,0,much,0,,
";

#[test]
fn trades_are_a_pairs_base_priced_in_its_quote() {
    let (format, p) = read(TRADES, None);
    assert_eq!(format, Format::KrakenTrades);
    let errors: Vec<(u64, &str)> = p
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_str()))
        .collect();
    assert_eq!(errors, [(7, "pair"), (8, "type"), (9, "vol")]);
    assert_eq!(
        rows(&p),
        [
            (2, TxKind::Buy, "btc", d("0.5")),
            (3, TxKind::Sell, "btc", d("0.1")),
            (4, TxKind::Sell, "btc", d("0.05")),
            (4, TxKind::Buy, "eth", d("1")),
            (6, TxKind::Buy, "btc", d("0.01")),
        ]
    );
    let buy = &p.drafts[0];
    assert_eq!(
        priced(buy),
        (Some(d("43000")), Some("usd"), Some(d("34.4")), Some("usd"))
    );
    // The trade's txid is the refid of its ledger rows: one key in both files.
    assert_eq!(buy.key, "kraken|TA1");
    // A trades file lists no deposits: its USDC is dollars paid or received.
    let sold = &p.drafts[1];
    assert_eq!(
        (
            sold.price,
            sold.currency.as_deref(),
            sold.fee_currency.as_deref()
        ),
        (Some(d("44000")), Some("usd"), Some("usd"))
    );
    assert_eq!(
        sold.note.as_deref(),
        Some("XBT on Kraken; USDC taken at 1 USD")
    );
    // ETH for XBT: two unpriced legs, the fee (in XBT) on the XBT given.
    let (xbt, eth) = (&p.drafts[2], &p.drafts[3]);
    assert_eq!((xbt.price, eth.price), (None, None));
    assert_eq!(
        (xbt.fee, xbt.fee_currency.as_deref()),
        (Some(d("0.00008")), Some("btc"))
    );
    assert_eq!(eth.note.as_deref(), Some("XBT → ETH trade"));
    assert_eq!(p.drafts[4].currency.as_deref(), Some("eur"));
    assert_eq!(skipped_lines(&p), [5]);
    assert!(p.skipped[0].reason.contains("margin"));
}
