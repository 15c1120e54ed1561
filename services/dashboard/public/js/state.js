// @ts-check
// The page's state: what the user chose (`state`, mirrored in the URL hash so a view can be
// bookmarked), what the API's catalogue offers (`meta`) and what the map shows now (`current`).
// The whole page is a function of these; every control writes `state` and asks for a render.
import { methods } from './classify.js';
import { noDataColour } from './format.js';
import { defaultIndicator } from './indicator.choices.js';

/** @import { ApiArea, AreaLevelInfo, AreaRef, CompositeIndex, DataSource, Indicator, NeedsRow, Offer, PlanningNorm } from './api.js' */
/** @import { Method } from './classify.js' */

/**
 * What the user chose.
 * @typedef {object} State
 * @property {string} theme a key of `themes` (themes.js): what the map colours
 * @property {string} level
 * @property {string | null} indicator
 * @property {string | null} index
 * @property {string | null} norm
 * @property {Method} method
 * @property {number} classes
 * @property {string | null} period
 * @property {string | null} selected code of the selected area
 * @property {boolean} infraOn facilities shown on the map
 * @property {string} offerType
 * @property {string} targetGroup
 * @property {boolean} tableOpen
 * @property {string[]} profile indicator codes of the typology's and the similar areas' profile
 * @property {number} k number of types of the typology (2 … 10)
 */

/** @type {State} */
export const state = {
  theme: 'indicator',
  // the API's basis level once the levels are known (chooseDefaults)
  level: '',
  indicator: null,
  index: null,
  norm: null,
  method: 'quantile',
  classes: 5,
  period: null,
  selected: null,
  infraOn: false,
  offerType: 'kita',
  targetGroup: '',
  tableOpen: false,
  profile: [],
  k: 4,
};

/**
 * The API's catalogue, asked once at start.
 * @typedef {{ indicators: Indicator[], indices: CompositeIndex[], sources: DataSource[], norms: PlanningNorm[], levels: AreaLevelInfo[], city: { level: string, code: string, name: string } }} Meta
 */

/** @type {Meta} */
export const meta = { indicators: [], indices: [], sources: [], norms: [], levels: [], city: { level: '', code: '', name: '' } };

/** The root level (the city): the hierarchical level without a parent. */
export const rootLevel = () => meta.levels.find((l) => !l.parentLevel && !l.planning)?.name ?? '';

/** The first level below the root (Köln: Stadtbezirk): an area's "Bezirk" in tables and series. */
export const coarseLevel = () => meta.levels.find((l) => !l.planning && l.parentLevel === rootLevel())?.name ?? null;

/** The levels a map can show: every level with boundaries below the root, planning levels included. */
export const mapLevels = () => meta.levels.filter((l) => l.hasGeometry && l.name !== rootLevel());

/** The next coarser level a map can fall back to (none above the first level below the root, none for planning levels). */
export function coarserLevel(/** @type {string} */ level) {
  const parent = meta.levels.find((l) => l.name === level)?.parentLevel ?? null;
  return parent && parent !== rootLevel() ? parent : null;
}

/**
 * An area as the page draws it: its boundary and the Stadtbezirk it lies in.
 * @typedef {{ code: string, name: string, level: string, parent: ApiArea['parent'], bezirk: AreaRef | null, geometry: ApiArea['geometry'] }} Area
 */
/** @typedef {{ areas: Area[], byCode: Map<string, Area> }} AreaSet */

/**
 * One area's figure on the current map.
 * @typedef {object} Row
 * @property {'value' | 'suppressed' | 'missing' | 'unscored'} status
 * @property {number | null} value
 * @property {string} text
 * @property {number} classIndex -1: no class (drawn grey or hatched)
 * @property {string} classLabel
 * @property {NeedsRow} [needs]
 * @property {string} [uncertainty] a rate's confidence interval and small-number flag in words
 */

/**
 * What a map theme shows for one level and period.
 * @typedef {object} Theme
 * @property {string} title
 * @property {string} subtitle
 * @property {boolean} synthetic
 * @property {string} valueHeader
 * @property {Map<string, Row>} rows by area code
 * @property {{ colour: string, label: string }[]} legend
 * @property {(row: Row | undefined) => string} colourOf
 * @property {string} legendNote
 * @property {string} [unscoredNote]
 * @property {string} [uncertaintyHeader] set when the rows carry an uncertainty (the table shows it as a column)
 */

