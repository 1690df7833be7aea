//! `coinlytics`: the one command a user types. With no subcommand it starts
//! the window (`coinlytics-desktop`, found beside this binary); every
//! subcommand runs the engine headless. This crate links no GUI library, so
//! a server can run `coinlytics monitor` without WebKitGTK installed.
//!
//! Each subcommand parses its arguments into the engine's typed input,
//! calls one action of the application layer (`coinlytics_engine::app`),
//! and renders the result; an error is printed as one line and becomes the
//! exit code its kind says.

// Lines go through `out` (outln!, errln!), which makes text from outside
// safe for a terminal.
#![deny(clippy::print_stdout, clippy::print_stderr)]

#[macro_use]
mod out;

mod alerts;
mod api;
mod apikey;
mod args;
mod backfill;
mod channel;
mod compare;
mod config;
mod convert;
mod desktop;
mod docs;
mod email;
mod history;
mod monitor;
mod portfolio;
mod prices;
mod secret;
mod serve;
mod sources;
mod table;
mod watch;
mod watchlist;

use std::process::ExitCode;
use std::sync::Arc;

use clap::{CommandFactory, Parser, Subcommand};
use coinlytics_engine::app::logging::{self, LogGuard, Stderr};
use coinlytics_engine::app::settings::Settings;
use coinlytics_engine::{Engine, Error};

use args::{Globals, Pick};

/// "0.1.0 (a1b2c3d)": the release and the commit it was built from.
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("COINLYTICS_COMMIT"),
    ")"
);

const EXIT_CODES: &str = "Exit codes: 0 done; 1 nothing to show, or it failed (offline with \
nothing stored, the keyring or database unavailable); 2 bad input (an unknown coin or setting, \
a value out of range); 3 already running (another monitor watches the alerts).";

