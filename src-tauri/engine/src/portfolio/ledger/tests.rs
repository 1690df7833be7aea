//! Every figure here is worked out by hand in the comments.

use super::*;
use crate::portfolio::fixture::{Table, d, tx};

fn portfolios() -> Vec<Portfolio> {
    vec![
        Portfolio {
            id: 1,
            name: "Ledger".into(),
            method: Method::Fifo,
        },
        Portfolio {
            id: 2,
            name: "Cold".into(),
            method: Method::Fifo,
        },
    ]
}

fn checked(txs: &mut [Tx]) -> Result<Ledger, Refused> {
    check(&Table::default(), txs, &portfolios(), "usd").expect("read")
}

#[test]
fn a_sale_of_more_than_is_held_is_refused_naming_portfolio_coin_and_day() {
    let mut txs = vec![
        tx(1, TxKind::Buy, "bitcoin", "0.5", Some("100"), "2024-01-01"),
        tx(2, TxKind::Sell, "bitcoin", "0.8", Some("200"), "2024-01-02"),
    ];
    let refused = checked(&mut txs).expect_err("short");
    assert_eq!(refused.tx, 2);
    assert_eq!(
        refused.to_string(),
        "Ledger sells 0.8 bitcoin on 2024-01-02 but holds 0.5 then: 0.3 short"
    );
}

#[test]
fn transactions_are_replayed_in_time_order_whatever_order_they_come_in() {
    // The sale is listed first but happens a day after the buy.
    let mut txs = vec![
        tx(
            2,
            TxKind::Sell,
            "bitcoin",
            "0.25",
            Some("200"),
            "2024-01-02",
        ),
        tx(1, TxKind::Buy, "bitcoin", "1", Some("100"), "2024-01-01"),
    ];
    let ledger = checked(&mut txs).expect("held");
    assert_eq!(txs[0].id, 1, "sorted");
    let pos = ledger.book.get(1, 0).expect("bitcoin in Ledger");
    // 1 − 0.25 = 0.75 left at 100 each: 75.
    assert_eq!((pos.quantity(), pos.cost()), (d("0.75"), d("75")));
    // 0.25 sold for 50 that cost 25: 25 gained.
    assert_eq!(ledger.book.disposals[0].gain(), d("25"));
}

#[test]
fn a_planned_transfer_comes_with_its_receiving_leg_which_keeps_the_lots_cost() {
    let mut txs = vec![tx(
        1,
        TxKind::Buy,
        "bitcoin",
        "2",
        Some("100"),
        "2024-01-01",
    )];
    let out = tx(0, TxKind::TransferOut, "bitcoin", "0.5", None, "2024-01-02");
    let planned = planned(&out, Some("cold"), &portfolios());
    assert_eq!(planned.len(), 2);
    assert_eq!(
        (planned[0].id, planned[0].transfer),
        (PLANNED_ID, Some(PLANNED_ID))
    );
    let leg = &planned[1];
    assert_eq!(
        (leg.id, leg.kind, leg.portfolio_id),
        (PLANNED_ID + 1, TxKind::TransferIn, 2)
    );
    assert_eq!(
        (leg.portfolio.as_str(), leg.transfer),
        ("cold", Some(PLANNED_ID))
    );
    txs.extend(planned);
    let ledger = checked(&mut txs).expect("held");
    // Half a bitcoin of the lot at 100 each moves with its cost, 50.
    let cold = ledger.book.get(2, 0).expect("bitcoin in Cold");
    assert_eq!((cold.quantity(), cold.cost()), (d("0.5"), d("50")));
    assert!(
        ledger.book.disposals.is_empty(),
        "a transfer is no disposal"
    );
}

#[test]
fn a_planned_transaction_into_a_new_portfolio_has_an_id_no_portfolio_has() {
    let mut buy = tx(0, TxKind::Buy, "bitcoin", "1", Some("100"), "2024-01-01");
    buy.portfolio = "New".into();
    let planned = planned(&buy, Some("Newer"), &portfolios());
    assert_eq!((planned[0].portfolio_id, planned[1].portfolio_id), (-1, -2));
}

#[test]
fn removing_a_buy_that_a_later_sale_needs_is_refused_and_an_unpriced_one_kept_as_unknown() {
    let mut rest = vec![tx(
        2,
        TxKind::Sell,
        "bitcoin",
        "1",
        Some("200"),
        "2024-01-02",
    )];
    let refused = checked(&mut rest).expect_err("short");
    assert_eq!(
        refused,
        Refused {
            tx: 2,
            why: "Ledger sells 1 bitcoin on 2024-01-02 but holds 0 then: 1 short".into()
        }
    );
    // Income no stored price values: held all the same, its cost unknown.
    let mut unpriced = vec![
        tx(3, TxKind::Income, "solana", "1", None, "2024-01-02"),
        tx(4, TxKind::Sell, "solana", "0.5", Some("30"), "2024-01-03"),
    ];
    let ledger = checked(&mut unpriced).expect("kept");
    assert_eq!(ledger.unknown.len(), 1);
    assert_eq!(ledger.unknown[0].tx, 3);
    let d = &ledger.book.disposals[0];
    assert!(d.incomplete(), "the sale's gain rests on the unknown cost");
    let (_, held) = ledger.book.positions().next().expect("held");
    assert_eq!(held.quantity(), crate::portfolio::fixture::d("0.5"));
    assert!(held.unknown());
}
