//! The real app window, driven through WebDriver (tauri-driver +
//! WebKitWebDriver) under the X display `.ci/test` provides, against the
//! fake CoinGecko server. Screenshots land in tests/artifacts/ (git-ignored).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::page::{cargo_tool, click, fill, free_port, screenshot, session, wait_js};
use crate::util::{Running, User, WAIT, money, wait_until};
use coinlytics_tests::{
    FakeCoinGecko, FakeNtfy, FakeTelegram, NotificationServer, PrivateBus, SmtpSink,
};
use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use serde_json::{Value, json};

/// tauri-driver for one user: the app it launches inherits this environment.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start(user: &User, extra_env: &[(&str, &str)]) -> Driver {
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "the window tests need DISPLAY (run them through .ci/test)"
        );
        let port = free_port();
        let native = free_port();
        let template = user.command(&[]);
        let mut cmd = Command::new(cargo_tool("tauri-driver"));
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ]);
        for (k, v) in template.get_envs() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        // The window needs the display the test run has.
        if let Some(d) = std::env::var_os("DISPLAY") {
            cmd.env("DISPLAY", d);
        }
        cmd.envs(extra_env.iter().copied())
            .env("COINLYTICS_REFRESH_SECS", "5");
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tauri-driver");
        Driver { child, port }
    }

    /// A WebDriver session on the app started with `args`.
    async fn session_with_args(&self, args: &[&str]) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".into(),
            json!({ "application": crate::util::coinlytics_bin(), "args": args }),
        );
        session(self.port, caps).await
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn row_ids(c: &Client) -> Vec<String> {
    let v = c
        .execute("return [...document.querySelectorAll('#watchlist-table tbody tr')].map(r => r.dataset.id)", vec![])
        .await
        .expect("rows");
    serde_json::from_value(v).expect("ids")
}

async fn price_text(c: &Client, id: &str) -> String {
    let script = format!(
        "const c = document.querySelector('#watchlist-table tr[data-id=\"{id}\"] .price'); return c ? c.textContent : null"
    );
    c.execute(&script, vec![])
        .await
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

async fn add_by_search(c: &Client, query: &str, id: &str) {
    let search = c.find(Locator::Id("search")).await.expect("search box");
    search.click().await.expect("focus search");
    search.send_keys(query).await.expect("type");
    wait_js(
        c,
        "search results",
        "return document.querySelectorAll('#search-results li[role=option]').length > 0",
    )
    .await;
    pick_search_result(c, &search, id).await;
}

/// Presses Enter in `search`, its list open, and waits for `id`'s priced row.
async fn pick_search_result(c: &Client, search: &Element, id: &str) {
    search.send_keys("\u{E007}").await.expect("Enter");
    wait_js(
        c,
        &format!("a priced row for {id}"),
        &format!("const c = document.querySelector('#watchlist-table tr[data-id=\"{id}\"] .price'); return c && c.textContent !== '—'"),
    )
    .await;
}

/// Clicks the element `css` finds.
/// The app on `user`'s data (started with `args`, the driver given `env`),
/// its dashboard loaded.
async fn open_dashboard(user: &User, env: &[(&str, &str)], args: &[&str]) -> (Driver, Client) {
    let driver = Driver::start(user, env);
    let c = driver.session_with_args(args).await;
    wait_js(
        &c,
        "the dashboard",
        "return document.body.dataset.ready === 'true'",
    )
    .await;
    (driver, c)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_as_a_user_sees_it() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());

    let (driver, c) = open_dashboard(&user, &[], &[]).await;
    wait_js(
        &c,
        "the empty watchlist hint",
        "return !document.getElementById('watchlist-empty').hidden",
    )
    .await;

    // Add coins by searching, and see the fake server's prices.
    add_by_search(&c, "sol", "solana").await;
    add_by_search(&c, "btc", "bitcoin").await;
    // Focus leaves the box before Enter (as when another window takes
    // it, which closes the list): Enter back in the box still adds the
    // first match.
    let search = c.find(Locator::Id("search")).await.expect("search box");
    search.send_keys("ethereum").await.expect("type");
    wait_js(
        &c,
        "search results",
        "return document.querySelectorAll('#search-results li[role=option]').length > 0",
    )
    .await;
    c.execute("document.getElementById('search').blur()", vec![])
        .await
        .expect("blur");
    pick_search_result(&c, &search, "ethereum").await;
    assert_eq!(row_ids(&c).await, ["solana", "bitcoin", "ethereum"]);
    let usd = fake.usd_price("bitcoin").expect("btc");
    assert_eq!(price_text(&c, "bitcoin").await, format!("${}", money(usd)));
    c.execute("window.__sameDocument = true", vec![])
        .await
        .expect("marker");

    // A price moves on the server: the cell updates and flashes, no reload.
    fake.set_price("bitcoin", 71_234.56);
    wait_js(
        &c,
        "the moved price",
        "const c = document.querySelector('#watchlist-table tr[data-id=\"bitcoin\"] .price'); return c && c.textContent === '$71,234.56' && c.classList.contains('flash-up')",
    )
    .await;
    assert_eq!(
        c.execute("return window.__sameDocument === true", vec![])
            .await
            .expect("marker"),
        json!(true),
        "no reload"
    );
    screenshot(&c, "dashboard-light.png").await;

    // Reorder with the keyboard: bitcoin to the top.
    let btc = c
        .find(Locator::Css("#watchlist-table tr[data-id=\"bitcoin\"]"))
        .await
        .expect("btc row");
    btc.send_keys("\u{E00A}\u{E013}\u{E000}")
        .await
        .expect("Alt+Up");
    wait_js(
        &c,
        "bitcoin first",
        "return document.querySelector('#watchlist-table tbody tr').dataset.id === 'bitcoin'",
    )
    .await;

    // Switch to EUR: converted prices.
    let select = c
        .find(Locator::Id("currency"))
        .await
        .expect("currency select");
    wait_js(
        &c,
        "the currency list",
        "return document.querySelectorAll('#currency option').length > 5",
    )
    .await;
    select.select_by_value("eur").await.expect("choose eur");
    let eur = format!("€{}", money(71_234.56 * 0.92));
    wait_js(
        &c,
        "prices in EUR",
        &format!("const c = document.querySelector('#watchlist-table tr[data-id=\"bitcoin\"] .price'); return c && c.textContent === '{eur}'"),
    )
    .await;

    // Quit and relaunch: watchlist, order and currency are still there.
    c.close().await.expect("close session");
    drop(driver);
    let (_driver, c) = open_dashboard(&user, &[("GTK_THEME", "Adwaita:dark")], &[]).await;
    assert_eq!(row_ids(&c).await, ["bitcoin", "solana", "ethereum"]);
    wait_js(
        &c,
        "EUR kept",
        "return document.getElementById('currency').value === 'eur'",
    )
    .await;
    assert!(price_text(&c, "bitcoin").await.starts_with('€'));
    screenshot(&c, "dashboard-dark.png").await;
    // The Alerts page in the dark, with a rule that fired at once (its
    // level is already passed) and one waiting.
    user.run(&[
        "alerts",
        "add",
        "--coin",
        "bitcoin",
        "--above",
        "1",
        "--note",
        "shown in the dark",
    ])
    .await
    .ok();
    user.run(&[
        "alerts",
        "add",
        "--coin",
        "eth",
        "--move-pct",
        "5",
        "--window",
        "1h",
        "--channel",
        "desktop,email",
    ])
    .await
    .ok();
    click(&c, "#tab-alerts").await;
    wait_js(
        &c,
        "the firing in the history",
        "return document.querySelectorAll('#alert-history tbody tr').length === 1",
    )
    .await;
    screenshot(&c, "alerts-dark.png").await;
    click(&c, "#tab-watchlist").await;

    // The server goes down: the stale banner says so, the prices stay.
    fake.set_down(true);
    let banner = wait_js(
        &c,
        "the offline banner",
        "const b = document.getElementById('banner'); return !b.hidden && b.innerText",
    )
    .await;
    let banner = banner.as_str().unwrap_or_default().to_string();
    assert!(
        banner.contains("Offline") && banner.contains("HTTP 503") && banner.contains("stale"),
        "{banner}"
    );
    assert!(
        price_text(&c, "bitcoin").await.starts_with('€'),
        "stored prices still shown"
    );
    screenshot(&c, "dashboard-offline.png").await;

    // Retry once the server is back: the banner goes away.
    fake.set_down(false);
    click(&c, "#retry").await;
    wait_js(
        &c,
        "the banner to clear",
        "return document.getElementById('banner').hidden",
    )
    .await;
    c.close().await.expect("close");
}

