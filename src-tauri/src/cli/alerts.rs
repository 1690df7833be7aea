//! `coinlytics alerts add|ls|rm|enable|disable|history|ack`: alert rules and
//! what they fired, for people and (with --json) scripts.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use clap::{ArgGroup, Args, Subcommand};
use coinlytics_engine::Engine;
use coinlytics_engine::alerts::rule::{
    Channels, Condition, DEFAULT_BAND_PCT, Rule, RuleSpec, parse_duration,
};
use coinlytics_engine::alerts::{DeliveryStatus, HistoryEntry};
use rust_decimal::Decimal;

use super::{CmdResult, Exit, fail};

#[derive(Subcommand, Debug)]
pub enum AlertsCmd {
    /// Add a rule, e.g. `--coin bitcoin --above 71000` or `--coin eth --move-pct 5 --window 1h`
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
    .args(["above", "below", "move_pct", "change_above", "change_below"])))]
pub struct AddArgs {
    /// The coin: an id like `bitcoin` or a symbol like `btc`
    #[arg(long, value_name = "COIN")]
    coin: String,
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
    /// The window of --move-pct, e.g. 15m, 1h, 1d
    #[arg(long, value_name = "DURATION")]
    window: Option<String>,
    /// Fire when the 24h change rises to PCT % (may be negative)
    #[arg(long, value_name = "PCT", allow_negative_numbers = true)]
    change_above: Option<String>,
    /// Fire when the 24h change falls to PCT % (may be negative)
    #[arg(long, value_name = "PCT", allow_negative_numbers = true)]
    change_below: Option<String>,
    /// Currency of the level [default: the configured currency]
    #[arg(long, value_name = "CODE")]
    currency: Option<String>,
    /// Where to deliver: desktop, email, or both
    #[arg(long, value_name = "LIST", default_value = "desktop")]
    channel: String,
    /// Fire once, then disable the rule
    #[arg(long)]
    once: bool,
    /// Re-arm only after the price goes back past the level by this many %
    #[arg(long, value_name = "PCT", default_value_t = DEFAULT_BAND_PCT)]
    band_pct: Decimal,
    /// The least time between two firings, e.g. 0s, 10m, 1h
    #[arg(long, value_name = "DURATION", default_value = "0s")]
    cooldown: String,
    /// A note shown with the alert
    #[arg(long, value_name = "TEXT", default_value = "")]
    note: String,
    /// Print the stored rule as JSON
    #[arg(long)]
    json: bool,
}

fn number(flag: &str, v: &str) -> Result<Decimal, Exit> {
    Decimal::from_str(v.trim().trim_start_matches('+'))
        .map_err(|_| fail(format!("--{flag} expects a number, not '{v}'"), 2))
}

fn duration(flag: &str, v: &str) -> Result<u32, Exit> {
    parse_duration(v)
        .and_then(|s| u32::try_from(s).ok())
        .ok_or_else(|| {
            fail(
                format!("--{flag} expects a duration like 90s, 15m, 1h or 2d, not '{v}'"),
                2,
            )
        })
}

impl AddArgs {
    fn spec(&self, default_currency: &str) -> Result<RuleSpec, Exit> {
        let (condition, level) = if let Some(v) = &self.above {
            (Condition::Above, number("above", v)?)
        } else if let Some(v) = &self.below {
            (Condition::Below, number("below", v)?)
        } else if let Some(v) = &self.move_pct {
            let pct = number("move-pct", v)?;
            let c = match v.trim().chars().next() {
                Some('+') => Condition::MoveUp,
                Some('-') => Condition::MoveDown,
                _ => Condition::Move,
            };
            (c, pct.abs())
        } else if let Some(v) = &self.change_above {
            (Condition::ChangeAbove, number("change-above", v)?)
        } else if let Some(v) = &self.change_below {
            (Condition::ChangeBelow, number("change-below", v)?)
        } else {
            return Err(fail(
                "say when to fire: --above, --below, --move-pct, --change-above or --change-below",
                2,
            ));
        };
        let window_secs = match &self.window {
            Some(w) if condition.is_move() => Some(duration("window", w)?),
            Some(_) => return Err(fail("--window goes with --move-pct", 2)),
            None => None,
        };
        Ok(RuleSpec {
            coin_id: self.coin.clone(),
            currency: self
                .currency
                .clone()
                .unwrap_or_else(|| default_currency.to_string()),
            condition,
            level,
            window_secs,
            channels: Channels::parse(&self.channel).map_err(|e| fail(e, 2))?,
            note: self.note.clone(),
            once: self.once,
            band_pct: self.band_pct,
            cooldown_secs: duration("cooldown", &self.cooldown)?,
        })
    }
}

