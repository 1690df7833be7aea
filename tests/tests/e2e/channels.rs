//! Alert channels a user adds (ntfy for now) through the real binary: the
//! token into a real Secret Service (gnome-keyring on a private bus), a
//! test message to a fake ntfy server on 127.0.0.1 that checks it, and
//! the service's refusals said to the user.

use crate::util::{User, files_containing};
use coinlytics_tests::{
    FakeCoinGecko, FakeGotify, FakeNtfy, FakePushover, KeyringDaemon, PrivateBus,
};

const TOKEN: &str = "tk_ntfy-Access-7Hq2Zp9w";

/// A user with a real keyring (gnome-keyring on a private bus, its files
/// in a temporary home) and the fake CoinGecko. Dropped in reverse: the
/// keyring, then its bus, then its files.
struct Keyed {
    fake: FakeCoinGecko,
    user: User,
    /// What a `coinlytics` command needs to reach that keyring.
    env: Vec<(String, String)>,
    _keyring: KeyringDaemon,
    _bus: PrivateBus,
    _home: tempfile::TempDir,
}

impl Keyed {
    async fn start() -> Keyed {
        let home = tempfile::tempdir().expect("temp home");
        let bus = PrivateBus::start();
        let keyring = bus.start_keyring(home.path());
        let fake = FakeCoinGecko::start().await;
        let user = User::new(&fake.base_url());
        Keyed {
            env: keyring.env(),
            fake,
            user,
            _keyring: keyring,
            _bus: bus,
            _home: home,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ntfy_channel_keeps_its_token_in_the_keyring_sends_a_test_and_says_each_refusal() {
    let k = Keyed::start().await;
    let ntfy = FakeNtfy::start().await;
    ntfy.require_token(TOKEN);
    let user = &k.user;
    let run = |args: &[&str], stdin: Option<&str>| user.run_piped(args, stdin, &k.env);
    let topic = format!("{}/coin-alerts", ntfy.url());

    // Refused before anything is kept: plain http beyond this machine, a
    // built-in channel's name, a priority ntfy has not.
    for (args, says) in [
        (vec!["--url", "http://ntfy.example/t"], "use https"),
        (
            vec!["--url", topic.as_str(), "--priority", "9"],
            "priority is 1 (min) to 5",
        ),
    ] {
        let mut all = vec!["channel", "add", "ntfy", "phone"];
        all.extend(args);
        let refused = run(&all, None);
        assert_eq!(refused.code, 2, "{refused:?}");
        assert!(refused.stderr.contains(says), "{refused:?}");
    }
    let builtin = run(
        &["channel", "add", "ntfy", "desktop", "--url", &topic],
        None,
    );
    assert!(builtin.stderr.contains("built-in channel"), "{builtin:?}");

    let added = run(
        &[
            "channel",
            "add",
            "ntfy",
            "phone",
            "--url",
            &topic,
            "--priority",
            "4",
            "--token-stdin",
        ],
        Some(&format!("{TOKEN}\n")),
    )
    .ok();
    assert!(
        added.stdout.contains("added the channel 'phone'"),
        "{added:?}"
    );
    let again = run(&["channel", "add", "ntfy", "phone", "--url", &topic], None);
    assert!(again.stderr.contains("exists"), "{again:?}");

    let listed = run(&["channel", "ls", "--json"], None).ok().json();
    let names: Vec<&str> = listed
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["desktop", "email", "phone"], "{listed}");
    assert_eq!(listed[2]["token"], true, "{listed}");
    assert_eq!(listed[2]["summary"], format!("{topic}, priority 4"));
    let table = run(&["channel", "ls"], None).ok();
    assert!(
        table.stdout.contains("phone") && !table.stdout.contains(TOKEN),
        "{table:?}"
    );

    // The test message, as ntfy takes it: JSON to the server, its token.
    let tested = run(&["channel", "test", "phone"], None).ok();
    assert!(
        tested
            .stdout
            .contains("sent a test message through 'phone'"),
        "{tested:?}"
    );
    let got = ntfy.published();
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].authorization.as_deref(),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(got[0].body["topic"], "coin-alerts");
    assert_eq!(got[0].body["priority"], 4);
    assert_eq!(got[0].body["title"], "Coinlytics: a test");

    // ntfy's rate answer is said, with its wait.
    ntfy.slow_down("coin-alerts", 1, 7);
    let slowed = run(&["channel", "test", "phone"], None);
    assert_ne!(slowed.code, 0);
    assert!(
        slowed.stderr.contains("ntfy asks to wait 7 s"),
        "{slowed:?}"
    );

    // Removed, the channel's token goes with it: added again without
    // one, the server refuses, and the user is told why (not the token).
    let removed = run(&["channel", "rm", "phone"], None).ok();
    assert!(removed.stdout.contains("and its token"), "{removed:?}");
    run(&["channel", "add", "ntfy", "phone", "--url", &topic], None).ok();
    let refused = run(&["channel", "test", "phone"], None);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(refused.stderr.contains("refused the token"), "{refused:?}");
    for out in [
        &added.stdout,
        &added.stderr,
        &refused.stderr,
        &tested.stdout,
    ] {
        assert!(!out.contains(TOKEN));
    }
    let leaks = files_containing(user.dir.path(), TOKEN.as_bytes());
    assert!(leaks.is_empty(), "the token was written to {leaks:?}");
    let unknown = run(&["channel", "test", "nowhere"], None);
    assert!(
        unknown.stderr.contains("no channel named 'nowhere'"),
        "{unknown:?}"
    );
}

/// The real monitor delivers a real crossing to the channels its rules
/// name: through ntfy's rate answer (the next attempt waits what it
/// said), and never again after a permanent refusal, which the history
/// shows with the service's reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crossing_reaches_an_ntfy_channel_after_its_wait_and_a_refused_one_stops_at_once() {
    let k = Keyed::start().await;
    let fake = &k.fake;
    fake.set_price("bitcoin", 70_000.0);
    let ntfy = FakeNtfy::start().await;
    ntfy.require_token(TOKEN);
    let user = &k.user;
    let run = |args: &[&str], stdin: Option<&str>| user.run_piped(args, stdin, &k.env);
    let topic = format!("{}/coin-alerts", ntfy.url());
    run(
        &[
            "channel",
            "add",
            "ntfy",
            "phone",
            "--url",
            &topic,
            "--token-stdin",
        ],
        Some(TOKEN),
    )
    .ok();
    // No token: the server refuses it for good.
    let other = format!("{}/tablet-alerts", ntfy.url());
    run(&["channel", "add", "ntfy", "tablet", "--url", &other], None).ok();

