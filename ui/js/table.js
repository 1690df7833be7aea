// A sortable table of quotes, shared by the Watchlist and Markets views.
// Rows are keyed by coin id; a changed price flashes green or red.
//
// Every coin has its <tr> (order, sorting, dragging and keys work on them),
// but only rows near the scrolled view have their cells: a row's cells,
// sparkline and icon cost WebKit about 0.2 MiB, so 100 built rows would be
// 20 MiB for the ~20 a window shows. Rows further away hold only the coin's
// name, at the same height.
import * as fmt from "./format.js";
import { sparkline } from "./sparkline.js";
import { el } from "./dom.js";

/**
 * A row: a quote (it has no `has_quote`), or a watched coin with no stored
 * quote yet (`has_quote: false`; then it has no prices).
 * @typedef {(Ipc.Quote & {has_quote?: true})
 *   | (Partial<Ipc.Quote> & Pick<Ipc.Quote, "coin_id" | "symbol" | "name" | "currency" | "sparkline_7d"> & {has_quote: false})} QuoteRow
 */

/** @typedef {{label: string, run: () => void, disabled?: boolean}} RowAction */

/** @typedef {"change_1h_pct" | "change_24h_pct" | "change_7d_pct"} ChangeKey */
/** @type {ChangeKey[]} */
const CHANGES = ["change_1h_pct", "change_24h_pct", "change_7d_pct"];

/**
 * A coin's row: its <tr>, the quote it shows, and the cells it has while
 * `built` (a released row keeps the old ones until it is built again).
 * @typedef {{tr: HTMLTableRowElement, q: QuoteRow, placeholder: HTMLTableCellElement,
 *   shown?: {currency: string, price: number} | null, sparkKey?: string, tickTimer?: number, act?: RowAction}} RowBase
 * @typedef {{rank?: HTMLTableCellElement, name: HTMLSpanElement, sym: HTMLSpanElement, price: HTMLTableCellElement,
 *   changes: {key: ChangeKey, td: HTMLTableCellElement}[], cap: HTMLTableCellElement, vol: HTMLTableCellElement,
 *   spark: HTMLTableCellElement, button: HTMLButtonElement, alert?: HTMLButtonElement}} Cells
 * @typedef {RowBase & {built: boolean} & Partial<Cells>} Row
 * @typedef {Row & Cells} BuiltRow
 */

/**
 * Whether the row has its cells: build() gives it all of them at once.
 * @param {Row} r
 * @returns {r is BuiltRow}
 */
const isBuilt = (r) => r.built;

const NUMERIC = new Set(["price", "change_1h_pct", "change_24h_pct", "change_7d_pct", "market_cap", "volume_24h", "market_cap_rank"]);

export class QuoteTable {
  /**
   * @param {HTMLTableElement} table
   * @param {{kind: "watchlist"|"markets", action: (quote: QuoteRow) => RowAction, open: (coinId: string) => void, alert?: (quote: QuoteRow) => void, onReorder?: (ids: string[]) => void}} opts
   */
  constructor(table, opts) {
    this.table = table;
    this.body = table.tBodies[0];
    this.opts = opts;
    /** @type {QuoteRow[]} */
    this.quotes = [];
    /** @type {{key: keyof Ipc.Quote, dir: "asc" | "desc"} | null} */
    this.sort = null; // {key, dir}
    /** @type {Map<string, Row>} */
    this.rows = new Map(); // coin id → its row and cells
    const head = table.tHead?.rows[0];
    if (!head) throw new Error("A quote table needs a header row");
    this.head = head;
    for (const th of head.cells) {
      // The page's data-sort attributes name the quote's fields.
      const key = /** @type {keyof Ipc.Quote | undefined} */ (th.dataset.sort);
      if (!key) continue;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", () => this.sortBy(key));
    }
    if (opts.onReorder) this.enableReorder();
    this.columns = head.cells.length;
    this.scroller = table.closest("main");
    // Rows within a screen of the view get their cells; rows beyond it lose them.
    this.observer = new IntersectionObserver((entries) => this.onIntersect(entries), {
      root: this.scroller,
      rootMargin: "100% 0px",
    });
  }

