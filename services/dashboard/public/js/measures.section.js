// @ts-check
// Details: the measures (Maßnahmen) of the selected area with their traffic light (Ampel), status,
// budget and milestones (erreicht / offen / überfällig).
import { describeError } from './api.js';
import { loadMeasures } from './data.js';
import { $ } from './dom.js';
import { amtLabel, escapeHtml, formatDate, formatNumber, measureStatusLabels, periodLabel, trafficLightLabels } from './format.js';

/** @import { DetailSection } from './details.view.js' */

/**
 * "2025-Q3" → "2025-09-30"; null for anything else.
 * @param {string | null} q
 */
function quarterEnd(q) {
  const m = /^(\d{4})-Q([1-4])$/.exec(q ?? '');
  if (!m) return null;
  return `${m[1]}-${['03-31', '06-30', '09-30', '12-31'][Number(m[2]) - 1]}`;
}

/** @type {DetailSection} */
export const measuresSection = {
  placeholder: () => `<section id="detail-measures" aria-labelledby="h-measures"><h3 id="h-measures">Maßnahmen und Meilensteine</h3><p class="empty">Lade …</p></section>`,
  async fill(area, isCurrent) {
    const el = () => $('detail-measures');
    try {
      const measures = await loadMeasures(area);
      if (!isCurrent()) return;
      if (measures.length === 0) {
        el().innerHTML = `<h3 id="h-measures">Maßnahmen und Meilensteine</h3><p class="empty">Keine Maßnahmen für ${escapeHtml(area.name)} erfasst.</p>`;
        return;
      }
      const today = new Date().toISOString().slice(0, 10);
      el().innerHTML = `<h3 id="h-measures">Maßnahmen und Meilensteine (${measures.length})</h3>${measures
        .map((m) => {
          const light = m.controlling?.trafficLight ?? null;
          const lightHtml = light
            ? `<span class="light light-${escapeHtml(light)}" title="Ampel">${escapeHtml(trafficLightLabels[light] ?? light)}</span>`
            : `<span class="light" title="Ampel">ohne Ampel</span>`;
          const budget = m.controlling?.budgetPlanned ? ` · Budget ${formatNumber(m.controlling.budgetSpent, 0)} von ${formatNumber(m.controlling.budgetPlanned, 0)} €` : '';
          const ms = (m.milestones ?? [])
            .map((s) => {
              // a milestone planned for a quarter is due at its end, as @sp/controlling judges it
              const due = s.plannedDate ?? quarterEnd(s.plannedQuarter);
              const overdue = !s.reached && due && due < today;
              const cls = s.reached ? 'ms-done' : overdue ? 'ms-overdue' : 'ms-open';
              const mark = s.reached ? '✓ erreicht' : overdue ? '! überfällig' : '○ offen';
              const planned = s.plannedDate ? formatDate(s.plannedDate) : s.plannedQuarter ? periodLabel(s.plannedQuarter) : '';
              return `<li class="${cls}"><span>${mark}</span><span>${escapeHtml(s.title)} – ${s.reached ? formatDate(s.actualDate) : planned ? `geplant ${escapeHtml(planned)}` : ''}</span></li>`;
            })
            .join('');
          return `<article class="measure"><h4><span>${escapeHtml(m.title)}</span>${lightHtml}</h4>
          <p class="meta">${escapeHtml(measureStatusLabels[m.status] ?? m.status)} · ${escapeHtml(amtLabel(m.leadAmt))} · ${formatDate(m.plannedStart)} – ${formatDate(m.plannedEnd)}${budget}${m.example ? ' · <em>Beispiel</em>' : ''}</p>
          ${ms ? `<ul aria-label="Meilensteine">${ms}</ul>` : ''}</article>`;
        })
        .join('')}`;
    } catch (e) {
      if (isCurrent()) el().innerHTML = `<h3 id="h-measures">Maßnahmen und Meilensteine</h3><p class="error">Maßnahmen nicht verfügbar: ${escapeHtml(describeError(e))}</p>`;
    }
  },
};
