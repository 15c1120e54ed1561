// @ts-check
// The dashboard page: wires the views together. Plain ES2022 modules, no build step. The whole
// page is a function of `state` (state.js); every control writes state and calls render(), which
// fetches what is missing (cached, data.js) and lets every view draw. A new view is a module
// exporting a View (view.js) and one line in `views`; a new section of the details panel is one
// line in its list; a new map theme is one line in themes.js.
import { describeError, gql, queries } from './api.js';
import { attributionView } from './attribution.view.js';
import { controlsView, syncControls } from './controls.view.js';
import { loadAreas, loadOffers } from './data.js';
import { detailsView } from './details.view.js';
import { $, setStatus } from './dom.js';
import { levelLabel, periodEnd, setAmtLabels, setLevelLabels } from './format.js';
import { infrastructureView } from './infrastructure.view.js';
import { legendView } from './legend.view.js';
import { mapView } from './map.view.js';
import { measuresSection } from './measures.section.js';
import { needsSection } from './needs.section.js';
import { operationsView } from './operations.view.js';
import { usersView } from './users.view.js';
import { scenarioMapsView } from './scenario.maps.view.js';
import { scenarioView } from './scenario.view.js';
import { seriesSection } from './series.section.js';
import { sessionView } from './session.view.js';
import { similarSection } from './similar.section.js';
import { chooseDefaults, coarseLevel, coarserLevel, current, emptyTheme, mapLevels, meta, readHash, rootLevel, setCurrent, state, writeHash } from './state.js';
import { theme, themes } from './themes.js';
import { themesSection } from './themes.section.js';
import { tableView } from './table.view.js';
import { tenantView } from './tenant.view.js';
import { workspaceView } from './workspace.view.js';

/** @import { App, View } from './view.js' */

/**
 * The parts of the page, in drawing order (the map first: layers draw over it).
 * @type {View[]}
 */
const views = [
  tenantView,
  controlsView,
  mapView,
  infrastructureView,
  legendView,
  tableView,
  attributionView,
  operationsView,
  usersView,
  sessionView,
  workspaceView,
  themesSection,
  scenarioView,
  scenarioMapsView,
  // the details panel last: the render waits for its sections
  detailsView([seriesSection, similarSection, needsSection, measuresSection]),
];

let renderToken = 0;

/** @returns {Promise<number | null>} how many areas of the map have a value; null when a newer render took over or it failed */
async function render() {
  const token = ++renderToken;
  writeHash();
  syncControls();
  setStatus('Lade Karte …');
  try {
    const level = state.level;
    // the areas valid on the period's last day, with their boundaries of then (a boundary reform)
    const at = periodEnd(state.period);
    /** @type {unknown} */
    let themeError = null;
    const [geo, bezirke, shownTheme] = await Promise.all([
      loadAreas(level, at),
      !coarseLevel() || level === coarseLevel() ? null : loadAreas(/** @type {string} */ (coarseLevel()), at),
      // a theme the API cannot answer (e.g. no needs analysis for a level) leaves the map drawn, uncoloured
      theme()
        .data(level, state.period)
        .catch((e) => {
          themeError = e;
          return emptyTheme('Keine Daten');
        }),
    ]);
    let offers = { offers: /** @type {import('./api.js').Offer[]} */ ([]), total: 0 };
    if (state.infraOn) {
      setStatus('Lade Einrichtungen …');
      offers = await loadOffers(state.offerType, state.targetGroup);
    }
    if (token !== renderToken) return null; // a newer render has started
    setCurrent({ level, areas: geo.areas, byCode: geo.byCode, offers: offers.offers, offersTotal: offers.total, ...shownTheme });
    if (state.selected && !geo.byCode.has(state.selected)) state.selected = null;
    const shown = [...current.rows.values()].filter((r) => r.status === 'value').length;
    const frame = { geo, bezirke, themeError, shown };
    const drawing = views.map((v) => v.draw?.(frame));
    setStatus(`${geo.areas.length} ${levelLabel(level).many}, ${shown} mit Wert`);
    await Promise.all(drawing);
    return shown;
  } catch (e) {
    if (token !== renderToken) return null;
    console.error(e);
    setStatus(`Fehler: ${describeError(e)}`, true);
    return null;
  }
}

/**
 * @param {string} code
 * @param {{ focusMap?: boolean }} [options]
 */
function select(code, { focusMap = false } = {}) {
  state.selected = code;
  writeHash();
  for (const v of views) v.select?.(code, { focusMap });
}

/** @type {App} */
const app = { render: () => render().then(() => undefined), select };

async function main() {
  readHash(Object.keys(themes));
  for (const v of views) v.bind?.(app);
  try {
    const data = await gql(queries.init);
    meta.indicators = data.indicators;
    meta.indices = data.indices;
    meta.sources = data.sources;
    // the levels are the API's (its spatial reference), not a list in the page
    meta.levels = data.areaLevels;
    setLevelLabels(data.areaLevels);
    // the Ämter's names are the tenant's (its feed catalogue), not a list in the page
    setAmtLabels(data.authorities);
    const root = (await gql(queries.root, { level: rootLevel() })).areas[0];
    if (root) meta.city = root;
  } catch (e) {
    setStatus(`Fehler: ${describeError(e)}`, true);
    $('map-title').textContent = 'Daten nicht verfügbar';
    return;
  }
  try {
    meta.norms = (await gql(queries.norms)).planningNorms;
  } catch {
    meta.norms = []; // registry not connected: the needs theme stays disabled
  }
  const levelAsked = mapLevels().some((l) => l.name === state.level);
  chooseDefaults();
  for (const v of views) v.start?.(app);
  let shown = await render();
  // the default level is the basis level (the finest that partitions the city), but a tenant may
  // deliver its figures one level up (Hamburg: per Stadtteil, its Ortsteile have none): a first view
  // whose URL names no level opens on the finest level with figures, not on an empty map
  if (!levelAsked && shown === 0) {
    const basis = state.level;
    for (let coarser = coarserLevel(basis); shown === 0 && coarser; coarser = coarserLevel(coarser)) {
      state.level = coarser;
      shown = await render();
    }
    // no level has figures yet (a city whose offices have delivered none): the basis level, as before
    if (shown === 0) {
      state.level = basis;
      await render();
    }
  }
  document.body.dataset.ready = 'true';
}

main();
