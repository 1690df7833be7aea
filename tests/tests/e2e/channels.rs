//! Alert channels a user adds, through the real binary: each secret into
//! a real Secret Service (gnome-keyring on a private bus), a test message
//! to a fake of each service on 127.0.0.1 that checks its wire format, the
//! service's refusals said to the user, and the real monitor delivering a
//! real crossing to every kind.

use crate::util::{User, files_containing};
use coinlytics_tests::{
    FakeCoinGecko, FakeGotify, FakeNtfy, FakePushover, FakeTelegram, FakeTwilio, FakeWebhook, Hook,
    KeyringDaemon, PrivateBus, verify_signature,
};
use std::time::Duration;

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
    assert!(removed.stdout.contains("and its secret"), "{removed:?}");
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
    // `channel ls` marks the refused channel failing, with the service's
    // reason, and keeps each one's last delivery in sight.
    let channels = run(&["channel", "ls", "--json"], None).ok().json();
    let listed = |name: &str| {
        (channels.as_array().expect("a list").iter())
            .find(|c| c["name"] == name)
            .cloned()
            .expect("listed")
    };
    assert_eq!(listed("phone")["last_delivery"]["status"], "sent");
    assert_eq!(listed("phone")["failing"], serde_json::Value::Null);
    assert_eq!(listed("tablet")["last_delivery"]["status"], "failed");
    assert!(
        listed("tablet")["failing"]
            .as_str()
            .is_some_and(|e| e.contains("refused the token")),
        "{channels}"
    );
    assert_eq!(listed("desktop")["last_delivery"], serde_json::Value::Null);
    let table = run(&["channel", "ls"], None).ok();
    assert!(
        table.stdout.contains("FAILING") && table.stdout.contains("refused the token"),
        "{table:?}"
    );
    // Set again with the token it lacked, the mark goes.
    run(
        &[
            "channel",
            "add",
            "ntfy",
            "tablet",
            "--url",
            &other,
            "--replace",
            "--token-stdin",
        ],
        Some(TOKEN),
    )
    .ok();
    let channels = run(&["channel", "ls", "--json"], None).ok().json();
    let tablet = (channels.as_array().expect("a list").iter())
        .find(|c| c["name"] == "tablet")
        .expect("listed");
    assert_eq!(tablet["failing"], serde_json::Value::Null, "{channels}");
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

const BOT_TOKEN: &str = "123456789:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0";
const TWILIO_SID: &str = "AC0123456789abcdef0123456789abcdef";
const TWILIO_TOKEN: &str = "f00dfacecafe0123456789abcdef0123";
const SIGNING_KEY: &str = "whsec-0123456789abcdef0123456789";

