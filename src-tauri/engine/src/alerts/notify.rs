//! Desktop notifications (org.freedesktop.Notifications on Linux, through
//! notify-rust). A trait, so the dispatcher's retry logic is tested without
//! a notification server; the real one is tested against a real server.

use std::path::PathBuf;
use std::sync::Arc;

use crate::format;
use crate::model::alert::Firing;

/// Shows one firing to the user. Blocking: the dispatcher calls it off the
/// async threads.
pub trait Notifier: Send + Sync + 'static {
    fn notify(&self, firing: &Firing) -> Result<(), String>;
}

/// Called with the coin id when the user clicks a notification.
pub type OnClick = Arc<dyn Fn(String) + Send + Sync>;

pub struct DesktopNotifier {
    icon: Option<PathBuf>,
    on_click: Option<OnClick>,
}

impl DesktopNotifier {
    /// `icon`: a PNG of the app icon. `on_click`: what clicking does, where
    /// the notification server supports actions.
    pub fn new(icon: Option<PathBuf>, on_click: Option<OnClick>) -> DesktopNotifier {
        DesktopNotifier { icon, on_click }
    }
}

impl Notifier for DesktopNotifier {
    fn notify(&self, firing: &Firing) -> Result<(), String> {
        // The summary is plain text to every server (the spec); the body is
        // markup to those that say so.
        let mut n = notify_rust::Notification::new();
        n.appname("Coinlytics")
            .summary(&format::printable(&firing.headline()))
            .body(&format::notification_body(&firing.body(), body_markup()));
        if let Some(icon) = &self.icon {
            n.icon(&icon.display().to_string());
        }
        #[cfg(all(unix, not(target_os = "macos")))]
        n.hint(notify_rust::Hint::Category("x-coinlytics.alert".into()));
        if self.on_click.is_some() {
            n.action("default", "Open in Coinlytics");
        }
        let handle = n
            .show()
            .map_err(|e| format!("the desktop notification could not be shown: {e}"))?;
        #[cfg(all(unix, not(target_os = "macos")))]
        if let Some(on_click) = self.on_click.clone() {
            let coin = firing.coin_id.clone();
            // Waits until the notification is clicked or closed.
            std::thread::spawn(move || {
                handle.wait_for_action(|action| {
                    if action == "default" {
                        on_click(coin);
                    }
                })
            });
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        drop(handle);
        Ok(())
    }
}

/// Whether the notification server renders markup in bodies. The spec: a
/// client must not send markup to one that does not, or it shows through.
/// A server that cannot say is taken to render it, so text is escaped: an
/// entity shown too many is better than a coin's name read as markup.
fn body_markup() -> bool {
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        notify_rust::get_capabilities().map_or(true, |caps| caps.iter().any(|c| c == "body-markup"))
    }
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    {
        false
    }
}
