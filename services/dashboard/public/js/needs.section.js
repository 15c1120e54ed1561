// @ts-check
// Details: supply, demand, coverage and balance of the selected area for every planning norm. Each
// norm is asked on its own; one the API cannot compute is named with the reason, beside the others.
import { describeError } from './api.js';
import { loadAllNeeds } from './data.js';
import { $ } from './dom.js';
import { escapeHtml, formatNumber, periodLabel } from './format.js';
import { meta, populationMeta, state } from './state.js';

/** @import { DetailSection } from './details.view.js' */
/** @import { PlanningNorm } from './api.js' */

/** The needs analysis follows the slider on the needs map; elsewhere the latest population period. */
function needsPeriod() {
  if (state.theme === 'needs') return state.period;
  const pop = populationMeta();
  const periods = pop?.periods ?? [];
  return state.period && periods.includes(state.period) ? state.period : (periods[periods.length - 1] ?? state.period);
}

/** @type {DetailSection} */
export const needsSection = {
  placeholder: () => `<section id="detail-needs" aria-labelledby="h-needs"><h3 id="h-needs">Versorgung nach Richtwerten</h3><p class="empty">Lade …</p></section>`,
  async fill(area, isCurrent) {
    const el = () => $('detail-needs');
    const period = needsPeriod();
    if (meta.norms.length === 0 || !state.period || !period) {
      el().innerHTML = `<h3 id="h-needs">Versorgung nach Richtwerten</h3><p class="empty">Keine Bedarfsanalyse verfügbar.</p>`;
      return;
    }
    try {
      const needs = await loadAllNeeds(area.level, period);
      if (!isCurrent()) return;
      /** @param {PlanningNorm} n */
      const head = (n) =>
        `<tr><th scope="row" colspan="4" class="norm-name">${escapeHtml(n.name)}${n.supplyNote ? `<span class="hint supply-note"> – Angebot: ${escapeHtml(n.supplyNote)}</span>` : ''}</th></tr>`;
      let withoutDemand = false;
      const rows = meta.norms
        .map((n) => {
          const result = needs.get(n.code);
          // a norm the API cannot compute is named with the reason; a failure of the API is an error
          if (!result) return '';
          if ('gap' in result) return `${head(n)}<tr><td colspan="4" class="empty">Nicht berechenbar: ${escapeHtml(describeError(result.gap))}</td></tr>`;
          if ('error' in result) return `${head(n)}<tr><td colspan="4" class="error">Nicht verfügbar: ${escapeHtml(describeError(result.error))}</td></tr>`;
          const r = result.rows.get(area.code);
          if (!r) return '';
          if (r.demand == null && !r.suppressed) withoutDemand = true;
          const gap = r.suppressed ? 'geschützt' : r.gap == null ? '–' : r.gap > 0 ? `−${formatNumber(r.gap, 0)}` : `+${formatNumber(-r.gap, 0)}`;
          const gapClass = r.gap != null && r.gap > 0 && !r.suppressed ? ' gap-short' : '';
          return `${head(n)}
          <tr><td class="num">${formatNumber(r.supply, 0)}</td><td class="num">${r.suppressed ? 'geschützt' : formatNumber(r.demand, 0)}</td><td class="num">${r.coverage == null ? '–' : `${formatNumber(r.coverage * 100, 0)} %`}</td><td class="num${gapClass}">${gap}</td></tr>`;
        })
        .join('');
      const counted = [...needs.values()].some((x) => 'rows' in x && x.rows.has(area.code));
      el().innerHTML = `<h3 id="h-needs">Versorgung nach Richtwerten (${escapeHtml(periodLabel(period))})</h3>${
        counted
          ? `<table><caption class="visually-hidden">Versorgung ${escapeHtml(area.name)}: Angebot, Bedarf, Deckungsgrad und Lücke je Richtwert</caption><thead><tr><th scope="col" class="num">Angebot</th><th scope="col" class="num">Bedarf</th><th scope="col" class="num">Deckung</th><th scope="col" class="num" title="Angebot minus Bedarf: negativ heißt Versorgungslücke">Saldo</th></tr></thead><tbody>${rows}</tbody></table>
          <p class="hint">Saldo = Angebot − Bedarf; negativ: Versorgungslücke.${withoutDemand ? ' „–“: für dieses Gebiet liegen keine Einwohnerzahlen vor, ein Bedarf ist nicht berechenbar.' : ''}</p>`
          : `<p class="empty">Für diese Gebietsebene liegt keine Bedarfsanalyse vor.</p>${rows ? `<table><tbody>${rows}</tbody></table>` : ''}`
      }`;
    } catch (e) {
      if (isCurrent()) el().innerHTML = `<h3 id="h-needs">Versorgung nach Richtwerten</h3><p class="error">Bedarfsanalyse nicht verfügbar: ${escapeHtml(describeError(e))}</p>`;
    }
  },
};
