// The dashboard: the watchlist and Markets views, live from market events.
import { api, describe, inWindow, kindOf, SOURCE_DOWN } from "./api.js";
import * as fmt from "./format.js";
import { QuoteTable } from "./table.js";
import { setupSearch } from "./search.js";
import { setupSettings } from "./settings.js";
import { setupSources } from "./sources.js";
import { AlertsView } from "./alerts.js";
import { CoinView } from "./coin.js";
import { CompareView } from "./compare.js";
import { PortfolioView } from "./portfolio.js";
import { setupConverter } from "./convert.js";
import { $, all, one } from "./dom.js";

const scriptMs = performance.now();
// What only the window has (the tray, start at login) goes in a browser.
document.documentElement.dataset.shell = inWindow ? "window" : "browser";

/**
 * @type {{currency: string, watchlist: Ipc.Coin[], quotes: Map<string, Ipc.Quote>, markets: Ipc.Quote[],
 *   updatedAt: string | null, failure: string | null, streamedAt: number, compareMax: number, view: string}}
 */
const state = {
  currency: "usd",
  watchlist: [], // coins, in the user's order
  quotes: new Map(), // coin id → latest quote in the current currency
  markets: [],
  updatedAt: null,
  failure: null,
  streamedAt: 0, // when a streamed price last came (ms)
  compareMax: 0, // the most coins Compare takes (the engine's limit; 0 until the dashboard came)
  view: "watchlist",
};

/** The status line says "Live" while streamed prices came this recently. */
const LIVE_FOR_MS = 10_000;

/** @type {QuoteTable} */
let watchTable;
/** @type {QuoteTable} */
let marketTable;
/** @type {AlertsView} */
let alertsView;
/** @type {CoinView} */
let coinView;
/** @type {CompareView} */
let compareView;
/** @type {PortfolioView} */
let portfolioView;
/** The list view a coin was opened from, for Back. */
let previousView = "watchlist";

/** @param {number} n */
function setAlertBadge(n) {
  const badge = $("alerts-badge");
  badge.hidden = n === 0;
  badge.textContent = String(n);
  badge.setAttribute("aria-label", `${n} new`);
}

/** @type {ReturnType<typeof setTimeout> | undefined} clears the shown error */
let errorTimer;

/** @param {string} message */
function showError(message) {
  $("error").textContent = message;
  clearTimeout(errorTimer);
  errorTimer = setTimeout(() => ($("error").textContent = ""), 8000);
}

/**
 * An IPC failure, shown by its kind: a price source that cannot answer
 * marks the prices stale in the banner; anything else is a message.
 * @param {unknown} err
 */
function fail(err) {
  const kind = kindOf(err);
  if (kind && SOURCE_DOWN.includes(kind)) {
    state.failure = describe(err);
    renderStatus();
  } else {
    showError(describe(err));
  }
}

/** @returns {import("./table.js").QuoteRow[]} */
function watchlistRows() {
  return state.watchlist.map(
    (c) => state.quotes.get(c.id) ?? { coin_id: c.id, symbol: c.symbol, name: c.name, currency: state.currency, has_quote: false, sparkline_7d: [] },
  );
}

/** `limit`: only the first rows, for a first paint of what the window shows. */
function renderWatchlist(limit = Infinity) {
  watchTable.update(watchlistRows().slice(0, limit));
  $("watchlist-empty").hidden = state.watchlist.length > 0;
  $("watchlist-table").hidden = state.watchlist.length === 0;
}

function renderMarkets() {
  marketTable.update(state.markets);
}

function renderStatus() {
  const banner = $("banner");
  if (state.failure) {
    const when = state.updatedAt ? ` Showing prices from ${fmt.time(state.updatedAt)}, marked stale.` : "";
    $("banner-text").textContent = `Offline — ${state.failure}.${when}`;
    banner.hidden = false;
    document.body.classList.add("stale");
  } else {
    banner.hidden = true;
    document.body.classList.remove("stale");
  }
  const live = Date.now() - state.streamedAt < LIVE_FOR_MS;
  $("updated").textContent = live ? "Live" : state.updatedAt ? `Updated ${fmt.time(state.updatedAt)}` : "Waiting for prices…";
  $("updated").classList.toggle("live", live);
}

/** @param {string} id */
async function addCoin(id) {
  try {
    const { coin } = await api.watchlistAdd(id);
    if (!state.watchlist.some((c) => c.id === coin.id)) state.watchlist.push(coin);
    renderWatchlist();
    if (state.view === "markets") renderMarkets();
  } catch (e) {
    fail(e);
  }
}

/** @param {import("./table.js").QuoteRow} q */
async function removeCoin(q) {
  try {
    await api.watchlistRemove(q.coin_id);
    state.watchlist = state.watchlist.filter((c) => c.id !== q.coin_id);
    renderWatchlist();
  } catch (e) {
    fail(e);
  }
}

