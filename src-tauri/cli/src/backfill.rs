//! `coinlytics backfill`: fetch coins' past prices into the local history.

use clap::Args;
use coinlytics_engine::app::history::{BackfillQuery, Fetched, Progress};
use coinlytics_engine::model::{CoinId, Range};
use coinlytics_engine::{Engine, Error, format};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Args, Debug)]
pub struct BackfillArgs {
    /// Coins to fill (ids or symbols, comma-separated); default: the watchlist
    #[arg(long, value_delimiter = ',', value_name = "COINS")]
    coins: Vec<String>,
    /// How far back: 1d, 7d, 30d, 90d, 1y or max (the free API gives a year)
    #[arg(long, default_value = "1y")]
    range: String,
}

pub async fn run(engine: &Engine, args: BackfillArgs) -> Result<(), Error> {
    let query = BackfillQuery {
        coins: (args.coins.iter().filter(|c| !c.trim().is_empty()))
            .map(|c| CoinId::parse(c))
            .collect::<Result<_, _>>()?,
        currency: None,
        range: Range::parse(&args.range)?,
    };
    // A script sees the summary.
    let bar = progress_bar();
    let report = engine.backfill(&query, |p| show(&bar, p)).await;
    bar.finish_and_clear();
    let report = report.map_err(|e| match e {
        Error::Provider(p) => Error::NotFound(format!(
            "{p}; what was fetched is kept, and running it again resumes"
        )),
        e => e,
    })?;
    outln!(
        "Backfilled {} over {}: {} requests, {} points{}.",
        if query.coins.is_empty() {
            "the watchlist".to_string()
        } else {
            format!("{} coins", query.coins.len())
        },
        query.range.as_str(),
        report.calls,
        report.points,
        if report.skipped > 0 {
            format!(", {} steps skipped (done recently)", report.skipped)
        } else {
            String::new()
        }
    );
    Ok(())
}

/// A backfill's progress bar, drawn on stderr only when it is a terminal
/// (indicatif hides it otherwise), so a script's output stays the same.
fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// One step of a backfill on its bar: steps done, the coin, a wait for
/// the rate limit.
fn show(bar: &ProgressBar, p: &Progress) {
    bar.set_length(u64::from(p.total));
    bar.set_position(u64::from(p.done));
    let coin = format::printable(&p.coin_id).into_owned();
    bar.set_message(match p.waiting_secs {
        Some(s) => format!("{coin}: rate limited, waiting {s} s"),
        None => format!("{coin}: fetching its history"),
    });
}

/// Before `history` or `compare` shows `coins` over `range`: fetches what
/// their stored history lacks (the engine decides what that is), with the
/// backfill's bar on a terminal. Offline, or refused, it says on stderr
/// that only the stored history is shown, and why, and carries on.
pub async fn fetch_missing(
    engine: &Engine,
    coins: &[CoinId],
    range: Range,
) -> Result<Fetched, Error> {
    let query = BackfillQuery {
        coins: coins.to_vec(),
        currency: None,
        range,
    };
    let bar = progress_bar();
    let fetched = engine.fetch_missing(&query, |p| show(&bar, p)).await;
    bar.finish_and_clear();
    let fetched = fetched?;
    if let Some(why) = &fetched.failed {
        errln!(
            "could not fetch the missing history of {} over {} ({why}); showing what is stored",
            fetched.coins.join(", "),
            range.as_str()
        );
    }
    Ok(fetched)
}
