//! Every figure here is worked out by hand in the comments.

use super::*;
use crate::portfolio::TxKind;
use crate::portfolio::fixture::{Table, d, tx};

/// Ledger (FIFO): 1 BTC bought at 100, 1 at 200, 1 sold at 300 (the lot
/// at 100 goes: 200 gained; 1 BTC left that cost 200). Cold: 10 ETH at 10
/// (cost 100). Solana bought and sold at 5: nothing held, nothing gained.
fn positions(ids: &[i64]) -> Positions {
    let mut eth = tx(4, TxKind::Buy, "ethereum", "10", Some("10"), "2024-01-01");
    eth.portfolio_id = 2;
    let mut txs = vec![
        tx(1, TxKind::Buy, "bitcoin", "1", Some("100"), "2024-01-01"),
        tx(2, TxKind::Buy, "bitcoin", "1", Some("200"), "2024-01-02"),
        tx(3, TxKind::Sell, "bitcoin", "1", Some("300"), "2024-01-03"),
        eth,
        tx(5, TxKind::Buy, "solana", "1", Some("5"), "2024-01-01"),
        tx(6, TxKind::Sell, "solana", "1", Some("5"), "2024-01-02"),
    ];
    let methods = HashMap::from([(1, Method::Fifo), (2, Method::Fifo)]);
    let ledger = ledger::replay(&Table::default(), &mut txs, "usd", methods, Method::Fifo)
        .expect("read")
        .expect("replayed");
    Positions::of(&ledger, ids)
}

fn price(coin: &str) -> Option<Decimal> {
    match coin {
        "bitcoin" => Some(d("250")),
        "ethereum" => Some(d("15")),
        _ => None,
    }
}

fn named(coin: &str) -> (String, String) {
    (coin.to_string(), coin.to_ascii_uppercase())
}

#[test]
fn positions_sum_each_coin_s_quantity_cost_and_realized_gain() {
    let p = positions(&[1, 2]);
    assert_eq!(p.coins(), ["bitcoin", "ethereum", "solana"]);
    let btc = &p.0[0];
    assert_eq!(
        (btc.quantity, btc.cost, btc.realized),
        (d("1"), d("200"), d("200"))
    );
    let eth = &p.0[1];
    assert_eq!(
        (eth.quantity, eth.cost, eth.realized),
        (d("10"), d("100"), d("0"))
    );
    assert_eq!(
        positions(&[2]).coins(),
        ["ethereum"],
        "only the portfolios asked"
    );
}

#[test]
fn holdings_are_valued_to_the_cent_with_their_share_and_24h_move() {
    let day_ago = |coin: &str| (coin == "bitcoin").then(|| d("240"));
    let (holdings, totals) = positions(&[1, 2]).value(price, day_ago, named);
    // Solana: none held, none gained: left out. Bitcoin 1 × 250 = 250 over
    // a cost of 200 (50 unrealized, 200 realized), 1 × (250 − 240) = 10 in
    // a day; Ethereum 10 × 15 = 150 over 100. 250 + 150 = 400: 62.5 % and
    // 37.5 %.
    let rows: Vec<_> = (holdings.iter())
        .map(|h| {
            (
                h.coin.as_str(),
                h.market_value,
                h.unrealized_pnl,
                h.realized_pnl,
                h.allocation_pct,
                h.change_24h,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                "bitcoin",
                Some(d("250")),
                Some(d("50")),
                d("200"),
                Some(d("62.5")),
                Some(d("10"))
            ),
            (
                "ethereum",
                Some(d("150")),
                Some(d("50")),
                d("0"),
                Some(d("37.5")),
                None
            ),
        ]
    );
    assert_eq!(
        holdings[0].market_value.map(|v| v.to_string()),
        Some("250.00".into())
    );
    assert_eq!(holdings[0].symbol, "BITCOIN");
    assert_eq!(
        totals,
        Totals {
            cost_basis: d("300"),
            market_value: d("400"),
            unrealized_pnl: d("100"),
            realized_pnl: d("200"),
            change_24h: d("10"),
            incomplete: false,
        }
    );
}

#[test]
fn a_coin_without_a_price_is_held_at_its_cost_and_left_out_of_the_value() {
    let only_btc = |coin: &str| (coin == "bitcoin").then(|| d("250"));
    let (holdings, totals) = positions(&[1, 2]).value(only_btc, |_| None, named);
    let eth = holdings
        .iter()
        .find(|h| h.coin == "ethereum")
        .expect("held");
    assert_eq!((eth.market_value, eth.allocation_pct), (None, None));
    assert_eq!(eth.cost_basis, d("100"));
    // Bitcoin is all of the priced value.
    assert_eq!(holdings[0].allocation_pct, Some(d("100")));
    assert_eq!(
        (totals.market_value, totals.cost_basis),
        (d("250"), d("300"))
    );
}

#[test]
fn money_is_rounded_to_the_cent_half_away_from_zero() {
    // 3 units at 0.335 each: 1.005, shown 1.01.
    let mut txs = vec![tx(
        1,
        TxKind::Buy,
        "dogecoin",
        "3",
        Some("0.335"),
        "2024-01-01",
    )];
    let ledger = ledger::replay(
        &Table::default(),
        &mut txs,
        "usd",
        HashMap::new(),
        Method::Fifo,
    )
    .expect("read")
    .expect("replayed");
    let (holdings, _) = Positions::of(&ledger, &[1]).value(|_| Some(d("0.335")), |_| None, named);
    assert_eq!(holdings[0].cost_basis.to_string(), "1.01");
    assert_eq!(holdings[0].unrealized_pnl, Some(d("0")));
}
