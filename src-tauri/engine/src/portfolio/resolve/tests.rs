use super::*;
use crate::portfolio::fixture::{Table, d, day, tx};
use crate::portfolio::{Method, TxKind};

fn draft(line: u64, asset: &str, quantity: &str) -> Draft {
    Draft {
        line,
        time: day("2024-01-02"),
        kind: TxKind::Buy,
        asset: asset.into(),
        quantity: d(quantity),
        price: Some(d("100")),
        currency: None,
        fee: None,
        fee_currency: None,
        note: None,
        key: format!("row-{line}"),
    }
}

fn coins() -> HashMap<String, Option<String>> {
    HashMap::from([
        ("btc".to_string(), Some("bitcoin".to_string())),
        ("bnb".to_string(), Some("binancecoin".to_string())),
        ("zzz".to_string(), None),
    ])
}

#[test]
fn each_symbol_is_looked_up_once_fees_in_a_coin_included() {
    let mut with_fee = draft(3, "btc", "1");
    (with_fee.fee, with_fee.fee_currency) = (Some(d("0.1")), Some("bnb".into()));
    let mut fiat_fee = draft(4, "eth", "1");
    (fiat_fee.fee, fiat_fee.fee_currency) = (Some(d("1")), Some("eur".into()));
    let drafts = [draft(2, "btc", "1"), with_fee, fiat_fee];
    assert_eq!(symbols(&drafts), ["btc", "bnb", "eth"]);
}

#[test]
fn rows_become_transactions_of_the_portfolio_or_errors_of_their_line() {
    let mut euro = draft(3, "btc", "1");
    euro.currency = Some("eur".into());
    let mut coin_fee = draft(4, "btc", "1");
    (coin_fee.fee, coin_fee.fee_currency) = (Some(d("0.01")), Some("bnb".into()));
    let mut fiat_fee = draft(5, "btc", "1");
    fiat_fee.fee = Some(d("2"));
    let mut stable = draft(6, "btc", "1");
    stable.currency = Some("usdt".into());
    let mut bad_fee = draft(7, "btc", "1");
    (bad_fee.fee, bad_fee.fee_currency) = (Some(d("1")), Some("zzz".into()));
    let drafts = vec![
        draft(2, "btc", "0.5"),
        euro,
        coin_fee,
        fiat_fee,
        stable,
        bad_fee,
        draft(8, "zzz", "1"),
        draft(9, "btc", "1000000000000001"),
    ];
    let (rows, errors) = resolve(drafts, &coins(), "usd", "Ledger");
    let txs: Vec<_> = (rows.iter())
        .map(|r| {
            let t = &r.tx;
            (
                r.line,
                t.coin_id.as_str(),
                t.currency.as_str(),
                t.fee_currency.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        txs,
        [
            (2, "bitcoin", "usd", None),
            (3, "bitcoin", "eur", None),
            (4, "bitcoin", "usd", Some("binancecoin")),
            // A fee with no currency is in the price's.
            (5, "bitcoin", "usd", Some("usd")),
        ]
    );
    assert_eq!(
        (rows[0].key.as_str(), rows[0].tx.portfolio.as_str()),
        ("row-2", "Ledger")
    );
    let errors: Vec<_> = (errors.iter())
        .map(|e| (e.line, e.column.as_str(), e.reason.as_str()))
        .collect();
    assert_eq!(
        errors,
        [
            (6, "currency", "'usdt' is not a fiat currency"),
            (7, "fee_currency", "'zzz' is no currency or coin"),
            (8, "coin", "'zzz' is no coin in the coin list"),
            (9, "quantity", "an amount above 1000000000000000"),
        ]
    );
}

#[test]
fn rows_imported_before_are_dropped_and_counted() {
    let (mut rows, _) = resolve(
        vec![draft(2, "btc", "1"), draft(3, "btc", "1")],
        &coins(),
        "usd",
        "Ledger",
    );
    let known = HashSet::from(["row-2".to_string()]);
    assert_eq!(drop_known(&mut rows, &known), 1);
    assert_eq!(rows[0].line, 3);
}

#[test]
fn a_row_that_would_sell_more_than_is_held_is_an_error_of_its_line() {
    let portfolios = [Portfolio {
        id: 1,
        name: "Ledger".into(),
        method: Method::Fifo,
    }];
    // Stored: 1 BTC bought on the 1st. The file sells 0.4 on the 2nd (line
    // 2), then 0.7 more (line 3): 1 − 0.4 = 0.6 held, 0.1 short.
    let stored = vec![tx(
        1,
        TxKind::Buy,
        "bitcoin",
        "1",
        Some("100"),
        "2024-01-01",
    )];
    let mut sells = vec![draft(2, "btc", "0.4"), draft(3, "btc", "0.7")];
    sells.iter_mut().for_each(|s| s.kind = TxKind::Sell);
    let (rows, _) = resolve(sells, &coins(), "usd", "ledger");
    let e = check(&Table::default(), stored.clone(), &portfolios, &rows, "usd")
        .expect("read")
        .expect_err("short");
    assert_eq!((e.line, e.column.as_str()), (3, "quantity"));
    assert_eq!(
        e.reason,
        "ledger sells 0.7 bitcoin on 2024-01-02 but holds 0.6 then: 0.1 short"
    );
    let fine = check(&Table::default(), stored, &portfolios, &rows[..1], "usd").expect("read");
    assert_eq!(fine, Ok(vec![]));

    // Income on line 4 that nothing values is kept, its line named.
    let mut income = vec![draft(4, "btc", "0.1")];
    (income[0].kind, income[0].price) = (TxKind::Income, None);
    let (rows, _) = resolve(income, &coins(), "usd", "ledger");
    let kept = check(&Table::default(), vec![], &portfolios, &rows, "usd").expect("read");
    let unknown = kept.expect("kept");
    assert_eq!((unknown[0].line, unknown[0].column.as_str()), (4, "price"));
    assert!(
        unknown[0]
            .reason
            .starts_with("value unknown: income bitcoin"),
        "{}",
        unknown[0].reason
    );
}
