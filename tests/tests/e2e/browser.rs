//! The dashboard in a browser: `coinlytics serve` serves the window's page
//! at `/`, and Debian's Chromium and Firefox ESR, each driven through its
//! WebDriver server (headless),
//! signs in with a token, watches a streamed price move without a reload,
//! adds an alert, imports an exchange's file, and reads well at a phone's
//! width. Screenshots land in tests/artifacts/ (git-ignored).

use std::process::{Child, Command, Stdio};

use fantoccini::{Client, Locator};
use serde_json::json;

use crate::serve::{Server, token};
use crate::util::User;
use crate::util::page::{cargo_tool, click, fill, free_port, js, screenshot, session, wait_js};
use coinlytics_tests::{ExchangeKind, FakeCoinGecko, FakeExchange, PrivateBus};

/// The browsers the page is tested in.
#[derive(Clone, Copy)]
enum Kind {
    /// Debian's `chromium`, through `chromedriver` (chromium-driver).
    Chromium,
    /// Debian's `firefox-esr`, through `geckodriver` (cargo-installed).
    Firefox,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Chromium => "chromium",
            Kind::Firefox => "firefox",
        }
    }
}

/// A browser's WebDriver server on a free port; each session starts the
/// browser headless with a fresh profile.
struct Browser {
    kind: Kind,
    child: Child,
    port: u16,
    /// The browser's own bus and home: it sees nothing of the desktop
    /// that runs the tests (its keyring, profile or config).
    _bus: PrivateBus,
    _home: tempfile::TempDir,
}