/// A Telegram channel: the chat found from the bot's updates when no id
/// is given, the title in bold with the note's `<` and `&` escaped for
/// Telegram's HTML (the fake parses it as Telegram does), Telegram's wait
/// read from its body, and a blocked bot marking the channel failing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_telegram_channel_finds_its_chat_escapes_html_and_reads_telegrams_wait() {
    let k = Keyed::start().await;
    let tg = FakeTelegram::start(BOT_TOKEN).await;
    let user = &k.user;
    let run = |args: &[&str], stdin: Option<&str>| user.run_piped(args, stdin, &k.env);
    let api = tg.url();
    let add = |extra: &[&str], token: &str| {
        let mut args = vec![
            "channel",
            "add",
            "telegram",
            "tg",
            "--api-url",
            api.as_str(),
        ];
        args.extend(extra);
        run(&args, Some(token))
    };

    let bad = add(&["--chat-id", "12"], "not-a-bot-token");
    assert!(bad.stderr.contains("not a Telegram bot token"), "{bad:?}");
    assert!(!bad.stderr.contains("not-a-bot-token"), "{bad:?}");
    let none = add(&[], BOT_TOKEN);
    assert!(
        none.stderr.contains("no one has written to the bot"),
        "{none:?}"
    );
    tg.user_wrote(4242, "Ada", Some("ada"), "/start");
    let found = add(&[], BOT_TOKEN).ok();
    assert!(
        found.stdout.contains("found the chat 4242 (Ada)")
            && found.stdout.contains("Telegram chat 4242"),
        "{found:?}"
    );
    run(&["channel", "test", "tg"], None).ok();
    let got = tg.messages();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["chat_id"], 4242);
    assert_eq!(got[0]["parse_mode"], "HTML");
    assert_eq!(
        got[0]["text"],
        "<b>Coinlytics: a test</b>\nAlerts sent to the channel 'tg' arrive here."
    );

    // Telegram says how long to wait in its body, not in a header.
    tg.slow_down(1, 5);
    let slowed = run(&["channel", "test", "tg"], None);
    assert!(
        slowed.stderr.contains("Telegram asks to wait 5 s"),
        "{slowed:?}"
    );

    // A bot the user blocked: refused for good, the channel marked.
    tg.block(4242);
    let blocked = run(&["channel", "test", "tg"], None);
    assert_eq!(blocked.code, 1, "{blocked:?}");
    assert!(
        blocked.stderr.contains("bot was blocked by the user"),
        "{blocked:?}"
    );
    let listed = run(&["channel", "ls"], None).ok();
    assert!(
        listed.stdout.contains("FAILING") && listed.stdout.contains("bot was blocked"),
        "{listed:?}"
    );
    for out in [
        &found.stdout,
        &found.stderr,
        &blocked.stderr,
        &listed.stdout,
    ] {
        assert!(!out.contains(BOT_TOKEN));
    }
    let leaks = files_containing(user.dir.path(), BOT_TOKEN.as_bytes());
    assert!(leaks.is_empty(), "the token was written to {leaks:?}");
}

/// An SMS channel through a Twilio-compatible API: Basic auth with the
/// account's SID and the auth token from stdin, one 160-character segment,
/// and an unverified number refused for good with Twilio's reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sms_channel_sends_one_segment_and_says_an_unverified_number() {
    let k = Keyed::start().await;
    let twilio = FakeTwilio::start(TWILIO_SID, TWILIO_TOKEN).await;
    let user = &k.user;
    let run = |args: &[&str], stdin: Option<&str>| user.run_piped(args, stdin, &k.env);
    let api = twilio.url();
    let add = |name: &str, to: &str, token: &str| {
        run(
            &[
                "channel",
                "add",
                "sms",
                name,
                "--account-sid",
                TWILIO_SID,
                "--from",
                "+15005550006",
                "--to",
                to,
                "--api-url",
                &api,
            ],
            Some(token),
        )
    };
    let bad = add("mobile", "5551234", TWILIO_TOKEN);
    assert!(bad.stderr.contains("--to is a phone number"), "{bad:?}");
    add("mobile", "+15551230001", TWILIO_TOKEN).ok();
    run(&["channel", "test", "mobile"], None).ok();
    let got = twilio.messages();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(
        (got[0].to.as_str(), got[0].from.as_str()),
        ("+15551230001", "+15005550006")
    );
    assert_eq!(
        got[0].body,
        "Coinlytics: a test: Alerts sent to the channel 'mobile' arrive here."
    );

    twilio.unverified("+15551230002");
    add("trial", "+15551230002", TWILIO_TOKEN).ok();
    let refused = run(&["channel", "test", "trial"], None);
    assert!(refused.stderr.contains("is unverified"), "{refused:?}");
    add("wrong", "+15551230001", "0000000000000000000000000000dead").ok();
    let wrong = run(&["channel", "test", "wrong"], None);
    assert!(
        wrong
            .stderr
            .contains("refused the auth token (401: Authenticate)"),
        "{wrong:?}"
    );
    let leaks = files_containing(user.dir.path(), TWILIO_TOKEN.as_bytes());
    assert!(leaks.is_empty(), "the token was written to {leaks:?}");
}

