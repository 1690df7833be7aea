// The Alerts view: the rules, the form that creates and edits them, and
// what fired with the delivery of each channel. Rust parses and checks what
// the form sends, and words what the view shows (rule descriptions, states,
// deliveries, the conditions the form offers).
import { api, describe } from "./api.js";
import * as fmt from "./format.js";
import { $, all, el } from "./dom.js";

/**
 * The rule form, with its named fields.
 * @typedef {HTMLFormElement & {elements: HTMLFormControlsCollection & {
 *   coin: HTMLSelectElement, condition: HTMLSelectElement, level: HTMLInputElement, window: HTMLSelectElement, lookback: HTMLSelectElement,
 *   portfolio: HTMLSelectElement, target: HTMLInputElement,
 *   currency: HTMLInputElement, desktop: HTMLInputElement, email: HTMLInputElement, urgent: HTMLInputElement, repeat: RadioNodeList,
 *   band_pct: HTMLInputElement, cooldown: HTMLSelectElement, confirm: HTMLSelectElement, note: HTMLInputElement}}} AlertForm
 */

export class AlertsView {
  /** @param {{coins: () => Ipc.Coin[], currency: () => string, onError: (msg: string) => void, onCount: (n: number) => void}} ctx */
  constructor(ctx) {
    this.ctx = ctx;
    /** @type {Ipc.AlertsPage | null} */
    this.page = null;
    /** @type {number | null} */
    this.editing = null; // id of the rule in the form, or null for a new one
    const form = /** @type {AlertForm} */ ($("alert-form", HTMLFormElement));
    this.form = form;
    /** @type {Map<Ipc.Condition, Ipc.ConditionInfo>} what the form offers, from Rust with the first page */
    this.conditions = new Map();
    /** @type {Ipc.Condition} the condition the form is set to, kept until the options arrive */
    this.condition = "above";
    /** A form reset before the first page came waits for its defaults. */
    this.defaultsPending = true;
    const condition = form.elements.condition;
    condition.addEventListener("change", () => {
      this.condition = /** @type {Ipc.Condition} */ (condition.value);
      this.syncForm();
    });
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

  /**
   * A box per channel a user added, the `chosen` ones ticked; a failing
   * one says so.
   * @param {string[]} chosen
   */
  fillChannels(chosen) {
    const added = this.page?.channels ?? [];
    const names = [...added.map((c) => c.name), ...chosen.filter((n) => !added.some((c) => c.name === n))];
    $("alert-channels").replaceChildren(
      ...names.map((name) => {
        const failing = added.find((c) => c.name === name)?.failing;
        const label = el("label", { className: failing ? "check failing" : "check" },
          el("input", { type: "checkbox", value: name, checked: chosen.includes(name) }),
          el("span", { textContent: failing ? `${name} (failing)` : name }));
        if (failing) label.title = failing;
        return label;
      }),
    );
  }

  /** @param {string} selected a portfolio's name, or "" for all */
  fillPortfolios(selected) {
    const names = [...(this.page?.portfolios ?? [])];
    if (selected && !names.includes(selected)) names.push(selected);
    const select = this.form.elements.portfolio;
    select.replaceChildren(el("option", { value: "", textContent: "All portfolios" }), ...names.map((n) => el("option", { value: n, textContent: n })));
    select.value = selected;
  }

  /** @param {Ipc.ConditionInfo[]} conditions */
  fillConditions(conditions) {
    if (this.conditions.size > 0) return;
    for (const c of conditions) this.conditions.set(c.condition, c);
    this.form.elements.condition.replaceChildren(...conditions.map((c) => el("option", { value: c.condition, textContent: c.label })));
    this.form.elements.condition.value = this.condition;
    // The defaults and the note's limit came with the conditions.
    if (this.defaultsPending) this.fillDefaults();
    this.syncForm();
  }

  /** A new rule's window, lookback and band, and the note's limit: the engine's (once the first page came). */
  fillDefaults() {
    const d = this.page?.form;
    this.defaultsPending = !d;
    if (!d) return;
    const f = this.form.elements;
    f.window.value = String(d.window_secs);
    f.lookback.value = String(d.lookback_secs);
    f.band_pct.value = d.band_pct;
    f.note.maxLength = d.note_max_chars;
  }

  syncForm() {
    const f = this.form.elements;
    const c = this.conditions.get(this.condition) ?? { price: true, unit: null, window: false, lookback: false, portfolio: false, coin: true, target: false, confirm: true };
    $("alert-window-field").hidden = !c.window;
    $("alert-lookback-field").hidden = !c.lookback;
    $("alert-portfolio-field").hidden = !c.portfolio;
    $("alert-coin-field").hidden = !c.coin;
    $("alert-target-field").hidden = !c.target;
    $("alert-confirm-field").hidden = !c.confirm;
    f.target.required = c.target;
    // A portfolio rule may be on a coin held but not watched.
    const selected = f.coin.value;
    this.fillCoins(selected || undefined, c.portfolio);
    $("alert-level-unit").textContent = c.price ? f.currency.value.toUpperCase() : (c.unit ?? "");
    // A price rule's band is a % of its level; the others' is in the level's unit.
    $("alert-band-unit").textContent = c.price ? "%" : (c.unit ?? "");
    const rearm = f.repeat.value === "rearm";
    f.band_pct.disabled = !rearm;
    f.cooldown.disabled = !rearm;
  }

  /**
   * @param {string} [selected]
   * @param {boolean} [held] list the coins the portfolio holds too
   */
  fillCoins(selected, held = false) {
    const coins = [...this.ctx.coins()];
    if (held) for (const h of this.page?.held ?? []) if (!coins.some((c) => c.id === h.id)) coins.push(h);
    const select = this.form.elements.coin;
    const options = coins.map((c) => el("option", { value: c.id, textContent: c.name }));
    if (selected && !coins.some((c) => c.id === selected)) options.push(el("option", { value: selected, textContent: selected }));
    select.replaceChildren(...options);
    if (selected) select.value = selected;
  }

  /**
   * A new rule, optionally prefilled ("alert me" from a watchlist row).
   * @param {{coin_id?: string, condition?: Ipc.Condition, level?: string, currency?: string, portfolio?: string | null, target_pct?: string | null}} [prefill]
   */
  resetForm(prefill = {}) {
    this.editing = null;
    const f = this.form.elements;
    this.fillCoins(prefill.coin_id);
    this.condition = prefill.condition ?? "above";
    f.condition.value = this.condition;
    f.level.value = prefill.level ?? "";
    this.fillPortfolios(prefill.portfolio ?? "");
    f.target.value = prefill.target_pct ?? "";
    f.currency.value = prefill.currency ?? this.ctx.currency();
    f.desktop.checked = true;
    f.email.checked = false;
    f.urgent.checked = false;
    this.fillChannels([]);
    f.repeat.value = "rearm";
    f.cooldown.value = "0";
    f.confirm.value = "";
    f.note.value = "";
    this.fillDefaults();
    $("alert-form-title").textContent = "New alert";
    $("alert-save").textContent = "Create alert";
    $("alert-cancel").hidden = true;
    $("alert-form-message").textContent = "";
    this.syncForm();
  }

  /** @param {Ipc.RuleView} r */
  edit(r) {
    this.resetForm({ coin_id: r.coin_id, condition: r.condition, level: r.level, currency: r.currency, portfolio: r.portfolio, target_pct: r.target_pct });
    this.editing = r.id;
    const f = this.form.elements;
    if (r.window_secs) f.window.value = String(r.window_secs);
    if (r.lookback_secs) f.lookback.value = String(r.lookback_secs);
    f.desktop.checked = r.channels.desktop;
    f.email.checked = r.channels.email;
    f.urgent.checked = r.channels.urgent;
    this.fillChannels(r.channels.named);
    f.repeat.value = r.once ? "once" : "rearm";
    f.band_pct.value = r.band_pct;
    f.cooldown.value = String(r.cooldown_secs);
    f.confirm.value = r.confirm_secs ? String(r.confirm_secs) : "";
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
    const c = this.conditions.get(this.condition);
    /** @type {Ipc.RuleInput} */
    const input = {
      coin: c?.coin === false ? "" : f.coin.value,
      currency: f.currency.value,
      portfolio: c?.portfolio ? f.portfolio.value || null : null,
      target: c?.target ? f.target.value : null,
      condition: this.condition,
      level: f.level.value,
      window: this.conditions.get(this.condition)?.window ? f.window.value : null,
      lookback: this.conditions.get(this.condition)?.lookback ? f.lookback.value : null,
      channels: {
        desktop: f.desktop.checked,
        email: f.email.checked,
        named: all($("alert-channels"), "input:checked", HTMLInputElement).map((b) => b.value),
        urgent: f.urgent.checked,
      },
      note: f.note.value,
      once: f.repeat.value === "once",
      band_pct: f.band_pct.value.trim() || "0",
      cooldown: f.cooldown.value,
      // An optional field (Rust reads a missing one as none): left out, not null.
      confirm: c?.confirm ? f.confirm.value || undefined : undefined,
    };
    message.className = "form-message";
    try {
      const saved = await api.alertSave(this.editing, input);
      const what = this.editing ? "Saved" : "Created";
      this.resetForm();
      message.textContent = saved.beyond_now
        ? `${what} alert #${saved.id}. The price is already past this level, so it fires at the next update.`
        : `${what} alert #${saved.id}.`;
      if (input.channels.email && !this.page?.email_configured) message.textContent += " E-mail is not set up yet: see Settings.";
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
    if (!p) return;
    this.fillConditions(p.conditions);
    this.fillPortfolios(this.form.elements.portfolio.value);
    this.fillChannels(all($("alert-channels"), "input:checked", HTMLInputElement).map((b) => b.value));
    $("alerts-monitor").textContent = p.monitor.message;
    $("alerts-monitor").className = p.monitor.state === "failed" || p.monitor.state === "restarting" ? "note error" : "note";

    const rules = $("alert-rules", HTMLTableElement);
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
        const channels = [r.channels.desktop && "Desktop", r.channels.email && "E-mail", ...r.channels.named].filter(Boolean).join(", ");
        const text = el("td", { className: "left" }, el("div", { textContent: r.description }));
        if (r.note) text.append(el("div", { className: "sym", textContent: r.note }));
        const tr = el("tr", {}, el("td", {}, toggle), text,
          el("td", { className: "left", textContent: channels }),
          el("td", { className: "left", textContent: r.state }),
          el("td", { className: "num", textContent: String(r.epoch) }),
          el("td", { className: "actions" }, edit, remove));
        tr.dataset.id = String(r.id);
        return tr;
      }),
    );
    rules.hidden = p.rules.length === 0;
    $("alert-rules-empty").hidden = p.rules.length > 0;

