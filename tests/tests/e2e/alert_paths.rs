//! Price paths through the engine's real monitor: the fake market moves the
//! price step by step (each step a real refresh over HTTP into SQLite), and a
//! real notification server and SMTP server count what arrives. In process,
//! so a path of many updates takes seconds, not refresh intervals.
//!
//! The engine's notifier finds the session bus in the environment, which a
//! test may not change while other tests' threads read it: the test runs
//! again, alone, in a process of its own started with a private bus.

use std::collections::HashMap;
use std::process::Command;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use coinlytics_engine::Engine;
use coinlytics_engine::alerts::notify::DesktopNotifier;
use coinlytics_engine::app::alerts::RuleInput;
use coinlytics_engine::config::Key;
use coinlytics_engine::model::alert::{Channels, Condition};
use coinlytics_engine::model::{QuoteRequest, Selection};
use coinlytics_engine::testing;
use coinlytics_tests::{FakeCoinGecko, NotificationServer, PrivateBus, SmtpSink};

use crate::util::wait_until;

const WAIT: Duration = Duration::from_secs(10);

/// Set in the process of its own: the private bus's address.
const OWN_PROCESS: &str = "COINLYTICS_TEST_ALERT_PATHS_BUS";

fn spec(
    condition: Condition,
    level: i64,
    band: &str,
    cooldown_secs: u32,
    email: bool,
) -> RuleInput {
    RuleInput {
        band_pct: Some(band.into()),
        cooldown: Some(format!("{cooldown_secs}s")),
        channels: Channels {
            desktop: true,
            email,
            named: Vec::new(),
            urgent: false,
        },
        ..testing::rule_input("bitcoin", condition, &level.to_string())
    }
}

#[test]
fn price_paths_fire_once_per_real_crossing_with_hysteresis_and_cooldown() {
    if let Ok(bus) = std::env::var(OWN_PROCESS) {
        let evaluations = Evaluations::count();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("runtime");
        return runtime.block_on(paths(&bus, &evaluations));
    }
    let bus = PrivateBus::start();
    let (_, module) = module_path!().split_once("::").expect("e2e::module");
    let name =
        format!("{module}::price_paths_fire_once_per_real_crossing_with_hysteresis_and_cooldown");
    let out = Command::new(std::env::current_exe().expect("this test binary"))
        .args([name.as_str(), "--exact", "--test-threads=1"])
        .env(OWN_PROCESS, bus.address())
        .env("DBUS_SESSION_BUS_ADDRESS", bus.address())
        .output()
        .expect("run the test in a process of its own");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("test result: ok. 1 passed"),
        "{name} in its own process: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn paths(bus: &str, evaluations: &Evaluations) {
    let fake = FakeCoinGecko::start().await;
    let notifications = NotificationServer::start(bus).await;
    let smtp = SmtpSink::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = testing::settings(dir.path(), &fake.base_url());
    settings
        .set_many(&[
            (Key::EmailSmtpHost, "127.0.0.1".to_string()),
            (Key::EmailSecurity, "none".into()),
            (Key::EmailSmtpPort, smtp.port().to_string()),
            (Key::EmailFrom, "alerts@example.com".into()),
            (Key::EmailTo, "me@example.com".into()),
        ])
        .expect("email settings");
    let engine = Arc::new(Engine::open(settings.clone()).expect("engine"));
    let monitor = engine
        .start_monitor_with("the test", Arc::new(DesktopNotifier::new(None, None)))
        .expect("monitor");
    let req = QuoteRequest {
        selection: Selection::Coins(vec!["bitcoin".into()]),
        currency: "usd".into(),
    };
    // A step is over once the monitor evaluated its update and recorded
    // what fired, so a firing it should not have made is in the history
    // when the next assertion reads it, however late it would arrive.
    let step = |price: f64| {
        let (fake, engine, req) = (&fake, &engine, &req);
        async move {
            let before = evaluations.finished();
            fake.set_price("bitcoin", price);
            engine.market.invalidate();
            engine.market.refresh(req).await.expect("refresh");
            wait_until(
                &format!("the monitor to evaluate bitcoin at {price}"),
                WAIT,
                async || evaluations.finished() > before,
            )
            .await;
        }
    };
    let fired = || engine.alert_history(100).expect("history").len();
    let summaries = || -> Vec<String> {
        notifications
            .received()
            .into_iter()
            .map(|n| n.summary)
            .collect()
    };

    // Above 100 with the default band (0.5 %: re-arms below 99.5).
    let above = engine
        .alert_save(None, &spec(Condition::Above, 100, "0.5", 0, true))
        .await
        .expect("rule");
    for p in [99.0, 100.2, 101.0, 99.8, 100.5] {
        step(p).await;
    }
    assert_eq!(fired(), 1, "one crossing, however it wobbles");
    notifications.wait_for(1, WAIT).await;
    assert_eq!(summaries(), ["BTC above $100.00"]);
    step(99.4).await; // past the band: re-armed
    step(100.1).await;
    assert_eq!(fired(), 2);
    notifications.wait_for(2, WAIT).await;
    assert_eq!(summaries().len(), 2);
    let mails = smtp.wait_for(2, WAIT).await;
    assert_eq!(
        mails
            .iter()
            .map(|m| m
                .message_id
                .starts_with(&format!("<alert-{}-", above.rule.id)))
            .filter(|x| *x)
            .count(),
        2
    );
    assert_ne!(mails[0].message_id, mails[1].message_id);
    engine
        .alert_set_enabled(above.rule.id, false)
        .expect("disable");

    // Below 90 with no band and a 3 s cooldown: a second crossing inside
    // the cooldown waits, and fires when it ends if still beyond.
    engine
        .alert_save(None, &spec(Condition::Below, 90, "0", 3, false))
        .await
        .expect("rule");
    step(89.0).await;
    notifications.wait_for(3, WAIT).await;
    step(91.0).await;
    step(89.5).await;
    assert_eq!(fired(), 3, "inside the cooldown: {:?}", summaries());
    tokio::time::sleep(Duration::from_secs(3)).await; // the cooldown
    step(89.6).await;
    notifications.wait_for(4, WAIT).await;
    assert_eq!(summaries()[3], "BTC below $90.00");

    // A rule created while the price is already beyond fires once, at once.
    engine
        .alert_save(None, &spec(Condition::Below, 95, "0.5", 0, false))
        .await
        .expect("rule");
    step(89.7).await;
    step(89.8).await;
    assert_eq!(fired(), 5, "{:?}", summaries());
    notifications.wait_for(5, WAIT).await;
    assert_eq!(summaries().len(), 5, "{:?}", summaries());

    let history = wait_until(
        "every desktop delivery recorded as sent",
        WAIT,
        async || {
            let history = engine.alert_history(100).expect("history");
            let sent = history
                .iter()
                .all(|h| h.deliveries["desktop"].status.as_str() == "sent");
            if sent {
                Ok(history)
            } else {
                Err(format!("{history:?}"))
            }
        },
    )
    .await;
    assert_eq!(history.len(), 5);
    assert_eq!(smtp.messages().len(), 2, "only the first rule e-mails");
    monitor.stop().await;
}

