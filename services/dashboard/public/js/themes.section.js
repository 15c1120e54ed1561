// @ts-check
// „Themen im Sozialraum“ in the Planungswerkstatt (issue 18.3): the Sozialraumkoordination records a
// topic it found (or the city-wide planning one it brings), the planning staff assess it and decide
// what becomes of it — a measure, a project, or nothing (closed, with the reason). One form holds a
// topic; each save is the topic's next version through the ingestion path (saveTheme), and what the
// domain refuses is shown at its field, in the domain's words. Below: the topics per Sozialraum with
// their path (gefunden → bewertet → entschieden, dates and people) and the core-process indicators
// per Sozialraum and year. Planning staff only: the API refuses everyone else, and so says the page.
import { ApiError, describeError, gql } from './api.js';
import { $, $input, $select } from './dom.js';
import { escapeHtml, formatDate, formatNumber } from './format.js';
import { authFor, identity, onIdentityChange } from './identity.js';
import { meta } from './state.js';
import { themeQueries as q } from './themes.api.js';

/** @import { View } from './view.js' */
/** @import { FieldError } from './workspace.api.js' */
/** @import { CoreProcessRow, WorkspaceTheme } from './themes.api.js' */

const originLabels = /** @type {Record<string, string>} */ ({ bottom_up: 'bottom-up (Sozialraumkoordination)', top_down: 'top-down (gesamtstädtische Planung)' });
const priorityLabels = /** @type {Record<string, string>} */ ({ high: 'hoch', medium: 'mittel', low: 'niedrig' });
const outcomeLabels = /** @type {Record<string, string>} */ ({ measure: 'Maßnahme', project: 'Projekt', closed: 'geschlossen' });

/**
 * The form's controls: id ws-theme-<name>, the record field they fill (dotted for nested ones).
 * @type {{ name: string, field: string, label: string, kind: 'text' | 'date' | 'textarea' | 'select', options?: [string, string][], list?: string, group?: 'assessment' | 'decision' }[]}
 */
const controls = [
  { name: 'areaLevel', field: 'area.level', label: 'Ebene', kind: 'select', options: [] },
  { name: 'areaCode', field: 'area.code', label: 'Sozialraum (Code)', kind: 'text', list: 'ws-theme-area-codes' },
  { name: 'origin', field: 'origin', label: 'Herkunft', kind: 'select', options: Object.entries(originLabels) },
  { name: 'title', field: 'title', label: 'Thema', kind: 'text' },
  { name: 'description', field: 'description', label: 'Beschreibung', kind: 'textarea' },
  { name: 'foundDate', field: 'foundDate', label: 'Gefunden am', kind: 'date' },
  { name: 'foundBy', field: 'foundBy', label: 'Verantwortlich', kind: 'text' },
  { name: 'assessment-date', field: 'assessment.date', label: 'Bewertet am', kind: 'date', group: 'assessment' },
  { name: 'assessment-assessedBy', field: 'assessment.assessedBy', label: 'Bewertet von', kind: 'text', group: 'assessment' },
  { name: 'assessment-text', field: 'assessment.text', label: 'Kurzfristige integrierte Bewertung', kind: 'textarea', group: 'assessment' },
  { name: 'assessment-priority', field: 'assessment.priority', label: 'Priorität', kind: 'select', options: [['', '–'], ...Object.entries(priorityLabels)], group: 'assessment' },
  { name: 'decision-date', field: 'decision.date', label: 'Entschieden am', kind: 'date', group: 'decision' },
  { name: 'decision-decidedBy', field: 'decision.decidedBy', label: 'Entschieden von', kind: 'text', group: 'decision' },
  { name: 'decision-outcome', field: 'decision.outcome', label: 'Ergebnis', kind: 'select', options: [['', '–'], ...Object.entries(outcomeLabels)], group: 'decision' },
  { name: 'decision-measureKey', field: 'decision.measureKey', label: 'Maßnahme (Schlüssel)', kind: 'text', list: 'ws-measure-keys', group: 'decision' },
  { name: 'decision-projectTitle', field: 'decision.projectTitle', label: 'Projekt (Titel)', kind: 'text', group: 'decision' },
  { name: 'decision-reason', field: 'decision.reason', label: 'Grund (bei „geschlossen“)', kind: 'text', group: 'decision' },
];

