//! The portfolio through the real `coinlytics` binary: every figure is the
//! hand-worked fixture of `engine/src/portfolio/basis/tests.rs`, here
//! through the store, the application layer and the CLI's JSON.

use crate::util::{User, eth_income};
use coinlytics_tests::FakeCoinGecko;
use serde_json::Value;

/// Three buys of 1 BTC (at 10,000 with a 10 USD fee, 20,000, 15,000) and a
/// sale of 1.5 at 30,000 with a 30 USD fee; bitcoin now at 40,000.
async fn three_buys_and_a_sale() -> (FakeCoinGecko, User) {
    let fake = FakeCoinGecko::start().await;
    fake.set_price("bitcoin", 40_000.0);
    let user = User::new(&fake.base_url());
    user.run(&["prices", "--coins", "bitcoin"]).await.ok();
    for args in [
        [
            "--type",
            "buy",
            "--qty",
            "1",
            "--price",
            "10000",
            "--fee",
            "10",
            "--time",
            "2024-01-01",
        ],
        [
            "--type",
            "buy",
            "--qty",
            "1",
            "--price",
            "20000",
            "--fee",
            "0",
            "--time",
            "2024-01-02",
        ],
        [
            "--type",
            "buy",
            "--qty",
            "1",
            "--price",
            "15000",
            "--fee",
            "0",
            "--time",
            "2024-01-03",
        ],
        [
            "--type",
            "sell",
            "--qty",
            "1.5",
            "--price",
            "30000",
            "--fee",
            "30",
            "--time",
            "2024-01-04",
        ],
    ] {
        let mut argv = vec![
            "portfolio",
            "add",
            "--portfolio",
            "Exchange",
            "--coin",
            "btc",
        ];
        argv.extend(args);
        user.run(&argv).await.ok();
    }
    (fake, user)
}

