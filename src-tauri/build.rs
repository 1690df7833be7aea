/// The commands the window may call; each must also be granted in
/// capabilities/default.json (`allow-<command>`), so nothing is callable by
/// accident.
const COMMANDS: &[&str] = &[
    "dashboard",
    "refresh",
    "search_coins",
    "watchlist_add",
    "watchlist_remove",
    "watchlist_reorder",
    "currencies",
    "set_currency",
    "markets",
    "preferences",
    "set_preference",
    "set_tray_coins",
    "ui_ready",
    "alerts",
    "alert_save",
    "alert_remove",
    "alert_set_enabled",
    "alerts_acknowledge",
    "email_settings",
    "email_save",
    "email_set_password",
    "email_clear_password",
    "email_test",
];

fn main() {
    let attrs = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attrs) {
        panic!("tauri-build failed: {e:#}");
    }
}
