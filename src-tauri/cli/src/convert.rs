//! `coinlytics convert 1.5 eth eur`: any coin or currency into another.

use clap::Args;
use coinlytics_engine::app::convert::ConvertQuery;
use coinlytics_engine::{Engine, Error};
use serde_json::json;

use crate::out::print_json;

#[derive(Args, Debug)]
pub struct ConvertArgs {
    /// How much, e.g. 1.5
    amount: String,
    /// From: a coin (id or symbol) or a currency code, e.g. eth
    from: String,
    /// To: a coin or a currency code, e.g. eur
    to: String,
    /// Print JSON: amount, from, to, result, rate (decimal strings), as_of, age_secs, stale, source
    #[arg(long)]
    json: bool,
}

pub async fn run(engine: &Engine, args: ConvertArgs) -> Result<(), Error> {
    let c = engine
        .convert(&ConvertQuery {
            amount: args.amount,
            from: args.from,
            to: args.to,
        })
        .await?;
    if args.json {
        return print_json(&json!({
            "amount": c.amount.to_string(),
            "from": c.from.code.to_ascii_lowercase(),
            "to": c.to.code.to_ascii_lowercase(),
            "result": c.result.to_string(),
            "rate": c.rate.to_string(),
            "as_of": c.as_of.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "age_secs": c.age_secs,
            "stale": c.stale,
            "source": c.source,
        }));
    }
    outln!("{}", c.text);
    outln!(
        "{} · {} · {} old{}",
        c.rate_text,
        c.source,
        c.age,
        if c.stale { " (stale)" } else { "" }
    );
    Ok(())
}
