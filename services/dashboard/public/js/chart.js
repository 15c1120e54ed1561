// @ts-check
// A small SVG line chart for time series: the selected area against its Stadtbezirk and the city.
// Lines differ by colour AND dash pattern AND marker so they stay apart without colour vision.
// Suppressed or missing periods are gaps, never zeros. The first series may carry a confidence band
// (a shaded area between the interval's ends, whiskers where a period stands alone).
import { escapeHtml, formatNumber, periodLabel } from './format.js';

/** @typedef {{ colour: string, dash: string, width: number, marker: 'circle' | 'square' | 'diamond' }} SeriesStyle */

/** @type {SeriesStyle[]} */
export const seriesStyles = [
  { colour: '#1f4e79', dash: '', width: 2.6, marker: 'circle' },
  { colour: '#c2410c', dash: '6 4', width: 2, marker: 'square' },
  { colour: '#4a4f57', dash: '2 3', width: 2, marker: 'diamond' },
];

/**
 * @param {{ periods: string[], series: { label: string, values: (number|null)[] }[], unit?: string, title: string, highlight?: string, band?: { lower: (number|null)[], upper: (number|null)[], label: string } }} input
 * @returns {string} SVG markup
 */
export function lineChart({ periods, series, unit = '', title, highlight, band }) {
  const W = 340;
  const H = 190;
  const m = { top: 12, right: 20, bottom: 28, left: 52 };
  const all = /** @type {number[]} */ ([...series.flatMap((s) => s.values), ...(band ? [...band.lower, ...band.upper] : [])].filter((v) => v != null && Number.isFinite(v)));
  if (periods.length === 0 || all.length === 0) {
    return `<p class="empty">Keine Werte für eine Zeitreihe.</p>`;
  }
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (lo === hi) {
    lo -= Math.abs(lo) * 0.1 || 1;
    hi += Math.abs(hi) * 0.1 || 1;
  }
  // start counts and shares at zero only when that does not flatten the lines into nothing
  if (lo > 0 && lo < hi * 0.35) lo = 0;
  const ticks = niceTicks(lo, hi, 4);
  // niceTicks gives at least one tick
  lo = Math.min(lo, /** @type {number} */ (ticks[0]));
  hi = Math.max(hi, /** @type {number} */ (ticks[ticks.length - 1]));
  // room for the longest tick label ("1.500.000" for the city's residents; 10.5 px digits ≈ 6.3 px)
  m.left = Math.max(m.left, Math.ceil(10 + 6.3 * Math.max(...ticks.map((t) => formatNumber(t).length))));
  const iw = W - m.left - m.right;
  const ih = H - m.top - m.bottom;
  /** @param {number} i */
  const x = (i) => m.left + (periods.length === 1 ? iw / 2 : (i * iw) / (periods.length - 1));
  /** @param {number} v */
  const y = (v) => m.top + ih - ((v - lo) / (hi - lo)) * ih;

  const parts = [];
  parts.push(`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(title)}">`);
  parts.push(`<title>${escapeHtml(title)}</title>`);
  for (const t of ticks) {
    const ty = y(t).toFixed(1);
    parts.push(`<line class="grid" x1="${m.left}" x2="${W - m.right}" y1="${ty}" y2="${ty}"/>`);
    parts.push(`<text x="${m.left - 6}" y="${ty}" text-anchor="end" dominant-baseline="middle">${formatNumber(t)}</text>`);
  }
  parts.push(`<line class="axis" x1="${m.left}" x2="${W - m.right}" y1="${m.top + ih}" y2="${m.top + ih}"/>`);
  // long monthly or quarterly series: one label per year (at its first period); else every n-th
  const subYear = periods.length > 12 && periods.every((p) => /^\d{4}-/.test(p));
  const every = Math.max(1, Math.ceil(periods.length / 8));
  const yearStep = Math.max(1, Math.ceil(new Set(periods.map((p) => p.slice(0, 4))).size / 8));
  const firstYear = Number(periods[0]?.slice(0, 4));
  periods.forEach((p, i) => {
    if (subYear) {
      const first = i === 0 || periods[i - 1]?.slice(0, 4) !== p.slice(0, 4);
      if (!first || (Number(p.slice(0, 4)) - firstYear) % yearStep !== 0) return;
      parts.push(`<text x="${x(i).toFixed(1)}" y="${H - 10}" text-anchor="start">${escapeHtml(p.slice(0, 4))}</text>`);
      return;
    }
    if (i % every !== 0 && i !== periods.length - 1) return;
    parts.push(`<text x="${x(i).toFixed(1)}" y="${H - 10}" text-anchor="middle"${p === highlight ? ' font-weight="700" fill="#1a1a1a"' : ''}>${escapeHtml(periodLabel(p))}</text>`);
  });
  const hi_ = periods.indexOf(highlight ?? '');
  if (hi_ >= 0) parts.push(`<line x1="${x(hi_).toFixed(1)}" x2="${x(hi_).toFixed(1)}" y1="${m.top}" y2="${m.top + ih}" stroke="#9aa3ad" stroke-dasharray="3 3"/>`);
  if (band) parts.push(bandPath(band, x, y, styleOf(0).colour));
  // draw the comparison lines first so the area's own line lies on top
  [...series.entries()].reverse().forEach(([si, s]) => {
    const st = styleOf(si);
    let d = '';
    let pen = false;
    s.values.forEach((v, i) => {
      if (v == null || !Number.isFinite(v)) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)} ${y(v).toFixed(1)}`;
      pen = true;
    });
    if (d) parts.push(`<path d="${d}" fill="none" stroke="${st.colour}" stroke-width="${st.width}" stroke-dasharray="${st.dash}" stroke-linejoin="round" data-series="${escapeHtml(s.label)}"/>`);
    // markers only where they stay apart; long series keep their values in the table below
    if (periods.length <= 24)
      s.values.forEach((v, i) => {
        if (v == null || !Number.isFinite(v)) return;
        parts.push(marker(st, x(i), y(v), `${s.label}, ${periodLabel(periods[i] ?? '')}: ${formatNumber(v)}${unit ? ` ${unit}` : ''}`));
      });
  });
  parts.push('</svg>');
  return parts.join('');
}

/**
 * The confidence band: one shaded polygon per run of periods with an interval, a whisker for a
 * period alone (gaps stay gaps).
 * @param {{ lower: (number|null)[], upper: (number|null)[], label: string }} band
 * @param {(i: number) => number} x
 * @param {(v: number) => number} y
 * @param {string} colour
 */
function bandPath(band, x, y, colour) {
  /** @type {number[][]} */
  const runs = [];
  /** @type {number[]} */
  let run = [];
  band.lower.forEach((lo, i) => {
    const up = band.upper[i];
    if (lo == null || up == null || !Number.isFinite(lo) || !Number.isFinite(up)) {
      if (run.length) runs.push(run);
      run = [];
      return;
    }
    run.push(i);
  });
  if (run.length) runs.push(run);
  const out = [];
  for (const r of runs) {
    // r holds indices whose ends are numbers (checked above)
    const lo = (/** @type {number} */ i) => y(/** @type {number} */ (band.lower[i]));
    const up = (/** @type {number} */ i) => y(/** @type {number} */ (band.upper[i]));
    if (r.length === 1) {
      const i = /** @type {number} */ (r[0]);
      const X = x(i).toFixed(1);
      out.push(
        `<path class="band whisker" d="M${X} ${lo(i).toFixed(1)}V${up(i).toFixed(1)}M${(x(i) - 4).toFixed(1)} ${lo(i).toFixed(1)}h8M${(x(i) - 4).toFixed(1)} ${up(i).toFixed(1)}h8" stroke="${colour}" fill="none" data-band="${escapeHtml(band.label)}"/>`,
      );
      continue;
    }
    const top = r.map((i, k) => `${k ? 'L' : 'M'}${x(i).toFixed(1)} ${up(i).toFixed(1)}`).join('');
    const bottom = [...r]
      .reverse()
      .map((i) => `L${x(i).toFixed(1)} ${lo(i).toFixed(1)}`)
      .join('');
    out.push(`<path class="band" d="${top}${bottom}Z" fill="${colour}" fill-opacity="0.18" data-band="${escapeHtml(band.label)}"><title>${escapeHtml(band.label)}</title></path>`);
  }
  return out.join('');
}

/**
 * The chart's legend as HTML (markers drawn like in the chart).
 * @param {string[]} labels
 */
export function chartLegend(labels) {
  return `<div class="chart-legend">${labels
    .map((l, i) => {
      const st = styleOf(i);
      return `<span><svg width="26" height="10" aria-hidden="true"><line x1="1" x2="25" y1="5" y2="5" stroke="${st.colour}" stroke-width="${st.width}" stroke-dasharray="${st.dash}"/>${marker(st, 13, 5, '')}</svg>${escapeHtml(l)}</span>`;
    })
    .join('')}</div>`;
}

/**
 * The style of the i-th line (they repeat after the last).
 * @param {number} i
 */
const styleOf = (i) => /** @type {SeriesStyle} */ (seriesStyles[i % seriesStyles.length]);

/**
 * @param {SeriesStyle} st
 * @param {number} cx
 * @param {number} cy
 * @param {string} label
 */
function marker(st, cx, cy, label) {
  const t = label ? `<title>${escapeHtml(label)}</title>` : '';
  const X = cx.toFixed(1);
  const Y = cy.toFixed(1);
  if (st.marker === 'square') return `<rect x="${(cx - 3).toFixed(1)}" y="${(cy - 3).toFixed(1)}" width="6" height="6" fill="${st.colour}">${t}</rect>`;
  if (st.marker === 'diamond') return `<path d="M${X} ${(cy - 4).toFixed(1)}l4 4-4 4-4-4z" fill="${st.colour}">${t}</path>`;
  return `<circle cx="${X}" cy="${Y}" r="3.4" fill="${st.colour}">${t}</circle>`;
}

/**
 * About `count` round tick values covering lo…hi.
 * @param {number} lo
 * @param {number} hi
 * @param {number} count
 * @returns {number[]}
 */
export function niceTicks(lo, hi, count) {
  const span = hi - lo;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => span / s <= count) ?? 10 * mag;
  const start = Math.floor(lo / step) * step;
  /** @type {number[]} */
  const out = [];
  for (let v = start; v <= hi + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
  // start <= lo < hi: there is at least one tick
  const last = /** @type {number} */ (out[out.length - 1]);
  if (last < hi) out.push(last + step);
  return out;
}