/// Coinlytics — a fast, private cryptocurrency tracker.
///
/// With no command, opens the desktop window. Commands run without a display.
/// Settings come from the config file, COINLYTICS_* environment variables and
/// the flags below, in increasing precedence (`coinlytics config get` lists them).
#[derive(Parser, Debug)]
#[command(name = "coinlytics", version = VERSION, after_help = EXIT_CODES)]
pub struct Args {
    #[command(flatten)]
    pub globals: Globals,
    /// Start in the tray with the window hidden (how Coinlytics starts at login)
    #[arg(long)]
    pub hidden: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Live terminal ticker: price, 1h/24h change, market cap, volume. q or Ctrl-C quits.
    Watch(watch::WatchArgs),
    /// Print prices once, for people or scripts (exit 0 even if stale; 1 if nothing to show)
    Prices {
        /// Print a JSON array instead of a table
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        pick: Pick,
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
    /// Fetch coins' past prices into the local history (resumes where it stopped)
    Backfill(backfill::BackfillArgs),
    /// Compare up to 5 coins: return, volatility, drawdown, Sharpe-like ratio, correlation
    Compare(compare::CompareArgs),
    /// Convert an amount between coins and currencies (e.g. `convert 1.5 eth eur`)
    Convert(convert::ConvertArgs),
    /// A coin's stored price history (candles) over a range
    History(history::HistoryArgs),
    /// The local portfolio: transactions, holdings, cost basis and P&L, what-if
    #[command(subcommand)]
    Portfolio(portfolio::PortfolioCmd),
    /// Run the alert monitor without a window (notifications and e-mails); Ctrl-C stops
    Monitor,
    /// E-mail for alerts: the SMTP password (in the OS keyring) and a test message
    #[command(subcommand)]
    Email(email::EmailCmd),
    /// Where alerts go besides the desktop and e-mail (ntfy): add, ls, test, rm
    #[command(subcommand)]
    Channel(channel::ChannelCmd),
    /// Price sources (CoinGecko, Binance, Kraken, Coinbase): state, latency, errors, budget; compare a coin across them
    Sources(sources::SourcesArgs),
    /// Serve the local API (REST under /api/v1) on 127.0.0.1; Ctrl-C stops
    Serve(serve::ServeArgs),
    /// The local API's tokens: create, ls, revoke
    #[command(subcommand)]
    Api(api::ApiCmd),
    /// Print the completion script of a shell (bash, zsh, fish, elvish, powershell)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page coinlytics(1); with --dir, write it and one per command there
    Man {
        /// Write every page (coinlytics.1, coinlytics-portfolio.1, …) into this directory
        #[arg(long, value_name = "DIR")]
        dir: Option<std::path::PathBuf>,
    },
}

fn main() -> ExitCode {
    coinlytics_engine::app::memory::limit_malloc_arenas();
    let args = Args::parse();
    let result = match args.command {
        None => desktop::start(&args.globals, args.hidden),
        // What the CLI is made of: no settings, data or network.
        Some(Command::Completions { shell }) => docs::completions(Args::command(), shell),
        Some(Command::Man { dir }) => docs::man(Args::command(), dir.as_deref()),
        Some(command) => run(&args.globals, command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            errln!("coinlytics: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn run(globals: &Globals, command: Command) -> Result<(), Error> {
    let settings = Settings::load(&globals.overrides())?;
    let stderr = match command {
        Command::Watch { .. } => Stderr::Off,
        // A service's log: warnings too (a failed delivery, a lost keyring).
        Command::Monitor | Command::Serve(_) => Stderr::Warnings,
        _ => Stderr::Errors,
    };
    // The terminal ticker waits on the network and the keyboard: one
    // thread runs it all, and each worker more would cost its stack and
    // allocator arena in a process measured by its resident size.
    let mut runtime = if matches!(command, Command::Watch { .. }) {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(2);
        builder
    };
    let runtime = runtime
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async move {
        match command {
            // Settings and keyring commands need neither the database nor
            // the network.
            Command::Config(cmd) if !cmd.needs_engine() => config::run_offline(settings, cmd),
            Command::ApiKey(cmd) => apikey::run(settings, cmd),
            Command::Email(cmd) if !cmd.needs_engine() => email::run_offline(&settings, cmd).await,
            command => {
                let _logs: LogGuard = logging::init(&settings, stderr);
                let engine = Arc::new(Engine::open(settings)?);
                if let Some(w) = &engine.key_warning {
                    errln!("coinlytics: warning: {w}");
                }
                match command {
                    Command::Watch(args) => watch::run(engine, args).await,
                    Command::Prices { json, pick } => prices::run(&engine, json, pick).await,
                    Command::Watchlist(cmd) => watchlist::run(&engine, cmd).await,
                    Command::Alerts(cmd) => alerts::run(&engine, cmd).await,
                    Command::History(args) => history::run(&engine, args).await,
                    Command::Convert(args) => convert::run(&engine, args).await,
                    Command::Compare(args) => compare::run(&engine, args).await,
                    Command::Backfill(args) => backfill::run(&engine, args).await,
                    Command::Portfolio(cmd) => portfolio::run(&engine, cmd).await,
                    Command::Monitor => monitor::run(engine).await,
                    Command::Serve(args) => serve::run(engine, args).await,
                    Command::Api(cmd) => api::run(&engine, cmd),
                    Command::Email(cmd) => email::run(&engine, cmd).await,
                    Command::Channel(cmd) => channel::run(&engine, cmd).await,
                    Command::Sources(args) => sources::run(&engine, args).await,
                    Command::Config(cmd) => config::run(&engine, cmd).await,
                    Command::ApiKey(cmd) => apikey::run(engine.settings(), cmd),
                    // Answered in main, before the settings load.
                    Command::Completions { shell } => docs::completions(Args::command(), shell),
                    Command::Man { dir } => docs::man(Args::command(), dir.as_deref()),
                }
            }
        }
    })
}