impl Browser {
    fn start(kind: Kind) -> Browser {
        let port = free_port();
        let mut cmd = match kind {
            Kind::Chromium => Command::new("chromedriver"),
            Kind::Firefox => Command::new(cargo_tool("geckodriver")),
        };
        match kind {
            Kind::Chromium => cmd.arg(format!("--port={port}")),
            Kind::Firefox => cmd.args(["--port", &port.to_string()]),
        };
        let home = tempfile::tempdir().expect("the browser's home");
        let bus = PrivateBus::start();
        let dir = |sub: &str| home.path().join(sub);
        for sub in ["config", "cache", "data", "run", "tmp"] {
            std::fs::create_dir_all(dir(sub)).expect("the browser's dirs");
        }
        // A runtime dir is the user's alone.
        std::fs::set_permissions(
            dir("run"),
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .expect("a private runtime dir");
        cmd.env("HOME", home.path())
            .env("XDG_CONFIG_HOME", dir("config"))
            .env("XDG_CACHE_HOME", dir("cache"))
            .env("XDG_DATA_HOME", dir("data"))
            .env("XDG_RUNTIME_DIR", dir("run"))
            .env("TMPDIR", dir("tmp"))
            .env("DBUS_SESSION_BUS_ADDRESS", bus.address());
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "start {}'s WebDriver server (.ci/setup installs it): {e}",
                    kind.name()
                )
            });
        Browser {
            kind,
            child,
            port,
            _bus: bus,
            _home: home,
        }
    }

    /// A headless browser `width` × `height` CSS pixels.
    async fn session(&self, width: u32, height: u32) -> Client {
        let mut caps = serde_json::Map::new();
        match self.kind {
            Kind::Chromium => {
                caps.insert("browserName".into(), json!("chrome"));
                caps.insert(
                    "goog:chromeOptions".into(),
                    json!({
                        "binary": "/usr/bin/chromium",
                        // --no-sandbox: the tests may run as root.
                        "args": ["--headless=new", "--no-sandbox", format!("--window-size={width},{height}")],
                    }),
                );
            }
            Kind::Firefox => {
                caps.insert("browserName".into(), json!("firefox"));
                caps.insert(
                    "moz:firefoxOptions".into(),
                    json!({
                        "binary": "/usr/bin/firefox-esr",
                        "args": ["-headless", format!("--width={width}"), format!("--height={height}")],
                    }),
                );
            }
        }
        session(self.port, caps).await
    }

    /// A screenshot named for this browser.
    async fn screenshot(&self, c: &Client, what: &str) {
        screenshot(c, &format!("browser-{}-{what}.png", self.kind.name())).await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where the server serves the page.
fn root(server: &Server) -> String {
    server.base.trim_end_matches("api/v1").to_string()
}

/// Signs in on the sign-in page the dashboard sends a new browser to.
async fn sign_in(c: &Client, server: &Server, token: &str) {
    c.goto(&root(server)).await.expect("open the dashboard");
    wait_js(
        c,
        "the sign-in page",
        "return location.pathname === '/signin.html' && !!document.getElementById('signin-token')",
    )
    .await;
    fill(c, "#signin-token", token).await;
    click(c, "#signin-form button[type=submit]").await;
    wait_js(
        c,
        "the dashboard",
        "return location.pathname === '/' && document.body.dataset.ready === 'true'",
    )
    .await;
}

/// A user watching bitcoin at $70,000 (CoinGecko's fake) with Binance's
/// fake streaming it, and `coinlytics serve` on their data.
async fn world() -> (FakeCoinGecko, FakeExchange, User, Server, String) {
    let fake = FakeCoinGecko::start().await;
    fake.set_price("bitcoin", 70_000.0);
    fake.set_price("tether", 1.0);
    let binance = FakeExchange::start(ExchangeKind::Binance).await;
    binance.set_price("BTCUSDT", "70000");
    let user = User::new(&fake.base_url());
    user.run(&["watchlist", "add", "bitcoin", "ethereum"])
        .await
        .ok();
    let token = token(&user, &["browser"]).await;
    let env = [
        ("COINLYTICS_SOURCES", "coingecko,binance".to_string()),
        ("COINLYTICS_BINANCE_URL", binance.rest_url()),
        ("COINLYTICS_BINANCE_WS_URL", binance.ws_url()),
    ]
    .map(|(k, v)| (k.to_string(), v));
    let server = Server::start_with(&user, &env).await;
    (fake, binance, user, server, token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_chromium_a_token_signs_in_prices_move_live_an_alert_is_added_and_a_file_imported() {
    signs_in_moves_alerts_imports(Kind::Chromium).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_firefox_a_token_signs_in_prices_move_live_an_alert_is_added_and_a_file_imported() {
    signs_in_moves_alerts_imports(Kind::Firefox).await;
}

async fn signs_in_moves_alerts_imports(kind: Kind) {
    let (_fake, binance, user, server, token) = world().await;
    let browser = Browser::start(kind);
    let c = browser.session(1280, 800).await;

    // A wrong token is refused on the page, which says why.
    c.goto(&root(&server)).await.expect("open");
    wait_js(
        &c,
        "the sign-in page",
        "return location.pathname === '/signin.html'",
    )
    .await;
    browser.screenshot(&c, "signin").await;
    fill(&c, "#signin-token", &format!("cly_{}", "x".repeat(43))).await;
    click(&c, "#signin-form button[type=submit]").await;
    wait_js(
        &c,
        "the refusal",
        "return document.getElementById('signin-error').textContent",
    )
    .await;
    sign_in(&c, &server, &token).await;
    // Nothing of the desktop shows: no tray, no start at login.
    assert_eq!(
        js(&c, "return document.documentElement.dataset.shell").await,
        "browser"
    );

    // A streamed price moves the row, with no reload: the page's own
    // variable survives. Shown: the median of CoinGecko's 70,000 and
    // Binance's streamed 71,234.50.
    js(&c, "window.stayed = true; return true").await;
    wait_js(
        &c,
        "bitcoin listed",
        "return document.querySelector('#watchlist-table tr[data-id=bitcoin] .price')?.textContent",
    )
    .await;
    binance.set_price("BTCUSDT", "71234.5");
    wait_js(
        &c,
        "bitcoin's streamed price",
        "return window.stayed && document.querySelector('#watchlist-table tr[data-id=bitcoin] .price').textContent === '$70,617.25'",
    )
    .await;
    browser.screenshot(&c, "dashboard").await;

    // An alert added on the Alerts view is the server's.
    click(&c, "#tab-alerts").await;
    wait_js(
        &c,
        "the alert form",
        "return document.querySelector('#alert-form [name=coin] option[value=bitcoin]')",
    )
    .await;
    fill(&c, "#alert-form [name=coin]", "bitcoin").await;
    fill(&c, "#alert-form [name=level]", "75000").await;
    click(&c, "#alert-save").await;
    wait_js(&c, "the alert created", "return document.getElementById('alert-form-message').textContent.startsWith('Created alert #1.')").await;
    let rules = user.run(&["alerts", "ls", "--json"]).await.ok().json();
    assert_eq!(
        (rules[0]["condition"].as_str(), rules[0]["level"].as_str()),
        (Some("above"), Some("75000")),
        "{rules}"
    );
    browser.screenshot(&c, "alerts").await;

    // An exchange's file, picked in the page, goes through the preview.
    click(&c, "#tab-portfolio").await;
    js(
        &c,
        "document.getElementById('pf-file').hidden = false; return true",
    )
    .await;
    let file = format!(
        "{}/fixtures/portfolio/kraken-ledgers.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    c.find(Locator::Id("pf-file"))
        .await
        .expect("file input")
        .send_keys(&file)
        .await
        .expect("pick the file");
    js(
        &c,
        "document.getElementById('pf-file').hidden = true; return true",
    )
    .await;
    fill(&c, "#pf-import-portfolio", "Kraken").await;
    let preview = wait_js(
        &c,
        "the preview",
        "const s = document.getElementById('pf-import-summary').textContent; return /Would import/.test(s) && !document.getElementById('pf-import-commit').disabled && s",
    )
    .await;
    browser.screenshot(&c, "import-preview").await;
    click(&c, "#pf-import-commit").await;
    wait_js(
        &c,
        "the import done",
        "return /Imported \\d+/.test(document.getElementById('pf-import-summary').textContent)",
    )
    .await;
    let listed = user.run(&["portfolio", "ls", "--json"]).await.ok().json();
    let would: usize = preview
        .as_str()
        .and_then(|s| s.split("Would import ").nth(1))
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("a count");
    assert!(would > 0, "{preview}");
    assert_eq!(listed.as_array().map(Vec::len), Some(would), "{listed}");
    click(&c, "#pf-import-cancel").await;
    browser.screenshot(&c, "portfolio").await;

    // Settings: what the desktop alone has is hidden; signing out ends
    // the session, and the dashboard sends the browser back to sign in.
    click(&c, "#open-settings").await;
    // The dialog opens once its preferences have come.
    wait_js(
        &c,
        "the settings open",
        "return document.getElementById('settings').open",
    )
    .await;
    let shown = js(&c, "return ['pref-autostart', 'pref-close-to-tray', 'tray-coins', 'pref-privacy', 'sign-out'].map((id) => document.getElementById(id).getClientRects().length > 0)").await;
    assert_eq!(shown, json!([false, false, false, true, true]));
    browser.screenshot(&c, "settings").await;
    click(&c, "#sign-out").await;
    wait_js(
        &c,
        "the sign-in page again",
        "return location.pathname === '/signin.html'",
    )
    .await;
    c.goto(&root(&server)).await.expect("open");
    wait_js(
        &c,
        "sent to sign in",
        "return location.pathname === '/signin.html'",
    )
    .await;

    // A revoked token ends its sessions at the next request.
    sign_in(&c, &server, &token).await;
    user.run(&["api", "token", "revoke", "browser"]).await.ok();
    click(&c, "#tab-markets").await;
    wait_js(
        &c,
        "sent to sign in",
        "return location.pathname === '/signin.html'",
    )
    .await;
    c.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_a_phones_width_in_chromium_the_dashboard_fits_and_keeps_what_matters() {
    fits_a_phone(Kind::Chromium).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_a_phones_width_in_firefox_the_dashboard_fits_and_keeps_what_matters() {
    fits_a_phone(Kind::Firefox).await;
}

async fn fits_a_phone(kind: Kind) {
    let (_fake, _binance, _user, server, token) = world().await;
    let browser = Browser::start(kind);
    let c = browser.session(390, 844).await;
    sign_in(&c, &server, &token).await;
    browser.screenshot(&c, "phone-dashboard").await;
    // Nothing is cut off on the right: the header wraps, the table keeps
    // the coin, its price and its 24 h change.
    let fit = js(
        &c,
        "const w = document.documentElement.clientWidth; \
             const inside = (id) => { const r = document.getElementById(id).getBoundingClientRect(); return r.width > 0 && r.right <= w; }; \
             const heads = [...document.querySelectorAll('#watchlist-table thead th')].filter((th) => th.getClientRects().length).map((th) => th.textContent); \
             return {scroll: document.documentElement.scrollWidth <= w, search: inside('search'), settings: inside('open-settings'), alerts: inside('tab-alerts'), heads}",
    )
    .await;
    assert_eq!(
        fit,
        json!({"scroll": true, "search": true, "settings": true, "alerts": true, "heads": ["Coin", "Price", "24h"]})
    );
    click(&c, "#tab-markets").await;
    wait_js(
        &c,
        "the markets",
        "return document.querySelectorAll('#markets-table tbody tr[data-id]').length > 1",
    )
    .await;
    browser.screenshot(&c, "phone-markets").await;
    click(&c, "#tab-portfolio").await;
    browser.screenshot(&c, "phone-portfolio").await;
    c.close().await.expect("close");
}
