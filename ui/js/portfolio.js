// The Portfolio view: holdings valued at the stored quotes, totals, the
// allocation, the transactions with add and delete, and CSV import through
// a preview (a file of no known layout through a mapping of its columns,
// which can be saved as a profile). Every figure comes from Rust, exact and
// to the cent; the page only formats it.
import { api, describe } from "./api.js";
import { ValueChart } from "./chart.js";
import * as fmt from "./format.js";
import { $, all, el, one, painted } from "./dom.js";

/** The newest transactions listed at first, and how many "Show more" adds. */
const LISTED = 100;
const MORE = 500;
/** Allocation colours, in order of value. */
const COLOURS = ["#2f7df6", "#16a34a", "#f59e0b", "#db2777", "#7c3aed", "#0891b2", "#dc2626", "#65a30d"];

/**
 * @param {string | null | undefined} value a decimal string
 * @param {string} currency
 */
function money(value, currency) {
  return value === null || value === undefined ? "—" : fmt.price(value, currency);
}

/**
 * A gain or loss with its sign and colour class.
 * @param {HTMLElement} el
 * @param {string | null | undefined} value
 * @param {string} currency
 */
function pnl(el, value, currency) {
  const n = Number(value);
  el.textContent = value === null || value === undefined ? "—" : `${n > 0 ? "+" : ""}${fmt.price(value, currency)}`;
  el.classList.remove("up", "down");
  if (n) el.classList.add(n > 0 ? "up" : "down");
}

/**
 * Marks a figure that rests on a transaction of unknown value.
 * @param {HTMLElement} el
 */
function incomplete(el) {
  el.append(el.ownerDocument.createTextNode("*"));
  el.title = "Incomplete: rests on a transaction of unknown value";
}

/** @param {string | null | undefined} v */
const plain = (v) => (v === null || v === undefined ? "" : v);

export class PortfolioView {
  /** @param {{onError: (message: string) => void, openCoin: (id: string) => void}} opts */
  constructor(opts) {
    this.opts = opts;
    /** @type {Ipc.PortfolioPage | null} */
    this.page = null;
    /** How many of the newest transactions are listed; "Show more" adds. */
    this.listed = LISTED;
    /** @type {ValueChart | null} made when first shown */
    this.chart = null;
    /** @type {string | null} the picked file's text */
    this.fileText = null;
    /** @type {Ipc.MappingGuess | null} its columns and the guess of each field's */
    this.guess = null;
    /** Numbers each import call: only the latest one's answer is shown. */
    this.importSeq = 0;
    /** @type {number | null} the transaction the form edits */
    this.editing = null;
    /** Whether an import is waiting for its answer (its fetch's progress is shown). */
    this.importing = false;
    api.onFill((p) => {
      if (!this.importing || !p.doing) return;
      $("pf-import-summary").textContent = `Fetching what the file needs (${p.done + 1} of ${p.total}): ${p.doing}…`;
    });
    $("pf-select").addEventListener("change", () => this.load());
    $("pf-more").addEventListener("click", () => {
      this.listed += MORE;
      this.load();
    });
    $("pf-method").addEventListener("change", () => this.load());
    $("pf-form").addEventListener("submit", (e) => {
      e.preventDefault();
      this.add();
    });
    $("pf-cancel").addEventListener("click", () => this.stopEditing());
    $("pf-whatif").addEventListener("submit", (e) => {
      e.preventDefault();
      this.whatIf();
    });
    const kind = $("pf-kind", HTMLSelectElement);
    kind.addEventListener("change", () => this.fitForm());
    $("pf-import-button").addEventListener("click", () => $("pf-file").click());
    $("pf-gains-button").addEventListener("click", () => this.showGains());
    $("pf-gains-year").addEventListener("change", () => this.loadGains());
    $("pf-gains-close").addEventListener("click", () => ($("pf-gains").hidden = true));
    $("pf-gains-print").addEventListener("click", () => {
      // Only the report goes to the page (style.css's print rules).
      document.body.classList.add("print-gains");
      window.print();
      document.body.classList.remove("print-gains");
    });
    $("pf-file").addEventListener("change", () => this.pick());
    $("pf-import-format").addEventListener("change", () => this.preview());
    $("pf-import-portfolio").addEventListener("change", () => this.preview());
    $("pf-import-cancel").addEventListener("click", () => $("pf-import", HTMLDialogElement).close());
    $("pf-import-commit").addEventListener("click", () => this.commit());
    $("pf-map-save").addEventListener("submit", (e) => {
      e.preventDefault();
      this.saveProfile();
    });
    this.fitForm();
  }

