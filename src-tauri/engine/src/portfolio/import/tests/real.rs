//! The real exports other projects test their importers with, read in
//! place from `shared/real/csv` beside the repository (never copied into
//! it; /work/shared/real/SOURCES.md says where each comes from and what
//! its project expects). A checkout without that folder skips these.

use chrono::{DateTime, Utc};

use super::*;

const REAL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/real/csv");

/// The file read and parsed, or `None` (said on stderr) when the folder of
/// real exports is absent.
fn real(path: &str) -> Option<(Format, Parsed)> {
    if !std::path::Path::new(REAL).is_dir() {
        eprintln!("skipped: no real exports at {REAL} (a checkout without shared/real)");
        return None;
    }
    let bytes = std::fs::read(format!("{REAL}/{path}")).expect("a real export");
    Some(parse(&bytes, None).expect("a known layout"))
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("a time")
}

/// `x` rounded to `dp` places, as the golden files print prices.
fn round(x: Option<Decimal>, dp: u32) -> Option<Decimal> {
    x.map(|x| x.round_dp(dp))
}

#[test]
fn ghostfoliosidekick_single_buy_alt_windows_1252_with_an_id() {
    // Buy ETH 0.00213232 @ 1810.23 EUR, fee 0.99 EUR, 2023-04-20T04:05:40Z,
    // id 6637ac0d7724c7009596c364.
    let Some((format, p)) = real("coinbase/ghostfoliosidekick_single_buy_alt.csv") else {
        return;
    };
    assert_eq!(format, Format::Coinbase);
    assert!(p.errors.is_empty() && p.skipped.is_empty(), "{p:?}");
    let [buy] = &p.drafts[..] else {
        panic!("one draft: {:?}", p.drafts);
    };
    assert_eq!(
        (buy.kind, buy.asset.as_str(), buy.quantity, buy.price),
        (TxKind::Buy, "eth", d("0.00213232"), Some(d("1810.23")))
    );
    assert_eq!(
        (
            buy.currency.as_deref(),
            buy.fee,
            buy.fee_currency.as_deref()
        ),
        (Some("eur"), Some(d("0.99")), Some("eur"))
    );
    assert_eq!(buy.time, at("2023-04-20T04:05:40Z"));
    assert_eq!(buy.key, "coinbase|6637ac0d7724c7009596c364");
    // The note's byte 0x80 is Windows-1252's euro sign.
    assert_eq!(
        buy.note.as_deref(),
        Some("Bought 0.00213232 ETH for €4.85 EUR")
    );
}

#[test]
fn ghostfoliosidekick_single_sell_2023_layout() {
    // Sell USDC 11.275271 @ 0.886900 EUR, 2023-07-14T10:40:14Z, no fee.
    let Some((_, p)) = real("coinbase/ghostfoliosidekick_single_sell.csv") else {
        return;
    };
    assert!(p.errors.is_empty() && p.skipped.is_empty(), "{p:?}");
    let [sell] = &p.drafts[..] else {
        panic!("one draft: {:?}", p.drafts);
    };
    assert_eq!(
        (sell.kind, sell.asset.as_str(), sell.quantity, sell.price),
        (TxKind::Sell, "usdc", d("11.275271"), Some(d("0.886900")))
    );
    assert_eq!((sell.currency.as_deref(), sell.fee), (Some("eur"), None));
    assert_eq!(sell.time, at("2023-07-14T10:40:14Z"));
    // The total the source asserts: 11.275271 × 0.8869 ≈ 10 EUR.
    assert_eq!(
        round(sell.price.map(|p| p * sell.quantity), 2),
        Some(d("10"))
    );
}

#[test]
fn ghostfoliosidekick_stake_reward_2025_layout() {
    // Staking reward ATOM 0.001588522705 at 2025-11-08T20:22:48Z, id
    // 690fa6983c920d2d896b469b.
    let Some((_, p)) = real("coinbase/ghostfoliosidekick_single_stakereward_alt_2025.csv") else {
        return;
    };
    assert!(p.errors.is_empty() && p.skipped.is_empty(), "{p:?}");
    let [reward] = &p.drafts[..] else {
        panic!("one draft: {:?}", p.drafts);
    };
    assert_eq!(
        (reward.kind, reward.asset.as_str(), reward.quantity),
        (TxKind::Income, "atom", d("0.001588522705"))
    );
    assert_eq!(reward.time, at("2025-11-08T20:22:48Z"));
    assert_eq!(reward.key, "coinbase|690fa6983c920d2d896b469b");
    assert_eq!(
        (reward.price, reward.currency.as_deref()),
        (Some(d("2.526483358")), Some("eur"))
    );
}