const id = (/** @type {string} */ name) => `ws-theme-${name}`;

/** The planning levels first (the Sozialräume), then the others; until the API's levels are known, none. */
function levelOptions(/** @type {string} */ selected = '') {
  const levels = [...meta.levels].sort((a, b) => Number(b.planning) - Number(a.planning));
  const choice = selected || levels[0]?.name || '';
  return levels.map((l) => `<option value="${escapeHtml(l.name)}"${l.name === choice ? ' selected' : ''}>${escapeHtml(l.label)}</option>`).join('');
}

function controlHtml(/** @type {(typeof controls)[number]} */ c) {
  const list = c.list ? ` list="${c.list}"` : '';
  const control =
    c.kind === 'textarea'
      ? `<textarea id="${id(c.name)}" name="${c.name}" rows="2"></textarea>`
      : c.kind === 'select'
        ? `<select id="${id(c.name)}" name="${c.name}">${(c.options ?? []).map(([v, l]) => `<option value="${escapeHtml(v)}">${escapeHtml(l)}</option>`).join('')}</select>`
        : `<input id="${id(c.name)}" name="${c.name}" type="${c.kind === 'date' ? 'date' : 'text'}"${list}>`;
  return `<div class="field ws-field" data-field="${c.field}"><label for="${id(c.name)}">${escapeHtml(c.label)}</label>${control}<p class="ws-field-error" id="${id(c.name)}-error" hidden></p></div>`;
}

function sectionHtml() {
  const group = (/** @type {string | undefined} */ g) =>
    controls
      .filter((c) => c.group === g)
      .map(controlHtml)
      .join('');
  return `<h3 id="ws-themes-title">Themen im Sozialraum</h3>
    <p class="hint">Die Sozialraumkoordination erfasst, was sie im Sozialraum findet (bottom-up), die gesamtstädtische Planung bringt Themen ein (top-down). Jedes Thema wird kurzfristig integriert bewertet und dann entschieden: Maßnahme, Projekt oder geschlossen. Nur für die Sozialplanung.</p>
    <datalist id="ws-theme-area-codes"></datalist>
    <form class="ws-form" id="ws-form-theme" novalidate>
      <div class="field ws-field" data-field="key"><label for="${id('key')}">Schlüssel (leer: aus Sozialraum und Thema)</label><input id="${id('key')}" name="key"><p class="ws-field-error" id="${id('key')}-error" hidden></p></div>
      <div class="field ws-field" data-field="version"><label for="${id('version')}">Version</label><input id="${id('version')}" name="version" type="number" value="1" min="1"><p class="ws-field-error" id="${id('version')}-error" hidden></p></div>
      ${group(undefined)}
      <fieldset class="ws-field" data-field="assessment"><legend>Bewertung</legend>${group('assessment')}<p class="ws-field-error" id="${id('assessment')}-error" hidden></p></fieldset>
      <fieldset class="ws-field" data-field="decision"><legend>Entscheidung</legend>${group('decision')}<p class="ws-field-error" id="${id('decision')}-error" hidden></p></fieldset>
      <div class="ws-actions"><button type="submit" class="button">Speichern</button><button type="button" class="button ws-new">Neu</button></div>
      <p class="ws-form-message" id="ws-theme-message" role="status" aria-live="polite"></p>
    </form>
    <form id="ws-themes-filter" class="ws-filter" onsubmit="return false">
      <label for="ws-themes-level">Ebene</label><select id="ws-themes-level"></select>
      <label for="ws-themes-year">Jahr (gefunden)</label><input id="ws-themes-year" inputmode="numeric" placeholder="alle" size="6">
      <button type="submit" class="button">Anzeigen</button>
    </form>
    <div id="ws-themes-list" aria-live="polite"></div>
    <h4 id="ws-core-process-title">Kernprozess-Kennzahlen je Sozialraum und Jahr</h4>
    <div id="ws-core-process" aria-live="polite"></div>`;
}

const slug = (/** @type {string} */ s) =>
  s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ß/g, 'ss')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);

