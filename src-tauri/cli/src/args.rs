//! Arguments more than one command takes: the global flags (from the
//! engine's settings table) and the choice of coins to show.

use std::path::PathBuf;

use clap::{Arg, ArgAction, ArgMatches, Args as ClapArgs, FromArgMatches};
use coinlytics_engine::Error;
use coinlytics_engine::config::{Key, Overrides, SETTINGS};
use coinlytics_engine::model::CoinId;

/// Flags every command accepts: the config file, and each setting marked
/// `flag` in the engine's settings table (`--data-dir`, `--currency`, …),
/// which overrides the setting of the same name. Their names and help come
/// from that table, so a setting is described in one place.
#[derive(Debug, Clone, Default)]
pub struct Globals {
    pub config: Option<PathBuf>,
    pub values: Vec<(Key, String)>,
}

impl Globals {
    pub fn overrides(&self) -> Overrides {
        Overrides {
            config_file: self.config.clone(),
            values: self.values.clone(),
        }
    }
}

impl FromArgMatches for Globals {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let mut g = Globals {
            config: m.get_one::<PathBuf>("config").cloned(),
            values: Vec::new(),
        };
        for s in SETTINGS.iter().filter(|s| s.flag) {
            if let Some(v) = m.get_one::<String>(s.name) {
                g.values.push((s.key, v.clone()));
            }
        }
        Ok(g)
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl ClapArgs for Globals {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        let config = Arg::new("config")
            .long("config")
            .global(true)
            .value_name("FILE")
            .value_parser(clap::value_parser!(PathBuf))
            .help(format!(
                "Config file to use [env: {}]",
                coinlytics_engine::config::CONFIG_ENV
            ));
        SETTINGS
            .iter()
            .filter(|s| s.flag)
            .fold(cmd.arg(config), |cmd, s| {
                cmd.arg(
                    Arg::new(s.name)
                        .long(s.flag_name())
                        .global(true)
                        .action(ArgAction::Set)
                        .value_name(s.name.to_ascii_uppercase())
                        .help(format!(
                            "{}: {} [env: {}]",
                            capitalised(s.help),
                            s.kind.allowed(),
                            s.env
                        )),
                )
            })
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Which coins to show: `--coins` or `--top`, else the watchlist.
#[derive(ClapArgs, Debug, Clone)]
pub struct Pick {
    /// Coins to show (ids or symbols, comma-separated); default: the watchlist, or the top coins
    #[arg(long, value_delimiter = ',', value_name = "COINS")]
    coins: Vec<String>,
    /// Show the top N coins by market cap
    #[arg(long, value_name = "N", conflicts_with = "coins")]
    top: Option<u32>,
}

impl Pick {
    /// The engine's typed form; a malformed coin name is bad input.
    pub fn parse(&self) -> Result<coinlytics_engine::app::market::Pick, Error> {
        use coinlytics_engine::app::market::Pick as P;
        if let Some(n) = self.top {
            return Ok(P::Top(n));
        }
        let coins = (self.coins.iter().filter(|c| !c.trim().is_empty()))
            .map(|c| CoinId::parse(c))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(if coins.is_empty() {
            P::Default
        } else {
            P::Coins(coins)
        })
    }
}
