//! Coinbase's transaction history in each of its layouts, every row kind.

use super::*;

/// 2023: no ID, `Spot Price Currency,Spot Price at Transaction`, a sale's
/// quantity positive; a byte-order mark, a quoted disclaimer and blank
/// lines before the header.
const LAYOUT_2023: &str = "\u{feff}\"You can use this transaction report to inform your likely tax obligations. For US customers, Sells, Converts, and Rewards Income are taxable events.\"



Transactions
User,Jane Doe,0a1b2c3d

Timestamp,Transaction Type,Asset,Quantity Transacted,Spot Price Currency,Spot Price at Transaction,Subtotal,Total (inclusive of fees and/or spread),Fees and/or Spread,Notes
2023-03-01T10:00:00Z,Buy,BTC,0.01,EUR,20000.00,200.00,202.99,2.99,Bought 0.01 BTC for €202.99 EUR
2023-03-02T10:00:00Z,Sell,BTC,0.004,EUR,21000.00,84.00,83.00,1.00,Sold 0.004 BTC for €83.00 EUR
2023-03-03T10:00:00Z,Rewards Income,XLM,12.5,EUR,0.08,1.00,1.00,0.00,
2023-03-04T10:00:00Z,Learning Reward,GRT,4,EUR,0.12,0.48,0.48,0.00,
2023-03-05T10:00:00Z,Receive,ETH,0.2,EUR,1500.00,300.00,300.00,0.00,Received from a wallet
2023-03-06T10:00:00Z,Send,ETH,0.05,EUR,1510.00,,,,Sent to a wallet
2023-03-07T10:00:00Z,Deposit,EUR,100,EUR,1.00,100.00,100.00,0.00,
2023-03-08T10:00:00Z,Withdrawal,EUR,50,EUR,1.00,50.00,50.00,0.00,
";

#[test]
fn the_2023_layout_has_no_id_and_a_positive_sale() {
    let (format, p) = read(LAYOUT_2023, None);
    assert_eq!(format, Format::Coinbase);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(
        rows(&p),
        [
            (9, TxKind::Buy, "btc", d("0.01")),
            (10, TxKind::Sell, "btc", d("0.004")),
            (11, TxKind::Income, "xlm", d("12.5")),
            (12, TxKind::Income, "grt", d("4")),
            (13, TxKind::TransferIn, "eth", d("0.2")),
            (14, TxKind::TransferOut, "eth", d("0.05")),
        ]
    );
    let buy = &p.drafts[0];
    assert_eq!(
        priced(buy),
        (Some(d("20000")), Some("eur"), Some(d("2.99")), Some("eur"))
    );
    assert_eq!(buy.key, "coinbase|9|");
    assert_eq!(p.drafts[1].price, Some(d("21000")));
    // What left is not priced; what came is, at its value then.
    assert_eq!(p.drafts[5].price, None);
    assert_eq!(p.drafts[4].price, Some(d("1500")));
    assert_eq!(skipped_lines(&p), [15, 16]);
    assert!(p.skipped.iter().all(|s| s.reason.ends_with("EUR: cash")));
}

#[test]
fn the_older_layout_names_its_currency_in_its_columns() {
    let text = "\
Timestamp,Transaction Type,Asset,Quantity Transacted,EUR Spot Price at Transaction,EUR Subtotal,EUR Total (inclusive of fees),EUR Fees,Notes
2021-02-08T18:22:22Z,Buy,BTC,0.00065721,35772.43,€23.51,€25.00,€1.49,Bought 0.00065721 BTC for €25.00 EUR
2021-02-17T18:16:58Z,Coinbase Earn,XLM,10.5,0.40,€4.20,€4.20,€0.00,Received 10.5 XLM from Coinbase Earn
";
    let (_, p) = read(text, None);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let buy = &p.drafts[0];
    assert_eq!(
        (buy.kind, buy.price, buy.currency.as_deref(), buy.fee),
        (
            TxKind::Buy,
            Some(d("35772.43")),
            Some("eur"),
            Some(d("1.49"))
        )
    );
    assert_eq!(
        (p.drafts[1].kind, p.drafts[1].asset.as_str()),
        (TxKind::Income, "xlm")
    );
}

