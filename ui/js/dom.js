// The page's few DOM helpers. A look-up names the element type it expects
// and fails at once, by name, when the page has no such element or another
// kind of one, so every caller gets a non-null element of a useful type.

/**
 * @template {Element} T
 * @param {Element | null} found
 * @param {new () => T} type
 * @param {string} what the id or selector, for the error
 * @returns {T}
 */
function expect(found, type, what) {
  if (found instanceof type) return found;
  throw new Error(found ? `${what} is a <${found.localName}>, not a ${type.name}` : `The page has no ${what}`);
}

/**
 * The element with this id, as a `type` (an HTMLElement when not given).
 * @template {HTMLElement} [T=HTMLElement]
 * @param {string} id
 * @param {new () => T} [type] e.g. HTMLInputElement
 * @returns {T}
 */
export function $(id, type) {
  return expect(document.getElementById(id), type ?? /** @type {new () => T} */ (HTMLElement), `#${id}`);
}

/**
 * The first element in `root` matching `selector`, as a `type`; throws like `$`.
 * @template {HTMLElement} [T=HTMLElement]
 * @param {ParentNode} root
 * @param {string} selector
 * @param {new () => T} [type]
 * @returns {T}
 */
export function one(root, selector, type) {
  return expect(root.querySelector(selector), type ?? /** @type {new () => T} */ (HTMLElement), selector);
}

/**
 * Every element in `root` matching `selector`, each a `type`; throws like `$`.
 * @template {HTMLElement} [T=HTMLElement]
 * @param {ParentNode} root
 * @param {string} selector
 * @param {new () => T} [type]
 * @returns {T[]}
 */
export function all(root, selector, type) {
  return [...root.querySelectorAll(selector)].map((e) => expect(e, type ?? /** @type {new () => T} */ (HTMLElement), selector));
}

/**
 * A new element with these properties and children: el("td", {className: "num", textContent: "1"}).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Partial<HTMLElementTagNameMap[K]>} [props]
 * @param {(Node | string)[]} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, props = {}, ...children) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

/**
 * Resolves once the next frame has been painted (a frame is laid out, then
 * painted before the one after it starts).
 * @returns {Promise<void>}
 */
export function painted() {
  return new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())));
}