    let unknown = run(
        &[
            "alerts",
            "add",
            "--coin",
            "bitcoin",
            "--above",
            "71000",
            "--channel",
            "nowhere",
        ],
        None,
    );
    assert_eq!(unknown.code, 2, "{unknown:?}");
    assert!(
        unknown.stderr.contains("no channel named 'nowhere'"),
        "{unknown:?}"
    );
    run(
        &[
            "alerts",
            "add",
            "--coin",
            "bitcoin",
            "--above",
            "71000",
            "--channel",
            "phone",
        ],
        None,
    )
    .ok();
    run(
        &[
            "alerts",
            "add",
            "--coin",
            "bitcoin",
            "--above",
            "71000",
            "--channel",
            "tablet",
        ],
        None,
    )
    .ok();
    let in_use = run(&["channel", "rm", "phone"], None);
    assert!(
        in_use.stderr.contains("alert #1 sends to 'phone'"),
        "{in_use:?}"
    );
    let listed = run(&["alerts", "ls"], None).ok();
    assert!(listed.stdout.contains("phone"), "{listed:?}");

    let monitor = crate::util::world::MonitorProcess::start(user, &k.env);
    monitor.wait_for("monitoring 2 enabled alert rule(s)").await;
    ntfy.slow_down("coin-alerts", 1, 3);
    fake.set_price("bitcoin", 72_500.0);

    let got = ntfy.wait_for(1, std::time::Duration::from_secs(40)).await;
    assert_eq!(got.len(), 1, "{:?}", ntfy.attempts("coin-alerts"));
    assert_eq!(
        got[0].body["title"], "BTC above $71,000.00",
        "{:?}",
        got[0].body
    );
    assert!(
        got[0].body["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Bitcoin is at $72,500.00")),
        "{:?}",
        got[0].body
    );
    // The first attempt got 429 (Retry-After: 3): the one after it waited.
    let attempts = ntfy.attempts("coin-alerts");
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    let gap = attempts[1].duration_since(attempts[0]);
    assert!(gap >= std::time::Duration::from_secs(3), "{gap:?}");

    // The refused channel: one attempt, failed, with ntfy's reason, and
    // none after it.
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    assert_eq!(ntfy.attempts("tablet-alerts").len(), 1);
    let history = run(&["alerts", "history", "--json"], None).ok().json();
    let tablet = history
        .as_array()
        .expect("a list")
        .iter()
        .find_map(|h| h["deliveries"].get("tablet"))
        .expect("a delivery to tablet")
        .clone();
    assert_eq!(
        (tablet["status"].as_str(), tablet["attempts"].as_u64()),
        (Some("failed"), Some(1)),
        "{tablet}"
    );
    assert!(
        tablet["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("refused the token")),
        "{tablet}"
    );
    let phone = history
        .as_array()
        .expect("a list")
        .iter()
        .find_map(|h| h["deliveries"].get("phone"))
        .expect("a delivery to phone")
        .clone();
    assert_eq!(
        (phone["status"].as_str(), phone["attempts"].as_u64()),
        (Some("sent"), Some(2)),
        "{phone}"
    );
    let table = run(&["alerts", "history"], None).ok();
    assert!(
        table.stdout.contains("phone: Sent") && table.stdout.contains("tablet: Failed"),
        "{table:?}"
    );
    assert!(!monitor.output().contains(TOKEN));
    let leaks = files_containing(user.dir.path(), TOKEN.as_bytes());
    assert!(leaks.is_empty(), "the token was written to {leaks:?}");
}