/// 2024: an ID, `Price Currency,Price at Transaction`, a sale negative;
/// Advanced Trade fills against fiat and against a coin; a staking
/// transfer between Coinbase's wallets.
const LAYOUT_2024: &str = "\
ID,Timestamp,Transaction Type,Asset,Quantity Transacted,Price Currency,Price at Transaction,Subtotal,Total (inclusive of fees and/or spread),Fees and/or Spread,Notes
a1,2024-12-19 17:59:59 UTC,Advanced Trade Buy,SOL,0.5,EUR,€190.00,€95.00,€95.57,€0.57,Bought 0.5 SOL for 95.57 EUR on SOL-EUR at 190 EUR/SOL
a2,2025-01-10 09:15:00 UTC,Advanced Trade Sell,SOL,-0.2,EUR,€200.00,€40.00,€39.76,€0.24,Sold 0.2 SOL for 39.76 EUR on SOL-EUR at 200 EUR/SOL
a3,2025-01-11 09:15:00 UTC,Advanced Trade Buy,BTC,0.001,EUR,€90000.00,€90.00,€90.50,€0.50,Bought 0.001 BTC for 100.6 USDC on BTC-USDC at 100000 USDC/BTC
a4,2025-01-12 09:15:00 UTC,Advanced Trade Sell,ETH,-0.1,EUR,€3000.00,€300.00,€299.00,€1.00,Sold 0.1 ETH for 0.00299 BTC on ETH-BTC at 0.03 BTC/ETH
a5,2024-08-04 06:30:32 UTC,Retail Staking Transfer,ATOM,0.5,EUR,€5.00,€2.50,€2.50,€0.00,
a6,2024-08-04 06:30:32 UTC,Retail Staking Transfer,ATOM,-0.5,EUR,€5.00,-€2.50,-€2.50,€0.00,
a7,2024-09-01 00:00:00 UTC,Staking Income,ETH2,0.001,EUR,€2000.00,€2.00,€2.00,€0.00,
a8,2024-09-02 00:00:00 UTC,Inflation Reward,ATOM,0.3,EUR,€5.00,€1.50,€1.50,€0.00,
";

#[test]
fn advanced_trade_fills_against_fiat_are_buys_and_sales() {
    let (_, p) = read(LAYOUT_2024, None);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let (buy, sell) = (&p.drafts[0], &p.drafts[1]);
    assert_eq!(
        (
            buy.kind,
            buy.asset.as_str(),
            buy.quantity,
            buy.price,
            buy.fee
        ),
        (
            TxKind::Buy,
            "sol",
            d("0.5"),
            Some(d("190")),
            Some(d("0.57"))
        )
    );
    assert_eq!(
        (sell.kind, sell.quantity, sell.price, sell.fee),
        (TxKind::Sell, d("0.2"), Some(d("200")), Some(d("0.24")))
    );
    assert_eq!(
        (buy.key.as_str(), sell.key.as_str()),
        ("coinbase|a1", "coinbase|a2")
    );
}

