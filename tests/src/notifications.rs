//! A real `org.freedesktop.Notifications` server on a given bus, recording
//! what the app shows, so tests check desktop notifications over D-Bus the
//! way a notification daemon (dunst, GNOME Shell) receives them.
//!
//! Only the wire protocol matters, so any client works: notify-rust's zbus
//! backend, its dbus (libdbus) backend, `notify-send`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use zbus::object_server::SignalEmitter;
use zbus::zvariant::{OwnedValue, Value};

const NAME: &str = "org.freedesktop.Notifications";
const PATH: &str = "/org/freedesktop/Notifications";

/// One `Notify` call as the server received it.
#[derive(Clone, Debug, PartialEq)]
pub struct Notification {
    /// What the server returned to the client.
    pub id: u32,
    pub app_name: String,
    pub replaces_id: u32,
    pub app_icon: String,
    pub summary: String,
    pub body: String,
    /// Pairs of key and label, flattened as on the wire.
    pub actions: Vec<String>,
    /// Simple values as text (`urgency` → "2"); others as `<signature>`.
    pub hints: BTreeMap<String, String>,
    pub expire_timeout: i32,
}

struct Server {
    received: watch::Sender<Vec<Notification>>,
    last_id: u32,
    reply_delay: Arc<Mutex<Option<Duration>>>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Server {
    #[allow(clippy::too_many_arguments)] // the signature is the spec's
    async fn notify(
        &mut self,
        app_name: String,
        replaces_id: u32,
        app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        hints: HashMap<String, OwnedValue>,
        expire_timeout: i32,
    ) -> u32 {
        // The spec: a replacement keeps its id, anything else gets a new one.
        let id = if replaces_id != 0 {
            replaces_id
        } else {
            self.last_id += 1;
            self.last_id
        };
        let hints = hints.iter().map(|(k, v)| (k.clone(), text(v))).collect();
        self.received.send_modify(|all| {
            all.push(Notification {
                id,
                app_name,
                replaces_id,
                app_icon,
                summary,
                body,
                actions,
                hints,
                expire_timeout,
            })
        });
        let delay = *self.reply_delay.lock().expect("delay");
        if let Some(d) = delay {
            // zbus serves on its own executor, not tokio's: a thread
            // keeps the time.
            let (done, wait) = tokio::sync::oneshot::channel();
            std::thread::spawn(move || {
                std::thread::sleep(d);
                let _ = done.send(());
            });
            let _ = wait.await;
        }
        id
    }

    fn get_capabilities(&self) -> Vec<&str> {
        vec!["body", "actions", "body-markup"]
    }

    fn get_server_information(&self) -> (&str, &str, &str, &str) {
        (
            "coinlytics-tests",
            "Coinlytics",
            env!("CARGO_PKG_VERSION"),
            "1.2",
        )
    }

    async fn close_notification(
        &self,
        id: u32,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> zbus::fdo::Result<()> {
        // Reason 3: closed by a call to CloseNotification.
        Ok(Self::notification_closed(&emitter, id, 3).await?)
    }

    #[zbus(signal)]
    async fn notification_closed(
        emitter: &SignalEmitter<'_>,
        id: u32,
        reason: u32,
    ) -> zbus::Result<()>;

    #[zbus(signal)]
    async fn action_invoked(
        emitter: &SignalEmitter<'_>,
        id: u32,
        action_key: &str,
    ) -> zbus::Result<()>;
}

/// A hint's value as text, so tests compare plain strings.
fn text(v: &Value<'_>) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::U8(n) => n.to_string(),
        Value::I16(n) => n.to_string(),
        Value::U16(n) => n.to_string(),
        Value::I32(n) => n.to_string(),
        Value::U32(n) => n.to_string(),
        Value::I64(n) => n.to_string(),
        Value::U64(n) => n.to_string(),
        Value::F64(n) => n.to_string(),
        Value::ObjectPath(p) => p.to_string(),
        Value::Value(inner) => text(inner),
        other => format!("<{}>", other.value_signature()),
    }
}

/// The server, owning `org.freedesktop.Notifications` until dropped.
pub struct NotificationServer {
    conn: zbus::Connection,
    received: watch::Receiver<Vec<Notification>>,
    reply_delay: Arc<Mutex<Option<Duration>>>,
}

impl NotificationServer {
    /// Connects to the bus at `bus_address` and returns once it owns the
    /// name, so a client started afterwards finds it.
    pub async fn start(bus_address: &str) -> NotificationServer {
        let (tx, received) = watch::channel(Vec::new());
        let reply_delay = Arc::new(Mutex::new(None));
        let server = Server {
            received: tx,
            last_id: 0,
            reply_delay: reply_delay.clone(),
        };
        let conn = zbus::connection::Builder::address(bus_address)
            .expect("a D-Bus address")
            .name(NAME)
            .expect("a bus name")
            .serve_at(PATH, server)
            .expect("serve the interface")
            .build()
            .await
            .unwrap_or_else(|e| panic!("owning {NAME} on {bus_address}: {e}"));
        NotificationServer {
            conn,
            received,
            reply_delay,
        }
    }