/** @param {Ipc.MarketEvent} ev */
function onMarket(ev) {
  if (ev.type === "updated") {
    if (ev.currency !== state.currency) return;
    // Selection is {coins} or {top}: read each as possibly missing.
    if (/** @type {{coins?: string[], top?: number}} */ (ev.request.selection).coins) {
      for (const q of ev.quotes) state.quotes.set(q.coin_id, q);
      for (const q of ev.quotes) coinView.onQuote(q);
      state.updatedAt = ev.fetched_at;
      state.failure = null;
      renderWatchlist();
    } else if (/** @type {{coins?: string[], top?: number}} */ (ev.request.selection).top) {
      state.markets = ev.quotes;
      if (state.view === "markets") renderMarkets();
      if (state.watchlist.length === 0) {
        state.updatedAt = ev.fetched_at;
        state.failure = null;
      }
    }
  } else if (ev.type === "failed") {
    state.failure = ev.message;
  }
  renderStatus();
}

/**
 * Streamed prices move their coins' rows; the status line says prices are live.
 * @param {Ipc.PriceTick[]} ticks
 */
function onTicks(ticks) {
  /** @type {Ipc.Quote[]} */
  const moved = [];
  for (const t of ticks) {
    const q = state.quotes.get(t.coin_id);
    if (!q || t.currency !== state.currency) continue;
    // The engine sends each field as applied to the coin's quote: shown as given.
    const next = { ...q, price: t.price, source: t.source, updated_at: t.at, change_24h_pct: t.change_24h_pct, spread_pct: t.spread_pct };
    state.quotes.set(t.coin_id, next);
    coinView.onQuote(next);
    moved.push(next);
  }
  if (moved.length === 0) return;
  const wasLive = Date.now() - state.streamedAt < LIVE_FOR_MS;
  state.streamedAt = Date.now();
  watchTable.patch(moved);
  if (!wasLive || state.failure) {
    state.failure = null;
    renderStatus();
  }
}

/**
 * The Alerts view with a new "above" rule for the coin, its level the price.
 * @param {string} coinId
 * @param {string} price
 * @param {string} currency
 */
function newAlert(coinId, price, currency) {
  showView("alerts");
  alertsView.resetForm({ coin_id: coinId, condition: "above", level: price, currency });
  one(document, "#alert-form [name=level]", HTMLInputElement).focus();
}

/** @param {string} id */
function openCoin(id) {
  if (state.view !== "coin") previousView = state.view;
  showView("coin");
  coinView.open(id);
}

/** @param {string} view "watchlist", "markets", "portfolio", "compare", "alerts" or "coin" */
async function showView(view) {
  state.view = view;
  for (const tab of all(document, "[role=tab]")) tab.setAttribute("aria-selected", String(tab.dataset.view === view));
  for (const v of ["watchlist", "markets", "portfolio", "compare", "alerts", "coin"]) $(`view-${v}`).hidden = view !== v;
  if (view === "compare") compareView.open();
  if (view === "portfolio") await portfolioView.load();
  if (view === "alerts") {
    alertsView.prepare();
    await alertsView.load();
    // Seen: the tray's mark goes; rows stay marked until the next visit.
    if (alertsView.unacknowledged() > 0) api.alertsAcknowledge().then(() => setAlertBadge(0), (e) => fail(e));
  }
  if (view === "markets") {
    renderMarkets();
    try {
      const m = await api.markets();
      state.markets = m.quotes;
      if (m.failure) state.failure = m.failure;
      renderMarkets();
      renderStatus();
    } catch (e) {
      fail(e);
    }
  }
}

async function loadCurrencies() {
  const select = $("currency", HTMLSelectElement);
  let codes = [state.currency];
  try {
    codes = await api.currencies();
  } catch (e) {
    fail(e);
  }
  let names;
  try {
    names = new Intl.DisplayNames([fmt.locale], { type: "currency" });
  } catch {
    names = null;
  }
  select.replaceChildren(
    ...[...new Set([state.currency, ...codes])].sort().map((code) => {
      const o = document.createElement("option");
      o.value = code;
      let name = "";
      try {
        name = code.length === 3 && names ? (names.of(code.toUpperCase()) ?? "") : "";
      } catch {
        name = "";
      }
      o.textContent = name && name.toUpperCase() !== code.toUpperCase() ? `${code.toUpperCase()} — ${name}` : code.toUpperCase();
      return o;
    }),
  );
  select.value = state.currency;
}

