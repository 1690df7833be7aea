//! Alerts in the window: the monitor runs here unless `coinlytics monitor`
//! already runs on the same data directory (then the window stays passive
//! and takes over when that process ends), and the commands of the Alerts
//! and e-mail settings pages.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use coinlytics_engine::alerts::HistoryEntry;
use coinlytics_engine::alerts::monitor::AlertEvent;
use coinlytics_engine::alerts::rule::{Rule, RuleSpec};
use coinlytics_engine::config::EmailSettings;
use coinlytics_engine::secrets::{self, SecretName};
use coinlytics_engine::{Engine, Error};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Emitter, State};

use super::state::{AppState, IpcError};
use super::tray;
use crate::alerting;

/// The event the window hears for each firing and delivery.
pub const ALERT_EVENT: &str = "alert";
/// The event that asks the window to show a coin (a notification's click).
pub const OPEN_COIN_EVENT: &str = "open-coin";
/// How often a passive window tries to take over monitoring.
const TAKEOVER_EVERY: Duration = Duration::from_secs(15);
const HISTORY_LIMIT: u32 = 200;

/// Who delivers alerts for this data directory, as the Alerts page says it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MonitorStatus {
    /// "starting", "active" (this window), "passive" (another process) or "failed".
    pub state: &'static str,
    pub message: Option<String>,
}

static STATUS: Mutex<MonitorStatus> = Mutex::new(MonitorStatus {
    state: "starting",
    message: None,
});

fn set_status(state: &'static str, message: Option<String>) {
    *STATUS.lock().unwrap_or_else(|p| p.into_inner()) = MonitorStatus { state, message };
}

/// Starts the monitor in the background, or waits for the process that
/// holds it to end.
pub fn start(app: &AppHandle, engine: Arc<Engine>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tray::set_alert_count(&app, engine.alerts_unacknowledged().unwrap_or(0));
        let on_click = {
            let app = app.clone();
            Arc::new(move |coin: String| {
                tray::show_dashboard(&app);
                let _ = app.emit(OPEN_COIN_EVENT, coin);
            })
        };
        let monitor = loop {
            match alerting::start_monitor(&engine, "the Coinlytics window", Some(on_click.clone()))
            {
                Ok(m) => break m,
                Err(Error::Lock(e)) => set_status("passive", Some(e.to_string())),
                Err(e) => {
                    tracing::error!(error = %e, "cannot start the alert monitor");
                    set_status("failed", Some(e.to_string()));
                }
            }
            tokio::time::sleep(TAKEOVER_EVERY).await;
            // Firings recorded by the other process still mark the tray.
            tray::set_alert_count(&app, engine.alerts_unacknowledged().unwrap_or(0));
        };
        set_status("active", None);
        let mut events = monitor.subscribe();
        loop {
            match events.recv().await {
                Ok(event) => {
                    if matches!(event, AlertEvent::Fired(_)) {
                        tray::set_alert_count(&app, engine.alerts_unacknowledged().unwrap_or(0));
                    }
                    let _ = app.emit(ALERT_EVENT, &event);
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
        drop(monitor);
    });
}

#[derive(Serialize)]
pub struct RuleView {
    #[serde(flatten)]
    rule: Rule,
    /// The last stored price is already beyond the level: the rule fires
    /// at the next update.
    beyond_now: Option<bool>,
}

fn view(engine: &Engine, rule: Rule) -> RuleView {
    RuleView {
        beyond_now: engine.alert_already_beyond(&rule),
        rule,
    }
}

#[derive(Serialize)]
pub struct AlertsPage {
    rules: Vec<RuleView>,
    history: Vec<HistoryEntry>,
    monitor: MonitorStatus,
    email_configured: bool,
}

#[tauri::command]
pub fn alerts(state: State<'_, AppState>) -> Result<AlertsPage, IpcError> {
    let engine = state.engine()?;
    Ok(AlertsPage {
        rules: engine
            .alerts()?
            .into_iter()
            .map(|r| view(&engine, r))
            .collect(),
        history: engine.alert_history(HISTORY_LIMIT)?,
        monitor: STATUS.lock().unwrap_or_else(|p| p.into_inner()).clone(),
        email_configured: engine.settings().email.is_configured(),
    })
}

/// Creates (no `id`) or replaces rule `id`. The engine validates the rule.
#[tauri::command]
pub async fn alert_save(
    state: State<'_, AppState>,
    id: Option<i64>,
    spec: RuleSpec,
) -> Result<RuleView, IpcError> {
    let engine = state.engine()?;
    super::commands::valid_coin_id(&spec.coin_id)?;
    let rule = match id {
        Some(id) => engine.alert_update(id, spec).await?,
        None => engine.alert_add(spec).await?,
    };
    Ok(view(&engine, rule))
}

#[tauri::command]
pub fn alert_remove(state: State<'_, AppState>, id: i64) -> Result<(), IpcError> {
    Ok(state.engine()?.alert_remove(id)?)
}

#[tauri::command]
pub fn alert_set_enabled(
    state: State<'_, AppState>,
    id: i64,
    enabled: bool,
) -> Result<RuleView, IpcError> {
    let engine = state.engine()?;
    let rule = engine.alert_set_enabled(id, enabled)?;
    Ok(view(&engine, rule))
}

/// The user has seen the history: clears the tray's mark.
#[tauri::command]
pub fn alerts_acknowledge(app: AppHandle, state: State<'_, AppState>) -> Result<(), IpcError> {
    let engine = state.engine()?;
    engine.alerts_acknowledge()?;
    tray::set_alert_count(&app, 0);
    Ok(())
}

#[derive(Serialize)]
pub struct EmailPage {
    settings: EmailSettings,
    /// Whether the keyring holds a password; `None` when it cannot be read.
    password_stored: Option<bool>,
    /// Why the keyring cannot be read.
    keyring_error: Option<String>,
}

fn keyring_error(e: secrets::SecretError) -> IpcError {
    IpcError {
        kind: "secret",
        message: e.to_string(),
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, secrets::SecretError> + Send + 'static,
) -> Result<T, IpcError> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| IpcError::invalid(e.to_string()))?
        .map_err(keyring_error)
}

