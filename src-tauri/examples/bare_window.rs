//! A bare Tauri window showing an empty page, built with the app's
//! configuration and profile: the baseline the whole-app figures in
//! BENCHMARKS.md are measured against (tests/bench/app-figures.py).
//!
//! Run: `cargo run --release -p coinlytics --example bare_window`

use std::time::Instant;

fn main() {
    let started = Instant::now();
    let mut context = tauri::generate_context!();
    if let Some(window) = context.config_mut().app.windows.first_mut() {
        window.url = tauri::WebviewUrl::App("bare.html".into());
        window.visible = true;
    }
    let result = tauri::Builder::default()
        .manage(started)
        .setup(move |_| {
            eprintln!("setup since_start_ms={}", started.elapsed().as_millis());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![ui_ready])
        .run(context);
    if let Err(e) = result {
        eprintln!("bare_window: {e}");
        std::process::exit(1);
    }
}

/// The same mark the app logs when its dashboard is first painted, with the
/// page's own marks as the page sent them.
#[tauri::command]
fn ui_ready(started: tauri::State<'_, Instant>, marks: Option<serde_json::Value>) {
    let unix_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    eprintln!(
        "dashboard ready since_start_ms={} unix_ms={unix_ms} marks={}",
        started.elapsed().as_millis(),
        marks.unwrap_or_default()
    );
}
