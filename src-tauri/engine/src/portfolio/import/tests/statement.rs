//! Binance's transaction statement: a trade's legs grouped by their time,
//! transfers, income, and moves between Binance's own accounts.

use super::*;

const STATEMENT: &str = "\
User_ID,UTC_Time,Account,Operation,Coin,Change,Remark
1,2024-02-01 00:00:00,Spot,Deposit,USDT,1000,
1,2024-02-02 10:00:00,Spot,Transaction Spend,USDT,-500,
1,2024-02-02 10:00:00,Spot,Transaction Buy,BTC,0.01,
1,2024-02-02 10:00:00,Spot,Transaction Fee,BNB,-0.001,
1,2024-02-02 10:00:01,Spot,Buy,ETH,0.5,
1,2024-02-02 10:00:01,Spot,Buy,BTC,-0.005,
1,2024-02-02 10:00:01,Spot,Fee,ETH,-0.0005,
1,2024-02-03 00:00:00,Spot,Transaction Sold,ETH,-0.2,
1,2024-02-03 00:00:00,Spot,Transaction Revenue,EUR,600,
1,2024-02-04 00:00:00,Spot,Small Assets Exchange BNB,BNB,0.002,DOGE to BNB
1,2024-02-04 00:00:00,Spot,Small Assets Exchange BNB,BNB,0.001,SHIB to BNB
1,2024-02-04 00:00:00,Spot,Small Assets Exchange BNB,SHIB,-100000,SHIB to BNB
1,2024-02-04 00:00:00,Spot,Small Assets Exchange BNB,DOGE,-5,DOGE to BNB
1,2024-02-05 00:00:00,Earn,Simple Earn Flexible Subscription,USDT,-400,
1,2024-02-05 00:00:00,Earn,Simple Earn Flexible Redemption,USDT,400,
1,2024-02-06 00:00:00,Funding,Transfer Between Main and Funding Wallet,USDT,100,
1,2024-02-06 00:00:00,Spot,Transfer Between Main and Funding Wallet,USDT,-100,
1,2024-02-07 00:00:00,Spot,Staking Rewards,DOT,0.1,
1,2024-02-08 00:00:00,Spot,Airdrop Assets,ARB,5,
1,2024-02-09 00:00:00,Spot,Withdraw,BTC,-0.005,
1,2024-02-10 00:00:00,Spot,Binance Convert,USDT,-50,
1,2024-02-10 00:00:00,Spot,Binance Convert,SOL,0.5,
1,2024-02-11 00:00:00,Spot,Fiat Deposit,EUR,100,
1,2024-02-12 00:00:00,Spot,Teleport,BTC,1,
1,2024-02-13 00:00:00,Spot,Buy,XRP,10,
1,2024-02-14 00:00:00,Spot,P2P Trading,USDT,-200,
1,2024-02-15 00:00:00,Spot,Distribution,ETHW,0.3,
1,2024-02-16 00:00:00,Spot,Simple Earn Flexible Interest,USDT,0.2,
1,2024-02-17 00:00:00,Spot,Token Swap - Distribution,POL,5,
1,2024-02-17 00:00:00,Spot,Asset Recovery,MATIC,-5,
1,2024-02-18 00:00:00,Spot,Deposit,BTC,abc,
";

#[test]
fn the_statement_groups_a_trades_legs_by_time() {
    let (format, p) = read(STATEMENT, None);
    assert_eq!(format, Format::BinanceStatement);
    assert_eq!(
        p.errors
            .iter()
            .map(|e| (e.line, e.column.as_str()))
            .collect::<Vec<_>>(),
        [(25, "Operation"), (32, "Change")]
    );
    assert_eq!(
        rows(&p),
        [
            (2, TxKind::TransferIn, "usdt", d("1000")),
            (3, TxKind::Sell, "usdt", d("500")),
            (4, TxKind::Buy, "btc", d("0.01")),
            (6, TxKind::Buy, "eth", d("0.5")),
            (7, TxKind::Sell, "btc", d("0.005")),
            (9, TxKind::Sell, "eth", d("0.2")),
            (11, TxKind::Buy, "bnb", d("0.002")),
            (12, TxKind::Buy, "bnb", d("0.001")),
            (13, TxKind::Sell, "shib", d("100000")),
            (14, TxKind::Sell, "doge", d("5")),
            (19, TxKind::Income, "dot", d("0.1")),
            (20, TxKind::Income, "arb", d("5")),
            (21, TxKind::TransferOut, "btc", d("0.005")),
            (22, TxKind::Sell, "usdt", d("50")),
            (23, TxKind::Buy, "sol", d("0.5")),
            (26, TxKind::Buy, "xrp", d("10")),
            (27, TxKind::Sell, "usdt", d("200")),
            (28, TxKind::Income, "ethw", d("0.3")),
            (29, TxKind::Income, "usdt", d("0.2")),
            (30, TxKind::TransferIn, "pol", d("5")),
            (31, TxKind::TransferOut, "matic", d("5")),
        ]
    );
    // Earn's subscription and redemption, the wallet transfer and a fiat
    // deposit hold nothing new.
    assert_eq!(skipped_lines(&p), [15, 16, 17, 18, 24]);
    assert!(
        p.skipped[0]
            .reason
            .contains("between Binance's own accounts")
    );
    let held = held(&p.drafts);
    assert_eq!(held.get("btc"), Some(&d("0")));
    assert_eq!(held.get("usdt"), Some(&d("250.2")));
}

