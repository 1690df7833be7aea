/// The commands the window may call; each must also be granted in
/// capabilities/default.json (`allow-<command>`), so nothing is callable by
/// accident.
const COMMANDS: &[&str] = &[
    "window_events",
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
    "channels",
    "channel_save",
    "channel_remove",
    "channel_test",
    "coin",
    "history",
    "backfill",
    "compare",
    "convert",
    "portfolio",
    "portfolio_add",
    "portfolio_edit",
    "portfolio_remove",
    "portfolio_import",
    "portfolio_value",
    "portfolio_whatif",
    "portfolio_gains",
    "portfolio_mapping_guess",
    "portfolio_profiles",
    "portfolio_profile_save",
    "sources_report",
    "source_compare",
    "source_prefer",
];

/// The chart library's one file the page loads, copied from the npm
/// package (pinned by package-lock.json) into the embedded ui/ folder:
/// nothing else of node_modules ships.
const CHART_LIB: (&str, &str) = (
    "../node_modules/lightweight-charts/dist/lightweight-charts.standalone.production.mjs",
    "../ui/vendor/lightweight-charts.mjs",
);

fn vendor_chart_library() {
    let (from, to) = CHART_LIB;
    println!("cargo:rerun-if-changed={from}");
    let copied = std::fs::create_dir_all("../ui/vendor").and_then(|()| {
        let same = std::fs::read(from)? == std::fs::read(to).unwrap_or_default();
        if same {
            Ok(())
        } else {
            std::fs::copy(from, to).map(drop)
        }
    });
    if let Err(e) = copied {
        panic!(
            "cannot copy the chart library from {from} ({e}); run `npm ci` first (.ci/setup does)"
        );
    }
}

fn main() {
    vendor_chart_library();
    let attrs = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attrs) {
        panic!("tauri-build failed: {e:#}");
    }
}
