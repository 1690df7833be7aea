//! What every handler shares.

use std::sync::Arc;

use coinlytics_engine::Engine;
use coinlytics_engine::app::pages::{MonitorState, MonitorStatus};

use crate::feed::Item;
use crate::hosts::Hosts;
use crate::limit::Limits;
use crate::session::Sessions;

/// The alert monitor's part in this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MonitorRole {
    /// This process watches the alerts.
    Running,
    /// Another process (`coinlytics monitor`, the window) does.
    Passive,
}

impl MonitorRole {
    pub fn as_str(self) -> &'static str {
        match self {
            MonitorRole::Running => "running",
            MonitorRole::Passive => "passive",
        }
    }

    /// The Alerts view's sentence for it.
    pub fn status(self) -> MonitorStatus {
        match self {
            MonitorRole::Running => MonitorStatus::new(MonitorState::Active, None),
            MonitorRole::Passive => MonitorStatus::new(
                MonitorState::Passive,
                Some("Another Coinlytics process watches the alerts"),
            ),
        }
    }
}

/// Shared by every handler.
#[derive(Clone)]
pub(crate) struct Ctx {
    pub engine: Arc<Engine>,
    pub hosts: Arc<Hosts>,
    pub monitor: MonitorRole,
    pub limits: Arc<Limits>,
    pub sessions: Arc<Sessions>,
    /// Served over TLS: cookies are Secure, origins https.
    pub secure: bool,
    /// Turns true when the server is stopping: streams close.
    pub stopping: tokio::sync::watch::Receiver<bool>,
    /// One clone per open stream: the server waits for them to close.
    pub streams: Arc<()>,
    pub feed: tokio::sync::broadcast::Sender<Item>,
}
