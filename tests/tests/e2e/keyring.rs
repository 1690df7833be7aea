//! The CoinGecko API key in a real Secret Service (gnome-keyring on a
//! private D-Bus session bus): stored, sent in the right header, and found
//! nowhere on disk or in any log; typed on a real terminal, never shown.

use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

use crate::util::User;
use crate::util::files_containing;
use crate::util::tmux::{EXIT_MARK, Tmux};
use coinlytics_tests::{FakeCoinGecko, FakeOptions, PrivateBus};

const KEY: &str = "CG-demo-Zq7xK2pW9vLm4Rt8";
const TYPED_PASSWORD: &str = "smtp-Typed-7hQ2vXw9";

/// Every file under `dir` whose bytes contain `needle`.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_key_lives_in_the_keyring_is_sent_and_leaks_nowhere() {
    // Dropped in reverse: the keyring, then its bus, then its files.
    let home = tempfile::tempdir().expect("temp home");
    let bus = PrivateBus::start();
    let keyring = bus.start_keyring(home.path());
    let fake = FakeCoinGecko::start_with(FakeOptions {
        api_key: Some(KEY.into()),
        ..FakeOptions::default()
    })
    .await;
    let user = User::new(&fake.base_url());
    let run = |args: &[&str], stdin: Option<&str>, extra: &[(&str, &str)]| {
        let mut env = keyring.env();
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        user.run_piped(args, stdin, &env)
    };

    // Without the key the fake refuses, and the user is told why.
    let refused = run(&["prices", "--coins", "bitcoin"], None, &[]);
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains("HTTP 401") && refused.stderr.contains("api-key set"),
        "{refused:?}"
    );

    let set = run(
        &["api-key", "set", "--plan", "demo"],
        Some(&format!("{KEY}\n")),
        &[],
    )
    .ok();
    assert!(set.stdout.contains("stored"), "{set:?}");
    let status = run(&["api-key", "status"], None, &[]).ok();
    assert!(
        status.stdout.contains("an API key is stored (plan: demo)"),
        "{status:?}"
    );
    assert!(!status.stdout.contains(KEY));

    // Verbose logging everywhere, to give a leak every chance.
    let prices = run(
        &["prices", "--json", "--coins", "bitcoin"],
        None,
        &[("RUST_LOG", "trace")],
    )
    .ok();
    assert_eq!(prices.json()[0]["id"], "bitcoin");
    assert_eq!(
        fake.last_header("/coins/markets", "x-cg-demo-api-key")
            .as_deref(),
        Some(KEY)
    );
    assert!(!prices.stderr.contains(KEY), "the key reached stderr");

    let leaks = files_containing(user.dir.path(), KEY.as_bytes());
    assert!(leaks.is_empty(), "the key was written to {leaks:?}");
    assert!(
        std::fs::read_to_string(user.config_file())
            .expect("config")
            .contains("coingecko_api_plan = \"demo\"")
    );

    let cleared = run(&["api-key", "clear"], None, &[]).ok();
    assert!(
        cleared.stdout.contains("removed the API key"),
        "{cleared:?}"
    );
    let status = run(&["api-key", "status"], None, &[]).ok();
    assert!(status.stdout.contains("no API key is stored"), "{status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_keyring_a_configured_key_degrades_to_keyless_with_a_warning() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    let out = user
        .command(&["prices", "--json", "--coins", "bitcoin"])
        .env("COINLYTICS_COINGECKO_API_PLAN", "demo")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/coinlytics-test-bus",
        )
        .output()
        .expect("run");
    let run = crate::util::Run::from(out).ok();
    assert!(run.stderr.contains("keyring is not available"), "{run:?}");
    assert!(run.stderr.contains("using the keyless API"), "{run:?}");
    assert_eq!(run.json()[0]["stale"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_typed_on_a_terminal_are_not_echoed_and_are_stored() {
    let home = tempfile::tempdir().expect("temp home");
    let bus = PrivateBus::start();
    let keyring = bus.start_keyring(home.path());
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());

    for (name, args, secret, done) in [
        (
            "api-key-tty",
            "api-key set --plan demo",
            KEY,
            "stored the CoinGecko demo API key",
        ),
        (
            "password-tty",
            "email set-password",
            TYPED_PASSWORD,
            "stored the SMTP password",
        ),
    ] {
        let t = Tmux::start(&user, name, args, &keyring.env());
        // Echo goes off before the prompt shows: typing earlier would be
        // echoed by any program.
        t.wait_for("the prompt", |s| s.contains("(not shown)"))
            .await;
        t.type_text(secret);
        t.keys("Enter");
        let screen = t
            .wait_for("the secret stored", |s| {
                s.contains(&format!("{EXIT_MARK}0"))
            })
            .await;
        assert!(screen.contains(done), "{screen}");
        assert!(
            !screen.contains(&secret[..6]),
            "{args}: the secret was echoed:\n{screen}"
        );
    }

    let run = |args: &[&str]| {
        let out = user
            .command(args)
            .envs(keyring.env())
            .output()
            .expect("run");
        crate::util::Run::from(out).ok()
    };
    let status = run(&["api-key", "status"]);
    assert!(
        status.stdout.contains("an API key is stored (plan: demo)"),
        "{status:?}"
    );
    // The stored key is the one typed: the fake, asked with it, sees it.
    run(&["prices", "--coins", "bitcoin"]);
    assert_eq!(
        fake.last_header("/coins/markets", "x-cg-demo-api-key")
            .as_deref(),
        Some(KEY)
    );
    let email = run(&["email", "status"]);
    assert!(
        email
            .stdout
            .contains("a password is stored in the OS keyring"),
        "{email:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_keyring_is_named_and_prices_go_on_keyless() {
    let home = tempfile::tempdir().expect("temp home");
    let bus = PrivateBus::start();
    let keyring = bus.start_keyring(home.path());
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    let mut set = user
        .command(&["api-key", "set", "--plan", "demo"])
        .envs(keyring.env())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("api-key set");
    writeln!(set.stdin.take().expect("stdin"), "{KEY}").expect("type it");
    assert!(set.wait().expect("wait").success());

    // What the desktop does after the screen locks: lock every collection.
    let conn = zbus::connection::Builder::address(bus.address())
        .expect("address")
        .build()
        .await
        .expect("connect");
    let service = zbus::Proxy::new(
        &conn,
        "org.freedesktop.secrets",
        "/org/freedesktop/secrets",
        "org.freedesktop.Secret.Service",
    )
    .await
    .expect("the Secret Service");
    let collections: Vec<zbus::zvariant::OwnedObjectPath> = service
        .get_property("Collections")
        .await
        .expect("collections");
    let _: (
        Vec<zbus::zvariant::OwnedObjectPath>,
        zbus::zvariant::OwnedObjectPath,
    ) = service.call("Lock", &(collections,)).await.expect("lock");

    let mut cmd = user.command(&["prices", "--json", "--coins", "bitcoin"]);
    cmd.envs(keyring.env());
    let out = tokio::time::timeout(
        Duration::from_secs(30),
        tokio::task::spawn_blocking(move || cmd.output().expect("run")),
    )
    .await
    .expect("a locked keyring never hangs a command")
    .expect("join");
    let run = crate::util::Run::from(out).ok();
    assert!(run.stderr.contains("keyring is locked"), "{run:?}");
    assert!(run.stderr.contains("using the keyless API"), "{run:?}");
    assert!(!run.stderr.contains(KEY), "{run:?}");
}
