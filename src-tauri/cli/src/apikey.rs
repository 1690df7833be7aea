//! `coinlytics api-key set|clear|status`: the CoinGecko API key lives only
//! in the OS keyring; the config file records just its plan.

use std::io::Read;

use clap::{Subcommand, ValueEnum};
use coinlytics_engine::Error;
use coinlytics_engine::app::settings::{api_key_plan, clear_api_key, store_api_key};
use coinlytics_engine::config::{ApiPlan, Settings};

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

pub fn run(mut settings: Settings, cmd: ApiKeyCmd) -> Result<(), Error> {
    match cmd {
        ApiKeyCmd::Set { plan } => {
            let plan = match plan {
                Plan::Demo => ApiPlan::Demo,
                Plan::Pro => ApiPlan::Pro,
            };
            store_api_key(&mut settings, plan, &read_stdin("the key")?)?;
            outln!(
                "stored the CoinGecko {} API key in the OS keyring",
                plan.as_str()
            );
        }
        ApiKeyCmd::Clear => {
            let removed = clear_api_key(&mut settings)?;
            outln!(
                "{}",
                if removed {
                    "removed the API key"
                } else {
                    "no API key was stored"
                }
            );
        }
        ApiKeyCmd::Status => match api_key_plan(&settings)? {
            Some(plan) => outln!("an API key is stored (plan: {})", plan.as_str()),
            None => outln!("no API key is stored; using the keyless API"),
        },
    }
    Ok(())
}

/// All of standard input: where secrets are typed or piped, never a flag.
pub fn read_stdin(what: &str) -> Result<String, Error> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| Error::Internal(format!("cannot read {what} from standard input: {e}")))?;
    Ok(input)
}
