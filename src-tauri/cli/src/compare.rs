//! `coinlytics compare btc,eth,sol --range 90d`: returns, risk and
//! correlation of up to five coins from the local history, after fetching
//! what it lacks of the range.

use clap::Args;
use coinlytics_engine::app::compare::CompareQuery;
use coinlytics_engine::model::{CoinId, Range};
use coinlytics_engine::{Engine, Error};

use crate::out::print_json;

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// Up to 5 coins (ids or symbols, comma-separated)
    #[arg(value_delimiter = ',', required = true)]
    coins: Vec<String>,
    /// How far back: 1d, 7d, 30d, 90d, 1y or max
    #[arg(long, default_value = "90d")]
    range: String,
    /// Print JSON: per coin its stats and normalised points, and the correlation matrix
    #[arg(long)]
    json: bool,
}

pub async fn run(engine: &Engine, args: CompareArgs) -> Result<(), Error> {
    let query = CompareQuery {
        coins: (args.coins.iter().filter(|c| !c.trim().is_empty()))
            .map(|c| CoinId::parse(c))
            .collect::<Result<_, _>>()?,
        currency: None,
        range: Range::parse(&args.range)?,
    };
    query.check()?;
    // What the store lacks of the range is fetched first, each coin within
    // the same backfill's budget.
    let fetched = crate::backfill::fetch_missing(engine, &query.coins, query.range).await?;
    let cmp = engine.compare(&query).await?;
    if cmp.series.iter().all(|s| s.points.is_empty()) {
        return Err(Error::NotFound(match &fetched.failed {
            Some(why) => format!(
                "no history stored for these coins over {}, and it could not be fetched: {why}",
                cmp.range.as_str()
            ),
            None => format!(
                "no history stored for these coins over {}, and the price source has none",
                cmp.range.as_str()
            ),
        }));
    }
    if args.json {
        return print_json(&cmp);
    }
    // A coin with only today's refreshes has no daily return yet: say how
    // to get its past rather than leave a row of dashes unexplained.
    let short: Vec<String> = (cmp.series.iter().filter(|s| s.stats.days < 2))
        .map(|s| s.coin.id.clone())
        .collect();
    if !short.is_empty() {
        errln!(
            "too little history stored for {} over {}; `coinlytics backfill --coins {} --range {}` fetches it",
            short.join(", "),
            cmp.range.as_str(),
            short.join(","),
            cmp.range.as_str()
        );
    }
    let pct = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{v:+.2} %"));
    outln!(
        "{:<12} {:>10} {:>12} {:>10} {:>8} {:>6}",
        "COIN",
        "RETURN",
        "VOLATILITY",
        "MAX DD",
        "SHARPE",
        "DAYS"
    );
    for s in &cmp.series {
        let st = &s.stats;
        outln!(
            "{:<12} {:>10} {:>12} {:>10} {:>8} {:>6}",
            s.coin.symbol.to_ascii_uppercase(),
            pct(st.return_pct),
            st.volatility_pct
                .map_or("—".to_string(), |v| format!("{v:.2} %")),
            st.max_drawdown_pct
                .map_or("—".to_string(), |v| format!("-{v:.2} %")),
            st.sharpe.map_or("—".to_string(), |v| format!("{v:.2}")),
            st.days
        );
    }
    outln!("");
    outln!("Correlation of daily returns ({}):", cmp.range.as_str());
    let names: Vec<String> = cmp
        .series
        .iter()
        .map(|s| s.coin.symbol.to_ascii_uppercase())
        .collect();
    outln!(
        "{:<12}{}",
        "",
        names.iter().map(|n| format!("{n:>8}")).collect::<String>()
    );
    for (name, row) in names.iter().zip(&cmp.correlation) {
        outln!(
            "{:<12}{}",
            name,
            row.iter()
                .map(|c| c.map_or(format!("{:>8}", "—"), |c| format!("{c:>8.2}")))
                .collect::<String>()
        );
    }
    outln!(
        "Volatility is annualised (365 days); the Sharpe-like ratio takes a risk-free rate of 0."
    );
    Ok(())
}
