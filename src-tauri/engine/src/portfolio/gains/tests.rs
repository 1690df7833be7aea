//! A year's gains worked out by hand: lots bought either side of a year
//! boundary, a sale taking a long and a short lot, income, and a
//! coin-for-coin trade (a sale of one coin and a buy of the other).

use super::*;
use crate::model::portfolio::Method;
use crate::portfolio::fixture::{Table, d, day, tx};
use crate::portfolio::ledger;

fn book(method: Method) -> (Ledger, Vec<Entry>, Vec<Tx>) {
    let mut txs = vec![
        tx(1, TxKind::Buy, "bitcoin", "1", Some("20000"), "2023-03-01"),
        tx(2, TxKind::Buy, "bitcoin", "1", Some("40000"), "2024-01-10"),
        tx(
            3,
            TxKind::Income,
            "ethereum",
            "0.1",
            Some("2000"),
            "2024-02-01",
        ),
        tx(
            4,
            TxKind::Sell,
            "bitcoin",
            "1.5",
            Some("60000"),
            "2024-04-01",
        ),
        // 0.5 BTC for 10 ETH: its two legs at the moment's prices.
        tx(
            5,
            TxKind::Sell,
            "bitcoin",
            "0.5",
            Some("50000"),
            "2024-06-01",
        ),
        tx(6, TxKind::Buy, "ethereum", "10", Some("2500"), "2024-06-01"),
        tx(
            7,
            TxKind::Sell,
            "ethereum",
            "10",
            Some("3000"),
            "2025-01-05",
        ),
    ];
    let methods = [(1, method)].into_iter().collect();
    let (l, entries) = ledger::replay_valued(&Table::default(), &mut txs, "usd", methods, method)
        .expect("read")
        .expect("replayed");
    (l, entries, txs)
}

fn year(y: i32) -> (i64, i64) {
    (
        day(&format!("{y}-01-01")).timestamp(),
        day(&format!("{}-01-01", y + 1)).timestamp(),
    )
}

fn line(
    coin: &str,
    q: &str,
    acquired: Option<&str>,
    disposed: &str,
    (p, c): (&str, &str),
    term: Term,
    tx: i64,
) -> GainLine {
    GainLine {
        coin: coin.into(),
        quantity: d(q),
        acquired: acquired.map(|a| day(a).timestamp()),
        disposed: day(disposed).timestamp(),
        proceeds: d(p),
        cost: d(c),
        gain: d(p) - d(c),
        term,
        tx,
        incomplete: false,
    }
}

#[test]
fn fifo_lists_each_lot_a_sale_took_with_its_holding_period() {
    let (l, e, txs) = book(Method::Fifo);
    let r = realized(&l, &e, &txs, &[1], year(2024));
    assert_eq!(
        r.lines,
        [
            line(
                "bitcoin",
                "1",
                Some("2023-03-01"),
                "2024-04-01",
                ("60000.00", "20000.00"),
                Term::Long,
                4
            ),
            line(
                "bitcoin",
                "0.5",
                Some("2024-01-10"),
                "2024-04-01",
                ("30000.00", "20000.00"),
                Term::Short,
                4
            ),
            line(
                "bitcoin",
                "0.5",
                Some("2024-01-10"),
                "2024-06-01",
                ("25000.00", "20000.00"),
                Term::Short,
                5
            ),
        ]
    );
    assert_eq!(
        (r.short.proceeds, r.short.cost, r.short.gain),
        (d("55000"), d("40000"), d("15000"))
    );
    assert_eq!(
        (r.long.proceeds, r.long.cost, r.long.gain),
        (d("60000"), d("20000"), d("40000"))
    );
    assert_eq!(r.income.len(), 1);
    assert_eq!(
        (r.income[0].coin.as_str(), r.income[0].value),
        ("ethereum", d("200.00"))
    );
    assert_eq!(r.income_total, d("200"));
    // The next year's sale of 10 ETH takes the income's 0.1 first (its
    // cost is its value when received), then 9.9 of the trade's 10.
    let next = realized(&l, &e, &txs, &[1], year(2025));
    assert_eq!(
        next.lines,
        [
            line(
                "ethereum",
                "0.1",
                Some("2024-02-01"),
                "2025-01-05",
                ("300.00", "200.00"),
                Term::Short,
                7
            ),
            line(
                "ethereum",
                "9.9",
                Some("2024-06-01"),
                "2025-01-05",
                ("29700.00", "24750.00"),
                Term::Short,
                7
            ),
        ]
    );
    assert!(next.income.is_empty());
    // Another portfolio's lines are not this one's.
    assert!(realized(&l, &e, &txs, &[2], year(2024)).lines.is_empty());
}

#[test]
fn average_cost_dates_a_pooled_lot_various() {
    let (l, e, txs) = book(Method::Average);
    let r = realized(&l, &e, &txs, &[1], year(2024));
    assert_eq!(
        r.lines,
        [
            line(
                "bitcoin",
                "1.5",
                None,
                "2024-04-01",
                ("90000.00", "45000.00"),
                Term::Long,
                4
            ),
            line(
                "bitcoin",
                "0.5",
                None,
                "2024-06-01",
                ("25000.00", "15000.00"),
                Term::Long,
                5
            ),
        ]
    );
    assert_eq!(r.long.gain, d("55000"));
}

#[test]
fn a_year_is_more_than_twelve_months_to_the_second() {
    let bought = day("2024-02-29").timestamp();
    assert_eq!(term(bought, day("2025-02-28").timestamp()), Term::Short);
    assert_eq!(term(bought, day("2025-03-01").timestamp()), Term::Long);
    let a = day("2023-03-01").timestamp();
    assert_eq!(term(a, day("2024-03-01").timestamp()), Term::Short);
    assert_eq!(term(a, day("2024-03-01").timestamp() + 1), Term::Long);
}

#[test]
fn a_lot_of_unknown_value_makes_its_lines_and_totals_incomplete() {
    // Staking income no source values (no price given, none stored),
    // half of it sold: the holdings stay right; the sale's gain and the
    // income are marked, and so are the short totals.
    let mut txs = vec![
        tx(1, TxKind::Income, "solana", "2", None, "2024-02-01"),
        tx(2, TxKind::Buy, "bitcoin", "1", Some("100"), "2024-02-01"),
        tx(3, TxKind::Sell, "solana", "1", Some("150"), "2024-03-01"),
        tx(4, TxKind::Sell, "bitcoin", "1", Some("120"), "2024-03-01"),
    ];
    let methods = [(1, Method::Fifo)].into_iter().collect();
    let (l, e) = ledger::replay_valued(&Table::default(), &mut txs, "usd", methods, Method::Fifo)
        .expect("read")
        .expect("replayed");
    assert_eq!(l.unknown.iter().map(|u| u.tx).collect::<Vec<_>>(), [1]);
    let r = realized(&l, &e, &txs, &[1], year(2024));
    let incomplete: Vec<(i64, bool)> = r.lines.iter().map(|x| (x.tx, x.incomplete)).collect();
    assert_eq!(incomplete, [(3, true), (4, false)]);
    assert!(r.short.incomplete);
    assert_eq!(r.income.len(), 1);
    assert!(r.income[0].value_unknown);
}
