// Compare: up to the engine's limit of coins (MAX_COMPARE) over one range, as % from its start, with
// each one's return and risk and the correlation of their daily returns.
import { api, describe } from "./api.js";
import * as fmt from "./format.js";
import { CompareChart, SERIES_COLOURS } from "./chart.js";
import { $, all, el } from "./dom.js";

export class CompareView {
  /** @param {{coins: () => Ipc.Coin[], max: () => number, onError: (message: string) => void}} opts */
  constructor(opts) {
    this.opts = opts;
    /** @type {string[]} coin ids */
    this.picked = [];
    /** @type {Ipc.Range} */
    this.range = "90d";
    this.chart = new CompareChart($("compare-chart"));
    this.generation = 0;
    /** @type {Map<string, Ipc.BackfillEvent>} the last backfill event of each picked coin being fetched */
    this.fetching = new Map();
    /** @type {Ipc.Comparison | null} */
    this.cmp = null;
    for (const b of all(document, "#compare-ranges button", HTMLButtonElement)) {
      b.addEventListener("click", () => {
        this.range = /** @type {Ipc.Range} */ (b.dataset.range);
        for (const o of all(document, "#compare-ranges button", HTMLButtonElement)) o.setAttribute("aria-pressed", String(o === b));
        this.load();
      });
    }
    // A compared coin's history arriving from the source redraws the view
    // (a step that brought prices, as the coin view does); the state line
    // says how far the fetch is.
    api.onBackfill((ev) => {
      if (!this.picked.includes(ev.coin_id)) return;
      if (ev.type === "done") this.fetching.delete(ev.coin_id);
      else this.fetching.set(ev.coin_id, ev);
      if ($("view-compare").hidden) return;
      if (ev.type !== "failed" && ev.points > 0) this.load(false);
      else this.renderState();
    });
    const select = $("compare-add", HTMLSelectElement);
    select.addEventListener("change", () => {
      if (select.value && this.picked.length < this.opts.max() && !this.picked.includes(select.value)) {
        this.picked.push(select.value);
        this.load();
      }
      select.value = "";
    });
  }

  /** Shows the view: the first three watched coins unless the user picked some. */
  open() {
    if (this.picked.length === 0) this.picked = this.opts.coins().slice(0, 3).map((c) => c.id);
    this.load();
  }

  renderPicker() {
    const coins = this.opts.coins();
    const name = (/** @type {string} */ id) => coins.find((c) => c.id === id)?.symbol.toUpperCase() ?? id;
    $("compare-picked").replaceChildren(
      ...this.picked.map((id, i) => {
        const chip = document.createElement("span");
        chip.className = "chip";
        chip.style.setProperty("--chip", SERIES_COLOURS[i % SERIES_COLOURS.length]);
        const x = el("button", { type: "button", textContent: "×", title: `Remove ${name(id)}` });
        x.setAttribute("aria-label", `Remove ${name(id)}`);
        x.addEventListener("click", () => {
          this.picked = this.picked.filter((p) => p !== id);
          this.load();
        });
        chip.append(name(id), x);
        return chip;
      }),
    );
    const select = $("compare-add", HTMLSelectElement);
    const free = coins.filter((c) => !this.picked.includes(c.id));
    const max = this.opts.max();
    const first = el("option", { value: "", textContent: this.picked.length >= max ? `At most ${max} coins` : "Add a coin…" });
    select.replaceChildren(first, ...free.map((c) => el("option", { value: c.id, textContent: `${c.name} (${c.symbol.toUpperCase()})` })));
    select.disabled = this.picked.length >= max || free.length === 0;
  }

  /** @param {boolean} fetch also fetch the picked coins' history from the source (steps done recently are skipped) */
  async load(fetch = true) {
    this.renderPicker();
    const gen = ++this.generation;
    if (this.picked.length === 0) {
      this.cmp = null;
      $("compare-state").textContent = "Pick up to five coins to compare.";
      $("compare-table", HTMLTableElement).tBodies[0].replaceChildren();
      $("compare-corr").replaceChildren();
      return;
    }
    if (fetch) {
      // What the range lacks is fetched in the background (steps done
      // recently are skipped); its progress comes as backfill events.
      this.fetching.clear();
      for (const id of this.picked) api.backfill(id, this.range).catch((e) => this.opts.onError(describe(e)));
    }
    try {
      const cmp = await api.compare(this.picked, this.range);
      if (gen !== this.generation) return;
      this.cmp = cmp;
      await this.chart.draw(cmp);
      this.renderTable(cmp);
      this.renderState();
    } catch (e) {
      this.opts.onError(describe(e));
    }
  }

