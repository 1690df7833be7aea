// The Alerts view: the rules, the form that creates and edits them, and
// what fired with the delivery of each channel. All checks are repeated in
// Rust; the form only helps.
import { api, describe } from "./api.js";
import * as fmt from "./format.js";

const $ = (id) => document.getElementById(id);

const CONDITIONS = {
  above: { label: "Price rises above", unit: "price" },
  below: { label: "Price falls below", unit: "price" },
  move: { label: "Price moves (either way) by", unit: "pct", window: true },
  move_up: { label: "Price rises by", unit: "pct", window: true },
  move_down: { label: "Price falls by", unit: "pct", window: true },
  change_above: { label: "24h change rises to", unit: "pct" },
  change_below: { label: "24h change falls to", unit: "pct" },
};

const el = (tag, props = {}, ...children) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
};

function duration(secs) {
  if (secs % 86400 === 0) return `${secs / 86400}d`;
  if (secs % 3600 === 0) return `${secs / 3600}h`;
  if (secs % 60 === 0) return `${secs / 60}m`;
  return `${secs}s`;
}

/** "Bitcoin above $71,000.00" */
export function describeRule(r, coinName) {
  const c = CONDITIONS[r.condition];
  const level = c.unit === "price" ? fmt.price(r.level, r.currency) : `${r.level} %`;
  const window = c.window ? ` within ${duration(r.window_secs)}` : "";
  return `${coinName(r.coin_id)}: ${c.label.toLowerCase()} ${level}${window}`;
}

function ruleState(r) {
  if (!r.enabled) return r.once && r.epoch > 0 ? "Done (fired once)" : "Disabled";
  if (r.beyond_now && r.armed) return "Fires at the next update";
  return r.armed ? "Armed" : "Waiting to re-arm";
}

function deliveryText(d) {
  if (!d) return "—";
  if (d.status === "sent") return "Sent";
  if (d.status === "failed") return "Failed";
  return d.attempts > 0 ? `Retrying (${d.attempts})` : "Pending";
}

