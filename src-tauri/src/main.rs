//! `coinlytics-desktop`: the window and the tray. `coinlytics` with no
//! subcommand starts it (with `--hidden` at login); it reads its settings
//! from the config file and `COINLYTICS_*` variables like every command.
//! Thin: every command calls the engine's application layer; engine events
//! are forwarded to the window and the tray as they come.

mod alerts;
mod analysis;
mod coin;
mod commands;
mod events;
#[cfg(test)]
mod ipc_types;
mod portfolio;
mod sources;
mod state;
mod tray;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use coinlytics_engine::Engine;
use coinlytics_engine::app::logging::{self, Stderr};
use coinlytics_engine::app::market::{MarketEvent, Snapshot, TickFrame};
use coinlytics_engine::app::settings::{Overrides, Settings};
use coinlytics_engine::model::PriceTick;
use tauri::{Manager, WindowEvent};

use state::AppState;

fn main() -> ExitCode {
    let started = Instant::now();
    coinlytics_engine::app::memory::limit_malloc_arenas();
    let mut hidden = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--hidden" => hidden = true,
            other => {
                eprintln!(
                    "coinlytics-desktop: unknown argument '{other}'; start the window with                      `coinlytics` (it takes the settings' flags), or `coinlytics --hidden`"
                );
                return ExitCode::from(2);
            }
        }
    }
    run(started, hidden)
}

/// Whether a graphical session is reachable; GTK would abort without one.
fn has_display() -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

/// The single-instance name on the session bus: one running app per data
/// directory, so a second launch on the same data focuses the first, while
/// separate data directories (other profiles, tests) run side by side.
fn instance_id(settings: &Settings) -> String {
    let dir = std::path::absolute(&settings.data_dir).unwrap_or_else(|_| settings.data_dir.clone());
    // FNV-1a: stable across builds and Rust versions, unlike std's hasher.
    let hash = dir
        .as_os_str()
        .as_encoded_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        });
    format!("app.coinlytics.desktop.d{hash:016x}")
}

/// WebKit settings that only its environment carries, for the web process
/// it starts: a table of prices needs no GPU layers, and WebKitGTK's
/// compositing mode costs a scrolling page about 90 MiB (GL contexts,
/// llvmpipe where there is no GPU, tile buffers); and a page that redraws a
/// few rows every few seconds gains nothing from JavaScriptCore's JIT
/// compilers but their code and memory: 9.5 MiB less with the dashboard
/// shown, 15.9 with a chart, every chart range still painted within 50 ms
/// (BENCHMARKS.md). A user who sets either variable keeps their choice.
#[allow(unsafe_code)]
fn configure_webkit() {
    const SETTINGS: [(&str, &str); 2] = [
        ("WEBKIT_DISABLE_COMPOSITING_MODE", "1"),
        ("JSC_useJIT", "false"),
    ];
    if !cfg!(target_os = "linux") {
        return;
    }
    for (var, value) in SETTINGS {
        if std::env::var_os(var).is_none() {
            // SAFETY: called first thing in `run`, while the process has
            // one thread: nothing reads the environment concurrently.
            unsafe { std::env::set_var(var, value) };
        }
    }
}

