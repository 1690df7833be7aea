//! The desktop window. The dashboard and tray build on the engine in later
//! steps; this module only opens the window and refuses clearly where there
//! is no display.

use std::process::ExitCode;

use crate::cli::Globals;

/// Whether a graphical session is reachable; GTK would abort without one.
fn has_display() -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

pub fn run(_globals: &Globals) -> ExitCode {
    if !has_display() {
        eprintln!(
            "coinlytics: no display (DISPLAY and WAYLAND_DISPLAY are unset), so the window cannot open.\n\
             The headless commands work without one: `coinlytics watch`, `coinlytics prices`, \
             `coinlytics --help` for the rest."
        );
        return ExitCode::from(2);
    }
    match tauri::Builder::default().run(tauri::generate_context!()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("coinlytics: the window failed: {e}");
            ExitCode::from(1)
        }
    }
}