/// The e-mail settings and whether a password is stored — never the password.
#[tauri::command]
pub async fn email_settings(state: State<'_, AppState>) -> Result<EmailPage, IpcError> {
    let engine = state.engine()?;
    let (password_stored, keyring_error) =
        match blocking(|| secrets::get(SecretName::SmtpPassword)).await {
            Ok(p) => (Some(p.is_some()), None),
            Err(e) => (None, Some(e.message)),
        };
    Ok(EmailPage {
        settings: engine.settings().email,
        password_stored,
        keyring_error,
    })
}

/// The e-mail settings as the form sends them; validated key by key.
#[derive(Deserialize)]
pub struct EmailForm {
    smtp_host: String,
    smtp_port: String,
    security: String,
    username: String,
    from: String,
    to: String,
}

#[tauri::command]
pub fn email_save(state: State<'_, AppState>, form: EmailForm) -> Result<EmailSettings, IpcError> {
    let engine = state.engine()?;
    // `security = none` is checked against the host: leaving it, set the
    // security first; entering it, the (loopback) host first.
    let host = ("email.smtp_host", &form.smtp_host);
    let security = ("email.security", &form.security);
    let (first, second) = if form.security.trim() == "none" {
        (host, security)
    } else {
        (security, host)
    };
    for (key, value) in [
        first,
        second,
        ("email.smtp_port", &form.smtp_port),
        ("email.username", &form.username),
        ("email.from", &form.from),
        ("email.to", &form.to),
    ] {
        if value.len() > 2000 {
            return Err(IpcError::invalid(format!("{key} is too long")));
        }
        engine.set_setting(key, value)?;
    }
    Ok(engine.settings().email)
}

/// Stores the SMTP password in the OS keyring. The password only ever
/// travels from the window to here.
#[tauri::command]
pub async fn email_set_password(password: String) -> Result<(), IpcError> {
    if password.is_empty() || password.len() > 1000 || password.contains('\n') {
        return Err(IpcError::invalid(
            "the password must be one line of at most 1000 characters",
        ));
    }
    blocking(move || secrets::set(SecretName::SmtpPassword, &password)).await
}

#[tauri::command]
pub async fn email_clear_password() -> Result<(), IpcError> {
    blocking(|| secrets::delete(SecretName::SmtpPassword).map(drop)).await
}

/// Sends a test e-mail with the saved settings.
#[tauri::command]
pub async fn email_test(state: State<'_, AppState>) -> Result<(), IpcError> {
    let engine = state.engine()?;
    engine.mailer()?.send_test().await.map_err(Error::from)?;
    Ok(())
}
