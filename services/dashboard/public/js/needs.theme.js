// @ts-check
// Kartenthema „Versorgung“: the needs analysis of one planning norm (Richtwert) as coverage
// classes, supply / demand. A norm the API cannot compute leaves the map uncoloured, with the reason.
import { loadNeed, loadSupplySynthetic } from './data.js';
import { formatNumber, noDataColour, unitLabel } from './format.js';
import { classOf } from './classify.js';
import { emptyTheme, meta, normMeta, populationMeta } from './state.js';

/** @import { MapTheme } from './themes.js' */
/** @import { Row } from './state.js' */

/** Coverage classes of the needs map (share of the demand the supply covers). */
const coverageBounds = [0, 0.5, 0.75, 0.9, 1];
const coverageLabels = ['unter 50 %', '50 bis unter 75 %', '75 bis unter 90 %', '90 bis unter 100 %', '100 % und mehr'];
const coverageColours = ['#d7191c', '#fdae61', '#ffffbf', '#abd9e9', '#2c7bb6']; // ColorBrewer RdYlBu, colour-blind safe

/** @type {MapTheme} */
export const needsTheme = {
  available: () => meta.norms.length > 0,
  periods() {
    // demand comes from the population figures
    const pop = populationMeta() ?? meta.indicators[0];
    return pop?.periods ?? [];
  },
  async data(level, period) {
    const n = normMeta();
    if (!n || !period) return emptyTheme('Keine Richtwerte verfügbar');
    const [need, syntheticSupply] = await Promise.all([loadNeed(n.code, level, period), loadSupplySynthetic(n.offerType).catch(() => false)]);
    // a norm without figures leaves the map uncoloured, with the reason in the notice
    if ('gap' in need) throw need.gap;
    const needs = need.rows;
    // the demand rests on the population figures: a town whose residents are synthetic (Musterstadt)
    // has a synthetic needs map, whatever its offers are
    const syntheticDemand = populationMeta()?.synthetic === true;
    /** @type {Map<string, Row>} */
    const rows = new Map();
    for (const [code, r] of needs) {
      const c = r.suppressed || r.coverage == null ? -1 : classOf(Math.min(r.coverage, 1), coverageBounds);
      const idx = r.coverage != null && r.coverage >= 1 ? 4 : c;
      rows.set(code, {
        status: r.suppressed ? 'suppressed' : r.coverage == null ? 'missing' : 'value',
        value: r.coverage,
        text: r.suppressed ? 'geschützt' : r.coverage == null ? '–' : `${formatNumber(r.coverage * 100, 0)} % (Lücke ${formatNumber(r.gap ?? 0, 0)})`,
        classIndex: idx,
        classLabel: (idx >= 0 && coverageLabels[idx]) || '',
        needs: r,
      });
    }
    return {
      title: `Versorgung: ${n.name}`,
      subtitle: `Deckungsgrad = Angebot / Bedarf nach Richtwert${unitLabel(n.unit) ? ` (${unitLabel(n.unit)})` : ''}${syntheticSupply ? '; das Angebot (Kapazitäten) ist synthetisch erzeugt' : ''}${syntheticDemand ? '; die Einwohnerzahlen (Bedarf) sind synthetisch' : ''}${n.supplyNote ? `; Angebot: ${n.supplyNote}` : ''}`,
      // computed from generated capacities or residents: headed "synthetisch", not "amtliche Daten"
      synthetic: syntheticSupply || syntheticDemand,
      valueHeader: 'Deckungsgrad (Versorgungslücke)',
      rows,
      legend: coverageColours.map((colour, i) => ({ colour, label: coverageLabels[i] ?? '' })),
      colourOf: (row) => (row && row.classIndex >= 0 ? (coverageColours[row.classIndex] ?? noDataColour) : noDataColour),
      legendNote: '',
    };
  },
};
