// The settings dialog: preferences are read from and written to Rust at once.
import { api, describe } from "./api.js";

export function setupSettings({ button, dialog, error }) {
  const boxes = {
    close_to_tray: dialog.querySelector("#pref-close-to-tray"),
    autostart: dialog.querySelector("#pref-autostart"),
  };
  button.addEventListener("click", async () => {
    error.textContent = "";
    try {
      const prefs = await api.preferences();
      for (const [key, box] of Object.entries(boxes)) box.checked = prefs[key];
    } catch (e) {
      error.textContent = describe(e);
    }
    dialog.showModal();
  });
  for (const [key, box] of Object.entries(boxes)) {
    box.addEventListener("change", async () => {
      error.textContent = "";
      try {
        await api.setPreference(key, box.checked);
      } catch (e) {
        box.checked = !box.checked;
        error.textContent = describe(e);
      }
    });
  }
  dialog.querySelector("#settings-done").addEventListener("click", () => dialog.close());
}
