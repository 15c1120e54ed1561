// @ts-check
// Details: the areas most similar to the selected one by the typology's indicator profile (the
// API's `similarAreas`: z-standardised across the level, Euclidean distance), each with the
// indicator that makes most of the difference.
import { describeError } from './api.js';
import { loadSimilar } from './data.js';
import { $ } from './dom.js';
import { escapeHtml, formatNumber, formatValue, periodLabel } from './format.js';
import { meta, state } from './state.js';
import { typologyTheme } from './typology.theme.js';

/** @import { DetailSection } from './details.view.js' */

const heading = '<h3 id="h-similar">Ähnliche Gebiete</h3>';

/** @type {DetailSection} */
export const similarSection = {
  placeholder: () => `<section id="detail-similar" aria-labelledby="h-similar">${heading}<p class="empty">Lade …</p></section>`,
  async fill(area, isCurrent) {
    const el = () => $('detail-similar');
    const list = state.profile.map((c) => meta.indicators.find((m) => m.code === c)).filter((m) => m != null);
    const periods = typologyTheme.periods();
    const period = state.period && periods.includes(state.period) ? state.period : periods[periods.length - 1];
    if (list.length === 0 || !period) {
      el().innerHTML = `${heading}<p class="empty">Kein Profil mit gemeinsamem Zeitraum gewählt (Kartenthema „Typologie“).</p>`;
      return;
    }
    try {
      const s = await loadSimilar(
        area,
        list.map((m) => m.code),
        period,
      );
      if (!isCurrent()) return;
      const items = s.similar.map((x) => {
        const top = [...x.contributions].sort((a, b) => b.share - a.share)[0];
        const m = list.find((i) => i.code === top?.indicator.code);
        const why = top && m ? `größter Unterschied: ${escapeHtml(m.name)} ${escapeHtml(formatValue(top.value, m.unit))} (${formatNumber(top.share * 100, 0)} % der Distanz)` : '';
        return `<li><strong>${escapeHtml(x.area.name)}</strong> – Distanz ${formatNumber(x.distance, 2)}${why ? `<br><span class="hint">${why}</span>` : ''}</li>`;
      });
      el().innerHTML = `${heading}
        <p class="hint">Profil ${escapeHtml(periodLabel(period))}: ${list.map((m, j) => `${escapeHtml(m.name)} ${escapeHtml(formatValue(s.values[j], m.unit))}`).join(', ')}; verglichen mit ${s.compared - 1} Gebieten (z-standardisiert, euklidische Distanz)${s.perturbed ? ', aus veröffentlichten Werten' : ''}.</p>
        <ol class="similar-list">${items.join('')}</ol>`;
    } catch (e) {
      if (isCurrent()) el().innerHTML = `${heading}<p class="empty">Nicht verfügbar: ${escapeHtml(describeError(e))}</p>`;
    }
  },
};