    const history = $("alert-history", HTMLTableElement);
    history.tBodies[0].replaceChildren(
      ...p.history.map((h) => {
        /** @param {Ipc.Delivery | undefined} d */
        const cell = (d) => {
          const td = el("td", { className: `left delivery ${d?.status ?? ""}`, textContent: d?.label ?? "—" });
          if (d?.last_error && d.status !== "sent") td.title = d.last_error;
          return td;
        };
        /** @param {Record<string, Ipc.Delivery>} all */
        const others = (all) => {
          const td = el("td", { className: "left others" });
          for (const [name, d] of Object.entries(all)) {
            if (name === "desktop" || name === "email") continue;
            const span = el("span", { className: `delivery ${d.status}`, textContent: `${name}: ${d.label}` });
            if (d.last_error && d.status !== "sent") span.title = d.last_error;
            td.append(span);
          }
          if (!td.childElementCount) td.textContent = "—";
          return td;
        };
        const tr = el("tr", { className: h.acknowledged ? "" : "unseen" },
          el("td", { className: "left", textContent: fmt.dateTime(h.fired_at) }),
          el("td", { className: "left", textContent: h.description }),
          el("td", { className: "num", textContent: fmt.price(h.price, h.currency) }),
          cell(h.deliveries.desktop), cell(h.deliveries.email), others(h.deliveries));
        tr.dataset.key = h.key;
        return tr;
      }),
    );
    history.hidden = p.history.length === 0;
    $("alert-history-empty").hidden = p.history.length > 0;
    $("alerts-ack").hidden = this.unacknowledged() === 0;
    this.ctx.onCount(this.unacknowledged());
  }

  /** @param {() => Promise<unknown>} action */
  async run(action) {
    try {
      await action();
    } catch (e) {
      this.ctx.onError(describe(e));
    }
    await this.load();
  }
}
