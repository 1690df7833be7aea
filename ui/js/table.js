// A sortable table of quotes, shared by the Watchlist and Markets views.
// Rows are keyed by coin id; a changed price flashes green or red.
import * as fmt from "./format.js";
import { sparkline } from "./sparkline.js";

const NUMERIC = new Set(["price", "change_1h_pct", "change_24h_pct", "change_7d_pct", "market_cap", "volume_24h", "market_cap_rank"]);

export class QuoteTable {
  /**
   * @param {HTMLTableElement} table
   * @param {{kind: "watchlist"|"markets", action: (quote) => {label: string, run: () => void, disabled?: boolean}, onReorder?: (ids: string[]) => void}} opts
   */
  constructor(table, opts) {
    this.table = table;
    this.body = table.tBodies[0];
    this.opts = opts;
    this.quotes = [];
    this.sort = null; // {key, dir}
    this.previous = new Map(); // id → price, for flashes
    for (const th of table.tHead.rows[0].cells) {
      const key = th.dataset.sort;
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
  }

  sortBy(key) {
    if (this.sort?.key === key) {
      this.sort = this.sort.dir === "desc" ? { key, dir: "asc" } : null; // third click: back to the user's order
    } else {
      this.sort = { key, dir: NUMERIC.has(key) && key !== "market_cap_rank" ? "desc" : "asc" };
    }
    for (const th of this.table.tHead.rows[0].cells) {
      th.setAttribute("aria-sort", this.sort?.key === th.dataset.sort ? (this.sort.dir === "asc" ? "ascending" : "descending") : "none");
    }
    this.render();
  }

  ordered() {
    if (!this.sort) return this.quotes;
    const { key, dir } = this.sort;
    const sign = dir === "asc" ? 1 : -1;
    const value = (q) => (NUMERIC.has(key) ? (q[key] === null || q[key] === undefined ? null : Number(q[key])) : String(q[key]).toLowerCase());
    return [...this.quotes].sort((a, b) => {
      const x = value(a), y = value(b);
      if (x === null) return 1;
      if (y === null) return -1;
      return x < y ? -sign : x > y ? sign : 0;
    });
  }

  /** Replaces the rows; prices that moved since the last call flash. */
  update(quotes) {
    this.quotes = quotes;
    this.render();
  }

  render() {
    const rows = this.ordered().map((q) => this.row(q));
    this.body.replaceChildren(...rows);
    this.previous = new Map(this.quotes.map((q) => [q.coin_id, Number(q.price)]));
  }

  row(q) {
    const tr = document.createElement("tr");
    tr.dataset.id = q.coin_id;
    const cur = q.currency;
    const cell = (text, cls = "num") => {
      const td = document.createElement("td");
      td.className = cls;
      td.textContent = text;
      tr.appendChild(td);
      return td;
    };
    if (this.opts.kind === "watchlist") {
      const handle = cell("⋮⋮", "drag");
      handle.title = "Drag, or Alt+↑/↓, to reorder";
      tr.draggable = !this.sort;
      tr.tabIndex = 0;
    } else {
      cell(q.market_cap_rank ?? "—", "num rank");
    }
    const coin = document.createElement("div");
    coin.className = "coin";
    coin.append(avatar(q), Object.assign(document.createElement("span"), { className: "name", textContent: q.name }),
      Object.assign(document.createElement("span"), { className: "sym", textContent: q.symbol.toUpperCase() }));
    cell("", "left").appendChild(coin);
    const price = cell(q.has_quote === false ? "—" : fmt.price(q.price, cur), "num price");
    const before = this.previous.get(q.coin_id);
    const now = Number(q.price);
    if (before !== undefined && now !== before) price.classList.add(now > before ? "flash-up" : "flash-down");
    for (const k of ["change_1h_pct", "change_24h_pct", "change_7d_pct"]) cell(fmt.percent(q[k]), `num ${fmt.trendClass(q[k])}`);
    cell(fmt.compact(q.market_cap, cur));
    cell(fmt.compact(q.volume_24h, cur));
    cell("", "spark-col").appendChild(sparkline(q.sparkline_7d));
    const act = this.opts.action(q);
    const button = document.createElement("button");
    button.type = "button";
    button.className = "row-action";
    button.textContent = act.label;
    button.disabled = !!act.disabled;
    button.setAttribute("aria-label", `${act.label} ${q.name}`);
    button.addEventListener("click", act.run);
    cell("", "actions").appendChild(button);
    return tr;
  }

  ids() {
    return [...this.body.rows].map((r) => r.dataset.id);
  }

  enableReorder() {
    let dragged = null;
    this.body.addEventListener("dragstart", (e) => {
      dragged = e.target.closest("tr");
      dragged?.classList.add("dragging");
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", dragged?.dataset.id ?? "");
    });
    this.body.addEventListener("dragover", (e) => {
      const over = e.target.closest("tr");
      if (!dragged || !over || over === dragged) return;
      e.preventDefault();
      const after = e.clientY > over.getBoundingClientRect().top + over.offsetHeight / 2;
      over.parentNode.insertBefore(dragged, after ? over.nextSibling : over);
    });
    this.body.addEventListener("dragend", () => {
      dragged?.classList.remove("dragging");
      dragged = null;
      this.commitOrder();
    });
    this.body.addEventListener("keydown", (e) => {
      const tr = e.target.closest("tr");
      if (!tr || !e.altKey || this.sort || !["ArrowUp", "ArrowDown"].includes(e.key)) return;
      e.preventDefault();
      const sibling = e.key === "ArrowUp" ? tr.previousElementSibling : tr.nextElementSibling;
      if (!sibling) return;
      tr.parentNode.insertBefore(tr, e.key === "ArrowUp" ? sibling : sibling.nextSibling);
      tr.focus();
      this.commitOrder();
    });
  }

  commitOrder() {
    const ids = this.ids();
    const byId = new Map(this.quotes.map((q) => [q.coin_id, q]));
    this.quotes = ids.map((id) => byId.get(id)).filter(Boolean);
    this.opts.onReorder(ids);
  }
}

/** A letter badge; swapped for the coin's image if it loads (offline it won't). */
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