/**
 * What is drawn now, for the table view, the tooltip, the details and the live region.
 * @typedef {Theme & { level: string | null, areas: Area[], byCode?: Map<string, Area>, offers: Offer[], offersTotal?: number }} Drawn
 */

/**
 * A theme with nothing to show (no catalogue entry, no period, or an API error).
 * @param {string} title
 * @returns {Theme}
 */
export function emptyTheme(title) {
  return { title, subtitle: '', synthetic: false, valueHeader: 'Wert', rows: new Map(), legend: [], colourOf: () => noDataColour, legendNote: '' };
}

/** @type {Drawn} */
export let current = { ...emptyTheme(''), level: null, areas: [], offers: [] };

/** @param {Drawn} next */
export function setCurrent(next) {
  current = next;
}

export const indicatorMeta = () => meta.indicators.find((i) => i.code === state.indicator) ?? null;
export const indexMeta = () => meta.indices.find((i) => i.code === state.index) ?? null;
export const normMeta = () => meta.norms.find((n) => n.code === state.norm) ?? null;
/** The residents' indicator: the needs' demand and the scenarios' population rest on its figures. */
export const populationMeta = () => meta.indicators.find((m) => m.code === 'einwohner') ?? null;

/** After the catalogue has loaded: an indicator, index and norm the API has, if the URL named none or an unknown one. */
export function chooseDefaults() {
  // a level of the API's reference (the URL may name another city's); the basis level otherwise
  if (!mapLevels().some((l) => l.name === state.level)) state.level = (mapLevels().find((l) => l.basis) ?? mapLevels()[0])?.name ?? '';
  if (!meta.indicators.some((m) => m.code === state.indicator)) {
    state.indicator = defaultIndicator(meta.indicators, 'einwohner');
  }
  if (!meta.indices.some((i) => i.code === state.index)) state.index = meta.indices[0]?.code ?? null;
  state.profile = state.profile.filter((c) => meta.indicators.some((m) => m.code === c));
  // a first profile: the shares and rates of the catalogue (up to three)
  if (state.profile.length === 0)
    state.profile = meta.indicators
      .filter((m) => m.unit === '%' && m.periods.length > 0)
      .slice(0, 3)
      .map((m) => m.code);
  if (!meta.norms.some((n) => n.code === state.norm)) state.norm = (meta.norms.find((n) => n.offerType === state.offerType) ?? meta.norms[0])?.code ?? null;
}

/** @typedef {'theme' | 'level' | 'indicator' | 'index' | 'norm' | 'method' | 'classes' | 'period' | 'selected'} HashKey */
/** @type {Record<HashKey, string>} */
const hashKeys = { theme: 'thema', level: 'ebene', indicator: 'indikator', index: 'index', norm: 'richtwert', method: 'klassen', classes: 'anzahl', period: 'zeitraum', selected: 'gebiet' };
const stateKeys = /** @type {HashKey[]} */ (Object.keys(hashKeys));

export function writeHash() {
  const p = new URLSearchParams();
  for (const k of stateKeys) if (state[k] != null && state[k] !== '') p.set(hashKeys[k], String(state[k]));
  if (state.infraOn) p.set('einrichtungen', `${state.offerType}:${state.targetGroup}`);
  if (state.theme === 'typology') {
    p.set('profil', state.profile.join(','));
    p.set('typen', String(state.k));
  }
  const next = `#${p.toString()}`;
  if (location.hash !== next) history.replaceState(null, '', next);
}

/** @param {readonly string[]} themeKeys the map themes there are (the keys of `themes`) */
export function readHash(themeKeys) {
  const p = new URLSearchParams(location.hash.slice(1));
  const writable = /** @type {Record<HashKey, unknown>} */ (/** @type {unknown} */ (state));
  for (const k of stateKeys) {
    const v = p.get(hashKeys[k]);
    if (v == null) continue;
    writable[k] = k === 'classes' ? Math.min(7, Math.max(3, Number(v) || 5)) : v;
  }
  const profile = p.get('profil');
  if (profile != null) state.profile = profile.split(',').filter(Boolean).slice(0, 10);
  const k = Number(p.get('typen'));
  if (Number.isInteger(k) && k >= 2 && k <= 10) state.k = k;
  const e = p.get('einrichtungen');
  if (e != null) {
    const [t, g] = e.split(':');
    state.infraOn = true;
    state.offerType = t ?? '';
    state.targetGroup = g ?? '';
  }
  if (!themeKeys.includes(state.theme)) state.theme = 'indicator';
  if (!methods.some((m) => m.code === state.method)) state.method = 'quantile';
}