#[test]
fn a_trades_price_comes_from_its_legs() {
    let (_, p) = read(STATEMENT, None);
    let at = |line: u64| p.drafts.iter().find(|x| x.line == line).expect("a draft");
    // USDT spent for BTC: the USDT at a dollar, the BTC at 500 / 0.01.
    let (usdt, btc) = (at(3), at(4));
    assert_eq!((usdt.price, btc.price), (Some(d("1")), Some(d("50000"))));
    assert_eq!(btc.currency.as_deref(), Some("usd"));
    assert_eq!(
        (usdt.fee, usdt.fee_currency.as_deref()),
        (Some(d("0.001")), Some("bnb"))
    );
    assert_eq!(
        btc.note.as_deref(),
        Some("USDT → BTC trade; USDT taken at 1 USD")
    );
    assert_eq!(usdt.key, "binance_statement|2024-02-02 10:00:00|trade/sell");
    // BTC for ETH: no fiat side, unpriced, the ETH fee on the ETH.
    let (eth, sold_btc) = (at(6), at(7));
    assert_eq!((eth.price, sold_btc.price), (None, None));
    assert_eq!(
        (eth.fee, eth.fee_currency.as_deref()),
        (Some(d("0.0005")), Some("eth"))
    );
    // ETH sold for EUR: one sale at 600 / 0.2.
    let sold = at(9);
    assert_eq!(
        (sold.price, sold.currency.as_deref()),
        (Some(d("3000")), Some("eur"))
    );
    // The dust conversion's BNB paired by the remarks.
    assert_eq!(at(11).note.as_deref(), Some("DOGE → BNB trade"));
    assert_eq!(at(12).note.as_deref(), Some("SHIB → BNB trade"));
    assert_eq!(at(14).time, at(11).time);
    // A convert from USDT: at a dollar, SOL at 50 / 0.5.
    assert_eq!(at(23).price, Some(d("100")));
    // A buy with no other side in the file: unpriced, said so.
    let lone = at(26);
    assert_eq!(lone.price, None);
    assert!(
        lone.note
            .as_deref()
            .is_some_and(|n| n.contains("not in the statement")),
        "{:?}",
        lone.note
    );
    // USDT sold person to person: a sale at a dollar.
    let p2p = at(27);
    assert_eq!(
        (p2p.price, p2p.currency.as_deref()),
        (Some(d("1")), Some("usd"))
    );
}

#[test]
fn dust_without_remarks_pairs_in_the_order_it_comes() {
    let text = "\
User_ID,UTC_Time,Account,Operation,Coin,Change,Remark
1,2024-03-01 00:00:00,Spot,Small assets exchange BNB,BNB,0.0001,
1,2024-03-01 00:00:00,Spot,Small assets exchange BNB,BNB,0.0002,
1,2024-03-01 00:00:00,Spot,Small assets exchange BNB,ADA,-1,
1,2024-03-01 00:00:00,Spot,Small assets exchange BNB,XLM,-2,
1,2024-03-01 00:00:00,Spot,Buy,BTC,0.001,
1,2024-03-01 00:00:00,Spot,Buy,BTC,0.002,
1,2024-03-01 00:00:00,Spot,Buy,USDC,-30,
1,2024-03-01 00:00:00,Spot,Buy,USDC,-60,
";
    let (_, p) = read(text, None);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let notes: Vec<(u64, &str)> = p
        .drafts
        .iter()
        .map(|x| (x.line, x.note.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        &notes[..4],
        [
            (2, "ADA → BNB trade"),
            (3, "XLM → BNB trade"),
            (4, "ADA → BNB trade"),
            (5, "XLM → BNB trade"),
        ]
    );
    // A spot trade filled twice in that second is one trade, apart from
    // the dust: its rows summed.
    let btc: Vec<_> = p
        .drafts
        .iter()
        .filter(|x| x.asset == "btc" || x.asset == "usdc")
        .map(|x| (x.line, x.kind, x.quantity, x.price))
        .collect();
    assert_eq!(
        btc,
        [
            (6, TxKind::Buy, d("0.003"), Some(d("30000"))),
            (8, TxKind::Sell, d("90"), Some(d("1"))),
        ]
    );
}
