//! E-mail for alerts: the settings form, the SMTP password in the OS
//! keyring, and a test message.

use serde::{Deserialize, Serialize};

use crate::Engine;
use crate::config::{EmailSettings, Key, Settings};
use crate::error::Result;
use crate::model::InvalidInput;
use crate::secrets::{self, Secret, SecretName};

const PASSWORD: SecretName = SecretName::SmtpPassword;
const PASSWORD_MAX: usize = 1000;

/// The e-mail settings as a form gives them: text, validated by the
/// settings' own rules and saved together.
#[derive(Debug, Clone, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct EmailForm {
    pub smtp_host: String,
    pub smtp_port: String,
    pub security: String,
    pub username: String,
    pub from: String,
    pub to: String,
}

/// The e-mail settings and whether a password is stored — never the
/// password.
#[derive(Debug, Clone, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct EmailStatus {
    pub settings: EmailSettings,
    /// The required settings still unset (empty: e-mail can be sent).
    pub missing: Vec<String>,
    /// Whether the keyring holds a password; `None` when it cannot be read.
    pub password_stored: Option<bool>,
    /// Why the keyring cannot be read.
    pub keyring_error: Option<String>,
}

impl Engine {
    /// Saves the whole form at once: every field is checked first (the
    /// security mode against the host whatever their order), and nothing
    /// is saved if one is refused.
    pub async fn email_save(&self, form: &EmailForm) -> Result<EmailSettings> {
        let changes = [
            (Key::EmailSmtpHost, &form.smtp_host),
            (Key::EmailSmtpPort, &form.smtp_port),
            (Key::EmailSecurity, &form.security),
            (Key::EmailUsername, &form.username),
            (Key::EmailFrom, &form.from),
            (Key::EmailTo, &form.to),
        ]
        .map(|(k, v)| (k, v.clone()));
        Ok(self.configure(&changes).await?.email)
    }

    /// Sends a test message with the saved settings; returns the
    /// recipients.
    pub async fn email_test(&self) -> Result<Vec<String>> {
        self.mailer()?.send_test().await?;
        Ok(self.settings().email.to)
    }
}

/// What [`EmailStatus`] says for `settings`; reads the keyring.
pub async fn email_status(settings: &Settings) -> EmailStatus {
    let (password_stored, keyring_error) =
        match super::blocking(|| Ok(secrets::get(PASSWORD)?)).await {
            Ok(p) => (Some(p.is_some()), None),
            Err(e) => (None, Some(e.to_string())),
        };
    EmailStatus {
        missing: settings
            .email
            .missing()
            .into_iter()
            .map(String::from)
            .collect(),
        settings: settings.email.clone(),
        password_stored,
        keyring_error,
    }
}

/// Stores the SMTP password in the OS keyring; it goes nowhere else. A
/// trailing newline (from `echo`) is not part of it.
pub async fn set_email_password(password: &str) -> Result<()> {
    let password = password.strip_suffix('\n').unwrap_or(password);
    let password = password.strip_suffix('\r').unwrap_or(password);
    if password.is_empty() || password.contains('\n') || password.len() > PASSWORD_MAX {
        return Err(InvalidInput(format!(
            "the password must be one line of at most {PASSWORD_MAX} characters"
        ))
        .into());
    }
    // The copy the keyring thread takes is wiped too.
    let password = Secret::new(password.to_string());
    super::blocking(move || Ok(secrets::set(PASSWORD, password.expose())?)).await
}

/// Removes the SMTP password; false if none was stored.
pub async fn clear_email_password() -> Result<bool> {
    super::blocking(|| Ok(secrets::delete(PASSWORD)?)).await
}
