// @ts-check
// Datenquellen: the footer lists the attribution of every source the tenant's API names in
// `sources` (licences require them wherever the data are shown) — nothing is written into the page,
// so one tenant's dashboard never credits another's sources. The note on synthetic figures and the
// header's „Demo mit synthetischen Daten“ show only when the tenant has synthetic figures: Hamburg's
// are all real and were announced as synthetic.
import { $ } from './dom.js';
import { meta } from './state.js';

/** @import { View } from './view.js' */

function showAttribution() {
  const list = $('attribution-list');
  const have = new Set([...list.querySelectorAll('li')].map((li) => String(li.textContent).trim()));
  const note = /** @type {HTMLElement | null} */ (list.querySelector('.synthetic-note'));
  if (note) note.hidden = !meta.sources.some((s) => s.synthetic);
  $('header-synthetic').hidden = ![...meta.sources, ...meta.indicators, ...meta.indices].some((x) => x.synthetic);
  for (const s of meta.sources) {
    // synthetic sources are covered by the note on synthetic figures
    if (s.synthetic) continue;
    const text = s.attribution?.trim();
    if (!text || have.has(text) || [...have].some((h) => h.startsWith(text) || text.startsWith(h))) continue;
    const li = document.createElement('li');
    li.textContent = text;
    if (s.licence && !text.includes(s.licence)) li.title = `Lizenz: ${s.licence}`;
    list.insertBefore(li, list.querySelector('.synthetic-note'));
    have.add(text);
  }
}

/** @type {View} */
export const attributionView = { start: showAttribution };
