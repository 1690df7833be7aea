// The Sources panel (in Settings): each price source's state, last
// success, latency, errors and held-back prices, and the CoinGecko budget
// of the last minute. Read again every 2 s while the dialog is open.
import { api, describe } from "./api.js";
import { el, one } from "./dom.js";

const EVERY_MS = 2000;

/**
 * "12 s ago", "never".
 * @param {string | null} iso
 */
function ago(iso) {
  if (!iso) return "never";
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 90 ? `${s} s ago` : `${Math.round(s / 60)} min ago`;
}

/**
 * @param {HTMLElement} panel holds a <tbody> and a .budget line
 * @param {Ipc.SourcesReport} report
 */
function render(panel, report) {
  const rows = report.sources.map((s) => {
    const tr = document.createElement("tr");
    tr.dataset.source = s.source;
    const state = el("span", { className: `source-state ${s.state}`, textContent: s.state_label });
    const cells = [s.name, state, ago(s.last_success), s.latency_ms === null ? "—" : `${s.latency_ms} ms`, String(s.errors), String(s.held_back)];
    for (const [i, c] of cells.entries()) {
      const td = document.createElement("td");
      if (i >= 3) td.className = "num";
      td.append(c);
      tr.append(td);
    }
    if (s.last_error) tr.title = s.last_error;
    return tr;
  });
  one(panel, "tbody", HTMLTableSectionElement).replaceChildren(...rows);
  const used = report.coingecko_used, limit = report.coingecko_limit;
  const budget = one(panel, ".budget");
  budget.textContent = `CoinGecko: ${used} of ${limit} requests in the last minute (requests_per_minute)`;
  budget.classList.toggle("warn", used >= limit * 0.8);
}

/**
 * Keeps `panel` current while `dialog` is open.
 * @param {HTMLDialogElement} dialog
 * @param {HTMLElement} panel
 */
export function setupSources(dialog, panel) {
  /** @type {number | undefined} */
  let timer;
  const load = async () => {
    try {
      render(panel, await api.sourcesReport());
      one(panel, ".error").textContent = "";
    } catch (e) {
      one(panel, ".error").textContent = describe(e);
    }
  };
  new MutationObserver(() => {
    clearInterval(timer);
    if (dialog.open) {
      load();
      timer = setInterval(load, EVERY_MS);
    }
  }).observe(dialog, { attributes: true, attributeFilter: ["open"] });
}
