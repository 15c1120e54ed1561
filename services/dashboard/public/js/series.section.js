// @ts-check
// Details: the time series of the chosen indicator for the selected area against its Stadtbezirk
// and the city, as figures for the map's period, an SVG line chart and a table.
import { describeError } from './api.js';
import { chartLegend, lineChart } from './chart.js';
import { loadSeries } from './data.js';
import { $ } from './dom.js';
import { escapeHtml, formatNumber, formatUncertainty, formatValue, levelLabel, periodLabel, unitLabel } from './format.js';
import { coarseLevel, indicatorMeta, meta, state } from './state.js';

/** @import { DetailSection } from './details.view.js' */
/** @import { SeriesPoint } from './api.js' */

/**
 * The period of a series that the map's period stands for: the same, else the last one of its year
 * (the index map is yearly while SGB II figures are monthly, and the other way round), else the latest.
 * @param {string[]} periods
 * @returns {string | null}
 */
function seriesPeriod(periods) {
  if (state.period && periods.includes(state.period)) return state.period;
  const year = state.period?.slice(0, 4);
  const sameYear = periods.filter((p) => p.slice(0, 4) === year);
  return sameYear[sameYear.length - 1] ?? periods[periods.length - 1] ?? null;
}

/** @type {DetailSection} */
export const seriesSection = {
  placeholder() {
    const m = indicatorMeta();
    return `<section id="detail-series" aria-labelledby="h-series"><h3 id="h-series">Zeitreihe: ${escapeHtml(m?.name ?? '')}${m?.synthetic ? ' <span class="badge badge-synthetic">synthetisch</span>' : ''}</h3><p class="empty">Lade Zeitreihe …</p></section>`;
  },
  async fill(area, isCurrent) {
    const el = () => $('detail-series');
    const m = indicatorMeta();
    const from = m?.periods[0];
    const to = m?.periods[m.periods.length - 1];
    // without periods there is no series to ask for (the placeholder stays)
    if (!m || from === undefined || to === undefined) return;
    try {
      const data = await loadSeries(m.code, area, from, to);
      if (!isCurrent()) return;
      /** @param {SeriesPoint[] | undefined} list */
      const byPeriod = (list) => {
        const map = new Map((list ?? []).map((v) => [v.period, v.suppressed ? null : v.value]));
        return m.periods.map((p) => map.get(p) ?? null);
      };
      const unit = unitLabel(m.unit);
      const series = [{ label: area.name, values: byPeriod(data.area) }];
      // the coarse level in the tenant's word (Köln: Stadtbezirk, Hamburg: Bezirk)
      if (data.bezirk) series.push({ label: `${levelLabel(String(coarseLevel())).one} ${area.bezirk?.name}`, values: byPeriod(data.bezirk) });
      series.push({ label: meta.city.name, values: byPeriod(data.city) });
      const shown = seriesPeriod(m.periods);
      /** @param {{ values: (number | null)[] }} s */
      const at = (s) => s.values[m.periods.indexOf(String(shown))] ?? null;
      const title = `Zeitreihe ${m.name}, ${area.name} im Vergleich, ${periodLabel(from)} bis ${periodLabel(to)}`;
      const suppressedCount = (data.area ?? []).filter((v) => v.suppressed).length;
      // the area's confidence band and small-number flags, as the API computed them from the shown figures
      const own = new Map((data.area ?? []).map((v) => [v.period, v]));
      const intervals = m.periods.map((p) => own.get(p)?.interval ?? null);
      const level = intervals.find((v) => v)?.level;
      const band = level
        ? { lower: intervals.map((v) => v?.lower ?? null), upper: intervals.map((v) => v?.upper ?? null), label: `${formatNumber(level * 100, 0)}-%-Konfidenzintervall ${area.name}` }
        : undefined;
      const small = m.periods.filter((p) => own.get(p)?.smallNumber);
      const shownPoint = own.get(String(shown));
      el().innerHTML = `<h3 id="h-series">Zeitreihe: ${escapeHtml(m.name)}${m.synthetic ? ' <span class="badge badge-synthetic">synthetisch</span>' : ''}</h3>
      <dl class="kpi">${series.map((s) => `<div><dt>${escapeHtml(s.label)}</dt><dd>${escapeHtml(formatValue(at(s), m.unit))}</dd></div>`).join('')}</dl>
      ${shown !== state.period ? `<p class="hint">Werte für ${escapeHtml(periodLabel(String(shown)))}.</p>` : ''}
      ${shownPoint?.interval || shownPoint?.smallNumber ? `<p class="hint uncertainty">${escapeHtml(area.name)}: ${escapeHtml(formatUncertainty(shownPoint.interval, shownPoint.smallNumber, m.unit))}</p>` : ''}
      ${chartLegend(series.map((s) => s.label))}
      ${band ? `<p class="hint">Schattiert: ${escapeHtml(band.label)}.</p>` : ''}
      ${lineChart({ periods: m.periods, series, unit, title, highlight: shown ?? undefined, band })}
      ${small.length ? `<p class="hint">${small.length} Zeitpunkt(e) mit kleiner Fallzahl – Werte mit Vorsicht deuten.</p>` : ''}
      ${suppressedCount ? `<p class="hint">${suppressedCount} Zeitpunkt(e) geschützt (Datenschutz) – Lücke in der Linie.</p>` : ''}
      <details><summary>Zeitreihe als Tabelle</summary>
        <table class="series-table"><caption>${escapeHtml(title)}</caption>
          <thead><tr><th scope="col">Zeitraum</th>${series.map((s) => `<th scope="col" class="num">${escapeHtml(s.label)}</th>`).join('')}${band || small.length ? `<th scope="col">Unsicherheit ${escapeHtml(area.name)}</th>` : ''}</tr></thead>
          <tbody>${m.periods
            .map((p, i) => {
              const u = band || small.length ? `<td>${escapeHtml(formatUncertainty(own.get(p)?.interval, own.get(p)?.smallNumber, m.unit) || '–')}</td>` : '';
              return `<tr><th scope="row">${escapeHtml(periodLabel(p))}</th>${series.map((s) => `<td class="num">${escapeHtml(formatValue(s.values[i], m.unit))}</td>`).join('')}${u}</tr>`;
            })
            .join('')}</tbody>
        </table></details>`;
    } catch (e) {
      if (isCurrent()) el().innerHTML = `<h3 id="h-series">Zeitreihe</h3><p class="error">Zeitreihe nicht verfügbar: ${escapeHtml(describeError(e))}</p>`;
    }
  },
};
