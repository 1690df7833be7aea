//! What each view of the dashboard shows when it opens, gathered in one
//! call for every front end that draws it: the window (its commands) and
//! the browser (`coinlytics serve`'s `/api/v1`). The page is the same, so
//! what it is given is made once, here.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::Engine;
use crate::app::alerts::{ConditionInfo, RuleView, conditions, rule_form};
use crate::app::compare::MAX_COMPARE;
use crate::app::history::BackfillQuery;
use crate::app::market::Pick;
use crate::error::Result;
use crate::model::alert::HistoryEntry;
use crate::model::{Coin, Quote};

/// How many coins the Markets view shows.
pub const MARKETS_TOP: u32 = 250;
/// How many of the newest firings the Alerts view lists.
const ALERT_HISTORY_SHOWN: u32 = 200;

/// Everything the dashboard shows on opening, from the store (no network).
#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Dashboard {
    currency: String,
    refresh_secs: u64,
    /// Watched coins in the user's order, with or without a stored quote.
    watchlist: Vec<Coin>,
    /// Stored quotes of the watched coins: shown at once, fresh ones follow.
    quotes: Vec<Quote>,
    updated_at: Option<DateTime<Utc>>,
    /// Why the last refresh failed: the prices shown are stale.
    failure: Option<String>,
    /// Refreshing is paused (the window is hidden in the tray).
    paused: bool,
    /// The portfolio's amounts are hidden.
    privacy: bool,
    /// The most coins Compare takes at once (the engine's limit).
    compare_max: u32,
}

/// The top coins by market cap; the stored ones, with why, if offline.
#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Markets {
    quotes: Vec<Quote>,
    failure: Option<String>,
}

/// Who delivers alerts for this data directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MonitorState {
    Starting,
    /// This process watches the alerts.
    Active,
    /// Another process (`coinlytics monitor`, the window) does; this one
    /// shows them.
    Passive,
    /// No one does: the monitor could not start.
    Failed,
    /// It stopped unexpectedly and is about to start again.
    Restarting,
}

/// The monitor's state, and the sentence the Alerts view shows for it.
#[derive(Debug, Clone, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct MonitorStatus {
    pub state: MonitorState,
    pub message: String,
}

impl MonitorStatus {
    pub fn new(state: MonitorState, detail: Option<&str>) -> MonitorStatus {
        let detail = detail.unwrap_or("unknown");
        let message = match state {
            MonitorState::Starting => "Starting the alert monitor…".into(),
            MonitorState::Active => "Alerts are watched while Coinlytics runs.".into(),
            MonitorState::Passive => format!("{detail}; its firings show here."),
            MonitorState::Failed => format!("Alerts are not being watched: {detail}"),
            MonitorState::Restarting => {
                format!("The alert monitor stopped unexpectedly ({detail}); restarting it.")
            }
        };
        MonitorStatus { state, message }
    }
}

/// Everything the Alerts view shows.
#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct AlertsPage {
    rules: Vec<RuleView>,
    history: Vec<HistoryEntry>,
    monitor: MonitorStatus,
    email_configured: bool,
    /// What the form offers, in order.
    conditions: Vec<ConditionInfo>,
    /// A new rule's defaults, and the note's limit.
    form: crate::app::alerts::RuleForm,
    /// The portfolios a portfolio rule may read.
    portfolios: Vec<String>,
    /// The coins the portfolio holds (or held), for its rules.
    held: Vec<Coin>,
    /// The channels a user added, for the form's choice: each one's name,
    /// and its service's reason when it is failing.
    channels: Vec<ChannelChoice>,
}

/// A channel a rule may send to, as the alert form offers it.
#[derive(Debug, Clone, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct ChannelChoice {
    pub name: String,
    pub kind: String,
    pub failing: Option<String>,
}

/// Where the backfill of a coin the page asked for is.
#[derive(Debug, Clone, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BackfillEvent {
    Progress {
        coin_id: String,
        done: u32,
        total: u32,
        waiting_secs: Option<u64>,
        /// What the step just finished brought: 0 when skipped.
        points: u32,
    },
    Done {
        coin_id: String,
        calls: u32,
        points: u32,
    },
    Failed {
        coin_id: String,
        message: String,
    },
}

impl Engine {
    /// The dashboard from the store; `paused`: whether this front end has
    /// paused refreshing.
    pub fn dashboard(&self, paused: bool) -> Result<Dashboard> {
        let settings = self.settings();
        let status = self.refresh_status()?;
        Ok(Dashboard {
            quotes: self
                .stored_quotes(&self.default_request()?)?
                .into_iter()
                .map(Quote::for_drawing)
                .collect(),
            watchlist: self.watchlist()?,
            currency: settings.currency,
            refresh_secs: settings.refresh_secs,
            updated_at: status.updated_at,
            failure: status.failure,
            paused,
            privacy: settings.privacy,
            compare_max: MAX_COMPARE as u32,
        })
    }

    /// The Markets view: fetched, or the stored quotes and why not.
    pub async fn markets(&self) -> Result<Markets> {
        let view = self
            .quotes(&self.request(&Pick::Top(MARKETS_TOP)).await?)
            .await?;
        Ok(Markets {
            failure: view.failure.map(|e| e.to_string()),
            quotes: view.quotes.into_iter().map(Quote::for_drawing).collect(),
        })
    }

    /// The Alerts view, with `monitor`: who watches the alerts as this
    /// front end knows it.
    pub fn alerts_page(&self, monitor: MonitorStatus) -> Result<AlertsPage> {
        Ok(AlertsPage {
            rules: self.alerts()?,
            history: self.alert_history(ALERT_HISTORY_SHOWN)?,
            monitor,
            email_configured: self.settings().email.is_configured(),
            conditions: conditions(),
            form: rule_form(),
            portfolios: self.portfolios()?.into_iter().map(|p| p.name).collect(),
            held: self.held_coins()?,
            channels: self
                .store
                .read(crate::store::queries::channels::list)?
                .into_iter()
                .map(|c| ChannelChoice {
                    kind: c.config.kind().into(),
                    name: c.name,
                    failing: c.failing.map(|(why, _)| why),
                })
                .collect(),
        })
    }

    /// Backfills one coin's history, telling `emit` each step and the end
    /// (a failure too, which is also logged): the page's progress bar.
    pub async fn backfill_reporting(&self, query: &BackfillQuery, emit: impl Fn(BackfillEvent)) {
        let coin_id = query
            .coins
            .first()
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default();
        let outcome = self
            .backfill(query, |p| {
                emit(BackfillEvent::Progress {
                    coin_id: coin_id.clone(),
                    done: p.done,
                    total: p.total,
                    waiting_secs: p.waiting_secs,
                    points: p.points,
                })
            })
            .await;
        emit(match outcome {
            Ok(r) => BackfillEvent::Done {
                coin_id,
                calls: r.calls,
                points: r.points,
            },
            Err(e) => {
                tracing::warn!(coin = %coin_id, error = %e, "backfill failed");
                BackfillEvent::Failed {
                    coin_id,
                    message: e.to_string(),
                }
            }
        });
    }
}
