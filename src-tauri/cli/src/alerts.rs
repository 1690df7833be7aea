//! `coinlytics alerts add|ls|rm|enable|disable|history|ack`: alert rules and
//! what they fired, for people and (with --json) scripts.

use chrono::{DateTime, Utc};
use clap::{ArgGroup, Args, Subcommand};
use coinlytics_engine::app::alerts::RuleInput;
use coinlytics_engine::model::alert::{Channels, Condition, DEFAULT_BAND_PCT, HistoryEntry};
use coinlytics_engine::{Engine, Error};

use crate::out::print_json;

#[derive(Subcommand, Debug)]
pub enum AlertsCmd {
    /// Add a rule, e.g. `--coin bitcoin --above 71000`, `--coin eth --move-pct 5 --window 1h`,
    /// `--coin sol --anomaly 3 --window 1h`, or on the portfolio: `--value-below 50000`,
    /// `--coin btc --pnl-above 50 --portfolio Ledger`, `--coin btc --drift 5 --target 50`
    Add(Box<AddArgs>),
    /// List the rules
    Ls {
        /// Print a JSON array
        #[arg(long)]
        json: bool,
    },
    /// Remove a rule (its history stays)
    Rm {
        #[arg(value_name = "ID")]
        id: i64,
    },
    /// Enable a rule (it re-arms: it fires if already beyond its level)
    Enable {
        #[arg(value_name = "ID")]
        id: i64,
    },
    /// Disable a rule
    Disable {
        #[arg(value_name = "ID")]
        id: i64,
    },
    /// What fired, newest first, with the delivery of each channel
    History {
        /// Print a JSON array, one object a firing
        #[arg(long)]
        json: bool,
        /// How many firings to show
        #[arg(long, default_value_t = 50, value_name = "N")]
        limit: u32,
    },
    /// Mark every firing as seen (clears the tray's mark)
    Ack,
}

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("condition").required(true)
    .args(["above", "below", "move_pct", "change_above", "change_below", "anomaly",
        "value_above", "value_below", "pnl_above", "pnl_below", "drift", "spread_above"])))]
