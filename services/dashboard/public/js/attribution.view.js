// @ts-check
// Datenquellen: the footer lists the attributions of index.html and adds every further one the
// API's `sources` names (licences require them wherever the data are shown).
import { $ } from './dom.js';
import { meta } from './state.js';

/** @import { View } from './view.js' */

function showAttribution() {
  const list = $('attribution-list');
  const have = new Set([...list.querySelectorAll('li')].map((li) => String(li.textContent).trim()));
  for (const s of meta.sources) {
    // synthetic sources are covered by the standing "synthetische Daten" note
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
