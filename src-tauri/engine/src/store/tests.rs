use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;

use super::*;
use crate::model::{Coin, HistoryPoint, Quote};

fn quote(id: &str, rank: u32, price: &str) -> Quote {
    let t = Utc
        .timestamp_opt(1_700_000_000 + rank as i64, 0)
        .single()
        .expect("valid time");
    Quote {
        name: id.to_uppercase(),
        image: Some(format!("https://img/{id}.png")),
        market_cap: Some(Decimal::from(1_000_000_000_000_u64 / rank as u64)),
        change_1h_pct: Some(0.5),
        change_24h_pct: Some(-1.25),
        market_cap_rank: Some(rank),
        sparkline_7d: vec![1.5, 2.25, 3.0],
        updated_at: t,
        fetched_at: t,
        source: "CoinGecko".into(),
        figures: Default::default(),
        ..crate::testing::quote(id, price)
    }
}

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("db.sqlite3")).expect("open store");
    (dir, store)
}

#[test]
fn refresh_round_trips_exact_money_and_sparkline() {
    let (_d, store) = open();
    let q = vec![
        quote("bitcoin", 1, "67187.33"),
        quote("shiba-inu", 12, "0.00002231"),
    ];
    store.record_refresh(&q).expect("stored");
    let back = store
        .read(|c| queries::quotes::latest_top(c, "usd", 10))
        .expect("read");
    assert_eq!(back, q);
    assert_eq!(back[1].price.to_string(), "0.00002231");
}

#[test]
fn recording_the_same_refresh_twice_is_idempotent() {
    let (_d, store) = open();
    let q = vec![quote("bitcoin", 1, "1"), quote("ethereum", 2, "2")];
    store.record_refresh(&q).expect("first");
    store.record_refresh(&q).expect("second");
    assert_eq!(store.read(queries::history::count).expect("count"), 2);
    assert_eq!(store.read(queries::coins::count).expect("count"), 2);
}

#[test]
fn history_insert_reports_only_new_points() {
    let (_d, store) = open();
    let p = |ts| HistoryPoint {
        coin_id: "bitcoin".into(),
        currency: "usd".into(),
        ts,
        price: Decimal::from(ts),
        volume: None,
        market_cap: None,
    };
    let added = store
        .write(|tx| queries::history::insert(tx, &[p(1), p(2)]))
        .expect("insert");
    let again = store
        .write(|tx| queries::history::insert(tx, &[p(2), p(3)]))
        .expect("insert");
    assert_eq!((added, again), (2, 1));
    let range = store
        .read(|c| queries::history::range(c, "bitcoin", "usd", 2, 3))
        .expect("range");
    assert_eq!(range.iter().map(|p| p.ts).collect::<Vec<_>>(), vec![2, 3]);
}

#[test]
fn watchlist_keeps_order_and_rejects_unknown_coins() {
    let (_d, store) = open();
    let coins: Vec<Coin> = ["bitcoin", "ethereum", "solana"]
        .iter()
        .map(|id| Coin {
            id: id.to_string(),
            symbol: id[..3].into(),
            name: id.to_string(),
        })
        .collect();
    store.record_coin_list(&coins).expect("coins");
    for id in ["solana", "bitcoin", "ethereum"] {
        assert!(
            store
                .write(|tx| queries::watchlist::add(tx, id, 0))
                .expect("add")
        );
    }
    assert!(
        !store
            .write(|tx| queries::watchlist::add(tx, "bitcoin", 0))
            .expect("dup")
    );
    assert!(
        store
            .write(|tx| queries::watchlist::add(tx, "nope", 0))
            .is_err(),
        "foreign key"
    );
    store
        .write(|tx| {
            queries::watchlist::reorder(tx, &["ethereum".into(), "solana".into(), "bitcoin".into()])
        })
        .expect("reorder");
    assert!(
        store
            .write(|tx| queries::watchlist::remove(tx, "solana"))
            .expect("rm")
    );
    let ids: Vec<String> = store
        .read(queries::watchlist::list)
        .expect("list")
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, vec!["ethereum", "bitcoin"]);
}

#[test]
fn a_file_that_is_not_a_database_is_reported_and_left_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("db.sqlite3");
    let junk = b"this is not sqlite, it is someone's precious notes".repeat(100);
    std::fs::write(&path, &junk).expect("write junk");
    let err = Store::open(&path).err().expect("must not open");
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("left untouched"));
    assert_eq!(std::fs::read(&path).expect("still there"), junk);
}

#[test]
fn a_writer_blocked_by_another_connection_reports_locked() {
    let (dir, store) = open();
    let other =
        rusqlite::Connection::open(dir.path().join("db.sqlite3")).expect("second connection");
    other
        .execute_batch("BEGIN IMMEDIATE")
        .expect("hold the write lock");
    // Shorten the wait so the test is quick; the message is what matters.
    store
        .conn()
        .busy_timeout(std::time::Duration::from_millis(50))
        .expect("timeout");
    let err = store
        .write(|tx| queries::state::set(tx, "k", "v", 0))
        .expect_err("locked");
    assert!(matches!(err, StoreError::Locked { .. }), "{err}");
}