/// Webhooks: Discord's content (marks escaped, no mentions), Slack's text,
/// a generic template filled in and signed (the fake checks the HMAC);
/// the URL, which is the credential, is said nowhere; a deleted Discord
/// webhook marks the channel failing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_speak_discord_slack_and_a_signed_template_and_keep_their_url_secret() {
    let k = Keyed::start().await;
    let hooks = FakeWebhook::start().await;
    let user = &k.user;
    let run = |args: &[&str], stdin: Option<&str>| user.run_piped(args, stdin, &k.env);
    let template = user.dir.path().join("body.json");
    std::fs::write(
        &template,
        r#"{"event": "price", "text": "{{title}}", "coin": {"id": "{{coin}}", "price": "{{price}}"}}"#,
    )
    .expect("template");
    let template = template.to_string_lossy().into_owned();

    let plain = run(
        &["channel", "add", "webhook", "team", "--preset", "discord"],
        Some("http://hooks.example/x"),
    );
    assert!(plain.stderr.contains("use https"), "{plain:?}");
    assert!(!plain.stderr.contains("hooks.example"), "{plain:?}");
    run(
        &["channel", "add", "webhook", "team", "--preset", "discord"],
        Some(&hooks.discord_url()),
    )
    .ok();
    run(
        &["channel", "add", "webhook", "ops", "--preset", "slack"],
        Some(&hooks.slack_url()),
    )
    .ok();
    let short = run(
        &[
            "channel",
            "add",
            "webhook",
            "bot",
            "--preset",
            "generic",
            "--template",
            &template,
            "--sign",
        ],
        Some(&format!("{}\nshort\n", hooks.generic_url())),
    );
    assert!(short.stderr.contains("at least 16 characters"), "{short:?}");
    run(
        &[
            "channel",
            "add",
            "webhook",
            "bot",
            "--preset",
            "generic",
            "--template",
            &template,
            "--sign",
        ],
        Some(&format!("{}\n{SIGNING_KEY}\n", hooks.generic_url())),
    )
    .ok();
    for name in ["team", "ops", "bot"] {
        run(&["channel", "test", name], None).ok();
    }
    let discord = hooks.accepted(Hook::Discord);
    assert_eq!(
        discord[0]["content"],
        "**Coinlytics: a test**\nAlerts sent to the channel 'team' arrive here."
    );
    assert_eq!(
        discord[0]["allowed_mentions"]["parse"],
        serde_json::json!([])
    );
    assert_eq!(
        hooks.accepted(Hook::Slack)[0]["text"],
        "*Coinlytics: a test*\nAlerts sent to the channel 'ops' arrive here."
    );
    let generic = hooks.accepted(Hook::Generic);
    assert_eq!(
        generic[0],
        serde_json::json!({"event": "price", "text": "Coinlytics: a test", "coin": {"id": "{{coin}}", "price": "{{price}}"}})
    );
    let signed = (hooks.requests().into_iter())
        .find(|r| r.hook == Hook::Generic)
        .expect("a generic request");
    assert!(verify_signature(SIGNING_KEY, &signed), "{signed:?}");
    assert!(!verify_signature("another-key-0123456789", &signed));

    hooks.discord_delete();
    let gone = run(&["channel", "test", "team"], None);
    assert!(
        gone.stderr
            .contains("Discord at its URL refused the message (404: Unknown Webhook)"),
        "{gone:?}"
    );
    let listed = run(&["channel", "ls"], None).ok();
    assert!(listed.stdout.contains("FAILING"), "{listed:?}");
    for secret in [hooks.discord_url(), hooks.slack_url(), hooks.generic_url()] {
        let path = secret.trim_start_matches(&hooks.url());
        for out in [&listed.stdout, &gone.stderr] {
            assert!(!out.contains(path), "{out}");
        }
        let leaks = files_containing(user.dir.path(), path.as_bytes());
        assert!(leaks.is_empty(), "a webhook's URL was written to {leaks:?}");
    }
    let leaks = files_containing(user.dir.path(), SIGNING_KEY.as_bytes());
    assert!(leaks.is_empty(), "the signing key was written to {leaks:?}");
}

