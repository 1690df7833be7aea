//! Every figure here is worked out by hand in the comments.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::*;

/// An exact decimal from its digits as written: `dec!(0.5)`.
macro_rules! dec {
    ($x:expr) => {
        stringify!($x).parse::<Decimal>().expect("a decimal")
    };
}

const BTC: u32 = 0;
const ETH: u32 = 1;
const BNB: u32 = 2;
const DAY: i64 = 86_400;

fn acquire(
    tx: i64,
    portfolio: i64,
    coin: u32,
    day: i64,
    quantity: Decimal,
    cost: Decimal,
) -> Entry {
    Entry {
        tx,
        portfolio,
        coin,
        time: day * DAY,
        quantity,
        action: Action::Acquire { cost },
        unknown: false,
    }
}

fn dispose(
    tx: i64,
    portfolio: i64,
    coin: u32,
    day: i64,
    quantity: Decimal,
    proceeds: Decimal,
) -> Entry {
    Entry {
        tx,
        portfolio,
        coin,
        time: day * DAY,
        quantity,
        action: Action::Dispose { proceeds },
        unknown: false,
    }
}

/// Three buys of 1 BTC: at 10,000 with a 10 USD fee (lot A costs 10,010),
/// at 20,000 (B), at 15,000 (C); then 1.5 BTC sold at 30,000 with a 30 USD
/// fee: proceeds 45,000 − 30 = 44,970.
fn three_buys_and_a_sale() -> Vec<Entry> {
    vec![
        acquire(1, 1, BTC, 1, dec!(1), dec!(10010)),
        acquire(2, 1, BTC, 2, dec!(1), dec!(20000)),
        acquire(3, 1, BTC, 3, dec!(1), dec!(15000)),
        dispose(4, 1, BTC, 4, dec!(1.5), dec!(44970)),
    ]
}

fn run(entries: &[Entry], method: Method) -> Book {
    Book::replay(entries, HashMap::new(), method).expect("no shortfall")
}

#[test]
fn each_method_takes_its_lots_and_the_rest_stays_at_cost() {
    // FIFO: A (10,010) + half of B (10,000) = 20,010; gain 24,960.
    //   Left: half of B (10,000) + C (15,000) = 25,000.
    // LIFO: C (15,000) + half of B (10,000) = 25,000; gain 19,970.
    //   Left: A (10,010) + half of B (10,000) = 20,010.
    // HIFO: B (20,000) + half of C (7,500) = 27,500; gain 17,470.
    //   Left: A (10,010) + half of C (7,500) = 17,510.
    // Average: 45,010 / 3 a unit; 1.5 units cost 22,505; gain 22,465.
    //   Left: 22,505.
    let cases = [
        (Method::Fifo, dec!(20010), dec!(24960), dec!(25000)),
        (Method::Lifo, dec!(25000), dec!(19970), dec!(20010)),
        (Method::Hifo, dec!(27500), dec!(17470), dec!(17510)),
        (Method::Average, dec!(22505), dec!(22465), dec!(22505)),
    ];
    for (method, cost, gain, left) in cases {
        let book = run(&three_buys_and_a_sale(), method);
        let d = &book.disposals[0];
        assert_eq!((d.cost, d.gain()), (cost, gain), "{method:?}");
        let p = book.get(1, BTC).expect("btc");
        assert_eq!((p.quantity(), p.cost()), (dec!(1.5), left), "{method:?}");
        // At 40,000 the 1.5 left are worth 60,000; realized and unrealized
        // always add up to 44,970 + 60,000 − 45,010 = 59,960.
        assert_eq!(gain + (dec!(60000) - p.cost()), dec!(59960), "{method:?}");
    }
}

#[test]
fn a_partial_lot_keeps_its_date_and_the_rest_of_its_cost() {
    let book = run(&three_buys_and_a_sale(), Method::Fifo);
    let lots = book.get(1, BTC).expect("btc").lots();
    assert_eq!(
        lots,
        vec![
            Lot {
                quantity: dec!(0.5),
                cost: dec!(10000),
                acquired: 2 * DAY,
                unknown: false,
            },
            Lot {
                quantity: dec!(1),
                cost: dec!(15000),
                acquired: 3 * DAY,
                unknown: false,
            },
        ]
    );
}

#[test]
fn thirds_of_a_lot_lose_no_cent() {
    // 1 BTC for 100: three sales of a third each cost 33.33…, and the last
    // takes exactly what is left, so the costs add up to 100.
    let third = dec!(1) / dec!(3);
    let entries = vec![
        acquire(1, 1, BTC, 1, dec!(1), dec!(100)),
        dispose(2, 1, BTC, 2, third, dec!(50)),
        dispose(3, 1, BTC, 3, third, dec!(50)),
        dispose(4, 1, BTC, 4, dec!(1) - third - third, dec!(50)),
    ];
    for method in Method::ALL {
        let book = run(&entries, method);
        let cost: Decimal = book.disposals.iter().map(|d| d.cost).sum();
        assert_eq!(cost, dec!(100), "{method:?}");
        assert_eq!(book.get(1, BTC).expect("btc").cost(), Decimal::ZERO);
    }
}

