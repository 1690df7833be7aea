// Settings → Alert channels: the channels alerts go to besides the desktop
// and e-mail, each with its last delivery (or why its service refuses it),
// and a form to add or edit one. Every field is checked in Rust; a secret
// (token, auth token, webhook URL, signing key) only goes to Rust, into the
// OS keyring, and is never shown or read back.
import { api, describe } from "./api.js";
import { all, el, one } from "./dom.js";

/**
 * The form's text fields: what a user types, sent as typed.
 * @typedef {Exclude<keyof Ipc.ChannelInput, "kind" | "sign" | "quiet_then" | "replace">} TextField
 */

/**
 * The channel form, with its named fields.
 * @typedef {HTMLFormElement & {elements: HTMLFormControlsCollection & {[K in TextField | "sign"]: HTMLInputElement}}} ChannelFormElement
 */

/** What each kind's secret is, in the form's words. */
const SECRET = {
  ntfy: ["Access token", "only for a protected topic"],
  telegram: ["Bot token", "from @BotFather: 123456789:AA…"],
  sms: ["Auth token", "on the Twilio console"],
  pushover: ["Application token", "your application's API token"],
  gotify: ["App token", "from the server's Apps page"],
  webhook: ["Webhook URL", "https://… (kept in the OS keyring: it is a password)"],
};

/** @type {TextField[]} */
const TEXT_FIELDS = ["name", "url", "api_url", "chat_id", "account_sid", "from", "to", "user_key", "priority", "preset", "template", "quiet", "daily_cap", "secret", "signing_key"];

/**
 * @param {HTMLDialogElement} dialog
 * @returns {{load: () => Promise<void>}}
 */