fn field<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} in {v}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn holdings_by_each_method_are_the_hand_worked_figures_to_the_cent() {
    let (_fake, user) = three_buys_and_a_sale().await;
    // (method, cost of the 1.5 left, realized, unrealized at 40,000 = 60,000 − cost)
    let expected = [
        ("fifo", "25000.00", "24960.00", "35000.00"),
        ("lifo", "20010.00", "19970.00", "39990.00"),
        ("hifo", "17510.00", "17470.00", "42490.00"),
        ("average", "22505.00", "22465.00", "37495.00"),
    ];
    for (method, cost, realized, unrealized) in expected {
        let h = user
            .run(&["portfolio", "holdings", "--method", method, "--json"])
            .await
            .ok()
            .json();
        let btc = &h["holdings"][0];
        assert_eq!(field(btc, "coin"), "bitcoin");
        assert_eq!(field(btc, "quantity"), "1.5");
        assert_eq!(field(btc, "market_value"), "60000.00", "{method}");
        assert_eq!(field(btc, "cost_basis"), cost, "{method}");
        assert_eq!(field(btc, "realized_pnl"), realized, "{method}");
        assert_eq!(field(btc, "unrealized_pnl"), unrealized, "{method}");
        assert_eq!(field(&h["totals"], "realized_pnl"), realized, "{method}");
        assert_eq!(field(&h["totals"], "market_value"), "60000.00");
    }
    // Without --method each portfolio uses its own (FIFO until set).
    let h = user
        .run(&["portfolio", "holdings", "--json"])
        .await
        .ok()
        .json();
    assert_eq!(field(&h["holdings"][0], "cost_basis"), "25000.00");
    user.run(&["portfolio", "method", "exchange", "hifo"])
        .await
        .ok();
    let h = user
        .run(&["portfolio", "holdings", "--json"])
        .await
        .ok()
        .json();
    assert_eq!(field(&h["holdings"][0], "cost_basis"), "17510.00");

    // What-if: selling 1 more at 40,000, each method's history replayed.
    // FIFO takes ½ B + ½ C = 17,500: +22,500; LIFO ½ B + ½ A = 15,005:
    // +24,995; HIFO ½ C + ½ A = 12,505: +27,495; average 22,505 / 1.5 =
    // 15,003.33…: +24,996.67.
    let w = user
        .run(&["portfolio", "whatif", "btc", "1", "--json"])
        .await
        .ok()
        .json();
    let gains: Vec<(&str, &str)> = w["gains"]
        .as_array()
        .expect("gains")
        .iter()
        .map(|g| (field(g, "method"), field(g, "gain")))
        .collect();
    assert_eq!(
        gains,
        [
            ("fifo", "22500.00"),
            ("lifo", "24995.00"),
            ("hifo", "27495.00"),
            ("average", "24996.67")
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn selling_more_than_held_is_refused_naming_the_coin_the_day_and_the_shortfall() {
    let (_fake, user) = three_buys_and_a_sale().await;
    let run = user
        .run(&[
            "portfolio",
            "add",
            "--portfolio",
            "Exchange",
            "--type",
            "sell",
            "--coin",
            "btc",
            "--qty",
            "2",
            "--price",
            "30000",
            "--time",
            "2024-01-05",
        ])
        .await;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("Exchange sells 2 bitcoin on 2024-01-05 but holds 1.5 then: 0.5 short"),
        "{}",
        run.stderr
    );
    // Nothing was stored; a sale dated before the buys is short too.
    assert_eq!(
        user.run(&["portfolio", "ls", "--json"])
            .await
            .ok()
            .json()
            .as_array()
            .map(Vec::len),
        Some(4)
    );
    let early = user
        .run(&[
            "portfolio",
            "add",
            "--portfolio",
            "Exchange",
            "--type",
            "sell",
            "--coin",
            "btc",
            "--qty",
            "0.1",
            "--price",
            "9000",
            "--time",
            "2023-12-31",
        ])
        .await;
    assert!(
        early.stderr.contains("holds 0 then: 0.1 short"),
        "{}",
        early.stderr
    );
    // Removing a buy the sale needed is refused as well.
    let tx = user.run(&["portfolio", "ls", "--json"]).await.ok().json();
    let first = tx[0]["id"].as_i64().expect("id");
    user.run(&[
        "portfolio",
        "add",
        "--portfolio",
        "Exchange",
        "--type",
        "sell",
        "--coin",
        "btc",
        "--qty",
        "1.5",
        "--price",
        "1",
        "--time",
        "2024-01-06",
    ])
    .await
    .ok();
    let rm = user.run(&["portfolio", "rm", &first.to_string()]).await;
    assert_eq!(rm.code, 2, "{rm:?}");
    assert!(
        rm.stderr.contains("would leave a later transaction short"),
        "{}",
        rm.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_transfer_between_portfolios_keeps_the_lots_cost_and_dates() {
    let (_fake, user) = three_buys_and_a_sale().await;
    // Drop the sale: Exchange holds A (10,010), B (20,000), C (15,000).
    let txs = user.run(&["portfolio", "ls", "--json"]).await.ok().json();
    let sale = txs[3]["id"].as_i64().expect("id").to_string();
    user.run(&["portfolio", "rm", &sale]).await.ok();
    user.run(&["portfolio", "method", "Exchange", "lifo"])
        .await
        .ok();
    // LIFO sends C and half of B (15,000 + 10,000) to Ledger (FIFO there).
    user.run(&[
        "portfolio",
        "add",
        "--portfolio",
        "Exchange",
        "--type",
        "transfer_out",
        "--coin",
        "btc",
        "--qty",
        "1.5",
        "--to",
        "Ledger",
        "--time",
        "2024-01-04",
    ])
    .await
    .ok();
    let ledger = user
        .run(&["portfolio", "holdings", "--portfolio", "ledger", "--json"])
        .await
        .ok()
        .json();
    assert_eq!(field(&ledger["holdings"][0], "cost_basis"), "25000.00");
    assert_eq!(
        field(&ledger["holdings"][0], "realized_pnl"),
        "0.00",
        "a transfer is no disposal"
    );
    // Ledger's FIFO sale of 0.25 at 30,000 takes from B (day 2): 7,500 − 5,000.
    user.run(&[
        "portfolio",
        "add",
        "--portfolio",
        "Ledger",
        "--type",
        "sell",
        "--coin",
        "btc",
        "--qty",
        "0.25",
        "--price",
        "30000",
        "--time",
        "2024-01-05",
    ])
    .await
    .ok();
    let ledger = user
        .run(&["portfolio", "holdings", "--portfolio", "Ledger", "--json"])
        .await
        .ok()
        .json();
    assert_eq!(field(&ledger["holdings"][0], "realized_pnl"), "2500.00");
    assert_eq!(field(&ledger["holdings"][0], "cost_basis"), "20000.00");
    let exchange = user
        .run(&["portfolio", "holdings", "--portfolio", "Exchange", "--json"])
        .await
        .ok()
        .json();
    assert_eq!(field(&exchange["holdings"][0], "cost_basis"), "20010.00");
    assert_eq!(field(&exchange["holdings"][0], "quantity"), "1.5");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_named_and_nothing_is_stored() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    let base = ["portfolio", "add", "--portfolio", "P", "--coin", "btc"];
    for (args, says) in [
        (vec!["--type", "buy", "--qty", "1"], "a buy needs a price"),
        (
            vec!["--type", "swap", "--qty", "1", "--price", "1"],
            "'swap' is not a transaction type",
        ),
        (
            vec!["--type", "buy", "--qty", "-1", "--price", "1"],
            "the quantity must be above 0",
        ),
        (
            vec!["--type", "buy", "--qty", "1e16", "--price", "1"],
            "at most 1000000000000000, not 1e16",
        ),
        (
            vec![
                "--type",
                "buy",
                "--qty",
                "1",
                "--price",
                "1",
                "--currency",
                "btc",
            ],
            "'btc' is not a fiat currency",
        ),
        (
            vec![
                "--type",
                "buy",
                "--qty",
                "1",
                "--price",
                "1",
                "--time",
                "yesterday",
            ],
            "'yesterday' is not a time",
        ),
        (
            vec!["--type", "sell", "--qty", "1", "--price", "1", "--to", "Q"],
            "only a transfer_out goes to another portfolio",
        ),
    ] {
        let mut argv = base.to_vec();
        argv.extend(args);
        let run = user.run(&argv).await;
        assert_eq!(run.code, 2, "{argv:?}: {run:?}");
        assert!(run.stderr.contains(says), "{argv:?}: {}", run.stderr);
    }
    // Income with no price, none stored for that day and none fetched (the
    // exchanges' candles are unreachable): said how to give one, and why.
    let income = user.run(&eth_income("2024-01-01")).await;
    assert_ne!(income.code, 0);
    assert!(
        income.stderr.contains(
            "cannot value it: income ethereum on 2024-01-01: no price of ethereum in USD near 2024-01-01"
        ) && income.stderr.contains("give its price (--price)")
            && income.stderr.contains("could not fetch ethereum's daily prices from the exchanges"),
        "{}",
        income.stderr
    );
    assert_eq!(
        user.run(&["portfolio", "ls", "--json"]).await.ok().json(),
        serde_json::json!([])
    );
}

fn fixture(name: &str) -> String {
    format!("{}/fixtures/portfolio/{name}", env!("CARGO_MANIFEST_DIR"))
}

async fn count(user: &User, portfolio: &str) -> usize {
    let v = user
        .run(&["portfolio", "ls", "--portfolio", portfolio, "--json"])
        .await;
    if v.code != 0 {
        return 0;
    }
    v.json().as_array().map_or(0, Vec::len)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_coinbase_export_previews_imports_once_and_adds_nothing_again() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    let file = fixture("coinbase-2024.csv");
    let preview = user
        .run(&[
            "portfolio",
            "import",
            &file,
            "--portfolio",
            "Coinbase",
            "--dry-run",
            "--json",
        ])
        .await
        .ok()
        .json();
    assert_eq!(preview["format"], "coinbase");
    assert_eq!(preview["committed"], false);
    // A buy of ETH, a buy, a sale, staking, a Convert (a sale and a buy), a send;
    // the USD deposit is cash and skipped.
    assert_eq!(
        preview["added"].as_array().map(Vec::len),
        Some(7),
        "{preview}"
    );
    assert_eq!(preview["skipped"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        count(&user, "Coinbase").await,
        0,
        "a dry run writes nothing"
    );

    let done = user
        .run(&["portfolio", "import", &file, "--portfolio", "Coinbase"])
        .await
        .ok();
    assert!(
        done.stdout
            .contains("7 added, 0 already imported, 1 skipped"),
        "{}",
        done.stdout
    );
    let again = user
        .run(&["portfolio", "import", &file, "--portfolio", "Coinbase"])
        .await
        .ok();
    assert!(
        again.stdout.contains("0 added, 7 already imported"),
        "{}",
        again.stdout
    );
    assert_eq!(count(&user, "Coinbase").await, 7);

    // BTC: 0.5 − 0.2 + 0.024 − 0.1 = 0.224; ETH: 1 + 0.01 − 0.5 = 0.51.
    // ETH's realized gain (FIFO): 0.5 of the 2,210 lot costs 1,105, sold
    // for 0.5 × 2,400 = 1,200: +95. BTC's: 0.2 of the 21,700 lot costs
    // 8,680, sold for 10,000 − 100: +1,220.
    let h = user
        .run(&["portfolio", "holdings", "--json"])
        .await
        .ok()
        .json();
    let line = |coin: &str| {
        h["holdings"]
            .as_array()
            .expect("holdings")
            .iter()
            .find(|x| x["coin"] == coin)
            .cloned()
            .expect(coin)
    };
    assert_eq!(field(&line("bitcoin"), "quantity"), "0.224");
    assert_eq!(field(&line("bitcoin"), "realized_pnl"), "1220.00");
    assert_eq!(field(&line("ethereum"), "quantity"), "0.51");
    assert_eq!(field(&line("ethereum"), "realized_pnl"), "95.00");
}

#[tokio::test(flavor = "multi_thread")]
async fn kraken_and_binance_exports_import_the_same_trades() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    let k = user
        .run(&[
            "portfolio",
            "import",
            &fixture("kraken-ledgers.csv"),
            "--portfolio",
            "Kraken",
            "--json",
        ])
        .await
        .ok()
        .json();
    assert_eq!(
        (k["format"].as_str(), k["added"].as_array().map(Vec::len)),
        (Some("kraken"), Some(3)),
        "{k}"
    );
    let b = user
        .run(&[
            "portfolio",
            "import",
            &fixture("binance-trades.csv"),
            "--portfolio",
            "Binance",
            "--json",
        ])
        .await
        .ok()
        .json();
    assert_eq!(
        (b["format"].as_str(), b["added"].as_array().map(Vec::len)),
        (Some("binance"), Some(2)),
        "{b}"
    );
    // Kraken: 0.5 BTC for 21,500 + 34.40; 0.2 sold for 10,000 − 16: cost
    // 8,613.76, gain 1,370.24; 0.1 withdrawn.
    let kh = user
        .run(&["portfolio", "holdings", "--portfolio", "Kraken", "--json"])
        .await
        .ok()
        .json();
    assert_eq!(field(&kh["holdings"][0], "realized_pnl"), "1370.24");
    // Binance: 21,500 + 21.50 for 0.5; 0.2 sold for 10,000 − 10: cost
    // 8,608.60, gain 1,381.40.
    let bh = user
        .run(&["portfolio", "holdings", "--portfolio", "Binance", "--json"])
        .await
        .ok()
        .json();
    assert_eq!(field(&bh["holdings"][0], "realized_pnl"), "1381.40");
    assert_eq!(field(&bh["holdings"][0], "quantity"), "0.3");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fee_in_a_coin_no_source_values_keeps_its_row_of_unknown_value_until_priced() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    // Kraken took 0.0001 BTC for the withdrawal: a disposal at BTC's price
    // that day, which nothing stored gives and no source can fetch here
    // (the exchanges' candles are unreachable).
    let text = std::fs::read_to_string(fixture("kraken-ledgers.csv"))
        .expect("fixture")
        .replace(
            "\"-0.1000000000\",\"0.0000000000\"",
            "\"-0.1000000000\",\"0.0001000000\"",
        );
    let file = user.data_dir().join("kraken-fee.csv");
    std::fs::create_dir_all(user.data_dir()).expect("dir");
    std::fs::write(&file, text).expect("write");
    let path = file.to_str().expect("utf-8");
    let run = user
        .run(&["portfolio", "import", path, "--portfolio", "Kraken"])
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("line 7: kept, value unknown: transfer_out bitcoin on 2024-02-05: no price of bitcoin in USD near 2024-02-05 to value the fee paid in it"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr
            .contains("could not fetch bitcoin's daily prices from the exchanges"),
        "{}",
        run.stderr
    );
    let imported = count(&user, "Kraken").await;
    assert!(imported > 0);
    // The holdings count every unit; the gain the fee's disposal makes
    // is marked incomplete, and the transaction named.
    let h = user
        .run(&["portfolio", "holdings", "--portfolio", "Kraken", "--json"])
        .await
        .ok()
        .json();
    assert_eq!(h["totals"]["incomplete"], true, "{h}");
    let unknown = h["value_unknown"].as_array().expect("list");
    assert_eq!(unknown.len(), 1, "{h}");
    let id = unknown[0]["tx"].as_i64().expect("id").to_string();
    let table = user
        .run(&["portfolio", "holdings", "--portfolio", "Kraken"])
        .await
        .ok();
    assert!(
        table
            .stdout
            .contains("* incomplete: 1 transaction(s) of unknown value"),
        "{}",
        table.stdout
    );
    // Its price given later: complete.
    user.run(&["portfolio", "edit", &id, "--price", "42000"])
        .await
        .ok();
    let h = user
        .run(&["portfolio", "holdings", "--portfolio", "Kraken", "--json"])
        .await
        .ok()
        .json();
    assert_eq!(h["totals"]["incomplete"], false, "{h}");
    assert_eq!(h["value_unknown"], serde_json::json!([]), "{h}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_with_bad_rows_imports_nothing_and_names_every_one() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    let run = user
        .run(&[
            "portfolio",
            "import",
            &fixture("generic-bad.csv"),
            "--portfolio",
            "P",
        ])
        .await;
    assert_eq!(run.code, 2, "{run:?}");
    for (line, column) in [(3, "type"), (4, "quantity"), (5, "coin"), (6, "price")] {
        assert!(
            run.stderr
                .contains(&format!("line {line}, column {column}:")),
            "line {line}: {}",
            run.stderr
        );
    }
    assert!(
        run.stderr.contains("nothing was imported"),
        "{}",
        run.stderr
    );
    assert_eq!(count(&user, "P").await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_export_imports_back_as_the_generic_format() {
    let (_fake, user) = three_buys_and_a_sale().await;
    let csv = user.run(&["portfolio", "export"]).await.ok().stdout;
    assert!(
        csv.starts_with("time,type,coin,quantity,price,currency,fee,fee_currency,note,portfolio\n"),
        "{csv}"
    );
    let file = user.data_dir().join("export.csv");
    std::fs::write(&file, &csv).expect("write");
    let copy = user
        .run(&[
            "portfolio",
            "import",
            file.to_str().expect("utf-8"),
            "--portfolio",
            "Copy",
            "--json",
        ])
        .await
        .ok()
        .json();
    assert_eq!(
        (
            copy["format"].as_str(),
            copy["added"].as_array().map(Vec::len)
        ),
        (Some("generic"), Some(4))
    );
    let h = user
        .run(&["portfolio", "holdings", "--portfolio", "Copy", "--json"])
        .await
        .ok()
        .json();
    assert_eq!(field(&h["holdings"][0], "realized_pnl"), "24960.00");
    let holdings = user
        .run(&["portfolio", "export", "--holdings", "--portfolio", "Copy"])
        .await
        .ok()
        .stdout;
    assert!(
        holdings.contains("bitcoin,1.5,25000.00,40000"),
        "{holdings}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn any_other_csv_is_mapped_saved_as_a_profile_and_imported_through_it() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    let file = fixture("wallet-app.csv");
    // Auto-detection does not know this layout and says so.
    let unknown = user
        .run(&["portfolio", "import", &file, "--portfolio", "Wallet"])
        .await;
    assert_eq!(unknown.code, 2, "{unknown:?}");
    assert!(
        unknown.stderr.contains("no known header"),
        "{}",
        unknown.stderr
    );
    // The app guesses every column from its name.
    let guess = user
        .run(&["portfolio", "map", &file, "--json"])
        .await
        .ok()
        .json();
    assert_eq!(guess["mapping"]["time"], "Date");
    assert_eq!(guess["mapping"]["type"], "Action");
    assert_eq!(guess["mapping"]["coin"], "Asset");
    assert_eq!(guess["mapping"]["quantity"], "Amount");
    assert_eq!(guess["mapping"]["fee"], "Commission");
    assert_eq!(guess["missing"], serde_json::json!([]));
    // It says the layout is unknown, and which fields a file must map.
    assert_eq!(guess["format"], serde_json::Value::Null);
    let required: Vec<&str> = guess["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter(|f| f["required"] == true)
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert_eq!(required, ["time", "type", "coin", "quantity"]);
    let known = user
        .run(&["portfolio", "map", &fixture("coinbase-2024.csv"), "--json"])
        .await
        .ok()
        .json();
    assert_eq!(known["format"], "coinbase");
    let unnamed = user.run(&["portfolio", "map", &file, "--save", " "]).await;
    assert_eq!(unnamed.code, 2, "{unnamed:?}");
    assert!(
        unnamed.stderr.contains("is not a profile name"),
        "{}",
        unnamed.stderr
    );
    // Saved as a profile (a column named explicitly wins over the guess)…
    let saved = user
        .run(&[
            "portfolio",
            "map",
            &file,
            "--save",
            "Wallet app",
            "--note",
            "Memo",
        ])
        .await
        .ok();
    assert!(
        saved.stdout.contains("saved as 'Wallet app'"),
        "{}",
        saved.stdout
    );
    // …and used by name.
    let r = user
        .run(&[
            "portfolio",
            "import",
            &file,
            "--portfolio",
            "Wallet",
            "--format",
            "wallet app",
            "--json",
        ])
        .await
        .ok()
        .json();
    assert_eq!(
        (r["format"].as_str(), r["added"].as_array().map(Vec::len)),
        (Some("mapped"), Some(3)),
        "{r}"
    );
    let again = user
        .run(&[
            "portfolio",
            "import",
            &file,
            "--portfolio",
            "Wallet",
            "--format",
            "Wallet app",
        ])
        .await
        .ok();
    assert!(
        again.stdout.contains("0 added, 3 already imported"),
        "{}",
        again.stdout
    );
    // 0.25 BTC for 15,000 + 5; 0.1 sold for 6,500 − 2: cost 6,002, +496.
    let h = user
        .run(&["portfolio", "holdings", "--portfolio", "Wallet", "--json"])
        .await
        .ok()
        .json();
    let btc = h["holdings"]
        .as_array()
        .expect("holdings")
        .iter()
        .find(|x| x["coin"] == "bitcoin")
        .cloned()
        .expect("btc");
    assert_eq!(field(&btc, "realized_pnl"), "496.00");
    // A profile without a required column is refused; so is a format's name.
    let bad = user
        .run(&["portfolio", "map", &file, "--save", "binance"])
        .await;
    assert_eq!(bad.code, 2, "{bad:?}");
    let none = user
        .run(&[
            "portfolio",
            "import",
            &file,
            "--portfolio",
            "W",
            "--format",
            "nosuch",
        ])
        .await;
    assert!(
        none.stderr
            .contains("no format or import profile named 'nosuch'"),
        "{}",
        none.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edit_changes_the_figures_keeps_the_number_and_is_refused_if_it_oversells() {
    let (_fake, user) = three_buys_and_a_sale().await;
    let txs = user.run(&["portfolio", "ls", "--json"]).await.ok().json();
    let (buy, sale) = (
        txs[0]["id"].as_i64().expect("id"),
        txs[3]["id"].as_i64().expect("id"),
    );
    // The first buy was at 11,000 (cost 11,010): FIFO's sale now costs
    // 11,010 + 10,000 = 21,010, a gain of 23,960.
    user.run(&["portfolio", "edit", &buy.to_string(), "--price", "11000"])
        .await
        .ok();
    let h = user
        .run(&["portfolio", "holdings", "--json"])
        .await
        .ok()
        .json();
    assert_eq!(field(&h["holdings"][0], "realized_pnl"), "23960.00");
    let listed = user.run(&["portfolio", "ls", "--json"]).await.ok().json();
    assert_eq!(listed[0]["id"].as_i64(), Some(buy), "the same number");
    assert_eq!(listed[0]["fee"], "10", "fields not given are kept");
    // Selling 3.5 of the 3 held is refused and changes nothing.
    let over = user
        .run(&["portfolio", "edit", &sale.to_string(), "--qty", "3.5"])
        .await;
    assert_eq!(over.code, 2, "{over:?}");
    assert!(
        over.stderr
            .contains("sells 3.5 bitcoin on 2024-01-04 but holds 3 then: 0.5 short"),
        "{}",
        over.stderr
    );
    let h = user
        .run(&["portfolio", "holdings", "--json"])
        .await
        .ok()
        .json();
    assert_eq!(field(&h["holdings"][0], "quantity"), "1.5");
}

/// `coinlytics backfill` of bitcoin's year in `currency`, 600 calls a minute.
async fn backfill_bitcoin(user: &User, currency: &str) {
    let mut cmd = user.command(&["backfill", "--coins", "bitcoin", "--range", "1y"]);
    cmd.env("COINLYTICS_REQUESTS_PER_MINUTE", "600")
        .env("COINLYTICS_CURRENCY", currency);
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("backfill"))
        .await
        .expect("join");
    assert!(out.status.success(), "{out:?}");
}

fn decimal(v: &Value) -> rust_decimal::Decimal {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .expect("a decimal string")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_euro_buy_is_converted_at_its_day_s_stored_rate_and_a_fee_in_bitcoin_is_a_disposal() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    user.run(&["prices", "--coins", "bitcoin,ethereum,solana"])
        .await
        .ok();
    // The EUR→USD rate comes from bitcoin's stored prices in both.
    backfill_bitcoin(&user, "usd").await;
    backfill_bitcoin(&user, "eur").await;
    let day = |ago: i64| {
        (chrono::Utc::now() - chrono::Duration::days(ago))
            .format("%Y-%m-%dT12:00:00Z")
            .to_string()
    };
    let add = |args: Vec<String>| {
        let user = &user;
        async move {
            let mut all = vec!["portfolio", "add", "--portfolio", "Main"];
            all.extend(args.iter().map(String::as_str));
            user.run(&all).await.ok()
        }
    };
    let strings = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let ether_day = day(100);
    add(strings(&[
        "--type",
        "buy",
        "--coin",
        "eth",
        "--qty",
        "2",
        "--price",
        "3000",
        "--currency",
        "eur",
        "--time",
        &ether_day,
    ]))
    .await;
    let (bitcoin_day, fee_day) = (day(60), day(30));
    add(strings(&[
        "--type",
        "buy",
        "--coin",
        "btc",
        "--qty",
        "1",
        "--price",
        "20000",
        "--currency",
        "usd",
        "--time",
        &bitcoin_day,
    ]))
    .await;
    add(strings(&[
        "--type",
        "buy",
        "--coin",
        "sol",
        "--qty",
        "10",
        "--price",
        "150",
        "--currency",
        "usd",
        "--fee",
        "0.001",
        "--fee-currency",
        "bitcoin",
        "--time",
        &fee_day,
    ]))
    .await;

    let h = user
        .run(&["portfolio", "holdings", "--json"])
        .await
        .ok()
        .json();
    let of = |coin: &str| -> Value {
        h["holdings"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["coin"] == coin).cloned())
            .unwrap_or_else(|| panic!("{coin} held: {h}"))
    };
    // 6,000 EUR at about the fake's 0.92 EUR a dollar, 6,521.74 USD (the
    // rate is bitcoin's stored price in USD over that in EUR, each read
    // from the fake a moment apart).
    let ether_cost = decimal(&of("ethereum")["cost_basis"]);
    assert!(
        (ether_cost - rust_decimal::Decimal::new(652_174, 2)).abs() < rust_decimal::Decimal::ONE,
        "{h}"
    );
    // The 0.001 BTC fee is sold at bitcoin's stored price that day: its
    // value is added to the solana's cost, and its gain over its 20 of
    // cost is realized on bitcoin.
    assert_eq!(of("bitcoin")["quantity"], "0.999");
    let fee_value = decimal(&of("solana")["cost_basis"]) - rust_decimal::Decimal::from(1500);
    assert!(fee_value > rust_decimal::Decimal::ZERO, "{h}");
    assert_eq!(
        decimal(&of("bitcoin")["realized_pnl"]),
        fee_value - rust_decimal::Decimal::from(20),
        "{h}"
    );
    // Which rate converted the euro buy is said with it, and it is the
    // rate the cost was worked out at.
    let ls = user.run(&["portfolio", "ls"]).await.ok().stdout;
    let said = format!(", the stored rate of {}", &ether_day[..10]);
    let line = ls
        .lines()
        .find(|l| l.contains("converted at 1 EUR = ") && l.ends_with(&said))
        .unwrap_or_else(|| panic!("{ls}"));
    let rate: rust_decimal::Decimal = line
        .split("1 EUR = ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|r| r.parse().ok())
        .expect("a rate");
    assert!(
        (rate * rust_decimal::Decimal::from(6000) - ether_cost).abs()
            < rust_decimal::Decimal::new(1, 2),
        "{rate} × 6000 is not {ether_cost}"
    );
}

/// A tax year's gains from the command line, worked out by hand: a sale
/// that takes a lot held over a year (long) and one bought that year
/// (short), income apart at its value when received, a coin-for-coin
/// trade as its two legs, the next year's sale of what the trade bought;
/// the CSV in Form 8949's columns. Times at noon UTC, so the local day is
/// the same in any time zone a test runs in.
#[tokio::test(flavor = "multi_thread")]
async fn a_tax_years_gains_list_each_lot_short_and_long_with_income_apart() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    for (kind, coin, qty, price, time) in [
        ("buy", "bitcoin", "1", "20000", "2023-03-01T12:00:00Z"),
        ("buy", "bitcoin", "1", "40000", "2024-01-10T12:00:00Z"),
        ("income", "ethereum", "0.1", "2000", "2024-02-01T12:00:00Z"),
        ("sell", "bitcoin", "1.5", "60000", "2024-04-01T12:00:00Z"),
        ("sell", "bitcoin", "0.5", "50000", "2024-06-01T12:00:00Z"),
        ("buy", "ethereum", "10", "2500", "2024-06-01T12:00:00Z"),
        ("sell", "ethereum", "10", "3000", "2025-01-05T12:00:00Z"),
    ] {
        user.run(&[
            "portfolio",
            "add",
            "--portfolio",
            "Ledger",
            "--type",
            kind,
            "--coin",
            coin,
            "--qty",
            qty,
            "--price",
            price,
            "--time",
            time,
        ])
        .await
        .ok();
    }
    let csv = user
        .run(&["portfolio", "gains", "--year", "2024", "--csv"])
        .await
        .ok();
    assert_eq!(
        csv.stdout,
        "Description of property,Date acquired,Date sold or disposed of,Proceeds,Cost or other basis,Gain or (loss),Term\n\
         1 BTC,03/01/2023,04/01/2024,60000.00,20000.00,40000.00,long\n\
         0.5 BTC,01/10/2024,04/01/2024,30000.00,20000.00,10000.00,short\n\
         0.5 BTC,01/10/2024,06/01/2024,25000.00,20000.00,5000.00,short\n"
    );
    let report = user
        .run(&["portfolio", "gains", "--year", "2024", "--json"])
        .await
        .ok()
        .json();
    assert_eq!(
        (
            report["short"]["gain"].as_str(),
            report["long"]["gain"].as_str()
        ),
        (Some("15000.00"), Some("40000.00")),
        "{report}"
    );
    assert_eq!(report["income_total"], "200.00", "{report}");
    let table = user
        .run(&["portfolio", "gains", "--year", "2025"])
        .await
        .ok();
    assert!(
        table.stdout.contains("0.1 ETH")
            && table.stdout.contains("9.9 ETH")
            && table.stdout.contains("not tax advice"),
        "{table:?}"
    );
    let average = user
        .run(&[
            "portfolio",
            "gains",
            "--year",
            "2024",
            "--method",
            "average",
            "--csv",
        ])
        .await
        .ok();
    assert!(
        average
            .stdout
            .contains("1.5 BTC,VARIOUS,04/01/2024,90000.00,45000.00,45000.00,long"),
        "{average:?}"
    );
    let refused = user.run(&["portfolio", "gains", "--year", "2008"]).await;
    assert!(refused.stderr.contains("a tax year is 2009"), "{refused:?}");
}