pub struct AddArgs {
    /// The coin: an id like `bitcoin` or a symbol like `btc` (every rule but
    /// --value-above and --value-below)
    #[arg(long, value_name = "COIN")]
    coin: Option<String>,
    /// Fire when the price crosses above LEVEL
    #[arg(long, value_name = "LEVEL")]
    above: Option<String>,
    /// Fire when the price crosses below LEVEL
    #[arg(long, value_name = "LEVEL")]
    below: Option<String>,
    /// Fire on a move of PCT % within --window: 5 either way, +5 up only, -5 down only
    #[arg(
        long,
        value_name = "PCT",
        allow_negative_numbers = true,
        requires = "window"
    )]
    move_pct: Option<String>,
    /// The window of --move-pct or --anomaly, e.g. 15m, 1h, 1d
    #[arg(long, value_name = "DURATION")]
    window: Option<String>,
    /// Fire when the return over --window lies K standard deviations or more
    /// (either way) from its usual over --lookback
    #[arg(long, value_name = "K", requires = "window")]
    anomaly: Option<String>,
    /// How far back --anomaly measures the usual return, e.g. 1d, 7d, 30d
    /// [default: 7d]
    #[arg(long, value_name = "DURATION", requires = "anomaly")]
    lookback: Option<String>,
    /// Fire when the 24h change rises to PCT % (may be negative)
    #[arg(long, value_name = "PCT", allow_negative_numbers = true)]
    change_above: Option<String>,
    /// Fire when the 24h change falls to PCT % (may be negative)
    #[arg(long, value_name = "PCT", allow_negative_numbers = true)]
    change_below: Option<String>,
    /// Fire when the portfolio's market value rises above LEVEL
    #[arg(long, value_name = "LEVEL")]
    value_above: Option<String>,
    /// Fire when the portfolio's market value falls below LEVEL
    #[arg(long, value_name = "LEVEL")]
    value_below: Option<String>,
    /// Fire when the coin's unrealized P&L rises to PCT % of its cost basis
    #[arg(long, value_name = "PCT", allow_negative_numbers = true)]
    pnl_above: Option<String>,
    /// Fire when the coin's unrealized P&L falls to PCT % (e.g. -20)
    #[arg(long, value_name = "PCT", allow_negative_numbers = true)]
    pnl_below: Option<String>,
    /// Fire when the coin's share of the portfolio is POINTS percentage
    /// points or more from --target
    #[arg(long, value_name = "POINTS", requires = "target")]
    drift: Option<String>,
    /// Fire when the coin's price sources are PCT % or more apart
    /// ((highest − lowest) / median; needs two or more sources)
    #[arg(long, value_name = "PCT")]
    spread_above: Option<String>,
    /// The coin's target share of the portfolio, in % (with --drift)
    #[arg(long, value_name = "PCT", requires = "drift")]
    target: Option<String>,
    /// The portfolio a portfolio rule reads [default: all of them together]
    #[arg(long, value_name = "NAME")]
    portfolio: Option<String>,
    /// Currency of the level [default: the configured currency]
    #[arg(long, value_name = "CODE")]
    currency: Option<String>,
    /// Where to deliver: desktop, email, or both
    #[arg(long, value_name = "LIST", default_value = "desktop")]
    channel: String,
    /// Fire once, then disable the rule
    #[arg(long)]
    once: bool,
    /// Re-arm only after the reading goes back past the level by this many %
    /// (of a price level; percentage points for a move, σ for --anomaly)
    #[arg(long, value_name = "PCT", default_value_t = DEFAULT_BAND_PCT.to_string())]
    band_pct: String,
    /// The least time between two firings, e.g. 0s, 10m, 1h
    #[arg(long, value_name = "DURATION", default_value = "0s")]
    cooldown: String,
    /// With --above or --below: fire only when a second price source is past
    /// the level too, within DURATION (e.g. 30s), so one bad tick cannot fire it
    #[arg(long, value_name = "DURATION")]
    confirm: Option<String>,
    /// A note shown with the alert
    #[arg(long, value_name = "TEXT", default_value = "")]
    note: String,
    /// Print the stored rule as JSON
    #[arg(long)]
    json: bool,
}

impl AddArgs {
    /// The flags as the engine's rule input: `--move-pct +5` is a rise,
    /// `-5` a fall, `5` either way.
    fn input(&self) -> Result<RuleInput, Error> {
        let (condition, level) = if let Some(v) = &self.above {
            (Condition::Above, v.clone())
        } else if let Some(v) = &self.below {
            (Condition::Below, v.clone())
        } else if let Some(v) = &self.move_pct {
            let v = v.trim();
            match v.chars().next() {
                Some('+') => (Condition::MoveUp, v[1..].to_string()),
                Some('-') => (Condition::MoveDown, v[1..].to_string()),
                _ => (Condition::Move, v.to_string()),
            }
        } else if let Some(v) = &self.change_above {
            (Condition::ChangeAbove, v.clone())
        } else if let Some(v) = &self.change_below {
            (Condition::ChangeBelow, v.clone())
        } else if let Some(v) = &self.anomaly {
            (Condition::Anomaly, v.clone())
        } else if let Some(v) = &self.value_above {
            (Condition::ValueAbove, v.clone())
        } else if let Some(v) = &self.value_below {
            (Condition::ValueBelow, v.clone())
        } else if let Some(v) = &self.pnl_above {
            (Condition::PnlAbove, v.clone())
        } else if let Some(v) = &self.pnl_below {
            (Condition::PnlBelow, v.clone())
        } else if let Some(v) = &self.drift {
            (Condition::Drift, v.clone())
        } else if let Some(v) = &self.spread_above {
            (Condition::SpreadAbove, v.clone())
        } else {
            // clap's group makes one of them required.
            return Err(coinlytics_engine::model::InvalidInput(
                "say when to fire: --above, --below, --move-pct, --change-above, --change-below, \
                 --anomaly, --value-above, --value-below, --pnl-above, --pnl-below, --drift or \
                 --spread-above"
                    .into(),
            )
            .into());
        };
        Ok(RuleInput {
            coin: self.coin.clone().unwrap_or_default(),
            currency: self.currency.clone(),
            portfolio: self.portfolio.clone(),
            target: self.target.clone(),
            condition,
            level,
            window: self.window.clone(),
            lookback: self.lookback.clone(),
            channels: Channels::parse(&self.channel)?,
            note: self.note.clone(),
            once: self.once,
            band_pct: Some(self.band_pct.clone()),
            cooldown: Some(self.cooldown.clone()),
            confirm: self.confirm.clone(),
        })
    }
}