/// A Gotify channel: its app token read from stdin into the keyring,
/// sent in `X-Gotify-Key`; a wrong one said as Gotify says it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gotify_channel_sends_with_its_app_token_and_says_a_wrong_one() {
    const APP_TOKEN: &str = "AbCgotify.AppToken_42";
    let k = Keyed::start().await;
    let gotify = FakeGotify::start(APP_TOKEN).await;
    let user = &k.user;
    let run = |args: &[&str], stdin: Option<&str>| user.run_piped(args, stdin, &k.env);

    let bad = run(
        &[
            "channel",
            "add",
            "gotify",
            "home",
            "--url",
            "https://g.example",
            "--priority",
            "11",
        ],
        None,
    );
    assert!(bad.stderr.contains("priority is 0 to 10"), "{bad:?}");
    let added = run(
        &[
            "channel",
            "add",
            "gotify",
            "home",
            "--url",
            &gotify.url(),
            "--priority",
            "8",
        ],
        Some(&format!("{APP_TOKEN}\n")),
    )
    .ok();
    assert!(
        added.stdout.contains("added the channel 'home'"),
        "{added:?}"
    );
    run(&["channel", "test", "home"], None).ok();
    let got = gotify.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0]["title"].as_str(), got[0]["priority"].as_u64()),
        (Some("Coinlytics: a test"), Some(8))
    );

    run(&["channel", "rm", "home"], None).ok();
    run(
        &["channel", "add", "gotify", "home", "--url", &gotify.url()],
        Some("not-the-token\n"),
    )
    .ok();
    let refused = run(&["channel", "test", "home"], None);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused
            .stderr
            .contains("refused the app token (401: you need to provide a valid access token"),
        "{refused:?}"
    );
    let leaks = files_containing(user.dir.path(), APP_TOKEN.as_bytes());
    assert!(leaks.is_empty(), "the token was written to {leaks:?}");
}

/// A Pushover channel: the application token from stdin into the
/// keyring, sent in the body with the user key; a wrong key said as
/// Pushover says it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pushover_channel_sends_with_its_token_and_user_key_and_says_a_wrong_key() {
    const APP_TOKEN: &str = "azGDORePK8gMaC0QOYAMyEEuzJnyUi";
    const USER: &str = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG";
    let k = Keyed::start().await;
    let pushover = FakePushover::start(APP_TOKEN, USER).await;
    let user = &k.user;
    let run = |args: &[&str], stdin: Option<&str>| user.run_piped(args, stdin, &k.env);
    let api = pushover.url();

    let add = |name: &str, key: &str| {
        run(
            &[
                "channel",
                "add",
                "pushover",
                name,
                "--user-key",
                key,
                "--priority",
                "-1",
                "--api-url",
                &api,
            ],
            Some(APP_TOKEN),
        )
    };
    let added = add("po", USER).ok();
    assert!(added.stdout.contains("Pushover to uQiRz…"), "{added:?}");
    run(&["channel", "test", "po"], None).ok();
    let got = pushover.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0]["title"].as_str(), got[0]["priority"].as_i64()),
        (Some("Coinlytics: a test"), Some(-1))
    );

    add("other", "uWrongUserKey0000000000000000x").ok();
    let refused = run(&["channel", "test", "other"], None);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused
            .stderr
            .contains("user identifier is not a valid user"),
        "{refused:?}"
    );
    assert!(!refused.stderr.contains(APP_TOKEN));
    let leaks = files_containing(user.dir.path(), APP_TOKEN.as_bytes());
    assert!(leaks.is_empty(), "the token was written to {leaks:?}");
}