export function setupChannels(dialog) {
  const panel = one(dialog, "#channels-panel");
  const form = /** @type {ChannelFormElement} */ (one(panel, "#channel-form", HTMLFormElement));
  const f = form.elements;
  const kind = one(form, "select[name=kind]", HTMLSelectElement);
  const preset = one(form, "select[name=preset]", HTMLSelectElement);
  const quietThen = one(form, "select[name=quiet_then]", HTMLSelectElement);
  const message = one(panel, "#channels-message");
  /** The channel being edited, by name; null: a new one. */
  let editing = /** @type {string | null} */ (null);

  /**
   * @param {string} text
   * @param {boolean} [error]
   */
  const say = (text, error = false) => {
    message.textContent = text;
    message.className = error ? "form-message error" : "form-message";
  };

  /** Shows the fields of the chosen kind (and preset) only. */
  const sync = () => {
    const k = /** @type {keyof typeof SECRET} */ (kind.value);
    for (const field of all(form, "[data-kinds]")) field.hidden = !(field.dataset.kinds ?? "").split(" ").includes(k);
    one(form, "[data-preset]").hidden = k !== "webhook" || preset.value !== "generic";
    one(form, "[data-sign]").hidden = k !== "webhook" || !f.sign.checked;
    const [label, hint] = SECRET[k] ?? ["Token", ""];
    one(form, "#channel-secret-label").textContent = label;
    f.secret.placeholder = editing ? "leave empty to keep" : hint;
    f.signing_key.placeholder = editing ? "leave empty to keep" : "16 characters or more";
  };
  kind.addEventListener("change", sync);
  preset.addEventListener("change", sync);
  f.sign.addEventListener("change", sync);

  /** @param {Ipc.ChannelInfo | null} c the channel to edit; null: a new one */
  const open = (c) => {
    form.reset();
    editing = c?.name ?? null;
    const config = c?.config;
    if (config) {
      kind.value = config.kind;
      f.name.value = c.name;
      switch (config.kind) {
        case "ntfy":
          f.url.value = `${config.server}/${config.topic}`;
          f.priority.value = config.priority === null ? "" : String(config.priority);
          break;
        case "gotify":
          f.url.value = config.server;
          f.priority.value = config.priority === null ? "" : String(config.priority);
          break;
        case "pushover":
          f.user_key.value = config.user_key;
          f.priority.value = config.priority === null ? "" : String(config.priority);
          f.api_url.value = config.api;
          break;
        case "telegram":
          f.chat_id.value = config.chat_id;
          f.api_url.value = config.api;
          break;
        case "sms":
          f.account_sid.value = config.account_sid;
          f.from.value = config.from;
          f.to.value = config.to;
          f.api_url.value = config.api;
          break;
        case "webhook":
          preset.value = config.preset;
          f.template.value = config.template ?? "";
          f.sign.checked = config.signed;
          break;
      }
      const q = c.policy.quiet;
      /** @param {number} m */
      const hhmm = (m) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
      f.quiet.value = q ? `${hhmm(q.from_min)}-${hhmm(q.to_min)}` : "";
      quietThen.value = q?.then ?? "hold";
      f.daily_cap.value = c.policy.daily_cap === null ? "" : String(c.policy.daily_cap);
    }
    // A channel's name is what rules name it by: it stays as it is.
    f.name.readOnly = editing !== null;
    kind.disabled = editing !== null;
    one(form, "#channel-form-title").textContent = editing ? `Edit ${editing}` : "New channel";
    one(form, "#channel-save").textContent = editing ? "Save changes" : "Add channel";
    form.hidden = false;
    one(panel, "#channel-new").hidden = true;
    sync();
    (editing ? f.url : f.name).focus();
  };
  const close = () => {
    form.reset();
    form.hidden = true;
    editing = null;
    one(panel, "#channel-new").hidden = false;
  };

  /**
   * @param {() => Promise<string>} what
   */
  const act = async (what) => {
    say("");
    try {
      say(await what());
    } catch (e) {
      say(describe(e), true);
    }
    await load();
  };

  const load = async () => {
    /** @type {Ipc.ChannelInfo[]} */
    let channels;
    try {
      channels = await api.channels();
    } catch (e) {
      say(describe(e), true);
      return;
    }
    one(panel, "tbody").replaceChildren(
      ...channels.map((c) => {
        const last = c.last_delivery;
        const state = el("td", {
          className: `delivery ${c.failing ? "failed" : (last?.status ?? "")}`,
          textContent: c.failing ? "Failing" : (last?.label ?? "—"),
        });
        const why = c.failing ?? (last?.status === "sent" ? null : last?.last_error);
        if (why) state.title = why;
        const where = el("td", { className: "where" }, el("div", { textContent: c.summary }));
        const policy = [c.policy.quiet && "quiet hours", c.policy.daily_cap !== null && `≤ ${c.policy.daily_cap} a day`].filter(Boolean).join(", ");
        if (policy) where.append(el("div", { className: "note", textContent: policy }));
        if (c.failing) where.append(el("div", { className: "error", textContent: c.failing }));
        const actions = el("td", { className: "actions" });
        if (c.config) {
          /**
           * @param {string} label
           * @param {() => void} handler
           */
          const button = (label, handler) => {
            const b = el("button", { type: "button", className: "row-action", textContent: label });
            b.setAttribute("aria-label", `${label} ${c.name}`);
            b.addEventListener("click", handler);
            return b;
          };
          actions.append(
            button("Test", () => act(async () => {
              await api.channelTest(c.name);
              return `Sent a test message through ${c.name}.`;
            })),
            button("Edit", () => open(c)),
            button("Remove", () => act(async () => {
              await api.channelRemove(c.name);
              if (editing === c.name) close();
              return `Removed ${c.name} and its secrets.`;
            })),
          );
        }
        const name = el("td", { className: "name" }, el("div", { textContent: c.name }));
        if (c.kind !== c.name) name.append(el("div", { className: "note", textContent: c.kind }));
        const tr = el("tr", {}, name, where, state, actions);
        tr.dataset.name = c.name;
        return tr;
      }),
    );
  };

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    act(async () => {
      const text = /** @type {Record<TextField, string>} */ (Object.fromEntries(TEXT_FIELDS.map((k) => [k, form.elements[k].value.trim()])));
      /** @type {Ipc.ChannelInput} */
      const input = {
        ...text,
        kind: kind.value,
        preset: kind.value === "webhook" ? preset.value : "",
        sign: f.sign.checked,
        quiet_then: /** @type {Ipc.QuietThen} */ (quietThen.value),
        replace: editing !== null,
      };
      const saved = await api.channelSave(input);
      close();
      return `${input.replace ? "Saved" : "Added"} ${saved.name}: ${saved.summary}.`;
    });
  });
  one(form, "#channel-cancel").addEventListener("click", close);
  one(panel, "#channel-new").addEventListener("click", () => open(null));
  return { load };
}
