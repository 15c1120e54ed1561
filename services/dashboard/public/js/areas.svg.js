// @ts-check
// The areas of a level drawn into an SVG as paths (one per area, `path.area[data-code]`), with the
// Stadtbezirk outlines for orientation, names for few areas and the hatch pattern of withheld
// figures. The main map (map.view.js) and the scenario maps (scenario.maps.view.js) both draw with
// it and only colour the paths themselves.
import { fitFrame, frameOf, labelPoint, pathData } from './geo.js';

/** @import { Frame, Project } from './geo.js' */
/** @import { AreaSet } from './state.js' */

const SVG = 'http://www.w3.org/2000/svg';

/**
 * The frame a map is fitted to (geo.js `frameOf`): its areas' bounds, far-off small parts apart in
 * an inset; the outlines' when no area of the level has a boundary in the period (Musterstadt's
 * Fördergebiet dates from 2023, its figures end in 2012: the bounds of nothing are infinite and
 * every outline was drawn as "MNaN NaN…"); a unit box when neither has one.
 * @param {AreaSet} geo
 * @param {AreaSet | null} bezirke
 * @returns {Frame}
 */
export function mapFrame(geo, bezirke) {
  const own = frameOf(geo.areas.map((a) => a.geometry));
  if (own.bbox.every(Number.isFinite)) return own;
  const outlines = bezirke ? frameOf(bezirke.areas.map((b) => b.geometry)) : own;
  return outlines.bbox.every(Number.isFinite) ? outlines : { bbox: [0, 0, 1, 1], outliers: null, parts: [] };
}

/**
 * Replaces the SVG's content by the areas of `geo`, fitted into `width` (the height follows the
 * areas' shape), and sets its viewBox.
 * @param {SVGElement | HTMLElement} svg
 * @param {AreaSet} geo
 * @param {AreaSet | null} bezirke outlines drawn over the areas (null: none)
 * @param {{ width?: number, ids?: boolean, focusable?: boolean }} [options] ids: the groups get the ids `areas` and `labels` and the SVG holds the pattern `hatch` (the main map's; other maps fill with the same `url(#hatch)`); focusable: every area is a button with tabindex -1 (the main map's roving focus)
 * @returns {{ project: Project, width: number, height: number }}
 */
export function drawAreaShapes(svg, geo, bezirke, { width = 1000, ids = false, focusable = false } = {}) {
  const frame = mapFrame(geo, bezirke);
  const { bbox } = frame;
  const ratio = (bbox[3] - bbox[1]) / ((bbox[2] - bbox[0]) * Math.cos(((bbox[1] + bbox[3]) / 2) * (Math.PI / 180))) || 1;
  const h = Math.round(width * ratio);
  const fitted = fitFrame(frame, width, h, 10);
  svg.setAttribute('viewBox', `0 0 ${width} ${h}`);
  svg.replaceChildren();
  if (ids)
    svg.insertAdjacentHTML(
      'afterbegin',
      `<defs><pattern id="hatch" patternUnits="userSpaceOnUse" width="7" height="7" patternTransform="rotate(45)"><rect width="7" height="7" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="7" stroke="#5f6670" stroke-width="2.2"/></pattern></defs>`,
    );
  // far-off parts (an island out at sea) sit in a framed inset, so that the city fills the map
  if (fitted.inset) {
    const { x, y, width: w, height: ih, reduced } = fitted.inset;
    const g = document.createElementNS(SVG, 'g');
    g.setAttribute('class', 'inset');
    g.setAttribute('aria-hidden', 'true');
    const rect = document.createElementNS(SVG, 'rect');
    for (const [k, v] of Object.entries({ x, y, width: w, height: ih })) rect.setAttribute(k, v.toFixed(1));
    rect.setAttribute('class', 'inset-frame');
    g.append(rect);
    if (reduced) {
      const note = document.createElementNS(SVG, 'text');
      note.setAttribute('class', 'inset-note');
      note.setAttribute('x', (x + 3).toFixed(1));
      note.setAttribute('y', (y + ih - 3).toFixed(1));
      note.textContent = 'verkleinert';
      g.append(note);
    }
    svg.append(g);
  }
  const gAreas = document.createElementNS(SVG, 'g');
  if (ids) gAreas.id = 'areas';
  for (const a of geo.areas) {
    const p = document.createElementNS(SVG, 'path');
    p.setAttribute('d', pathData(a.geometry, fitted.project));
    p.setAttribute('class', 'area');
    p.setAttribute('data-code', a.code);
    if (focusable) {
      p.setAttribute('role', 'button');
      p.setAttribute('tabindex', '-1');
    }
    gAreas.append(p);
  }
  svg.append(gAreas);
  if (bezirke) {
    const gB = document.createElementNS(SVG, 'g');
    gB.setAttribute('aria-hidden', 'true');
    for (const b of bezirke.areas) {
      const p = document.createElementNS(SVG, 'path');
      p.setAttribute('d', pathData(b.geometry, fitted.project, 0.8));
      p.setAttribute('class', 'bezirk-outline');
      gB.append(p);
    }
    svg.append(gB);
  }
  const gLabels = document.createElementNS(SVG, 'g');
  if (ids) gLabels.id = 'labels';
  gLabels.setAttribute('aria-hidden', 'true');
  if (geo.areas.length <= 12) {
    for (const a of geo.areas) {
      const pt = labelPoint(a.geometry, fitted.project);
      if (!pt) continue;
      const t = document.createElementNS(SVG, 'text');
      t.setAttribute('class', 'label');
      t.setAttribute('x', pt[0].toFixed(1));
      t.setAttribute('y', pt[1].toFixed(1));
      t.textContent = a.name;
      gLabels.append(t);
    }
  }
  svg.append(gLabels);
  return fitted;
}
