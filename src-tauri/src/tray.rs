//! The tray: an icon whose label is a live ticker ("BTC $67,187.33 ▲3.6%"),
//! cycling through the first watched coins, and a menu listing every
//! watched coin with its price and change, plus Open, Pause and Quit. With
//! the setting `tray_portfolio`, and privacy off, the portfolio's total value
//! takes its turn in the label.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use coinlytics_engine::app::market::Snapshot;
use coinlytics_engine::app::portfolio::Tracker;
use coinlytics_engine::model::Quote;
use rust_decimal::Decimal;
use tauri::image::Image;
use tauri::menu::{CheckMenuItem, Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Wry};

use crate::state::{AppState, lock};
use coinlytics_engine::format;

const TRAY_ID: &str = "main";
/// How many coins the label cycles through.
const TICKER_COINS: usize = 3;
const CYCLE: Duration = Duration::from_secs(4);
/// Before the label while an alert is unacknowledged.
pub const ALERT_MARK: &str = "● ";

/// What the tray shows; kept ([`TickerState`]) so the label can cycle
/// between updates.
#[derive(Default)]
pub struct Ticker {
    labels: Vec<String>,
    /// "Portfolio $12,345.67", after the coins; `None` unless asked for.
    portfolio: Option<String>,
    /// The portfolio's positions, kept between price updates: replayed
    /// only when the transactions change. Made when first asked for.
    tracker: Option<Arc<Tracker>>,
    /// The last prices of the watched coins (streamed ones included), by
    /// id, and their currency: what the total is valued at.
    prices: (String, HashMap<String, Decimal>),
    /// The label shown now, by its place in the cycle.
    shown: usize,
    offline: bool,
    /// Alerts fired and not yet seen: the label and icon carry a mark.
    alerts: i64,
    /// The menu's coin items, so a price update changes their text in
    /// place: replacing the menu would close it under a user reading it.
    coin_items: CoinItems,
}

/// "BTC $67,187.33 ▲3.6%"
fn label(q: &Quote) -> String {
    let change = match q.change_24h_pct {
        Some(p) if p >= 0.0 => format!(" ▲{p:.1}%"),
        Some(p) => format!(" ▼{:.1}%", p.abs()),
        None => String::new(),
    };
    format!(
        "{} {}{change}",
        q.symbol.to_ascii_uppercase(),
        format::price(q.price, &q.currency)
    )
}

/// "Portfolio $12,345.67": the holdings' total.
fn portfolio_label(total: Decimal, currency: &str) -> String {
    format!("Portfolio {}", format::price(total, currency))
}

/// The setting asks for the total, and privacy does not hide it.
fn shows_portfolio(s: &coinlytics_engine::app::settings::Settings) -> bool {
    s.tray_portfolio && !s.privacy
}

/// Values the portfolio for the label when `tray_portfolio` asks and
/// privacy allows (otherwise takes its line away at once): its positions,
/// kept by the [`Tracker`] until a transaction changes, at the last prices
/// the tray was given (streamed ones too), else the stored ones.
pub fn update_portfolio(app: &AppHandle) {
    let (Some(state), Some(ticker)) = (app.try_state::<AppState>(), ticker_of(app)) else {
        return;
    };
    let Ok(engine) = state.engine() else { return };
    let wanted = |e: &coinlytics_engine::Engine| shows_portfolio(&e.settings());
    if !wanted(&engine) {
        lock(&ticker).portfolio = None;
        return;
    }
    let currency = engine.settings().currency;
    let (tracker, prices) = {
        let mut t = lock(&ticker);
        let tracker = (t.tracker)
            .get_or_insert_with(|| Arc::new(engine.portfolio_tracker()))
            .clone();
        let prices = (t.prices.0 == currency).then(|| t.prices.1.clone());
        (tracker, prices.unwrap_or_default())
    };
    let app = app.clone();
    // The store is read (a counter; the transactions when they changed)
    // on a blocking thread.
    tauri::async_runtime::spawn_blocking(move || {
        let line = match tracker.total(&currency, &prices) {
            Ok(total) => total.map(|t| portfolio_label(t, &currency)),
            Err(e) => {
                tracing::warn!(error = %e, "cannot value the portfolio for the tray");
                None
            }
        };
        if let Some(ticker) = ticker_of(&app) {
            // Privacy may have come on while it was valued.
            lock(&ticker).portfolio = line.filter(|_| wanted(&engine));
        }
    });
}

