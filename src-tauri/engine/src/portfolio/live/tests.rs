use super::*;
use crate::portfolio::fixture::tx;
use crate::portfolio::{Tx, TxKind};
use crate::testing::quote;

fn store() -> (tempfile::TempDir, Arc<Store>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("db.sqlite3")).expect("store");
    (dir, Arc::new(store))
}

fn record(store: &Store, t: &Tx) {
    store
        .write(|c| {
            let p = q::ensure(c, &t.portfolio, 0)?;
            let mut t = t.clone();
            t.portfolio_id = p.id;
            q::insert(c, &t, None, 0)
        })
        .expect("recorded");
}

#[test]
fn the_total_follows_new_prices_without_a_replay_and_replays_after_a_write() {
    let (_dir, store) = store();
    let tracker = Tracker::new(store.clone());
    let none = HashMap::new();
    assert_eq!(
        tracker.total("usd", &none).expect("total"),
        None,
        "nothing held"
    );

    record(
        &store,
        &tx(0, TxKind::Buy, "bitcoin", "1", Some("100"), "2024-01-01"),
    );
    record(
        &store,
        &tx(0, TxKind::Buy, "ethereum", "10", Some("10"), "2024-01-01"),
    );
    // Ethereum's stored quote is 15; bitcoin's price comes with the update.
    store
        .record_refresh(&[quote("ethereum", "15")])
        .expect("quote");
    let total = |btc: &str| {
        let prices = HashMap::from([("bitcoin".to_string(), btc.parse().expect("decimal"))]);
        tracker.total("usd", &prices).expect("total")
    };
    // 1 × 250 + 10 × 15 = 400; then 1 × 300.5 + 150 = 450.50.
    assert_eq!(total("250"), Some("400".parse().expect("decimal")));
    assert_eq!(total("300.5").map(|t| t.to_string()), Some("450.50".into()));

    // A change behind the store's back (no revision) is not seen: the
    // positions are kept, not replayed.
    store
        .write(|c| c.execute("DELETE FROM portfolio_txs WHERE coin_id = 'ethereum'", []))
        .expect("deleted");
    assert_eq!(total("300").map(|t| t.to_string()), Some("450.00".into()));
    // A write through the store's queries bumps the revision: replayed.
    record(
        &store,
        &tx(0, TxKind::Buy, "bitcoin", "1", Some("100"), "2024-01-02"),
    );
    assert_eq!(total("300").map(|t| t.to_string()), Some("600.00".into()));
}

#[test]
fn a_coin_with_no_price_at_all_is_held_and_valued_at_nothing() {
    let (_dir, store) = store();
    record(
        &store,
        &tx(0, TxKind::Buy, "bitcoin", "2", Some("100"), "2024-01-01"),
    );
    store
        .record_refresh(&[quote("ethereum", "15")])
        .expect("quote");
    let tracker = Tracker::new(store);
    let total = tracker.total("usd", &HashMap::new()).expect("total");
    assert_eq!(total, Some(Decimal::ZERO));
}