  /** The line under the chart: the history being fetched, or what could not be, and coins still without any. */
  renderState() {
    const cmp = this.cmp;
    const symbol = (/** @type {string} */ id) => cmp?.series.find((s) => s.coin.id === id)?.coin.symbol.toUpperCase() ?? id;
    const parts = [];
    const steps = [...this.fetching.values()].filter((e) => e.type === "progress");
    if (steps.length) {
      const waiting = steps.find((e) => e.type === "progress" && e.waiting_secs);
      const done = steps.reduce((n, e) => n + (e.type === "progress" ? e.done : 0), 0);
      const total = steps.reduce((n, e) => n + (e.type === "progress" ? e.total : 0), 0);
      parts.push(waiting?.type === "progress" && waiting.waiting_secs ? `Fetching history… waiting ${waiting.waiting_secs} s for the rate limit` : `Fetching history of ${steps.map((e) => symbol(e.coin_id)).join(", ")}… ${done}/${total}`);
    }
    for (const e of this.fetching.values()) if (e.type === "failed") parts.push(`Could not fetch more history of ${symbol(e.coin_id)}: ${e.message}`);
    const empty = (cmp?.series ?? []).filter((s) => s.points.length === 0).map((s) => s.coin.symbol.toUpperCase());
    if (empty.length) parts.push(`No stored history for ${empty.join(", ")} over this range yet`);
    $("compare-state").textContent = parts.join(" · ");
  }

  /** @param {Ipc.Comparison} cmp */
  renderTable(cmp) {
    const pct = (/** @type {number | null} */ v) => (v === null ? "—" : fmt.percent(v));
    // A new <table> each time, not new rows in the old one: WebKitGTK kept
    // the column widths it first worked out (for rows since replaced), and
    // a longer name then ran into its return.
    const old = $("compare-table", HTMLTableElement);
    const table = /** @type {HTMLTableElement} */ (old.cloneNode(false));
    table.append(/** @type {HTMLTableSectionElement} */ (old.tHead?.cloneNode(true)), document.createElement("tbody"));
    old.replaceWith(table);
    table.tBodies[0].append(
      ...cmp.series.map((s, i) => {
        const tr = document.createElement("tr");
        const cells = [
          s.coin.name,
          pct(s.stats.return_pct),
          s.stats.volatility_pct === null ? "—" : `${s.stats.volatility_pct.toFixed(2)} %`,
          s.stats.max_drawdown_pct === null ? "—" : fmt.percent(-s.stats.max_drawdown_pct),
          s.stats.sharpe === null ? "—" : s.stats.sharpe.toFixed(2),
          String(s.stats.days),
        ];
        cells.forEach((text, j) => {
          const td = el("td", { textContent: text, className: j === 0 ? "left" : "num" });
          if (j === 0) td.style.setProperty("--chip", SERIES_COLOURS[i % SERIES_COLOURS.length]), td.classList.add("series-edge");
          if (j === 1) td.classList.add(fmt.trendClass(s.stats.return_pct));
          tr.append(td);
        });
        return tr;
      }),
    );
    const names = cmp.series.map((s) => s.coin.symbol.toUpperCase());
    const head = document.createElement("tr");
    head.append(el("th"), ...names.map((n) => el("th", { textContent: n })));
    const rows = cmp.correlation.map((row, i) => {
      const tr = document.createElement("tr");
      tr.append(el("th", { textContent: names[i] }));
      for (const c of row) {
        const td = el("td", { textContent: c === null ? "—" : c.toFixed(2), className: "num" });
        if (c !== null) td.style.setProperty("--corr", String(Math.abs(c))), td.classList.add(c >= 0 ? "corr-pos" : "corr-neg");
        tr.append(td);
      }
      return tr;
    });
    $("compare-corr").replaceChildren(head, ...rows);
  }
}