pub async fn run(engine: &Engine, cmd: AlertsCmd) -> CmdResult {
    let err = |e: coinlytics_engine::Error| {
        let code = if matches!(
            e,
            coinlytics_engine::Error::Rule(_) | coinlytics_engine::Error::UnknownCoin(_)
        ) {
            2
        } else {
            1
        };
        fail(e, code)
    };
    match cmd {
        AlertsCmd::Add(args) => {
            let spec = args.spec(&engine.settings().currency)?;
            let rule = engine.alert_add(spec).await.map_err(err)?;
            if args.json {
                print_json(&rule)?;
            } else {
                println!(
                    "added alert #{}: {} ({})",
                    rule.id,
                    rule.spec.describe(),
                    rule.spec.channels.names().join(", ")
                );
                if engine.alert_already_beyond(&rule) == Some(true) {
                    println!(
                        "the last price is already beyond the level, so it fires at the next update"
                    );
                }
                if rule.spec.channels.email && !engine.settings().email.is_configured() {
                    eprintln!(
                        "coinlytics: warning: e-mail is not set up yet ({}); see `coinlytics config get`",
                        engine.settings().email.missing().join(", ")
                    );
                }
            }
        }
        AlertsCmd::Ls { json } => {
            let rules = engine.alerts().map_err(err)?;
            if json {
                print_json(&rules)?;
            } else if rules.is_empty() {
                println!(
                    "No alerts; add one with `coinlytics alerts add --coin bitcoin --above 100000`."
                );
            } else {
                println!(
                    "{:>4}  {:<44} {:<14} {:<16} {:>6}  NOTE",
                    "ID", "RULE", "CHANNELS", "STATE", "FIRED"
                );
                for r in &rules {
                    println!(
                        "{:>4}  {:<44} {:<14} {:<16} {:>6}  {}",
                        r.id,
                        r.spec.describe(),
                        r.spec.channels.names().join(","),
                        state(r),
                        r.epoch,
                        r.spec.note
                    );
                }
            }
        }
        AlertsCmd::Rm { id } => {
            engine.alert_remove(id).map_err(err)?;
            println!("removed alert #{id}");
        }
        AlertsCmd::Enable { id } | AlertsCmd::Disable { id } => {
            let on = matches!(cmd, AlertsCmd::Enable { .. });
            let r = engine.alert_set_enabled(id, on).map_err(err)?;
            println!(
                "{} alert #{}: {}",
                if on { "enabled" } else { "disabled" },
                r.id,
                r.spec.describe()
            );
        }
        AlertsCmd::History { json, limit } => {
            let history = engine.alert_history(limit.clamp(1, 10_000)).map_err(err)?;
            if json {
                print_json(&history)?;
            } else if history.is_empty() {
                println!("Nothing has fired yet.");
            } else {
                println!(
                    "{:<20} {:>8}  {:<40} {:<10} {:<10}",
                    "FIRED (UTC)", "ALERT", "WHAT", "DESKTOP", "EMAIL"
                );
                for h in &history {
                    println!(
                        "{:<20} {:>8}  {:<40} {:<10} {:<10}",
                        time(h.firing.fired_at),
                        h.firing.key,
                        h.firing.headline(),
                        delivery(h, "desktop"),
                        delivery(h, "email")
                    );
                }
            }
        }
        AlertsCmd::Ack => {
            let n = engine.alerts_acknowledge().map_err(err)?;
            println!("acknowledged {n} alert(s)");
        }
    }
    Ok(())
}

fn state(r: &Rule) -> String {
    match (r.enabled, r.armed) {
        (false, _) if r.spec.once && r.epoch > 0 => "done (once)".into(),
        (false, _) => "disabled".into(),
        (true, true) => "armed".into(),
        (true, false) => {
            let past = if r.spec.condition.is_downward() {
                "above"
            } else {
                "below"
            };
            format!("re-arms {past} band")
        }
    }
}

fn delivery(h: &HistoryEntry, channel: &str) -> String {
    match h.deliveries.get(channel) {
        None => "-".into(),
        Some(d) if d.status == DeliveryStatus::Pending && d.attempts > 0 => {
            format!("retry({})", d.attempts)
        }
        Some(d) => d.status.as_str().into(),
    }
}

pub fn time(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

fn print_json(v: &impl serde::Serialize) -> CmdResult {
    let text = serde_json::to_string(v).map_err(|e| fail(e, 1))?;
    println!("{text}");
    Ok(())
}