/// The real monitor delivers one real crossing to a channel of every kind
/// at once, each in its own format; the firing's facts fill a template.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crossing_reaches_a_channel_of_every_kind() {
    let k = Keyed::start().await;
    let fake = &k.fake;
    fake.set_price("bitcoin", 70_000.0);
    let user = &k.user;
    let run = |args: &[&str], stdin: Option<&str>| user.run_piped(args, stdin, &k.env);
    let ntfy = FakeNtfy::start().await;
    let tg = FakeTelegram::start(BOT_TOKEN).await;
    tg.add_chat(4242, "Ada");
    let twilio = FakeTwilio::start(TWILIO_SID, TWILIO_TOKEN).await;
    let gotify = FakeGotify::start("AbCgotify.AppToken_42").await;
    let pushover = FakePushover::start(
        "azGDORePK8gMaC0QOYAMyEEuzJnyUi",
        "uQiRzpo4DXghDmr9QzzfQu27cmVRsG",
    )
    .await;
    let hooks = FakeWebhook::start().await;
    let template = user.dir.path().join("body.json");
    std::fs::write(
        &template,
        r#"{"text": "{{symbol}} at {{price}} {{currency}}", "at": "{{fired_at}}"}"#,
    )
    .expect("template");
    let template = template.to_string_lossy().into_owned();
    let topic = format!("{}/coin-alerts", ntfy.url());
    let (tg_api, sms_api, gotify_url, po_api) =
        (tg.url(), twilio.url(), gotify.url(), pushover.url());
    let adds: Vec<(Vec<&str>, String)> = vec![
        (vec!["ntfy", "phone", "--url", &topic], String::new()),
        (
            vec!["telegram", "tg", "--chat-id", "4242", "--api-url", &tg_api],
            BOT_TOKEN.into(),
        ),
        (
            vec![
                "sms",
                "mobile",
                "--account-sid",
                TWILIO_SID,
                "--from",
                "+15005550006",
                "--to",
                "+15551230001",
                "--api-url",
                &sms_api,
            ],
            TWILIO_TOKEN.into(),
        ),
        (
            vec!["gotify", "home", "--url", &gotify_url],
            "AbCgotify.AppToken_42".into(),
        ),
        (
            vec![
                "pushover",
                "po",
                "--user-key",
                "uQiRzpo4DXghDmr9QzzfQu27cmVRsG",
                "--api-url",
                &po_api,
            ],
            "azGDORePK8gMaC0QOYAMyEEuzJnyUi".into(),
        ),
        (
            vec!["webhook", "team", "--preset", "discord"],
            hooks.discord_url(),
        ),
        (
            vec!["webhook", "ops", "--preset", "slack"],
            hooks.slack_url(),
        ),
        (
            vec![
                "webhook",
                "bot",
                "--preset",
                "generic",
                "--template",
                &template,
            ],
            hooks.generic_url(),
        ),
    ];
    for (args, secret) in &adds {
        let mut all = vec!["channel", "add"];
        all.extend(args);
        run(&all, Some(secret)).ok();
    }
    run(
        &[
            "alerts",
            "add",
            "--coin",
            "bitcoin",
            "--above",
            "71000",
            "--note",
            "R&D <budget>",
            "--channel",
            "phone,tg,mobile,home,po,team,ops,bot",
        ],
        None,
    )
    .ok();
    let monitor = crate::util::world::MonitorProcess::start(user, &k.env);
    monitor.wait_for("monitoring 1 enabled alert rule(s)").await;
    fake.set_price("bitcoin", 72_500.0);

    let wait = Duration::from_secs(30);
    let n = ntfy.wait_for(1, wait).await;
    assert_eq!(n[0].body["title"], "BTC above $71,000.00");
    assert_eq!(
        n[0].body["tags"],
        serde_json::json!(["chart_with_upwards_trend"])
    );
    assert_eq!(
        n[0].body["click"],
        "https://www.coingecko.com/en/coins/bitcoin"
    );
    let t = tg.wait_for(1, wait).await;
    let text = t[0]["text"].as_str().expect("text");
    assert!(
        text.starts_with("<b>BTC above $71,000.00</b>\nBitcoin is at $72,500.00")
            && text.ends_with("R&amp;D &lt;budget&gt;"),
        "{text}"
    );
    let sms = twilio.wait_for(1, wait).await;
    assert!(
        sms[0]
            .body
            .starts_with("BTC above $71,000.00: Bitcoin is at $72,500.00")
            && sms[0].body.chars().count() <= 160
            && !sms[0].body.contains("budget"),
        "{:?}",
        sms[0]
    );
    let d = hooks.wait_for(Hook::Discord, 1, wait).await;
    assert!(
        d[0]["content"]
            .as_str()
            .is_some_and(|c| c.ends_with(r"R&D \<budget\>")),
        "{d:?}"
    );
    let s = hooks.wait_for(Hook::Slack, 1, wait).await;
    assert!(
        s[0]["text"]
            .as_str()
            .is_some_and(|t| t.ends_with("R&amp;D &lt;budget&gt;")),
        "{s:?}"
    );
    let g = hooks.wait_for(Hook::Generic, 1, wait).await;
    assert_eq!(g[0]["text"], "BTC at 72500 USD", "{g:?}");
    assert!(
        g[0]["at"].as_str().is_some_and(|a| a.ends_with('Z')),
        "{g:?}"
    );
    let deadline = std::time::Instant::now() + wait;
    while (gotify.messages().is_empty() || pushover.messages().is_empty())
        && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(gotify.messages()[0]["title"], "BTC above $71,000.00");
    assert_eq!(pushover.messages()[0]["title"], "BTC above $71,000.00");

    let output = monitor.output();
    for secret in [BOT_TOKEN, TWILIO_TOKEN, "AbCgotify.AppToken_42"] {
        assert!(!output.contains(secret));
        let leaks = files_containing(user.dir.path(), secret.as_bytes());
        assert!(leaks.is_empty(), "a secret was written to {leaks:?}");
    }
}