  /** Opens the gains report at last year (this year in January's first days too). */
  showGains() {
    const year = $("pf-gains-year", HTMLSelectElement);
    if (!year.options.length) {
      const now = new Date().getFullYear();
      for (let y = now; y >= now - 15; y--) year.append(el("option", { value: String(y), textContent: String(y) }));
      year.value = String(now - 1);
    }
    $("pf-gains").hidden = false;
    this.loadGains();
  }

  /** The chosen year's gains, for the portfolio and method the view shows. */
  async loadGains() {
    const year = Number($("pf-gains-year", HTMLSelectElement).value);
    const portfolio = $("pf-select", HTMLSelectElement).value || null;
    const method = $("pf-method", HTMLSelectElement).value || null;
    /** @type {Ipc.GainsReport} */
    let r;
    try {
      r = await api.portfolioGains(year, portfolio, method);
    } catch (e) {
      this.opts.onError(describe(e));
      return;
    }
    const cur = r.currency;
    /** @param {number} t unix seconds */
    const day = (t) => new Date(t * 1000).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
    /** @param {string} coin */
    const sym = (coin) => r.symbols[coin] ?? coin;
    $("pf-gains-scope").textContent = `${r.portfolio ?? "all portfolios"}, ${r.method ? r.method.toUpperCase() : "each portfolio's method"}, in ${cur.toUpperCase()}`;
    const lines = $("pf-gains-lines", HTMLTableElement);
    lines.tBodies[0].replaceChildren(
      ...r.lines.map((l) => {
        const gain = el("td", { className: "num priv" });
        pnl(gain, l.gain, cur);
        if (l.incomplete) incomplete(gain);
        return el("tr", {},
          el("td", { className: "left", textContent: `${Number(l.quantity)} ${sym(l.coin)}` }),
          el("td", { className: "left", textContent: l.acquired === null ? "various" : day(l.acquired) }),
          el("td", { className: "left", textContent: day(l.disposed) }),
          el("td", { className: "num priv", textContent: fmt.price(l.proceeds, cur) }),
          el("td", { className: "num priv", textContent: fmt.price(l.cost, cur) }),
          gain,
          el("td", { className: "left", textContent: l.term }));
      }),
    );
    lines.hidden = r.lines.length === 0;
    $("pf-gains-empty").hidden = r.lines.length > 0;
    $("pf-gains-incomplete").hidden = !(r.short.incomplete || r.long.incomplete || r.income.some((i) => i.value_unknown));
    /**
     * @param {string} label
     * @param {Ipc.GainTotals} t
     */
    const total = (label, t) => {
      const dd = el("dd", { className: "priv" });
      pnl(dd, t.gain, cur);
      dd.title = `proceeds ${fmt.price(t.proceeds, cur)}, cost ${fmt.price(t.cost, cur)}`;
      if (t.incomplete) incomplete(dd);
      return el("div", {}, el("dt", { textContent: label }), dd);
    };
    const income = el("dd", { className: "priv", textContent: fmt.price(r.income_total, cur) });
    $("pf-gains-totals").replaceChildren(total("Short-term gain", r.short), total("Long-term gain", r.long), el("div", {}, el("dt", { textContent: "Income" }), income));
    const inc = $("pf-gains-income", HTMLTableElement);
    inc.tBodies[0].replaceChildren(
      ...r.income.map((i) =>
        el("tr", {},
          el("td", { className: "left", textContent: day(i.received) }),
          el("td", { className: "left", textContent: sym(i.coin) }),
          el("td", { className: "num", textContent: String(Number(i.quantity)) }),
          i.value_unknown
            ? el("td", { className: "num unknown", textContent: "value unknown" })
            : el("td", { className: "num priv", textContent: fmt.price(i.value, cur) }),
          el("td", { className: "left", textContent: i.note })),
      ),
    );
    inc.hidden = r.income.length === 0;
  }