/// The architecture invariant: the store depends on model types (and the
/// leaf `private`, which only sets file modes), never on a service (alerts,
/// market, app), so it cannot form a cycle with them.
#[test]
fn the_store_imports_only_model_types() {
    fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read store/").flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("tests.rs") {
                // This file is test code: it may use the fixtures.
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    sources(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store"),
        &mut files,
    );
    assert!(files.len() > 5, "{files:?}");
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        for (at, _) in text.match_indices("crate::") {
            let path = &text[at + "crate::".len()..];
            assert!(
                ["model", "store", "private"]
                    .iter()
                    .any(|m| path.starts_with(m)),
                "{} uses crate::{}",
                file.display(),
                path.lines().next().unwrap_or_default()
            );
        }
    }
}

#[cfg(unix)]
#[test]
fn the_data_dir_and_the_database_are_the_users_alone() {
    use std::os::unix::fs::PermissionsExt;
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("exists").permissions().mode() & 0o777;
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("new").join("data");
    let db = data.join("coinlytics.sqlite3");
    // Opening migrates, which writes the WAL (removed again on close).
    let _open = Store::open(&db).expect("open");
    assert_eq!(mode(&data), 0o700, "a data dir it creates");
    assert_eq!(mode(&dir.path().join("new")), 0o700, "and its new parents");
    assert_eq!(mode(&db), 0o600);
    assert_eq!(mode(&data.join("coinlytics.sqlite3-wal")), 0o600);
    // A directory that was there already is left as the user made it.
    let shared = tempfile::tempdir().expect("temp dir");
    std::fs::set_permissions(shared.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    Store::open(&shared.path().join("db.sqlite3")).expect("open");
    assert_eq!(mode(shared.path()), 0o755);
    assert_eq!(mode(&shared.path().join("db.sqlite3")), 0o600);
}

#[test]
fn the_monitor_never_writes_its_state_over_a_later_edit() {
    use crate::model::alert::Condition;
    let (_d, store) = open();
    let spec = crate::testing::rule_spec("bitcoin", Condition::Above, "100");
    let id = store
        .write(|tx| queries::alerts::insert_rule(tx, &spec, 1))
        .expect("insert");
    // The monitor loads the rule and evaluates it (it fires)...
    let mut evaluated = store
        .read(|c| queries::alerts::rule(c, id))
        .expect("read")
        .expect("the rule");
    evaluated.armed = false;
    evaluated.epoch += 1;
    evaluated.last_fired_at = Some(2);
    // ...while the user disables it from another window.
    store
        .write(|tx| queries::alerts::set_enabled(tx, id, false, 3))
        .expect("disable");
    let saved = store
        .write(|tx| queries::alerts::save_state(tx, &evaluated))
        .expect("save");
    let stored = store
        .read(|c| queries::alerts::rule(c, id))
        .expect("read")
        .expect("the rule");
    assert!(!stored.enabled, "the disable was undone");
    assert_eq!((saved, stored.epoch), (false, 0));
    // Loaded afresh, the monitor's write lands.
    let mut fresh = stored.clone();
    fresh.armed = false;
    assert!(
        store
            .write(|tx| queries::alerts::save_state(tx, &fresh))
            .expect("save")
    );
}

#[test]
fn processes_opening_a_fresh_data_dir_together_all_succeed() {
    for _ in 0..10 {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("data").join("db.sqlite3");
        let start = std::sync::Arc::new(std::sync::Barrier::new(6));
        let opened: Vec<_> = (0..6)
            .map(|_| {
                let (path, start) = (path.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    Store::open(&path).map(|_| ())
                })
            })
            .collect();
        for o in opened {
            o.join().expect("no panic").expect("every opener succeeds");
        }
    }
}

