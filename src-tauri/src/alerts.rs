//! Alerts in the window: the monitor runs here unless `coinlytics monitor`
//! already runs on the same data directory (then the window stays passive
//! and takes over when that process ends), and the commands of the Alerts
//! page, and of Settings' e-mail and alert channels.

use std::sync::Arc;
use std::time::Duration;

use coinlytics_engine::app::alerts::AlertEvent;
use coinlytics_engine::app::alerts::{RuleInput, RuleView};
use coinlytics_engine::app::channels::{ChannelInfo, ChannelInput};
use coinlytics_engine::app::email::{self, EmailForm, EmailStatus};
use coinlytics_engine::app::pages::{AlertsPage, MonitorState};
use coinlytics_engine::app::settings::EmailSettings;
use coinlytics_engine::{Engine, Error};
use tauri::{AppHandle, Manager, State};

use crate::events;
use crate::state::AppState;
use crate::tray;

/// How often a passive window tries to take over monitoring.
const TAKEOVER_EVERY: Duration = Duration::from_secs(15);

type Answer<T> = Result<T, Error>;

/// Starts the monitor in the background, or waits for the process that
/// holds it to end.
pub fn start(app: &AppHandle, engine: Arc<Engine>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        tray::set_alert_count(&app, engine.alerts_unacknowledged().unwrap_or(0));
        let on_click = {
            let app = app.clone();
            Arc::new(move |coin: String| tray::open_coin(&app, &coin))
        };
        let monitor = loop {
            match engine.start_monitor("the Coinlytics window", Some(on_click.clone())) {
                Ok(m) => break m,
                Err(Error::Lock(e)) => {
                    state.set_monitor(MonitorState::Passive, Some(&e.to_string()))
                }
                Err(e) => {
                    tracing::error!(error = %e, "cannot start the alert monitor");
                    state.set_monitor(MonitorState::Failed, Some(&e.to_string()));
                }
            }
            tokio::time::sleep(TAKEOVER_EVERY).await;
            // Firings recorded by the other process still mark the tray.
            tray::set_alert_count(&app, engine.alerts_unacknowledged().unwrap_or(0));
        };
        state.set_monitor(MonitorState::Active, None);
        let mut events = monitor.subscribe();
        // Kept by the state, which stops it at exit; the events end then.
        state.keep_monitor(monitor);
        loop {
            match events.recv().await {
                Ok(event) => {
                    match &event {
                        AlertEvent::Fired(_) => {
                            tray::set_alert_count(&app, engine.alerts_unacknowledged().unwrap_or(0))
                        }
                        AlertEvent::Restarting { reason, .. } => {
                            state.set_monitor(MonitorState::Restarting, Some(reason))
                        }
                        AlertEvent::Restarted => state.set_monitor(MonitorState::Active, None),
                        AlertEvent::Delivery(_) => {}
                    }
                    events::send(&app, events::ALERT, &event);
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}

#[tauri::command]
pub async fn alerts(state: State<'_, AppState>) -> Answer<AlertsPage> {
    let monitor = state.monitor();
    state.with_engine(move |e| e.alerts_page(monitor)).await
}

/// Creates (no `id`) or replaces rule `id`.
#[tauri::command]
pub async fn alert_save(
    state: State<'_, AppState>,
    id: Option<i64>,
    input: RuleInput,
) -> Answer<RuleView> {
    state.engine()?.alert_save(id, &input).await
}

#[tauri::command]
pub async fn alert_remove(state: State<'_, AppState>, id: i64) -> Answer<()> {
    state.with_engine(move |e| e.alert_remove(id)).await
}

#[tauri::command]
pub async fn alert_set_enabled(
    state: State<'_, AppState>,
    id: i64,
    enabled: bool,
) -> Answer<RuleView> {
    state
        .with_engine(move |e| e.alert_set_enabled(id, enabled))
        .await
}

/// The user has seen the history: clears the tray's mark.
#[tauri::command]
pub async fn alerts_acknowledge(app: AppHandle, state: State<'_, AppState>) -> Answer<()> {
    state.with_engine(|e| e.alerts_acknowledge()).await?;
    tray::set_alert_count(&app, 0);
    Ok(())
}

/// The e-mail settings and whether a password is stored — never the password.
#[tauri::command]
pub async fn email_settings(state: State<'_, AppState>) -> Answer<EmailStatus> {
    Ok(email::email_status(&state.engine()?.settings()).await)
}

#[tauri::command]
pub async fn email_save(state: State<'_, AppState>, form: EmailForm) -> Answer<EmailSettings> {
    state.engine()?.email_save(&form).await
}

/// Stores the SMTP password in the OS keyring. The password only ever
/// travels from the window to here.
#[tauri::command]
pub async fn email_set_password(password: String) -> Answer<()> {
    email::set_email_password(&password).await
}

#[tauri::command]
pub async fn email_clear_password() -> Answer<bool> {
    email::clear_email_password().await
}

/// Sends a test e-mail with the saved settings; returns the recipients.
#[tauri::command]
pub async fn email_test(state: State<'_, AppState>) -> Answer<Vec<String>> {
    state.engine()?.email_test().await
}

/// The alert channels: the built-in ones, then those added (never a secret).
#[tauri::command]
pub async fn channels(state: State<'_, AppState>) -> Answer<Vec<ChannelInfo>> {
    state.engine()?.channels().await
}

/// Adds a channel, or sets one anew; its secrets go from the window to
/// the OS keyring only.
#[tauri::command]
pub async fn channel_save(state: State<'_, AppState>, input: ChannelInput) -> Answer<ChannelInfo> {
    state.engine()?.channel_save(&input).await
}

#[tauri::command]
pub async fn channel_remove(state: State<'_, AppState>, name: String) -> Answer<ChannelInfo> {
    state.engine()?.channel_remove(&name).await
}

/// Sends a test message through a channel.
#[tauri::command]
pub async fn channel_test(state: State<'_, AppState>, name: String) -> Answer<ChannelInfo> {
    state.engine()?.channel_test(&name).await
}
