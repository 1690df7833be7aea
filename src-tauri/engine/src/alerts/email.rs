//! Alert e-mails over SMTP (lettre). The settings come fresh from the config
//! file at each send, and the password from the OS keyring, so a change made
//! by `coinlytics config set` or `email set-password` takes effect in a
//! running monitor. The password is never put in an error or a log.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{EmailSettings, SmtpSecurity};
use crate::error_kind::ErrorKind;
use crate::model::alert::Firing;
use crate::secrets::{self, Secret, SecretError, SecretName};

const SEND_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    #[error("e-mail is not set up: set {missing} (`coinlytics config set email.<key> VALUE`)")]
    NotConfigured { missing: String },
    #[error("cannot read the e-mail settings: {0}")]
    Settings(String),
    #[error(
        "email.username is set but no SMTP password is stored; run `coinlytics email set-password`"
    )]
    NoPassword,
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("invalid e-mail address '{address}': {reason}")]
    Address { address: String, reason: String },
    #[error("sending through {server} failed: {reason}")]
    Smtp { server: String, reason: String },
    #[error(
        "{server} refused the login of '{username}' ({reason}); check email.username and the password (`coinlytics email set-password`)"
    )]
    LoginRefused {
        server: String,
        username: String,
        reason: String,
    },
}

impl EmailError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            EmailError::NotConfigured { .. } | EmailError::Settings(_) | EmailError::NoPassword => {
                ErrorKind::Email
            }
            EmailError::Secret(_) => ErrorKind::Keyring,
            EmailError::Address { .. } => ErrorKind::InvalidInput,
            EmailError::Smtp { .. } | EmailError::LoginRefused { .. } => ErrorKind::Email,
        }
    }
}

/// Where the current e-mail settings come from.
pub type EmailSource = Arc<dyn Fn() -> Result<EmailSettings, String> + Send + Sync>;

pub struct Mailer {
    settings: EmailSource,
    /// Makes Message-IDs unique to this data directory.
    install_id: String,
}

impl Mailer {
    pub fn new(settings: EmailSource, install_id: String) -> Mailer {
        Mailer {
            settings,
            install_id,
        }
    }

    /// The Message-ID of `firing_key`'s e-mail: the same on every attempt,
    /// so a message sent twice (a crash between sending and recording it)
    /// is one message to a mail client.
    pub fn message_id(&self, firing_key: &str) -> String {
        format!("<alert-{firing_key}.{}@coinlytics>", self.install_id)
    }

    pub async fn send_firing(&self, f: &Firing) -> Result<(), EmailError> {
        let subject = format!("Coinlytics: {}", f.headline());
        let text = format!(
            "{}\n\n{}\n\nCoinlytics alert {}",
            f.headline(),
            f.body(),
            f.key
        );
        let html = format!(
            "<h2>{}</h2><p>{}</p><p style=\"color:#777\">Coinlytics alert {}</p>",
            escape(&f.headline()),
            escape(&f.body()).replace('\n', "<br>"),
            escape(&f.key)
        );
        self.send(&subject, text, html, Some(self.message_id(&f.key)))
            .await
    }

    /// "Send test e-mail": the whole path, with the settings as they are.
    pub async fn send_test(&self) -> Result<(), EmailError> {
        let text = "If you can read this, Coinlytics can e-mail you when an alert fires.";
        self.send(
            "Coinlytics test e-mail",
            text.to_string(),
            format!("<p>{text}</p>"),
            None,
        )
        .await
    }

    async fn send(
        &self,
        subject: &str,
        text: String,
        html: String,
        message_id: Option<String>,
    ) -> Result<(), EmailError> {
        let s = (self.settings)().map_err(EmailError::Settings)?;
        let missing = s.missing();
        if !missing.is_empty() {
            return Err(EmailError::NotConfigured {
                missing: missing.join(", "),
            });
        }
        let mut builder = Message::builder()
            .from(mailbox(&s.from)?)
            .subject(subject)
            .message_id(message_id);
        for to in &s.to {
            builder = builder.to(mailbox(to)?);
        }
        let message = builder
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(|e| EmailError::Address {
                address: s.to.join(", "),
                reason: e.to_string(),
            })?;
        let password = if s.username.is_empty() {
            None
        } else {
            let got = tokio::task::spawn_blocking(|| secrets::get(SecretName::SmtpPassword))
                .await
                .map_err(|e| EmailError::Settings(e.to_string()))??;
            Some(got.ok_or(EmailError::NoPassword)?)
        };
        let server = format!("{}:{}", s.smtp_host, s.smtp_port);
        let smtp_err = |reason: String| EmailError::Smtp {
            server: server.clone(),
            reason: scrub(reason, password.as_ref()),
        };
        let builder = match s.security {
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&s.smtp_host),
            SmtpSecurity::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.smtp_host)
            }
            SmtpSecurity::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                &s.smtp_host,
            )),
        }
        .map_err(|e| smtp_err(e.to_string()))?;
        let mut builder = builder.port(s.smtp_port).timeout(Some(SEND_TIMEOUT));
        if let Some(p) = &password {
            builder =
                builder.credentials(Credentials::new(s.username.clone(), p.expose().to_string()));
        }
        builder.build().send(message).await.map(drop).map_err(|e| {
            // 535: authentication credentials invalid (RFC 4954).
            if e.status().is_some_and(|c| c.to_string() == "535") {
                EmailError::LoginRefused {
                    server: server.clone(),
                    username: s.username.clone(),
                    reason: scrub(e.to_string(), password.as_ref()),
                }
            } else {
                smtp_err(e.to_string())
            }
        })
    }
}

fn mailbox(address: &str) -> Result<Mailbox, EmailError> {
    address
        .parse()
        .map_err(|e: lettre::address::AddressError| EmailError::Address {
            address: address.to_string(),
            reason: e.to_string(),
        })
}

/// Belt and braces: no server message may carry the password out.
fn scrub(message: String, password: Option<&Secret>) -> String {
    match password {
        Some(p) if !p.expose().is_empty() => message.replace(p.expose(), "<redacted>"),
        _ => message,
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
