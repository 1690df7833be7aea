// A coin's view: its figures, and its chart over a range (backfilled from
// the price source the first time, drawn from the local history).
import { api, describe } from "./api.js";
import * as fmt from "./format.js";
import { PriceChart } from "./chart.js";
import { $, all, el, one } from "./dom.js";

/** @type {Ipc.Range[]} */
export const RANGES = ["1d", "7d", "30d", "90d", "1y", "max"];

export class CoinView {
  /**
   * @param {{currency: () => string, isOffline: () => boolean, onWatch: (id: string) => void,
   *   onAlert: (q: {coin_id: string, price: string | null, currency: string}) => void, onError: (message: string) => void}} opts
   */
  constructor(opts) {
    this.opts = opts;
    /** @type {string | null} */
    this.coinId = null;
    /** @type {Ipc.Range} */
    this.range = "30d";
    /** @type {import("./chart.js").ChartType} */
    this.type = "line";
    /** @type {Ipc.CoinOverview | null} */
    this.overview = null;
    /** @type {Ipc.History | null} */
    this.history = null;
    this.chart = new PriceChart($("chart"), $("chart-legend"));
    /** Bumped by every load, so a slow answer never paints over a newer one. */
    this.generation = 0;
    /** @type {Ipc.BackfillEvent | null} */
    this.backfill = null;

    for (const b of all(document, "#chart-ranges button", HTMLButtonElement)) {
      b.addEventListener("click", () => this.setRange(/** @type {Ipc.Range} */ (b.dataset.range)));
    }
    for (const b of all(document, "#chart-types button", HTMLButtonElement)) {
      b.addEventListener("click", () => this.setType(/** @type {import("./chart.js").ChartType} */ (b.dataset.type)));
    }
    $("coin-watch").addEventListener("click", () => this.coinId && this.opts.onWatch(this.coinId));
    $("coin-alert").addEventListener("click", () => {
      const q = this.overview?.quote;
      if (this.coinId) this.opts.onAlert({ coin_id: this.coinId, price: q ? q.price : null, currency: this.opts.currency() });
    });
    // Keyboard: 1–6 pick a range, L and C the chart type, while the view is shown.
    document.addEventListener("keydown", (e) => {
      if ($("view-coin").hidden || e.ctrlKey || e.metaKey || e.altKey) return;
      const target = /** @type {HTMLElement} */ (e.target);
      if (target.closest("input, select, textarea, dialog")) return;
      const n = Number(e.key);
      if (n >= 1 && n <= RANGES.length) this.setRange(RANGES[n - 1]);
      else if (e.key === "l") this.setType("line");
      else if (e.key === "c") this.setType("candles");
    });
    api.onBackfill((ev) => this.onBackfill(ev));
    const pref = $("coin-source-pref", HTMLSelectElement);
    pref.addEventListener("change", async () => {
      const v = pref.value;
      if (this.coinId === null) return;
      try {
        await api.sourcePrefer(this.coinId, v || null);
        await this.loadSources();
      } catch (err) {
        this.opts.onError(describe(err));
      }
    });
  }

  /** @param {string} id */
  async open(id) {
    this.coinId = id;
    this.overview = null;
    this.history = null;
    this.backfill = null;
    $("coin-name").textContent = id;
    await Promise.all([this.loadOverview(), this.loadHistory(), this.loadSources()]);
    api.backfill(id, this.range).catch((e) => this.opts.onError(describe(e)));
  }

  /** The coin's price on each source, and which one it shows. */
  async loadSources() {
    const id = this.coinId;
    if (id === null) return;
    this.sourcesAt = Date.now();
    try {
      const c = await api.sourceCompare(id);
      if (id !== this.coinId) return;
      this.renderSources(c);
    } catch (e) {
      this.opts.onError(describe(e));
    }
  }

  /** @param {Ipc.SourceComparison} c */
  renderSources(c) {
    const rows = c.prices.map((p) => {
      const tr = document.createElement("tr");
      tr.dataset.source = p.source;
      if (!p.fresh) tr.className = "stale";
      const spread = p.spread_pct === null ? "—" : fmt.percent(p.spread_pct);
      for (const [i, text] of [p.name, fmt.price(p.price, c.currency), spread, p.fresh ? `${p.age_secs} s` : `${p.age_secs} s, stale`].entries()) {
        tr.append(el("td", { textContent: text, className: i ? "num" : "" }));
      }
      return tr;
    });
    one($("coin-sources"), "tbody", HTMLTableSectionElement).replaceChildren(...rows);
    $("coin-spread").textContent = c.prices.length === 0
      ? "No source has priced this coin yet in this session."
      : c.spread_pct === null ? "One source so far." : `Widest spread between the sources: ${fmt.percent(c.spread_pct).replace(/^\+/, "")} of the median.`;
    $("coin-source-pref", HTMLSelectElement).value = c.own_preference ? c.preference : "";
  }

  async loadOverview() {
    const id = this.coinId;
    if (id === null) return;
    try {
      const o = await api.coin(id);
      if (id !== this.coinId) return;
      this.overview = o;
      this.renderOverview();
    } catch (e) {
      this.opts.onError(describe(e));
    }
  }

  async loadHistory() {
    const id = this.coinId;
    if (id === null) return;
    const gen = ++this.generation;
    const started = performance.now();
    this.renderState();
    try {
      const h = await api.history(id, this.range, this.type === "candles");
      if (gen !== this.generation) return;
      this.history = h;
      await this.chart.draw(h, { type: this.type, levels: this.overview?.levels ?? [] });
      if (gen !== this.generation) return;
      // The benchmark's mark: range asked → chart painted.
      $("chart").dataset.paintMs = String(Math.round(performance.now() - started));
      $("chart").dataset.points = String(h.candles.length);
      $("chart").dataset.range = h.range;
      $("chart").dataset.type = this.type;
    } catch (e) {
      this.opts.onError(describe(e));
    }
    this.renderState();
  }