export class AlertsView {
  /** @param {{coins: () => {id, name}[], currency: () => string, price: (id) => string|null, onError: (msg) => void, onCount: (n) => void}} ctx */
  constructor(ctx) {
    this.ctx = ctx;
    this.page = null;
    this.editing = null; // id of the rule in the form, or null for a new one
    const form = $("alert-form");
    this.form = form;
    const condition = form.elements.condition;
    condition.replaceChildren(...Object.entries(CONDITIONS).map(([v, c]) => el("option", { value: v, textContent: c.label })));
    condition.addEventListener("change", () => this.syncForm());
    form.elements.repeat.forEach((r) => r.addEventListener("change", () => this.syncForm()));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.save();
    });
    $("alert-cancel").addEventListener("click", () => this.resetForm());
    $("alerts-ack").addEventListener("click", async () => {
      try {
        await api.alertsAcknowledge();
        await this.load();
      } catch (e) {
        ctx.onError(describe(e));
      }
    });
    this.resetForm();
  }

  coinName(id) {
    return this.ctx.coins().find((c) => c.id === id)?.name ?? id;
  }

  syncForm() {
    const f = this.form.elements;
    const c = CONDITIONS[f.condition.value];
    $("alert-window-field").hidden = !c.window;
    $("alert-level-unit").textContent = c.unit === "price" ? f.currency.value.toUpperCase() : "%";
    const rearm = f.repeat.value === "rearm";
    f.band_pct.disabled = !rearm;
    f.cooldown.disabled = !rearm;
  }

  fillCoins(selected) {
    const coins = this.ctx.coins();
    const select = this.form.elements.coin;
    const options = coins.map((c) => el("option", { value: c.id, textContent: c.name }));
    if (selected && !coins.some((c) => c.id === selected)) options.push(el("option", { value: selected, textContent: selected }));
    select.replaceChildren(...options);
    if (selected) select.value = selected;
  }

  /** A new rule, optionally prefilled ("alert me" from a watchlist row). */
  resetForm(prefill = {}) {
    this.editing = null;
    const f = this.form.elements;
    this.fillCoins(prefill.coin_id);
    f.condition.value = prefill.condition ?? "above";
    f.level.value = prefill.level ?? "";
    f.window.value = "3600";
    f.currency.value = prefill.currency ?? this.ctx.currency();
    f.desktop.checked = true;
    f.email.checked = false;
    f.repeat.value = "rearm";
    f.band_pct.value = "0.5";
    f.cooldown.value = "0";
    f.note.value = "";
    $("alert-form-title").textContent = "New alert";
    $("alert-save").textContent = "Create alert";
    $("alert-cancel").hidden = true;
    $("alert-form-message").textContent = "";
    this.syncForm();
  }

  edit(r) {
    this.resetForm({ coin_id: r.coin_id, condition: r.condition, level: r.level, currency: r.currency });
    this.editing = r.id;
    const f = this.form.elements;
    if (r.window_secs) f.window.value = String(r.window_secs);
    f.desktop.checked = r.channels.desktop;
    f.email.checked = r.channels.email;
    f.repeat.value = r.once ? "once" : "rearm";
    f.band_pct.value = r.band_pct;
    f.cooldown.value = String(r.cooldown_secs);
    f.note.value = r.note;
    $("alert-form-title").textContent = `Edit alert #${r.id}`;
    $("alert-save").textContent = "Save changes";
    $("alert-cancel").hidden = false;
    this.syncForm();
    f.level.focus();
  }

  async save() {
    const f = this.form.elements;
    const message = $("alert-form-message");
    const c = CONDITIONS[f.condition.value];
    const spec = {
      coin_id: f.coin.value,
      currency: f.currency.value,
      condition: f.condition.value,
      level: f.level.value.trim().replace(/,/g, ""),
      window_secs: c.window ? Number(f.window.value) : null,
      channels: { desktop: f.desktop.checked, email: f.email.checked },
      note: f.note.value,
      once: f.repeat.value === "once",
      band_pct: f.band_pct.value.trim() || "0",
      cooldown_secs: Number(f.cooldown.value),
    };
    message.className = "form-message";
    try {
      const saved = await api.alertSave(this.editing, spec);
      const what = this.editing ? "Saved" : "Created";
      this.resetForm();
      message.textContent = saved.beyond_now
        ? `${what} alert #${saved.id}. The price is already past this level, so it fires at the next update.`
        : `${what} alert #${saved.id}.`;
      if (spec.channels.email && !this.page?.email_configured) message.textContent += " E-mail is not set up yet: see Settings.";
      await this.load();
    } catch (e) {
      message.className = "form-message error";
      message.textContent = describe(e);
    }
  }

  /** Before the view shows: a fresh form follows the watchlist and currency. */
  prepare() {
    if (this.editing === null && !this.form.elements.level.value) {
      const message = $("alert-form-message").textContent;
      this.resetForm();
      $("alert-form-message").textContent = message;
    }
  }

  async load() {
    try {
      this.page = await api.alerts();
    } catch (e) {
      this.ctx.onError(describe(e));
      return;
    }
    this.render();
  }

  unacknowledged() {
    return this.page ? this.page.history.filter((h) => !h.acknowledged).length : 0;
  }

  render() {
    const p = this.page;
    const m = p.monitor;
    $("alerts-monitor").textContent =
      m.state === "active" ? "Alerts are watched while Coinlytics runs, in the window or the tray."
      : m.state === "passive" ? `${m.message}; this window shows them.`
      : m.state === "failed" ? `Alerts are not being watched: ${m.message}`
      : "Starting the alert monitor…";
    $("alerts-monitor").className = m.state === "failed" ? "note error" : "note";

    const rules = $("alert-rules");
    rules.tBodies[0].replaceChildren(
      ...p.rules.map((r) => {
        const toggle = el("input", { type: "checkbox", checked: r.enabled, title: "Enabled" });
        toggle.setAttribute("aria-label", `Enable alert #${r.id}`);
        toggle.addEventListener("change", () => this.run(() => api.alertSetEnabled(r.id, toggle.checked)));
        const edit = el("button", { type: "button", className: "row-action", textContent: "Edit" });
        edit.addEventListener("click", () => this.edit(r));
        const remove = el("button", { type: "button", className: "row-action", textContent: "Delete" });
        remove.setAttribute("aria-label", `Delete alert #${r.id}`);
        remove.addEventListener("click", () => this.run(() => api.alertRemove(r.id)));
        const channels = [r.channels.desktop && "Desktop", r.channels.email && "E-mail"].filter(Boolean).join(", ");
        const text = el("td", { className: "left" }, el("div", { textContent: describeRule(r, (id) => this.coinName(id)) }));
        if (r.note) text.append(el("div", { className: "sym", textContent: r.note }));
        const tr = el("tr", {}, el("td", {}, toggle), text,
          el("td", { className: "left", textContent: channels }),
          el("td", { className: "left", textContent: ruleState(r) }),
          el("td", { className: "num", textContent: String(r.epoch) }),
          el("td", { className: "actions" }, edit, remove));
        tr.dataset.id = String(r.id);
        return tr;
      }),
    );
    rules.hidden = p.rules.length === 0;
    $("alert-rules-empty").hidden = p.rules.length > 0;

    const history = $("alert-history");
    history.tBodies[0].replaceChildren(
      ...p.history.map((h) => {
        const cell = (d) => {
          const td = el("td", { className: `left delivery ${d?.status ?? ""}`, textContent: deliveryText(d) });
          if (d?.last_error && d.status !== "sent") td.title = d.last_error;
          return td;
        };
        const tr = el("tr", { className: h.acknowledged ? "" : "unseen" },
          el("td", { className: "left", textContent: fmt.dateTime(h.fired_at) }),
          el("td", { className: "left", textContent: `${h.name}: ${CONDITIONS[h.condition].label.toLowerCase()} ${CONDITIONS[h.condition].unit === "price" ? fmt.price(h.level, h.currency) : `${h.level} %`}` }),
          el("td", { className: "num", textContent: fmt.price(h.price, h.currency) }),
          cell(h.deliveries.desktop), cell(h.deliveries.email));
        tr.dataset.key = h.key;
        return tr;
      }),
    );
    history.hidden = p.history.length === 0;
    $("alert-history-empty").hidden = p.history.length > 0;
    $("alerts-ack").hidden = this.unacknowledged() === 0;
    this.ctx.onCount(this.unacknowledged());
  }

  async run(action) {
    try {
      await action();
    } catch (e) {
      this.ctx.onError(describe(e));
    }
    await this.load();
  }
}
