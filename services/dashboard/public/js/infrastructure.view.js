// @ts-check
// The infrastructure layer: facilities of the chosen type and target group as points over any
// map, and the count under the controls. The render loads them (data.js loadOffers) when shown.
import { $ } from './dom.js';
import { formatNumber, offerTypeLabels } from './format.js';
import { mapProjection } from './map.view.js';
import { current, state } from './state.js';

/** @import { View } from './view.js' */

const SVG = 'http://www.w3.org/2000/svg';

function drawOffers() {
  const g = document.getElementById('offers');
  if (!g) return;
  g.replaceChildren();
  const projection = mapProjection();
  if (!state.infraOn || !projection) return;
  const frag = document.createDocumentFragment();
  for (const o of current.offers) {
    if (!o.location) continue;
    const [x, y] = projection.project(o.location.lon, o.location.lat);
    const c = document.createElementNS(SVG, 'circle');
    c.setAttribute('cx', x.toFixed(1));
    c.setAttribute('cy', y.toFixed(1));
    c.setAttribute('r', '3.6');
    c.setAttribute('class', 'offer');
    c.setAttribute('aria-hidden', 'true');
    const t = document.createElementNS(SVG, 'title');
    t.textContent = `${o.name} (${offerTypeLabels[o.offerType] ?? o.offerType})`;
    c.append(t);
    frag.append(c);
  }
  g.append(frag);
}

function drawStatus() {
  const shown = current.offers.length;
  const total = current.offersTotal ?? 0;
  $('infra-status').textContent = state.infraOn ? `${formatNumber(shown, 0)} Einrichtungen${total > shown ? ` von ${formatNumber(total, 0)} (Auswahl)` : ''}` : '';
}

/** @type {View} */
export const infrastructureView = {
  draw() {
    drawOffers();
    drawStatus();
  },
};
