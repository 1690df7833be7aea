//! What the window and tray share: the engine (or why it failed to open),
//! the refresher while running, and the latest market status.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use coinlytics_engine::refresher::{self, RefresherHandle};
use coinlytics_engine::{Engine, Error};
use serde::Serialize;

/// An error as the window receives it: a kind to branch on and a sentence
/// to show. Never carries a secret (engine messages never do).
#[derive(Debug, Clone, Serialize)]
pub struct IpcError {
    pub kind: &'static str,
    pub message: String,
}

impl From<Error> for IpcError {
    fn from(e: Error) -> Self {
        IpcError {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

impl IpcError {
    pub fn invalid(message: impl Into<String>) -> Self {
        IpcError {
            kind: "invalid_argument",
            message: message.into(),
        }
    }
}

/// The last refresh outcome, for a window that opens between events.
#[derive(Debug, Clone, Default)]
pub struct Status {
    pub updated_at: Option<DateTime<Utc>>,
    pub failure: Option<String>,
}

pub struct AppState {
    engine: Result<Arc<Engine>, String>,
    refresher: Mutex<Option<RefresherHandle>>,
    pub status: Mutex<Status>,
}

impl AppState {
    pub fn new(engine: Result<Arc<Engine>, String>) -> Self {
        AppState {
            engine,
            refresher: Mutex::new(None),
            status: Mutex::new(Status::default()),
        }
    }

    pub fn engine(&self) -> Result<Arc<Engine>, IpcError> {
        self.engine.clone().map_err(|message| IpcError {
            kind: "startup",
            message,
        })
    }

    /// Starts refreshing the watchlist at the configured interval.
    pub fn resume(&self, engine: Arc<Engine>) {
        let mut r = self.refresher.lock().unwrap_or_else(|p| p.into_inner());
        if r.is_none() {
            let interval = engine.settings().refresh_interval();
            *r = Some(refresher::spawn(engine, interval, Engine::refresh_requests));
        }
    }

    /// Stops refreshing until [`AppState::resume`].
    pub fn pause(&self) {
        let handle = self
            .refresher
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(h) = handle {
            tauri::async_runtime::spawn(h.stop());
        }
    }

    pub fn is_paused(&self) -> bool {
        self.refresher
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_none()
    }
}
