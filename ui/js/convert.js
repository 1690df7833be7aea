// The converter: a small keyboard-first panel (Ctrl+K). It converts as
// you type, from stored quotes and exchange rates, and says which rates it
// used and how old they are. Parsing and every rule are in Rust.
import { api, describe } from "./api.js";
import * as fmt from "./format.js";
import { $, el, one } from "./dom.js";

/** @param {{units: () => string[]}} opts codes to offer: watched coins' symbols and currencies */
export function setupConverter(opts) {
  const dialog = $("convert", HTMLDialogElement);
  const form = $("convert-form", HTMLFormElement);
  const field = (/** @type {string} */ name) => one(form, `[name=${name}]`, HTMLInputElement);
  let generation = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;

  const open = () => {
    $("convert-units").replaceChildren(...opts.units().map((u) => el("option", { value: u })));
    if (!dialog.open) dialog.showModal();
    field("amount").select();
    run();
  };
  const run = async () => {
    const gen = ++generation;
    const [amount, from, to] = ["amount", "from", "to"].map((n) => field(n).value.trim());
    if (!amount || !from || !to) return;
    try {
      const c = await api.convert(amount, from, to);
      if (gen !== generation) return;
      $("convert-result").textContent = c.text;
      $("convert-rate").textContent = c.rate_text;
      $("convert-source").textContent = `${c.source} · ${c.stale ? "stale, " : ""}${c.age} old (${fmt.dateTime(Date.parse(c.as_of))})`;
      $("convert-source").classList.toggle("stale-text", c.stale);
      $("convert-error").textContent = "";
    } catch (e) {
      if (gen !== generation) return;
      $("convert-result").textContent = "";
      $("convert-rate").textContent = "";
      $("convert-source").textContent = "";
      $("convert-error").textContent = describe(e);
    }
  };
  for (const type of ["input", "change"]) {
    form.addEventListener(type, () => {
      clearTimeout(timer);
      timer = setTimeout(run, 150);
    });
  }
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    clearTimeout(timer);
    run();
  });
  $("convert-swap").addEventListener("click", () => {
    const [from, to] = [field("from").value, field("to").value];
    field("from").value = to;
    field("to").value = from;
    run();
  });
  $("open-convert").addEventListener("click", open);
  $("convert-done").addEventListener("click", () => dialog.close());
  document.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") {
      e.preventDefault();
      open();
    }
  });
}
