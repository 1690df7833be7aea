//! `coinlytics history`: a coin's candles over a range, in equal buckets,
//! from the local history after fetching what it lacks of the range.

use chrono::DateTime;
use clap::Args;
use coinlytics_engine::app::history::HistoryQuery;
use coinlytics_engine::model::{CoinId, MAX_POINTS, Range};
use coinlytics_engine::{Engine, Error, format};

use crate::out::print_json;

#[derive(Args, Debug)]
pub struct HistoryArgs {
    /// The coin (id or symbol)
    coin: String,
    /// How far back: 1d, 7d, 30d, 90d, 1y or max
    #[arg(long, default_value = "30d")]
    range: String,
    #[arg(long, help = format!("At most this many candles (1 to {MAX_POINTS})"))]
    points: Option<u32>,
    /// Candles of the range's usual width (30 min for 1d, 4 h up to 30d, a day for 90d, a week beyond), not the most points
    #[arg(long, conflicts_with = "points")]
    candles: bool,
    /// Print a JSON array of {t, open, high, low, close, volume}; t in unix ms
    #[arg(long)]
    json: bool,
}

pub async fn run(engine: &Engine, args: HistoryArgs) -> Result<(), Error> {
    let query = HistoryQuery {
        coin: CoinId::parse(&args.coin)?,
        currency: None,
        range: Range::parse(&args.range)?,
        points: args.points,
        candles: args.candles,
    };
    query.check()?;
    // What the store lacks of the range is fetched first (a coin never
    // backfilled has only its refreshes), then the whole range is shown.
    let fetched =
        crate::backfill::fetch_missing(engine, std::slice::from_ref(&query.coin), query.range)
            .await?;
    let history = engine.history(&query).await?;
    if history.candles.is_empty() {
        let why = match &fetched.failed {
            Some(why) => format!("and it could not be fetched: {why}"),
            None => "and the price source has none".to_string(),
        };
        return Err(Error::NotFound(format!(
            "no history stored for {} in {} over {}, {why}",
            history.coin.id,
            history.currency,
            history.range.as_str(),
        )));
    }
    if args.json {
        return print_json(&history.candles);
    }
    let time_format = if history.resolution_secs >= 86_400 {
        "%Y-%m-%d"
    } else {
        "%Y-%m-%d %H:%M"
    };
    let cur = &history.currency;
    outln!(
        "{:<16}  {:>14}  {:>14}  {:>14}  {:>14}  {:>12}",
        "TIME (UTC)",
        "OPEN",
        "HIGH",
        "LOW",
        "CLOSE",
        "VOLUME 24H"
    );
    for c in &history.candles {
        let time = DateTime::from_timestamp_millis(c.t).unwrap_or_default();
        outln!(
            "{:<16}  {:>14}  {:>14}  {:>14}  {:>14}  {:>12}",
            time.format(time_format).to_string(),
            format::price(c.open, cur),
            format::price(c.high, cur),
            format::price(c.low, cur),
            format::price(c.close, cur),
            format::compact(c.volume, cur)
        );
    }
    Ok(())
}
