//! Every figure here is worked out by hand in the comments.

use super::*;
use crate::portfolio::fixture::{Table, d, tx};

fn valued(prices: &Table, txs: &[Tx]) -> Valued {
    let v = value(prices, txs, "usd").expect("read");
    assert!(v.unknown.is_empty(), "{:?}", v.unknown);
    v
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
fn income_without_a_price_is_valued_at_the_stored_price_else_marked_unknown() {
    let income = tx(7, TxKind::Income, "solana", "10", None, "2024-01-02");
    let prices = Table::default().with("solana", "usd", "2024-01-01", "20");
    // 10 × 20 = 200, the price a day old.
    let v = valued(&prices, std::slice::from_ref(&income));
    assert_eq!(v.entries[0].action, Action::Acquire { cost: d("200") });

    let v = value(&Table::default(), &[income], "usd").expect("read");
    // Kept, its quantity counted, a zero standing in for its cost.
    assert_eq!(v.entries[0].quantity, d("10"));
    assert_eq!(v.entries[0].action, Action::Acquire { cost: d("0") });
    assert!(v.entries[0].unknown);
    let u = &v.unknown[0];
    assert_eq!(u.tx, 7);
    assert_eq!(
        u.why,
        "income solana on 2024-01-02: no price of solana in USD near 2024-01-02, and the transaction gives none"
    );
    assert!(
        u.to_string()
            .starts_with("transaction #7's value is unknown: income solana")
    );
}

#[test]
fn a_coin_priced_only_in_dollars_is_valued_in_euros_at_the_day_s_rate() {
    // An exchange's candles are in dollars; the reference rate says
    // 1 USD = 0.9 EUR that day: 2 × 100 × 0.9 = 180.
    let prices = Table::default()
        .with("solana", "usd", "2019-01-02", "100")
        .with_rate("usd", "eur", "2019-01-02", "0.9");
    let income = tx(1, TxKind::Income, "solana", "2", None, "2019-01-02");
    let v = value(&prices, &[income], "eur").expect("read");
    assert!(v.unknown.is_empty(), "{:?}", v.unknown);
    assert_eq!(v.entries[0].action, Action::Acquire { cost: d("180") });
}

#[test]
fn a_transfer_out_needs_no_price_and_a_missing_rate_is_named() {
    let out = tx(1, TxKind::TransferOut, "bitcoin", "1", None, "2024-01-02");
    let v = valued(&Table::default(), &[out]);
    assert_eq!(v.entries[0].action, Action::Send { transfer: None });

    let mut pounds = tx(2, TxKind::Buy, "bitcoin", "1", Some("100"), "2024-01-02");
    pounds.currency = "gbp".into();
    let v = value(&Table::default(), &[pounds], "usd").expect("read");
    let u = &v.unknown[0];
    assert!(
        u.why.contains("no GBP→USD rate for 2024-01-02"),
        "{}",
        u.why
    );

    // The central bank's rate where bitcoin's history gives none.
    let prices = Table::default().with_rate("gbp", "usd", "2024-01-02", "1.25");
    let mut pounds = tx(3, TxKind::Buy, "bitcoin", "1", Some("100"), "2024-01-02");
    pounds.currency = "gbp".into();
    let v = valued(&prices, &[pounds]);
    assert_eq!(v.entries[0].action, Action::Acquire { cost: d("125") });
}

#[test]
fn a_dollar_close_without_the_day_s_rate_asks_for_the_rate() {
    // The exchanges' close is stored in dollars, no USD→EUR rate yet: what
    // is missing is the rate (what the next fetch looks for).
    let prices = Table::default().with("solana", "usd", "2019-01-02", "100");
    let income = tx(1, TxKind::Income, "solana", "2", None, "2019-01-02");
    let v = value(&prices, &[income], "eur").expect("read");
    assert_eq!(
        v.unknown[0].missing,
        Missing::Rate {
            from: "usd".into(),
            to: "eur".into(),
            day: "2019-01-02".parse().expect("day"),
        }
    );
}