  /** Shows the fields the chosen type uses. */
  fitForm() {
    const kind = $("pf-kind", HTMLSelectElement).value;
    $("pf-to-field").hidden = kind !== "transfer_out";
    const price = one($("pf-form"), "[name=price]", HTMLInputElement);
    price.required = kind === "buy" || kind === "sell";
    price.placeholder = price.required ? "" : "stored price then";
  }

  async load() {
    const started = performance.now();
    const portfolio = $("pf-select", HTMLSelectElement).value || null;
    const method = $("pf-method", HTMLSelectElement).value || null;
    let dataMs = 0;
    try {
      this.page = await api.portfolio(portfolio, method, this.listed);
      dataMs = performance.now() - started;
      this.render();
    } catch (e) {
      this.opts.onError(describe(e));
      return;
    }
    // The benchmark's mark (tests/bench/portfolio-view.py): asked → figures painted.
    await painted();
    const view = $("view-portfolio");
    view.dataset.dataMs = String(Math.round(dataMs));
    view.dataset.paintMs = String(Math.round(performance.now() - started));
    view.dataset.painted = String(Number(view.dataset.painted ?? 0) + 1);
    await this.loadValue(portfolio);
  }

  /** The realized gain of a sale now under each method, before selling. */
  async whatIf() {
    const f = $("pf-whatif", HTMLFormElement);
    const field = (/** @type {string} */ name) => one(f, `[name=${name}]`, HTMLInputElement).value;
    const out = $("pf-whatif-result");
    out.className = "form-message";
    try {
      const portfolio = $("pf-select", HTMLSelectElement).value || null;
      const w = await api.portfolioWhatIf(field("coin"), field("quantity"), field("price") || null, portfolio);
      out.replaceChildren(`Selling ${w.quantity} ${w.coin} at ${fmt.price(w.price, w.currency)}: `);
      w.gains.forEach((g, i) => {
        const gain = document.createElement("b");
        gain.classList.add("priv");
        pnl(gain, g.gain, w.currency);
        // The method's name as the method list above words it.
        const name = $("pf-method").querySelector(`option[value="${g.method}"]`)?.textContent ?? g.method;
        out.append(i ? "  ·  " : "", `${name} `, gain);
      });
    } catch (e) {
      out.className = "form-message error";
      out.textContent = describe(e);
    }
  }

  /**
   * The value-over-time chart, after the figures have shown.
   * @param {string | null} portfolio
   */
  async loadValue(portfolio) {
    const panel = $("pf-chart-panel");
    try {
      const history = await api.portfolioValue(portfolio);
      panel.hidden = history.points.length < 2;
      $("pf-chart-note").textContent = history.unpriced.length
        ? `Left out, with no stored history: ${history.unpriced.join(", ")}. Open a coin's chart to fetch its history.`
        : "";
      if (panel.hidden) return;
      this.chart ??= new ValueChart($("pf-chart"), $("pf-chart-legend"));
      await this.chart.draw(history);
      panel.dataset.points = String(history.points.length);
    } catch (e) {
      panel.hidden = true;
      this.opts.onError(describe(e));
    }
  }