  /** @param {IntersectionObserverEntry[]} entries */
  onIntersect(entries) {
    for (const e of entries) {
      const r = this.rows.get(/** @type {HTMLElement} */ (e.target).dataset.id ?? "");
      if (!r) continue;
      if (e.isIntersecting) this.build(r);
      // A hidden view's rows have no box: they keep their cells for when it shows again.
      else if (e.boundingClientRect.height > 0) this.release(r);
    }
  }

  /** @param {keyof Ipc.Quote} key */
  sortBy(key) {
    if (this.sort?.key === key) {
      this.sort = this.sort.dir === "desc" ? { key, dir: "asc" } : null; // third click: back to the user's order
    } else {
      this.sort = { key, dir: NUMERIC.has(key) && key !== "market_cap_rank" ? "desc" : "asc" };
    }
    const sort = this.sort;
    for (const th of this.head.cells) {
      th.setAttribute("aria-sort", sort && sort.key === th.dataset.sort ? (sort.dir === "asc" ? "ascending" : "descending") : "none");
    }
    this.render();
  }

  ordered() {
    if (!this.sort) return this.quotes;
    const { key, dir } = this.sort;
    const sign = dir === "asc" ? 1 : -1;
    /** @param {QuoteRow} q */
    const value = (q) => (NUMERIC.has(key) ? (q[key] === null || q[key] === undefined ? null : Number(q[key])) : String(q[key]).toLowerCase());
    return [...this.quotes].sort((a, b) => {
      const x = value(a), y = value(b);
      if (x === null) return 1;
      if (y === null) return -1;
      return x < y ? -sign : x > y ? sign : 0;
    });
  }

  /**
   * Shows `quotes`; prices that moved since they were last shown flash.
   * @param {QuoteRow[]} quotes
   */
  update(quotes) {
    this.quotes = quotes;
    this.render();
  }

  /**
   * Streamed prices: only these coins' rows are filled again (no reorder,
   * no other row touched).
   * @param {QuoteRow[]} quotes
   */
  patch(quotes) {
    const byId = new Map(quotes.map((q) => [q.coin_id, q]));
    this.quotes = this.quotes.map((q) => byId.get(q.coin_id) ?? q);
    for (const q of quotes) {
      const r = this.rows.get(q.coin_id);
      if (!r) continue;
      r.q = q;
      if (isBuilt(r)) this.fill(r, q, true);
    }
  }

  /**
   * Rows are kept per coin and updated in place: a refresh rewrites only
   * the cells whose text changed and moves only rows out of place, so an
   * idle dashboard costs next to nothing to repaint and each coin's icon is
   * requested once.
   */
  render() {
    const wanted = this.ordered().map((q, i) => this.rowFor(q, i));
    const keep = new Set(wanted);
    for (const [id, r] of this.rows) {
      if (!keep.has(r.tr)) {
        this.observer.unobserve(r.tr);
        r.tr.remove();
        this.rows.delete(id);
      }
    }
    let cursor = this.body.firstElementChild;
    for (const tr of wanted) {
      if (tr === cursor) cursor = tr.nextElementSibling;
      else this.body.insertBefore(tr, cursor);
    }
    if (!this.rowHeight) {
      // Rows without cells keep a built row's height, so the scrollbar does not jump.
      const built = [...this.rows.values()].find((r) => r.built);
      this.rowHeight = built?.tr.getBoundingClientRect().height;
      if (this.rowHeight) this.table.style.setProperty("--row-height", `${this.rowHeight}px`);
    }
  }

  /**
   * @param {QuoteRow} q
   * @param {number} index its place in the table
   */
  rowFor(q, index) {
    let r = this.rows.get(q.coin_id);
    if (!r) {
      r = this.createRow(q);
      this.rows.set(q.coin_id, r);
      // The rows a window shows are built at once, for the first paint; the
      // observer builds the rest as they come near.
      if (index < Math.ceil(window.innerHeight / 36)) this.build(r);
      this.observer.observe(r.tr);
    }
    r.q = q;
    if (isBuilt(r)) this.fill(r, q);
    else setText(r.placeholder, q.name);
    return r.tr;
  }

