//! `coinlytics api-key set|clear|status`: the CoinGecko API key lives only
//! in the OS keyring; the config file records just its plan.

use std::io::Read;

use clap::{Subcommand, ValueEnum};
use coinlytics_engine::config::Settings;
use coinlytics_engine::secrets::{self, SecretName};

use super::{CmdResult, fail};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Plan {
    Demo,
    Pro,
}

#[derive(Subcommand, Debug)]
pub enum ApiKeyCmd {
    /// Read the key from standard input and store it in the OS keyring
    Set {
        /// The CoinGecko plan the key belongs to
        #[arg(long, value_enum, default_value = "demo")]
        plan: Plan,
    },
    /// Remove the key from the keyring and use the keyless API
    Clear,
    /// Say whether a key is stored (never prints it)
    Status,
}

pub fn run(mut settings: Settings, cmd: ApiKeyCmd) -> CmdResult {
    let name = SecretName::CoinGeckoApiKey;
    match cmd {
        ApiKeyCmd::Set { plan } => {
            let mut key = String::new();
            std::io::stdin()
                .read_to_string(&mut key)
                .map_err(|e| fail(format!("cannot read the key from standard input: {e}"), 1))?;
            let key = key.trim();
            if key.is_empty() || key.len() > 200 || key.chars().any(char::is_whitespace) {
                return Err(fail("expected one API key on standard input", 2));
            }
            secrets::set(name, key).map_err(|e| fail(e, 1))?;
            let plan = match plan {
                Plan::Demo => "demo",
                Plan::Pro => "pro",
            };
            settings
                .set_and_save("coingecko_api_plan", plan)
                .map_err(|e| fail(e, 1))?;
            println!("stored the CoinGecko {plan} API key in the OS keyring");
        }
        ApiKeyCmd::Clear => {
            let removed = secrets::delete(name).map_err(|e| fail(e, 1))?;
            settings
                .set_and_save("coingecko_api_plan", "none")
                .map_err(|e| fail(e, 1))?;
            println!(
                "{}",
                if removed {
                    "removed the API key"
                } else {
                    "no API key was stored"
                }
            );
        }
        ApiKeyCmd::Status => match secrets::get(name).map_err(|e| fail(e, 1))? {
            Some(_) => println!(
                "an API key is stored (plan: {})",
                settings.coingecko_api_plan.as_str()
            ),
            None => println!("no API key is stored; using the keyless API"),
        },
    }
    Ok(())
}
