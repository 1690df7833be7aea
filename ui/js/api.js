// Every call into Rust and every event subscription goes through here.
// The types of what crosses are in src-tauri/gen/ipc.d.ts (the `Ipc` namespace).
//
// The page runs in two places: the Coinlytics window, where it calls Tauri's
// commands, and a browser, where `coinlytics serve` serves it and it calls
// that server's /api/v1 (the same actions, the same types, the same
// `{kind, message}` errors). Only this file knows which.

/**
 * What the page uses of Tauri's global API (`withGlobalTauri`). What a
 * command answers is the type its wrapper below declares.
 * @typedef {{core: {invoke: <T>(command: string, args?: Record<string, unknown>) => Promise<T>}}} Tauri
 * @typedef {Record<string, any>} Args
 * @typedef {{name: string, value: string}} Setting one of `GET /settings`
 */
const tauri = /** @type {{__TAURI__?: Tauri}} */ (window).__TAURI__;

/** Whether the page runs in the Coinlytics window (else in a browser, from `coinlytics serve`). */
export const inWindow = tauri !== undefined;

/**
 * Rust's events, in order, handed to their handlers: `{kind, payload}`
 * from the window's outbox (src-tauri/src/events.rs) or the server's
 * stream (src-tauri/server/src/stream.rs) alike.
 * @typedef {{kind: string, payload: unknown}} WindowEvent
 * @type {Map<string, Set<(payload: unknown) => void>>}
 */
const handlers = new Map();
let reading = false;

/** @param {WindowEvent} event */
function dispatch(event) {
  for (const handler of handlers.get(event.kind) ?? []) {
    try {
      handler(event.payload);
    } catch (e) {
      console.error(`a ${event.kind} event's handler failed`, e);
    }
  }
}

/**
 * The window's events, read by asking `window_events` for those after the
 * last one seen; Rust answers as soon as there is one (or with none after
 * a while). A pull, not Tauri's `emit`: see events.rs for why.
 * @param {Tauri} tauri
 */
