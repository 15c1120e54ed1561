// @ts-check
// Kartenthema „Typologie“: the areas of a level grouped into k types by k-means on the
// z-standardised profile of the chosen indicators (the API's `typology`, docs/uncertainty-and-
// typology.md). Each type has its own colour (Okabe–Ito and Tol's colour-blind-safe qualitative
// colours); the legend describes a type by its centre in the indicators' own units.
import { ApiError } from './api.js';
import { loadTypology } from './data.js';
import { formatNumber, formatValue, noDataColour } from './format.js';
import { emptyTheme, meta, state } from './state.js';

/** @import { MapTheme } from './themes.js' */
/** @import { Row } from './state.js' */

/** Okabe–Ito without grey and black, then three of Tol's muted colours: ten types at most. */
export const typeColours = ['#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7', '#882255', '#44AA99', '#332288'];

const profileMeta = () => state.profile.map((c) => meta.indicators.find((m) => m.code === c)).filter((m) => m != null);

/** @type {MapTheme} */
export const typologyTheme = {
  available: () => meta.indicators.length > 0,
  periods() {
    const list = profileMeta();
    if (list.length === 0) return [];
    // the periods every indicator of the profile has
    return list.map((m) => m.periods).reduce((a, b) => a.filter((p) => b.includes(p)));
  },
  async data(level, period) {
    const list = profileMeta();
    if (list.length === 0) return emptyTheme('Typologie: kein Indikator gewählt');
    if (!period) return emptyTheme('Typologie: die gewählten Indikatoren haben keinen gemeinsamen Zeitraum');
    let t;
    try {
      t = await loadTypology(
        level,
        list.map((m) => m.code),
        period,
        state.k,
      );
    } catch (e) {
      // a level without figures for the profile (the demo's Stadtviertel): the map says so in its
      // notice and offers the coarser level, as any theme without values does
      if (e instanceof ApiError && e.reason === 'TOO_FEW_AREAS') return emptyTheme(`Typologie (${state.k} Typen)`);
      throw e;
    }
    /** @type {Map<string, Row>} */
    const rows = new Map();
    for (const a of t.areas) rows.set(a.area.code, { status: 'value', value: a.cluster, text: `Typ ${a.cluster}`, classIndex: a.cluster - 1, classLabel: `Typ ${a.cluster}` });
    for (const a of t.excluded) rows.set(a.code, { status: 'unscored', value: null, text: 'nicht typisiert', classIndex: -1, classLabel: '' });
    const explained = t.totalSs > 0 ? 1 - t.withinSs / t.totalSs : 0;
    return {
      title: `Typologie (${t.k} Typen)`,
      subtitle: `${list.some((m) => m.synthetic) ? 'synthetisch · ' : ''}Profil: ${list.map((m) => m.name).join(', ')} · erklärte Streuung ${formatNumber(explained * 100, 0)} %`,
      synthetic: list.some((m) => m.synthetic),
      valueHeader: 'Typ',
      rows,
      legend: t.clusters.map((c) => ({
        colour: typeColours[c.cluster - 1] ?? noDataColour,
        label: `Typ ${c.cluster} (${c.size}): ${c.centre.map((v, j) => `${list[j]?.name ?? ''} ${formatValue(v, list[j]?.unit)}`).join(', ')}`,
      })),
      colourOf: (row) => (row && row.classIndex >= 0 ? (typeColours[row.classIndex] ?? noDataColour) : noDataColour),
      unscoredNote: 'nicht typisiert (ein Wert geschützt oder nicht vorhanden)',
      legendNote: [
        'Typen: k-Means auf z-standardisierten Werten; Typbeschreibung = Mittelwerte der Gebiete des Typs.',
        t.perturbed ? 'Berechnet aus den veröffentlichten (zum Schutz leicht veränderten) Werten.' : '',
      ]
        .filter(Boolean)
        .join(' '),
    };
  },
};