/// The quotes the label cycles through: the chosen coins in their order,
/// or (none chosen, or none of them watched) the first watched coins.
fn ticker_quotes<'a>(quotes: &'a [Quote], chosen: &[String]) -> Vec<&'a Quote> {
    let picked: Vec<&Quote> = chosen
        .iter()
        .filter_map(|id| quotes.iter().find(|q| q.coin_id == *id))
        .collect();
    if picked.is_empty() {
        quotes.iter().take(TICKER_COINS).collect()
    } else {
        picked
    }
}

/// Each coin's id, menu item and the text it shows.
type CoinItems = Vec<(String, MenuItem<Wry>, String)>;

/// The tray menu and its coin items.
fn build_menu(
    app: &AppHandle,
    quotes: &[Quote],
    paused: bool,
) -> tauri::Result<(Menu<Wry>, CoinItems)> {
    let menu = Menu::new(app)?;
    let mut items = Vec::with_capacity(quotes.len());
    for q in quotes {
        let item = MenuItem::with_id(
            app,
            format!("coin:{}", q.coin_id),
            label(q),
            true,
            None::<&str>,
        )?;
        menu.append(&item)?;
        items.push((q.coin_id.clone(), item, label(q)));
    }
    if !quotes.is_empty() {
        menu.append(&PredefinedMenuItem::separator(app)?)?;
    }
    menu.append(&MenuItem::with_id(
        app,
        "open",
        "Open dashboard",
        true,
        None::<&str>,
    )?)?;
    menu.append(&CheckMenuItem::with_id(
        app,
        "pause",
        "Pause updates",
        true,
        paused,
        None::<&str>,
    )?)?;
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    menu.append(&MenuItem::with_id(
        app,
        "quit",
        "Quit Coinlytics",
        true,
        None::<&str>,
    )?)?;
    Ok((menu, items))
}

/// The tray's ticker as Tauri manages it, beside `AppState` (which the
/// tray reads, so it cannot hold the tray's state).
pub type TickerState = Mutex<Ticker>;

fn ticker_of(app: &AppHandle) -> Option<tauri::State<'_, TickerState>> {
    app.try_state::<TickerState>()
}

pub fn create(app: &AppHandle) -> tauri::Result<()> {
    let icon = Image::from_bytes(include_bytes!("../../icons/tray.png"))?;
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon)
        .title("Coinlytics")
        .tooltip("Coinlytics")
        .menu(&build_menu(app, &[], false)?.0)
        .on_menu_event(on_menu_event)
        .build(app)?;
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(CYCLE);
        loop {
            tick.tick().await;
            show_label(&app, true);
        }
    });
    Ok(())
}

/// Shows the label in turn (`advance`, every [`CYCLE`]) or the one shown,
/// with its price brought up to date: an update, which streamed prices send
/// every second, must neither hold the cycle at the first coin nor rush it.
fn show_label(app: &AppHandle, advance: bool) {
    let Some(ticker) = ticker_of(app) else {
        return;
    };
    let title = {
        let mut t = lock(&ticker);
        let mark = if t.alerts > 0 { ALERT_MARK } else { "" };
        let n = t.labels.len() + usize::from(t.portfolio.is_some());
        if n == 0 {
            if t.alerts == 0 {
                return;
            }
            format!("{mark}Coinlytics")
        } else {
            let i = (t.shown + usize::from(advance)) % n;
            t.shown = i;
            let text = t.labels.get(i).or(t.portfolio.as_ref()).cloned();
            let suffix = if t.offline { " (offline)" } else { "" };
            format!("{mark}{}{suffix}", text.unwrap_or_default())
        }
    };
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let _ = tray.set_title(Some(&title));
    }
}

/// New quotes of the watchlist (or of the top coins while it is empty).
pub fn on_update(app: &AppHandle, snap: &Snapshot) {
    let (Some(state), Some(ticker)) = (app.try_state::<AppState>(), ticker_of(app)) else {
        return;
    };
    let Ok(engine) = state.engine() else { return };
    if engine.default_request().ok().as_ref() != Some(&snap.request) {
        return; // e.g. the Markets view's top 250
    }
    {
        let mut t = lock(&ticker);
        t.labels = ticker_quotes(&snap.quotes, &engine.settings().tray_coins)
            .into_iter()
            .map(label)
            .collect();
        t.offline = false;
        let prices = snap.quotes.iter().map(|q| (q.coin_id.clone(), q.price));
        t.prices = (snap.currency.clone(), prices.collect());
    }
    let tooltip: Vec<String> = snap.quotes.iter().map(label).collect();
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let _ = tray.set_tooltip(Some(tooltip.join("\n")));
        let mut items = lock(&ticker).coin_items.clone();
        let same_coins = items.len() == snap.quotes.len()
            && items
                .iter()
                .zip(&snap.quotes)
                .all(|((id, ..), q)| *id == q.coin_id);
        if same_coins {
            // Each change is a GTK call on the main thread and a D-Bus
            // signal to the panel: only the labels that changed.
            for ((_, item, shown), q) in items.iter_mut().zip(&snap.quotes) {
                let text = label(q);
                if *shown != text && item.set_text(&text).is_ok() {
                    *shown = text;
                }
            }
            lock(&ticker).coin_items = items;
        } else {
            match build_menu(app, &snap.quotes, state.is_paused()) {
                Ok((menu, items)) => {
                    let _ = tray.set_menu(Some(menu));
                    lock(&ticker).coin_items = items;
                }
                Err(e) => tracing::warn!(error = %e, "cannot rebuild the tray menu"),
            }
        }
    }
    update_portfolio(app);
    show_label(app, false);
}

