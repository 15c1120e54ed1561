// @ts-check
// The map: areas as SVG paths coloured by the current theme, Bezirk outlines for orientation,
// labels for few areas, its title and the notice when a level or period has no figures. The map is
// one tab stop (roving tabindex): arrow keys move between areas, Enter/Space select; hover and
// keyboard focus show the same tooltip.
import { describeError } from './api.js';
import { $, closest } from './dom.js';
import { escapeHtml, levelLabel, periodLabel } from './format.js';
import { drawAreaShapes } from './areas.svg.js';
import { describeRow } from './legend.view.js';
import { coarserLevel, current, state } from './state.js';

/** @import { Project } from './geo.js' */
/** @import { AreaSet } from './state.js' */
/** @import { App, Frame, View } from './view.js' */

const SVG = 'http://www.w3.org/2000/svg';
const MAP_W = 1000;

/** @type {AreaSet | null} the areas whose shapes are drawn */
let drawnGeo = null;
/** @type {AreaSet | null} */
let drawnBezirke = null;
/** @type {{ project: Project } | null} */
let projection = null;

/** The projection of the map drawn now (null before the first map): layers over the map draw with it. */
export const mapProjection = () => projection;

/** @returns {SVGPathElement[]} */
const areaPaths = () => [.../** @type {NodeListOf<SVGPathElement>} */ (document.querySelectorAll('#map path.area'))];

/**
 * @param {AreaSet} geo
 * @param {AreaSet | null} bezirke
 */
function drawMap(geo, bezirke) {
  const svg = $('map');
  // the shapes are drawn again when the areas change: another level, or a period after a boundary reform
  if (drawnGeo !== geo || drawnBezirke !== bezirke || svg.childElementCount === 0) {
    projection = drawAreaShapes(svg, geo, bezirke, { width: MAP_W, ids: true, focusable: true });
    const gOffers = document.createElementNS(SVG, 'g');
    gOffers.id = 'offers';
    svg.append(gOffers);
    drawnGeo = geo;
    drawnBezirke = bezirke;
  }
  // colour and describe every area for the current theme
  for (const p of /** @type {NodeListOf<SVGPathElement>} */ (svg.querySelectorAll('path.area'))) {
    const code = /** @type {string} */ (p.dataset.code);
    const area = geo.byCode.get(code);
    const row = current.rows.get(code);
    const fill = row?.status === 'suppressed' ? 'url(#hatch)' : current.colourOf(row);
    p.setAttribute('fill', fill);
    p.dataset.status = row?.status ?? 'missing';
    p.dataset.fill = fill;
    p.setAttribute('aria-label', `${area?.name}: ${describeRow(row)}${row?.uncertainty ? ` (${row.uncertainty})` : ''}`);
    const sel = code === state.selected;
    p.classList.toggle('selected', sel);
    p.setAttribute('aria-pressed', sel ? 'true' : 'false');
  }
  // the selected area on top, so its outline is not hidden under neighbours
  const selected = svg.querySelector('path.area.selected');
  if (selected) selected.parentNode?.append(selected);
  rovingFocus();
}

function drawTitle() {
  $('map-title').textContent = `${current.title} – ${levelLabel(String(current.level)).many}${state.period ? `, ${periodLabel(state.period)}` : ''}`;
  $('map-subtitle').textContent = current.subtitle;
  // a map without figures (a level or indicator with none) claims no "amtliche Daten"
  $('map-badges').innerHTML = current.synthetic
    ? `<span class="badge badge-synthetic" title="Werte aus dem dokumentierten synthetischen Modell, keine amtlichen Zahlen">synthetisch</span>`
    : current.rows.size > 0
      ? `<span class="badge badge-info">amtliche Daten</span>`
      : '';
}

/**
 * The notice over an uncoloured map: why the theme has no figures, or that this level or period
 * has none (the demo's Stadtviertel: the statistics are delivered per Stadtteil); the boundaries
 * are still drawn and the next coarser level is offered.
 * @param {Frame} frame
 */
function drawNotice({ themeError, shown }) {
  const level = /** @type {string} */ (current.level);
  const notice = $('map-notice');
  notice.hidden = shown > 0 || (current.rows.size > 0 && [...current.rows.values()].some((r) => r.status === 'suppressed'));
  /** @type {string | null} */
  const coarser = coarserLevel(level);
  notice.innerHTML = themeError
    ? `Die Daten für diese Karte sind nicht verfügbar: ${escapeHtml(describeError(themeError))}`
    : `Für ${levelLabel(level).many} liegen zu „${escapeHtml(current.title)}“ ${state.period ? `für ${escapeHtml(periodLabel(state.period))} ` : ''}keine Werte vor; die Karte zeigt nur die Gebietsgrenzen. Wählen Sie eine andere Gebietsebene oder einen anderen Zeitraum.${
        coarser ? ` <button type="button" class="row-select" data-level="${coarser}">${levelLabel(coarser).many} zeigen</button>` : ''
      }`;
  if (themeError) notice.hidden = false;
}

