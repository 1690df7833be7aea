//! `coinlytics history`: a coin's stored candles over a range.

use chrono::DateTime;
use clap::Args;
use coinlytics_engine::app::history::HistoryQuery;
use coinlytics_engine::model::{CoinId, Range};
use coinlytics_engine::{Engine, Error, format};

use crate::out::print_json;

#[derive(Args, Debug)]
pub struct HistoryArgs {
    /// The coin (id or symbol)
    coin: String,
    /// How far back: 1d, 7d, 30d, 90d, 1y or max
    #[arg(long, default_value = "30d")]
    range: String,
    /// At most this many candles (1 to 2000)
    #[arg(long)]
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
    let history = engine.history(&query).await?;
    if history.candles.is_empty() {
        return Err(Error::NotFound(format!(
            "no history stored for {} in {} over {}; `coinlytics backfill --coins {}` fetches it",
            history.coin.id,
            history.currency,
            history.range.as_str(),
            history.coin.id
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