/// Marks the tray while `count` fired alerts are unacknowledged: a dot
/// before the label, a dot on the icon, and a line in the tooltip.
pub fn set_alert_count(app: &AppHandle, count: i64) {
    let Some(ticker) = ticker_of(app) else {
        return;
    };
    let changed = {
        let mut t = lock(&ticker);
        let changed = (t.alerts > 0) != (count > 0);
        t.alerts = count;
        changed
    };
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        if changed {
            let bytes: &[u8] = if count > 0 {
                include_bytes!("../../icons/tray-alert.png")
            } else {
                include_bytes!("../../icons/tray.png")
            };
            if let Ok(icon) = Image::from_bytes(bytes) {
                let _ = tray.set_icon(Some(icon));
            }
        }
        if count > 0 {
            let _ = tray.set_tooltip(Some(format!("Coinlytics: {count} new alert(s)")));
        }
    }
    show_label(app, false);
}

/// The last refresh failed: the label says the prices are stale.
pub fn on_failure(app: &AppHandle) {
    if let Some(ticker) = ticker_of(app) {
        lock(&ticker).offline = true;
    }
    show_label(app, false);
}

pub fn show_dashboard(app: &AppHandle) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
}

/// Brings the window up at a coin's view (a tray menu item, a clicked
/// notification).
pub fn open_coin(app: &AppHandle, coin: &str) {
    show_dashboard(app);
    crate::events::send(app, crate::events::OPEN_COIN, &coin);
}

fn on_menu_event(app: &AppHandle, event: MenuEvent) {
    match event.id().as_ref() {
        "open" => show_dashboard(app),
        "quit" => app.exit(0),
        "pause" => {
            let state = app.state::<AppState>();
            if state.is_paused() {
                if let Ok(engine) = state.engine() {
                    state.resume(engine);
                }
            } else {
                state.pause();
            }
        }
        id if id.starts_with("coin:") => open_coin(app, &id["coin:".len()..]),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quote(id: &str) -> Quote {
        coinlytics_engine::testing::quote(id, "1")
    }

    #[test]
    fn the_portfolio_s_total_shows_only_when_asked_and_never_in_privacy() {
        // No config file there: the settings are the defaults.
        let dir = std::path::Path::new("/nonexistent/coinlytics-tray-test");
        let mut s = coinlytics_engine::testing::settings(dir, "http://127.0.0.1:9");
        (s.tray_portfolio, s.privacy) = (false, false);
        assert!(!shows_portfolio(&s));
        s.tray_portfolio = true;
        assert!(shows_portfolio(&s));
        s.privacy = true;
        assert!(!shows_portfolio(&s), "privacy hides it");
    }

    #[test]
    fn the_ticker_shows_the_chosen_coins_or_the_first_three() {
        let quotes: Vec<Quote> = ["bitcoin", "ethereum", "solana", "cardano"]
            .map(quote)
            .into();
        let ids = |chosen: &[&str]| -> Vec<String> {
            let chosen: Vec<String> = chosen.iter().map(|s| s.to_string()).collect();
            ticker_quotes(&quotes, &chosen)
                .iter()
                .map(|q| q.coin_id.clone())
                .collect()
        };
        assert_eq!(ids(&[]), ["bitcoin", "ethereum", "solana"]);
        assert_eq!(ids(&["cardano", "bitcoin"]), ["cardano", "bitcoin"]);
        assert_eq!(ids(&["dogecoin", "solana"]), ["solana"]);
        assert_eq!(ids(&["dogecoin"]), ["bitcoin", "ethereum", "solana"]);
    }
}
