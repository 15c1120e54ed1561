// @ts-check
// The details panel. Without a selection: the highest and lowest areas of the map. With one: the
// area's current figure, then its sections (time series, needs, measures …), each loading on its
// own so a slow or failing one leaves the others. A new section is a module exporting a
// DetailSection plus one entry in the list app.js passes to detailsView().
import { tenantUrl } from './base.js';
import { $, closest } from './dom.js';
import { escapeHtml, levelLabel, periodLabel } from './format.js';
import { describeRow } from './legend.view.js';
import { coarseLevel, current, meta, state } from './state.js';

/** @import { Area } from './state.js' */
/** @import { View } from './view.js' */

/**
 * One part of the details of the selected area.
 * @typedef {object} DetailSection
 * @property {(area: Area) => string} placeholder its `<section>` while it loads
 * @property {(area: Area, isCurrent: () => boolean) => Promise<void>} fill loads and draws it into its section; draws nothing once `isCurrent()` is false (another area or render took over)
 */

/** Highest and lowest areas of the current map, from the values already drawn (no extra query). */
function overviewHtml() {
  const ranked = current.areas
    .map((a) => ({ a, r: current.rows.get(a.code) }))
    .filter((x) => x.r?.status === 'value' && x.r.value != null)
    .map((x) => ({ a: x.a, r: /** @type {import('./state.js').Row & { value: number }} */ (x.r) }))
    .sort((x, y) => y.r.value - x.r.value);
  const suppressed = [...current.rows.values()].filter((r) => r.status === 'suppressed').length;
  const hint = `<p class="hint">Wählen Sie ein Gebiet auf der Karte oder in der Tabelle, um Zeitreihe, Vergleich mit Stadtbezirk und Stadt, Versorgung und Maßnahmen zu sehen.</p>`;
  if (ranked.length === 0) return hint;
  /**
   * @param {typeof ranked} items
   * @param {string} label
   */
  const list = (items, label) =>
    `<section aria-label="${label}"><h3>${label}</h3><ol class="ranking">${items
      .map((x) => `<li><button type="button" class="row-select" data-code="${escapeHtml(x.a.code)}">${escapeHtml(x.a.name)}</button><span>${escapeHtml(x.r.text)}</span></li>`)
      .join('')}</ol></section>`;
  const n = Math.min(5, Math.floor(ranked.length / 2));
  return `${hint}<section><h3>${escapeHtml(current.title)}</h3><p class="hint">${ranked.length} ${levelLabel(String(current.level)).many} mit Wert${suppressed ? `, ${suppressed} geschützt` : ''}.</p></section>
    ${n > 0 ? list(ranked.slice(0, n), 'Höchste Werte') + list(ranked.slice(-n).reverse(), 'Niedrigste Werte') : ''}`;
}

/**
 * Links to the area's Gebietsprofil (docs/reports.md) for the period shown, as PDF and as DOCX,
 * built by the gateway with the reader's rights (the signed-in person's session, or the public).
 * @param {string} level
 * @param {string} code
 * @param {string} name
 */
function reportLinks(level, code, name) {
  const query = state.period ? `?period=${encodeURIComponent(state.period)}` : '';
  const url = (/** @type {string} */ ext) => tenantUrl(`reports/gebietsprofil/${encodeURIComponent(level)}/${encodeURIComponent(code)}.${ext}`) + query;
  const file = `gebietsprofil-${level.toLowerCase()}-${code}${state.period ? `-${state.period}` : ''}`;
  return `<section id="detail-report" aria-labelledby="h-report"><h3 id="h-report">Gebietsprofil herunterladen</h3>
    <p class="hint">${escapeHtml(name)}${state.period ? `, ${escapeHtml(periodLabel(state.period))}` : ''}: Karte, Kennzahlen mit Bezirk und Stadt, Sozialindex, Infrastruktur, Maßnahmen und Quellen.</p>
    <p class="report-links"><a id="report-pdf" href="${escapeHtml(url('pdf'))}" download="${escapeHtml(file)}.pdf">Gebietsprofil als PDF</a> · <a id="report-docx" href="${escapeHtml(url('docx'))}" download="${escapeHtml(file)}.docx">als DOCX (bearbeitbar)</a></p></section>`;
}

/**
 * The details panel with these sections, in this order.
 * @param {DetailSection[]} sections
 * @returns {View}
 */
export function detailsView(sections) {
  let detailToken = 0;

  async function renderDetails() {
    const token = ++detailToken;
    const body = $('detail-body');
    const area = state.selected ? current.byCode?.get(state.selected) : null;
    if (!area) {
      $('detail-title').textContent = 'Überblick';
      $('detail-parent').textContent = `${levelLabel(current.level ?? state.level).many}${state.period ? `, ${periodLabel(state.period)}` : ''}`;
      body.innerHTML = overviewHtml();
      return;
    }
    $('detail-title').textContent = area.name;
    $('detail-parent').textContent =
      `${levelLabel(area.level).one} ${area.code}${area.bezirk && area.level !== coarseLevel() ? ` · ${levelLabel(String(coarseLevel())).one} ${area.bezirk.name}` : ''}${area.parent && area.parent.level !== coarseLevel() && area.parent.level !== meta.city.level ? ` · ${levelLabel(area.parent.level).one} ${area.parent.name}` : ''}`;
    const row = current.rows.get(area.code);
    body.innerHTML = `
    <section id="detail-current" aria-labelledby="h-current"><h3 id="h-current">${escapeHtml(current.title)}</h3><p>${escapeHtml(describeRow(row))}</p></section>
    ${reportLinks(area.level, area.code, area.name)}
    ${sections.map((s) => s.placeholder(area)).join('\n    ')}`;
    const isCurrent = () => token === detailToken;
    await Promise.allSettled(sections.map((s) => s.fill(area, isCurrent)));
  }

  return {
    bind(app) {
      $('detail-body').addEventListener('click', (e) => {
        const b = closest(e, 'button.row-select');
        if (b) app.select(String(b.dataset.code), { focusMap: true });
      });
    },
    draw: renderDetails,
    select(code) {
      const area = current.byCode?.get(code);
      if (area) {
        const row = current.rows.get(code);
        $('selection-live').textContent = `Ausgewählt: ${area.name} (${levelLabel(area.level).one} ${area.code}). ${current.title}: ${describeRow(row)}.`;
      }
      renderDetails();
    },
  };
}
