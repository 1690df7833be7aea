//! `coinlytics` with no subcommand: start the window. The window is its own
//! executable, `coinlytics-desktop`, beside this one, so that the headless
//! commands never load GTK or WebKit. It replaces this process (same pid,
//! same environment), as if the user had started it.

use std::path::PathBuf;
use std::process::Command;

use coinlytics_engine::Error;
use coinlytics_engine::app::settings::{CONFIG_ENV, Settings};

use crate::args::Globals;

/// The window's executable name.
const DESKTOP: &str = "coinlytics-desktop";

fn desktop_path() -> Result<PathBuf, Error> {
    let me = std::env::current_exe()
        .map_err(|e| Error::Internal(format!("cannot tell where coinlytics is installed: {e}")))?;
    let path = me.with_file_name(format!("{DESKTOP}{}", std::env::consts::EXE_SUFFIX));
    if path.exists() {
        Ok(path)
    } else {
        Err(Error::NotFound(format!(
            "the window is not installed ({} is missing; the package coinlytics-desktop \
             installs it); the headless commands still work: \
             `coinlytics watch`, `coinlytics prices`, `coinlytics --help` for the rest",
            path.display()
        )))
    }
}

/// Starts the window with the settings the flags give. The flags are
/// checked here, so a bad one is reported like any command's, and handed
/// on as the environment variables of the same settings (a flag beats the
/// environment, so this changes no precedence).
pub fn start(globals: &Globals, hidden: bool) -> Result<(), Error> {
    Settings::load(&globals.overrides())?;
    let mut cmd = Command::new(desktop_path()?);
    if hidden {
        cmd.arg("--hidden");
    }
    if let Some(file) = &globals.config {
        cmd.env(CONFIG_ENV, file);
    }
    for (key, value) in &globals.values {
        cmd.env(key.spec().env, value);
    }
    run(cmd)
}

#[cfg(unix)]
fn run(mut cmd: Command) -> Result<(), Error> {
    use std::os::unix::process::CommandExt;
    // Only returns on failure.
    let e = cmd.exec();
    Err(Error::Internal(format!("cannot start the window: {e}")))
}

#[cfg(not(unix))]
fn run(mut cmd: Command) -> Result<(), Error> {
    let status = cmd
        .status()
        .map_err(|e| Error::Internal(format!("cannot start the window: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::Internal(format!("the window exited with {status}")))
    }
}