  render() {
    const p = this.page;
    if (!p) return;
    const h = p.holdings;
    const cur = h.currency;
    // The portfolios to pick, keeping the choice.
    const select = $("pf-select", HTMLSelectElement);
    const names = p.portfolios.map((x) => x.name);
    const options = [["", "All portfolios"], ...names.map((n) => [n, n])];
    if (select.options.length !== options.length || options.some(([v], i) => select.options[i].value !== v)) {
      select.replaceChildren(...options.map(([v, t]) => new Option(t, v)));
      select.value = p.selected ?? "";
    }
    $("pf-names").replaceChildren(...names.map((n) => new Option(n)));
    const formPortfolio = one($("pf-form"), "[name=portfolio]", HTMLInputElement);
    if (!formPortfolio.value) formPortfolio.value = p.selected ?? names[0] ?? "Main";

    $("pf-value").textContent = money(h.totals.market_value, cur);
    pnl($("pf-change"), h.totals.change_24h, cur);
    $("pf-change").hidden = !h.holdings.some((x) => x.change_24h !== null);
    $("pf-cost").textContent = money(h.totals.cost_basis, cur);
    pnl($("pf-unrealized"), h.totals.unrealized_pnl, cur);
    pnl($("pf-realized"), h.totals.realized_pnl, cur);
    if (h.totals.incomplete) for (const id of ["pf-cost", "pf-unrealized", "pf-realized"]) incomplete($(id));
    const unknown = h.value_unknown.length;
    $("pf-unknown").hidden = unknown === 0;
    $("pf-unknown").textContent = unknown
      ? `* Incomplete: ${unknown} transaction${unknown === 1 ? " has" : "s have"} no known value (no price given, and no source has one for the day). Their quantities count; the costs and gains they touch do not. Edit one to give its price.`
      : "";

    const held = h.holdings.filter((x) => Number(x.quantity) > 0);
    const bar = $("pf-allocation");
    bar.replaceChildren(
      ...held
        .filter((x) => Number(x.allocation_pct) > 0)
        .map((x, i) => {
          const seg = document.createElement("span");
          seg.style.width = `${x.allocation_pct}%`;
          seg.style.background = COLOURS[i % COLOURS.length];
          seg.title = `${x.name}: ${x.allocation_pct} %`;
          return seg;
        }),
    );
    bar.hidden = held.length === 0;

    const body = $("pf-holdings", HTMLTableElement).tBodies[0];
    body.replaceChildren(
      ...h.holdings.map((x, i) => {
        const tr = document.createElement("tr");
        tr.dataset.coin = x.coin;
        const coin = el("button", { type: "button", className: "coin-link linkish" });
        const dot = el("span", { className: "swatch" });
        dot.style.background = Number(x.quantity) > 0 ? COLOURS[i % COLOURS.length] : "transparent";
        coin.append(dot, x.name, el("span", { className: "sym", textContent: ` ${x.symbol}` }));
        coin.addEventListener("click", () => this.opts.openCoin(x.coin));
        // Columns after the coin: quantity, price, value, 24 h, cost, unrealized, realized, share.
        const cells = [
          x.quantity,
          money(x.price, cur),
          money(x.market_value, cur),
          null,
          money(x.cost_basis, cur),
          null,
          null,
          x.allocation_pct === null ? "—" : `${x.allocation_pct} %`,
        ];
        const first = document.createElement("td");
        first.className = "left";
        first.append(coin);
        tr.append(first);
        cells.forEach((text, j) => {
          const td = document.createElement("td");
          td.className = "num";
          if (j === 3) pnl(td, x.change_24h, cur);
          else if (j === 5) pnl(td, x.unrealized_pnl, cur);
          else if (j === 6) pnl(td, x.realized_pnl, cur);
          else td.textContent = text;
          if (x.incomplete && [4, 5, 6].includes(j)) incomplete(td);
          // The user's amounts: hidden by the privacy switch (a price or a share is not).
          if ([0, 2, 3, 4, 5, 6].includes(j)) td.classList.add("priv");
          tr.append(td);
        });
        return tr;
      }),
    );
    $("pf-holdings").hidden = h.holdings.length === 0;
    $("pf-empty").hidden = h.holdings.length > 0;

    $("pf-count").textContent = p.tx_count > p.txs.length ? `newest ${p.txs.length} of ${p.tx_count}` : `${p.tx_count}`;
    const more = p.tx_count - p.txs.length;
    $("pf-more").hidden = more <= 0;
    $("pf-more").textContent = `Show ${Math.min(more, MORE)} more`;
    const txBody = $("pf-txs", HTMLTableElement).tBodies[0];
    txBody.replaceChildren(
      ...p.txs.map((t) => {
        const tr = document.createElement("tr");
        tr.dataset.id = String(t.id);
        const fee = t.fee ? `${t.fee} ${plain(t.fee_currency).toUpperCase()}` : "";
        const price = t.price ? `${t.price} ${t.currency.toUpperCase()}` : "—";
        const when = t.time.slice(0, 16).replace("T", " ");
        for (const [text, cls] of [[when, "left"], [t.portfolio, "left"], [t.kind.replace("_", " "), "left"], [t.coin_id, "left"], [t.quantity, "num priv"], [price, "num"], [fee, "num priv"], [plain(t.note), "left note-cell"]]) {
          const td = document.createElement("td");
          td.className = cls;
          td.textContent = text;
          tr.append(td);
        }
        const unknown = h.value_unknown.find((u) => u.tx === t.id);
        if (unknown) {
          const cell = tr.cells[5];
          cell.replaceChildren(el("span", { className: "unknown", textContent: "value unknown" }));
          cell.title = unknown.why;
        }
        // A price in another fiat says which rate converted it.
        const rate = p.rates.find((r) => r.tx === t.id);
        if (rate) {
          const cell = tr.cells[5];
          cell.title = `Converted at ${rate.text}, the stored rate of ${rate.day}`;
          cell.append(el("div", { className: "sym", textContent: rate.text }));
        }
        const actions = document.createElement("td");
        actions.className = "actions";
        if (t.transfer === null) {
          const edit = el("button", { type: "button", className: "row-action", textContent: "Edit" });
          edit.setAttribute("aria-label", `Edit transaction ${t.id}`);
          edit.addEventListener("click", () => this.edit(t));
          actions.append(edit, " ");
        }
        const rm = el("button", { type: "button", className: "row-action", textContent: "Delete" });
        rm.setAttribute("aria-label", `Delete transaction ${t.id}`);
        rm.addEventListener("click", () => this.remove(t));
        actions.append(rm);
        tr.append(actions);
        return tr;
      }),
    );
    $("pf-txs").hidden = p.txs.length === 0;
  }