#[test]
fn retention_trims_old_history_but_keeps_what_is_still_being_delivered() {
    use crate::model::alert::{Condition, DeliveryStatus, Firing, Rule};
    const DAY: i64 = 24 * 3600 * 1000;
    let (_d, store) = open();
    let now = 1_800_000_000_000;
    let rule = Rule::new(
        1,
        crate::testing::rule_spec("bitcoin", Condition::Above, "1"),
        0,
    );
    let fire = |epoch: i64, at: i64| {
        let mut r = rule.clone();
        r.epoch = epoch;
        Firing::new(&r, &crate::testing::quote("bitcoin", "2"), Decimal::TWO, at)
    };
    store
        .write(|tx| {
            for (f, sent) in [
                (fire(1, now - 400 * DAY), true),
                (fire(2, now - 400 * DAY), false),
                (fire(3, now - DAY), true),
            ] {
                queries::alerts::insert_firing(tx, &f)?;
                if sent {
                    queries::alerts::record_attempt(
                        tx,
                        &f.key,
                        "desktop",
                        DeliveryStatus::Sent,
                        None,
                        f.fired_at,
                        f.fired_at,
                    )?;
                }
            }
            queries::events::append(tx, now - 40 * DAY, "warn", "offline", "old")?;
            queries::events::append(tx, now - DAY, "warn", "offline", "new")
        })
        .expect("seed");
    assert_eq!(store.prune(now, 30, 365).expect("prune"), (1, 1));
    let keys: Vec<String> = store
        .read(|c| queries::alerts::history(c, 10))
        .expect("history")
        .into_iter()
        .map(|h| h.firing.key)
        .collect();
    assert_eq!(keys, ["1-3", "1-2"], "the pending one stays");
    let orphans: i64 = store
        .read(|c| {
            c.query_row(
                "SELECT count(*) FROM alert_deliveries WHERE firing_key = '1-1'",
                [],
                |r| r.get(0),
            )
        })
        .expect("count");
    assert_eq!(orphans, 0);
    assert_eq!(store.prune(now, 30, 365).expect("again"), (0, 0));
    let plan: String = store
        .read(|c| {
            c.query_row(
                "EXPLAIN QUERY PLAN SELECT count(*) FROM alert_firings WHERE acknowledged = 0",
                [],
                |r| r.get(3),
            )
        })
        .expect("plan");
    assert!(plan.contains("alert_firings_unseen"), "{plan}");
}

#[test]
fn a_retry_set_before_the_clock_stepped_back_is_due_now() {
    use crate::model::alert::{Condition, DeliveryStatus, Firing, Rule};
    let (_d, store) = open();
    let now = 1_800_000_000_000;
    let rule = Rule::new(
        1,
        crate::testing::rule_spec("bitcoin", Condition::Above, "1"),
        0,
    );
    let f = Firing::new(
        &rule,
        &crate::testing::quote("bitcoin", "2"),
        Decimal::TWO,
        now,
    );
    let due = |retry_at: i64| {
        store
            .write(|tx| {
                queries::alerts::insert_firing(tx, &f)?;
                queries::alerts::record_attempt(
                    tx,
                    &f.key,
                    "desktop",
                    DeliveryStatus::Pending,
                    Some("down"),
                    now,
                    retry_at,
                )?;
                queries::alerts::due(tx, "desktop", now, now + 60_000, 10)
            })
            .expect("due")
            .len()
    };
    assert_eq!(due(now + 30_000), 0, "a back-off still running waits");
    assert_eq!(
        due(now + 86_400_000),
        1,
        "a day ahead: the clock moved back"
    );
}

#[test]
fn an_anomaly_rule_and_its_firing_keep_their_lookback() {
    use crate::model::alert::{Condition, Firing};
    let (_d, store) = open();
    let mut spec = crate::testing::rule_spec("solana", Condition::Anomaly, "3");
    spec.lookback_secs = Some(30 * 86_400);
    let id = store
        .write(|tx| queries::alerts::insert_rule(tx, &spec, 1))
        .expect("insert");
    let stored = |store: &Store| {
        store
            .read(|c| queries::alerts::rule(c, id))
            .expect("read")
            .expect("the rule")
    };
    let rule = stored(&store);
    assert_eq!(rule.spec, spec);
    assert_eq!(rule.spec.lookback_secs, Some(30 * 86_400));

    spec.lookback_secs = Some(86_400);
    store
        .write(|tx| queries::alerts::update_rule(tx, id, &spec, 2))
        .expect("update");
    assert_eq!(stored(&store).spec.lookback_secs, Some(86_400));
    let above = crate::testing::rule_spec("bitcoin", Condition::Above, "1");
    store
        .write(|tx| queries::alerts::update_rule(tx, id, &above, 3))
        .expect("update");
    assert_eq!(
        stored(&store).spec.lookback_secs,
        None,
        "cleared by an edit"
    );

    let fired = Firing::new(
        &crate::model::alert::Rule::new(
            id,
            crate::testing::rule_spec("solana", Condition::Anomaly, "3"),
            0,
        ),
        &crate::testing::quote("solana", "160"),
        "-3.5".parse().expect("z"),
        1_800_000_000_000,
    );
    let due = store
        .write(|tx| {
            queries::alerts::insert_firing(tx, &fired)?;
            queries::alerts::due(tx, "desktop", i64::MAX, i64::MAX, 10)
        })
        .expect("record");
    assert_eq!(due.len(), 1);
    let (read, attempts) = &due[0];
    assert_eq!(*attempts, 0);
    assert_eq!(
        (read.lookback_secs, read.value),
        (Some(7 * 86_400), fired.value)
    );
    let history = store
        .read(|c| queries::alerts::history(c, 10))
        .expect("history");
    assert_eq!(history[0].firing.lookback_secs, Some(7 * 86_400));
    assert_eq!(history[0].firing, fired);
}
