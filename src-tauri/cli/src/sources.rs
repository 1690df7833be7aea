//! `coinlytics sources`: each price source's state, last success, latency
//! and errors, and the CoinGecko budget of the last minute (after asking
//! every source once for the watchlist); `sources compare COIN`: the coin's
//! price on each source and its spread from the median.

use chrono::Utc;
use clap::{Args, Subcommand};
use coinlytics_engine::model::CoinId;
use coinlytics_engine::{Engine, Error, format};

use crate::out::print_json;

#[derive(Args, Debug)]
pub struct SourcesArgs {
    /// Print JSON instead of a table
    #[arg(long)]
    json: bool,
    #[command(subcommand)]
    cmd: Option<SourcesCmd>,
}

#[derive(Subcommand, Debug)]
enum SourcesCmd {
    /// A coin's price on each source and its spread from the median of the fresh ones
    Compare {
        /// The coin (id or symbol)
        coin: String,
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(engine: &Engine, args: SourcesArgs) -> Result<(), Error> {
    match args.cmd {
        None => health(engine, args.json).await,
        Some(SourcesCmd::Compare { coin, json }) => compare(engine, &coin, json || args.json).await,
    }
}

async fn health(engine: &Engine, json: bool) -> Result<(), Error> {
    let report = engine.probe_sources().await?;
    if json {
        return print_json(&report);
    }
    let now = Utc::now();
    outln!(
        "{:<10} {:<24} {:>13} {:>8} {:>7} {:>9}",
        "SOURCE",
        "STATE",
        "LAST SUCCESS",
        "LATENCY",
        "ERRORS",
        "HELD BACK"
    );
    for s in &report.sources {
        let h = &s.health;
        let last = h.last_success.map_or("never".to_string(), |t| {
            format!("{} ago", format::age((now - t).num_seconds()))
        });
        let latency = h
            .latency_ms
            .map_or("—".to_string(), |ms| format!("{ms} ms"));
        outln!(
            "{:<10} {:<24} {:>13} {:>8} {:>7} {:>9}",
            s.name,
            s.state_label,
            last,
            latency,
            h.errors,
            h.held_back
        );
        if let Some(e) = &h.last_error {
            outln!("           last error: {e}");
        }
    }
    outln!(
        "CoinGecko requests in the last minute: {} of {}",
        report.coingecko_used,
        report.coingecko_limit
    );
    Ok(())
}

async fn compare(engine: &Engine, coin: &str, json: bool) -> Result<(), Error> {
    let coin = CoinId::parse(coin)?;
    engine.probe_coin(&coin).await?;
    let cmp = engine.compare_sources(&coin).await?;
    if json {
        return print_json(&cmp);
    }
    if cmp.prices.is_empty() {
        return Err(Error::NotFound(format!(
            "no source has a price of {} now",
            cmp.coin_id
        )));
    }
    outln!(
        "{:<10} {:>16} {:>9} {:>6}",
        "SOURCE",
        "PRICE",
        "SPREAD",
        "AGE"
    );
    for p in &cmp.prices {
        let spread = p
            .spread_pct
            .map_or("—".to_string(), |v| format!("{v:+.3} %"));
        let stale = if p.fresh { "" } else { "  stale" };
        outln!(
            "{:<10} {:>16} {:>9} {:>6}{stale}",
            p.name,
            format::price(p.price, &cmp.currency),
            spread,
            format::age(p.age_secs)
        );
    }
    if let Some(m) = cmp.median {
        let widest = cmp
            .spread_pct
            .map_or("—".to_string(), |v| format!("{v:.3} %"));
        outln!(
            "median {}, widest spread {widest}",
            format::price(m, &cmp.currency)
        );
    }
    Ok(())
}