/** The topic the form holds, as saveTheme's input: empty fields stay out (the domain says what is missing); an empty assessment or decision is none. */
function inputOf() {
  const v = (/** @type {string} */ name) => $input(id(name)).value.trim();
  /** @type {Record<string, unknown>} */
  const input = {};
  const title = v('title');
  input.key = v('key') || (title ? `thema:${v('areaCode') ? `${slug(v('areaCode'))}:` : ''}${slug(title)}` : undefined);
  input.version = v('version') === '' ? undefined : Number(v('version'));
  input.area = { level: v('areaLevel'), code: v('areaCode') || undefined };
  for (const c of controls) {
    const value = v(c.name);
    if (c.field.startsWith('area.') || value === '') continue;
    const [head, tail] = c.field.split('.');
    if (tail === undefined) input[/** @type {string} */ (head)] = value;
    else input[/** @type {string} */ (head)] = { .../** @type {object} */ (input[/** @type {string} */ (head)] ?? {}), [tail]: value };
  }
  input.example = false;
  return input;
}

function clearErrors() {
  const form = $('ws-form-theme');
  for (const p of form.querySelectorAll('.ws-field-error')) {
    p.textContent = '';
    /** @type {HTMLElement} */ (p).hidden = true;
  }
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

/** Each error at its field: "decision.measureKey" at „Maßnahme“, "assessment" at the Bewertung box; others in the form's message. */
function showErrors(/** @type {FieldError[]} */ errors) {
  /** @type {string[]} */
  const general = [];
  for (const e of errors) {
    const text = `${e.message} – erlaubt: ${e.accepted}`;
    const control = controls.find((c) => c.field === e.field);
    const name = control?.name ?? (e.field === 'area' ? 'areaCode' : e.field === 'assessment' || e.field === 'decision' || e.field === 'key' || e.field === 'version' ? e.field : null);
    const p = name ? document.getElementById(`${id(name)}-error`) : null;
    if (!p) {
      general.push(`${e.field ? `${e.field}: ` : ''}${text}`);
      continue;
    }
    p.textContent = p.textContent ? `${p.textContent} ${text}` : text;
    p.hidden = false;
    (document.getElementById(id(name ?? '')) ?? p.closest('fieldset'))?.setAttribute('aria-invalid', 'true');
  }
  const msg = $('ws-theme-message');
  msg.className = 'ws-form-message error';
  msg.textContent = `Nicht gespeichert: ${errors.length} Fehler${general.length ? ` – ${general.join(' ')}` : ''}. Nichts wurde geändert.`;
}

async function save() {
  clearErrors();
  const msg = $('ws-theme-message');
  msg.className = 'ws-form-message';
  msg.textContent = 'Speichere …';
  try {
    const result = (await gql(q.saveTheme, { input: inputOf() }, authFor())).saveTheme;
    if (!result.saved) {
      showErrors(result.errors);
      return;
    }
    msg.className = 'ws-form-message ok';
    msg.textContent = `Gespeichert: ${result.key}, Version ${result.version}${result.unchanged ? ' (unverändert)' : ''}, von ${result.author}.`;
    $input(id('key')).value = result.key ?? '';
    $input(id('version')).value = String((result.version ?? 0) + 1);
    void showUntil(result.key ?? '', result.version ?? 0);
  } catch (e) {
    msg.className = 'ws-form-message error';
    msg.textContent = e instanceof ApiError && e.code === 'FORBIDDEN' ? `Nicht erlaubt: ${e.message}` : `Nicht gespeichert: ${describeError(e)}`;
  }
}

/** @type {WorkspaceTheme[]} */
let shown = [];

function stepHtml(/** @type {WorkspaceTheme} */ t) {
  const found = `<li class="ws-step done"><strong>gefunden</strong> ${formatDate(t.foundDate)} · ${escapeHtml(t.foundBy)} · ${escapeHtml(originLabels[t.origin] ?? t.origin)}</li>`;
  const a = t.assessment;
  const assessed = a
    ? `<li class="ws-step done"><strong>bewertet</strong> ${formatDate(a.date)} · ${escapeHtml(a.assessedBy)} · Priorität ${escapeHtml(priorityLabels[a.priority] ?? a.priority)}<br><span class="hint">${escapeHtml(a.text)}</span></li>`
    : '<li class="ws-step open"><strong>bewertet</strong> noch nicht</li>';
  const d = t.decision;
  const what = d ? (d.outcome === 'measure' ? (d.measureKey ?? '') : d.outcome === 'project' ? (d.projectTitle ?? '') : (d.reason ?? '')) : '';
  const decided = d
    ? `<li class="ws-step done"><strong>entschieden</strong> ${formatDate(d.date)} · ${escapeHtml(d.decidedBy)} · ${escapeHtml(outcomeLabels[d.outcome] ?? d.outcome)}: ${escapeHtml(what)}</li>`
    : '<li class="ws-step open"><strong>entschieden</strong> offen</li>';
  return `<ol class="ws-theme-path" aria-label="Weg des Themas">${found}${assessed}${decided}</ol>`;
}

function listHtml(/** @type {WorkspaceTheme[]} */ themes) {
  if (themes.length === 0) return '<p>Keine Themen erfasst.</p>';
  /** @type {Map<string, WorkspaceTheme[]>} */
  const byArea = new Map();
  for (const t of themes) byArea.set(`${t.area.level}|${t.area.code}`, [...(byArea.get(`${t.area.level}|${t.area.code}`) ?? []), t]);
  return [...byArea.values()]
    .map((list) => {
      const area = /** @type {WorkspaceTheme} */ (list[0]).area;
      const rows = list
        .map(
          (t) => `<tr data-key="${escapeHtml(t.key)}"><th scope="row">${escapeHtml(t.title)}<br><span class="hint">${escapeHtml(t.key)}, Version ${t.version}</span></th>
            <td>${stepHtml(t)}</td>
            <td>${t.decision ? '<span class="hint">entschieden: abgeschlossen</span>' : `<button type="button" class="button ws-theme-edit" data-key="${escapeHtml(t.key)}">Fortführen (Version ${t.version + 1})</button>`}</td></tr>`,
        )
        .join('');
      return `<table class="ws-table ws-themes-table" data-area="${escapeHtml(area.code)}"><caption>${escapeHtml(area.name)} (${escapeHtml(area.code)}): ${list.length} ${list.length === 1 ? 'Thema' : 'Themen'}</caption>
        <thead><tr><th scope="col">Thema</th><th scope="col">Weg: gefunden → bewertet → entschieden</th><th scope="col"><span class="visually-hidden">Bearbeiten</span></th></tr></thead><tbody>${rows}</tbody></table>`;
    })
    .join('');
}

const share = (/** @type {number | null} */ s) => (s === null ? '–' : `${formatNumber(Math.round(s * 100))} %`);

function coreHtml(/** @type {CoreProcessRow[]} */ rows) {
  if (rows.length === 0) return '<p>Noch keine Themen: keine Kennzahlen.</p>';
  const body = rows
    .map(
      (r) => `<tr><th scope="row">${escapeHtml(r.area.name)}</th><td>${r.year}</td><td>${r.found} (${r.foundBottomUp} bottom-up, ${r.foundTopDown} top-down)</td>
        <td>${r.assessed}</td><td>${r.decided}</td><td>${r.turnedIntoMeasures}</td><td>${r.turnedIntoProjects}</td><td>${r.closed}</td>
        <td>${r.medianDaysToDecision === null ? '–' : `${formatNumber(r.medianDaysToDecision)} Tage`}</td>
        <td>${r.linkedMeasures === 0 ? '–' : `${r.linkedMeasuresOnTime} von ${r.linkedMeasures} (${share(r.shareOnTime)})`}</td></tr>`,
    )
    .join('');
  return `<table class="ws-table ws-core-process-table"><thead><tr><th scope="col">Sozialraum</th><th scope="col">Jahr</th><th scope="col">gefunden</th><th scope="col">bewertet</th>
    <th scope="col">entschieden</th><th scope="col">→ Maßnahme</th><th scope="col">→ Projekt</th><th scope="col">geschlossen</th><th scope="col">Median Tage bis zur Entscheidung</th>
    <th scope="col">Maßnahmen im Zeitplan</th></tr></thead><tbody>${body}</tbody></table>
    <p class="hint">Je Jahr die in diesem Jahr gefundenen Themen, Stand heute. „Im Zeitplan“: beschlossene, laufende oder abgeschlossene Maßnahmen ohne Verzug (Beginn/Ende höchstens 30 Tage später als geplant, kein Meilenstein überfällig) – wie die Ampel des Controllings.</p>`;
}

function filter() {
  const year = $input('ws-themes-year').value.trim();
  return { level: $select('ws-themes-level').value || null, year: /^\d{4}$/.test(year) ? Number(year) : null };
}

/** Topics and core-process figures for the signed-in planner; everyone else is told why there are none. */
async function load() {
  const list = $('ws-themes-list');
  const core = $('ws-core-process');
  if (identity()?.role !== 'planner') {
    shown = [];
    list.innerHTML = '<p>Themen im Sozialraum sind interne Arbeitsdaten der Sozialplanung: bitte als Sozialplanung anmelden.</p>';
    core.innerHTML = '';
    return;
  }
  try {
    const [themes, figures] = await Promise.all([gql(q.themes, filter(), authFor()), gql(q.coreProcess, filter(), authFor())]);
    shown = themes.themes;
    list.innerHTML = listHtml(shown);
    core.innerHTML = coreHtml(figures.coreProcessIndicators);
  } catch (e) {
    list.innerHTML = `<p class="error">${escapeHtml(describeError(e))}</p>`;
    core.innerHTML = '';
  }
}

/** After a save: load until the read model has the version (it is a projection). */
async function showUntil(/** @type {string} */ key, /** @type {number} */ version) {
  for (let i = 0; i < 60; i++) {
    await load();
    if (shown.some((t) => t.key === key && t.version >= version)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Fills the form with a topic as its next version, to assess or decide it. */
function edit(/** @type {WorkspaceTheme} */ t) {
  clearErrors();
  const set = (/** @type {string} */ name, /** @type {string | null | undefined} */ value) => {
    $input(id(name)).value = value ?? '';
  };
  $select(id('areaLevel')).innerHTML = levelOptions(t.area.level);
  set('key', t.key);
  set('version', String(t.version + 1));
  set('areaCode', t.area.code);
  set('origin', t.origin);
  set('title', t.title);
  set('description', t.description);
  set('foundDate', t.foundDate);
  set('foundBy', t.foundBy);
  set('assessment-date', t.assessment?.date);
  set('assessment-assessedBy', t.assessment?.assessedBy);
  set('assessment-text', t.assessment?.text);
  set('assessment-priority', t.assessment?.priority);
  for (const name of ['decision-date', 'decision-decidedBy', 'decision-outcome', 'decision-measureKey', 'decision-projectTitle', 'decision-reason']) set(name, '');
  $('ws-theme-message').textContent = `${t.key} geladen als Version ${t.version + 1}.`;
  $input(id(t.assessment ? 'decision-date' : 'assessment-date')).focus();
}

/** @type {View} */
export const themesSection = {
  bind() {
    const section = document.getElementById('ws-themes');
    if (!section) return;
    section.innerHTML = sectionHtml();
    $('ws-form-theme').addEventListener('submit', (e) => {
      e.preventDefault();
      void save();
    });
    $('ws-form-theme')
      .querySelector('.ws-new')
      ?.addEventListener('click', () => {
        /** @type {HTMLFormElement} */ ($('ws-form-theme')).reset();
        clearErrors();
        $('ws-theme-message').textContent = '';
      });
    $('ws-themes-filter').addEventListener('submit', (e) => {
      e.preventDefault();
      void load();
    });
    $('ws-themes-list').addEventListener('click', (e) => {
      const key = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (e.target).closest('.ws-theme-edit'))?.dataset.key;
      const theme = shown.find((t) => t.key === key);
      if (theme) edit(theme);
    });
    onIdentityChange(() => void load());
  },
  start() {
    if (!document.getElementById('ws-themes')) return;
    $select(id('areaLevel')).innerHTML = levelOptions();
    $select('ws-themes-level').innerHTML = levelOptions();
    // the areas of the chosen level as suggestions for the code
    $input(id('areaCode')).addEventListener('focus', async () => {
      try {
        const { areas } = await gql(
          /** @type {import('./api.js').Query<{ areas: { code: string, name: string }[] }, { level: string }>} */ (
            /* GraphQL */ `query ThemeAreaCodes($level: AreaLevel!) { areas(level: $level) { code name } }`
          ),
          { level: $select(id('areaLevel')).value },
        );
        $('ws-theme-area-codes').innerHTML = areas.map((a) => `<option value="${escapeHtml(a.code)}">${escapeHtml(a.name)}</option>`).join('');
      } catch {
        // no suggestions: the code is typed
      }
    });
    void load();
  },
};
