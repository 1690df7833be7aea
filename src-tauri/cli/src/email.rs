//! `coinlytics email set-password|clear-password|status|test`: the SMTP
//! password lives only in the OS keyring; the other e-mail settings are
//! `email.*` keys of `coinlytics config`.

use clap::Subcommand;
use coinlytics_engine::app::email::{clear_email_password, email_status, set_email_password};
use coinlytics_engine::app::settings::Settings;
use coinlytics_engine::{Engine, Error};

use crate::secret::read_secret;

#[derive(Subcommand, Debug)]
pub enum EmailCmd {
    /// Read the SMTP password from standard input (typed hidden, or piped) into the OS keyring
    SetPassword,
    /// Remove the SMTP password from the keyring
    ClearPassword,
    /// Show the e-mail settings and whether a password is stored (never the password)
    Status,
    /// Send a test e-mail with the current settings
    Test,
}

impl EmailCmd {
    pub fn needs_engine(&self) -> bool {
        matches!(self, EmailCmd::Test)
    }
}

pub async fn run_offline(settings: &Settings, cmd: EmailCmd) -> Result<(), Error> {
    match cmd {
        EmailCmd::SetPassword => {
            let password = read_secret("the SMTP password")?;
            set_email_password(password.expose()).await?;
            outln!("stored the SMTP password in the OS keyring");
        }
        EmailCmd::ClearPassword => {
            let removed = clear_email_password().await?;
            outln!(
                "{}",
                if removed {
                    "removed the SMTP password"
                } else {
                    "no SMTP password was stored"
                }
            );
        }
        EmailCmd::Status => {
            let status = email_status(settings).await;
            let e = &status.settings;
            if status.missing.is_empty() {
                outln!(
                    "e-mail alerts go to {} from {} through {}:{} ({})",
                    e.to.join(", "),
                    e.from,
                    e.smtp_host,
                    e.smtp_port,
                    e.security.as_str()
                );
            } else {
                outln!("e-mail is not set up: set {}", status.missing.join(", "));
            }
            match (status.password_stored, status.keyring_error) {
                (Some(true), _) => outln!("a password is stored in the OS keyring"),
                (_, Some(err)) => outln!("{err}"),
                _ => outln!("no password is stored"),
            }
        }
        // Routed to `run`, which has the engine that sends.
        EmailCmd::Test => return Err(Error::Internal("email test needs the engine".into())),
    }
    Ok(())
}

pub async fn run(engine: &Engine, cmd: EmailCmd) -> Result<(), Error> {
    match cmd {
        EmailCmd::Test => {
            let to = engine.email_test().await?;
            outln!("sent a test e-mail to {}", to.join(", "));
            Ok(())
        }
        other => run_offline(&engine.settings(), other).await,
    }
}
