//! The tray as the desktop sees it: over D-Bus. The test owns
//! `org.kde.StatusNotifierWatcher` (what a panel runs) on a session bus of
//! its own, so the app's AppIndicator registers its StatusNotifierItem with
//! it; the test then reads the item's label (the live ticker) and its menu
//! through `com.canonical.dbusmenu`, and clicks Quit the way a panel would.
//!
//! A private bus, because only one process can own the watcher name, and
//! the windows other tests open meanwhile must not register with this one.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::util::{Running, User, WAIT, money, wait_until};
use coinlytics_tests::{FakeCoinGecko, NotificationServer, PrivateBus, SmtpSink};
use zbus::zvariant::{OwnedValue, Value};

/// What registered with our watcher: (sender's unique name, service).
type Items = Arc<Mutex<Vec<(String, String)>>>;

struct Watcher {
    items: Items,
}

#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl Watcher {
    fn register_status_notifier_item(
        &self,
        service: &str,
        #[zbus(header)] header: zbus::message::Header<'_>,
    ) {
        let sender = header.sender().map(|s| s.to_string()).unwrap_or_default();
        self.items
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((sender, service.to_string()));
    }

    fn register_status_notifier_host(&self, _service: &str) {}

    #[zbus(property)]
    fn registered_status_notifier_items(&self) -> Vec<String> {
        let items = self.items.lock().unwrap_or_else(|p| p.into_inner());
        items.iter().map(|(_, s)| s.clone()).collect()
    }

    #[zbus(property)]
    fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn protocol_version(&self) -> i32 {
        0
    }
}

/// The app's tray item: its bus name and object path.
struct Item {
    conn: zbus::Connection,
    dest: String,
    path: String,
}

impl Item {
    async fn property(&self, name: &str) -> OwnedValue {
        // Uncached on purpose: AppIndicator announces changes with its own
        // signals, not PropertiesChanged.
        let reply = self
            .conn
            .call_method(
                Some(self.dest.as_str()),
                self.path.as_str(),
                Some("org.freedesktop.DBus.Properties"),
                "Get",
                &("org.kde.StatusNotifierItem", name),
            )
            .await
            .unwrap_or_else(|e| panic!("read {name}: {e}"));
        reply.body().deserialize::<OwnedValue>().expect("a variant")
    }

    async fn label(&self) -> String {
        String::try_from(self.property("XAyatanaLabel").await).expect("a string label")
    }

    async fn menu_path(&self) -> String {
        let v = self.property("Menu").await;
        zbus::zvariant::OwnedObjectPath::try_from(v)
            .expect("an object path")
            .to_string()
    }

    /// The menu's items as (id, label, toggle-state), top level only.
    async fn menu(&self) -> Vec<(i32, String, Option<i32>)> {
        let reply = self
            .conn
            .call_method(
                Some(self.dest.as_str()),
                self.menu_path().await.as_str(),
                Some("com.canonical.dbusmenu"),
                "GetLayout",
                &(0_i32, -1_i32, Vec::<String>::new()),
            )
            .await
            .expect("GetLayout");
        type Layout = (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>);
        let (_revision, (_root, _props, children)): (u32, Layout) =
            reply.body().deserialize().expect("a dbusmenu layout");
        children
            .into_iter()
            .filter_map(|child| {
                let Value::Structure(s) = &*child else {
                    return None;
                };
                let fields = s.fields();
                let id = i32::try_from(&fields[0]).ok()?;
                let Value::Dict(props) = &fields[1] else {
                    return None;
                };
                let text = |key: &str| -> Option<String> {
                    let v: Value<'_> = props.get(&key).ok().flatten()?;
                    String::try_from(v).ok()
                };
                if text("type").as_deref() == Some("separator") {
                    return None;
                }
                let toggle = props
                    .get::<&str, Value<'_>>(&"toggle-state")
                    .ok()
                    .flatten()
                    .and_then(|v| i32::try_from(v).ok());
                Some((id, text("label").unwrap_or_default(), toggle))
            })
            .collect()
    }

    async fn click(&self, id: i32) {
        self.conn
            .call_method(
                Some(self.dest.as_str()),
                self.menu_path().await.as_str(),
                Some("com.canonical.dbusmenu"),
                "Event",
                &(id, "clicked", Value::from(0_i32), 0_u32),
            )
            .await
            .expect("click a menu item");
    }
}