/// Calls window command `cmd` with `args` from the page, as the page does;
/// returns its error (`{kind, message}`), or panics if it succeeded.
async fn invoke_err(c: &Client, cmd: &str, args: Value) -> Value {
    let script = "const [cmd, args, done] = arguments; \
        window.__TAURI__.core.invoke(cmd, args).then(v => done({ ok: v }), e => done({ err: e }))";
    let answer = c
        .execute_async(script, vec![json!(cmd), args])
        .await
        .expect("invoke");
    assert!(
        answer.get("ok").is_none(),
        "{cmd} accepted bad input: {answer}"
    );
    answer["err"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_and_the_cli_answer_bad_input_alike() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    user.run(&["config", "set", "email.smtp_host", "smtp.example.com"])
        .await
        .ok();
    let (_driver, c) = open_dashboard(&user, &[], &[]).await;
    let input = |coin: &str, level: &str| {
        json!({ "id": null, "input": {
            "coin": coin, "currency": null, "condition": "above", "level": level, "window": null,
            "channels": { "desktop": true, "email": false }, "note": "", "once": false,
            "band_pct": null, "cooldown": null,
        }})
    };
    let email_form = json!({ "form": {
        "smtp_host": "smtp.example.com", "smtp_port": "587", "security": "none",
        "username": "", "from": "", "to": "",
    }});
    let cases: [(&str, Value, &[&str]); 5] = [
        (
            "watchlist_add",
            json!({ "id": "nosuchcoin" }),
            &["watchlist", "add", "nosuchcoin"],
        ),
        (
            "alert_save",
            input("nosuchcoin", "1"),
            &["alerts", "add", "--coin", "nosuchcoin", "--above", "1"],
        ),
        (
            "alert_save",
            input("bitcoin", "abc"),
            &["alerts", "add", "--coin", "bitcoin", "--above", "abc"],
        ),
        (
            "set_currency",
            json!({ "code": "zzz" }),
            &["config", "set", "currency", "zzz"],
        ),
        (
            "email_save",
            email_form,
            &["config", "set", "email.security", "none"],
        ),
    ];
    for (cmd, args, cli) in cases {
        let window = invoke_err(&c, cmd, args).await;
        let run = user.run(cli).await;
        assert_eq!(
            (window["kind"].as_str(), run.code),
            (Some("invalid_input"), 2),
            "{cmd}: {window} / {run:?}"
        );
        let message = window["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty(), "{window}");
        assert_eq!(
            run.stderr.trim(),
            format!("coinlytics: {message}"),
            "{cmd} and `coinlytics {}` say it alike",
            cli.join(" ")
        );
    }
    // Nothing bad was saved: the config file has only what was accepted.
    let config = std::fs::read_to_string(user.config_file()).expect("config file");
    assert!(
        !config.contains("zzz") && !config.contains("none"),
        "{config}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_database_never_freezes_the_window() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    user.run(&["alerts", "add", "--coin", "bitcoin", "--above", "1"])
        .await
        .ok();
    let (_driver, c) = open_dashboard(&user, &[], &[]).await;
    // Another process holds the write lock past the busy timeout (5 s).
    let db = user.database();
    db.execute_batch("BEGIN IMMEDIATE")
        .expect("take the write lock");
    let asked = Instant::now();
    c.execute(
        "window.__TAURI__.core.invoke('alert_set_enabled', { id: 1, enabled: false }) \
            .then(() => { window.__written = 'saved' }, e => { window.__written = e }); return true",
        vec![],
    )
    .await
    .expect("start a write");
    // The write waits on its own thread; the window goes on answering
    // (WebDriver itself is served by the window's main thread).
    tokio::time::sleep(Duration::from_millis(200)).await;
    let answered = c
        .execute_async(
            "const done = arguments[0]; \
             window.__TAURI__.core.invoke('preferences').then(() => done(true), () => done(false))",
            vec![],
        )
        .await
        .expect("ask");
    assert_eq!(answered, json!(true));
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "the window froze for {:?}",
        asked.elapsed()
    );
    // The write gives up with a message the user can act on; nothing changed.
    let write = wait_js(
        &c,
        "the write to give up",
        "return window.__written || null",
    )
    .await;
    assert_eq!(write["kind"], "storage", "{write}");
    assert!(
        write["message"]
            .as_str()
            .is_some_and(|m| m.contains("is locked by another process")),
        "{write}"
    );
    db.execute_batch("COMMIT").expect("release");
    let ls = user.run(&["alerts", "ls", "--json"]).await.ok().json();
    assert_eq!(ls[0]["enabled"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markets_lists_the_top_250_with_one_click_add() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    let (_driver, c) = open_dashboard(&user, &[], &[]).await;
    click(&c, "#tab-markets").await;
    let n = wait_js(&c, "250 rows", "const n = document.querySelectorAll('#markets-table tbody tr').length; return n >= 250 && n").await;
    assert_eq!(n, json!(250));
    // Only rows near the view have cells; the others hold just the coin's
    // name, at the same height, until they are scrolled near.
    let pending = c
        .execute(
            "return document.querySelectorAll('#markets-table tr.pending').length",
            vec![],
        )
        .await
        .expect("count");
    assert!(
        pending.as_u64().is_some_and(|n| n > 150),
        "rows far from the view have no cells: {pending}"
    );
    c.execute("document.querySelector('main').scrollTop = 1e9", vec![])
        .await
        .expect("scroll");
    wait_js(
        &c,
        "the last rows built and the first released",
        "const rows = document.querySelectorAll('#markets-table tbody tr'); const last = rows[rows.length - 1];
         return !last.classList.contains('pending') && /\\d/.test(last.querySelector('.price').textContent)
           && rows[0].classList.contains('pending') && rows[0].textContent === 'Bitcoin'",
    )
    .await;
    screenshot(&c, "markets-bottom-light.png").await;
    c.execute("document.querySelector('main').scrollTop = 0", vec![])
        .await
        .expect("scroll back");
    wait_js(
        &c,
        "cardano's row built again",
        "return !!document.querySelector('#markets-table tr[data-id=\"cardano\"] .row-action')",
    )
    .await;
    click(&c, "#markets-table tr[data-id=\"cardano\"] .row-action").await;
    wait_js(&c, "the button to say Added", "return document.querySelector('#markets-table tr[data-id=\"cardano\"] .row-action').textContent === 'Added'").await;
    screenshot(&c, "markets-light.png").await;
    click(&c, "#tab-watchlist").await;
    wait_js(
        &c,
        "cardano in the watchlist",
        "return !!document.querySelector('#watchlist-table tr[data-id=\"cardano\"]')",
    )
    .await;
    c.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_launch_shows_the_first_window_instead_of_starting_again() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    let (_driver, c) = open_dashboard(&user, &[], &["--hidden"]).await;
    wait_js(
        &c,
        "a hidden window",
        "return document.visibilityState === 'hidden'",
    )
    .await;

    // The user starts Coinlytics again on the same data.
    let mut second = user.command(&[]);
    second.env("DISPLAY", std::env::var_os("DISPLAY").expect("DISPLAY"));
    let mut second = Running(
        second
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run a second instance"),
    );
    let status = wait_until(
        "the second launch to hand over to the first and exit",
        Duration::from_secs(15),
        async || second.0.try_wait().expect("wait"),
    )
    .await;
    assert!(status.success(), "the second launch failed: {status}");
    wait_js(
        &c,
        "the first window shown",
        "return document.visibilityState === 'visible'",
    )
    .await;
    c.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_switch_start_at_login_and_close_to_tray() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    user.run(&["watchlist", "add", "bitcoin", "ethereum"])
        .await
        .ok();
    let (_driver, c) = open_dashboard(&user, &[], &[]).await;

    click(&c, "#open-settings").await;
    wait_js(
        &c,
        "the settings dialog",
        "return document.getElementById('settings').open",
    )
    .await;
    let checked = |id: &str| format!("return document.getElementById('{id}').checked");
    assert_eq!(
        c.execute(&checked("pref-autostart"), vec![])
            .await
            .expect("js"),
        json!(false),
        "off by default"
    );
    assert_eq!(
        c.execute(&checked("pref-close-to-tray"), vec![])
            .await
            .expect("js"),
        json!(true),
        "on by default"
    );
    screenshot(&c, "settings-light.png").await;

    // Start at login: an XDG autostart entry that starts the app hidden.
    // In the user's own (temporary) home, never the machine's.
    let autostart_dir = user.home().join(".config").join("autostart");
    let entries = |dir: &std::path::Path| -> Vec<PathBuf> {
        std::fs::read_dir(dir)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default()
    };
    click(&c, "#pref-autostart").await;
    let desktop = wait_until("an autostart entry", Duration::from_secs(10), async || {
        Some(entries(&autostart_dir)).filter(|e| !e.is_empty())
    })
    .await;
    assert_eq!(
        desktop.len(),
        1,
        "one autostart entry in {}",
        autostart_dir.display()
    );
    let text = std::fs::read_to_string(&desktop[0]).expect("read the entry");
    assert!(
        text.contains("--hidden") && text.contains("coinlytics"),
        "{text}"
    );

    // Close to tray off: saved in the config file.
    click(&c, "#pref-close-to-tray").await;
    wait_until(
        "close_to_tray = false in the config file",
        Duration::from_secs(10),
        async || {
            std::fs::read_to_string(user.config_file())
                .unwrap_or_default()
                .contains("close_to_tray = false")
        },
    )
    .await;

    // Start at login off again: the entry is gone.
    click(&c, "#pref-autostart").await;
    wait_until(
        "the autostart entry removed",
        Duration::from_secs(10),
        async || entries(&autostart_dir).is_empty(),
    )
    .await;
    // The tray ticker: Ethereum alone, saved in the config file.
    click(&c, "#tray-coin-list input[value=ethereum]").await;
    wait_until(
        "tray_coins = \"ethereum\" in the config file",
        Duration::from_secs(10),
        async || {
            std::fs::read_to_string(user.config_file())
                .unwrap_or_default()
                .contains("tray_coins = \"ethereum\"")
        },
    )
    .await;
    click(&c, "#settings-done").await;
    wait_js(
        &c,
        "the dialog closed",
        "return !document.getElementById('settings').open",
    )
    .await;
    c.close().await.expect("close");
}

/// Clicks the window's close button, as far as the app can tell: the
/// window manager's WM_DELETE_WINDOW request to the windows of the app on
/// `user`'s data (its pid is in the alert monitor's lock file). Returns once
/// the page is hidden.
async fn close_like_a_user(c: &Client, user: &User) {
    let lock = std::fs::read_to_string(user.data_dir().join("alerts.lock"))
        .expect("the app holds the monitor lock");
    let pid = lock
        .split("(pid ")
        .nth(1)
        .and_then(|rest| rest.trim_end_matches(')').parse::<u32>().ok())
        .unwrap_or_else(|| panic!("no pid in {lock:?}"));
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/close_window.py");
    let out = Command::new("/usr/bin/python3")
        .arg(script)
        .arg(pid.to_string())
        .output()
        .expect("python3 (with Debian's python3-xlib)");
    assert!(
        out.status.success(),
        "no window of pid {pid} to close: {out:?}"
    );
    wait_js(
        c,
        "the window hidden",
        "return document.visibilityState === 'hidden'",
    )
    .await;
}

/// Sets the value of the form field `css` as typing would, for fields whose
/// exact keystrokes do not matter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_set_in_the_window_notifies_and_emails_also_from_the_tray() {
    let fake = FakeCoinGecko::start().await;
    fake.set_price("bitcoin", 70_000.0);
    let user = User::new(&fake.base_url());
    user.run(&["watchlist", "add", "bitcoin"]).await.ok();
    let bus = PrivateBus::start();
    let notifications = NotificationServer::start(bus.address()).await;
    let smtp = SmtpSink::start();
    let (_driver, c) =
        open_dashboard(&user, &[("DBUS_SESSION_BUS_ADDRESS", bus.address())], &[]).await;

    // E-mail settings, in the Settings dialog.
    click(&c, "#open-settings").await;
    wait_js(
        &c,
        "the e-mail settings loaded",
        "return document.getElementById('email-password-state').textContent",
    )
    .await;
    let port = smtp.port().to_string();
    for (name, value) in [
        ("smtp_host", "127.0.0.1"),
        ("smtp_port", port.as_str()),
        ("security", "none"),
        ("from", "Coinlytics <alerts@example.com>"),
        ("to", "me@example.com"),
    ] {
        fill(&c, &format!("#email-form [name={name}]"), value).await;
    }
    click(&c, "#email-form button[type=submit]").await;
    wait_js(
        &c,
        "the e-mail settings saved",
        "return document.getElementById('email-message').textContent === 'Saved.'",
    )
    .await;
    wait_js(
        &c,
        "no password shown as stored",
        "return document.getElementById('email-password-state').textContent",
    )
    .await;
    screenshot(&c, "settings-email-light.png").await;
    click(&c, "#email-test").await;
    wait_js(
        &c,
        "the test e-mail sent",
        "return document.getElementById('email-message').textContent === 'Sent a test e-mail.'",
    )
    .await;
    assert_eq!(
        smtp.wait_for(1, Duration::from_secs(10)).await[0].subject,
        "Coinlytics test e-mail"
    );
    click(&c, "#settings-done").await;

    // "Alert me" from the watchlist row: the form opens at the current price.
    click(&c, "#watchlist-table tr[data-id=\"bitcoin\"] .bell").await;
    let level = wait_js(
        &c,
        "the level prefilled",
        "return document.querySelector('#alert-form [name=level]').value",
    )
    .await;
    assert_eq!(level, "70000");
    fill(&c, "#alert-form [name=level]", "71000").await;
    click(&c, "#alert-form [name=email]").await;
    click(&c, "#alert-save").await;
    wait_js(&c, "the alert created", "return document.getElementById('alert-form-message').textContent.startsWith('Created alert #1.')").await;
    let rule = wait_js(
        &c,
        "the rule listed",
        "return document.querySelector('#alert-rules tbody tr')?.innerText",
    )
    .await;
    let rule = rule.as_str().unwrap_or_default();
    assert!(
        rule.contains("Bitcoin: price rises above $71,000.00")
            && rule.contains("Desktop, E-mail")
            && rule.contains("Armed"),
        "{rule}"
    );

    // The price crosses: a notification and an e-mail; the history says so.
    fake.set_price("bitcoin", 71_500.0);
    let shown = notifications.wait_for(1, Duration::from_secs(30)).await;
    assert_eq!(shown[0].summary, "BTC above $71,000.00");
    let mails = smtp.wait_for(2, Duration::from_secs(30)).await;
    assert_eq!(mails[1].subject, "Coinlytics: BTC above $71,000.00");
    wait_js(&c, "both deliveries shown as sent", "return [...document.querySelectorAll('#alert-history tbody tr td.delivery')].filter(td => td.textContent === 'Sent').length === 2").await;
    screenshot(&c, "alerts-light.png").await;

    // Closed to the tray, the app still watches: the next crossing arrives too.
    close_like_a_user(&c, &user).await;
    fake.set_price("bitcoin", 69_000.0); // re-arms below the band
    tokio::time::sleep(Duration::from_secs(6)).await;
    fake.set_price("bitcoin", 72_000.0);
    let shown = notifications.wait_for(2, Duration::from_secs(30)).await;
    assert_eq!(shown[1].actions, ["default", "Open in Coinlytics"]);
    smtp.wait_for(3, Duration::from_secs(30)).await;

    // Clicking the notification brings the dashboard back at the coin.
    tokio::time::sleep(Duration::from_millis(500)).await; // the app listens after Notify returns
    notifications.invoke_action(shown[1].id, "default").await;
    wait_js(&c, "the window shown at the coin's view", "return document.visibilityState === 'visible' && !document.getElementById('view-coin').hidden && document.getElementById('coin-name').textContent === 'Bitcoin'").await;
    let history = user.run(&["alerts", "history", "--json"]).await.ok().json();
    assert_eq!(history.as_array().map(Vec::len), Some(2));
}

/// The chart under `css` painted `range` with some points: the page marks
/// it once the frame showing it was painted.
async fn wait_chart(c: &Client, css: &str, range: &str) -> u64 {
    let v = wait_js(
        c,
        &format!("the {range} chart painted"),
        &format!("const el = document.querySelector('{css}'); return el && el.dataset.range === '{range}' && Number(el.dataset.points) > 0 && el.querySelector('canvas') ? Number(el.dataset.points) : null"),
    )
    .await;
    v.as_u64().expect("points")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coin_s_chart_ranges_candles_comparison_and_conversion() {
    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    user.run(&["watchlist", "add", "bitcoin", "ethereum", "solana"])
        .await
        .ok();
    user.run(&["alerts", "add", "--coin", "bitcoin", "--above", "80000"])
        .await
        .ok();
    // A budget that paces the backfill's calls 150 ms apart, not 3 s.
    let (_driver, c) =
        open_dashboard(&user, &[("COINLYTICS_REQUESTS_PER_MINUTE", "600")], &[]).await;

    // Clicking a coin opens its view; its history is backfilled from the
    // source and drawn.
    click(&c, "#watchlist-table tr[data-id=\"bitcoin\"] .coin-link").await;
    wait_js(&c, "the coin view", "return !document.getElementById('view-coin').hidden && document.getElementById('coin-name').textContent === 'Bitcoin'").await;
    wait_js(&c, "the backfill done", "return /points, /.test(document.getElementById('chart-state').textContent) && !/Fetching/.test(document.getElementById('chart-state').textContent)").await;
    // The status says done before the redraw with the fetched history
    // lands: wait for the redraw, not the first frame.
    let month = wait_js(
        &c,
        "30 days of hourly history drawn",
        "const el = document.getElementById('chart'); const n = Number(el.dataset.points); return el.dataset.range === '30d' && n > 100 && el.querySelector('canvas') ? n : null",
    )
    .await;
    assert!(
        month.as_u64().is_some_and(|n| n > 100),
        "30 days of hourly history, not {month} points"
    );
    let stats = c
        .execute(
            "return document.getElementById('coin-stats').innerText",
            vec![],
        )
        .await
        .expect("stats");
    assert!(
        stats.as_str().is_some_and(|s| s.contains("All-time high")),
        "{stats}"
    );
    screenshot(&c, "coin-line-30d-light.png").await;

    // Ranges switch without a reload: what is stored is drawn at once, and
    // redrawn as the year's backfill brings more; a year is at most 2,000
    // points.
    click(&c, "#chart-ranges button[data-range=\"1y\"]").await;
    wait_chart(&c, "#chart", "1y").await;
    let year = wait_js(&c, "the year backfilled and drawn", "const el = document.getElementById('chart'); const n = Number(el.dataset.points); return el.dataset.range === '1y' && !/Fetching/.test(document.getElementById('chart-state').textContent) && n >= 300 ? n : null").await;
    let year = year.as_u64().expect("points");
    // Nine months of daily prices and 90 days of hourly ones are drawn in
    // equal days, so equal spans of time take equal width (issue 22).
    assert!((365..=367).contains(&year), "a year in {year} points");
    screenshot(&c, "coin-line-1y-light.png").await;
    // Candles are read at the range's candle width: a week for a year.
    click(&c, "#chart-types button[data-type=\"candles\"]").await;
    wait_js(&c, "a year of weekly candles", "const el = document.getElementById('chart'); return el.dataset.type === 'candles' && el.dataset.range === '1y' && Number(el.dataset.points) >= 50 && Number(el.dataset.points) <= 54").await;
    screenshot(&c, "coin-candles-1y-light.png").await;
    click(&c, "#chart-ranges button[data-range=\"1d\"]").await;
    let day = wait_chart(&c, "#chart", "1d").await;
    assert!(
        (40..=49).contains(&day),
        "a day of 30-minute candles, not {day}"
    );
    screenshot(&c, "coin-candles-1d-light.png").await;

    // Compare the three watched coins.
    click(&c, "#tab-compare").await;
    // Their history is fetched as the view opens; each arriving redraws it.
    wait_js(&c, "three compared coins with stats", "const rows = [...document.querySelectorAll('#compare-table tbody tr')]; return rows.length === 3 && rows.every((r) => Number(r.lastElementChild.textContent) >= 89) && document.querySelectorAll('#compare-corr td.corr-pos, #compare-corr td.corr-neg').length === 9 && document.querySelector('#compare-chart canvas')").await;
    screenshot(&c, "compare-light.png").await;
    // Every cell of the stats table holds its text: WebKitGTK once kept
    // column widths from rows since replaced, and "Ethereum" ran into its
    // return.
    let cut = c
        .execute(
            "return [...document.querySelectorAll('#compare-table tbody td')].filter((td) => { \
               const r = document.createRange(); r.selectNodeContents(td); const s = getComputedStyle(td); \
               return r.getBoundingClientRect().width > td.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight) + 0.5; \
             }).map((td) => td.textContent)",
            vec![],
        )
        .await
        .expect("measure the stats table");
    assert_eq!(
        cut,
        serde_json::json!([]),
        "cells too narrow for their text"
    );

    // Convert, keyboard first: Ctrl+K, then type.
    c.find(Locator::Css("body"))
        .await
        .expect("body")
        .send_keys("\u{E009}k")
        .await
        .expect("Ctrl+K");
    wait_js(
        &c,
        "the converter open",
        "return document.getElementById('convert').open",
    )
    .await;
    fill(&c, "#convert-form [name=amount]", "1.5").await;
    fill(&c, "#convert-form [name=from]", "eth").await;
    fill(&c, "#convert-form [name=to]", "eur").await;
    let result = wait_js(&c, "a conversion", "const t = document.getElementById('convert-result').textContent; return /^1\\.5 ETH = €[0-9,]+\\.[0-9]{2}$/.test(t) ? t : null").await;
    let source = c
        .execute(
            "return document.getElementById('convert-source').textContent",
            vec![],
        )
        .await
        .expect("source");
    assert!(
        source
            .as_str()
            .is_some_and(|s| s.contains("CoinGecko") && s.contains("old")),
        "{result} / {source}"
    );
    screenshot(&c, "convert-light.png").await;
    click(&c, "#convert-done").await;

    // An anomaly rule made with the CLI is listed in words; the form
    // offers the condition with its window and lookback.
    user.run(&[
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
    click(&c, "#tab-alerts").await;
    wait_js(&c, "the anomaly rule listed", "return [...document.querySelectorAll('#view-alerts')].some((v) => v.innerText.includes('Solana: price moves unusually, beyond 3 σ within 1h (against 7d)'))").await;
    c.execute(
        "const s = document.querySelector('#alert-form [name=condition]'); s.value = 'anomaly'; s.dispatchEvent(new Event('change', {bubbles: true}));",
        vec![],
    )
    .await
    .expect("choose anomaly");
    wait_js(&c, "the lookback field shown", "return !document.getElementById('alert-lookback-field').hidden && !document.getElementById('alert-window-field').hidden").await;
    screenshot(&c, "alerts-anomaly-light.png").await;
}

/// Picks tests/fixtures/portfolio/`name` in the Portfolio view's file
/// input (as the Import CSV… button's file chooser would).
async fn pick_import_file(c: &Client, name: &str) {
    c.execute(
        "document.getElementById('pf-file').hidden = false; return true",
        vec![],
    )
    .await
    .expect("show input");
    // A fixture's name, or a path (a real export where it lies).
    let file = if name.starts_with('/') {
        name.to_string()
    } else {
        format!("{}/fixtures/portfolio/{name}", env!("CARGO_MANIFEST_DIR"))
    };
    c.find(Locator::Id("pf-file"))
        .await
        .expect("file input")
        .send_keys(&file)
        .await
        .expect("pick the file");
    c.execute(
        "document.getElementById('pf-file').hidden = true; return true",
        vec![],
    )
    .await
    .expect("hide input");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portfolio_adds_a_transaction_and_imports_a_file_through_its_preview() {
    let fake = FakeCoinGecko::start().await;
    fake.set_price("bitcoin", 40_000.0);
    let user = User::new(&fake.base_url());
    user.run(&["prices", "--coins", "bitcoin,ethereum"])
        .await
        .ok();
    // A year of bitcoin's history values the portfolio over time.
    user.run(&["backfill", "--coins", "bitcoin", "--range", "1y"])
        .await
        .ok();
    let (_driver, c) = open_dashboard(&user, &[], &[]).await;
    click(&c, "#tab-portfolio").await;
    wait_js(
        &c,
        "the empty portfolio",
        "return !document.getElementById('pf-empty').hidden",
    )
    .await;

    // A buy of 1 BTC at 10,000 with a 10 USD fee: it cost 10,010 and is
    // worth 40,000 now, +29,990.
    let add = |fields: &'static str| {
        let c = c.clone();
        async move {
            c.execute(
                &format!(
                    "const f = document.getElementById('pf-form');
                     for (const [k, v] of Object.entries({fields})) {{
                       const el = f.querySelector(`[name=${{k}}]`); el.value = v; el.dispatchEvent(new Event('change'));
                     }}
                     f.requestSubmit(); return true"
                ),
                vec![],
            )
            .await
            .expect("fill and submit");
        }
    };
    add("{portfolio: 'Exchange', kind: 'buy', coin: 'btc', quantity: '1', price: '10000', fee: '10', currency: 'usd', time: '2024-01-01T12:00'}").await;
    let row = "#pf-holdings tr[data-coin=\"bitcoin\"]";
    wait_js(
        &c,
        "the holding at cost and value",
        &format!("const r = document.querySelector('{row}'); return r && r.cells[3].textContent === '$40,000.00' && r.cells[5].textContent === '$10,010.00' && r.cells[6].textContent === '+$29,990.00'"),
    )
    .await;
    // Half sold at 30,000: 15,000 for 5,005 of cost, +9,995 realized.
    add("{kind: 'sell', coin: 'btc', quantity: '0.5', price: '30000', fee: '', time: '2024-02-01T12:00'}").await;
    wait_js(
        &c,
        "the sale realized",
        &format!("const r = document.querySelector('{row}'); return r && r.cells[7].textContent === '+$9,995.00' && document.getElementById('pf-realized').textContent === '+$9,995.00'"),
    )
    .await;
    // Selling more than held is refused, named, and changes nothing.
    add("{kind: 'sell', coin: 'btc', quantity: '2', price: '30000', time: '2024-03-01T12:00'}")
        .await;
    wait_js(
        &c,
        "the shortfall named",
        "return /Exchange sells 2 bitcoin on 2024-03-01 but holds 0.5 then: 1.5 short/.test(document.getElementById('pf-form-message').textContent)",
    )
    .await;
    // The sale was at 32,000, not 30,000: edited, 16,000 − 5,005 = +10,995.
    click(&c, "#pf-txs button[aria-label=\"Edit transaction 2\"]").await;
    wait_js(&c, "the form editing #2", "return document.getElementById('pf-submit').textContent === 'Save #2' && document.querySelector('#pf-form [name=price]').value === '30000'").await;
    add("{price: '32000'}").await;
    wait_js(
        &c,
        "the edited sale realized",
        "return document.getElementById('pf-realized').textContent === '+$10,995.00' && document.getElementById('pf-submit').textContent === 'Add'",
    )
    .await;
    // Before selling the other half at 40,000: 20,000 − 5,005 = +14,995
    // by every method (one lot).
    c.execute(
        "const f = document.getElementById('pf-whatif'); f.querySelector('[name=coin]').value = 'btc'; f.querySelector('[name=quantity]').value = '0.5'; f.querySelector('[name=price]').value = '40000'; f.requestSubmit(); return true",
        vec![],
    )
    .await
    .expect("what if");
    wait_js(
        &c,
        "the gain under each method",
        "return document.getElementById('pf-whatif-result').textContent === 'Selling 0.5 bitcoin at $40,000.00: FIFO +$14,995.00  ·  LIFO +$14,995.00  ·  HIFO +$14,995.00  ·  Average cost +$14,995.00'",
    )
    .await;
    // 0.5 BTC all through the stored year: a point every few days.
    wait_js(
        &c,
        "the value over time drawn",
        "const p = document.getElementById('pf-chart-panel'); return !p.hidden && Number(p.dataset.points) > 50 && /\\$/.test(document.getElementById('pf-chart-legend').textContent)",
    )
    .await;
    screenshot(&c, "portfolio-light.png").await;

    // An alert on the holding's share: the form asks for a target.
    click(&c, "#tab-alerts").await;
    wait_js(
        &c,
        "the conditions offered",
        "return !!document.querySelector('#alert-form [name=condition] option[value=drift]')",
    )
    .await;
    c.execute(
        "const s = document.querySelector('#alert-form [name=condition]'); s.value = 'drift'; s.dispatchEvent(new Event('change', {bubbles: true})); return true",
        vec![],
    )
    .await
    .expect("choose drift");
    wait_js(
        &c,
        "the portfolio and target fields",
        "return !document.getElementById('alert-portfolio-field').hidden && !document.getElementById('alert-target-field').hidden && !document.getElementById('alert-coin-field').hidden && [...document.querySelectorAll('#alert-form [name=portfolio] option')].some((o) => o.value === 'Exchange')",
    )
    .await;
    c.execute(
        "const f = document.getElementById('alert-form'); f.querySelector('[name=coin]').value = 'bitcoin'; f.querySelector('[name=portfolio]').value = 'Exchange'; f.querySelector('[name=level]').value = '5'; f.querySelector('[name=target]').value = '60'; return true",
        vec![],
    )
    .await
    .expect("fill the rule");
    screenshot(&c, "alerts-drift-light.png").await;
    click(&c, "#alert-save").await;
    wait_js(
        &c,
        "the drift rule listed",
        "return document.getElementById('alert-rules').innerText.includes('Bitcoin in Exchange: holding\\'s share drifts from its target by 5 points (target 60 %)')",
    )
    .await;
    click(&c, "#tab-portfolio").await;

    // Import Coinbase's export: the preview says what it would add.
    pick_import_file(&c, "coinbase-2024.csv").await;
    fill(&c, "#pf-import-portfolio", "Coinbase").await;
    wait_js(
        &c,
        "the preview",
        "const s = document.getElementById('pf-import-summary').textContent; return /coinbase: Would import 7 transactions; 0 already imported; 1 skipped/.test(s) && !document.getElementById('pf-import-commit').disabled",
    )
    .await;
    screenshot(&c, "portfolio-import-preview-light.png").await;
    click(&c, "#pf-import-commit").await;
    wait_js(
        &c,
        "the import done",
        "return /Imported 7/.test(document.getElementById('pf-import-summary').textContent)",
    )
    .await;
    click(&c, "#pf-import-cancel").await;
    wait_js(
        &c,
        "ethereum held",
        "return !!document.querySelector('#pf-holdings tr[data-coin=\"ethereum\"]')",
    )
    .await;
    let listed = user.run(&["portfolio", "ls", "--json"]).await.ok().json();
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(9),
        "2 added by hand, 7 imported"
    );
    screenshot(&c, "portfolio-imported-light.png").await;

    // A real Kraken ledger, dated 2000 (anonymised): no source has a USDC
    // price then. The preview keeps those rows and says so; the holdings
    // mark the figures they touch.
    let kraken = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/real/csv/kraken/uabean_ledgers.csv"
    );
    if std::path::Path::new(kraken).exists() {
        pick_import_file(&c, kraken).await;
        fill(&c, "#pf-import-portfolio", "Kraken").await;
        wait_js(
            &c,
            "the rows of unknown value in the preview",
            "const s = document.getElementById('pf-import-summary').textContent;
             return /Would import 2 transactions/.test(s) && /2 of unknown value, kept/.test(s)
               && document.querySelectorAll('#pf-import-errors li.unknown').length === 2
               && !document.getElementById('pf-import-commit').disabled",
        )
        .await;
        screenshot(&c, "portfolio-import-unknown-light.png").await;
        click(&c, "#pf-import-commit").await;
        wait_js(
            &c,
            "the ledger imported",
            "return /Imported 2/.test(document.getElementById('pf-import-summary').textContent)",
        )
        .await;
        click(&c, "#pf-import-cancel").await;
        wait_js(
            &c,
            "the incomplete cost marked",
            "const r = document.querySelector('#pf-holdings tr[data-coin=\"usd-coin\"]');
             return !!r && r.cells[5].textContent.endsWith('*') && document.getElementById('pf-cost').textContent.endsWith('*')
               && /2 transactions have no known value/.test(document.getElementById('pf-unknown').textContent)",
        )
        .await;
        screenshot(&c, "portfolio-unknown-light.png").await;
    }

    // One key hides the amounts (not the prices) and the setting is kept.
    c.find(Locator::Css("body"))
        .await
        .expect("body")
        .send_keys("\u{E009}\u{E008}h\u{E000}")
        .await
        .expect("Ctrl+Shift+H");
    wait_js(
        &c,
        "the amounts hidden",
        &format!("const hidden = (el) => getComputedStyle(el).fontSize === '0px';
          const r = document.querySelector('{row}');
          return document.body.classList.contains('private') && hidden(document.getElementById('pf-value'))
            && hidden(r.cells[3]) && !hidden(r.cells[2])"),
    )
    .await;
    screenshot(&c, "portfolio-private-light.png").await;
    let kept = user.run(&["config", "get", "privacy"]).await.ok();
    assert!(kept.stdout.contains("true"), "{}", kept.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_of_no_known_layout_is_imported_through_its_mapped_columns_kept_as_a_profile() {
    let fake = FakeCoinGecko::start().await;
    fake.set_price("bitcoin", 40_000.0);
    let user = User::new(&fake.base_url());
    user.run(&["prices", "--coins", "bitcoin,ethereum"])
        .await
        .ok();
    let (_driver, c) = open_dashboard(&user, &[], &[]).await;
    click(&c, "#tab-portfolio").await;
    wait_js(
        &c,
        "the empty portfolio",
        "return !document.getElementById('pf-empty').hidden",
    )
    .await;

    // A wallet app's export: no layout the app knows, so the dialog asks
    // for its columns, each list set to the guess from the column names.
    pick_import_file(&c, "wallet-app.csv").await;
    fill(&c, "#pf-import-portfolio", "Wallet").await;
    let chosen = "return [...document.querySelectorAll('#pf-map-fields select')].map(s => s.name + '=' + s.value).join(',')";
    let guessed = wait_js(
        &c,
        "the mapping step, guessed",
        &format!("if (document.getElementById('pf-map').hidden || document.getElementById('pf-import-format').value !== 'map') return null; {chosen}"),
    )
    .await;
    assert_eq!(
        guessed,
        "time=Date,type=Action,coin=Asset,quantity=Amount,price=Unit Price,currency=Quote Currency,fee=Commission,fee_currency=,note=Memo"
    );
    let required = c
        .execute(
            "return [...document.querySelectorAll('#pf-map-fields label')].filter(l => l.querySelector('abbr.req')).map(l => l.querySelector('select').name).join(',')",
            vec![],
        )
        .await
        .expect("required");
    assert_eq!(required, "time,type,coin,quantity");
    wait_js(
        &c,
        "the guessed preview",
        "return /mapped: Would import 3 transactions; 0 already imported/.test(document.getElementById('pf-import-summary').textContent)",
    )
    .await;

    // A wrong column for the type: every row is named, nothing imports…
    fill(&c, "#pf-map-fields select[name=type]", "Memo").await;
    wait_js(
        &c,
        "the rows refused",
        "const errors = [...document.querySelectorAll('#pf-import-errors li')].map(li => li.textContent);
         return errors.length === 3 && errors[0] === \"Line 2, Memo: 'dca' is not buy, sell, transfer_in, transfer_out, fee or income\"
           && document.getElementById('pf-import-commit').disabled",
    )
    .await;
    screenshot(&c, "portfolio-mapping-errors.png").await;
    // …corrected, the fee's currency named too: the three rows again.
    fill(&c, "#pf-map-fields select[name=type]", "Action").await;
    fill(
        &c,
        "#pf-map-fields select[name=fee_currency]",
        "Quote Currency",
    )
    .await;
    wait_js(
        &c,
        "the corrected preview",
        "return /mapped: Would import 3 transactions/.test(document.getElementById('pf-import-summary').textContent)
          && document.querySelectorAll('#pf-import-errors li').length === 0
          && document.getElementById('pf-import-commit').textContent === 'Import 3'
          && !document.getElementById('pf-import-commit').disabled",
    )
    .await;

    // Kept as a profile under a name of the user's.
    fill(&c, "#pf-map-name", "Wallet app").await;
    c.execute(
        "document.getElementById('pf-map-save').requestSubmit(); return true",
        vec![],
    )
    .await
    .expect("save the profile");
    wait_js(
        &c,
        "the profile saved and listed",
        "return /Saved as “Wallet app”/.test(document.getElementById('pf-map-message').textContent)
          && [...document.querySelectorAll('#pf-import-format optgroup option')].some(o => o.value === 'Wallet app')
          && document.getElementById('pf-import-format').value === 'map'",
    )
    .await;
    screenshot(&c, "portfolio-mapping.png").await;
    // The CLI reads the file through the profile the window saved.
    let wallet = format!(
        "{}/fixtures/portfolio/wallet-app.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    let profile = user
        .run(&[
            "portfolio",
            "import",
            &wallet,
            "--portfolio",
            "Wallet",
            "--format",
            "Wallet app",
            "--dry-run",
            "--json",
        ])
        .await
        .ok()
        .json();
    assert_eq!(
        profile["added"].as_array().map(Vec::len),
        Some(3),
        "{profile}"
    );

    // Imported: 0.25 BTC for 15,005, 0.1 sold for 6,498: +496 realized.
    click(&c, "#pf-import-commit").await;
    wait_js(
        &c,
        "the import done",
        "return /mapped: Imported 3/.test(document.getElementById('pf-import-summary').textContent)",
    )
    .await;
    click(&c, "#pf-import-cancel").await;
    wait_js(
        &c,
        "the holdings from the file",
        "const btc = document.querySelector('#pf-holdings tr[data-coin=\"bitcoin\"]');
         return btc && btc.cells[1].textContent === '0.15'
           && !!document.querySelector('#pf-holdings tr[data-coin=\"ethereum\"]')
           && document.getElementById('pf-realized').textContent === '+$496.00'",
    )
    .await;

    // The next time, the profile is in the Format list and reads the file
    // the same way: all three rows imported before.
    pick_import_file(&c, "wallet-app.csv").await;
    wait_js(
        &c,
        "the dialog again",
        "return document.getElementById('pf-import').open && /3 already imported/.test(document.getElementById('pf-import-summary').textContent)",
    )
    .await;
    fill(&c, "#pf-import-format", "Wallet app").await;
    wait_js(
        &c,
        "the profile's preview",
        "return document.getElementById('pf-map').hidden
          && /mapped: Would import 0 transactions; 3 already imported/.test(document.getElementById('pf-import-summary').textContent)
          && document.getElementById('pf-import-commit').disabled",
    )
    .await;
    screenshot(&c, "portfolio-mapping-profile.png").await;

    // A profile named like a format is refused by the engine, in the same
    // words as the CLI's; a column name past the cap by the command.
    let mapping = json!({ "time": "Date", "type": "Action", "coin": "Asset", "quantity": "Amount",
        "price": null, "currency": null, "fee": null, "fee_currency": null, "note": null });
    let window = invoke_err(
        &c,
        "portfolio_profile_save",
        json!({ "name": "binance", "mapping": mapping }),
    )
    .await;
    let cli = user
        .run(&["portfolio", "map", &wallet, "--save", "binance"])
        .await;
    assert_eq!(
        (window["kind"].as_str(), cli.stderr.trim().to_string()),
        (
            Some("invalid_input"),
            format!("coinlytics: {}", window["message"].as_str().unwrap_or("?"))
        ),
        "{window}"
    );
    let long = json!({ "time": "x".repeat(5000), "type": "Action", "coin": "Asset",
        "quantity": "Amount" });
    let window = invoke_err(
        &c,
        "portfolio_profile_save",
        json!({ "name": "Long", "mapping": long }),
    )
    .await;
    assert_eq!(window["kind"], "invalid_input", "{window}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portfolio_screen_shows_the_hand_worked_figures_under_each_method() {
    // The fixture of engine/src/portfolio/basis/tests.rs: three buys of
    // 1 BTC (A at 10,000 with a 10 fee, B at 20,000, C at 15,000), then 1.5
    // sold at 30,000 with a 30 fee; bitcoin at 40,000 now.
    let fake = FakeCoinGecko::start().await;
    fake.set_price("bitcoin", 40_000.0);
    let user = User::new(&fake.base_url());
    user.run(&["prices", "--coins", "bitcoin"]).await.ok();
    for (kind, qty, price, fee, day) in [
        ("buy", "1", "10000", "10", "2024-01-01"),
        ("buy", "1", "20000", "0", "2024-01-02"),
        ("buy", "1", "15000", "0", "2024-01-03"),
        ("sell", "1.5", "30000", "30", "2024-01-04"),
    ] {
        user.run(&[
            "portfolio",
            "add",
            "--portfolio",
            "Exchange",
            "--coin",
            "btc",
            "--type",
            kind,
            "--qty",
            qty,
            "--price",
            price,
            "--fee",
            fee,
            "--time",
            day,
        ])
        .await
        .ok();
    }
    let (_driver, c) = open_dashboard(&user, &[], &[]).await;
    click(&c, "#tab-portfolio").await;
    // (method, cost basis of the 1.5 left, unrealized = 60,000 − it, realized)
    for (method, cost, unrealized, realized) in [
        ("fifo", "$25,000.00", "+$35,000.00", "+$24,960.00"),
        ("lifo", "$20,010.00", "+$39,990.00", "+$19,970.00"),
        ("hifo", "$17,510.00", "+$42,490.00", "+$17,470.00"),
        ("average", "$22,505.00", "+$37,495.00", "+$22,465.00"),
    ] {
        c.execute(
            &format!("const s = document.getElementById('pf-method'); s.value = '{method}'; s.dispatchEvent(new Event('change')); return true"),
            vec![],
        )
        .await
        .expect("choose the method");
        wait_js(
            &c,
            &format!("the {method} figures"),
            &format!(
                "const r = document.querySelector('#pf-holdings tr[data-coin=\"bitcoin\"]');
                 return r && r.cells[1].textContent === '1.5' && r.cells[3].textContent === '$60,000.00'
                   && r.cells[5].textContent === '{cost}' && r.cells[6].textContent === '{unrealized}'
                   && r.cells[7].textContent === '{realized}'
                   && document.getElementById('pf-realized').textContent === '{realized}'
                   && document.getElementById('pf-unrealized').textContent === '{unrealized}'"
            ),
        )
        .await;
    }
    // Selling 1 more at the stored 40,000, each method's history replayed.
    c.execute(
        "const f = document.getElementById('pf-whatif'); f.querySelector('[name=coin]').value = 'btc'; f.querySelector('[name=quantity]').value = '1'; f.requestSubmit(); return true",
        vec![],
    )
    .await
    .expect("what if");
    wait_js(
        &c,
        "the what-if of each method",
        "return document.getElementById('pf-whatif-result').textContent === 'Selling 1 bitcoin at $40,000.00: FIFO +$22,500.00  ·  LIFO +$24,995.00  ·  HIFO +$27,495.00  ·  Average cost +$24,996.67'",
    )
    .await;
    screenshot(&c, "portfolio-methods-light.png").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_price_moves_its_row_within_a_second_and_settings_show_each_source() {
    use coinlytics_tests::{ExchangeKind, FakeExchange};
    let fake = FakeCoinGecko::start().await;
    fake.set_price("bitcoin", 70_000.0);
    let binance = FakeExchange::start(ExchangeKind::Binance).await;
    binance.set_price("BTCUSDT", "70000");
    // Kraken is down: its REST calls and its stream both get 503s.
    let kraken = FakeExchange::start(ExchangeKind::Kraken).await;
    kraken.set_status(Some(503));
    let user = User::new(&fake.base_url());
    user.run(&["watchlist", "add", "bitcoin"]).await.ok();
    let (rest, ws, krest, kws) = (
        binance.rest_url(),
        binance.ws_url(),
        kraken.rest_url(),
        kraken.ws_url(),
    );
    let env = [
        ("COINLYTICS_SOURCES", "coingecko,binance,kraken"),
        ("COINLYTICS_PRICE_SOURCE", "binance"),
        ("COINLYTICS_BINANCE_URL", rest.as_str()),
        ("COINLYTICS_BINANCE_WS_URL", ws.as_str()),
        ("COINLYTICS_KRAKEN_URL", krest.as_str()),
        ("COINLYTICS_KRAKEN_WS_URL", kws.as_str()),
    ];
    let (_driver, c) = open_dashboard(&user, &env, &[]).await;
    wait_js(
        &c,
        "bitcoin at Binance's price",
        "const c = document.querySelector('#watchlist-table tr[data-id=\"bitcoin\"] .price'); return c && c.textContent === '$70,000.00'",
    )
    .await;
    wait_until("the window to stream bitcoin", WAIT, async || {
        binance.subscribed() == ["btcusdt@ticker"]
    })
    .await;
    // The page notes when the cell shows the new price, by the same clock.
    c.execute(
        "window.__sameDocument = true; const cell = document.querySelector('#watchlist-table tr[data-id=\"bitcoin\"] .price');
         new MutationObserver(() => { if (cell.textContent === '$71,234.56' && !window.__movedAt) window.__movedAt = Date.now(); })
           .observe(cell, { childList: true, characterData: true, subtree: true });",
        vec![],
    )
    .await
    .expect("observe the price");
    let sent = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    binance.set_price("BTCUSDT", "71234.56");
    let moved = wait_js(&c, "the streamed price", "return window.__movedAt").await;
    let took = moved.as_i64().expect("ms") - sent;
    assert!(
        took < 1000,
        "the streamed price showed {took} ms after the tick"
    );
    let page = wait_js(
        &c,
        "Live in the status bar, the source on hover, no reload",
        "const c = document.querySelector('#watchlist-table tr[data-id=\"bitcoin\"] .price');
         return document.getElementById('updated').textContent === 'Live' && window.__sameDocument === true && c.title",
    )
    .await;
    assert!(
        page.as_str().is_some_and(|t| t.starts_with("Binance · ")),
        "{page}"
    );
    // The tick's 24h change moves the row too, as in `watch`.
    let change = crate::util::binance_change_pct(&binance, "BTCUSDT").await;
    wait_js(
        &c,
        "the streamed 24h change",
        &format!(
            "return [...document.querySelectorAll('#watchlist-table tr[data-id=\"bitcoin\"] td')].some(td => td.textContent === '{change:+.2}%')"
        ),
    )
    .await;
    screenshot(&c, "dashboard-streaming.png").await;

    click(&c, "#open-settings").await;
    let states = wait_js(
        &c,
        "each source's state",
        "const rows = [...document.querySelectorAll('#sources-panel tbody tr')];
         const s = Object.fromEntries(rows.map((r) => [r.dataset.source, r.cells[1].textContent]));
         return s.binance === 'streaming' && s.kraken === 'backing off' && s.coingecko === 'polling' && s.coinbase === 'off' && s",
    )
    .await;
    assert_eq!(states["binance"], "streaming", "{states}");
    let budget = wait_js(
        &c,
        "the CoinGecko budget",
        "return document.querySelector('#sources-panel .budget').textContent",
    )
    .await;
    assert!(
        budget
            .as_str()
            .is_some_and(|b| b.starts_with("CoinGecko: ") && b.contains(" of 600 requests")),
        "{budget}"
    );
    screenshot(&c, "settings-sources.png").await;
    click(&c, "#settings-done").await;

    // A rule that a second source must confirm, from the Alerts form.
    click(&c, "#watchlist-table tr[data-id=\"bitcoin\"] .bell").await;
    fill(&c, "#alert-form [name=level]", "75000").await;
    c.execute(
        "const s = document.querySelector('#alert-form [name=confirm]'); s.value = '30'; s.dispatchEvent(new Event('change', {bubbles: true}));",
        vec![],
    )
    .await
    .expect("choose the confirmation");
    screenshot(&c, "alerts-confirm-form.png").await;
    click(&c, "#alert-save").await;
    let rule = wait_js(
        &c,
        "the confirmed rule listed",
        "return document.querySelector('#alert-rules tbody tr')?.innerText",
    )
    .await;
    assert!(
        rule.as_str().is_some_and(|r| r.contains(
            "Bitcoin: price rises above $75,000.00, confirmed by a second source within 30s"
        )),
        "{rule}"
    );

    // The coin's view: its price on each source; it can show CoinGecko's.
    click(&c, "#tab-watchlist").await;
    click(&c, "#watchlist-table tr[data-id=\"bitcoin\"] .coin-link").await;
    wait_js(
        &c,
        "the price on each source",
        "const rows = [...document.querySelectorAll('#coin-sources tbody tr')].map((r) => r.dataset.source + ' ' + r.cells[1].textContent);
         return rows.includes('binance $71,234.56') && rows.includes('coingecko $70,000.00')",
    )
    .await;
    c.execute(
        "document.getElementById('coin-sources').scrollIntoView()",
        vec![],
    )
    .await
    .expect("scroll");
    screenshot(&c, "coin-sources.png").await;
    fill(&c, "#coin-source-pref", "coingecko").await;
    wait_js(
        &c,
        "bitcoin at CoinGecko's price after the next refresh",
        "return document.getElementById('coin-price').textContent === '$70,000.00' && document.getElementById('coin-source-pref').value === 'coingecko'",
    )
    .await;
    let saved = user.run(&["config", "get", "coin_sources"]).await.ok();
    assert!(saved.stdout.contains("bitcoin=coingecko"), "{saved:?}");
}

/// Settings → Alert channels, as a user works it: an ntfy channel added
/// with its token (into a real keyring on the app's own bus), a test sent;
/// a Telegram channel whose service refuses its token marked failing with
/// the reason, then fixed by editing it (the token typed again, quiet
/// hours set); the alert form offers the added channels, and a crossing's
/// delivery to one shows in the history.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_add_test_and_fix_alert_channels_that_the_alert_form_offers() {
    const TOKEN: &str = "tk_window-ntfy-Access";
    const BOT: &str = "123456789:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0";
    let fake = FakeCoinGecko::start().await;
    fake.set_price("bitcoin", 70_000.0);
    let user = User::new(&fake.base_url());
    user.run(&["watchlist", "add", "bitcoin"]).await.ok();
    let home = tempfile::tempdir().expect("keyring home");
    let bus = PrivateBus::start();
    let keyring = bus.start_keyring(home.path());
    let ntfy = FakeNtfy::start().await;
    ntfy.require_token(TOKEN);
    let tg = FakeTelegram::start(BOT).await;
    tg.add_chat(4242, "Ada");
    let env = keyring.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (_driver, c) = open_dashboard(&user, &env, &[]).await;

    click(&c, "#open-settings").await;
    wait_js(
        &c,
        "the built-in channels listed",
        "return document.querySelectorAll('#channels-panel tbody tr').length === 2",
    )
    .await;
    let topic = format!("{}/coin-alerts", ntfy.url());
    click(&c, "#channel-new").await;
    fill(&c, "#channel-form [name=name]", "phone").await;
    fill(&c, "#channel-form [name=url]", &topic).await;
    fill(&c, "#channel-form [name=secret]", TOKEN).await;
    click(&c, "#channel-save").await;
    wait_js(
        &c,
        "the ntfy channel added",
        "return document.getElementById('channels-message').textContent.startsWith('Added phone')",
    )
    .await;
    click(
        &c,
        "#channels-panel tr[data-name=phone] button[aria-label='Test phone']",
    )
    .await;
    wait_js(&c, "the test sent", "return document.getElementById('channels-message').textContent === 'Sent a test message through phone.'").await;
    assert_eq!(ntfy.published()[0].body["title"], "Coinlytics: a test");

    // A Telegram bot token the service does not know: refused, marked.
    click(&c, "#channel-new").await;
    c.execute(
        "const k = document.querySelector('#channel-form [name=kind]'); k.value = 'telegram'; k.dispatchEvent(new Event('change'));",
        vec![],
    )
    .await
    .expect("choose Telegram");
    fill(&c, "#channel-form [name=name]", "tg").await;
    fill(&c, "#channel-form [name=chat_id]", "4242").await;
    fill(&c, "#channel-form [name=api_url]", &tg.url()).await;
    fill(
        &c,
        "#channel-form [name=secret]",
        "123456789:AAwrongwrongwrongwrongwrongwrongwr",
    )
    .await;
    click(&c, "#channel-save").await;
    wait_js(
        &c,
        "the Telegram channel added",
        "return document.getElementById('channels-message').textContent.startsWith('Added tg')",
    )
    .await;
    click(
        &c,
        "#channels-panel tr[data-name=tg] button[aria-label='Test tg']",
    )
    .await;
    let state = wait_js(&c, "the channel marked failing", "const tr = document.querySelector('#channels-panel tr[data-name=tg]'); return tr && tr.innerText.includes('Failing') && tr.innerText").await;
    assert!(
        state
            .as_str()
            .is_some_and(|s| s.contains("refused the bot's token")),
        "{state}"
    );
    screenshot(&c, "settings-channels-light.png").await;

    // Fixed by editing: the right token, and quiet hours.
    click(
        &c,
        "#channels-panel tr[data-name=tg] button[aria-label='Edit tg']",
    )
    .await;
    let name = wait_js(&c, "the form filled", "return document.querySelector('#channel-form [name=chat_id]').value === '4242' && document.querySelector('#channel-form [name=name]').readOnly").await;
    assert_eq!(name, json!(true));
    fill(&c, "#channel-form [name=secret]", BOT).await;
    fill(&c, "#channel-form [name=quiet]", "22:00-07:00").await;
    click(&c, "#channel-save").await;
    wait_js(
        &c,
        "the channel saved",
        "return document.getElementById('channels-message').textContent.startsWith('Saved tg')",
    )
    .await;
    let row = wait_js(&c, "the mark gone", "const tr = document.querySelector('#channels-panel tr[data-name=tg]'); return tr && !tr.innerText.includes('Failing') && tr.innerText").await;
    assert!(
        row.as_str().is_some_and(|r| r.contains("quiet hours")),
        "{row}"
    );
    click(
        &c,
        "#channels-panel tr[data-name=tg] button[aria-label='Test tg']",
    )
    .await;
    wait_js(&c, "the fixed channel's test sent", "return document.getElementById('channels-message').textContent === 'Sent a test message through tg.'").await;
    assert_eq!(tg.messages().len(), 1);
    click(&c, "#settings-done").await;

    // The alert form offers them; a crossing goes to the one ticked.
    click(&c, "#watchlist-table tr[data-id=\"bitcoin\"] .bell").await;
    wait_js(&c, "the channels offered", "return [...document.querySelectorAll('#alert-channels input')].map(b => b.value).join() === 'phone,tg'").await;
    fill(&c, "#alert-form [name=level]", "71000").await;
    click(&c, "#alert-form [name=desktop]").await;
    click(&c, "#alert-channels input[value=phone]").await;
    click(&c, "#alert-save").await;
    wait_js(&c, "the alert created", "return document.getElementById('alert-form-message').textContent.startsWith('Created alert #1.')").await;
    let rule = wait_js(
        &c,
        "the rule listed",
        "return document.querySelector('#alert-rules tbody tr')?.innerText",
    )
    .await;
    assert!(
        rule.as_str()
            .is_some_and(|r| r.contains("phone") && !r.contains("Desktop")),
        "{rule}"
    );
    fake.set_price("bitcoin", 71_500.0);
    let got = ntfy.wait_for(2, Duration::from_secs(30)).await;
    assert_eq!(got[1].body["title"], "BTC above $71,000.00");
    wait_js(&c, "the delivery shown", "return document.querySelector('#alert-history tbody tr td.others')?.textContent === 'phone: Sent'").await;
    screenshot(&c, "alerts-channels-light.png").await;
    let leaks = crate::util::files_containing(user.dir.path(), TOKEN.as_bytes());
    assert!(leaks.is_empty(), "the token was written to {leaks:?}");
}

/// The Portfolio view's tax-year report, as a user reads it: the lots a
/// sale took, short and long, their totals, and income apart (the figures
/// of `portfolio::a_tax_years_gains_…`, worked out by hand).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gains_report_lists_each_lot_with_totals_and_income() {
    let fake = FakeCoinGecko::start().await;
    fake.set_price("bitcoin", 40_000.0);
    let user = User::new(&fake.base_url());
    user.run(&["prices", "--coins", "bitcoin,ethereum"])
        .await
        .ok();
    for (kind, coin, qty, price, time) in [
        ("buy", "bitcoin", "1", "20000", "2023-03-01T12:00:00Z"),
        ("buy", "bitcoin", "1", "40000", "2024-01-10T12:00:00Z"),
        ("income", "ethereum", "0.1", "2000", "2024-02-01T12:00:00Z"),
        ("sell", "bitcoin", "1.5", "60000", "2024-04-01T12:00:00Z"),
    ] {
        user.run(&[
            "portfolio",
            "add",
            "--portfolio",
            "Ledger",
            "--type",
            kind,
            "--coin",
            coin,
            "--qty",
            qty,
            "--price",
            price,
            "--time",
            time,
        ])
        .await
        .ok();
    }
    let (_driver, c) = open_dashboard(&user, &[], &[]).await;
    click(&c, "#tab-portfolio").await;
    click(&c, "#pf-gains-button").await;
    fill(&c, "#pf-gains-year", "2024").await;
    let rows = wait_js(
        &c,
        "the year's lots",
        "const rows = [...document.querySelectorAll('#pf-gains-lines tbody tr')].map(r => r.innerText.replace(/\\s+/g, ' ').trim()); return rows.length === 2 && rows",
    )
    .await;
    let rows: Vec<String> = serde_json::from_value(rows).expect("rows");
    assert!(
        rows[0].starts_with("1 BTC")
            && rows[0].contains("$20,000.00")
            && rows[0].contains("+$40,000.00")
            && rows[0].ends_with("long"),
        "{rows:?}"
    );
    assert!(
        rows[1].starts_with("0.5 BTC")
            && rows[1].contains("+$10,000.00")
            && rows[1].ends_with("short"),
        "{rows:?}"
    );
    let totals = wait_js(
        &c,
        "the totals",
        "return document.getElementById('pf-gains-totals').innerText",
    )
    .await;
    let totals = totals.as_str().unwrap_or_default().replace('\n', " ");
    assert!(
        totals.contains("Short-term gain +$10,000.00")
            && totals.contains("Long-term gain +$40,000.00")
            && totals.contains("Income $200.00"),
        "{totals}"
    );
    let income = wait_js(
        &c,
        "the income",
        "return document.querySelector('#pf-gains-income tbody tr')?.innerText",
    )
    .await;
    assert!(
        income
            .as_str()
            .is_some_and(|i| i.contains("ETH") && i.contains("$200.00")),
        "{income}"
    );
    screenshot(&c, "portfolio-gains-light.png").await;
    // Another year: nothing sold.
    fill(&c, "#pf-gains-year", "2023").await;
    wait_js(
        &c,
        "an empty year",
        "return !document.getElementById('pf-gains-empty').hidden",
    )
    .await;
}
