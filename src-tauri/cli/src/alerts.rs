//! `coinlytics alerts add|ls|rm|enable|disable|history|ack`: alert rules and
//! what they fired, for people and (with --json) scripts.

use chrono::{DateTime, Utc};
use clap::{Arg, ArgGroup, ArgMatches, Args, Command, FromArgMatches, Subcommand};
use coinlytics_engine::app::alerts::RuleInput;
use coinlytics_engine::model::alert::{
    Channels, Condition, DEFAULT_BAND_PCT, DEFAULT_LOOKBACK_SECS, Flag, HistoryEntry,
    format_duration,
};
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
pub struct AddArgs {
    /// The coin: an id like `bitcoin` or a symbol like `btc` (every rule but
    /// --value-above and --value-below)
    #[arg(long, value_name = "COIN")]
    coin: Option<String>,
    #[command(flatten)]
    when: ConditionFlags,
    /// The window of --move-pct or --anomaly, e.g. 15m, 1h, 1d
    #[arg(long, value_name = "DURATION")]
    window: Option<String>,
    #[arg(long, value_name = "DURATION", requires = TAKES_LOOKBACK, help = format!(
        "How far back --anomaly measures the usual return, e.g. 1d, 7d, 30d [default: {}]",
        format_duration(u64::from(DEFAULT_LOOKBACK_SECS))
    ))]
    lookback: Option<String>,
    /// The coin's target share of the portfolio, in % (with --drift)
    #[arg(long, value_name = "PCT", requires = TAKES_TARGET)]
    target: Option<String>,
    /// The portfolio a portfolio rule reads [default: all of them together]
    #[arg(long, value_name = "NAME")]
    portfolio: Option<String>,
    /// Currency of the level [default: the configured currency]
    #[arg(long, value_name = "CODE")]
    currency: Option<String>,
    /// Where to deliver: desktop, email and channels added with `coinlytics channel add`, comma-separated
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
    /// Send it through channels' quiet hours
    #[arg(long)]
    urgent: bool,
    /// Print the stored rule as JSON
    #[arg(long)]
    json: bool,
}

impl AddArgs {
    /// The flags as the engine's rule input: `--move-pct +5` is a rise,
    /// `-5` a fall, `5` either way.
    fn input(&self) -> Result<RuleInput, Error> {
        let Some((condition, level)) = self.when.picked.clone() else {
            // clap's group makes one of them required.
            let flags: Vec<String> = condition_flags()
                .map(|(_, f)| format!("--{}", f.long))
                .collect();
            let list = match flags.split_last() {
                Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
                None => String::new(),
            };
            return Err(coinlytics_engine::model::InvalidInput(format!(
                "say when to fire: {list}"
            ))
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
            channels: Channels {
                urgent: self.urgent,
                ..Channels::parse(&self.channel)?
            },
            note: self.note.clone(),
            once: self.once,
            band_pct: Some(self.band_pct.clone()),
            cooldown: Some(self.cooldown.clone()),
            confirm: self.confirm.clone(),
        })
    }
}

/// The group of the condition flags that take a lookback (`--anomaly`).
const TAKES_LOOKBACK: &str = "takes-lookback";
/// The group of the condition flags that take a target (`--drift`).
const TAKES_TARGET: &str = "takes-target";

/// Every condition's flag (`--above LEVEL`, `--move-pct PCT`, …), as the
/// engine defines it ([`Flag`]): a new condition brings its own.
fn condition_flags() -> impl Iterator<Item = (Condition, Flag)> {
    Condition::ALL
        .into_iter()
        .filter_map(|c| c.def().flag.map(|f| (c, f)))
}

/// The one condition flag given, as the condition and level it asks for.
#[derive(Debug, Clone, Default)]
struct ConditionFlags {
    picked: Option<(Condition, String)>,
}

impl FromArgMatches for ConditionFlags {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let picked = condition_flags().find_map(|(c, f)| {
            let v = m.get_one::<String>(f.long)?;
            Some(match f.pick {
                Some(pick) => pick(v),
                None => (c, v.clone()),
            })
        });
        Ok(ConditionFlags { picked })
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = ConditionFlags::from_arg_matches(m)?;
        Ok(())
    }
}

