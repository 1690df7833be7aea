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
  /** Calls `handler` with each market event: {type: "updated", ...snapshot} or {type: "failed", ...}. */
  onMarket: (handler) => listen("market", (e) => handler(e.payload)),
};

/** A sentence for the user from an IPC error ({kind, message}) or anything thrown. */
export function describe(err) {
  if (err && typeof err === "object" && "message" in err) return err.message;
  return String(err);
}