/// Quiet hours and a daily cap, through the real monitor: in its quiet
/// hours a channel holds an alert back (or drops it, as set) and an
/// urgent rule's passes; past its daily cap the day's next is not sent.
/// Each is shown in the history with its reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quiet_hours_hold_or_drop_an_alert_an_urgent_one_passes_and_a_daily_cap_holds() {
    use chrono::Timelike;
    let k = Keyed::start().await;
    let fake = &k.fake;
    fake.set_price("bitcoin", 70_000.0);
    let ntfy = FakeNtfy::start().await;
    let user = &k.user;
    let run = |args: &[&str]| user.run_piped(args, None, &k.env);
    // Quiet hours around this moment, local time (as the monitor reads it).
    let now = chrono::Local::now();
    let hhmm = |t: chrono::DateTime<chrono::Local>| format!("{:02}:{:02}", t.hour(), t.minute());
    let quiet = format!(
        "{}-{}",
        hhmm(now - chrono::Duration::hours(1)),
        hhmm(now + chrono::Duration::hours(1))
    );
    let topic = |t: &str| format!("{}/{t}", ntfy.url());
    let added = run(&[
        "channel",
        "add",
        "ntfy",
        "night",
        "--url",
        &topic("night"),
        "--quiet",
        &quiet,
    ])
    .ok();
    assert!(
        added
            .stdout
            .contains(&format!("quiet {}", quiet.replace('-', "–"))),
        "{added:?}"
    );
    run(&[
        "channel",
        "add",
        "ntfy",
        "silent",
        "--url",
        &topic("silent"),
        "--quiet",
        &quiet,
        "--quiet-then",
        "drop",
    ])
    .ok();
    run(&[
        "channel",
        "add",
        "ntfy",
        "capped",
        "--url",
        &topic("capped"),
        "--daily-cap",
        "1",
    ])
    .ok();
    let bad = run(&[
        "channel",
        "add",
        "ntfy",
        "x",
        "--url",
        &topic("x"),
        "--quiet",
        "22-07",
    ]);
    assert!(bad.stderr.contains("22:00-07:00"), "{bad:?}");

    let rule = |channels: &str, urgent: bool| {
        let mut args = vec![
            "alerts",
            "add",
            "--coin",
            "bitcoin",
            "--above",
            "71000",
            "--channel",
            channels,
        ];
        if urgent {
            args.push("--urgent");
        }
        run(&args).ok();
    };
    rule("night,silent,capped", false);
    rule("night", true);
    rule("capped", false);
    let monitor = crate::util::world::MonitorProcess::start(user, &k.env);
    monitor.wait_for("monitoring 3 enabled alert rule(s)").await;
    fake.set_price("bitcoin", 72_500.0);

    // The urgent rule's alert comes through the quiet hours; the other
    // rule's is held back. The capped channel takes one of its two.
    let got = ntfy.wait_for(2, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let topics: Vec<String> = ntfy
        .published()
        .iter()
        .map(|p| p.body["topic"].as_str().unwrap_or_default().to_string())
        .collect();
    let mut sorted = topics.clone();
    sorted.sort();
    assert_eq!(sorted, ["capped", "night"], "{got:?}");
    let history = run(&["alerts", "history", "--json"]).ok().json();
    let delivery = |rule: u64, channel: &str| {
        (history.as_array().expect("a list").iter())
            .find(|h| h["rule_id"] == rule)
            .map(|h| h["deliveries"][channel].clone())
            .expect("a firing of the rule")
    };
    let held = delivery(1, "night");
    assert_eq!(held["status"], "held", "{history}");
    assert_eq!(held["label"], "Held back");
    assert!(
        held["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("held back by quiet hours")),
        "{held}"
    );
    assert_eq!(delivery(2, "night")["status"], "sent", "{history}");
    let dropped = delivery(1, "silent");
    assert_eq!(
        (dropped["status"].as_str(), dropped["label"].as_str()),
        (Some("dropped"), Some("Not sent")),
        "{dropped}"
    );
    let capped = [delivery(1, "capped"), delivery(3, "capped")];
    let statuses: Vec<&str> = capped.iter().filter_map(|d| d["status"].as_str()).collect();
    assert!(
        statuses.contains(&"sent") && statuses.contains(&"dropped"),
        "{capped:?}"
    );
    assert!(
        capped.iter().any(|d| d["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("daily cap of 1"))),
        "{capped:?}"
    );
    let listed = run(&["channel", "ls"]).ok();
    assert!(listed.stdout.contains("at most 1 a day"), "{listed:?}");
}

/// One slow service (it takes the message and holds its answer) delays no
/// other channel; the monitor killed while it waits sends that message
/// again after a restart, once, and the channel that had answered not at
/// all: at least once, at most once more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_channel_delays_no_other_and_a_crash_before_its_answer_resends_it_once() {
    let w = crate::util::world::World::start(70_000.0).await;
    let slow = FakeNtfy::start().await;
    slow.answer_after(Duration::from_secs(30));
    let fast = FakeNtfy::start().await;
    for (name, server) in [("slow", &slow), ("fast", &fast)] {
        let url = format!("{}/{name}", server.url());
        w.run(&["channel", "add", "ntfy", name, "--url", &url])
            .await
            .ok();
    }
    w.alerts_add("--coin bitcoin --above 71000 --channel slow,fast")
        .await;
    let monitor = crate::util::world::MonitorProcess::start(&w.user, &w.env());
    monitor.wait_for("monitoring").await;
    w.refreshes(1).await;
    let crossed = std::time::Instant::now();
    w.fake.set_price("bitcoin", 72_000.0);
    let got = fast.wait_for(1, Duration::from_secs(30)).await;
    slow.wait_for(1, Duration::from_secs(30)).await;
    // The fast one within its refresh, not after the slow one's 30 s.
    assert!(
        got[0].at.duration_since(crossed) < Duration::from_secs(10),
        "{:?}",
        got[0].at.duration_since(crossed)
    );
    monitor.wait_for("delivered 1-1 by fast").await;
    monitor.kill9();
    let h = w.history().await;
    assert_eq!(h[0]["deliveries"]["slow"]["status"], "sending", "{h}");
    assert_eq!(h[0]["deliveries"]["fast"]["status"], "sent", "{h}");

    slow.answer_after(Duration::ZERO);
    let monitor = crate::util::world::MonitorProcess::start(&w.user, &w.env());
    monitor.wait_for("delivered 1-1 by slow").await;
    w.refreshes(2).await;
    assert_eq!(slow.published().len(), 2, "sent again once after the crash");
    assert_eq!(fast.published().len(), 1, "never sent again");
    let h = w.history().await;
    assert_eq!(h[0]["deliveries"]["slow"]["status"], "sent", "{h}");
    monitor.kill9();
}
