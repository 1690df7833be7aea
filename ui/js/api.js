// Every call into Rust and every event subscription goes through here.
const { invoke } = window.__TAURI__.core;
const { listen } = window.__TAURI__.event;

export const api = {
  dashboard: () => invoke("dashboard"),
  refresh: () => invoke("refresh"),
  searchCoins: (query) => invoke("search_coins", { query }),
  watchlistAdd: (id) => invoke("watchlist_add", { id }),
  watchlistRemove: (id) => invoke("watchlist_remove", { id }),
  watchlistReorder: (ids) => invoke("watchlist_reorder", { ids }),
  currencies: () => invoke("currencies"),
  setCurrency: (code) => invoke("set_currency", { code }),
  markets: () => invoke("markets"),
  preferences: () => invoke("preferences"),
  /** key: "close_to_tray" | "autostart" */
  setPreference: (key, value) => invoke("set_preference", { key, value }),
  /** Logs the first painted dashboard (the start-up benchmark's mark) and the page's own marks. */
  uiReady: (marks) => invoke("ui_ready", { marks }),
  alerts: () => invoke("alerts"),
  /** `id` null creates a rule; `spec` is a RuleSpec (see alerts/rule.rs). */
  alertSave: (id, spec) => invoke("alert_save", { id, spec }),
  alertRemove: (id) => invoke("alert_remove", { id }),
  alertSetEnabled: (id, enabled) => invoke("alert_set_enabled", { id, enabled }),
  alertsAcknowledge: () => invoke("alerts_acknowledge"),
  emailSettings: () => invoke("email_settings"),
  emailSave: (form) => invoke("email_save", { form }),
  /** The password only goes to Rust, into the OS keyring; it never comes back. */
  emailSetPassword: (password) => invoke("email_set_password", { password }),
  emailClearPassword: () => invoke("email_clear_password"),
  emailTest: () => invoke("email_test"),
  /** Each firing ({type: "fired", ...}) and delivery ({type: "delivery", ...}). */
  onAlert: (handler) => listen("alert", (e) => handler(e.payload)),
  /** A notification was clicked: show this coin. */
  onOpenCoin: (handler) => listen("open-coin", (e) => handler(e.payload)),
  /** Calls `handler` with each market event: {type: "updated", ...snapshot} or {type: "failed", ...}. */
  onMarket: (handler) => listen("market", (e) => handler(e.payload)),
};

/** A sentence for the user from an IPC error ({kind, message}) or anything thrown. */
export function describe(err) {
  if (err && typeof err === "object" && "message" in err) return err.message;
  return String(err);
}
