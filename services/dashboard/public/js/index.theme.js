// @ts-check
// Kartenthema „Sozialindex“: the classes of a composite index. Areas the index does not score
// (minimum population, suppressed inputs) stay grey and are explained in the legend.
import { loadIndex } from './data.js';
import { formatNumber, noDataColour, palette } from './format.js';
import { classRange } from './legend.view.js';
import { emptyTheme, indexMeta, meta } from './state.js';

/** @import { MapTheme } from './themes.js' */
/** @import { IndexClass, IndexValue } from './api.js' */
/** @import { Row } from './state.js' */

/** @type {MapTheme} */
export const indexTheme = {
  available: () => meta.indices.length > 0,
  periods() {
    const ix = indexMeta();
    // an index published as an indicator too knows its own periods
    const own = meta.indicators.find((m) => m.code === ix?.code);
    if (own?.periods.length) return own.periods;
    const inputs = (ix?.inputs ?? []).map((i) => meta.indicators.find((m) => m.code === i.indicatorCode)).filter((m) => m != null);
    if (inputs.length === 0) return [];
    // indices are scored per year ("2012"), whatever the inputs' periodicity (monthly SGB II
    // figures, yearly Hilfen zur Erziehung): the years all inputs have
    const years = inputs.map((m) => [...new Set(m.periods.map((p) => p.slice(0, 4)))]);
    return years.reduce((a, b) => a.filter((y) => b.includes(y))).sort();
  },
  async data(level, period) {
    const ix = indexMeta();
    if (!ix || !period) return emptyTheme('Kein Index verfügbar');
    const values = await loadIndex(ix.code, level, period);
    const labels = ix.classes.map((c) => c.label);
    const colours = palette(labels.length, { polarity: 'NEGATIVE' });
    /** @type {Map<string, Row>} */
    const rows = new Map();
    for (const [code, v] of values) {
      const c = v.scored ? indexClassOf(ix.classes, v) : -1;
      rows.set(code, {
        status: v.scored ? 'value' : 'unscored',
        value: v.score,
        text: v.scored ? `${labels[c] ?? v.class ?? '–'} (${formatNumber(v.score, 2)})` : 'nicht bewertet',
        classIndex: c,
        classLabel: labels[c] ?? v.class ?? '',
      });
    }
    return {
      title: ix.name,
      subtitle: `${ix.synthetic ? 'synthetisch · ' : ''}Indexklassen nach Standardabweichungen${ix.minPopulation ? ` · bewertet ab ${formatNumber(ix.minPopulation)} Einwohner*innen` : ''}`,
      synthetic: ix.synthetic,
      valueHeader: 'Klasse (Indexwert)',
      rows,
      legend: labels.map((label, i) => ({ colour: colours[i] ?? noDataColour, label: classRange(ix.classes, i, label) })),
      colourOf: (row) => (row && row.classIndex >= 0 ? (colours[row.classIndex] ?? noDataColour) : noDataColour),
      unscoredNote: 'nicht bewertet (zu wenige Einwohner*innen oder Eingangswerte geschützt)',
      legendNote: '',
    };
  },
};

/**
 * The class of an index value: by its label when the API gives the label, else by the score
 * against the classes' lower bounds (classes ascend; the first is open below).
 * @param {IndexClass[]} classes
 * @param {IndexValue} v
 */
function indexClassOf(classes, v) {
  const byLabel = classes.findIndex((c) => c.label === v.class);
  if (byLabel >= 0) return byLabel;
  const score = v.score;
  if (score == null) return -1;
  let idx = 0;
  classes.forEach((c, i) => {
    if (c.from == null || score >= c.from) idx = i;
  });
  return idx;
}
