//! Every figure here is worked out by hand in the comments.

use super::*;
use crate::portfolio::fixture::{Table, d, tx};

fn valued(prices: &Table, txs: &[Tx]) -> Valued {
    value(prices, txs, "usd").expect("read").expect("valued")
}

#[test]
fn a_buy_costs_its_price_and_fee_and_a_sale_yields_its_price_less_its_fee() {
    let mut buy = tx(1, TxKind::Buy, "bitcoin", "2", Some("100"), "2024-01-02");
    (buy.fee, buy.fee_currency) = (Some(d("1")), Some("usd".into()));
    let mut sell = tx(2, TxKind::Sell, "bitcoin", "1", Some("150"), "2024-01-03");
    (sell.fee, sell.fee_currency) = (Some(d("2")), Some("usd".into()));
    let v = valued(&Table::default(), &[buy, sell]);
    assert_eq!(v.coins, ["bitcoin"]);
    // 2 × 100 + 1 = 201; 1 × 150 − 2 = 148.
    assert_eq!(v.entries[0].action, Action::Acquire { cost: d("201") });
    assert_eq!(v.entries[1].action, Action::Dispose { proceeds: d("148") });
    assert_eq!(v.entries[1].quantity, d("1"));
}

#[test]
fn a_buy_in_euros_is_converted_at_its_day_s_rate_from_bitcoin_in_both() {
    // Bitcoin at 60,000 USD and 50,000 EUR: 1 EUR = 1.2 USD.
    let prices = Table::default()
        .with(RATE_COIN, "usd", "2024-01-02", "60000")
        .with(RATE_COIN, "eur", "2024-01-02", "50000");
    let mut buy = tx(1, TxKind::Buy, "ethereum", "1", Some("2000"), "2024-01-02");
    buy.currency = "eur".into();
    (buy.fee, buy.fee_currency) = (Some(d("10")), Some("eur".into()));
    let v = valued(&prices, std::slice::from_ref(&buy));
    // (2,000 + 10) × 1.2 = 2,412.
    assert_eq!(v.entries[0].action, Action::Acquire { cost: d("2412") });
    let used = rates_used(&prices, &[buy], "usd").expect("read");
    assert_eq!(used.len(), 1);
    assert_eq!(
        (used[0].text.as_str(), used[0].day.as_str(), used[0].rate),
        ("1 EUR = 1.2 USD", "2024-01-02", d("1.2"))
    );
}

#[test]
fn a_fee_paid_in_a_coin_disposes_of_that_coin_at_its_price_then() {
    let prices = Table::default().with("binancecoin", "usd", "2024-01-02", "500");
    let mut sell = tx(1, TxKind::Sell, "ethereum", "1", Some("3000"), "2024-01-02");
    (sell.fee, sell.fee_currency) = (Some(d("0.01")), Some("binancecoin".into()));
    let v = valued(&prices, &[sell]);
    assert_eq!(v.coins, ["ethereum", "binancecoin"]);
    // The fee is worth 0.01 × 500 = 5: the sale yields 3,000 − 5 = 2,995,
    // and 0.01 BNB is disposed of for 5.
    assert_eq!(
        v.entries[0].action,
        Action::Dispose {
            proceeds: d("2995")
        }
    );
    assert_eq!((v.entries[1].coin, v.entries[1].quantity), (1, d("0.01")));
    assert_eq!(v.entries[1].action, Action::Dispose { proceeds: d("5") });
}

#[test]
fn income_without_a_price_is_valued_at_the_stored_price_else_refused() {
    let income = tx(7, TxKind::Income, "solana", "10", None, "2024-01-02");
    let prices = Table::default().with("solana", "usd", "2024-01-01", "20");
    // 10 × 20 = 200, the price a day old.
    let v = valued(&prices, std::slice::from_ref(&income));
    assert_eq!(v.entries[0].action, Action::Acquire { cost: d("200") });

    let u = value(&Table::default(), &[income], "usd")
        .expect("read")
        .expect_err("no price");
    assert_eq!(u.tx, 7);
    assert!(
        u.why.starts_with(
            "income solana on 2024-01-02: no stored price of solana in USD near 2024-01-02"
        ),
        "{}",
        u.why
    );
    assert!(
        u.to_string()
            .starts_with("cannot value transaction #7: income solana")
    );
}

#[test]
fn a_transfer_out_needs_no_price_and_a_missing_rate_is_named() {
    let out = tx(1, TxKind::TransferOut, "bitcoin", "1", None, "2024-01-02");
    let v = valued(&Table::default(), &[out]);
    assert_eq!(v.entries[0].action, Action::Send { transfer: None });

    let mut pounds = tx(2, TxKind::Buy, "bitcoin", "1", Some("100"), "2024-01-02");
    pounds.currency = "gbp".into();
    let u = value(&Table::default(), &[pounds], "usd")
        .expect("read")
        .expect_err("no rate");
    assert!(
        u.why.contains("no stored GBP→USD rate for 2024-01-02"),
        "{}",
        u.why
    );
}
