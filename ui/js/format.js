// Numbers for people: the user's locale, currency symbols, enough digits.
/** The user's locale if Intl knows it (a "C" or POSIX locale is not one), else en-US. */
export const locale = (() => {
  for (const tag of [navigator.language, ...(navigator.languages ?? [])]) {
    try {
      if (tag && Intl.getCanonicalLocales(tag).length) return tag;
    } catch {
      // not a BCP 47 tag; try the next
    }
  }
  return "en-US";
})();
/** @type {Map<string, unknown>} a key always names the same kind of formatter */
const cache = new Map();

/**
 * @template T
 * @param {string} key
 * @param {() => T} make
 * @returns {T}
 */
function formatter(key, make) {
  if (!cache.has(key)) cache.set(key, make());
  return /** @type {T} */ (cache.get(key));
}

/**
 * Intl options naming `currency`, or null when Intl cannot (codes that are not 3 letters, e.g. "sats").
 * @param {string} currency
 * @returns {Intl.NumberFormatOptions | null}
 */
function currencyStyle(currency) {
  return /^[a-z]{3}$/i.test(currency) ? { style: "currency", currency: currency.toUpperCase() } : null;
}

/**
 * A price: cents at 1 and above, four significant digits below (0.00002231).
 * @param {string | number | null | undefined} value a Decimal as Rust sends it (a string); undefined shows a dash
 * @param {string} currency
 */
export function price(value, currency) {
  const n = Number(value);
  if (!Number.isFinite(n)) return "—";
  const small = Math.abs(n) < 1 && n !== 0;
  const digits = small ? { maximumSignificantDigits: 4, minimumSignificantDigits: 4 } : { minimumFractionDigits: 2, maximumFractionDigits: 2 };
  const style = currencyStyle(currency);
  const f = formatter(`p:${currency}:${small}`, () => new Intl.NumberFormat(locale, { ...(style ?? {}), ...digits }));
  return style ? f.format(n) : `${f.format(n)} ${currency.toUpperCase()}`;
}

/**
 * Large amounts: $1.32T, $31.3B.
 * @param {string | number | null | undefined} value
 * @param {string} currency
 */
export function compact(value, currency) {
  if (value === null || value === undefined) return "—";
  const n = Number(value);
  if (!Number.isFinite(n)) return "—";
  const style = currencyStyle(currency);
  const f = formatter(`c:${currency}`, () => new Intl.NumberFormat(locale, { ...(style ?? {}), notation: "compact", maximumFractionDigits: 2 }));
  return style ? f.format(n) : `${f.format(n)} ${currency.toUpperCase()}`;
}

/**
 * +1.23 % / −0.50 %; null as a dash.
 * @param {number | null | undefined} value
 */
export function percent(value) {
  if (value === null || value === undefined) return "—";
  const f = formatter("pct", () => new Intl.NumberFormat(locale, { style: "percent", minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: "exceptZero" }));
  return f.format(value / 100);
}

/** @param {string} iso an RFC 3339 date-time */
export function time(iso) {
  const f = formatter("time", () => new Intl.DateTimeFormat(locale, { timeStyle: "medium" }));
  return f.format(new Date(iso));
}

/**
 * A date and time, for the alert history: "Nov 24, 2026, 8:31:02 PM".
 * @param {number} ms unix ms
 */
export function dateTime(ms) {
  const f = formatter("datetime", () => new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "medium" }));
  return f.format(new Date(ms));
}

/**
 * A date: "Nov 24, 2026".
 * @param {number} ms unix ms
 */
export function date(ms) {
  const f = formatter("date", () => new Intl.DateTimeFormat(locale, { dateStyle: "medium" }));
  return f.format(new Date(ms));
}

/**
 * A count of coins, compact: 19.8M.
 * @param {string | number | null | undefined} value
 */
export function amount(value) {
  if (value === null || value === undefined) return "—";
  const n = Number(value);
  if (!Number.isFinite(n)) return "—";
  return formatter("amount", () => new Intl.NumberFormat(locale, { notation: "compact", maximumFractionDigits: 2 })).format(n);
}

/** @param {number | null | undefined} value */
export function trendClass(value) {
  if (value === null || value === undefined || value === 0) return "flat";
  return value > 0 ? "up" : "down";
}
