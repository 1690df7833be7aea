use super::*;
use crate::portfolio::TxKind;
use crate::portfolio::fixture::{d, tx};
use crate::portfolio::holdings::{Holding, Totals};

#[test]
fn transactions_are_written_in_the_generic_format_with_their_portfolio() {
    let mut buy = tx(
        1,
        TxKind::Buy,
        "bitcoin",
        "0.50",
        Some("30000.00"),
        "2024-01-02",
    );
    (buy.fee, buy.fee_currency) = (Some(d("1.5")), Some("usd".into()));
    buy.note = Some("first, \"dip\"".into());
    let out = tx(2, TxKind::TransferOut, "bitcoin", "0.1", None, "2024-01-03");
    assert_eq!(
        txs_csv(&[buy, out]).expect("csv"),
        "time,type,coin,quantity,price,currency,fee,fee_currency,note,portfolio\n\
         2024-01-02T00:00:00Z,buy,bitcoin,0.5,30000,usd,1.5,usd,\"first, \"\"dip\"\"\",Ledger\n\
         2024-01-03T00:00:00Z,transfer_out,bitcoin,0.1,,usd,,,,Ledger\n"
    );
}

#[test]
fn holdings_are_written_one_row_per_coin_then_the_totals() {
    let h = Holdings {
        currency: "usd".into(),
        portfolios: Vec::new(),
        method: None,
        holdings: vec![Holding {
            coin: "bitcoin".into(),
            name: "Bitcoin".into(),
            symbol: "BTC".into(),
            quantity: d("0.5"),
            cost_basis: d("15000.00"),
            price: Some(d("40000")),
            market_value: Some(d("20000.00")),
            unrealized_pnl: Some(d("5000.00")),
            realized_pnl: d("0.00"),
            allocation_pct: Some(d("100")),
            change_24h: None,
            incomplete: false,
        }],
        totals: Totals {
            cost_basis: d("15000.00"),
            market_value: d("20000.00"),
            unrealized_pnl: d("5000.00"),
            realized_pnl: d("0.00"),
            change_24h: d("0"),
            incomplete: false,
        },
        value_unknown: Vec::new(),
    };
    assert_eq!(
        holdings_csv(&h).expect("csv"),
        "coin,quantity,cost_basis,price,market_value,unrealized_pnl,realized_pnl,allocation_pct,currency\n\
         bitcoin,0.5,15000.00,40000,20000.00,5000.00,0.00,100,usd\n\
         total,,15000.00,,20000.00,5000.00,0.00,,usd\n"
    );
}
