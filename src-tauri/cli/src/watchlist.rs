//! `coinlytics watchlist add|rm|ls`.

use clap::Subcommand;
use coinlytics_engine::model::CoinId;
use coinlytics_engine::{Engine, Error};

use crate::out::print_json;

#[derive(Subcommand, Debug)]
pub enum WatchlistCmd {
    /// Add coins (ids like `bitcoin`, or symbols like `btc`)
    Add {
        #[arg(required = true, value_name = "COIN")]
        coins: Vec<String>,
    },
    /// Remove coins (ids or symbols)
    Rm {
        #[arg(required = true, value_name = "COIN")]
        coins: Vec<String>,
    },
    /// List the watchlist in order
    Ls {
        /// Print a JSON array
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(engine: &Engine, cmd: WatchlistCmd) -> Result<(), Error> {
    match cmd {
        WatchlistCmd::Add { coins } => {
            for name in coins {
                let done = engine.watchlist_add(&CoinId::parse(&name)?).await?;
                let what = if done.added {
                    "added"
                } else {
                    "already watching"
                };
                let c = done.coin;
                outln!(
                    "{what} {} ({}, {})",
                    c.name,
                    c.symbol.to_ascii_uppercase(),
                    c.id
                );
            }
        }
        WatchlistCmd::Rm { coins } => {
            for name in coins {
                let coin = engine.watchlist_remove(&CoinId::parse(&name)?)?;
                outln!("removed {} ({})", coin.name, coin.id);
            }
        }
        WatchlistCmd::Ls { json: true } => print_json(&engine.watchlist()?)?,
        WatchlistCmd::Ls { json: false } => {
            let list = engine.watchlist()?;
            if list.is_empty() {
                outln!(
                    "The watchlist is empty; add coins with `coinlytics watchlist add bitcoin`."
                );
            }
            for (i, c) in list.iter().enumerate() {
                outln!(
                    "{:>3}  {:<6} {:<24} {}",
                    i + 1,
                    c.symbol.to_ascii_uppercase(),
                    c.name,
                    c.id
                );
            }
        }
    }
    Ok(())
}
