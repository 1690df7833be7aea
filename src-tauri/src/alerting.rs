//! Starting the alert monitor, shared by the window and `coinlytics monitor`:
//! whichever takes the data directory's monitor lock first delivers alerts.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use coinlytics_engine::Engine;
use coinlytics_engine::alerts::lock::MonitorLock;
use coinlytics_engine::alerts::monitor::Monitor;
use coinlytics_engine::alerts::notify::{DesktopNotifier, OnClick};

const ICON: &[u8] = include_bytes!("../../icons/128x128.png");

/// The app icon as a file, for notification servers that take a path.
fn notification_icon(data_dir: &Path) -> Option<PathBuf> {
    let path = data_dir.join("icons").join("coinlytics.png");
    if std::fs::read(&path).ok().as_deref() != Some(ICON) {
        let written =
            std::fs::create_dir_all(path.parent()?).and_then(|()| std::fs::write(&path, ICON));
        if let Err(e) = written {
            tracing::warn!(error = %e, "cannot write the notification icon");
            return None;
        }
    }
    Some(path)
}

/// Takes the monitor lock as `who` and starts the monitor; fails with
/// [`coinlytics_engine::Error::Lock`] if another process monitors already.
pub fn start_monitor(
    engine: &Arc<Engine>,
    who: &str,
    on_click: Option<OnClick>,
) -> coinlytics_engine::Result<Monitor> {
    let data_dir = engine.settings().data_dir;
    let lock = MonitorLock::try_acquire(&data_dir, who)?;
    let notifier = Arc::new(DesktopNotifier::new(notification_icon(&data_dir), on_click));
    let mailer = Arc::new(engine.mailer()?);
    Ok(Monitor::start(engine.clone(), lock, notifier, mailer))
}