  async add() {
    const form = $("pf-form", HTMLFormElement);
    const data = new FormData(form);
    const get = (/** @type {string} */ k) => String(data.get(k) ?? "").trim();
    const time = get("time");
    /** @type {Ipc.TxForm} */
    const input = {
      portfolio: get("portfolio"),
      kind: get("kind"),
      coin: get("coin"),
      quantity: get("quantity"),
      price: get("price") || null,
      currency: get("currency") || null,
      fee: get("fee") || null,
      fee_currency: get("fee_currency") || null,
      // datetime-local has no zone: the user's local time.
      time: time ? new Date(time).toISOString() : null,
      note: get("note") || null,
      to: get("to") || null,
    };
    const message = $("pf-form-message");
    try {
      if (this.editing !== null) {
        const saved = await api.portfolioEdit(this.editing, input);
        message.textContent = `Saved #${saved.id}.`;
        this.stopEditing(false);
      } else {
        const added = await api.portfolioAdd(input);
        message.textContent = `Added ${added.map((t) => `#${t.id}`).join(" and ")}.`;
      }
      for (const k of ["quantity", "price", "fee", "note"]) one(form, `[name=${k}]`, HTMLInputElement).value = "";
      await this.load();
    } catch (e) {
      message.textContent = describe(e);
    }
  }

