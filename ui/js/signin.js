// The sign-in page a browser sees before it has a session: a token, sent
// once to `POST /api/v1/session`, becomes an HttpOnly cookie; the page
// never keeps the token.
import { $ } from "./dom.js";

const form = $("signin-form", HTMLFormElement);
const input = $("signin-token", HTMLInputElement);
const error = $("signin-error");

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  error.textContent = "";
  const button = /** @type {HTMLButtonElement} */ (form.querySelector("button"));
  button.disabled = true;
  try {
    const res = await fetch("/api/v1/session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: input.value.trim() }),
      credentials: "same-origin",
    });
    if (res.ok) {
      input.value = "";
      location.replace("/");
      return;
    }
    const body = await res.json().catch(() => null);
    error.textContent = body?.message ?? `The server answered ${res.status} ${res.statusText}.`;
  } catch {
    error.textContent = `Coinlytics at ${location.host} cannot be reached: is \`coinlytics serve\` still running?`;
  } finally {
    button.disabled = false;
  }
});
input.focus();
