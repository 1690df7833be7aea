//! The fault matrix (docs/faults.md): one test per row, each through the
//! real parts — the real `coinlytics` binary, a real SQLite file held by a
//! second connection, the fake market, a real notification server on a
//! private bus and a real SMTP server on 127.0.0.1.

use std::time::{Duration, Instant};

use crate::util::world::{MonitorProcess, World};
use crate::util::{WAIT, wait_until};
use coinlytics_tests::{Fault, SmtpSink};

/// Longer than the store's busy timeout (5 s), so a write under the lock
/// fails rather than waits.
const PAST_BUSY_TIMEOUT: Duration = Duration::from_secs(12);

/// Waits until `check` holds for the alert history; panics with it.
async fn history_until(w: &World, what: &str, check: impl Fn(&serde_json::Value) -> bool) {
    wait_until(what, WAIT, async || {
        let h = w.history().await;
        if check(&h) { Ok(()) } else { Err(h) }
    })
    .await;
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
    let db = w.user.database();
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

#[tokio::test(flavor = "multi_thread")]
async fn absurd_numbers_never_stop_the_monitor() {
    let w = World::start(100.0).await;
    w.refused(
        &[
            "alerts",
            "add",
            "--coin",
            "bitcoin",
            "--above",
            "79228162514264337593543950335",
        ],
        "the price level can be at most 1000000000000000",
    )
    .await;
    // A rule stored before levels were bounded, at the largest Decimal:
    // fires at once, then works out whether it re-arms (level + band).
    w.alerts_add("--coin bitcoin --below 1000 --channel desktop")
        .await;
    let db = w.user.database();
    db.execute(
        "UPDATE alert_rules SET level = '79228162514264337593543950335' WHERE id = 1",
        [],
    )
    .expect("store the absurd level");
    drop(db);
    w.alerts_add("--coin bitcoin --move-pct 5 --window 1h --channel desktop")
        .await;
    let monitor = MonitorProcess::start(&w.user, &w.env());
    monitor.wait_for("fired 1-1").await;
    w.refreshes(1).await;
    // A price near 1e27: a move of ×1e25 overflows when taken in percent.
    w.fake.set_price("bitcoin", 1e27);
    w.refreshes(2).await;
    // Still watching: a new rule fires at the next update.
    w.alerts_add("--coin bitcoin --above 1000 --channel desktop")
        .await;
    monitor.wait_for("fired 3-1").await;
    let out = monitor.kill9();
    assert!(!out.contains("panicked"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_alert_only_request_failing_is_logged_once_and_named() {
    let w = World::start(70_000.0).await;
    w.refused(
        &[
            "alerts",
            "add",
            "--coin",
            "bitcoin",
            "--above",
            "1",
            "--currency",
            "xyz",
        ],
        "'xyz' is not a supported currency",
    )
    .await;
    // A rule stored before currencies were checked: its request fails on
    // every refresh, while the dashboard's succeeds.
    w.alerts_add("--coin bitcoin --above 1000000 --currency eur")
        .await;
    let db = w.user.database();
    db.execute("UPDATE alert_rules SET currency = 'xyz'", [])
        .expect("store the old rule");
    let monitor = MonitorProcess::start(&w.user, &w.env());
    monitor.wait_for("monitoring").await;
    w.refreshes(3).await;
    let rows: Vec<String> = db
        .prepare("SELECT message FROM event_log")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("read the event log");
    assert_eq!(
        rows.len(),
        1,
        "one row per failure, not per tick: {rows:#?}"
    );
    assert!(rows[0].contains("invalid vs_currency"), "{rows:#?}");
    monitor.kill9();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_from_a_newer_version_or_damaged_is_named_and_left_untouched() {
    let w = World::start(70_000.0).await;
    w.run(&["watchlist", "add", "bitcoin"]).await.ok();
    let path = w.user.database_path();
    let db = w.user.database();
    db.execute_batch("PRAGMA user_version = 99")
        .expect("a newer schema");
    drop(db);
    let before = std::fs::read(&path).expect("read");
    let newer = w.run(&["watchlist", "ls"]).await;
    assert_eq!(newer.code, 1, "{newer:?}");
    assert!(
        newer
            .stderr
            .contains("was written by a newer version of Coinlytics; it was left untouched"),
        "{newer:?}"
    );
    assert_eq!(std::fs::read(&path).expect("read"), before);

    std::fs::write(&path, b"not a database, whatever it was").expect("damage it");
    let damaged = w.run(&["prices"]).await;
    assert_eq!(damaged.code, 1, "{damaged:?}");
    assert!(
        damaged
            .stderr
            .contains("is damaged or not a Coinlytics database; it was left untouched"),
        "{damaged:?}"
    );
    assert_eq!(
        std::fs::read(&path).expect("read"),
        b"not a database, whatever it was"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_smtp_server_refusing_the_login_is_named() {
    let w = World::start(70_000.0).await;
    let keyring = w.bus.start_keyring(&w.user.home());
    let smtp = SmtpSink::start_with_auth("alerts", "the-right-password");
    w.email_to(smtp.port(), "alerts").await;
    let mut set = w
        .user
        .command(&["email", "set-password"])
        .envs(keyring.env())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("set-password");
    {
        use std::io::Write;
        writeln!(set.stdin.take().expect("stdin"), "a-wrong-password").expect("type it");
    }
    assert!(set.wait().expect("wait").success());
    let mut test = w.user.command(&["email", "test"]);
    test.envs(keyring.env()).envs(w.env());
    let run = crate::util::Run::from(test.output().expect("email test"));
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains(&format!(
            "127.0.0.1:{} refused the login of 'alerts'",
            smtp.port()
        )) && run.stderr.contains("coinlytics email set-password"),
        "{run:?}"
    );
    assert!(!run.stderr.contains("a-wrong-password"), "{run:?}");
    assert!(smtp.messages().is_empty());
}

/// Makes a file read-only for this user, root included (`chattr +i`: file
/// modes do not stop root); undone on drop. `None` where the file system
/// cannot (tmpfs has no immutable flag).
struct ReadOnly(std::path::PathBuf);

impl ReadOnly {
    fn make(path: &std::path::Path) -> Option<ReadOnly> {
        let ok = std::process::Command::new("chattr")
            .arg("+i")
            .arg(path)
            .status()
            .is_ok_and(|s| s.success());
        if ok && std::fs::OpenOptions::new().append(true).open(path).is_err() {
            return Some(ReadOnly(path.to_path_buf()));
        }
        // Not root: a file mode does it.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o400)).ok()?;
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(path)
            .status();
        std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .is_err()
            .then(|| ReadOnly(path.to_path_buf()))
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .status();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_read_only_database_shows_what_it_holds_and_refuses_changes_clearly() {
    let w = World::start(70_000.0).await;
    w.run(&["watchlist", "add", "bitcoin"]).await.ok();
    w.run(&["prices"]).await.ok();
    let path = w.user.database_path();
    let Some(_ro) = ReadOnly::make(&path) else {
        eprintln!("skipped: this file system cannot make a file read-only for this user");
        return;
    };
    let ls = w.run(&["watchlist", "ls"]).await.ok();
    assert!(ls.stdout.contains("bitcoin"), "{ls:?}");
    let add = w.run(&["watchlist", "add", "ethereum"]).await;
    assert_eq!(add.code, 1, "{add:?}");
    assert!(
        add.stderr
            .contains("is read-only: what it holds is shown, but nothing can be saved"),
        "{add:?}"
    );
    // Fresh prices cannot be stored: the stored ones are shown, stale.
    let prices = w.run(&["prices"]).await.ok();
    assert!(
        prices.stdout.contains("BTC Bitcoin  $70,000.00"),
        "{prices:?}"
    );
    assert!(
        prices.stderr.contains("is read-only")
            && prices
                .stderr
                .contains("showing the last stored prices, marked stale"),
        "{prices:?}"
    );
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
