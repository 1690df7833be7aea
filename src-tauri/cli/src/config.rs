//! `coinlytics config get|set|path`.

use clap::Subcommand;
use coinlytics_engine::app::settings::{Key, Settings};
use coinlytics_engine::{Engine, Error};

#[derive(Subcommand, Debug)]
pub enum ConfigCmd {
    /// Print one setting, or every setting with its value and meaning
    Get { key: Option<String> },
    /// Validate and save a setting in the config file
    Set { key: String, value: String },
    /// Print the path of the config file
    Path,
}

impl ConfigCmd {
    /// `set` checks a currency against the provider's list, so it opens
    /// the engine; the others read the settings only.
    pub fn needs_engine(&self) -> bool {
        matches!(self, ConfigCmd::Set { .. })
    }
}

pub fn run_offline(settings: Settings, cmd: ConfigCmd) -> Result<(), Error> {
    match cmd {
        ConfigCmd::Get { key: Some(name) } => {
            outln!("{}", settings.get(Key::parse(&name, "the command line")?));
        }
        ConfigCmd::Get { key: None } => {
            let entries = settings.entries();
            let w = entries.iter().map(|(s, _)| s.name.len()).max().unwrap_or(0);
            for (spec, value) in entries {
                outln!("{:<w$} = {value:<40} # {}", spec.name, spec.help);
            }
        }
        ConfigCmd::Path => outln!("{}", settings.config_file.display()),
        // Routed to `run`, which has the engine that checks a currency.
        ConfigCmd::Set { .. } => return Err(Error::Internal("config set needs the engine".into())),
    }
    Ok(())
}

pub async fn run(engine: &Engine, cmd: ConfigCmd) -> Result<(), Error> {
    match cmd {
        ConfigCmd::Set { key, value } => {
            let key = engine.configure_named(&key, &value).await?;
            let settings = engine.settings();
            outln!(
                "{} = {}  (saved to {})",
                key.name(),
                settings.get(key),
                settings.config_file.display()
            );
            Ok(())
        }
        other => run_offline(engine.settings(), other),
    }
}
