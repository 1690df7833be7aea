// Search-as-you-type over the stored coin list; Enter or click adds the coin.
import { api, describe } from "./api.js";
import { el } from "./dom.js";

/**
 * @param {{input: HTMLInputElement, list: HTMLElement, onPick: (coin: Ipc.Coin) => void, onError: (message: string) => void}} opts
 */
export function setupSearch({ input, list, onPick, onError }) {
  /** @type {Ipc.Coin[]} */
  let results = [];
  let active = -1;
  let seq = 0;

  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    active = -1;
  };

  const render = () => {
    list.replaceChildren(
      ...results.map((c, i) => {
        const li = document.createElement("li");
        li.role = "option";
        li.id = `search-opt-${i}`;
        li.setAttribute("aria-selected", String(i === active));
        const name = el("span", { className: "name", textContent: c.name });
        const sym = el("span", { className: "sym", textContent: c.symbol.toUpperCase() });
        li.append(name, sym);
        li.addEventListener("mousedown", (e) => {
          e.preventDefault(); // keep focus in the input
          pick(i);
        });
        return li;
      }),
    );
    if (results.length === 0 && input.value.trim()) {
      list.replaceChildren(el("li", { className: "none", textContent: "No coin found" }));
    }
    list.hidden = !input.value.trim();
    input.setAttribute("aria-expanded", String(!list.hidden));
    input.setAttribute("aria-activedescendant", active >= 0 ? `search-opt-${active}` : "");
  };

  /** @param {number} i */
  const pick = (i) => {
    const coin = results[i];
    if (!coin) return;
    input.value = "";
    results = [];
    close();
    onPick(coin);
  };

  input.addEventListener("input", async () => {
    const q = input.value.trim();
    const mine = ++seq;
    if (!q) {
      results = [];
      close();
      return;
    }
    try {
      const found = await api.searchCoins(q);
      if (mine !== seq) return; // a newer keystroke won
      results = found;
      active = found.length ? 0 : -1;
      render();
    } catch (e) {
      onError(describe(e));
    }
  });

  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (!results.length) return;
      e.preventDefault();
      active = (active + (e.key === "ArrowDown" ? 1 : results.length - 1)) % results.length;
      render();
    } else if (e.key === "Enter") {
      e.preventDefault();
      // The list closes when the window loses focus; back in the box,
      // Enter still takes the first match of what it says.
      pick(Math.max(active, 0));
    } else if (e.key === "Escape") {
      input.value = "";
      results = [];
      close();
    }
  });
  input.addEventListener("blur", close);
  input.addEventListener("focus", () => {
    if (!results.length || !input.value.trim()) return;
    active = Math.max(active, 0);
    render();
  });
}
