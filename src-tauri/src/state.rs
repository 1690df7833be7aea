//! What the window and tray share, in one place: the engine (or why it
//! failed to open), the refresher while running, and who monitors the
//! alerts. Tauri manages it; nothing here is a static.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use coinlytics_engine::app::alerts::Monitor;
use coinlytics_engine::app::logging::LogGuard;
use coinlytics_engine::app::market::refresher::{self, RefresherHandle, StreamsHandle};
use coinlytics_engine::app::pages::{MonitorState, MonitorStatus};
use coinlytics_engine::error::ErrorBody;
use coinlytics_engine::{Engine, Error};

pub struct AppState {
    engine: Result<Arc<Engine>, ErrorBody>,
    refresher: Mutex<Option<RefresherHandle>>,
    /// The exchanges' live streams, beside the refresher.
    streams: Mutex<Option<StreamsHandle>>,
    monitor: Mutex<MonitorStatus>,
    /// When the app started, for the start-up figure `ui_ready` logs.
    pub started: Instant,
    /// The alert monitor while this app runs it, to stop it at exit.
    running_monitor: Mutex<Option<Monitor>>,
    /// The log file's writer, flushed at exit (Tauri exits the process
    /// without returning from `run`, so nothing in `main` is dropped).
    logs: Mutex<Option<LogGuard>>,
}

/// How long an exit waits for a delivery under way (an e-mail being sent)
/// to finish and be recorded. Past it the delivery is sent again at the
/// next start: at least once, and the e-mail's Message-ID keeps a mail
/// client from showing it twice.
const EXIT_GRACE: Duration = Duration::from_secs(3);

/// A lock that a panic elsewhere does not poison for good: the data is
/// display state, always valid.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl AppState {
    pub fn new(engine: Result<Arc<Engine>, ErrorBody>, started: Instant) -> Self {
        AppState {
            engine,
            refresher: Mutex::new(None),
            streams: Mutex::new(None),
            monitor: Mutex::new(MonitorStatus::new(MonitorState::Starting, None)),
            started,
            running_monitor: Mutex::new(None),
            logs: Mutex::new(None),
        }
    }

    pub fn keep_logs(&self, logs: LogGuard) {
        *lock(&self.logs) = Some(logs);
    }

    pub fn keep_monitor(&self, monitor: Monitor) {
        *lock(&self.running_monitor) = Some(monitor);
    }

    /// The app is exiting: stops the alert monitor, giving a delivery under
    /// way [`EXIT_GRACE`] to finish and be recorded, then flushes the log.
    pub fn shutdown(&self) {
        if let Some(monitor) = lock(&self.running_monitor).take() {
            let stopped =
                tauri::async_runtime::block_on(tokio::time::timeout(EXIT_GRACE, monitor.stop()));
            match stopped {
                Ok(()) => tracing::info!("alert monitor stopped"),
                Err(_) => tracing::warn!(
                    "a delivery was still under way at exit; it is sent again at the next start"
                ),
            }
        }
        tracing::info!("Coinlytics exits");
        drop(lock(&self.logs).take());
    }

    /// The engine, or the error that kept it from opening (a damaged or
    /// locked database), as every command's answer.
    pub fn engine(&self) -> Result<Arc<Engine>, Error> {
        self.engine.clone().map_err(Error::Reported)
    }

    /// Runs `f` with the engine on a thread of its own: SQLite may wait up
    /// to its busy timeout for another process, and a keyring for the
    /// user; neither the main thread (the window would freeze) nor the
    /// async runtime's workers should wait with it.
    pub async fn with_engine<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Engine) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let engine = self.engine()?;
        tauri::async_runtime::spawn_blocking(move || f(&engine))
            .await
            .map_err(|e| Error::Internal(format!("a background task failed: {e}")))?
    }

    /// Milliseconds since the app started, for start-up marks in the log.
    pub fn since_start_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    pub fn monitor(&self) -> MonitorStatus {
        lock(&self.monitor).clone()
    }

    pub fn set_monitor(&self, state: MonitorState, detail: Option<&str>) {
        *lock(&self.monitor) = MonitorStatus::new(state, detail);
    }

    /// Starts refreshing the watchlist at the configured interval, and
    /// streaming it from the exchanges.
    pub fn resume(&self, engine: Arc<Engine>) {
        let mut r = lock(&self.refresher);
        if r.is_none() {
            let interval = engine.settings().refresh_interval();
            *lock(&self.streams) =
                refresher::spawn_streams(engine.clone(), false, Engine::refresh_requests);
            *r = Some(refresher::spawn(engine, interval, Engine::refresh_requests));
        }
    }

    /// Stops refreshing and streaming until [`AppState::resume`].
    pub fn pause(&self) {
        if let Some(h) = lock(&self.refresher).take() {
            tauri::async_runtime::spawn(h.stop());
        }
        if let Some(s) = lock(&self.streams).take() {
            tauri::async_runtime::spawn(s.stop());
        }
    }

    pub fn is_paused(&self) -> bool {
        lock(&self.refresher).is_none()
    }
}
