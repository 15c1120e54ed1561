// @ts-check
// Legend and class labels: how a class range, an index class and one area's figure are said in
// German, and the legend under the map (classes, suppressed, no data, facilities).
import { $ } from './dom.js';
import { escapeHtml, formatNumber, noDataColour, offerTypeLabels, targetGroupLabels } from './format.js';
import { current, state } from './state.js';

/** @import { Classification } from './classify.js' */
/** @import { IndexClass } from './api.js' */
/** @import { Row } from './state.js' */

export const SUPPRESSED_TEXT = 'Wert geschützt (Datenschutz)';

/**
 * One area's figure in words (tooltip, aria-label, live region, details).
 * @param {Row | undefined} row
 */
export function describeRow(row) {
  if (!row || row.status === 'missing') return 'keine Daten';
  if (row.status === 'suppressed') return SUPPRESSED_TEXT;
  if (row.status === 'unscored') return current.unscoredNote ?? 'nicht bewertet';
  return row.text;
}

/**
 * The label of class i of a classification: "über 3,2 bis 5,1 %", or with σ for standard deviations.
 * @param {Classification} cls
 * @param {number} i
 * @param {string} unit
 */
export function rangeLabel(cls, i, unit) {
  // i is a class: bounds[i] and bounds[i + 1] exist
  const lo = /** @type {number} */ (cls.bounds[i]);
  const hi = /** @type {number} */ (cls.bounds[i + 1]);
  const u = unit && unit !== '' ? ` ${unit}` : '';
  if (cls.method === 'stddev' && cls.sd) {
    const mean = /** @type {number} */ (cls.mean);
    const sd = cls.sd;
    /** @param {number} v */
    const z = (v) => ((v - mean) / sd).toFixed(1).replace('.', ',').replace('-', '−');
    const zl = i === 0 ? '' : `${z(lo)} σ`;
    const zh = i === cls.bounds.length - 2 ? '' : `${z(hi)} σ`;
    return `${formatNumber(lo)} – ${formatNumber(hi)}${u} (${zl ? zl : 'unter'}${zl && zh ? ' bis ' : ' '}${zh ? zh : 'und mehr'})`;
  }
  return `${i === 0 ? '' : 'über '}${formatNumber(lo)} bis ${formatNumber(hi)}${u}`;
}

/**
 * The label of an index class with its range in standard deviations.
 * @param {IndexClass[]} classes
 * @param {number} i
 * @param {string} label
 */
export function classRange(classes, i, label) {
  const from = classes[i]?.from;
  const to = classes[i + 1]?.from;
  /** @param {number} v */
  const f = (v) => formatNumber(v, 1).replace('-', '−');
  if (from == null && to != null) return `${label} (unter ${f(to)} σ)`;
  if (from != null && to == null) return `${label} (ab ${f(from)} σ)`;
  if (from != null && to != null) return `${label} (${f(from)} bis unter ${f(to)} σ)`;
  return label;
}

export function drawLegend() {
  const el = $('legend');
  const items = current.legend.map((l, i) => `<span class="legend-item" data-class="${i}"><span class="swatch" style="background:${l.colour}"></span>${escapeHtml(l.label)}</span>`).join('');
  const statuses = new Set([...current.rows.values()].map((r) => r.status));
  const missing = current.areas.some((a) => !current.rows.has(a.code) || current.rows.get(a.code)?.status === 'missing');
  let extra = `<span class="legend-item legend-suppressed"><span class="swatch"><svg width="22" height="14" aria-hidden="true"><rect width="22" height="14" fill="url(#hatch)"/></svg></span>${SUPPRESSED_TEXT}</span>`;
  if (statuses.has('unscored')) extra += `<span class="legend-item"><span class="swatch" style="background:${noDataColour}"></span>${escapeHtml(current.unscoredNote)}</span>`;
  if (missing) extra += `<span class="legend-item"><span class="swatch" style="background:${noDataColour}"></span>keine Daten</span>`;
  if (state.infraOn)
    extra += `<span class="legend-item"><span class="legend-point"></span>${escapeHtml(offerTypeLabels[state.offerType] ?? 'Einrichtungen')}${state.targetGroup ? ` – ${escapeHtml(targetGroupLabels[state.targetGroup] ?? state.targetGroup)}` : ''}</span>`;
  const heading = `<h3>Legende${current.synthetic ? ' – <span class="badge badge-synthetic">synthetisch</span>' : ''}${current.legendNote ? ` · ${escapeHtml(current.legendNote)}` : ''}</h3>`;
  el.innerHTML = heading + items + extra;
}

/** @type {import('./view.js').View} */
export const legendView = { draw: drawLegend };
