//! The past an import or a typed transaction lacks, fetched instead of
//! asked for: a day's exchange rate from the ECB's reference rates
//! (Frankfurter's wire format), an old coin price from the exchanges'
//! daily candles (Coinbase's), each from its fake on 127.0.0.1 through
//! its configurable base URL.

use chrono::NaiveDate;
use coinlytics_tests::{ExchangeKind, FakeCoinGecko, FakeEcb, FakeExchange};
use rust_decimal::Decimal;

use crate::util::{Run, User, eth_income};

/// The real exports, read where they lie (never copied into the repository).
const REAL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/real/csv");

fn day(s: &str) -> NaiveDate {
    s.parse().expect("a day")
}

fn d(s: &str) -> Decimal {
    s.parse().expect("a decimal")
}

/// To the cent, as the holdings round.
fn cents(x: Decimal) -> String {
    let mut c = x.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    c.rescale(2);
    c.to_string()
}

/// `coinlytics args…` with the past's sources at these fakes.
fn run(user: &User, args: &[&str], ecb: &FakeEcb, coinbase: &FakeExchange) -> Run {
    let env = [
        ("COINLYTICS_ECB_URL".to_string(), ecb.url()),
        ("COINLYTICS_COINBASE_URL".to_string(), coinbase.rest_url()),
    ];
    tokio::task::block_in_place(|| user.run_piped(args, None, &env))
}

/// The fakes of the past's sources: the ECB's rates, Coinbase's candles.
async fn sources() -> (FakeEcb, FakeExchange) {
    (
        FakeEcb::start().await,
        FakeExchange::start(ExchangeKind::Coinbase).await,
    )
}

fn holding(user_holdings: &serde_json::Value, coin: &str) -> serde_json::Value {
    (user_holdings["holdings"].as_array().expect("holdings"))
        .iter()
        .find(|h| h["coin"] == coin)
        .cloned()
        .unwrap_or_else(|| panic!("no {coin} in {user_holdings}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_euro_coinbase_file_imports_in_dollars_at_the_ecbs_rate_of_its_day() {
    let file = format!("{REAL}/coinbase/ghostfoliosidekick_single_buy_alt.csv");
    if !std::path::Path::new(&file).exists() {
        eprintln!("skipped: no real exports at {REAL}");
        return;
    }
    let fake = FakeCoinGecko::start().await;
    let (ecb, coinbase) = sources().await;
    ecb.set_rate_on("USD", day("2023-04-20"), "1.0965");
    let user = User::new(&fake.base_url());
    // Bought 0.00213232 ETH at 1,810.23 EUR with a 0.99 EUR fee on
    // 2023-04-20, more than a year ago: no CoinGecko history reaches it,
    // the ECB's rate that day does.
    let r = run(
        &user,
        &["portfolio", "import", &file, "--portfolio", "Coinbase"],
        &ecb,
        &coinbase,
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("1 added"), "{}", r.stdout);
    assert_eq!(ecb.requests(), 1, "{:?}", ecb.asked());
    assert!(
        ecb.asked()[0].contains("base=EUR&symbols=USD"),
        "{:?}",
        ecb.asked()
    );
    let h = user
        .run(&["portfolio", "holdings", "--json"])
        .await
        .ok()
        .json();
    // (0.00213232 × 1,810.23 + 0.99) × 1.0965 = 5.3180… → 5.32.
    let cost = (d("0.00213232") * d("1810.23") + d("0.99")) * d("1.0965");
    assert_eq!(holding(&h, "ethereum")["cost_basis"], cents(cost), "{h}");
    assert_eq!(h["totals"]["incomplete"], false);
    // The rate is said where the transaction is listed.
    let page = user.run(&["portfolio", "ls"]).await.ok();
    assert!(page.stdout.contains("EUR"), "{}", page.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn old_income_is_valued_at_the_exchanges_close_in_dollars_then_the_ecbs_rate() {
    let fake = FakeCoinGecko::start().await;
    let (ecb, coinbase) = sources().await;
    coinbase.set_daily_close("ETH-USD", day("2021-06-01"), "2500.00");
    ecb.set_rate_on("USD", day("2021-06-01"), "1.2225");
    let user = User::new(&fake.base_url());
    user.run(&["config", "set", "currency", "eur"]).await.ok();
    // Staking income typed without a price, years ago: its close in
    // dollars from Coinbase's candles, then the dollar in euros that day.
    let r = run(&user, &eth_income("2021-06-01"), &ecb, &coinbase);
    assert_eq!(r.code, 0, "{r:?}");
    let asked = coinbase.history_requests();
    assert!(
        asked.iter().any(|a| a.contains("ETH-USD/candles")),
        "{asked:?}"
    );
    assert_eq!(ecb.requests(), 1, "{:?}", ecb.asked());
    let h = user
        .run(&["portfolio", "holdings", "--json"])
        .await
        .ok()
        .json();
    // 0.1 × 2,500 USD ÷ 1.2225 USD per EUR = 204.4989… → 204.50 EUR.
    let cost = d("2500") * (Decimal::ONE / d("1.2225")) * d("0.1");
    assert_eq!(holding(&h, "ethereum")["cost_basis"], cents(cost), "{h}");

    // Offline (the sources down), a transaction no stored price values
    // is refused with why: the fetch that failed.
    drop(coinbase);
    let offline = user.run(&eth_income("2020-03-01")).await;
    assert_ne!(offline.code, 0, "{offline:?}");
    assert!(
        offline.stderr.contains("give its price (--price)")
            && offline
                .stderr
                .contains("could not fetch ethereum's daily prices from the exchanges"),
        "{}",
        offline.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kraken_ledger_from_before_its_coins_history_keeps_its_rows_of_unknown_value() {
    let file = format!("{REAL}/kraken/uabean_ledgers.csv");
    if !std::path::Path::new(&file).exists() {
        eprintln!("skipped: no real exports at {REAL}");
        return;
    }
    let fake = FakeCoinGecko::start().await;
    let (ecb, coinbase) = sources().await;
    let user = User::new(&fake.base_url());
    // Dated 2000 (anonymised): no source has a USDC price then. The file
    // goes in all the same, its quantities right.
    let r = run(
        &user,
        &["portfolio", "import", &file, "--portfolio", "Kraken"],
        &ecb,
        &coinbase,
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("kept, value unknown"), "{}", r.stdout);
    let h = user
        .run(&["portfolio", "holdings", "--json"])
        .await
        .ok()
        .json();
    // The golden file's balance: 1,001.12345678 USDC (staked).
    assert_eq!(holding(&h, "usd-coin")["quantity"], "1001.12345678", "{h}");
    assert_eq!(holding(&h, "usd-coin")["incomplete"], true, "{h}");
    assert!(!h["value_unknown"].as_array().expect("list").is_empty());
}