#[test]
fn selling_more_than_held_is_refused_and_names_the_shortfall() {
    let entries = vec![
        acquire(1, 1, BTC, 1, dec!(0.5), dec!(10000)),
        dispose(2, 1, BTC, 2, dec!(0.8), dec!(24000)),
    ];
    let err = Book::replay(&entries, HashMap::new(), Method::Fifo).expect_err("shortfall");
    assert_eq!((err.tx, err.coin, err.time), (2, BTC, 2 * DAY));
    assert_eq!(
        (err.held, err.wanted, err.missing()),
        (dec!(0.5), dec!(0.8), dec!(0.3))
    );
}

#[test]
fn a_transfer_moves_lots_with_their_cost_and_dates() {
    // Portfolio 1 (LIFO) sends 1.5 BTC to portfolio 2 (FIFO): LIFO takes C
    // (day 3, 15,000) and half of B (day 2, 10,000). Portfolio 2 keeps them
    // in date order, so its FIFO sale of 0.25 takes from B: cost 5,000,
    // sold at 30,000 for 7,500, gain 2,500. No gain on the transfer itself.
    let mut entries = three_buys_and_a_sale();
    entries.pop();
    entries.push(Entry {
        tx: 5,
        portfolio: 1,
        coin: BTC,
        time: 4 * DAY,
        quantity: dec!(1.5),
        action: Action::Send { transfer: Some(5) },
        unknown: false,
    });
    entries.push(Entry {
        tx: 5,
        portfolio: 2,
        coin: BTC,
        time: 4 * DAY,
        quantity: dec!(1.5),
        action: Action::Receive { transfer: 5 },
        unknown: false,
    });
    entries.push(dispose(6, 2, BTC, 5, dec!(0.25), dec!(7500)));
    let methods = HashMap::from([(1, Method::Lifo), (2, Method::Fifo)]);
    let book = Book::replay(&entries, methods, Method::Fifo).expect("held");
    assert_eq!(book.disposals.len(), 1);
    assert_eq!(book.disposals[0].gain(), dec!(2500));
    let sent = book.get(1, BTC).expect("portfolio 1");
    assert_eq!((sent.quantity(), sent.cost()), (dec!(1.5), dec!(20010)));
    assert_eq!(
        book.get(2, BTC).expect("portfolio 2").lots(),
        vec![
            Lot {
                quantity: dec!(0.25),
                cost: dec!(5000),
                acquired: 2 * DAY,
                unknown: false,
            },
            Lot {
                quantity: dec!(1),
                cost: dec!(15000),
                acquired: 3 * DAY,
                unknown: false,
            },
        ]
    );
}

#[test]
fn a_fee_paid_in_another_coin_is_a_disposal_of_that_coin() {
    // 1 BNB bought for 200. 10 ETH bought at 2,000 with a fee of 0.01 BNB
    // when BNB was at 300: the fee is worth 3, so the ETH cost 20,003, and
    // 0.01 BNB (cost 2) was disposed of for 3: gain 1. 0.99 BNB left at 198.
    let entries = vec![
        acquire(1, 1, BNB, 1, dec!(1), dec!(200)),
        acquire(2, 1, ETH, 2, dec!(10), dec!(20003)),
        dispose(2, 1, BNB, 2, dec!(0.01), dec!(3)),
    ];
    let book = run(&entries, Method::Fifo);
    assert_eq!(book.get(1, ETH).expect("eth").cost(), dec!(20003));
    assert_eq!(book.disposals[0].gain(), dec!(1));
    let bnb = book.get(1, BNB).expect("bnb");
    assert_eq!((bnb.quantity(), bnb.cost()), (dec!(0.99), dec!(198)));
}

#[test]
fn income_is_held_at_its_value_then_and_gains_only_when_sold() {
    // 0.5 ETH of staking at 2,500 costs 1,250; sold at 3,000 for 1,500: +250.
    let entries = vec![
        acquire(1, 1, ETH, 1, dec!(0.5), dec!(1250)),
        dispose(2, 1, ETH, 9, dec!(0.5), dec!(1500)),
    ];
    let book = run(&entries, Method::Hifo);
    assert_eq!(book.disposals[0].gain(), dec!(250));
    assert!(book.positions().next().is_none(), "nothing left");
}

#[test]
fn what_if_answers_each_method_before_selling() {
    // The three buys unsold (A 10,010, B 20,000, C 15,000): selling 1.5 at
    // 30,000 (45,000) would gain, as above before fees:
    // FIFO 45,000 − 20,010 = 24,990; LIFO − 25,000 = 20,000;
    // HIFO − 27,500 = 17,500; average − 22,505 = 22,495.
    let mut entries = three_buys_and_a_sale();
    entries.pop();
    let expected = [
        (Method::Fifo, dec!(24990)),
        (Method::Lifo, dec!(20000)),
        (Method::Hifo, dec!(17500)),
        (Method::Average, dec!(22495)),
    ];
    for (method, gain) in expected {
        let book = run(&entries, method);
        assert_eq!(
            book.what_if(&[1], BTC, dec!(1.5), dec!(45000), method),
            Some(gain),
            "{method:?}"
        );
        assert_eq!(
            book.what_if(&[1], BTC, dec!(3.5), dec!(1), method),
            None,
            "more than held"
        );
    }
}

#[test]
fn methods_parse_by_name() {
    assert_eq!(Method::parse("HIFO"), Some(Method::Hifo));
    assert_eq!(Method::parse(" average "), Some(Method::Average));
    assert_eq!(Method::parse("lilo"), None);
}
