//! `coinlytics api-key set|clear|status`: the CoinGecko API key lives only
//! in the OS keyring; the config file records just its plan.

use clap::{Subcommand, ValueEnum};
use coinlytics_engine::Error;
use coinlytics_engine::app::settings::{ApiPlan, Settings};
use coinlytics_engine::app::settings::{api_key_plan, clear_api_key, store_api_key};

use crate::secret::read_secret;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Plan {
    Demo,
    Pro,
}

#[derive(Subcommand, Debug)]
pub enum ApiKeyCmd {
    /// Read the key from standard input (typed hidden, or piped) into the OS keyring
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
            let key = read_secret("the CoinGecko API key")?;
            store_api_key(&mut settings, plan, key.expose())?;
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
