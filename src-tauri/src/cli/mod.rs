//! The headless subcommands. Each builds the engine from the settings, does
//! its work, and turns an engine error into one clear line on stderr.

mod alerts;
mod apikey;
mod config;
mod email;
mod monitor;
mod prices;
mod table;
mod watch;
mod watchlist;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args as ClapArgs, Parser, Subcommand};
use coinlytics_engine::Engine;
use coinlytics_engine::config::{Overrides, Settings};
use coinlytics_engine::logging::{self, LogGuard, Stderr};
use coinlytics_engine::model::{QuoteRequest, Selection};

/// Coinlytics — a fast, private cryptocurrency tracker.
///
/// With no command, opens the desktop window. Commands run without a display.
/// Settings come from the config file, COINLYTICS_* environment variables and
/// the flags below, in increasing precedence (`coinlytics config get` lists them).
#[derive(Parser, Debug)]
#[command(name = "coinlytics", version, about, long_about)]
pub struct Args {
    #[command(flatten)]
    pub globals: Globals,
    /// Start in the tray with the window hidden (how Coinlytics starts at login)
    #[arg(long)]
    pub hidden: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags every command accepts; each overrides the setting of the same name.
#[derive(ClapArgs, Debug, Clone, Default)]
pub struct Globals {
    /// Config file to use [env: COINLYTICS_CONFIG]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Directory of the database and logs [env: COINLYTICS_DATA_DIR]
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Currency to quote prices in, e.g. usd, eur [env: COINLYTICS_CURRENCY]
    #[arg(long, global = true, value_name = "CODE")]
    pub currency: Option<String>,
    /// Seconds between refreshes (at least 5) [env: COINLYTICS_REFRESH_SECS]
    #[arg(long, global = true, value_name = "SECS")]
    pub refresh_secs: Option<String>,
    /// Base URL of the CoinGecko API [env: COINLYTICS_COINGECKO_URL]
    #[arg(long, global = true, value_name = "URL")]
    pub coingecko_url: Option<String>,
    /// Log level: error, warn, info, debug, trace [env: COINLYTICS_LOG_LEVEL]
    #[arg(long, global = true, value_name = "LEVEL")]
    pub log_level: Option<String>,
}

impl Globals {
    pub fn overrides(&self) -> Overrides {
        let mut values = Vec::new();
        let mut push = |key: &'static str, v: Option<String>| {
            if let Some(v) = v {
                values.push((key, v));
            }
        };
        push(
            "data_dir",
            self.data_dir.as_ref().map(|p| p.display().to_string()),
        );
        push("currency", self.currency.clone());
        push("refresh_secs", self.refresh_secs.clone());
        push("coingecko_url", self.coingecko_url.clone());
        push("log_level", self.log_level.clone());
        Overrides {
            config_file: self.config.clone(),
            values,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Live terminal ticker: price, 1h/24h change, market cap, volume. q or Ctrl-C quits.
    Watch {
        /// Coins to show (ids or symbols, comma-separated); default: the watchlist, or the top coins
        #[arg(long, value_delimiter = ',', value_name = "COINS")]
        coins: Vec<String>,
        /// Show the top N coins by market cap
        #[arg(long, value_name = "N", conflicts_with = "coins")]
        top: Option<u32>,
    },
    /// Print prices once, for people or scripts (exit 0 even if stale; 1 if nothing to show)
    Prices {
        /// Print a JSON array instead of a table
        #[arg(long)]
        json: bool,
        /// Coins to show (ids or symbols, comma-separated); default: the watchlist, or the top coins
        #[arg(long, value_delimiter = ',', value_name = "COINS")]
        coins: Vec<String>,
        /// Show the top N coins by market cap
        #[arg(long, value_name = "N", conflicts_with = "coins")]
        top: Option<u32>,
    },
    /// Manage the watchlist
    #[command(subcommand)]
    Watchlist(watchlist::WatchlistCmd),
    /// Read and write settings
    #[command(subcommand)]
    Config(config::ConfigCmd),
    /// Store or remove the CoinGecko API key in the OS keyring
    #[command(subcommand, name = "api-key")]
    ApiKey(apikey::ApiKeyCmd),
    /// Manage price alerts and read what fired
    #[command(subcommand)]
    Alerts(alerts::AlertsCmd),
    /// Run the alert monitor without a window (notifications and e-mails); Ctrl-C stops
    Monitor,
    /// E-mail for alerts: the SMTP password (in the OS keyring) and a test message
    #[command(subcommand)]
    Email(email::EmailCmd),
}

/// A failure already explained to the user; carries the exit code.
pub struct Exit(pub u8);

pub type CmdResult = Result<(), Exit>;

/// Prints `e` as the user's one line of explanation and fails with `code`.
pub fn fail(e: impl std::fmt::Display, code: u8) -> Exit {
    eprintln!("coinlytics: {e}");
    Exit(code)
}

pub fn run(globals: &Globals, command: Command) -> ExitCode {
    let settings = match Settings::load(&globals.overrides()) {
        Ok(s) => s,
        Err(e) => return ExitCode::from(fail(e, 2).0),
    };
    let result = match command {
        // Settings and keyring commands need neither the database nor the network.
        Command::Config(cmd) => config::run(settings, cmd),
        Command::ApiKey(cmd) => apikey::run(settings, cmd),
        Command::Email(cmd) if !matches!(cmd, email::EmailCmd::Test) => {
            email::run_offline(&cmd, &settings)
        }
        other => run_with_engine(settings, other),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Exit(code)) => ExitCode::from(code),
    }
}

fn run_with_engine(settings: Settings, command: Command) -> CmdResult {
    let stderr = match command {
        Command::Watch { .. } => Stderr::Off,
        // A service's log: warnings too (a failed delivery, a lost keyring).
        Command::Monitor => Stderr::Warnings,
        _ => Stderr::Errors,
    };
    let _logs: LogGuard = logging::init(&settings, stderr);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| fail(format!("cannot start the async runtime: {e}"), 1))?;
    runtime.block_on(async move {
        let engine = Arc::new(Engine::open(settings).map_err(|e| fail(e, 1))?);
        if let Some(w) = &engine.key_warning {
            eprintln!("coinlytics: warning: {w}");
        }
        match command {
            Command::Watch { coins, top } => watch::run(engine, coins, top).await,
            Command::Prices { json, coins, top } => prices::run(&engine, json, coins, top).await,
            Command::Watchlist(cmd) => watchlist::run(&engine, cmd).await,
            Command::Alerts(cmd) => alerts::run(&engine, cmd).await,
            Command::Monitor => monitor::run(engine).await,
            Command::Email(_) => email::test(&engine).await,
            Command::Config(_) | Command::ApiKey(_) => unreachable!("handled without the engine"),
        }
    })
}