#[test]
fn ghostfoliosidekick_retail_staking_transfer_nets_to_nothing() {
    // The source books a sale and a buy of 0.556122 ATOM; for a tracker the
    // pair is one internal move: nothing held changes.
    let Some((_, p)) = real("coinbase/ghostfoliosidekick_retail_staking_transfer.csv") else {
        return;
    };
    assert!(p.errors.is_empty() && p.drafts.is_empty(), "{p:?}");
    assert_eq!(skipped_lines(&p), [5, 6]);
    assert!(
        p.skipped
            .iter()
            .all(|s| s.reason.starts_with("Retail Staking Transfer: ATOM")),
        "{:?}",
        p.skipped
    );
}

#[test]
fn ghostfoliosidekick_buy_eur_for_eur_imports_nothing() {
    // No activities at all.
    let Some((_, p)) = real("coinbase/ghostfoliosidekick_single_buyfiatfromfiat_bugCoinbase.csv")
    else {
        return;
    };
    assert!(p.errors.is_empty() && p.drafts.is_empty(), "{p:?}");
    assert_eq!(
        p.skipped,
        [Skipped {
            line: 9,
            reason: "Buy of EUR for EUR: no coin changes hands".into(),
        }]
    );
}

#[test]
fn export_to_ghostfolio_coinbase_sample() {
    // That tool counts 4 activities: the 2 staking incomes and the 2 buys
    // (it drops sends, receives and converts). Here the same 4, each
    // buy its own row despite the shared ID, and the converts as trades:
    // BTC for XRP is two legs at the row's price; ETH for ETH2, and ETH2
    // sent as ETH is received, move nothing.
    let Some((_, p)) = real("coinbase/export-to-ghostfolio_coinbase-export.csv") else {
        return;
    };
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let theirs: Vec<_> = p
        .drafts
        .iter()
        .filter(|x| !x.note.as_deref().is_some_and(|n| n.contains(" trade")))
        .map(|x| (x.kind, x.asset.as_str(), x.quantity, x.currency.as_deref()))
        .collect();
    assert_eq!(
        theirs,
        [
            (TxKind::Income, "eth", d("0.000037835729"), Some("eur")),
            (TxKind::Income, "eth", d("0.000022652183"), Some("eur")),
            (TxKind::Buy, "btc", d("0.00166779"), Some("eur")),
            (TxKind::Buy, "btc", d("0.00166779"), Some("usd")),
        ]
    );
    let keys: Vec<&str> = p.drafts.iter().map(|x| x.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "coinbase|678a8bdefcb176007bfdbXXX",
            "coinbase|67869271463b8adc50c0dXXX",
            "coinbase|67514944a3f9bf34890d8XXX/sell",
            "coinbase|67514944a3f9bf34890d8XXX/buy",
            "coinbase|623d6507925c200001fcbXXX|eur",
            "coinbase|623d6507925c200001fcbXXX|usd",
        ]
    );
    let (btc, xrp) = (&p.drafts[2], &p.drafts[3]);
    assert_eq!(
        (btc.kind, btc.asset.as_str(), btc.quantity, btc.price),
        (
            TxKind::Sell,
            "btc",
            d("0.00363125"),
            Some(d("96847.405873901104437015"))
        )
    );
    assert_eq!(
        (xrp.kind, xrp.asset.as_str(), xrp.quantity),
        (TxKind::Buy, "xrp", d("156.145683"))
    );
    // The XRP cost what the BTC was worth.
    assert_eq!(
        round(xrp.price.map(|p| p * xrp.quantity), 4),
        round(btc.price.map(|p| p * btc.quantity), 4)
    );
    assert_eq!(skipped_lines(&p), [4, 5, 7]);
}