#[test]
fn an_advanced_trade_fill_against_a_coin_is_two_legs_valued_by_the_row() {
    let (_, p) = read(LAYOUT_2024, None);
    let legs: Vec<_> = p
        .drafts
        .iter()
        .filter(|x| x.line == 4 || x.line == 5)
        .map(|x| (x.line, x.kind, x.asset.as_str(), x.quantity, x.price, x.fee))
        .collect();
    assert_eq!(
        legs,
        [
            // 100 USDC at the rate, the 0.6 more paid its fee: the row's
            // €90 makes a USDC €0.90 and the BTC €90,000.
            (
                4,
                TxKind::Sell,
                "usdc",
                d("100"),
                Some(d("0.9")),
                Some(d("0.6"))
            ),
            (4, TxKind::Buy, "btc", d("0.001"), Some(d("90000")), None),
            // 0.003 BTC at the rate, 0.00001 less received its fee.
            (5, TxKind::Sell, "eth", d("0.1"), Some(d("3000")), None),
            (
                5,
                TxKind::Buy,
                "btc",
                d("0.003"),
                Some(d("100000")),
                Some(d("0.00001"))
            ),
        ]
    );
    let usdc = p
        .drafts
        .iter()
        .find(|x| x.asset == "usdc")
        .expect("the USDC leg");
    assert_eq!(
        (
            usdc.currency.as_deref(),
            usdc.fee_currency.as_deref(),
            usdc.key.as_str()
        ),
        (Some("eur"), Some("usdc"), "coinbase|a3/sell")
    );
    assert!(
        usdc.note
            .as_deref()
            .is_some_and(|n| n.starts_with("USDC → BTC trade")),
        "{:?}",
        usdc.note
    );
}

#[test]
fn a_retail_staking_transfer_is_an_internal_move_and_eth2_is_ether() {
    let (_, p) = read(LAYOUT_2024, None);
    assert_eq!(skipped_lines(&p), [6, 7]);
    assert!(
        p.skipped[0]
            .reason
            .contains("between Coinbase's own wallets"),
        "{}",
        p.skipped[0].reason
    );
    let staked = p
        .drafts
        .iter()
        .find(|x| x.line == 8)
        .expect("staking income");
    assert_eq!(
        (staked.kind, staked.asset.as_str(), staked.note.as_deref()),
        (TxKind::Income, "eth", Some("ETH2 on Coinbase"))
    );
    let reward = p.drafts.iter().find(|x| x.line == 9).expect("a reward");
    assert_eq!(
        (reward.kind, reward.asset.as_str()),
        (TxKind::Income, "atom")
    );
}

/// 2025: money as `€96,000.00` and `-€594.00`, times with ` UTC`.
const LAYOUT_2025: &str = "\
ID,Timestamp,Transaction Type,Asset,Quantity Transacted,Price Currency,Price at Transaction,Subtotal,Total (inclusive of fees and/or spread),Fees and/or Spread,Notes
b1,2025-01-07 19:26:56 UTC,Send,ETH2,-0.18,EUR,€3300.00,-€594.00,-€594.00,€0.00,Sent 0.18 ETH2s
b2,2025-01-07 19:26:56 UTC,Receive,ETH,0.18,EUR,€3300.00,€594.00,€594.00,€0.00,Received 0.18 ETHs
b3,2024-12-05 06:33:40 UTC,Convert,BTC,-0.004,EUR,\"€96,000.00\",€370.00,€384.00,,Converted 0.004 BTC to 160 XRP
b4,2023-05-28 06:23:38 UTC,Convert,ETH,-0.17,EUR,€1700.00,€289.00,€289.00,,Converted 0.17 ETH to 0.17 ETH2
b5,2022-03-25 06:45:27 UTC,Buy,BTC,0.002,EUR,€40000.00,€80.00,€82.99,€2.99,Bought 0.002 BTC for 82.99 EUR
b5,2022-03-25 06:45:27 UTC,Buy,BTC,0.002,USD,$44000.00,$88.00,$90.99,$2.99,Bought 0.002 BTC for 90.99 USD
b6,2023-12-29 20:32:17 UTC,Buy,EUR,10,EUR,€1.00,€10.00,€10.00,€0.00,Bought 10 EUR for 10 EUR
b7,2024-01-01 00:00:00 UTC,Send,BTC,-0.001,EUR,€40000.00,-€40.00,-€40.00,€0.00,Sent to bc1q
";

