// @ts-check
// Typed access to the elements of index.html, and the status line in the header. Every id the
// modules ask for exists in index.html (src/page.unit.test.ts checks).

/**
 * The element with this id.
 * @param {string} id
 * @returns {HTMLElement}
 */
export const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * A form control (input or select) by id.
 * @param {string} id
 * @returns {HTMLInputElement}
 */
export const $input = (id) => /** @type {HTMLInputElement} */ (document.getElementById(id));

/**
 * A select by id.
 * @param {string} id
 * @returns {HTMLSelectElement}
 */
export const $select = (id) => /** @type {HTMLSelectElement} */ (document.getElementById(id));

/**
 * The nearest element at or above an event's target that matches `selector`.
 * @param {Event} e
 * @param {string} selector
 * @returns {(Element & HTMLOrSVGElement) | null} an HTML or SVG element (both have `dataset` and `focus`)
 */
export function closest(e, selector) {
  const target = /** @type {Element | null} */ (e.target);
  return /** @type {(Element & HTMLOrSVGElement) | null} */ (target?.closest?.(selector) ?? null);
}

/**
 * The status line; "Lade …" marks the page as loading (the browser tests wait for it to end).
 * @param {string} text
 * @param {boolean} [isError]
 */
export function setStatus(text, isError = false) {
  const el = $('load-status');
  el.textContent = text;
  el.classList.toggle('error', isError);
  document.body.dataset.loading = /^Lade/.test(text) ? 'true' : 'false';
}