  /**
   * @param {QuoteRow} q
   * @returns {Row}
   */
  createRow(q) {
    const tr = document.createElement("tr");
    tr.dataset.id = q.coin_id;
    if (this.opts.kind === "watchlist") tr.tabIndex = 0;
    const placeholder = el("td", { className: "pending", colSpan: this.columns });
    tr.append(placeholder);
    tr.classList.add("pending");
    return { tr, q, placeholder, built: false };
  }

  /**
   * Gives a row its cells.
   * @param {Row} r
   */
  build(r) {
    if (r.built) return;
    const tr = r.tr;
    tr.replaceChildren();
    const cell = (cls = "num") => {
      const td = document.createElement("td");
      td.className = cls;
      tr.appendChild(td);
      return td;
    };
    const q = r.q;
    /** @type {HTMLTableCellElement | undefined} */
    let rank;
    if (this.opts.kind === "watchlist") {
      const handle = cell("drag");
      handle.textContent = "⋮⋮";
      handle.title = "Drag, or Alt+↑/↓, to reorder";
    } else {
      rank = cell("num rank");
    }
    const name = el("span", { className: "name" });
    const sym = el("span", { className: "sym" });
    const coin = el("button", { type: "button", className: "coin coin-link" });
    coin.append(avatar(q), name, sym);
    coin.addEventListener("click", () => this.opts.open(r.q.coin_id));
    cell("left").appendChild(coin);
    const price = cell("num price");
    const changes = CHANGES.map((key) => ({ key, td: cell() }));
    const cap = cell();
    const vol = cell();
    const spark = cell("spark-col");
    const button = el("button", { type: "button", className: "row-action" });
    button.addEventListener("click", () => r.act?.run());
    const actions = cell("actions");
    const alert = this.opts.alert;
    /** @type {HTMLButtonElement | undefined} */
    let bell;
    if (alert) {
      bell = el("button", { type: "button", className: "row-action bell" });
      bell.addEventListener("click", () => alert(r.q));
      actions.appendChild(bell);
    }
    actions.appendChild(button);
    tr.classList.remove("pending");
    this.fill(Object.assign(r, { rank, name, sym, price, changes, cap, vol, spark, button, alert: bell, built: true }), q);
  }

  /**
   * Takes a far row's cells away; it keeps the coin's name.
   * @param {Row} r
   */
  release(r) {
    if (!r.built || r.tr.contains(document.activeElement)) return;
    r.built = false;
    r.shown = r.sparkKey = undefined;
    r.placeholder.textContent = r.q.name;
    r.tr.replaceChildren(r.placeholder);
    r.tr.classList.add("pending");
  }

