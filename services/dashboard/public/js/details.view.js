// @ts-check
// The details panel. Without a selection: the highest and lowest areas of the map. With one: the
// area's current figure, then its sections (time series, needs, measures …), each loading on its
// own so a slow or failing one leaves the others. A new section is a module exporting a
// DetailSection plus one entry in the list app.js passes to detailsView().
import { reportDownloadUrl, reportJob, startSozialbericht } from './api.js';
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
  const hint = `<p class="hint">Wählen Sie ein Gebiet auf der Karte oder in der Tabelle, um Zeitreihe, Vergleich mit ${coarseLevel() && coarseLevel() !== (current.level ?? state.level) ? `${escapeHtml(levelLabel(String(coarseLevel())).one)} und ` : ''}${escapeHtml(meta.city.name || 'Stadt')}, Versorgung und Maßnahmen zu sehen.</p>`;
  if (ranked.length === 0) return `${hint}${batchReport()}`;
  /**
   * @param {typeof ranked} items
   * @param {string} label
   */
  const list = (items, label) =>
    `<section aria-label="${label}"><h3>${label}</h3><ol class="ranking">${items
      .map((x) => `<li><button type="button" class="row-select" data-code="${escapeHtml(x.a.code)}">${escapeHtml(x.a.name)}</button><span>${escapeHtml(x.r.text)}</span></li>`)
      .join('')}</ol></section>`;
  const n = Math.min(5, Math.floor(ranked.length / 2));
  return `${hint}${batchReport()}<section><h3>${escapeHtml(current.title)}</h3><p class="hint">${ranked.length} ${levelLabel(String(current.level)).many} mit Wert${suppressed ? `, ${suppressed} geschützt` : ''}.</p></section>
    ${n > 0 ? list(ranked.slice(0, n), 'Höchste Werte') + list(ranked.slice(-n).reverse(), 'Niedrigste Werte') : ''}`;
}

/**
 * The Sozialbericht of every area of the level shown (docs/reports.md): built by the gateway as a job
 * (POST, then its progress polled), downloaded when done.
 */
function batchReport() {
  const level = String(current.level ?? state.level);
  return `<section id="detail-report-batch" aria-labelledby="h-report-batch"><h3 id="h-report-batch">Sozialbericht erstellen</h3>
    <p class="hint">Alle ${escapeHtml(levelLabel(level).many)}${state.period ? `, ${escapeHtml(periodLabel(state.period))}` : ''}: Übersicht und je Gebiet ein Profil.</p>
    <p class="report-links"><button type="button" class="button report-batch" id="report-batch-pdf" data-format="pdf">als PDF</button> <button type="button" class="button report-batch" id="report-batch-docx" data-format="docx">als DOCX</button></p>
    <p id="report-batch-status" role="status" aria-live="polite"></p></section>`;
}

/**
 * Starts the Sozialbericht of the level shown and follows its job until the file is ready.
 * @param {'pdf' | 'docx'} format
 */
async function startBatchReport(format) {
  const say = (/** @type {string} */ html) => {
    const el = document.getElementById('report-batch-status');
    if (el) el.innerHTML = html;
  };
  const level = String(current.level ?? state.level);
  say('Wird gestartet …');
  try {
    const started = await startSozialbericht(format, { level, ...(state.period ? { period: state.period } : {}) });
    if (started.retryAfter !== undefined) return say(`Gerade entstehen schon zwei Berichte. Bitte in ${escapeHtml(started.retryAfter || 'einigen')} Sekunden erneut versuchen.`);
    if (!started.job) return say(`<span class="error">Nicht gestartet: ${escapeHtml(started.error ?? 'unbekannter Fehler')}</span>`);
    let job = started.job;
    while (job.state === 'queued' || job.state === 'running') {
      say(`Entsteht: ${job.done} von ${job.total} ${escapeHtml(levelLabel(level).many)} …`);
      await new Promise((r) => setTimeout(r, 1000));
      const next = await reportJob(job.id);
      if (!next) return say('<span class="error">Der Bericht ist nicht mehr zu finden.</span>');
      job = next;
    }
    if (job.state === 'failed') return say(`<span class="error">Fehlgeschlagen: ${escapeHtml(job.error ?? 'unbekannter Fehler')}</span>`);
    const file = `sozialbericht-${level.toLowerCase()}${state.period ? `-${state.period}` : ''}.${format}`;
    say(`Fertig: <a id="report-batch-download" href="${escapeHtml(reportDownloadUrl(job.id))}" download="${escapeHtml(file)}">Sozialbericht herunterladen (${format.toUpperCase()})</a>`);
  } catch (e) {
    say(`<span class="error">Nicht erreichbar: ${escapeHtml(e instanceof Error ? e.message : String(e))}</span>`);
  }
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
        const report = closest(e, 'button.report-batch');
        if (report) void startBatchReport(report.dataset.format === 'docx' ? 'docx' : 'pdf');
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