pub async fn run(engine: &Engine, cmd: AlertsCmd) -> Result<(), Error> {
    match cmd {
        AlertsCmd::Add(args) => {
            let view = engine.alert_save(None, &args.input()?).await?;
            if args.json {
                return print_json(&view);
            }
            let r = &view.rule;
            outln!(
                "added alert #{}: {} ({})",
                r.id,
                view.description,
                r.spec.channels.names().join(", ")
            );
            if view.beyond_now == Some(true) {
                outln!(
                    "the last price is already beyond the level, so it fires at the next update"
                );
            }
            let missing = engine.settings().email.missing();
            if r.spec.channels.email && !missing.is_empty() {
                errln!(
                    "coinlytics: warning: e-mail is not set up yet ({}); see `coinlytics config get`",
                    missing.join(", ")
                );
            }
        }
        AlertsCmd::Ls { json: true } => print_json(&engine.alerts()?)?,
        AlertsCmd::Ls { json: false } => {
            let rules = engine.alerts()?;
            if rules.is_empty() {
                outln!(
                    "No alerts; add one with `coinlytics alerts add --coin bitcoin --above 100000`."
                );
                return Ok(());
            }
            outln!(
                "{:>4}  {:<48} {:<14} {:<24} {:>6}  NOTE",
                "ID",
                "RULE",
                "CHANNELS",
                "STATE",
                "FIRED"
            );
            for v in &rules {
                let r = &v.rule;
                outln!(
                    "{:>4}  {:<48} {:<14} {:<24} {:>6}  {}",
                    r.id,
                    v.description,
                    r.spec.channels.names().join(","),
                    v.state,
                    r.epoch,
                    r.spec.note
                );
            }
        }
        AlertsCmd::Rm { id } => {
            engine.alert_remove(id)?;
            outln!("removed alert #{id}");
        }
        AlertsCmd::Enable { id } | AlertsCmd::Disable { id } => {
            let on = matches!(cmd, AlertsCmd::Enable { .. });
            let v = engine.alert_set_enabled(id, on)?;
            outln!(
                "{} alert #{}: {}",
                if on { "enabled" } else { "disabled" },
                id,
                v.description
            );
        }
        AlertsCmd::History { json, limit } => {
            let history = engine.alert_history(limit)?;
            if json {
                return print_json(&history);
            }
            if history.is_empty() {
                outln!("Nothing has fired yet.");
                return Ok(());
            }
            outln!(
                "{:<20} {:>8}  {:<44} {:<14} {:<14}",
                "FIRED (UTC)",
                "ALERT",
                "WHAT",
                "DESKTOP",
                "EMAIL"
            );
            for h in &history {
                outln!(
                    "{:<20} {:>8}  {:<44} {:<14} {:<14}",
                    time(h.firing.fired_at),
                    h.firing.key,
                    h.description,
                    delivery(h, "desktop"),
                    delivery(h, "email")
                );
            }
        }
        AlertsCmd::Ack => {
            let n = engine.alerts_acknowledge()?;
            outln!("acknowledged {n} alert(s)");
        }
    }
    Ok(())
}

fn delivery<'a>(h: &'a HistoryEntry, channel: &str) -> &'a str {
    h.deliveries.get(channel).map_or("-", |d| d.label.as_str())
}

pub fn time(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}