fn run(started: Instant, hidden: bool) -> ExitCode {
    configure_webkit();
    if !has_display() {
        eprintln!(
            "coinlytics: no display (DISPLAY and WAYLAND_DISPLAY are unset), so the window cannot open.\n\
             The headless commands work without one: `coinlytics watch`, `coinlytics prices`, \
             `coinlytics --help` for the rest."
        );
        return ExitCode::from(2);
    }
    let settings = match Settings::load(&Overrides::default()) {
        Ok(s) => s,
        Err(e) => {
            let e = coinlytics_engine::Error::from(e);
            eprintln!("coinlytics: {e}");
            return ExitCode::from(e.exit_code());
        }
    };
    let logs = logging::init(&settings, Stderr::Errors);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("coinlytics: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    tauri::async_runtime::set(runtime.handle().clone());
    // The engine spawns its tasks with tokio::spawn, from Tauri's main thread too.
    let _runtime_context = runtime.enter();
    // A store that cannot open (damaged, locked) is shown in the window, not
    // only on a stderr the user may never see.
    let engine = Engine::open(settings.clone()).map(Arc::new).map_err(|e| {
        tracing::error!(error = %e, "engine failed to open");
        e.body()
    });
    let state = AppState::new(engine.clone(), started);
    state.keep_logs(logs);
    tracing::debug!(since_start_ms = state.since_start_ms(), "engine open");
    let app = tauri::Builder::default()
        // First, so a second instance exits before it builds anything.
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(instance_id(&settings))
                .callback(|app, _args, _cwd| {
                    tracing::info!("a second launch asked for the dashboard");
                    tray::show_dashboard(app);
                })
                .build(),
        )
        .plugin(
            tauri_plugin_autostart::Builder::new()
                .arg("--hidden")
                .build(),
        )
        .manage(state)
        .manage(tray::TickerState::default())
        .manage(events::Outbox::default())
        .invoke_handler(tauri::generate_handler![
            events::window_events,
            commands::dashboard,
            sources::sources_report,
            sources::source_compare,
            sources::source_prefer,
            commands::refresh,
            commands::search_coins,
            commands::watchlist_add,
            commands::watchlist_remove,
            commands::watchlist_reorder,
            commands::currencies,
            commands::set_currency,
            commands::markets,
            commands::preferences,
            commands::set_preference,
            commands::set_tray_coins,
            commands::ui_ready,
            alerts::alerts,
            alerts::alert_save,
            alerts::alert_remove,
            alerts::alert_set_enabled,
            alerts::alerts_acknowledge,
            alerts::email_settings,
            alerts::email_save,
            alerts::email_set_password,
            alerts::email_clear_password,
            alerts::email_test,
            alerts::channels,
            alerts::channel_save,
            alerts::channel_remove,
            alerts::channel_test,
            coin::coin,
            coin::history,
            coin::backfill,
            analysis::compare,
            analysis::convert,
            portfolio::portfolio,
            portfolio::portfolio_add,
            portfolio::portfolio_edit,
            portfolio::portfolio_remove,
            portfolio::portfolio_import,
            portfolio::portfolio_value,
            portfolio::portfolio_whatif,
            portfolio::portfolio_gains,
            portfolio::portfolio_mapping_guess,
            portfolio::portfolio_profiles,
            portfolio::portfolio_profile_save,
        ])
        .setup(move |app| {
            let state = app.state::<AppState>();
            tracing::debug!(since_start_ms = state.since_start_ms(), "setup");
            if let Ok(engine) = &engine {
                forward_market_events(app.handle().clone(), engine.clone());
                forward_ticks(app.handle().clone(), engine.clone());
                state.resume(engine.clone());
                alerts::start(app.handle(), engine.clone());
                // Search runs over the stored coin list; keep it a day fresh.
                let engine = engine.clone();
                tauri::async_runtime::spawn(async move {
                    if let Err(e) = engine.ensure_coin_list().await {
                        tracing::warn!(error = %e, "cannot refresh the coin list");
                    }
                });
            }
            tray::create(app.handle())?;
            tracing::debug!(since_start_ms = state.since_start_ms(), "tray created");
            if !hidden {
                tray::show_dashboard(app.handle());
            }
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing the window keeps the app in the tray (unless the user
            // turned that off); Quit is in the tray menu.
            if let WindowEvent::CloseRequested { api, .. } = event {
                let state = window.state::<AppState>();
                if state.engine().is_ok_and(|e| e.settings().close_to_tray) {
                    api.prevent_close();
                    let _ = window.hide();
                }
            }
        })
        .build(tauri::generate_context!());
    match app {
        Ok(app) => {
            app.run(|app, event| {
                if let tauri::RunEvent::Exit = event {
                    app.state::<AppState>().shutdown();
                }
            });
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("coinlytics: the window failed to start: {e}");
            ExitCode::from(1)
        }
    }
}

/// Streamed prices reach the window at most once a frame of 250 ms, the
/// newest of each coin since the last, and the tray every 4 s (as often as
/// its label turns; each update is a GTK call and a D-Bus signal per menu
/// item). Four updates a second is as fast as a price can be read; each
/// frame repaints the rows it moves (without GPU compositing), and at 60
/// frames a second, the tray each second, 50 streamed coins kept the app at
/// 90 % of a core (BENCHMARKS.md).
const TICK_FRAME: Duration = Duration::from_millis(250);
const TRAY_TICK: Duration = Duration::from_secs(4);

/// Sends streamed prices to the window (`ticks`, coalesced per coin per
/// frame) and to the tray (the dashboard's last update, moved by them).
fn forward_ticks(app: tauri::AppHandle, engine: Arc<Engine>) {
    let mut ticks = engine.subscribe_ticks();
    let mut updates = engine.subscribe();
    tauri::async_runtime::spawn(async move {
        let mut pending = TickFrame::default();
        let mut shown: Option<Snapshot> = None;
        let mut tray_moved = false;
        let mut frame = tokio::time::interval(TICK_FRAME);
        frame.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut tray_frame = tokio::time::interval(TRAY_TICK);
        loop {
            tokio::select! {
                t = ticks.recv() => match t {
                    Ok(t) => pending.add(t),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                },
                u = updates.recv() => {
                    if let Ok(MarketEvent::Updated(snap)) = u
                        && engine.default_request().ok().as_ref() == Some(&snap.request)
                    {
                        shown = Some((*snap).clone());
                    }
                }
                _ = frame.tick(), if !pending.is_empty() => {
                    let batch = pending.take();
                    if let Some(snap) = &mut shown {
                        tray_moved |= move_quotes(snap, &batch);
                    }
                    events::send(&app, events::TICKS, &batch);
                }
                _ = tray_frame.tick() => {
                    if std::mem::take(&mut tray_moved) && let Some(snap) = &shown {
                        tray::on_update(&app, snap);
                    }
                }
            }
        }
    });
}

/// Moves the quotes of `snap` to the streamed prices; true if one moved.
fn move_quotes(snap: &mut Snapshot, ticks: &[PriceTick]) -> bool {
    let mut moved = false;
    for t in ticks {
        if t.currency != snap.currency {
            continue;
        }
        if let Some(q) = snap.quotes.iter_mut().find(|q| q.coin_id == t.coin_id) {
            q.apply_tick(t);
            moved = true;
        }
    }
    moved
}

/// Sends every market event to the window and the tray, in order.
fn forward_market_events(app: tauri::AppHandle, engine: Arc<Engine>) {
    let mut events = engine.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event) => {
                    if let MarketEvent::Updated(snap) = &event {
                        tray::on_update(&app, snap);
                    }
                    if let MarketEvent::Failed { request, .. } = &event {
                        // The window shows the dashboard's request (Markets
                        // gets its own answer): another request failing,
                        // e.g. an alert's, does not make it offline.
                        if engine.default_request().ok().as_ref() != Some(request) {
                            tracing::debug!(?request, "a background request failed");
                            continue;
                        }
                        tray::on_failure(&app);
                    }
                    let event = match event {
                        MarketEvent::Updated(snap) => {
                            MarketEvent::Updated(Arc::new(snap.for_drawing()))
                        }
                        other => other,
                    };
                    events::send(&app, events::MARKET, &event);
                    // A refresh is the window's burst of work; what it
                    // freed is not needed until the next, seconds away.
                    coinlytics_engine::app::memory::release_free_heap();
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    tracing::debug!(skipped = n, "window fell behind the market");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}
