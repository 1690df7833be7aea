//! The dashboard in a browser: `coinlytics serve` serves the window's page
//! at `/`, and Debian's Chromium, driven through chromedriver (headless),
//! signs in with a token, watches a streamed price move without a reload,
//! adds an alert, imports an exchange's file, and reads well at a phone's
//! width. Screenshots land in tests/artifacts/ (git-ignored).

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::serve::{Server, token};
use crate::util::page::{click, fill, screenshot, wait_js};
use crate::util::{User, WAIT, wait_until};
use coinlytics_tests::{ExchangeKind, FakeCoinGecko, FakeExchange};

/// chromedriver on a free port; each session starts its own Chromium with
/// a fresh profile.
struct Chrome {
    child: Child,
    port: u16,
}

impl Chrome {
    fn start() -> Chrome {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port");
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver (apt install chromium-driver; .ci/setup does)");
        Chrome { child, port }
    }

    /// A headless Chromium `width` × `height` CSS pixels.
    async fn session(&self, width: u32, height: u32) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": "/usr/bin/chromium",
                // --no-sandbox: the tests may run as root.
                "args": ["--headless=new", "--no-sandbox", format!("--window-size={width},{height}")],
            }),
        );
        wait_until("a chromedriver session", WAIT, async || {
            ClientBuilder::native()
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{}", self.port))
                .await
        })
        .await
    }
}

impl Drop for Chrome {
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
async fn in_a_browser_a_token_signs_in_prices_move_live_an_alert_is_added_and_a_file_imported() {
    let (_fake, binance, user, server, token) = world().await;
    let chrome = Chrome::start();
    let c = chrome.session(1280, 800).await;

    // A wrong token is refused on the page, which says why.
    c.goto(&root(&server)).await.expect("open");
    wait_js(
        &c,
        "the sign-in page",
        "return location.pathname === '/signin.html'",
    )
    .await;
    screenshot(&c, "browser-signin.png").await;
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
        c.execute("return document.documentElement.dataset.shell", vec![])
            .await
            .expect("js"),
        "browser"
    );

    // A streamed price moves the row, with no reload: the page's own
    // variable survives. Shown: the median of CoinGecko's 70,000 and
    // Binance's streamed 71,234.50.
    c.execute("window.stayed = true; return true", vec![])
        .await
        .expect("mark the page");
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
    screenshot(&c, "browser-dashboard.png").await;

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
    screenshot(&c, "browser-alerts.png").await;

    // An exchange's file, picked in the page, goes through the preview.
    click(&c, "#tab-portfolio").await;
    c.execute(
        "document.getElementById('pf-file').hidden = false; return true",
        vec![],
    )
    .await
    .expect("show the file input");
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
    c.execute(
        "document.getElementById('pf-file').hidden = true; return true",
        vec![],
    )
    .await
    .expect("hide the file input");
    fill(&c, "#pf-import-portfolio", "Kraken").await;
    let preview = wait_js(
        &c,
        "the preview",
        "const s = document.getElementById('pf-import-summary').textContent; return /Would import/.test(s) && !document.getElementById('pf-import-commit').disabled && s",
    )
    .await;
    screenshot(&c, "browser-import-preview.png").await;
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
    screenshot(&c, "browser-portfolio.png").await;

    // Settings: what the desktop alone has is hidden; signing out ends
    // the session, and the dashboard sends the browser back to sign in.
    click(&c, "#open-settings").await;
    let shown = c
        .execute(
            "return ['pref-autostart', 'pref-close-to-tray', 'tray-coins', 'pref-privacy', 'sign-out'].map((id) => document.getElementById(id).getClientRects().length > 0)",
            vec![],
        )
        .await
        .expect("js");
    assert_eq!(shown, json!([false, false, false, true, true]));
    screenshot(&c, "browser-settings.png").await;
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
async fn at_a_phones_width_the_dashboard_fits_and_keeps_what_matters() {
    let (_fake, _binance, _user, server, token) = world().await;
    let chrome = Chrome::start();
    let c = chrome.session(390, 844).await;
    sign_in(&c, &server, &token).await;
    screenshot(&c, "browser-phone-dashboard.png").await;
    // Nothing is cut off on the right: the header wraps, the table keeps
    // the coin, its price and its 24 h change.
    let fit: Value = c
        .execute(
            "const w = document.documentElement.clientWidth; \
             const inside = (id) => { const r = document.getElementById(id).getBoundingClientRect(); return r.width > 0 && r.right <= w; }; \
             const heads = [...document.querySelectorAll('#watchlist-table thead th')].filter((th) => th.getClientRects().length).map((th) => th.textContent); \
             return {scroll: document.documentElement.scrollWidth <= w, search: inside('search'), settings: inside('open-settings'), alerts: inside('tab-alerts'), heads}",
            vec![],
        )
        .await
        .expect("js");
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
    screenshot(&c, "browser-phone-markets.png").await;
    click(&c, "#tab-portfolio").await;
    screenshot(&c, "browser-phone-portfolio.png").await;
    c.close().await.expect("close");
}