async function start() {
  watchTable = new QuoteTable($("watchlist-table", HTMLTableElement), {
    kind: "watchlist",
    action: (q) => ({ label: "Remove", run: () => removeCoin(q) }),
    alert: (q) => newAlert(q.coin_id, q.has_quote === false ? "" : q.price, q.currency),
    onReorder: (ids) => api.watchlistReorder(ids).catch((e) => fail(e)),
    open: openCoin,
  });
  alertsView = new AlertsView({
    coins: () => state.watchlist,
    currency: () => state.currency,
    onError: showError,
    onCount: setAlertBadge,
  });
  marketTable = new QuoteTable($("markets-table", HTMLTableElement), {
    kind: "markets",
    action: (q) =>
      state.watchlist.some((c) => c.id === q.coin_id)
        ? { label: "Added", run: () => {}, disabled: true }
        : { label: "Add", run: () => addCoin(q.coin_id) },
    open: openCoin,
  });
  coinView = new CoinView({
    currency: () => state.currency,
    isOffline: () => state.failure !== null,
    onWatch: (id) => addCoin(id).then(() => coinView.loadOverview()),
    onAlert: (q) => newAlert(q.coin_id, q.price ?? "", q.currency),
    onError: showError,
  });
  compareView = new CompareView({ coins: () => state.watchlist, max: () => state.compareMax || Infinity, onError: showError });
  portfolioView = new PortfolioView({ onError: showError, openCoin: (id) => openCoin(id) });
  setupConverter({ units: () => [...new Set([...state.watchlist.map((c) => c.symbol), state.currency, "usd", "eur", "btc", "eth"])] });
  $("coin-back").addEventListener("click", () => showView(previousView));
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && state.view === "coin" && !(/** @type {HTMLElement} */ (e.target)).closest("dialog, input")) showView(previousView);
    // One key hides the portfolio's amounts, and shows them again; kept as a setting.
    if (e.ctrlKey && e.shiftKey && e.key.toLowerCase() === "h") {
      e.preventDefault();
      const on = !document.body.classList.contains("private");
      document.body.classList.toggle("private", on);
      api.setPreference("privacy", on).catch((err) => fail(err));
    }
  });
  for (const tab of all(document, "[role=tab]")) tab.addEventListener("click", () => showView(tab.dataset.view ?? ""));
  $("go-markets").addEventListener("click", (e) => {
    e.preventDefault();
    showView("markets");
  });
  $("retry").addEventListener("click", () => api.refresh().catch((e) => fail(e)));
  const currency = $("currency", HTMLSelectElement);
  currency.addEventListener("change", async () => {
    const code = currency.value;
    try {
      await api.setCurrency(code);
      state.currency = code;
      state.quotes.clear();
      state.markets = [];
      renderWatchlist();
      if (state.view === "markets") showView("markets");
    } catch (err) {
      currency.value = state.currency;
      fail(err);
    }
  });
  setupSearch({ input: $("search", HTMLInputElement), list: $("search-results"), onPick: (c) => addCoin(c.id), onError: showError });
  setupSettings({ button: $("open-settings"), dialog: $("settings", HTMLDialogElement), error: $("settings-error"), coins: () => state.watchlist });
  setupSources($("settings", HTMLDialogElement), $("sources-panel"));

  const [, , dashboard] = await Promise.allSettled([api.onMarket(onMarket), api.onTicks(onTicks), api.dashboard()]);
  // "Live" fades back to the last refresh's time when streams go quiet.
  setInterval(() => state.streamedAt && renderStatus(), LIVE_FOR_MS);
  const dataMs = performance.now();
  try {
    if (dashboard.status === "rejected") throw dashboard.reason;
    const d = dashboard.value;
    state.currency = d.currency;
    state.watchlist = d.watchlist;
    for (const q of d.quotes) state.quotes.set(q.coin_id, q);
    state.updatedAt = d.updated_at;
    state.failure = d.failure;
    state.compareMax = d.compare_max;
    document.body.classList.toggle("private", d.privacy);
  } catch (e) {
    state.failure = describe(e);
  }
  // A shown window paints the rows it can show first and the rest right
  // after; a hidden one (started in the tray) paints nothing, so all at once.
  const visible = document.visibilityState === "visible";
  const finish = () => {
    renderWatchlist();
    document.body.dataset.ready = "true";
  };
  renderWatchlist(visible ? Math.ceil(window.innerHeight / 36) : Infinity);
  renderStatus();
  if (!visible) finish();
  // After the frame that shows the dashboard has been painted.
  requestAnimationFrame(() =>
    setTimeout(() => {
      const marks = { navigation_unix_ms: Math.round(performance.timeOrigin), script_ms: Math.round(scriptMs), data_ms: Math.round(dataMs), painted_ms: Math.round(performance.now()) };
      api.uiReady(marks).catch(() => {});
      if (visible) finish();
    }, 0),
  );
  loadCurrencies();
  api.onAlert((ev) => {
    if (state.view === "alerts") alertsView.load();
    else if (ev.type === "fired") api.alerts().then((p) => setAlertBadge(p.history.filter((h) => !h.acknowledged).length), () => {});
  });
  api.onOpenCoin(openCoin);
  api.alerts().then((p) => setAlertBadge(p.history.filter((h) => !h.acknowledged).length), () => {});
}

// Nothing fails silently: an uncaught error is shown in the status bar.
window.addEventListener("error", (e) => showError(e.message));
window.addEventListener("unhandledrejection", (e) => showError(describe(e.reason)));

start();