/** The selected area (else the first by code) holds the map's one tab stop. */
function rovingFocus() {
  const paths = areaPaths();
  const target = paths.find((p) => p.dataset.code === state.selected) ?? paths.sort((a, b) => String(a.dataset.code).localeCompare(String(b.dataset.code)))[0];
  for (const p of paths) p.setAttribute('tabindex', p === target ? '0' : '-1');
}

/**
 * @param {App} app
 * @param {KeyboardEvent} e
 */
function onMapKey(app, e) {
  const p = closest(e, 'path.area');
  if (!p) return;
  const ordered = current.areas.map((a) => a.code);
  const i = ordered.indexOf(String(p.dataset.code));
  let next = null;
  if (e.key === 'ArrowRight' || e.key === 'ArrowDown') next = ordered[(i + 1) % ordered.length];
  else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') next = ordered[(i - 1 + ordered.length) % ordered.length];
  else if (e.key === 'Home') next = ordered[0];
  else if (e.key === 'End') next = ordered[ordered.length - 1];
  else if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    app.select(String(p.dataset.code), { focusMap: true });
    return;
  } else return;
  e.preventDefault();
  const el = /** @type {SVGPathElement | null} */ (document.querySelector(`#map path.area[data-code="${CSS.escape(String(next))}"]`));
  if (el) {
    for (const q of areaPaths()) q.setAttribute('tabindex', q === el ? '0' : '-1');
    el.focus();
    showTooltip(el);
  }
}

/**
 * @param {Element & HTMLOrSVGElement} p an area's path
 * @param {MouseEvent} [ev] at the pointer, else in the middle of the area
 */
function showTooltip(p, ev) {
  const tip = $('tooltip');
  const area = current.byCode?.get(String(p.dataset.code));
  if (!area) return;
  const row = current.rows.get(area.code);
  tip.innerHTML = `<strong>${escapeHtml(area.name)}</strong>${escapeHtml(describeRow(row))}${row?.uncertainty ? `<span class="uncertainty">${escapeHtml(row.uncertainty)}</span>` : ''}`;
  const wrap = $('map-wrap').getBoundingClientRect();
  let x;
  let y;
  if (ev) {
    x = ev.clientX - wrap.left + 14;
    y = ev.clientY - wrap.top + 14;
  } else {
    const r = p.getBoundingClientRect();
    x = r.left - wrap.left + r.width / 2;
    y = r.top - wrap.top + r.height / 2;
  }
  tip.hidden = false;
  tip.style.left = `${Math.min(x, wrap.width - 240)}px`;
  tip.style.top = `${Math.min(y, wrap.height - 50)}px`;
}

/** @type {View} */
export const mapView = {
  bind(app) {
    const svg = $('map');
    svg.addEventListener('click', (e) => {
      const p = closest(e, 'path.area');
      if (p) app.select(String(p.dataset.code));
    });
    svg.addEventListener('keydown', (e) => onMapKey(app, e));
    svg.addEventListener('mousemove', (e) => {
      const p = closest(e, 'path.area');
      if (p) showTooltip(p, e);
      else $('tooltip').hidden = true;
    });
    svg.addEventListener('mouseleave', () => ($('tooltip').hidden = true));
    svg.addEventListener('focusout', () => ($('tooltip').hidden = true));
    $('map-notice').addEventListener('click', (e) => {
      const b = closest(e, 'button[data-level]');
      if (!b) return;
      state.level = String(b.dataset.level);
      app.render();
    });
  },
  draw(frame) {
    drawMap(frame.geo, frame.bezirke);
    drawTitle();
    drawNotice(frame);
  },
  select(code, { focusMap }) {
    for (const p of areaPaths()) {
      const sel = p.dataset.code === code;
      p.classList.toggle('selected', sel);
      p.setAttribute('aria-pressed', sel ? 'true' : 'false');
      if (sel) p.parentNode?.append(p);
    }
    rovingFocus();
    if (focusMap) /** @type {SVGPathElement | null} */ (document.querySelector(`#map path.area[data-code="${CSS.escape(code)}"]`))?.focus();
  },
};
