// @ts-check
// Kartenthema „Indikator“: one indicator of the catalogue as a choropleth, classed by the chosen
// method (classify.js) with a palette that follows the indicator's polarity.
import { classify, classOf, methods } from './classify.js';
import { loadValues } from './data.js';
import { formatNumber, formatUncertainty, formatValue, noDataColour, palette, unitLabel } from './format.js';
import { rangeLabel } from './legend.view.js';
import { emptyTheme, indicatorMeta, state } from './state.js';

/** @import { MapTheme } from './themes.js' */
/** @import { Row } from './state.js' */

/** @type {MapTheme} */
export const indicatorTheme = {
  available: () => true,
  periods: () => indicatorMeta()?.periods ?? [],
  async data(level, period) {
    const m = indicatorMeta();
    if (!m) return emptyTheme('Kein Indikator verfügbar');
    // an indicator of the catalogue without published figures (Musterstadt's has several) is still
    // labelled as what it is: a synthetic one never shows as "amtliche Daten"
    if (!period) return { ...emptyTheme(`${m.name}: keine Werte veröffentlicht`), synthetic: m.synthetic };
    const values = await loadValues(m.code, level, period);
    const numbers = [...values.values()].filter((v) => !v.suppressed && v.value != null).map((v) => /** @type {number} */ (v.value));
    const cls = classify(numbers, state.method, state.classes);
    const k = Math.max(1, cls.bounds.length - 1);
    const colours = palette(k, { polarity: m.polarity, diverging: state.method === 'stddev' });
    const unit = unitLabel(m.unit);
    /** @type {Map<string, Row>} */
    const rows = new Map();
    for (const [code, v] of values) {
      const c = v.suppressed ? -1 : classOf(v.value, cls.bounds);
      rows.set(code, {
        status: v.suppressed ? 'suppressed' : v.value == null ? 'missing' : 'value',
        value: v.value,
        text: v.suppressed ? 'geschützt' : formatValue(v.value, m.unit),
        classIndex: c,
        classLabel: c >= 0 ? rangeLabel(cls, c, unit) : '',
        // computed by the API from the figures shown here; a withheld figure has none
        uncertainty: v.suppressed ? '' : formatUncertainty(v.interval, v.smallNumber, m.unit),
      });
    }
    const legend = cls.bounds.length >= 2 ? colours.slice(0, k).map((colour, i) => ({ colour, label: rangeLabel(cls, i, unit) })) : [];
    return {
      title: m.name,
      subtitle: `${m.synthetic ? 'synthetisch · ' : ''}${methods.find((x) => x.code === state.method)?.label ?? ''}${unit ? ` · Einheit: ${unit}` : ''}`,
      synthetic: m.synthetic,
      valueHeader: unit ? `Wert (${unit})` : 'Wert',
      ...([...values.values()].some((v) => v.interval || v.smallNumber != null) ? { uncertaintyHeader: 'Unsicherheit (95-%-Konfidenzintervall)' } : {}),
      rows,
      legend,
      colourOf: (row) => (row && row.classIndex >= 0 ? (colours[row.classIndex] ?? noDataColour) : noDataColour),
      // perturbed figures say so in one sentence (docs/disclosure.md)
      legendNote: [
        state.method === 'stddev' && cls.sd != null ? `Mittelwert ${formatNumber(cls.mean)}, Standardabweichung ${formatNumber(cls.sd)}` : '',
        m.protection.perturbed ? m.protection.note : '',
      ]
        .filter(Boolean)
        .join(' · '),
    };
  },
};