#[test]
fn a_convert_is_a_sale_and_a_buy_valued_at_the_rows_price() {
    let (_, p) = read(LAYOUT_2025, None);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let legs: Vec<_> = p
        .drafts
        .iter()
        .filter(|x| x.line == 4)
        .map(|x| {
            (
                x.kind,
                x.asset.as_str(),
                x.quantity,
                x.price,
                x.key.as_str(),
            )
        })
        .collect();
    assert_eq!(
        legs,
        [
            (
                TxKind::Sell,
                "btc",
                d("0.004"),
                Some(d("96000")),
                "coinbase|b3/sell"
            ),
            // 0.004 BTC at €96,000 is €384, for 160 XRP.
            (
                TxKind::Buy,
                "xrp",
                d("160"),
                Some(d("2.4")),
                "coinbase|b3/buy"
            ),
        ]
    );
    assert_eq!(
        p.drafts[0].note.as_deref(),
        Some("BTC → XRP trade; Converted 0.004 BTC to 160 XRP")
    );
}

#[test]
fn the_same_coin_under_two_names_moves_nothing() {
    let (_, p) = read(LAYOUT_2025, None);
    // ETH2 sent and ETH received at once, ETH converted to ETH2: staked
    // ether is ether, no holding changes and no cost is lost.
    assert_eq!(skipped_lines(&p), [2, 3, 5, 8]);
    assert!(
        p.skipped[0]
            .reason
            .starts_with("ETH2 sent and ETH received at once")
    );
    assert!(p.skipped[2].reason.contains("the same coin (ETH)"));
    assert_eq!(
        p.skipped[3].reason,
        "Buy of EUR for EUR: no coin changes hands"
    );
    let sent = p.drafts.iter().find(|x| x.line == 9).expect("a send");
    assert_eq!(
        (sent.kind, sent.quantity, sent.price),
        (TxKind::TransferOut, d("0.001"), None)
    );
}

#[test]
fn two_rows_of_one_id_are_two_transactions() {
    let (_, p) = read(LAYOUT_2025, None);
    let buys: Vec<_> = p
        .drafts
        .iter()
        .filter(|x| x.kind == TxKind::Buy && x.asset == "btc")
        .map(|x| (x.key.as_str(), x.currency.as_deref(), x.price))
        .collect();
    assert_eq!(
        buys,
        [
            ("coinbase|b5|eur", Some("eur"), Some(d("40000"))),
            ("coinbase|b5|usd", Some("usd"), Some(d("44000"))),
        ]
    );
}

#[test]
fn a_bad_row_is_its_own_error_and_the_rest_is_read() {
    let text = "\
ID,Timestamp,Transaction Type,Asset,Quantity Transacted,Price Currency,Price at Transaction,Subtotal,Total (inclusive of fees and/or spread),Fees and/or Spread,Notes
c1,2024-01-01 00:00:00 UTC,Teleport,BTC,1,EUR,€1.00,€1.00,€1.00,€0.00,
c2,2024-01-01 00:00:00 UTC,Buy,BTC,lots,EUR,€1.00,€1.00,€1.00,€0.00,
c3,2024-01-01 00:00:00 UTC,Buy,BTC,1,EUR,,,,,
c4,2024-01-01 00:00:00 UTC,Convert,BTC,-1,EUR,€1.00,€1.00,€1.00,,Converted it all
c5,2024-01-01 00:00:00 UTC,Buy,BTC,1,BTC,1,1,1,0,Bought 1 BTC for 1 BTC
c6,2024-01-01 00:00:00 UTC,Staking Income,SOL,0.1,EUR,€100.00,€10.00,€10.00,€0.00,
c7,2024-01-01 00:00:00 UTC,Buy,ETH,0,EUR,€1.00,€0.00,€0.00,€0.00,
";
    let (_, p) = read(text, None);
    let errors: Vec<(u64, &str)> = p
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_str()))
        .collect();
    assert_eq!(
        errors,
        [
            (2, "Transaction Type"),
            (3, "Quantity Transacted"),
            (4, "Price at Transaction"),
            (5, "Notes"),
            (6, "Price Currency"),
            (8, "Quantity Transacted"),
        ]
    );
    assert!(
        p.errors[0].reason.contains("'Teleport'"),
        "{}",
        p.errors[0].reason
    );
    assert_eq!(rows(&p), [(7, TxKind::Income, "sol", d("0.1"))]);
}
