//! The fault matrix (docs/faults.md): one test per row, each through the
//! real parts — the real `coinlytics` binary, a real SQLite file held by a
//! second connection, the fake market, a real notification server on a
//! private bus and a real SMTP server on 127.0.0.1.

mod common;

use std::time::{Duration, Instant};

use coinlytics_tests::{Fault, SmtpSink};
use common::monitor::{MonitorProcess, WAIT, World};

/// Longer than the store's busy timeout (5 s), so a write under the lock
/// fails rather than waits.
const PAST_BUSY_TIMEOUT: Duration = Duration::from_secs(12);

/// Waits until `check` holds for the alert history; panics with it.
async fn history_until(w: &World, what: &str, check: impl Fn(&serde_json::Value) -> bool) {
    let deadline = Instant::now() + WAIT;
    loop {
        let h = w.history().await;
        if check(&h) {
            return;
        }
        assert!(Instant::now() < deadline, "never {what}: {h}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_send_that_cannot_be_recorded_is_never_repeated() {
    let w = World::start(70_000.0).await;
    let smtp = SmtpSink::start();
    w.email_to(smtp.port(), "").await;
    w.alerts_add("--coin bitcoin --above 71000 --channel desktop,email")
        .await;
    let monitor = MonitorProcess::start(&w.user, &w.env());
    monitor.wait_for("monitoring").await;
    w.refreshes(1).await;

    // Both servers take the message, then hold their answer back while a
    // second process locks the database: the sends succeed, their records
    // cannot be written.
    smtp.set_reply_delay(Some(Duration::from_secs(2)));
    w.notifications
        .set_reply_delay(Some(Duration::from_secs(2)));
    w.fake.set_price("bitcoin", 72_000.0);
    w.notifications.wait_for(1, WAIT).await;
    smtp.wait_for(1, WAIT).await;
    let db = rusqlite::Connection::open(w.user.data_dir().join("coinlytics.sqlite3"))
        .expect("open the database");
    db.execute_batch("BEGIN IMMEDIATE")
        .expect("take the write lock");
    tokio::time::sleep(PAST_BUSY_TIMEOUT).await;
    assert_eq!(w.notifications.received().len(), 1, "{}", monitor.output());
    assert_eq!(smtp.messages().len(), 1, "{}", monitor.output());
    db.execute_batch("COMMIT").expect("release the lock");
    drop(db);

    // The records catch up; nothing is sent again.
    history_until(&w, "recorded as sent", |h| {
        h[0]["deliveries"]["desktop"]["status"] == "sent"
            && h[0]["deliveries"]["email"]["status"] == "sent"
    })
    .await;
    assert!(
        monitor.output().contains("cannot use the alert store"),
        "{}",
        monitor.output()
    );
    w.refreshes(1).await;
    assert_eq!(w.notifications.received().len(), 1);
    assert_eq!(smtp.messages().len(), 1);
    monitor.kill9();
}

/// What a terminal would obey rather than show: ESC (every escape
/// sequence), BEL, the C1 CSI, and a right-to-left override.
fn acts_on_a_terminal(text: &str) -> bool {
    text.contains(['\x1b', '\x07', '\u{9b}', '\u{202E}'])
}

#[tokio::test(flavor = "multi_thread")]
async fn text_from_the_source_and_the_user_cannot_drive_the_terminal() {
    let w = World::start(70_000.0).await;
    // Clears the screen, retitles the window, reverses what follows.
    w.fake.set_coin_text(
        "bitcoin",
        "b\x1b[2Jtc",
        "Bit\x1b]0;pwned\x07coin \u{202E}nioc\u{9b}31m",
    );
    let prices = w.run(&["prices", "--coins", "bitcoin"]).await.ok();
    assert!(!acts_on_a_terminal(&prices.stdout), "{prices:?}");
    assert!(
        prices.stdout.contains("B[2JTC Bit]0;pwnedcoin nioc31m"),
        "{prices:?}"
    );
    // Scripts get the source's text exactly, escaped in the JSON.
    let json = w
        .run(&["prices", "--json", "--coins", "bitcoin"])
        .await
        .ok();
    assert!(!acts_on_a_terminal(&json.stdout), "{json:?}");
    assert_eq!(
        json.json()[0]["name"],
        "Bit\x1b]0;pwned\x07coin \u{202E}nioc\u{9b}31m"
    );

    let added = w.run(&["watchlist", "add", "bitcoin"]).await.ok();
    let listed = w.run(&["watchlist", "ls"]).await.ok();
    for run in [&added, &listed] {
        assert!(!acts_on_a_terminal(&run.stdout), "{run:?}");
        assert!(run.stdout.contains("Bit]0;pwnedcoin"), "{run:?}");
    }

    w.run(&[
        "alerts",
        "add",
        "--coin",
        "bitcoin",
        "--above",
        "71000",
        "--note",
        "sell\x1b[2J\u{202E}now",
    ])
    .await
    .ok();
    let rules = w.run(&["alerts", "ls"]).await.ok();
    assert!(!acts_on_a_terminal(&rules.stdout), "{rules:?}");
    assert!(rules.stdout.contains("sell[2Jnow"), "{rules:?}");

    // A server's error message, on stderr.
    w.fake.push_fault(Fault::StatusMessage(
        400,
        "bad\x1b]52;c;cm0gLXJmIH4=\x07request\u{202E}".into(),
    ));
    let refused = w.run(&["prices", "--coins", "ethereum"]).await;
    assert_ne!(refused.code, 0, "{refused:?}");
    assert!(!acts_on_a_terminal(&refused.stderr), "{refused:?}");
    assert!(
        refused.stderr.contains("bad]52;c;cm0gLXJmIH4=request"),
        "{refused:?}"
    );

    // The monitor's log of a firing.
    let monitor = MonitorProcess::start(&w.user, &w.env());
    w.fake.set_price("bitcoin", 72_000.0);
    monitor.wait_for("delivered 1-1 by desktop").await;
    let out = monitor.kill9();
    assert!(!acts_on_a_terminal(&out), "{out}");
    assert!(out.contains("fired 1-1"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_note_and_a_name_reach_the_notification_server_as_text_not_markup() {
    let w = World::start(70_000.0).await;
    w.fake
        .set_coin_text("bitcoin", "btc", "Bit<i>coin</i> \u{202E}evil");
    w.run(&[
        "alerts",
        "add",
        "--coin",
        "bitcoin",
        "--above",
        "71000",
        "--note",
        "<b>x</b> & <a href=\"https://example.com\">y</a>",
    ])
    .await
    .ok();
    let monitor = MonitorProcess::start(&w.user, &w.env());
    monitor.wait_for("monitoring").await;
    w.refreshes(1).await;
    w.fake.set_price("bitcoin", 71_500.0);
    let shown = w.notifications.wait_for(1, WAIT).await;
    // The server advertises body-markup: the body is escaped for it.
    let body = &shown[0].body;
    assert!(
        body.starts_with("Bit&lt;i&gt;coin&lt;/i&gt; evil is at $71,500.00"),
        "{body:?}"
    );
    assert!(
        body.ends_with(
            "\n&lt;b&gt;x&lt;/b&gt; &amp; &lt;a href=\"https://example.com\"&gt;y&lt;/a&gt;"
        ),
        "{body:?}"
    );
    // The summary is plain text to every server: the server escapes it.
    assert_eq!(shown[0].summary, "BTC above $71,000.00");
    monitor.kill9();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_notification_server_that_never_answers_fails_the_attempt_which_is_retried() {
    let w = World::start(100.0).await;
    w.alerts_add("--coin bitcoin --above 50").await;
    // The server shows the notification, then holds its answer back.
    w.notifications
        .set_reply_delay(Some(Duration::from_secs(120)));
    let monitor = MonitorProcess::start(&w.user, &w.env());
    // Already above: fires at the first update.
    w.notifications.wait_for(1, WAIT).await;
    let started = Instant::now();
    monitor
        .wait_for(
            "delivery of 1-1 by desktop failed, will retry: \
             the notification server did not answer within 10 s",
        )
        .await;
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    let h = w.history().await;
    assert_eq!(h[0]["deliveries"]["desktop"]["status"], "pending", "{h}");
    monitor.kill9();
}
