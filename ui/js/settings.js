// The settings dialog: preferences are read from and written to Rust at
// once; the e-mail settings are saved with their button; the alert
// channels are channels.js'. The SMTP password
// is only ever sent to Rust (into the OS keyring), never shown or read back.
import { api, describe, signOut } from "./api.js";
import { setupChannels } from "./channels.js";
import { all, el, one } from "./dom.js";

/**
 * The e-mail form, with its named fields.
 * @typedef {HTMLFormElement & {elements: HTMLFormControlsCollection & {[K in keyof Ipc.EmailForm | "password"]: HTMLInputElement | HTMLSelectElement}}} EmailFormElement
 */

/**
 * A checkbox per watched coin, ticked for the tray's chosen ones.
 * @param {HTMLDialogElement} dialog
 * @param {Ipc.Coin[]} coins
 * @param {string[]} chosen
 * @param {HTMLElement} error
 */
function renderTrayCoins(dialog, coins, chosen, error) {
  const list = one(dialog, "#tray-coin-list");
  list.replaceChildren(
    ...coins.map((c) => {
      const box = el("input", { type: "checkbox", value: c.id, checked: chosen.includes(c.id) });
      box.addEventListener("change", async () => {
        const ids = all(list, "input:checked", HTMLInputElement).map((b) => b.value);
        error.textContent = "";
        try {
          await api.setTrayCoins(ids);
        } catch (e) {
          box.checked = !box.checked;
          error.textContent = describe(e);
        }
      });
      return el("label", { className: "check" }, box, el("span", { textContent: `${c.name} (${c.symbol.toUpperCase()})` }));
    }),
  );
  one(dialog, "#tray-coins").hidden = coins.length === 0;
}

/**
 * `coins`: the watchlist now, for the tray ticker's choice.
 * @param {{button: HTMLElement, dialog: HTMLDialogElement, error: HTMLElement, coins: () => Ipc.Coin[]}} opts
 */
export function setupSettings({ button, dialog, error, coins }) {
  /** @type {Record<Ipc.Preference, HTMLInputElement>} */
  const boxes = {
    close_to_tray: one(dialog, "#pref-close-to-tray", HTMLInputElement),
    autostart: one(dialog, "#pref-autostart", HTMLInputElement),
    privacy: one(dialog, "#pref-privacy", HTMLInputElement),
    tray_portfolio: one(dialog, "#pref-tray-portfolio", HTMLInputElement),
  };
  // Object.entries types its keys as strings; these are the preferences.
  const entries = /** @type {[Ipc.Preference, HTMLInputElement][]} */ (Object.entries(boxes));
  const channels = setupChannels(dialog);
  button.addEventListener("click", async () => {
    error.textContent = "";
    try {
      const prefs = await api.preferences();
      for (const [key, box] of entries) box.checked = prefs[key];
      renderTrayCoins(dialog, coins(), prefs.tray_coins, error);
    } catch (e) {
      error.textContent = describe(e);
    }
    loadEmail(dialog);
    channels.load();
    dialog.showModal();
  });
  setupEmail(dialog);
  for (const [key, box] of entries) {
    box.addEventListener("change", async () => {
      error.textContent = "";
      try {
        await api.setPreference(key, box.checked);
        if (key === "privacy") document.body.classList.toggle("private", box.checked);
      } catch (e) {
        box.checked = !box.checked;
        error.textContent = describe(e);
      }
    });
  }
  one(dialog, "#settings-done").addEventListener("click", () => dialog.close());
  one(dialog, "#sign-out").addEventListener("click", () => signOut());
}

/** @type {(keyof Ipc.EmailForm)[]} */
const EMAIL_FIELDS = ["smtp_host", "smtp_port", "security", "username", "from", "to"];

/** @param {HTMLDialogElement} dialog */
async function loadEmail(dialog) {
  const form = /** @type {EmailFormElement} */ (one(dialog, "#email-form", HTMLFormElement));
  const message = one(dialog, "#email-message");
  message.textContent = "";
  try {
    const page = await api.emailSettings();
    const s = page.settings;
    for (const key of EMAIL_FIELDS) form.elements[key].value = key === "to" ? s.to.join(", ") : String(s[key]);
    form.elements.password.value = "";
    one(dialog, "#email-password-state").textContent =
      page.keyring_error ?? (page.password_stored ? "A password is stored in the OS keyring." : "No password is stored.");
    one(dialog, "#email-clear-password").hidden = !page.password_stored;
  } catch (e) {
    message.textContent = describe(e);
  }
}

/** @param {HTMLDialogElement} dialog */
function setupEmail(dialog) {
  const form = /** @type {EmailFormElement} */ (one(dialog, "#email-form", HTMLFormElement));
  const message = one(dialog, "#email-message");
  /**
   * @param {string} text
   * @param {boolean} [error]
   */
  const say = (text, error = false) => {
    message.textContent = text;
    message.className = error ? "form-message error" : "form-message";
  };
  /**
   * @param {() => Promise<string>} what
   * @returns {(e?: Event) => Promise<void>}
   */
  const act = (what) => async (e) => {
    e?.preventDefault();
    say("");
    try {
      say(await what());
    } catch (err) {
      say(describe(err), true);
    }
  };
  form.addEventListener("submit", act(async () => {
    const fields = /** @type {Ipc.EmailForm} */ (Object.fromEntries(EMAIL_FIELDS.map((k) => [k, form.elements[k].value.trim()])));
    await api.emailSave(fields);
    const password = form.elements.password.value;
    if (password) await api.emailSetPassword(password);
    await loadEmail(dialog);
    return password ? "Saved; the password is in the OS keyring." : "Saved.";
  }));
  one(dialog, "#email-test").addEventListener("click", act(async () => {
    await api.emailTest();
    return "Sent a test e-mail.";
  }));
  one(dialog, "#email-clear-password").addEventListener("click", act(async () => {
    await api.emailClearPassword();
    await loadEmail(dialog);
    return "The password was removed from the OS keyring.";
  }));
}