impl clap::Args for ConditionFlags {
    fn augment_args(cmd: Command) -> Command {
        let ids = |takes: fn(Condition) -> bool| {
            condition_flags()
                .filter(move |&(c, _)| takes(c))
                .map(|(_, f)| f.long)
        };
        let mut cmd = cmd
            .group(
                ArgGroup::new("condition")
                    .required(true)
                    .args(ids(|_| true)),
            )
            .group(
                ArgGroup::new(TAKES_LOOKBACK)
                    .multiple(true)
                    .args(ids(Condition::takes_lookback)),
            )
            .group(
                ArgGroup::new(TAKES_TARGET)
                    .multiple(true)
                    .args(ids(Condition::takes_target)),
            );
        for (c, f) in condition_flags() {
            let mut arg = Arg::new(f.long)
                .long(f.long)
                .value_name(f.value_name)
                .help(f.help)
                .allow_negative_numbers(f.negative);
            if c.takes_window() {
                arg = arg.requires("window");
            }
            if c.takes_target() {
                arg = arg.requires("target");
            }
            cmd = cmd.arg(arg);
        }
        cmd
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        ConditionFlags::augment_args(cmd)
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
                "{:<20} {:>8}  {:<44} {:<14} {:<14} OTHER CHANNELS",
                "FIRED (UTC)",
                "ALERT",
                "WHAT",
                "DESKTOP",
                "EMAIL"
            );
            for h in &history {
                let others: Vec<String> = (h.deliveries.iter())
                    .filter(|(c, _)| !matches!(c.as_str(), "desktop" | "email"))
                    .map(|(c, d)| format!("{c}: {}", d.label))
                    .collect();
                outln!(
                    "{:<20} {:>8}  {:<44} {:<14} {:<14} {}",
                    time(h.firing.fired_at),
                    h.firing.key,
                    h.description,
                    delivery(h, "desktop"),
                    delivery(h, "email"),
                    others.join(", ")
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

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::*;

    #[derive(Parser, Debug)]
    struct Add {
        #[command(flatten)]
        add: AddArgs,
    }

    /// The condition and level `args` ask for, or clap's error.
    fn check(args: &[&str]) -> Result<(Condition, String), String> {
        let all = ["add"].iter().chain(args);
        let add = Add::try_parse_from(all).map_err(|e| e.to_string())?;
        let input = add.add.input().map_err(|e| e.to_string())?;
        Ok((input.condition, input.level))
    }

    #[test]
    fn each_condition_has_its_flag_from_the_engine() {
        crate::Args::command().debug_assert();
        let ok = |c: Condition, level: &str| Ok((c, level.to_string()));
        assert_eq!(
            check(&["--above", "71,000"]),
            ok(Condition::Above, "71,000")
        );
        let window = |flag: &'static str, v: &'static str| [flag, v, "--window", "1h"];
        assert_eq!(check(&window("--move-pct", "5")), ok(Condition::Move, "5"));
        assert_eq!(
            check(&window("--move-pct", "+5")),
            ok(Condition::MoveUp, "5")
        );
        assert_eq!(
            check(&window("--move-pct", "-5")),
            ok(Condition::MoveDown, "5")
        );
        assert_eq!(
            check(&["--pnl-below", "-20"]),
            ok(Condition::PnlBelow, "-20")
        );
        assert_eq!(
            check(&["--drift", "5", "--target", "50"]),
            ok(Condition::Drift, "5")
        );
        for (args, needs) in [
            (&["--anomaly", "3"][..], "--window"),
            (&["--move-pct", "5"], "--window"),
            (&["--drift", "5"], "--target"),
            (&["--above", "1", "--lookback", "7d"], "--anomaly"),
            (&["--above", "1", "--target", "50"], "--drift"),
            (&["--above", "1", "--below", "2"], "cannot be used with"),
            (&[], "--spread-above"),
        ] {
            let err = check(args).expect_err("refused");
            assert!(err.contains(needs), "{args:?}: {err}");
        }
    }
}
