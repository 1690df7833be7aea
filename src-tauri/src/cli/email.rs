//! `coinlytics email set-password|clear-password|status|test`: the SMTP
//! password lives only in the OS keyring; the other e-mail settings are
//! `email.*` keys of `coinlytics config`.

use std::io::Read;

use clap::Subcommand;
use coinlytics_engine::Engine;
use coinlytics_engine::secrets::{self, SecretName};

use super::{CmdResult, fail};

#[derive(Subcommand, Debug)]
pub enum EmailCmd {
    /// Read the SMTP password from standard input into the OS keyring
    SetPassword,
    /// Remove the SMTP password from the keyring
    ClearPassword,
    /// Show the e-mail settings and whether a password is stored (never the password)
    Status,
    /// Send a test e-mail with the current settings
    Test,
}

const NAME: SecretName = SecretName::SmtpPassword;

/// The commands that need neither the database nor the network.
pub fn run_offline(cmd: &EmailCmd, settings: &coinlytics_engine::config::Settings) -> CmdResult {
    match cmd {
        EmailCmd::SetPassword => {
            let mut input = String::new();
            std::io::stdin().read_to_string(&mut input).map_err(|e| {
                fail(
                    format!("cannot read the password from standard input: {e}"),
                    1,
                )
            })?;
            // One line: a trailing newline from `echo` is not part of it.
            let password = input.strip_suffix('\n').unwrap_or(&input);
            let password = password.strip_suffix('\r').unwrap_or(password);
            if password.is_empty() || password.contains('\n') || password.len() > 1000 {
                return Err(fail(
                    "expected the password as one line on standard input",
                    2,
                ));
            }
            secrets::set(NAME, password).map_err(|e| fail(e, 1))?;
            println!("stored the SMTP password in the OS keyring");
        }
        EmailCmd::ClearPassword => {
            let removed = secrets::delete(NAME).map_err(|e| fail(e, 1))?;
            println!(
                "{}",
                if removed {
                    "removed the SMTP password"
                } else {
                    "no SMTP password was stored"
                }
            );
        }
        EmailCmd::Status => {
            let e = &settings.email;
            if e.is_configured() {
                println!(
                    "e-mail alerts go to {} from {} through {}:{} ({})",
                    e.to.join(", "),
                    e.from,
                    e.smtp_host,
                    e.smtp_port,
                    e.security.as_str()
                );
            } else {
                println!("e-mail is not set up: set {}", e.missing().join(", "));
            }
            let stored = match secrets::get(NAME) {
                Ok(Some(_)) => "a password is stored in the OS keyring".to_string(),
                Ok(None) => "no password is stored".to_string(),
                Err(err) => err.to_string(),
            };
            println!("{stored}");
        }
        EmailCmd::Test => unreachable!("needs the engine"),
    }
    Ok(())
}

pub async fn test(engine: &Engine) -> CmdResult {
    let mailer = engine.mailer().map_err(|e| fail(e, 1))?;
    mailer.send_test().await.map_err(|e| fail(e, 1))?;
    println!(
        "sent a test e-mail to {}",
        engine.settings().email.to.join(", ")
    );
    Ok(())
}