  /** @param {Ipc.Range} range */
  setRange(range) {
    if (range === this.range && this.history) return;
    this.range = range;
    for (const b of all(document, "#chart-ranges button", HTMLButtonElement)) b.setAttribute("aria-pressed", String(b.dataset.range === range));
    // What the last backfill said no longer holds: a new one starts.
    this.backfill = null;
    this.loadHistory();
    if (this.coinId !== null) api.backfill(this.coinId, range).catch((e) => this.opts.onError(describe(e)));
  }

  /** @param {import("./chart.js").ChartType} type */
  setType(type) {
    this.type = type;
    for (const b of all(document, "#chart-types button", HTMLButtonElement)) b.setAttribute("aria-pressed", String(b.dataset.type === type));
    // Candles are read at their own width: a new read, not a redraw.
    if (this.coinId) this.loadHistory();
  }

  /** A fresh quote of this coin arrived (market event). @param {Ipc.Quote} q */
  onQuote(q) {
    if (q.coin_id !== this.coinId || !this.overview) return;
    this.overview.quote = q;
    this.renderOverview();
    // Streamed prices come often: the per-source table every 2 s at most.
    if (Date.now() - (this.sourcesAt ?? 0) > 2000) this.loadSources();
  }

  /** @param {Ipc.BackfillEvent} ev */
  onBackfill(ev) {
    if (ev.coin_id !== this.coinId) return;
    this.backfill = ev;
    this.renderState();
    // A step that brought prices redraws from the store (a local read);
    // one done recently and skipped brings nothing to draw.
    if (ev.type === "progress" && ev.points > 0) this.loadHistory();
  }

  renderOverview() {
    const o = this.overview;
    if (!o) return;
    const q = o.quote;
    const cur = q?.currency ?? this.opts.currency();
    $("coin-name").textContent = o.coin.name;
    $("coin-symbol").textContent = o.coin.symbol.toUpperCase();
    $("coin-rank").textContent = q?.market_cap_rank ? `#${q.market_cap_rank}` : "";
    $("coin-price").textContent = q ? fmt.price(q.price, cur) : "—";
    $("coin-updated").textContent = q ? `as of ${fmt.dateTime(Date.parse(q.fetched_at))} · ${q.source}` : "no price stored yet";
    $("coin-watch").hidden = o.watched;
    /** @type {[string, number | null | undefined][]} */
    const changes = [
      ["1h", q?.change_1h_pct],
      ["24h", q?.change_24h_pct],
      ["7d", q?.change_7d_pct],
      ["30d", q?.change_30d_pct],
      ["1y", q?.change_1y_pct],
    ];
    $("coin-changes").replaceChildren(
      ...changes.map(([label, v]) => {
        const dt = el("dt", { textContent: label });
        const dd = el("dd", { textContent: fmt.percent(v), className: fmt.trendClass(v) });
        return el("div", {}, dt, dd);
      }),
    );
    const since = (/** @type {number | null} */ ms) => (ms ? fmt.date(ms) : "");
    const fromAth = q?.ath ? ((Number(q.price) / Number(q.ath)) - 1) * 100 : null;
    const stats = [
      ["Market cap", fmt.compact(q?.market_cap, cur)],
      ["Volume 24h", fmt.compact(q?.volume_24h, cur)],
      ["Circulating supply", fmt.amount(q?.circulating_supply)],
      ["Total supply", fmt.amount(q?.total_supply)],
      ["Max supply", q?.max_supply ? fmt.amount(q.max_supply) : "∞"],
      ["All-time high", q?.ath ? `${fmt.price(q.ath, cur)}  ${since(q.ath_at)}` : "—"],
      ["From the high", fromAth === null ? "—" : fmt.percent(fromAth)],
      ["All-time low", q?.atl ? `${fmt.price(q.atl, cur)}  ${since(q.atl_at)}` : "—"],
    ];
    $("coin-stats").replaceChildren(
      ...stats.map(([label, value]) => {
        return el("div", {}, el("dt", { textContent: label }), el("dd", { textContent: value }));
      }),
    );
  }

  /** The line under the chart: what it shows, and whether more is coming or it is stale. */
  renderState() {
    const h = this.history;
    const b = this.backfill;
    const parts = [];
    if (b?.type === "progress") parts.push(b.waiting_secs ? `Fetching history… waiting ${b.waiting_secs} s for the rate limit` : `Fetching history… ${b.done}/${b.total}`);
    else if (b?.type === "failed") parts.push(`Could not fetch more history: ${b.message}`);
    else if (!b && h?.backfilling) parts.push("Fetching history…");
    if (h) {
      if (h.candles.length === 0 && !(b?.type === "progress" || h.backfilling)) parts.push("No history stored for this range yet.");
      else if (h.candles.length) parts.push(`${h.candles.length.toLocaleString(fmt.locale)} points, ${width(h.step_secs)} candles`);
    }
    if (this.opts.isOffline()) parts.push("Offline: stored history only, marked stale");
    $("chart-state").textContent = parts.join(" · ");
    $("chart-panel").classList.toggle("stale", this.opts.isOffline());
    $("chart-panel").classList.toggle("loading", b?.type === "progress");
  }
}

/** A candle's width: "1-minute", "25-minute", "5-hour", "2-day". @param {number} secs */
function width(secs) {
  if (secs % 86400 === 0) return `${secs / 86400}-day`;
  if (secs % 3600 === 0) return `${secs / 3600}-hour`;
  return `${Math.round(secs / 60)}-minute`;
}