/// The request `--coins`/`--top` describe, or the engine's default.
pub async fn request_for(
    engine: &Engine,
    coins: &[String],
    top: Option<u32>,
) -> Result<QuoteRequest, Exit> {
    let currency = engine.settings().currency;
    if let Some(n) = top {
        if n == 0 || n > 1000 {
            return Err(fail(format!("--top must be from 1 to 1000, not {n}"), 2));
        }
        return Ok(QuoteRequest {
            selection: Selection::Top(n),
            currency,
        });
    }
    if coins.is_empty() {
        return engine.default_request().map_err(|e| fail(e, 1));
    }
    let mut ids = Vec::with_capacity(coins.len());
    for c in coins.iter().filter(|c| !c.trim().is_empty()) {
        ids.push(resolve_or_accept(engine, c).await?);
    }
    Ok(QuoteRequest {
        selection: Selection::Coins(ids),
        currency,
    })
}

/// Resolves a coin the user named. When the coin list cannot be fetched
/// (offline), a lower-case name is taken as an id so stored prices can
/// still be shown.
async fn resolve_or_accept(engine: &Engine, name: &str) -> Result<String, Exit> {
    match engine.market.resolve_coin(name).await {
        Ok(c) => Ok(c.id),
        Err(coinlytics_engine::Error::Provider(e)) => {
            tracing::warn!(error = %e, coin = name, "coin list unavailable; using the name as an id");
            Ok(name.trim().to_ascii_lowercase())
        }
        Err(e) => Err(fail(e, 2)),
    }
}