async function readWindowEvents(tauri) {
  /** @type {number | null} */
  let after = null;
  for (;;) {
    try {
      const batch = /** @type {{next: number, events: WindowEvent[]}} */ (await tauri.core.invoke("window_events", { after }));
      after = batch.next;
      batch.events.forEach(dispatch);
    } catch (e) {
      console.error("cannot read the app's events; trying again", e);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/** The stream's close code for a session that is no longer valid. */
const NOT_SIGNED_IN = 4401;

/**
 * The server's events: its WebSocket, opened again (waiting longer each
 * time, up to 10 s) whenever it closes, unless the session has ended.
 */
function readStream() {
  let wait = 1000;
  const open = () => {
    const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/v1/stream`);
    ws.onopen = () => {
      wait = 1000;
      ws.send(JSON.stringify({ type: "subscribe", topics: ["prices", "firings", "backfill"] }));
    };
    ws.onmessage = (m) => {
      try {
        dispatch(/** @type {WindowEvent} */ (JSON.parse(m.data)));
      } catch (e) {
        console.error("a stream message could not be read", e);
      }
    };
    ws.onclose = (e) => {
      if (e.code === NOT_SIGNED_IN) return signIn();
      setTimeout(open, wait);
      wait = Math.min(wait * 2, 10_000);
    };
  };
  open();
}

/**
 * @template T
 * @param {string} kind
 * @param {(payload: T) => void} handler
 * @returns {Promise<() => void>} unsubscribes
 */
function listen(kind, handler) {
  const set = handlers.get(kind) ?? new Set();
  handlers.set(kind, set);
  // Each kind's payload is the type its `on…` wrapper below declares.
  const untyped = /** @type {(payload: unknown) => void} */ (handler);
  set.add(untyped);
  if (!reading) {
    reading = true;
    if (tauri) readWindowEvents(tauri);
    else readStream();
  }
  return Promise.resolve(() => {
    set.delete(untyped);
  });
}

/** The browser's session has ended (or never began): to the sign-in page. */
function signIn() {
  location.replace("signin.html");
}

/**
 * One request to the server's /api/v1; its answer's JSON (or text), or
 * its `{kind, message}` thrown as a command's error is.
 * @param {string} method
 * @param {string} path under /api/v1
 * @param {{query?: Args, json?: unknown, file?: string}} [what]
 * @returns {Promise<any>}
 */
async function http(method, path, what = {}) {
  const url = new URL(`/api/v1${path}`, location.origin);
  for (const [k, v] of Object.entries(what.query ?? {})) {
    if (v !== null && v !== undefined) url.searchParams.set(k, String(v));
  }
  /** @type {RequestInit} */
  const init = { method, credentials: "same-origin" };
  if (what.json !== undefined) {
    init.headers = { "Content-Type": "application/json" };
    init.body = JSON.stringify(what.json);
  } else if (what.file !== undefined) {
    init.headers = { "Content-Type": "text/csv" };
    init.body = what.file;
  }
  let res;
  try {
    res = await fetch(url, init);
  } catch {
    throw { kind: "internal", message: `Coinlytics at ${location.host} cannot be reached: is \`coinlytics serve\` still running?` };
  }
  if (res.status === 401) signIn();
  if (!res.ok) {
    throw await res.json().catch(() => ({ kind: "internal", message: `the server answered ${res.status} ${res.statusText}` }));
  }
  if (res.status === 202 || res.status === 204) return undefined;
  return (res.headers.get("content-type") ?? "").includes("json") ? res.json() : res.text();
}

const setting = (/** @type {Setting[]} */ all, /** @type {string} */ name) => all.find((s) => s.name === name)?.value ?? "";
const id = (/** @type {unknown} */ v) => encodeURIComponent(String(v));

/**
 * Each command as a request to /api/v1 (src-tauri/server/src/routes):
 * what a command's arguments become.
 * @type {Record<string, (a: Args) => Promise<any>>}
 */
const routes = {
  dashboard: () => http("GET", "/dashboard"),
  markets: () => http("GET", "/markets"),
  refresh: () => http("POST", "/refresh"),
  search_coins: (a) => http("GET", "/search", { query: { q: a.query } }),
  currencies: () => http("GET", "/currencies"),
  set_currency: (a) => http("PATCH", "/settings", { json: { currency: a.code } }),
  watchlist_add: (a) => http("POST", "/watchlist", { json: { id: a.id } }),
  watchlist_remove: (a) => http("DELETE", `/watchlist/${id(a.id)}`),
  watchlist_reorder: (a) => http("PUT", "/watchlist/order", { json: { ids: a.ids } }),
  preferences: async () => {
    const all = /** @type {Setting[]} */ (await http("GET", "/settings"));
    /** @type {Ipc.Preferences} */
    const prefs = {
      close_to_tray: setting(all, "close_to_tray") === "true",
      privacy: setting(all, "privacy") === "true",
      tray_portfolio: setting(all, "tray_portfolio") === "true",
      // Start at login is the desktop session's, which a browser has none of.
      autostart: false,
      tray_coins: setting(all, "tray_coins").split(",").filter(Boolean),
    };
    return prefs;
  },
  set_preference: (a) => http("PATCH", "/settings", { json: { [a.key]: String(a.value) } }),
  set_tray_coins: (a) => http("PATCH", "/settings", { json: { tray_coins: a.ids.join(",") } }),
  // The start-up benchmark's mark is the window's.
  ui_ready: async () => undefined,
  coin: (a) => http("GET", `/coins/${id(a.id)}`),
  history: (a) => http("GET", `/coins/${id(a.id)}/history`, { query: { range: a.range, candles: a.candles } }),
  backfill: (a) => http("POST", `/coins/${id(a.id)}/backfill`, { query: { range: a.range } }),
  compare: (a) => http("GET", "/compare", { query: { coins: a.ids.join(","), range: a.range } }),
  convert: (a) => http("GET", "/convert", { query: { amount: a.amount, from: a.from, to: a.to } }),
  sources_report: () => http("GET", "/sources"),
  source_compare: (a) => http("GET", `/sources/${id(a.coin)}`),
  source_prefer: (a) => http("PUT", `/sources/${id(a.coin)}/preference`, { json: { source: a.source } }),
  alerts: () => http("GET", "/alerts/page"),
  alert_save: (a) => (a.id === null ? http("POST", "/alerts", { json: a.input }) : http("PUT", `/alerts/${id(a.id)}`, { json: a.input })),
  alert_remove: (a) => http("DELETE", `/alerts/${id(a.id)}`),
  alert_set_enabled: (a) => http("PUT", `/alerts/${id(a.id)}/enabled`, { json: { enabled: a.enabled } }),
  alerts_acknowledge: () => http("POST", "/alerts/history/acknowledge"),
  email_settings: () => http("GET", "/email"),
  email_save: (a) => http("PUT", "/email", { json: a.form }),
  email_set_password: (a) => http("PUT", "/email/password", { json: { password: a.password } }),
  email_clear_password: () => http("DELETE", "/email/password"),
  email_test: () => http("POST", "/email/test"),
  channels: () => http("GET", "/channels"),
  channel_save: (a) => http("PUT", `/channels/${id(a.input.name)}`, { json: a.input }),
  channel_remove: (a) => http("DELETE", `/channels/${id(a.name)}`),
  channel_test: (a) => http("POST", `/channels/${id(a.name)}/test`),
  portfolio: (a) => http("GET", "/portfolio", { query: { portfolio: a.portfolio, method: a.method, listed: a.listed } }),
  portfolio_add: (a) => http("POST", "/portfolio/transactions", { json: a.form }),
  portfolio_edit: (a) => http("PUT", `/portfolio/transactions/${id(a.id)}`, { json: a.form }),
  portfolio_remove: (a) => http("DELETE", `/portfolio/transactions/${id(a.id)}`),
  portfolio_import: (a) =>
    http("POST", "/portfolio/import", {
      query: { portfolio: a.portfolio, dry_run: a.dryRun, ...(a.mapping ? { mapping: JSON.stringify(a.mapping) } : { format: a.format }) },
      file: a.text,
    }),
  portfolio_mapping_guess: (a) => http("POST", "/portfolio/import/guess", { file: a.text }),
  portfolio_profiles: () => http("GET", "/portfolio/profiles"),
  portfolio_profile_save: (a) => http("PUT", `/portfolio/profiles/${id(a.name)}`, { json: a.mapping }),
  portfolio_value: (a) => http("GET", "/portfolio/value", { query: { portfolio: a.portfolio } }),
  portfolio_gains: (a) => http("GET", "/portfolio/gains", { query: { year: a.year, portfolio: a.portfolio, method: a.method } }),
  portfolio_whatif: (a) => http("GET", "/portfolio/whatif", { query: { coin: a.coin, quantity: a.quantity, price: a.price, portfolio: a.portfolio } }),
};

/**
 * Calls a command: Tauri's in the window, its route in a browser.
 * @param {string} command
 * @param {Args} [args]
 * @returns {Promise<any>}
 */
function invoke(command, args = {}) {
  if (tauri) return tauri.core.invoke(command, args);
  const route = routes[command];
  if (!route) return Promise.reject({ kind: "internal", message: `${command} is not served to a browser` });
  return route(args);
}

/** Ends the browser's session (the window has none). */
export async function signOut() {
  await http("DELETE", "/session").catch(() => undefined);
  signIn();
}

export const api = {
  /** @returns {Promise<Ipc.Dashboard>} */
  dashboard: () => invoke("dashboard"),
  /**
   * The Portfolio view: holdings (each portfolio's method, or `method` for all) and transactions.
   * @param {string | null} portfolio
   * @param {string | null} method
   * @param {number} listed how many of the newest transactions to list
   * @returns {Promise<Ipc.PortfolioPage>}
   */
  portfolio: (portfolio, method, listed) => invoke("portfolio", { portfolio, method, listed }),
  /**
   * @param {Ipc.TxForm} form Rust checks every field.
   * @returns {Promise<Ipc.Tx[]>} what was recorded (a transfer: both legs)
   */
  portfolioAdd: (form) => invoke("portfolio_add", { form }),
  /**
   * @param {number} id
   * @param {Ipc.TxForm} form
   * @returns {Promise<Ipc.Tx>}
   */
  portfolioEdit: (id, form) => invoke("portfolio_edit", { id, form }),
  /**
   * @param {number} id
   * @returns {Promise<Ipc.Tx[]>} what was removed
   */
  portfolioRemove: (id) => invoke("portfolio_remove", { id }),
  /**
   * A file's text into `portfolio`, through `mapping` when given, else as `format` says; `dryRun`: only the preview.
   * @param {string} text
   * @param {string} portfolio
   * @param {string} format "auto", "generic", "coinbase", "kraken", "binance" or a saved profile's name
   * @param {Ipc.Mapping | null} mapping which of the file's columns holds each field
   * @param {boolean} dryRun
   * @returns {Promise<Ipc.ImportReport>}
   */
  portfolioImport: (text, portfolio, format, mapping, dryRun) => invoke("portfolio_import", { text, portfolio, format, mapping, dryRun }),
  /**
   * A file's columns, the guess of which holds each field, and its layout if Rust knows it.
   * @param {string} text
   * @returns {Promise<Ipc.MappingGuess>}
   */
  portfolioMappingGuess: (text) => invoke("portfolio_mapping_guess", { text }),
  /** @returns {Promise<Ipc.ImportProfile[]>} the saved mappings, by name */
  portfolioProfiles: () => invoke("portfolio_profiles"),
  /**
   * Saves `mapping` as the import profile `name` (replacing one so named); Rust checks both.
   * @param {string} name
   * @param {Ipc.Mapping} mapping
   * @returns {Promise<Ipc.ImportProfile>}
   */
  portfolioProfileSave: (name, mapping) => invoke("portfolio_profile_save", { name, mapping }),
  /**
   * @param {string | null} portfolio all when null
   * @returns {Promise<Ipc.ValueHistory>}
   */
  portfolioValue: (portfolio) => invoke("portfolio_value", { portfolio }),
  /**
   * A tax year's realized gains, by lot; not tax advice.
   * @param {number} year
   * @param {string | null} portfolio
   * @param {string | null} method
   * @returns {Promise<Ipc.GainsReport>}
   */
  portfolioGains: (year, portfolio, method) => invoke("portfolio_gains", { year, portfolio, method }),
  /**
   * What selling `quantity` of `coin` now would realize under each method.
   * @param {string} coin
   * @param {string} quantity
   * @param {string | null} price the stored price when null
   * @param {string | null} portfolio all when null
   * @returns {Promise<Ipc.WhatIf>}
   */
  portfolioWhatIf: (coin, quantity, price, portfolio) => invoke("portfolio_whatif", { coin, quantity, price, portfolio }),
  /** @returns {Promise<void>} */
  refresh: () => invoke("refresh"),
  /**
   * @param {string} query
   * @returns {Promise<Ipc.Coin[]>}
   */
  searchCoins: (query) => invoke("search_coins", { query }),
  /**
   * @param {string} id
   * @returns {Promise<Ipc.Added>}
   */
  watchlistAdd: (id) => invoke("watchlist_add", { id }),
  /**
   * @param {string} id
   * @returns {Promise<Ipc.Coin>} the coin removed
   */
  watchlistRemove: (id) => invoke("watchlist_remove", { id }),
  /**
   * @param {string[]} ids
   * @returns {Promise<void>}
   */
  watchlistReorder: (ids) => invoke("watchlist_reorder", { ids }),
  /** @returns {Promise<string[]>} */
  currencies: () => invoke("currencies"),
  /**
   * @param {string} code
   * @returns {Promise<void>}
   */
  setCurrency: (code) => invoke("set_currency", { code }),
  /** @returns {Promise<Ipc.Markets>} */
  markets: () => invoke("markets"),
  /** @returns {Promise<Ipc.Preferences>} */
  preferences: () => invoke("preferences"),
  /**
   * key: "close_to_tray" | "autostart" | "privacy"
   * @param {Ipc.Preference} key
   * @param {boolean} value
   * @returns {Promise<void>}
   */
  setPreference: (key, value) => invoke("set_preference", { key, value }),
  /**
   * The tray ticker's coins, in order (at most 5; none: the first three).
   * @param {string[]} ids
   * @returns {Promise<void>}
   */
  setTrayCoins: (ids) => invoke("set_tray_coins", { ids }),
  /**
   * Logs the first painted dashboard (the start-up benchmark's mark) and the page's own marks.
   * @param {Ipc.UiMarks} marks
   * @returns {Promise<void>}
   */
  uiReady: (marks) => invoke("ui_ready", { marks }),
  /** @returns {Promise<Ipc.AlertsPage>} */
  alerts: () => invoke("alerts"),
  /**
   * `id` null creates a rule. Rust parses and checks every field of `input`.
   * @param {number | null} id
   * @param {Ipc.RuleInput} input
   * @returns {Promise<Ipc.RuleView>}
   */
  alertSave: (id, input) => invoke("alert_save", { id, input }),
  /**
   * @param {number} id
   * @returns {Promise<void>}
   */
  alertRemove: (id) => invoke("alert_remove", { id }),
  /**
   * @param {number} id
   * @param {boolean} enabled
   * @returns {Promise<Ipc.RuleView>}
   */
  alertSetEnabled: (id, enabled) => invoke("alert_set_enabled", { id, enabled }),
  /** @returns {Promise<void>} */
  alertsAcknowledge: () => invoke("alerts_acknowledge"),
  /** @returns {Promise<Ipc.EmailStatus>} */
  emailSettings: () => invoke("email_settings"),
  /**
   * @param {Ipc.EmailForm} form
   * @returns {Promise<Ipc.EmailSettings>}
   */
  emailSave: (form) => invoke("email_save", { form }),
  /**
   * The password only goes to Rust, into the OS keyring; it never comes back.
   * @param {string} password
   * @returns {Promise<void>}
   */
  emailSetPassword: (password) => invoke("email_set_password", { password }),
  /** @returns {Promise<boolean>} whether a password was stored */
  emailClearPassword: () => invoke("email_clear_password"),
  /** @returns {Promise<string[]>} the recipients */
  emailTest: () => invoke("email_test"),
  /** @returns {Promise<Ipc.ChannelInfo[]>} the built-in channels, then those added; never a secret */
  channels: () => invoke("channels"),
  /**
   * Adds a channel, or sets one anew (`input.replace`); its secrets go to Rust, into the OS keyring.
   * @param {Ipc.ChannelInput} input
   * @returns {Promise<Ipc.ChannelInfo>}
   */
  channelSave: (input) => invoke("channel_save", { input }),
  /**
   * @param {string} name
   * @returns {Promise<Ipc.ChannelInfo>}
   */
  channelRemove: (name) => invoke("channel_remove", { name }),
  /**
   * Sends a test message through a channel.
   * @param {string} name
   * @returns {Promise<Ipc.ChannelInfo>}
   */
  channelTest: (name) => invoke("channel_test", { name }),
  /**
   * A coin's figures, whether it is watched, and its alert levels.
   * @param {string} id
   * @returns {Promise<Ipc.CoinOverview>}
   */
  coin: (id) => invoke("coin", { id }),
  /**
   * A coin's stored candles over a range: at most 2,000 for a line, or
   * candles of the range's usual width for a candlestick chart.
   * @param {string} id
   * @param {Ipc.Range} range
   * @param {boolean} candles
   * @returns {Promise<Ipc.History>}
   */
  history: (id, range, candles) => invoke("history", { id, range, candles }),
  /**
   * Starts fetching a coin's past from the price source (steps done recently are skipped); progress arrives as backfill events.
   * @param {string} id
   * @param {Ipc.Range} range
   * @returns {Promise<void>}
   */
  backfill: (id, range) => invoke("backfill", { id, range }),
  /**
   * Up to five coins over a range: normalised series, stats, correlation.
   * @param {string[]} ids
   * @param {Ipc.Range} range
   * @returns {Promise<Ipc.Comparison>}
   */
  compare: (ids, range) => invoke("compare", { ids, range }),
  /**
   * Rust parses the amount and resolves both sides (coins or currencies).
   * @param {string} amount
   * @param {string} from
   * @param {string} to
   * @returns {Promise<Ipc.Conversion>}
   */
  convert: (amount, from, to) => invoke("convert", { amount, from, to }),
  /**
   * @param {(event: Ipc.BackfillEvent) => void} handler
   * @returns {Promise<() => void>} unsubscribes
   */
  onBackfill: (handler) => listen("backfill", handler),
  /**
   * An import's fetch of the rates and past prices it needs (the window only).
   * @param {(event: Ipc.FillProgress) => void} handler
   * @returns {Promise<() => void>} unsubscribes
   */
  onFill: (handler) => listen("fill", handler),
  /**
   * Each firing ({type: "fired", ...}) and delivery ({type: "delivery", ...}).
   * @param {(event: Ipc.AlertEvent) => void} handler
   * @returns {Promise<() => void>} unsubscribes
   */
  onAlert: (handler) => listen("alert", handler),
  /**
   * A notification was clicked: show this coin.
   * @param {(coinId: string) => void} handler
   * @returns {Promise<() => void>} unsubscribes
   */
  onOpenCoin: (handler) => listen("open-coin", handler),
  /**
   * Calls `handler` with each market event: {type: "updated", ...snapshot} or {type: "failed", ...}.
   * @param {(event: Ipc.MarketEvent) => void} handler
   * @returns {Promise<() => void>} unsubscribes
   */
  onMarket: (handler) => listen("market", handler),
  /**
   * Streamed prices, the newest of each coin, a batch per frame at most.
   * @param {(ticks: Ipc.PriceTick[]) => void} handler
   * @returns {Promise<() => void>} unsubscribes
   */
  onTicks: (handler) => listen("ticks", handler),
  /** @returns {Promise<Ipc.SourcesReport>} each price source's health and the CoinGecko budget */
  sourcesReport: () => invoke("sources_report"),
  /**
   * @param {string} coin
   * @returns {Promise<Ipc.SourceComparison>} the coin's price on each source
   */
  sourceCompare: (coin) => invoke("source_compare", { coin }),
  /**
   * Where a coin's price comes from: "aggregate" or a source's key; null for the default.
   * @param {string} coin
   * @param {string | null} source
   * @returns {Promise<void>}
   */
  sourcePrefer: (coin, source) => invoke("source_prefer", { coin, source }),
};

/**
 * A sentence for the user from an IPC error ({kind, message}: Ipc.ErrorBody) or anything thrown.
 * @param {unknown} err
 * @returns {string}
 */
export function describe(err) {
  if (err && typeof err === "object" && "message" in err) return /** @type {string} */ (err.message);
  return String(err);
}

/**
 * The kind of an IPC error ("offline", "invalid_input", …), or null for anything else thrown.
 * @param {unknown} err
 * @returns {Ipc.ErrorKind | null}
 */
export function kindOf(err) {
  if (err && typeof err === "object" && "kind" in err && typeof err.kind === "string") return /** @type {Ipc.ErrorKind} */ (err.kind);
  return null;
}

/** Kinds that mean the price source cannot answer now: the prices shown are stale. */
export const SOURCE_DOWN = ["offline", "rate_limited", "upstream"];