/// Ticker text: "BTC $71,234.56 ▲1.2%" (the change may be absent).
fn is_ticker(label: &str, symbol: &str) -> bool {
    let rest = label
        .strip_prefix(&format!("{symbol} $"))
        .unwrap_or_default();
    !rest.is_empty() && rest.starts_with(|c: char| c.is_ascii_digit())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tray_shows_a_live_ticker_and_a_menu_of_the_watchlist() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "run through .ci/test"
    );
    let bus = PrivateBus::start();
    let _notifications = NotificationServer::start(bus.address()).await;
    let items: Items = Arc::default();
    let conn = zbus::connection::Builder::address(bus.address())
        .expect("the private bus's address")
        .name("org.kde.StatusNotifierWatcher")
        .expect("name")
        .serve_at(
            "/StatusNotifierWatcher",
            Watcher {
                items: items.clone(),
            },
        )
        .expect("serve")
        .build()
        .await
        .expect("own org.kde.StatusNotifierWatcher");

    let fake = FakeCoinGecko::start().await;
    let user = User::new(&fake.base_url());
    user.run(&["watchlist", "add", "bitcoin", "ethereum"])
        .await
        .ok();
    // Half a bitcoin held, and its value asked for in the ticker.
    user.run(&[
        "portfolio",
        "add",
        "--portfolio",
        "Ledger",
        "--type",
        "buy",
        "--coin",
        "bitcoin",
        "--qty",
        "0.5",
        "--price",
        "10000",
        "--time",
        "2024-01-01",
    ])
    .await
    .ok();
    user.run(&["config", "set", "tray_portfolio", "true"])
        .await
        .ok();
    let mut cmd = user.command(&[]);
    cmd.env("DISPLAY", std::env::var_os("DISPLAY").expect("DISPLAY"))
        .env("DBUS_SESSION_BUS_ADDRESS", bus.address())
        .env("COINLYTICS_REFRESH_SECS", "5")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut app = Running(cmd.spawn().expect("start the app"));

    let (sender, service) = wait_until("the tray item to register", WAIT, async || {
        items
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .first()
            .cloned()
    })
    .await;
    let (dest, path) = if service.starts_with('/') {
        (sender, service)
    } else {
        (service, "/StatusNotifierItem".to_string())
    };
    let item = Item { conn, dest, path };

    // The label cycles through the watched coins with price and change.
    let btc = wait_until("a BTC ticker label", WAIT, async || {
        let l = item.label().await;
        is_ticker(&l, "BTC").then_some(l)
    })
    .await;
    let usd = fake.usd_price("bitcoin").expect("btc price");
    assert!(
        btc.starts_with(&format!("BTC ${}", money(usd))),
        "{btc} vs {usd}"
    );
    wait_until("an ETH ticker label", WAIT, async || {
        is_ticker(&item.label().await, "ETH").then_some(())
    })
    .await;
    let total = wait_until("the portfolio's total in the label", WAIT, async || {
        let l = item.label().await;
        l.starts_with("Portfolio $").then_some(l)
    })
    .await;
    let shown: f64 = total["Portfolio $".len()..]
        .replace(',', "")
        .parse()
        .expect("an amount");
    assert!((shown - usd / 2.0).abs() <= 0.011, "{total} vs {usd}");

    // The menu: each watched coin with its price, then the commands.
    let menu = wait_until("coins in the menu", WAIT, async || {
        let m = item.menu().await;
        (m.len() >= 5).then_some(m)
    })
    .await;
    let labels: Vec<&str> = menu.iter().map(|(_, l, _)| l.as_str()).collect();
    assert!(
        is_ticker(labels[0], "BTC") && is_ticker(labels[1], "ETH"),
        "{labels:?}"
    );
    for want in ["Open dashboard", "Pause updates", "Quit Coinlytics"] {
        assert!(
            labels.iter().any(|l| l.replace('_', "") == want),
            "{want} in {labels:?}"
        );
    }

    // A price moves: the menu follows without anyone opening the window.
    fake.set_price("bitcoin", 12_345.67);
    wait_until("the new BTC price in the menu", WAIT, async || {
        item.menu()
            .await
            .iter()
            .any(|(_, l, _)| l.starts_with("BTC $12,345.67"))
            .then_some(())
    })
    .await;

    // An alert fires (created while already beyond its level): the label
    // carries a mark until the alert is seen.
    user.run(&["alerts", "add", "--coin", "bitcoin", "--below", "20000"])
        .await
        .ok();
    wait_until("the alert mark on the label", WAIT, async || {
        item.label().await.starts_with("● ").then_some(())
    })
    .await;

    // The provider goes down: the ticker says so.
    fake.set_down(true);
    wait_until("an offline label", WAIT, async || {
        item.label().await.ends_with("(offline)").then_some(())
    })
    .await;

    // Back online, an e-mail alert is being sent (the server holds its
    // answer back)...
    fake.set_down(false);
    let smtp = SmtpSink::start();
    for (k, v) in [
        ("email.smtp_host", "127.0.0.1".to_string()),
        ("email.smtp_port", smtp.port().to_string()),
        ("email.security", "none".into()),
        ("email.from", "alerts@example.com".into()),
        ("email.to", "me@example.com".into()),
    ] {
        user.run(&["config", "set", k, &v]).await.ok();
    }
    smtp.set_reply_delay(Some(Duration::from_secs(2)));
    user.run(&[
        "alerts",
        "add",
        "--coin",
        "bitcoin",
        "--below",
        "30000",
        "--channel",
        "email",
    ])
    .await
    .ok();
    smtp.wait_for(1, Duration::from_secs(30)).await;

    // ...when Quit is clicked in the menu: the app ends, once the send
    // finished and was recorded, and its log says so.
    let quit = item
        .menu()
        .await
        .iter()
        .find(|(_, l, _)| l.replace('_', "") == "Quit Coinlytics")
        .map(|(id, _, _)| *id)
        .expect("a Quit item");
    item.click(quit).await;
    let status = wait_until("the app to quit", WAIT, async || {
        app.0.try_wait().expect("wait")
    })
    .await;
    assert!(status.success(), "quit with {status}");
    let history = user.run(&["alerts", "history", "--json"]).await.ok().json();
    let mailed = history
        .as_array()
        .and_then(|h| h.iter().find(|f| f["deliveries"]["email"].is_object()))
        .expect("the e-mail alert in the history");
    assert_eq!(mailed["deliveries"]["email"]["status"], "sent", "{history}");
    let logs = std::fs::read_dir(user.data_dir().join("logs"))
        .expect("log dir")
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect::<String>();
    assert!(logs.contains("Coinlytics exits"), "{logs}");
}
