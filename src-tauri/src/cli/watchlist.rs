//! `coinlytics watchlist add|rm|ls`.

use clap::Subcommand;
use coinlytics_engine::Engine;

use super::{CmdResult, fail};

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

pub async fn run(engine: &Engine, cmd: WatchlistCmd) -> CmdResult {
    match cmd {
        WatchlistCmd::Add { coins } => {
            for name in coins {
                let (coin, added) = engine.watchlist_add(&name).await.map_err(|e| fail(e, 1))?;
                let what = if added { "added" } else { "already watching" };
                println!(
                    "{what} {} ({}, {})",
                    coin.name,
                    coin.symbol.to_ascii_uppercase(),
                    coin.id
                );
            }
        }
        WatchlistCmd::Rm { coins } => {
            for name in coins {
                match engine.watchlist_remove(&name).map_err(|e| fail(e, 1))? {
                    Some(coin) => println!("removed {} ({})", coin.name, coin.id),
                    None => return Err(fail(format!("'{name}' is not in the watchlist"), 1)),
                }
            }
        }
        WatchlistCmd::Ls { json } => {
            let list = engine.watchlist().map_err(|e| fail(e, 1))?;
            if json {
                let v = serde_json::to_string(&list).map_err(|e| fail(e, 1))?;
                println!("{v}");
            } else if list.is_empty() {
                println!(
                    "The watchlist is empty; add coins with `coinlytics watchlist add bitcoin`."
                );
            } else {
                for (i, c) in list.iter().enumerate() {
                    println!(
                        "{:>3}  {:<6} {:<24} {}",
                        i + 1,
                        c.symbol.to_ascii_uppercase(),
                        c.name,
                        c.id
                    );
                }
            }
        }
    }
    Ok(())
}
