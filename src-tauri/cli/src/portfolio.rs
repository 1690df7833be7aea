//! `coinlytics portfolio add|ls|rm|holdings|whatif|method`: the local
//! portfolio, from the terminal.

use clap::Subcommand;
use coinlytics_engine::app::portfolio::{ImportAs, TxInput};
use coinlytics_engine::app::portfolio::{Mapping, check_import_size};
use coinlytics_engine::model::CoinId;
use coinlytics_engine::model::InvalidInput;
use coinlytics_engine::model::portfolio::Method;
use coinlytics_engine::{Engine, Error, format};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::out::print_json;

#[derive(Subcommand, Debug)]
pub enum PortfolioCmd {
    /// Record a transaction, e.g. `add --portfolio Ledger --type buy --coin btc --qty 0.5 --price 30000`
    Add {
        /// The portfolio (created if new)
        #[arg(long)]
        portfolio: String,
        /// buy, sell, transfer_in, transfer_out, fee or income
        #[arg(long = "type", value_name = "TYPE")]
        kind: String,
        /// A coin id or symbol
        #[arg(long)]
        coin: String,
        /// How many units (positive)
        #[arg(long = "qty", value_name = "QUANTITY", allow_hyphen_values = true)]
        quantity: String,
        /// A unit's price (a buy or sale needs one; income without one is valued at the price then, fetched if not stored)
        #[arg(long, allow_hyphen_values = true)]
        price: Option<String>,
        /// The price's fiat currency (default: the display currency)
        #[arg(long)]
        currency: Option<String>,
        /// A fee, added to a buy's cost and taken from a sale's proceeds
        #[arg(long, allow_hyphen_values = true)]
        fee: Option<String>,
        /// The fee's currency: a fiat code, or a coin (paying in a coin disposes of it)
        #[arg(long)]
        fee_currency: Option<String>,
        /// When: 2024-01-31T12:00:00Z or 2024-01-31 (default: now)
        #[arg(long)]
        time: Option<String>,
        #[arg(long)]
        note: Option<String>,
        /// For a transfer_out: the portfolio it goes into (its lots keep their cost and dates)
        #[arg(long)]
        to: Option<String>,
    },
    /// List transactions, oldest first
    Ls {
        #[arg(long)]
        portfolio: Option<String>,
        /// Print a JSON array
        #[arg(long)]
        json: bool,
    },
    /// Change a transaction: the fields given replace its own (e.g. `edit 12 --price 30100`)
    Edit {
        id: i64,
        #[arg(long)]
        portfolio: Option<String>,
        #[arg(long = "type", value_name = "TYPE")]
        kind: Option<String>,
        #[arg(long)]
        coin: Option<String>,
        #[arg(long = "qty", value_name = "QUANTITY", allow_hyphen_values = true)]
        quantity: Option<String>,
        #[arg(long, allow_hyphen_values = true)]
        price: Option<String>,
        #[arg(long)]
        currency: Option<String>,
        #[arg(long, allow_hyphen_values = true)]
        fee: Option<String>,
        #[arg(long)]
        fee_currency: Option<String>,
        #[arg(long)]
        time: Option<String>,
        #[arg(long)]
        note: Option<String>,
    },
    /// Remove a transaction by its number (both legs of a transfer)
    Rm { id: i64 },
    /// Holdings, cost basis and profit and loss in the display currency
    Holdings {
        #[arg(long)]
        portfolio: Option<String>,
        /// fifo, lifo, hifo or average for every portfolio (default: each portfolio's own)
        #[arg(long)]
        method: Option<String>,
        /// Print JSON: `holdings` (per coin) and `totals`, amounts as decimal strings
        #[arg(long)]
        json: bool,
    },
    /// What selling some of a coin now would realize under each method
    Whatif {
        coin: String,
        quantity: String,
        /// The sale's price (default: the stored price)
        #[arg(long)]
        price: Option<String>,
        #[arg(long)]
        portfolio: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Set how a portfolio matches lots: fifo, lifo, hifo or average
    Method { portfolio: String, method: String },
    /// Import a CSV file: all its new rows, or none if any is wrong; importing it again adds nothing
    Import {
        file: std::path::PathBuf,
        #[arg(long)]
        portfolio: String,
        /// auto, generic, coinbase, kraken, binance, or an import profile's name (`portfolio map`)
        #[arg(long, default_value = "auto")]
        format: String,
        /// Only say what would be added, what is a duplicate and what is wrong
        #[arg(long)]
        dry_run: bool,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
    /// Show which column of a CSV of no known layout holds each field (guessed, or as given), and save it as a profile
    Map {
        file: std::path::PathBuf,
        /// Save the mapping as this import profile (then: `import FILE --format NAME`)
        #[arg(long)]
        save: Option<String>,
        #[arg(long, value_name = "COLUMN")]
        time: Option<String>,
        #[arg(long = "type", value_name = "COLUMN")]
        kind: Option<String>,
        #[arg(long, value_name = "COLUMN")]
        coin: Option<String>,
        #[arg(long, value_name = "COLUMN")]
        quantity: Option<String>,
        #[arg(long, value_name = "COLUMN")]
        price: Option<String>,
        #[arg(long, value_name = "COLUMN")]
        currency: Option<String>,
        #[arg(long, value_name = "COLUMN")]
        fee: Option<String>,
        #[arg(long, value_name = "COLUMN")]
        fee_currency: Option<String>,
        #[arg(long, value_name = "COLUMN")]
        note: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The portfolio's value over time, from stored history (a point a
    /// period, up to 500)
    Value {
        /// One portfolio [default: all of them together]
        #[arg(long)]
        portfolio: Option<String>,
        /// Print an object: currency, points [{t (unix ms), value}], unpriced
        #[arg(long)]
        json: bool,
    },
    /// The realized gains of a tax year (the calendar year, local time): each lot a
    /// disposal took, totals short and long, and income apart. Not tax advice
    Gains {
        /// The year, e.g. 2024
        #[arg(long)]
        year: i32,
        /// One portfolio (default: all)
        #[arg(long)]
        portfolio: Option<String>,
        /// fifo, lifo, hifo or average for every portfolio (default: each its own)
        #[arg(long)]
        method: Option<String>,
        /// Print CSV in the columns of IRS Form 8949
        #[arg(long, conflicts_with = "json")]
        csv: bool,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Print transactions (or, with --holdings, the holdings) as CSV
    Export {
        #[arg(long)]
        portfolio: Option<String>,
        #[arg(long)]
        holdings: bool,
        /// With --holdings: fifo, lifo, hifo or average for every portfolio
        #[arg(long)]
        method: Option<String>,
    },
}

/// "#3 buy 0.5 bitcoin at 30000 USD in Ledger on 2024-01-01 00:00 UTC".
fn recorded(t: &coinlytics_engine::model::portfolio::Tx) -> String {
    let price = t.price.map_or(String::new(), |p| {
        format!(" at {} {}", p.normalize(), t.currency.to_uppercase())
    });
    format!(
        "#{} {} {} {}{price} in {} on {}",
        t.id,
        t.kind.as_str(),
        t.quantity.normalize(),
        t.coin_id,
        t.portfolio,
        t.time.format("%Y-%m-%d %H:%M UTC")
    )
}

/// A file to import, refused past the engine's one cap
/// ([`MAX_IMPORT_BYTES`](coinlytics_engine::app::portfolio::MAX_IMPORT_BYTES)) before it is read.
fn read_file(file: &std::path::Path) -> Result<Vec<u8>, Error> {
    let shown = file.display();
    let meta = std::fs::metadata(file)
        .map_err(|e| Error::NotFound(format!("cannot read {shown}: {e}")))?;
    check_import_size(meta.len(), &shown.to_string())?;
    std::fs::read(file).map_err(|e| Error::NotFound(format!("cannot read {shown}: {e}")))
}

fn method(s: &str) -> Result<Method, Error> {
    Ok(coinlytics_engine::app::portfolio::method(s)?)
}

pub async fn run(engine: &Engine, cmd: PortfolioCmd) -> Result<(), Error> {
    match cmd {
        PortfolioCmd::Add {
            portfolio,
            kind,
            coin,
            quantity,
            price,
            currency,
            fee,
            fee_currency,
            time,
            note,
            to,
        } => {
            let input = TxInput {
                portfolio,
                kind,
                coin,
                quantity,
                price,
                currency,
                fee,
                fee_currency,
                time,
                note,
                to,
            };
            for tx in engine.add_tx(&input).await? {
                outln!("{}", recorded(&tx));
            }
        }
        PortfolioCmd::Ls { portfolio, json } => {
            let txs = engine.txs(portfolio.as_deref())?;
            if json {
                return print_json(&txs);
            }
            if txs.is_empty() {
                return Err(Error::NotFound(
                    "no transactions yet; `coinlytics portfolio add` records one".into(),
                ));
            }
            outln!(
                "{:>5}  {:<16} {:<12} {:<13} {:<12} {:>16} {:>14}  {}",
                "#",
                "TIME (UTC)",
                "PORTFOLIO",
                "TYPE",
                "COIN",
                "QUANTITY",
                "PRICE",
                "FEE"
            );
            let rates = engine.fx_used().await?;
            for t in txs {
                let price = t.price.map_or("—".into(), |p| {
                    format!("{} {}", p.normalize(), t.currency.to_uppercase())
                });
                let rate = rates.iter().find(|r| r.tx == t.id);
                let fee = match (t.fee, &t.fee_currency) {
                    (Some(f), Some(c)) => format!("{} {}", f.normalize(), c.to_uppercase()),
                    _ => String::new(),
                };
                outln!(
                    "{:>5}  {:<16} {:<12} {:<13} {:<12} {:>16} {:>14}  {}",
                    t.id,
                    t.time.format("%Y-%m-%d %H:%M"),
                    t.portfolio,
                    t.kind.as_str(),
                    t.coin_id,
                    t.quantity.normalize().to_string(),
                    price,
                    fee
                );
                if let Some(r) = rate {
                    outln!(
                        "{:>5}  converted at {}, the stored rate of {}",
                        "",
                        r.text,
                        r.day
                    );
                }
            }
        }
        PortfolioCmd::Rm { id } => {
            for t in engine.remove_tx(id).await? {
                outln!(
                    "removed #{} ({} {} {} in {})",
                    t.id,
                    t.kind.as_str(),
                    t.quantity.normalize(),
                    t.coin_id,
                    t.portfolio
                );
            }
        }
        PortfolioCmd::Holdings {
            portfolio,
            method: m,
            json,
        } => {
            let m = m.as_deref().map(method).transpose()?;
            let h = engine.holdings(portfolio.as_deref(), m).await?;
            if json {
                return print_json(&h);
            }
            if h.holdings.is_empty() {
                return Err(Error::NotFound(
                    "no holdings yet; `coinlytics portfolio add` records a transaction".into(),
                ));
            }
            let cur = h.currency.to_uppercase();
            let opt =
                |d: Option<rust_decimal::Decimal>| d.map_or("—".to_string(), |d| d.to_string());
            outln!(
                "{:<14} {:>16} {:>14} {:>14} {:>14} {:>14} {:>7}",
                "COIN",
                "QUANTITY",
                "COST",
                "VALUE",
                "UNREALIZED",
                "REALIZED",
                "ALLOC"
            );
            // A figure that rests on a transaction of unknown value.
            let part = |d: rust_decimal::Decimal, incomplete: bool| {
                format!("{d}{}", if incomplete { "*" } else { "" })
            };
            for x in &h.holdings {
                outln!(
                    "{:<14} {:>16} {:>14} {:>14} {:>14} {:>14} {:>7}",
                    x.coin,
                    x.quantity.to_string(),
                    part(x.cost_basis, x.incomplete),
                    opt(x.market_value),
                    opt(x.unrealized_pnl),
                    part(x.realized_pnl, x.incomplete),
                    x.allocation_pct.map_or("—".into(), |p| format!("{p} %"))
                );
            }
            let t = &h.totals;
            outln!(
                "{:<14} {:>16} {:>14} {:>14} {:>14} {:>14}",
                format!("TOTAL {cur}"),
                "",
                part(t.cost_basis, t.incomplete),
                t.market_value,
                t.unrealized_pnl,
                part(t.realized_pnl, t.incomplete)
            );
            if !h.value_unknown.is_empty() {
                outln!(
                    "* incomplete: {} transaction(s) of unknown value; `coinlytics portfolio edit ID --price P` gives one",
                    h.value_unknown.len()
                );
                for u in &h.value_unknown {
                    outln!("  #{}: {}", u.tx, u.why);
                }
            }
        }
        PortfolioCmd::Whatif {
            coin,
            quantity,
            price,
            portfolio,
            json,
        } => {
            let w = engine
                .what_if(
                    &CoinId::parse(&coin)?,
                    &quantity,
                    price.as_deref(),
                    portfolio.as_deref(),
                )
                .await?;
            if json {
                return print_json(&w);
            }
            let gains: Vec<String> = w
                .gains
                .iter()
                .map(|g| format!("{} {:+}", g.method.as_str().to_uppercase(), g.gain))
                .collect();
            outln!(
                "sell {} {} at {} {}: {}",
                w.quantity,
                w.coin,
                w.price.normalize(),
                w.currency.to_uppercase(),
                gains.join(" / ")
            );
        }
        PortfolioCmd::Import {
            file,
            portfolio,
            format,
            dry_run,
            json,
        } => {
            let how = ImportAs::parse(&format);
            let shown = file.display().to_string();
            let bytes = read_file(&file)?;
            // Drawn on stderr only when it is a terminal, as backfill's.
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{bar:30} {pos}/{len} fetching {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            let r = engine
                .import_txs_with(bytes, &portfolio, how, dry_run, |p| {
                    bar.set_length(u64::from(p.total));
                    bar.set_position(u64::from(p.done));
                    bar.set_message(format::printable(&p.doing).into_owned());
                })
                .await;
            bar.finish_and_clear();
            let r = r?;
            if json {
                print_json(&r)?;
            } else {
                let verb = if dry_run || !r.errors.is_empty() {
                    "to add"
                } else {
                    "added"
                };
                outln!(
                    "{} ({}): {} {verb}, {} already imported, {} skipped",
                    shown,
                    r.format.as_str(),
                    r.added.len(),
                    r.duplicates,
                    r.skipped.len()
                );
                for s in &r.skipped {
                    outln!("  line {}: skipped ({})", s.line, s.reason);
                }
                for u in &r.value_unknown {
                    outln!("  line {}: kept, {}", u.line, u.reason);
                }
                for f in &r.not_fetched {
                    errln!("  could not fetch {f}");
                }
                for e in &r.errors {
                    errln!("  line {}, column {}: {}", e.line, e.column, e.reason);
                }
            }
            if !r.errors.is_empty() {
                return Err(InvalidInput(format!(
                    "{} row(s) of {shown} cannot be imported; nothing was imported",
                    r.errors.len()
                ))
                .into());
            }
            if dry_run && !json {
                outln!("dry run: nothing was written");
            }
        }
        PortfolioCmd::Edit {
            id,
            portfolio,
            kind,
            coin,
            quantity,
            price,
            currency,
            fee,
            fee_currency,
            time,
            note,
        } => {
            let t = engine.tx(id)?;
            let dec = |d: Option<rust_decimal::Decimal>| d.map(|d| d.normalize().to_string());
            let input = TxInput {
                portfolio: portfolio.unwrap_or(t.portfolio),
                kind: kind.unwrap_or_else(|| t.kind.as_str().to_string()),
                coin: coin.unwrap_or(t.coin_id),
                quantity: quantity.unwrap_or_else(|| t.quantity.normalize().to_string()),
                price: price.or_else(|| dec(t.price)),
                currency: currency.or(Some(t.currency)),
                fee: fee.or_else(|| dec(t.fee)),
                fee_currency: fee_currency.or(t.fee_currency),
                time: time.or_else(|| Some(t.time.to_rfc3339())),
                note: note.or(t.note),
                to: None,
            };
            let t = engine.edit_tx(id, &input).await?;
            outln!("{}", recorded(&t));
        }
        PortfolioCmd::Map {
            file,
            save,
            time,
            kind,
            coin,
            quantity,
            price,
            currency,
            fee,
            fee_currency,
            note,
            json,
        } => {
            let bytes = read_file(&file)?;
            let mut guess = engine.guess_mapping(&bytes)?;
            let given = Mapping {
                time,
                kind,
                coin,
                quantity,
                price,
                currency,
                fee,
                fee_currency,
                note,
            };
            let m = &mut guess.mapping;
            for (slot, over) in [
                (&mut m.time, given.time),
                (&mut m.kind, given.kind),
                (&mut m.coin, given.coin),
                (&mut m.quantity, given.quantity),
                (&mut m.price, given.price),
                (&mut m.currency, given.currency),
                (&mut m.fee, given.fee),
                (&mut m.fee_currency, given.fee_currency),
                (&mut m.note, given.note),
            ] {
                if over.is_some() {
                    *slot = over;
                }
            }
            guess.missing = guess
                .mapping
                .missing()
                .into_iter()
                .map(String::from)
                .collect();
            if let Some(name) = &save {
                engine.save_import_profile(name, &guess.mapping)?;
            }
            if json {
                return print_json(&guess);
            }
            let m = &guess.mapping;
            for (field, column) in [
                ("time", &m.time),
                ("type", &m.kind),
                ("coin", &m.coin),
                ("quantity", &m.quantity),
                ("price", &m.price),
                ("currency", &m.currency),
                ("fee", &m.fee),
                ("fee_currency", &m.fee_currency),
                ("note", &m.note),
            ] {
                outln!("{field:<13} {}", column.as_deref().unwrap_or("—"));
            }
            if !guess.missing.is_empty() {
                errln!(
                    "no column for {}: name it (e.g. --{} COLUMN)",
                    guess.missing.join(", "),
                    guess.missing[0]
                );
            }
            if let Some(name) = save {
                outln!(
                    "saved as '{name}': `coinlytics portfolio import FILE --portfolio P --format {name}`"
                );
            }
        }
        PortfolioCmd::Export {
            portfolio,
            holdings,
            method: m,
        } => {
            let text = if holdings {
                let m = m.as_deref().map(method).transpose()?;
                engine.export_holdings(portfolio.as_deref(), m).await?
            } else {
                engine.export_txs(portfolio.as_deref())?
            };
            for line in text.lines() {
                outln!("{line}");
            }
        }
        PortfolioCmd::Gains {
            year,
            portfolio,
            method: m,
            csv,
            json,
        } => {
            let m = m.as_deref();
            if csv {
                let text = engine.export_gains(year, portfolio.as_deref(), m).await?;
                for line in text.lines() {
                    outln!("{line}");
                }
                return Ok(());
            }
            let report = engine
                .portfolio_gains(year, portfolio.as_deref(), m)
                .await?;
            if json {
                return print_json(&report);
            }
            print_gains(&report);
        }
        PortfolioCmd::Value { portfolio, json } => {
            let history = engine.value_history(portfolio.as_deref()).await?;
            if json {
                return print_json(&history);
            }
            for p in &history.points {
                let t = chrono::DateTime::from_timestamp_millis(p.t).unwrap_or_default();
                outln!(
                    "{}  {:>20}",
                    t.format("%Y-%m-%d %H:%M"),
                    format::price(p.value, &history.currency)
                );
            }
            if history.points.is_empty() {
                outln!("No value history yet: no transactions, or no stored prices for them.");
            }
            if !history.unpriced.is_empty() {
                errln!(
                    "coinlytics: left out, with no stored history: {} (`coinlytics backfill --coins {}` fetches it)",
                    history.unpriced.join(", "),
                    history.unpriced.join(",")
                );
            }
        }
        PortfolioCmd::Method {
            portfolio,
            method: m,
        } => {
            let p = engine.set_portfolio_method(&portfolio, method(&m)?)?;
            outln!("{} matches lots by {}", p.name, p.method.as_str());
        }
    }
    Ok(())
}

/// A year's gains as a table: each lot, then the totals, then income.
fn print_gains(r: &coinlytics_engine::app::portfolio::GainsReport) {
    use coinlytics_engine::app::portfolio::Term;
    let cur = &r.currency;
    let day = |t: i64| {
        chrono::DateTime::from_timestamp(t, 0)
            .map(|t| {
                t.with_timezone(&chrono::Local)
                    .format("%Y-%m-%d")
                    .to_string()
            })
            .unwrap_or_default()
    };
    let g = &r.realized;
    outln!(
        "Realized gains in {}{}{} (in {}; not tax advice)",
        r.year,
        r.portfolio
            .as_ref()
            .map_or(String::new(), |p| format!(", {p}")),
        r.method
            .map_or(String::new(), |m| format!(", {}", m.as_str())),
        cur.to_uppercase()
    );
    if g.lines.is_empty() {
        outln!("no disposals in {}", r.year);
    } else {
        outln!(
            "{:<24} {:<10} {:<10} {:>16} {:>16} {:>16}  {}",
            "COIN",
            "ACQUIRED",
            "SOLD",
            "PROCEEDS",
            "COST",
            "GAIN",
            "TERM"
        );
        for l in &g.lines {
            let symbol = r
                .symbols
                .get(&l.coin)
                .map_or(l.coin.as_str(), String::as_str);
            outln!(
                "{:<24} {:<10} {:<10} {:>16} {:>16} {:>16}  {}",
                format!("{} {symbol}", l.quantity.normalize()),
                l.acquired.map_or("various".to_string(), day),
                day(l.disposed),
                format::price(l.proceeds, cur),
                format::price(l.cost, cur),
                format!(
                    "{}{}",
                    format::price(l.gain, cur),
                    if l.incomplete { "*" } else { "" }
                ),
                match l.term {
                    Term::Short => "short",
                    Term::Long => "long",
                }
            );
        }
    }
    for (what, t) in [("short-term", &g.short), ("long-term", &g.long)] {
        outln!(
            "{what}: proceeds {}, cost {}, gain {}{}",
            format::price(t.proceeds, cur),
            format::price(t.cost, cur),
            format::price(t.gain, cur),
            if t.incomplete { "*" } else { "" }
        );
    }
    if !g.income.is_empty() {
        outln!(
            "income (at its value when received): {}",
            format::price(g.income_total, cur)
        );
        for i in &g.income {
            let symbol = r
                .symbols
                .get(&i.coin)
                .map_or(i.coin.as_str(), String::as_str);
            outln!(
                "  {}  {} {symbol}  {}",
                day(i.received),
                i.quantity.normalize(),
                if i.value_unknown {
                    "value unknown".to_string()
                } else {
                    format::price(i.value, cur)
                }
            );
        }
    }
    let incomplete = g.short.incomplete || g.long.incomplete;
    if incomplete || g.income.iter().any(|i| i.value_unknown) {
        outln!(
            "* incomplete: rests on transactions of unknown value (`coinlytics portfolio holdings` lists them; `portfolio edit ID --price P` gives one)"
        );
    }
}
