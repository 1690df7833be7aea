//! `coinlytics monitor` as people run it: the real binary against the fake
//! market, a real notification server and a real Secret Service on a private
//! D-Bus, and a real SMTP server (aiosmtpd) on 127.0.0.1. Includes the crash
//! scenarios: kill -9 between recording and sending, and between sending
//! and recording; neither loses nor duplicates an alert.

use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

use crate::util::WAIT;
use crate::util::files_containing;
use crate::util::world::{MonitorProcess, World};
use coinlytics_tests::SmtpSink;

const PASSWORD: &str = "smtp-Secret-9f3Kq2Lx";

#[tokio::test(flavor = "multi_thread")]
async fn a_crossing_reaches_desktop_and_mailbox_once_and_the_password_stays_in_the_keyring() {
    let w = World::start(70_000.0).await;
    let home = tempfile::tempdir().expect("home");
    let keyring = w.bus.start_keyring(home.path());
    let smtp = SmtpSink::start_with_auth("alerts", PASSWORD);
    w.email_to(smtp.port(), "alerts").await;
    let mut set = w
        .user
        .command(&["email", "set-password"])
        .envs(keyring.env())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("set-password");
    writeln!(set.stdin.take().expect("stdin"), "{PASSWORD}").expect("write password");
    assert!(set.wait().expect("wait").success());

    let added = w
        .run(&[
            "alerts",
            "add",
            "--coin",
            "btc",
            "--above",
            "71000",
            "--channel",
            "desktop,email",
            "--note",
            "take profit",
        ])
        .await
        .ok();
    assert!(
        added
            .stdout
            .contains("added alert #1: Bitcoin: price rises above $71,000.00"),
        "{added:?}"
    );

    let monitor = MonitorProcess::start(&w.user, &keyring.env());
    monitor.wait_for("monitoring 1 enabled alert rule(s)").await;
    w.refreshes(1).await; // 70,000: below the level
    assert!(w.notifications.received().is_empty());
    w.fake.set_price("bitcoin", 71_500.0);

    let shown = w.notifications.wait_for(1, WAIT).await;
    assert_eq!(shown[0].app_name, "Coinlytics");
    assert_eq!(shown[0].summary, "BTC above $71,000.00");
    assert!(
        shown[0]
            .body
            .contains("Bitcoin is at $71,500.00 (alert level $71,000.00)"),
        "{:?}",
        shown[0]
    );
    assert!(shown[0].body.contains("take profit"), "{:?}", shown[0]);
    assert!(
        shown[0].app_icon.ends_with("coinlytics.png"),
        "{:?}",
        shown[0]
    );

    let mails = smtp.wait_for(1, WAIT).await;
    assert_eq!(mails[0].subject, "Coinlytics: BTC above $71,000.00");
    assert_eq!(mails[0].rcpts, ["me@example.com"]);
    assert_eq!(mails[0].auth_user.as_deref(), Some("alerts"));
    assert!(mails[0].text.contains("$71,500.00"), "{}", mails[0].text);
    assert!(
        mails[0]
            .html
            .as_deref()
            .is_some_and(|h| h.contains("<h2>BTC above $71,000.00</h2>"))
    );
    assert!(
        mails[0].message_id.starts_with("<alert-1-1."),
        "{}",
        mails[0].message_id
    );
    monitor.wait_for("delivered 1-1 by email").await;

    // Still above at the next update: no second alert.
    w.refreshes(1).await;
    assert_eq!(w.notifications.received().len(), 1);
    assert_eq!(smtp.messages().len(), 1);

    let history = w.history().await;
    let h = &history[0];
    assert_eq!(history.as_array().map(Vec::len), Some(1));
    assert_eq!(
        (h["rule_id"].as_i64(), h["coin_id"].as_str()),
        (Some(1), Some("bitcoin"))
    );
    assert_eq!(
        (h["price"].as_str(), h["level"].as_str()),
        (Some("71500"), Some("71000"))
    );
    assert!(h["fired_at"].as_i64().is_some());
    assert_eq!(h["deliveries"]["desktop"]["status"], "sent");
    assert_eq!(h["deliveries"]["email"]["status"], "sent");

    let (code, out) = monitor.terminate();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("monitor stopped"), "{out}");
    let status = w.run(&["email", "status"]).await;
    assert!(!status.stdout.contains(PASSWORD) && !out.contains(PASSWORD));
    assert_eq!(
        files_containing(w.user.dir.path(), PASSWORD.as_bytes()),
        Vec::<String>::new()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_before_sending_then_restarted_the_mail_arrives_exactly_once() {
    let w = World::start(70_000.0).await;
    // A port with nothing on it: SMTP is down.
    let mut smtp = SmtpSink::start();
    let port = smtp.port();
    smtp.stop();
    w.email_to(port, "").await;
    w.alerts_add("--coin bitcoin --below 69000 --channel desktop,email")
        .await;
    let monitor = MonitorProcess::start(&w.user, &w.env());
    monitor.wait_for("monitoring").await;
    w.refreshes(1).await;
    w.fake.set_price("bitcoin", 68_000.0);
    monitor
        .wait_for("delivery of 1-1 by email failed, will retry")
        .await;
    // The desktop send runs beside the mail's; delivery is at least once, so a
    // kill between its send and its record would rightly show it again.
    monitor.wait_for("delivered 1-1 by desktop").await;
    let before = monitor.kill9();
    assert!(before.contains("fired 1-1"), "{before}");
    let h = w.history().await;
    assert_eq!(h[0]["deliveries"]["email"]["status"], "pending", "{h}");
    assert!(
        h[0]["deliveries"]["email"]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains(&format!("127.0.0.1:{port}"))),
        "{h}"
    );

    let smtp = SmtpSink::start_on(port);
    let monitor = MonitorProcess::start(&w.user, &w.env());
    let mails = smtp.wait_for(1, WAIT).await;
    monitor.wait_for("delivered 1-1 by email").await;
    // Two more updates below the level: nothing new is sent.
    w.refreshes(2).await;
    assert_eq!(smtp.messages().len(), 1, "{:#?}", smtp.messages());
    assert_eq!(mails[0].subject, "Coinlytics: BTC below $69,000.00");
    assert_eq!(
        w.notifications.received().len(),
        1,
        "the desktop was notified before the crash, once"
    );
    let h = w.history().await;
    assert_eq!(h.as_array().map(Vec::len), Some(1));
    assert_eq!(h[0]["deliveries"]["email"]["status"], "sent");
    assert!(h[0]["deliveries"]["email"]["attempts"].as_u64() >= Some(2));
    monitor.kill9();
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_between_sending_and_recording_the_resent_mail_has_the_same_message_id() {
    let w = World::start(70_000.0).await;
    let smtp = SmtpSink::start();
    // The server keeps the message but holds its "250 OK" back.
    smtp.set_reply_delay(Some(Duration::from_secs(20)));
    w.email_to(smtp.port(), "").await;
    w.alerts_add("--coin bitcoin --above 71000 --channel email")
        .await;
    let monitor = MonitorProcess::start(&w.user, &w.env());
    monitor.wait_for("monitoring").await;
    w.refreshes(1).await;
    w.fake.set_price("bitcoin", 72_000.0);
    let first = smtp.wait_for(1, WAIT).await;
    monitor.kill9();
    let h = w.history().await;
    assert_eq!(
        h[0]["deliveries"]["email"]["status"], "sending",
        "the send was claimed, never recorded: {h}"
    );

    smtp.set_reply_delay(None);
    let monitor = MonitorProcess::start(&w.user, &w.env());
    let mails = smtp.wait_for(2, WAIT).await;
    monitor.wait_for("delivered 1-1 by email").await;
    w.refreshes(1).await;
    assert_eq!(smtp.messages().len(), 2);
    // Sent twice over SMTP, one message to a mail client: same Message-ID.
    assert_eq!(mails[1].message_id, first[0].message_id);
    assert_eq!(
        w.history().await[0]["deliveries"]["email"]["status"],
        "sent"
    );
    monitor.kill9();
}

#[tokio::test(flavor = "multi_thread")]
async fn smtp_down_then_up_delivers_once_while_the_monitor_keeps_running() {
    let w = World::start(100.0).await;
    let mut smtp = SmtpSink::start();
    let port = smtp.port();
    smtp.stop();
    w.email_to(port, "").await;
    w.alerts_add("--coin bitcoin --above 50 --channel email,desktop")
        .await;
    let monitor = MonitorProcess::start(&w.user, &w.env());
    // Already above when created: fires at the first update.
    monitor.wait_for("fired 1-1").await;
    monitor
        .wait_for("delivery of 1-1 by email failed, will retry")
        .await;
    w.notifications.wait_for(1, WAIT).await;
    let smtp = SmtpSink::start_on(port);
    smtp.wait_for(1, WAIT).await;
    monitor.wait_for("delivered 1-1 by email").await;
    w.refreshes(1).await;
    assert_eq!(smtp.messages().len(), 1);
    monitor.kill9();
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_keyring_the_mail_fails_clearly_and_the_desktop_still_fires() {
    let w = World::start(70_000.0).await;
    let smtp = SmtpSink::start_with_auth("alerts", PASSWORD);
    // A username means a password is needed, and this bus has no keyring.
    w.email_to(smtp.port(), "alerts").await;
    w.alerts_add("--coin bitcoin --above 1000 --channel desktop,email")
        .await;
    let monitor = MonitorProcess::start(&w.user, &w.env());
    let shown = w.notifications.wait_for(1, WAIT).await;
    assert_eq!(shown[0].summary, "BTC above $1,000.00");
    monitor
        .wait_for("delivery of 1-1 by email failed, will retry")
        .await;
    // The two channels are delivered apart: the desktop one is recorded
    // on its own time.
    monitor.wait_for("delivered 1-1 by desktop").await;
    let out = monitor.kill9();
    assert!(
        out.contains("the OS keyring is not available, so the SMTP password cannot be used"),
        "{out}"
    );
    let h = w.history().await;
    assert_eq!(h[0]["deliveries"]["desktop"]["status"], "sent");
    assert!(
        h[0]["deliveries"]["email"]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("keyring")),
        "{h}"
    );
    assert!(smtp.messages().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_monitor_on_the_same_data_says_who_monitors_and_exits() {
    let w = World::start(70_000.0).await;
    let first = MonitorProcess::start(&w.user, &w.env());
    first.wait_for("monitoring").await;
    let second = w.run(&["monitor"]).await;
    assert_eq!(second.code, 3, "{second:?}");
    assert!(
        second.stderr.contains(
            "alerts are already monitored for this data directory by coinlytics monitor (pid"
        ),
        "{second:?}"
    );
    first.kill9();
    // The lock dies with the process: a new monitor starts.
    let again = MonitorProcess::start(&w.user, &w.env());
    again.wait_for("monitoring").await;
    again.kill9();
}

#[tokio::test(flavor = "multi_thread")]
async fn alert_rules_from_the_command_line() {
    let w = World::start(70_000.0).await;
    w.alerts_add("--coin bitcoin --above 71000 --once").await;
    w.alerts_add("--coin eth --move-pct -5 --window 1h --cooldown 10m --currency eur")
        .await;
    w.alerts_add("--coin bitcoin --change-below -10 --band-pct 1 --json")
        .await;
    let ls = w.run(&["alerts", "ls", "--json"]).await.ok().json();
    let rules = ls.as_array().expect("array");
    assert_eq!(rules.len(), 3);
    assert_eq!(rules[0]["condition"], "above");
    assert_eq!(rules[0]["level"], "71000");
    assert_eq!(rules[0]["once"], true);
    assert_eq!(rules[1]["coin_id"], "ethereum");
    assert_eq!(rules[1]["condition"], "move_down");
    assert_eq!(
        (
            rules[1]["window_secs"].as_u64(),
            rules[1]["cooldown_secs"].as_u64()
        ),
        (Some(3600), Some(600))
    );
    assert_eq!(rules[1]["currency"], "eur");
    assert_eq!(rules[2]["band_pct"], "1");
    let table = w.run(&["alerts", "ls"]).await.ok().stdout;
    assert!(
        table.contains("Ethereum: price falls by 5 % within 1h"),
        "{table}"
    );

    for bad in [
        &["alerts", "add", "--coin", "bitcoin"][..],
        &["alerts", "add", "--coin", "bitcoin", "--above", "abc"],
        &["alerts", "add", "--coin", "bitcoin", "--move-pct", "5"],
        &["alerts", "add", "--coin", "bitcoin", "--above", "-3"],
        &[
            "alerts",
            "add",
            "--coin",
            "bitcoin",
            "--above",
            "1",
            "--channel",
            "sms",
        ],
        &["alerts", "add", "--coin", "nosuchcoin", "--above", "1"],
    ] {
        let r = w.run(bad).await;
        assert_eq!(r.code, 2, "{bad:?}: {r:?}");
        assert!(
            r.stderr.starts_with("coinlytics: ") || r.stderr.contains("error:"),
            "{r:?}"
        );
    }
    w.run(&["alerts", "disable", "2"]).await.ok();
    w.run(&["alerts", "rm", "1"]).await.ok();
    let missing = w.run(&["alerts", "rm", "1"]).await;
    assert_eq!(
        (missing.code, missing.stderr.trim()),
        (1, "coinlytics: no alert #1")
    );
    let ls = w.run(&["alerts", "ls", "--json"]).await.ok().json();
    assert_eq!(ls.as_array().map(Vec::len), Some(2));
    assert_eq!(ls[0]["enabled"], false);
    assert_eq!(w.history().await, serde_json::json!([]));
    // A password never goes in the config file.
    let r = w.run(&["config", "set", "email.password", "hunter2"]).await;
    assert!(r.code != 0 && !r.stderr.contains("hunter2"), "{r:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn portfolio_rules_fire_once_each_on_its_value_a_holding_s_pnl_and_a_share_s_drift() {
    let w = World::start(70_000.0).await;
    // Solana is held but not watched: it is refreshed for the portfolio.
    w.run(&["watchlist", "add", "bitcoin"]).await.ok();
    for (coin, qty, price) in [("bitcoin", "1", "50000"), ("solana", "100", "100")] {
        w.run(&[
            "portfolio",
            "add",
            "--portfolio",
            "Ledger",
            "--type",
            "buy",
            "--coin",
            coin,
            "--qty",
            qty,
            "--price",
            price,
            "--currency",
            "usd",
            "--time",
            "2024-01-01T00:00:00Z",
        ])
        .await
        .ok();
    }
    w.alerts_add("--value-below 80000 --portfolio ledger").await;
    w.alerts_add("--coin btc --pnl-above 50 --portfolio Ledger")
        .await;
    w.alerts_add("--coin sol --drift 10 --target 20").await;
    let ls = w.run(&["alerts", "ls"]).await.ok().stdout;
    for rule in [
        "Ledger: portfolio value falls below $80,000.00",
        "Bitcoin in Ledger: holding's P&L rises to 50 %",
        "Solana in all portfolios: holding's share drifts from its target by 10 points (target 20 %)",
    ] {
        assert!(ls.contains(rule), "{rule}: {ls}");
    }
    w.refused(
        &[
            "alerts",
            "add",
            "--coin",
            "btc",
            "--above",
            "1",
            "--portfolio",
            "Ledger",
        ],
        "a portfolio goes only with a rule on the portfolio",
    )
    .await;
    w.refused(
        &[
            "alerts", "add", "--coin", "btc", "--drift", "5", "--target", "101",
        ],
        "a drift rule needs a target share from 0 to 100 %",
    )
    .await;
    let nowhere = w
        .run(&["alerts", "add", "--value-above", "1", "--portfolio", "Nope"])
        .await;
    assert_eq!(
        (nowhere.code, nowhere.stderr.trim()),
        (1, "coinlytics: no portfolio named 'Nope'")
    );

    let monitor = MonitorProcess::start(&w.user, &w.env());
    monitor.wait_for("monitoring 3 enabled alert rule(s)").await;
    // 85,230 in all: BTC +40 %, SOL 17.9 % of it. Nothing fires.
    w.refreshes(2).await;
    assert!(w.notifications.received().is_empty());
    // BTC +52 %.
    w.fake.set_price("bitcoin", 76_000.0);
    let shown = w.notifications.wait_for(1, WAIT).await;
    assert_eq!(shown[0].summary, "BTC P&L +52 % in Ledger");
    assert!(
        shown[0]
            .body
            // The body is markup: the server shows "P&L".
            .contains(
                "Bitcoin is worth $76,000.00 in Ledger, a P&amp;L of 52 % (alert level 50 %)."
            ),
        "{:?}",
        shown[0]
    );
    // 75,230 in all: below 80,000.
    w.fake.set_price("bitcoin", 60_000.0);
    let shown = w.notifications.wait_for(2, WAIT).await;
    assert_eq!(shown[1].summary, "Ledger value below $80,000.00");
    assert!(
        shown[1]
            .body
            .contains("Ledger is worth $75,230.00 (alert level $80,000.00)."),
        "{:?}",
        shown[1]
    );
    // SOL 40,000 of 100,000: 20 points from its target.
    w.fake.set_price("solana", 400.0);
    let shown = w.notifications.wait_for(3, WAIT).await;
    assert_eq!(
        shown[2].summary,
        "SOL is 40 % of the portfolio (target 20 %)"
    );
    // Still beyond at the next updates: each fired once.
    w.refreshes(4).await;
    assert_eq!(w.notifications.received().len(), 3);
    let history = w.history().await;
    let keys: Vec<&str> = history
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|h| h["key"].as_str())
        .collect();
    assert_eq!(keys, ["3-1", "1-1", "2-1"]);
    assert_eq!(history[1]["portfolio"], "Ledger");
    assert_eq!(history[0]["target_pct"], "20");
    monitor.kill9();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unusual_move_fires_one_anomaly_alert_and_the_usual_wiggles_none() {
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    // The fake market's quotes are stamped from its start on, after `before`.
    let w = World::start(70_000.0).await;
    let added = w
        .run(&[
            "alerts",
            "add",
            "--coin",
            "sol",
            "--anomaly",
            "3",
            "--window",
            "1h",
        ])
        .await
        .ok();
    assert!(
        added.stdout.contains(
            "added alert #1: Solana: price moves unusually, beyond 3 σ within 1h (against 7d)"
        ),
        "{added:?}"
    );
    let ls = w.run(&["alerts", "ls", "--json"]).await.ok().json();
    let rule = &ls[0];
    assert_eq!(
        (rule["coin_id"].as_str(), rule["condition"].as_str()),
        (Some("solana"), Some("anomaly"))
    );
    assert_eq!(rule["level"], "3");
    assert_eq!(
        (rule["window_secs"].as_u64(), rule["lookback_secs"].as_u64()),
        (Some(3600), Some(7 * 86_400))
    );
    let table = w.run(&["alerts", "ls"]).await.ok().stdout;
    assert!(
        table.contains("Solana: price moves unusually, beyond 3 σ within 1h (against 7d)"),
        "{table}"
    );
    let add = |more: &[&'static str]| {
        let mut args = vec!["alerts", "add", "--coin", "sol"];
        args.extend_from_slice(more);
        args
    };
    w.refused(
        &add(&["--anomaly", "0", "--window", "1h"]),
        "coinlytics: invalid alert: the anomaly level must be above 0 and at most 20 standard \
         deviations, not 0",
    )
    .await;
    w.refused(
        &add(&["--anomaly", "3", "--window", "1h", "--lookback", "2h"]),
        "coinlytics: invalid alert: the lookback must be at least 5 times the window (5h for a \
         1h window) and at most 90d, not 2h",
    )
    .await;
    w.refused(
        &add(&["--anomaly", "3", "--window", "1h", "--lookback", "soon"]),
        "the lookback must be a duration like 90s, 15m, 1h or 2d, not 'soon'",
    )
    .await;
    w.refused(&add(&["--anomaly", "3"]), "--window").await;
    w.refused(&add(&["--above", "100", "--lookback", "7d"]), "--anomaly")
        .await;

    // A week of hourly prices wiggling ±1 % around SOL's 152.30 (152.30,
    // 153.82, 152.30, 150.78, …), the newest a minute before the market's
    // clock starts: every hour's move is about 1 %, and so is the first
    // live one (153.82 an hour before, 152.30 now).
    let db = w.user.database();
    for k in 0..=7 * 24 + 2 {
        let wiggle = [0.0, 1.0, 0.0, -1.0][k as usize % 4];
        db.execute(
            "INSERT INTO price_history (coin_id, currency, ts, price) VALUES ('solana', 'usd', ?1, ?2)",
            rusqlite::params![
                before - 60 - k * 3600,
                format!("{:.4}", 152.3 * (1.0 + wiggle / 100.0))
            ],
        )
        .expect("seed a price");
    }
    drop(db);

    let monitor = MonitorProcess::start(&w.user, &w.env());
    monitor.wait_for("monitoring 1 enabled alert rule(s)").await;
    w.refreshes(2).await;
    assert!(
        w.notifications.received().is_empty(),
        "a usual move: {:?}",
        monitor.output()
    );
    // +7.3 % in the hour: several σ beyond the usual 1 %.
    w.fake.set_price("solana", 165.0);
    let shown = w.notifications.wait_for(1, WAIT).await;
    assert!(
        shown[0].summary.starts_with("SOL moved unusually: ")
            && shown[0].summary.ends_with(" σ above its usual 1h move"),
        "{:?}",
        shown[0]
    );
    assert!(
        shown[0]
            .body
            .contains("Solana is at $165.00 (alert level 3 σ against 7d)"),
        "{:?}",
        shown[0]
    );
    monitor.wait_for("delivered 1-1 by desktop").await;
    // The hour still holds the jump at the next updates: no second alert.
    w.refreshes(2).await;
    assert_eq!(w.notifications.received().len(), 1);

    let history = w.history().await;
    assert_eq!(history.as_array().map(Vec::len), Some(1));
    let h = &history[0];
    assert_eq!(
        (h["condition"].as_str(), h["lookback_secs"].as_u64()),
        (Some("anomaly"), Some(7 * 86_400))
    );
    let z: f64 = h["value"].as_str().and_then(|v| v.parse().ok()).expect("z");
    assert!(z > 3.0, "{h}");
    assert_eq!(
        h["description"],
        "Solana: price moves unusually, beyond 3 σ within 1h (against 7d)"
    );
    assert_eq!(h["deliveries"]["desktop"]["status"], "sent");
    monitor.kill9();
}

#[tokio::test(flavor = "multi_thread")]
async fn email_test_sends_with_the_saved_settings() {
    let w = World::start(70_000.0).await;
    let not_set = w.run(&["email", "test"]).await;
    assert_eq!(not_set.code, 1);
    assert!(
        not_set
            .stderr
            .contains("e-mail is not set up: set email.smtp_host"),
        "{not_set:?}"
    );
    let smtp = SmtpSink::start();
    w.email_to(smtp.port(), "").await;
    let sent = w.run(&["email", "test"]).await.ok();
    assert!(
        sent.stdout.contains("sent a test e-mail to me@example.com"),
        "{sent:?}"
    );
    let mails = smtp.wait_for(1, WAIT).await;
    assert_eq!(mails[0].subject, "Coinlytics test e-mail");
    // A server refusing: a clear error, nothing stored breaks.
    let refused = w
        .run(&["config", "set", "email.smtp_host", "smtp.example.com"])
        .await;
    assert_ne!(
        refused.code, 0,
        "security none with a remote host is refused"
    );
}
