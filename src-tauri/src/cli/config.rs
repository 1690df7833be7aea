//! `coinlytics config get|set|path`.

use clap::Subcommand;
use coinlytics_engine::config::Settings;

use super::{CmdResult, fail};

#[derive(Subcommand, Debug)]
pub enum ConfigCmd {
    /// Print one setting, or every setting with its value and meaning
    Get { key: Option<String> },
    /// Validate and save a setting in the config file
    Set { key: String, value: String },
    /// Print the path of the config file
    Path,
}

pub fn run(mut settings: Settings, cmd: ConfigCmd) -> CmdResult {
    match cmd {
        ConfigCmd::Get { key: Some(key) } => {
            println!("{}", settings.get(&key).map_err(|e| fail(e, 2))?);
        }
        ConfigCmd::Get { key: None } => {
            let entries = settings.entries();
            let w = entries.iter().map(|(k, _, _)| k.len()).max().unwrap_or(0);
            for (key, value, help) in entries {
                println!("{key:<w$} = {value:<40} # {help}");
            }
        }
        ConfigCmd::Set { key, value } => {
            settings
                .set_and_save(&key, &value)
                .map_err(|e| fail(e, 2))?;
            println!(
                "{key} = {}  (saved to {})",
                settings.get(&key).unwrap_or(value),
                settings.config_file.display()
            );
        }
        ConfigCmd::Path => println!("{}", settings.config_file.display()),
    }
    Ok(())
}