#[test]
fn uabean_kraken_ledger_leaves_the_golden_usdc() {
    // Golden file: pending rows (no txid) ignored; +1000 USDC, moved to
    // staking and back as USDC.M (which is USDC); staking income
    // 1.12345678 USDC.M; 1001.12345678 held.
    let Some((format, p)) = real("kraken/uabean_ledgers.csv") else {
        return;
    };
    assert_eq!(format, Format::Kraken);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(
        rows(&p),
        [
            (3, TxKind::TransferIn, "usdc", d("1000")),
            (9, TxKind::Income, "usdc", d("1.12345678")),
        ]
    );
    assert_eq!(p.drafts[0].time, at("2000-01-01T08:57:47Z"));
    assert_eq!(p.drafts[1].time, at("2000-01-02T14:33:28Z"));
    assert_eq!(p.drafts[1].note.as_deref(), Some("USDC.M on Kraken"));
    assert_eq!(skipped_lines(&p), [2, 4, 5, 6, 7, 8]);
    let pending = p
        .skipped
        .iter()
        .filter(|s| s.reason.starts_with("pending"))
        .count();
    assert_eq!(pending, 4);
    let held = held(&p.drafts);
    assert_eq!(held.get("usdc"), Some(&d("1001.12345678")));
    assert_eq!(held.len(), 1);
}

#[test]
fn uabean_binance_statement_trades_match_the_golden_file() {
    // Golden: 2000-01-03 Buy 0.02034238 BTC for 931.42075454 BUSD (@
    // 45787.206538); 2000-01-07 Sell 421.34313399 MATIC for 747.2864421
    // USDT (@ 1.773582); and the others' prices alike.
    let Some((format, p)) = real("binance/uabean_binance_statement.csv") else {
        return;
    };
    assert_eq!(format, Format::BinanceStatement);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let on = |day: &str, kind: TxKind, asset: &str| {
        let time = at(&format!("{day}T00:00:00Z"));
        p.drafts
            .iter()
            .find(|x| x.time == time && x.kind == kind && x.asset == asset)
            .unwrap_or_else(|| panic!("{day} {kind:?} {asset}: {:?}", p.drafts))
    };
    let btc = on("2000-01-03", TxKind::Buy, "btc");
    let busd = on("2000-01-03", TxKind::Sell, "busd");
    assert_eq!(
        (btc.quantity, busd.quantity),
        (d("0.02034238"), d("931.42075454"))
    );
    assert_eq!(round(btc.price, 6), Some(d("45787.206538")));
    assert_eq!(busd.price, Some(d("1")));
    assert_eq!(
        btc.note.as_deref(),
        Some("BUSD → BTC trade; BUSD taken at 1 USD")
    );
    let matic = on("2000-01-07", TxKind::Sell, "matic");
    let usdt = on("2000-01-07", TxKind::Buy, "usdt");
    assert_eq!(
        (matic.quantity, usdt.quantity),
        (d("421.34313399"), d("747.2864421"))
    );
    assert_eq!(round(matic.price, 6), Some(d("1.773582")));
    // The golden prices of every other trade, in its quote (a dollar
    // stablecoin's are dollars here).
    for (day, kind, asset, currency, price) in [
        ("2000-01-04", TxKind::Buy, "usdt", "uah", "25.436643"),
        ("2000-01-06", TxKind::Buy, "matic", "usd", "1.412473"),
        ("2000-01-20", TxKind::Buy, "sol", "usd", "100.510204"),
        ("2000-01-21", TxKind::Sell, "sol", "usd", "184.736842"),
        ("2000-01-27", TxKind::Sell, "pol", "usd", "0.228571"),
    ] {
        let x = on(day, kind, asset);
        assert_eq!(
            (x.currency.as_deref(), round(x.price, 6)),
            (Some(currency), Some(d(price))),
            "{day} {asset}"
        );
    }
    // The dust conversions' BNB, each by what paid for it.
    let bnb: Vec<_> = p
        .drafts
        .iter()
        .filter(|x| x.asset == "bnb" && x.kind == TxKind::Buy)
        .map(|x| (x.quantity, x.currency.as_deref(), round(x.price, 6)))
        .collect();
    assert_eq!(
        bnb,
        [
            (d("0.00007906"), Some("uah"), Some(d("10975.145586"))),
            (d("0.01375134"), Some("usd"), Some(d("432.820175"))),
            (d("0.00051234"), None, None),
            (d("0.00298765"), Some("usd"), Some(d("257.240042"))),
            (d("0.00003589"), None, None),
        ]
    );
    // The fee of the USDT bought with UAH is on it, in USDT.
    let bought = on("2000-01-04", TxKind::Buy, "usdt");
    assert_eq!(
        (bought.fee, bought.fee_currency.as_deref()),
        (Some(d("0.97265207")), Some("usdt"))
    );
    // Earn's and Funding's moves change nothing held; USD is cash.
    assert_eq!(skipped_lines(&p), [2, 26, 27, 28, 29, 30, 33, 49, 50]);
    let income = p.drafts.iter().filter(|x| x.kind == TxKind::Income).count();
    assert_eq!(income, 10);
}
