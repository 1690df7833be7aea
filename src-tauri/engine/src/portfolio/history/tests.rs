//! Every figure here is worked out by hand in the comments.

use super::*;
use crate::portfolio::fixture::{d, day, tx};

const DAY: i64 = 86_400;

#[test]
fn every_transaction_changes_what_is_held_and_a_fee_in_a_coin_too() {
    let mut sell = tx(2, TxKind::Sell, "bitcoin", "1", Some("200"), "2024-01-03");
    (sell.fee, sell.fee_currency) = (Some(d("0.01")), Some("binancecoin".into()));
    let mut fiat_fee = tx(3, TxKind::Income, "solana", "5", None, "2024-01-04");
    (fiat_fee.fee, fiat_fee.fee_currency) = (Some(d("1")), Some("usd".into()));
    let txs = [
        tx(1, TxKind::Buy, "bitcoin", "2", Some("100"), "2024-01-01"),
        sell,
        fiat_fee,
    ];
    let t = |on: &str| day(on).timestamp();
    assert_eq!(
        changes(&txs),
        [
            (t("2024-01-01"), "bitcoin".to_string(), d("2")),
            (t("2024-01-03"), "bitcoin".to_string(), d("-1")),
            (t("2024-01-03"), "binancecoin".to_string(), d("-0.01")),
            (t("2024-01-04"), "solana".to_string(), d("5")),
        ]
    );
}

#[test]
fn each_period_is_what_was_held_by_its_end_at_the_last_close_by_its_start() {
    let t0 = day("2024-01-01").timestamp();
    // 2 BTC from day 0, 10 ETH from day 1, 1 BTC sold on day 2.
    let changes: Vec<Change> = vec![
        (t0, "bitcoin".into(), d("2")),
        (t0 + DAY + 60, "ethereum".into(), d("10")),
        (t0 + 2 * DAY, "bitcoin".into(), d("-1")),
    ];
    // Bitcoin's history has no close on day 2: day 1's counts.
    let closes = HashMap::from([
        (
            "bitcoin".to_string(),
            vec![
                (t0, d("100")),
                (t0 + DAY, d("110")),
                (t0 + 3 * DAY, d("120")),
            ],
        ),
        (
            "ethereum".to_string(),
            vec![
                (t0 + DAY, d("10")),
                (t0 + 2 * DAY, d("11")),
                (t0 + 3 * DAY, d("12")),
            ],
        ),
    ]);
    let values: Vec<(i64, Decimal)> = points(&changes, &closes, DAY)
        .into_iter()
        .map(|p| ((p.t / 1000 - t0) / DAY, p.value))
        .collect();
    // Day 0: 2 × 100 = 200. Day 1: 2 × 110 + 10 × 10 = 320. Day 2:
    // 1 × 110 + 10 × 11 = 220. Day 3: 1 × 120 + 10 × 12 = 240.
    assert_eq!(
        values,
        [(0, d("200")), (1, d("320")), (2, d("220")), (3, d("240"))]
    );
}

#[test]
fn a_coin_without_closes_counts_nothing() {
    let t0 = day("2024-01-01").timestamp();
    let changes: Vec<Change> = vec![
        (t0, "bitcoin".into(), d("1")),
        (t0, "unlisted".into(), d("1000")),
    ];
    let closes = HashMap::from([("bitcoin".to_string(), vec![(t0, d("100.005"))])]);
    let p = points(&changes, &closes, DAY);
    // 100.005 to the cent, half away from zero: 100.01.
    assert_eq!(
        p,
        [ValuePoint {
            t: t0 * 1000,
            value: d("100.01")
        }]
    );
}