    /// Holds back the reply to `Notify` (after the notification is
    /// recorded) by `delay`, or not at all with `None`: a slow daemon.
    pub fn set_reply_delay(&self, delay: Option<Duration>) {
        *self.reply_delay.lock().expect("delay") = delay;
    }

    /// Every notification received so far, oldest first.
    pub fn received(&self) -> Vec<Notification> {
        self.received.borrow().clone()
    }

    /// Waits until at least `n` notifications arrived; panics with what did
    /// arrive after `timeout`.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Notification> {
        let mut rx = self.received.clone();
        match tokio::time::timeout(timeout, rx.wait_for(|all| all.len() >= n)).await {
            Ok(Ok(all)) => all.clone(),
            _ => panic!(
                "expected {n} notifications within {timeout:?}, got {:#?}",
                self.received()
            ),
        }
    }

    /// What a daemon does when the user clicks an action: broadcast
    /// `ActionInvoked(id, action_key)`.
    pub async fn invoke_action(&self, id: u32, action_key: &str) {
        let iface = self
            .conn
            .object_server()
            .interface::<_, Server>(PATH)
            .await
            .expect("the served interface");
        Server::action_invoked(iface.signal_emitter(), id, action_key)
            .await
            .expect("emit ActionInvoked");
    }
}

#[cfg(test)]
mod tests {
    use std::pin::Pin;

    use zbus::export::futures_core::Stream;
    use zbus::message::Type;

    use super::*;
    use crate::PrivateBus;

    /// The next signal's member name and body.
    async fn next_signal<B>(s: &mut zbus::MessageStream) -> (String, B)
    where
        B: for<'d> zbus::zvariant::DynamicDeserialize<'d>,
    {
        let next = std::future::poll_fn(|cx| Pin::new(&mut *s).poll_next(cx));
        let msg = tokio::time::timeout(Duration::from_secs(5), next)
            .await
            .expect("a signal in time")
            .expect("an open stream")
            .expect("a message");
        let member = msg.header().member().expect("a member").to_string();
        (member, msg.body().deserialize().expect("the signal's body"))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn records_notify_calls_and_emits_the_daemon_signals() {
        let bus = PrivateBus::start();
        let server = NotificationServer::start(bus.address()).await;
        let client = zbus::connection::Builder::address(bus.address())
            .expect("address")
            .build()
            .await
            .expect("client");
        let proxy = zbus::Proxy::new(&client, NAME, PATH, NAME)
            .await
            .expect("proxy");

        let caps: Vec<String> = proxy.call("GetCapabilities", &()).await.expect("caps");
        assert_eq!(caps, ["body", "actions", "body-markup"]);

        let hints = HashMap::from([
            ("urgency", Value::U8(2)),
            ("desktop-entry", Value::from("coinlytics")),
            ("image-data", Value::from((1_i32, 1_i32))),
        ]);
        let notify = |replaces: u32, summary: &'static str| {
            let args = (
                "Coinlytics",
                replaces,
                "coinlytics",
                summary,
                "<b>$100,000</b>",
                vec!["default", "Open"],
                hints.clone(),
                5000_i32,
            );
            let proxy = proxy.clone();
            async move {
                proxy
                    .call::<_, _, u32>("Notify", &args)
                    .await
                    .expect("Notify")
            }
        };
        let first = notify(0, "BTC above 100k").await;
        assert_eq!(notify(first, "BTC above 100k (updated)").await, first);
        assert_eq!(notify(0, "ETH below 2k").await, first + 1);

        let got = server.wait_for(3, Duration::from_secs(5)).await;
        assert_eq!(got, server.received());
        let n = &got[0];
        assert_eq!(
            (
                n.id,
                n.app_name.as_str(),
                n.replaces_id,
                n.app_icon.as_str()
            ),
            (first, "Coinlytics", 0, "coinlytics")
        );
        assert_eq!(
            (n.summary.as_str(), n.body.as_str()),
            ("BTC above 100k", "<b>$100,000</b>")
        );
        assert_eq!(n.actions, ["default", "Open"]);
        assert_eq!(n.hints["urgency"], "2");
        assert_eq!(n.hints["desktop-entry"], "coinlytics");
        assert_eq!(n.hints["image-data"], "<(ii)>");
        assert_eq!(n.expire_timeout, 5000);
        assert_eq!(got[1].replaces_id, first);

        let rule = zbus::MatchRule::builder()
            .msg_type(Type::Signal)
            .interface(NAME)
            .expect("interface")
            .build();
        let mut signals = zbus::MessageStream::for_match_rule(rule, &client, None)
            .await
            .expect("subscribe");
        server.invoke_action(first, "default").await;
        let (member, body): (_, (u32, String)) = next_signal(&mut signals).await;
        assert_eq!(
            (member.as_str(), body),
            ("ActionInvoked", (first, "default".into()))
        );

        let () = proxy
            .call("CloseNotification", &(first,))
            .await
            .expect("CloseNotification");
        // Reason 3: closed by CloseNotification.
        let (member, body): (_, (u32, u32)) = next_signal(&mut signals).await;
        assert_eq!((member.as_str(), body), ("NotificationClosed", (first, 3)));
    }
}