  /**
   * Fills the form with `t` to change it.
   * @param {Ipc.Tx} t
   */
  edit(t) {
    const form = $("pf-form", HTMLFormElement);
    const local = new Date(t.time);
    const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");
    const time = `${local.getFullYear()}-${pad(local.getMonth() + 1)}-${pad(local.getDate())}T${pad(local.getHours())}:${pad(local.getMinutes())}:${pad(local.getSeconds())}`;
    /** @type {Record<string, string>} the inputs (the kind is a select, set below) */
    const values = {
      portfolio: t.portfolio, coin: t.coin_id, quantity: t.quantity, price: t.price ?? "",
      currency: t.currency, fee: t.fee ?? "", fee_currency: t.fee_currency ?? "", time, note: t.note ?? "",
    };
    for (const [k, v] of Object.entries(values)) one(form, `[name=${k}]`, HTMLInputElement).value = v;
    one(form, "[name=kind]", HTMLSelectElement).value = t.kind;
    this.editing = t.id;
    this.fitForm();
    $("pf-form-title").textContent = `Edit transaction #${t.id}`;
    $("pf-submit").textContent = `Save #${t.id}`;
    $("pf-cancel").hidden = false;
    $("pf-form-message").textContent = "";
    form.scrollIntoView({ block: "nearest" });
  }

  stopEditing(clear = true) {
    this.editing = null;
    $("pf-form-title").textContent = "Add a transaction";
    $("pf-submit").textContent = "Add";
    $("pf-cancel").hidden = true;
    if (clear) $("pf-form-message").textContent = "";
  }

  /** @param {Ipc.Tx} t */
  async remove(t) {
    try {
      await api.portfolioRemove(t.id);
      await this.load();
    } catch (e) {
      this.opts.onError(describe(e));
    }
  }

  async pick() {
    const input = $("pf-file", HTMLInputElement);
    const file = input.files?.[0];
    input.value = "";
    if (!file) return;
    this.fileText = await file.text();
    $("pf-import-file").textContent = `${file.name} (${fmt.amount(file.size)} bytes)`;
    $("pf-map-message").textContent = "";
    const target = $("pf-import-portfolio", HTMLInputElement);
    if (!target.value) target.value = $("pf-select", HTMLSelectElement).value || this.page?.portfolios[0]?.name || "Main";
    $("pf-import", HTMLDialogElement).showModal();
    await this.loadProfiles();
    try {
      this.guess = await api.portfolioMappingGuess(this.fileText);
    } catch {
      // Not a CSV at all: the preview says why.
      this.guess = null;
    }
    this.fillMapping();
    // A file of a layout Rust does not know goes to the mapping step; a
    // known one leaves it. A format or profile the user chose stays.
    const format = $("pf-import-format", HTMLSelectElement);
    if (format.value === "auto" || this.mapping() !== null) {
      if (this.guess?.format === null) $("pf-import-map-option", HTMLOptionElement).selected = true;
      else format.value = "auto";
    }
    await this.preview();
  }

  /** The saved profiles in the Format list, after the formats. */
  async loadProfiles() {
    const format = $("pf-import-format", HTMLSelectElement);
    const chosen = format.selectedIndex;
    const was = format.value;
    try {
      const profiles = await api.portfolioProfiles();
      format.querySelector("optgroup")?.remove();
      if (profiles.length) {
        const group = el("optgroup", { label: "Saved profiles" });
        group.append(...profiles.map((p) => new Option(p.name, p.name)));
        format.append(group);
      }
      // The same choice, by name for a profile (the list may have grown).
      if (format.options[chosen]?.value === was) format.selectedIndex = chosen;
      else format.value = was;
      if (format.selectedIndex < 0) format.value = "auto";
    } catch (e) {
      this.opts.onError(describe(e));
    }
  }

