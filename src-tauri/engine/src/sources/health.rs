//! How each source is doing, for the Sources panel and `coinlytics sources`.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// What a source is doing now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceState {
    /// Not asked yet in this run.
    Idle,
    /// Its last REST answer came through.
    Polling,
    /// A live stream is open and talking.
    Streaming,
    /// Failing; asked again after a pause that grows.
    BackingOff,
    /// It refuses this region (HTTP 451): not asked again this run.
    Blocked,
    /// Turned off in the settings.
    Off,
}

impl SourceState {
    pub fn label(self) -> &'static str {
        match self {
            SourceState::Idle => "idle",
            SourceState::Polling => "polling",
            SourceState::Streaming => "streaming",
            SourceState::BackingOff => "backing off",
            SourceState::Blocked => "blocked for this region",
            SourceState::Off => "off",
        }
    }

    /// Whether its readings may be used.
    pub fn usable(self) -> bool {
        matches!(self, SourceState::Polling | SourceState::Streaming)
    }
}

/// One source's health.
#[derive(Debug, Clone, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Health {
    pub state: SourceState,
    pub last_success: Option<DateTime<Utc>>,
    /// The last answer's round trip (REST), in ms.
    pub latency_ms: Option<u64>,
    /// Failed requests and dropped streams in this run.
    pub errors: u64,
    pub last_error: Option<String>,
    /// Readings held back for straying too far from the other sources.
    pub held_back: u64,
    /// Prices received in this run.
    pub readings: u64,
}

impl Default for Health {
    fn default() -> Health {
        Health {
            state: SourceState::Idle,
            last_success: None,
            latency_ms: None,
            errors: 0,
            last_error: None,
            held_back: 0,
            readings: 0,
        }
    }
}