/// Counts the monitor's finished evaluations: it takes each market update
/// in an `alerts` span, which closes once the update's firings are
/// recorded. A subscriber of its own, for the whole process, interested
/// in that span alone.
#[derive(Clone, Default)]
struct Evaluations(Arc<Spans>);

#[derive(Default)]
struct Spans {
    next_id: AtomicU64,
    /// Each open span's handles.
    open: Mutex<HashMap<u64, usize>>,
    finished: AtomicUsize,
}

impl Evaluations {
    fn count() -> Evaluations {
        let counter = Evaluations::default();
        tracing::subscriber::set_global_default(counter.clone())
            .expect("no other subscriber in this process");
        counter
    }

    fn finished(&self) -> usize {
        self.0.finished.load(Ordering::SeqCst)
    }

    fn open(&self) -> std::sync::MutexGuard<'_, HashMap<u64, usize>> {
        self.0.open.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl tracing::Subscriber for Evaluations {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        metadata.is_span() && metadata.name() == "alerts"
    }

    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let id = self.0.next_id.fetch_add(1, Ordering::SeqCst) + 1;
        self.open().insert(id, 1);
        tracing::span::Id::from_u64(id)
    }

    fn clone_span(&self, id: &tracing::span::Id) -> tracing::span::Id {
        if let Some(handles) = self.open().get_mut(&id.into_u64()) {
            *handles += 1;
        }
        id.clone()
    }

    fn try_close(&self, id: tracing::span::Id) -> bool {
        let mut open = self.open();
        let Some(handles) = open.get_mut(&id.into_u64()) else {
            return false;
        };
        *handles -= 1;
        if *handles > 0 {
            return false;
        }
        open.remove(&id.into_u64());
        self.0.finished.fetch_add(1, Ordering::SeqCst);
        true
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}