  /** The mapping step: a list of the file's columns for each field, set to the guess. */
  fillMapping() {
    const g = this.guess;
    $("pf-map-note").textContent = g?.format === null
      ? "A layout Coinlytics does not know: pick the column that holds each field."
      : "Pick the column that holds each field.";
    const guessed = /** @type {Record<string, string | null>} */ (g?.mapping ?? {});
    const columns = g?.columns ?? [];
    $("pf-map-fields").replaceChildren(
      ...(g?.fields ?? []).map((f) => {
        const label = document.createElement("label");
        const name = document.createElement("span");
        name.textContent = f.label;
        if (f.required) name.append(el("abbr", { className: "req", title: "required", textContent: "*" }));
        const select = document.createElement("select");
        select.name = f.field;
        select.required = f.required;
        select.append(new Option("—", ""), ...columns.map((c) => new Option(c, c)));
        select.value = guessed[f.field] ?? "";
        select.addEventListener("change", () => this.preview());
        label.append(name, select);
        return label;
      }),
    );
  }

  /**
   * The mapping the step's lists say, or null unless "Map columns…" is chosen.
   * @returns {Ipc.Mapping | null}
   */
  mapping() {
    if (!$("pf-import-map-option", HTMLOptionElement).selected) return null;
    const selects = all($("pf-map-fields"), "select", HTMLSelectElement);
    return /** @type {Ipc.Mapping} */ (Object.fromEntries(selects.map((s) => [s.name, s.value || null])));
  }

  async saveProfile() {
    const mapping = this.mapping();
    if (mapping === null) return;
    const name = $("pf-map-name", HTMLInputElement).value;
    const message = $("pf-map-message");
    try {
      const saved = await api.portfolioProfileSave(name, mapping);
      message.textContent = `Saved as “${saved.name}”: choose it under Format next time.`;
      await this.loadProfiles();
    } catch (e) {
      message.textContent = describe(e);
    }
  }

  /** A dry run: what would be added, what was before, what is wrong. */
  async preview() {
    await this.importFile(true);
  }

  async commit() {
    await this.importFile(false);
  }

  /** @param {boolean} dryRun */
  async importFile(dryRun) {
    if (this.fileText === null) return;
    const seq = ++this.importSeq;
    const summary = $("pf-import-summary");
    const errors = $("pf-import-errors");
    const commit = $("pf-import-commit", HTMLButtonElement);
    const portfolio = $("pf-import-portfolio", HTMLInputElement).value.trim();
    const format = $("pf-import-format", HTMLSelectElement).value;
    const mapping = this.mapping();
    $("pf-map").hidden = mapping === null;
    this.importing = true;
    try {
      const r = await api.portfolioImport(this.fileText, portfolio, format, mapping, dryRun).finally(() => {
        if (seq === this.importSeq) this.importing = false;
      });
      if (seq !== this.importSeq) return;
      const verb = r.committed ? "Imported" : "Would import";
      summary.textContent = `${r.format}: ${verb} ${r.added.length} transaction${r.added.length === 1 ? "" : "s"}; ${r.duplicates} already imported; ${r.skipped.length} skipped (cash or internal moves).`;
      errors.replaceChildren(
        ...r.errors.map((e) => el("li", { textContent: `Line ${e.line}, ${e.column}: ${e.reason}` })),
        ...r.value_unknown.map((u) => el("li", { className: "unknown", textContent: `Line ${u.line}: kept, ${u.reason}` })),
        ...r.not_fetched.map((f) => el("li", { className: "fetch-note", textContent: `Could not fetch ${f}` })),
      );
      if (r.value_unknown.length) summary.textContent += ` ${r.value_unknown.length} of unknown value, kept: give their price later.`;
      if (r.errors.length) summary.textContent += ` ${r.errors.length} row${r.errors.length === 1 ? "" : "s"} cannot be imported, so nothing will be.`;
      commit.disabled = r.committed || r.errors.length > 0 || r.added.length === 0;
      commit.textContent = r.committed ? "Imported" : `Import ${r.added.length}`;
      if (r.committed) await this.load();
    } catch (e) {
      if (seq !== this.importSeq) return;
      summary.textContent = describe(e);
      errors.replaceChildren();
      commit.disabled = true;
    }
  }
}