  /**
   * @param {BuiltRow} r the row and its cells, from build
   * @param {QuoteRow} q
   */
  fill(r, q, streamed = false) {
    const cur = q.currency;
    r.tr.draggable = this.opts.kind === "watchlist" && !this.sort;
    if (r.rank) setText(r.rank, String(q.market_cap_rank ?? "—"));
    setText(r.name, q.name);
    setText(r.sym, q.symbol.toUpperCase());
    const priced = q.has_quote !== false;
    if (setText(r.price, priced ? fmt.price(q.price, cur) : "—") && priced && r.shown?.currency === cur) {
      const up = Number(q.price) > r.shown.price;
      if (streamed) {
        // Streamed prices move several times a second: a tint that two
        // repaints set and clear, not an animation repainted every frame.
        r.price.classList.remove("tick-up", "tick-down");
        r.price.classList.add(up ? "tick-up" : "tick-down");
        clearTimeout(r.tickTimer);
        r.tickTimer = setTimeout(() => r.price.classList.remove("tick-up", "tick-down"), 700);
      } else {
        r.price.classList.remove("flash-up", "flash-down");
        void r.price.offsetWidth; // restart the animation
        r.price.classList.add(up ? "flash-up" : "flash-down");
      }
    }
    r.shown = priced ? { currency: cur, price: Number(q.price) } : null;
    // Where the price came from and when: "Binance · 12:03:04".
    const from = priced && q.updated_at ? `${q.source ?? "CoinGecko"} · ${fmt.time(q.updated_at)}` : "";
    if (r.price.title !== from) r.price.title = from;
    for (const { key, td } of r.changes) {
      setText(td, fmt.percent(q[key]));
      const cls = `num ${fmt.trendClass(q[key])}`;
      if (td.className !== cls) td.className = cls;
    }
    setText(r.cap, fmt.compact(q.market_cap, cur));
    setText(r.vol, fmt.compact(q.volume_24h, cur));
    const points = q.sparkline_7d ?? [];
    const sparkKey = `${points.length}:${points[0]}:${points[points.length - 1]}`;
    if (r.sparkKey !== sparkKey) {
      r.sparkKey = sparkKey;
      r.spark.replaceChildren(sparkline(points));
    }
    if (r.alert && r.alert.title !== `Alert me about ${q.name}`) {
      r.alert.title = `Alert me about ${q.name}`;
      r.alert.setAttribute("aria-label", r.alert.title);
    }
    r.act = this.opts.action(q);
    setText(r.button, r.act.label);
    r.button.disabled = !!r.act.disabled;
    r.button.setAttribute("aria-label", `${r.act.label} ${q.name}`);
  }

  ids() {
    return [...this.body.rows].map((r) => r.dataset.id).filter((id) => id !== undefined);
  }

  enableReorder() {
    /** @type {HTMLTableRowElement | null} */
    let dragged = null;
    this.body.addEventListener("dragstart", (e) => {
      dragged = /** @type {Element} */ (e.target).closest("tr");
      dragged?.classList.add("dragging");
      if (!e.dataTransfer) return;
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", dragged?.dataset.id ?? "");
    });
    this.body.addEventListener("dragover", (e) => {
      const over = /** @type {Element} */ (e.target).closest("tr");
      if (!dragged || !over || over === dragged) return;
      e.preventDefault();
      const after = e.clientY > over.getBoundingClientRect().top + over.offsetHeight / 2;
      over.parentNode?.insertBefore(dragged, after ? over.nextSibling : over);
    });
    this.body.addEventListener("dragend", () => {
      dragged?.classList.remove("dragging");
      dragged = null;
      this.commitOrder();
    });
    this.body.addEventListener("keydown", (e) => {
      const tr = /** @type {Element} */ (e.target).closest("tr");
      if (!tr || !e.altKey || this.sort || !["ArrowUp", "ArrowDown"].includes(e.key)) return;
      e.preventDefault();
      const sibling = e.key === "ArrowUp" ? tr.previousElementSibling : tr.nextElementSibling;
      if (!sibling) return;
      tr.parentNode?.insertBefore(tr, e.key === "ArrowUp" ? sibling : sibling.nextSibling);
      tr.focus();
      this.commitOrder();
    });
  }

  commitOrder() {
    const ids = this.ids();
    const byId = new Map(this.quotes.map((q) => [q.coin_id, q]));
    this.quotes = ids.map((id) => byId.get(id)).filter((q) => q !== undefined);
    this.opts.onReorder?.(ids);
  }
}

/**
 * Sets `el`'s text if it differs; returns whether it did.
 * @param {Element} el
 * @param {string} text
 */
function setText(el, text) {
  if (el.textContent === text) return false;
  el.textContent = text;
  return true;
}

/**
 * A letter badge; swapped for the coin's image if it loads (offline it won't).
 * @param {QuoteRow} q
 */
function avatar(q) {
  const span = document.createElement("span");
  span.className = "avatar";
  span.textContent = q.symbol.slice(0, 1).toUpperCase();
  if (q.image) {
    const img = new Image(20, 20);
    img.alt = "";
    img.addEventListener("load", () => span.replaceChildren(img));
    img.src = q.image;
  }
  return span;
}
