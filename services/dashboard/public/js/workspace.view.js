// @ts-check
// Planungswerkstatt: goals, measures, milestones and status reports made in the browser. Every form
// saves through a GraphQL mutation, i.e. through the ingestion path an Amt's feed takes; what the
// domain refuses comes back per field and is shown at that field, in the domain's words. Beside the
// forms: the history of an item (who changed what, when) and the controlling table per Amt or area
// (traffic light, planned vs actual, milestones overdue, budget use). Who is signed in is
// identity.js's business only (a token today, OpenID Connect sign-in later).
import { ApiError, describeError, gql } from './api.js';
import { $, $input, $select } from './dom.js';
import { escapeHtml, formatDate } from './format.js';
import { authFor, describeIdentity, identity, onIdentityChange, signIn, signOut } from './identity.js';
import { workspaceQueries as q } from './workspace.api.js';

/** @import { View } from './view.js' */
/** @import { FieldError, PlanningSave, WorkspaceMeasure } from './workspace.api.js' */

/**
 * @typedef {object} FieldSpec
 * @property {string} name the record's field
 * @property {string} label
 * @property {'text' | 'number' | 'date' | 'textarea' | 'select' | 'checkbox' | 'list' | 'area' | 'budget' | 'target' | 'datetime'} kind
 * @property {string[]} [options] for select
 * @property {string} [list] id of a datalist with suggestions
 * @property {string} [hint]
 */

/**
 * @typedef {object} FormSpec
 * @property {string} id
 * @property {string} title
 * @property {'saveGoal' | 'saveMeasure' | 'saveMilestone' | 'saveStatusReport'} mutation
 * @property {string} recordType the history's record type (GOAL, MEASURE …)
 * @property {string} keyPrefix a new item's key is this plus the title, made URL-safe
 * @property {boolean} example whether the record carries the `example` flag
 * @property {FieldSpec[]} fields
 */

/** @type {FormSpec[]} */
const forms = [
  {
    id: 'goal',
    title: 'Ziel',
    mutation: 'saveGoal',
    recordType: 'GOAL',
    keyPrefix: 'ziel:',
    example: true,
    fields: [
      { name: 'title', label: 'Titel', kind: 'text' },
      { name: 'parentKey', label: 'Übergeordnetes Ziel (Schlüssel)', kind: 'text', list: 'ws-goal-keys' },
      { name: 'description', label: 'Beschreibung', kind: 'textarea' },
      { name: 'areas', label: 'Gebiet', kind: 'area' },
      { name: 'targetGroups', label: 'Zielgruppen (Codes, durch Komma getrennt)', kind: 'list' },
      { name: 'indicator', label: 'Zielindikator (Code)', kind: 'text' },
      { name: 'baselineValue', label: 'Ausgangswert', kind: 'number' },
      { name: 'baselinePeriod', label: 'Ausgangsjahr', kind: 'text' },
      { name: 'targetValue', label: 'Zielwert', kind: 'number' },
      { name: 'targetDirection', label: 'Richtung', kind: 'select', options: ['', 'increase', 'decrease'] },
      { name: 'targets', label: 'Zielwert je Gebiet und Jahr', kind: 'target' },
      { name: 'deadline', label: 'Zieldatum', kind: 'date' },
      { name: 'status', label: 'Status', kind: 'select', options: ['draft', 'adopted', 'achieved', 'missed', 'revised', 'retired'] },
      { name: 'revisionReason', label: 'Grund der Änderung', kind: 'text' },
    ],
  },
  {
    id: 'measure',
    title: 'Maßnahme',
    mutation: 'saveMeasure',
    recordType: 'MEASURE',
    keyPrefix: 'massnahme:',
    example: true,
    fields: [
      { name: 'title', label: 'Titel', kind: 'text' },
      { name: 'goalKeys', label: 'Ziele (Schlüssel, durch Komma getrennt)', kind: 'list', list: 'ws-goal-keys' },
      { name: 'description', label: 'Beschreibung', kind: 'textarea' },
      { name: 'leadAmt', label: 'Federführendes Amt', kind: 'text' },
      { name: 'participants', label: 'Beteiligte (durch Komma getrennt)', kind: 'list' },
      { name: 'areas', label: 'Gebiet', kind: 'area' },
      { name: 'targetGroups', label: 'Zielgruppen (Codes, durch Komma getrennt)', kind: 'list' },
      { name: 'budget', label: 'Budget', kind: 'budget' },
      { name: 'plannedStart', label: 'Geplanter Beginn', kind: 'date' },
      { name: 'plannedEnd', label: 'Geplantes Ende', kind: 'date' },
      { name: 'actualStart', label: 'Tatsächlicher Beginn', kind: 'date' },
      { name: 'actualEnd', label: 'Tatsächliches Ende', kind: 'date' },
      { name: 'status', label: 'Status', kind: 'select', options: ['proposed', 'decided', 'in_progress', 'completed', 'cancelled'] },
      { name: 'fundingSource', label: 'Finanzierung', kind: 'text' },
    ],
  },
  {
    id: 'milestone',
    title: 'Meilenstein',
    mutation: 'saveMilestone',
    recordType: 'MILESTONE',
    keyPrefix: 'meilenstein:',
    example: false,
    fields: [
      { name: 'measureKey', label: 'Maßnahme (Schlüssel)', kind: 'text', list: 'ws-measure-keys' },
      { name: 'title', label: 'Titel', kind: 'text' },
      { name: 'plannedDate', label: 'Geplant am', kind: 'date' },
      { name: 'plannedQuarter', label: 'oder geplant im Quartal (z. B. 2025-Q3)', kind: 'text' },
      { name: 'actualDate', label: 'Erreicht am', kind: 'date' },
      { name: 'reached', label: 'erreicht', kind: 'checkbox' },
    ],
  },
  {
    id: 'status-report',
    title: 'Sachstandsbericht',
    mutation: 'saveStatusReport',
    recordType: 'STATUS_REPORT',
    keyPrefix: 'bericht:',
    example: false,
    fields: [
      { name: 'measureKey', label: 'Maßnahme (Schlüssel)', kind: 'text', list: 'ws-measure-keys' },
      { name: 'reportedBy', label: 'Berichtet von', kind: 'text' },
      { name: 'reportedAt', label: 'Berichtet am', kind: 'datetime' },
      { name: 'progressPercent', label: 'Fortschritt (%)', kind: 'number' },
      { name: 'trafficLight', label: 'Ampel', kind: 'select', options: ['', 'green', 'yellow', 'red'] },
      { name: 'narrative', label: 'Sachstand', kind: 'textarea' },
    ],
  },
];

const statusLabels = /** @type {Record<string, string>} */ ({
  draft: 'Entwurf',
  adopted: 'beschlossen',
  achieved: 'erreicht',
  missed: 'verfehlt',
  revised: 'überarbeitet',
  retired: 'aufgehoben',
  proposed: 'vorgeschlagen',
  decided: 'beschlossen',
  in_progress: 'in Umsetzung',
  completed: 'abgeschlossen',
  cancelled: 'abgebrochen',
  '': '–',
  green: 'grün',
  yellow: 'gelb',
  red: 'rot',
  increase: 'steigen',
  decrease: 'sinken',
});

const lightLabel = (/** @type {string} */ l) => statusLabels[l] ?? l;

/** @param {string} form @param {string} field */
const inputId = (form, field) => `ws-${form}-${field}`;

/** @param {FormSpec} f @param {FieldSpec} s */
function fieldHtml(f, s) {
  const id = inputId(f.id, s.name);
  const list = s.list ? ` list="${s.list}"` : '';
  let control;
  switch (s.kind) {
    case 'textarea':
      control = `<textarea id="${id}" name="${s.name}" rows="2"></textarea>`;
      break;
    case 'select':
      control = `<select id="${id}" name="${s.name}">${(s.options ?? []).map((o) => `<option value="${o}">${escapeHtml(statusLabels[o] ?? o)}</option>`).join('')}</select>`;
      break;
    case 'checkbox':
      control = `<input type="checkbox" id="${id}" name="${s.name}">`;
      break;
    case 'area':
      control = `<span class="ws-inline"><select id="${id}-level" name="areaLevel" aria-label="Gebietsebene"><option value="STADTTEIL">Stadtteil</option><option value="SOZIALRAUM">Sozialraum</option><option value="STADTBEZIRK">Stadtbezirk</option><option value="STADTVIERTEL">Stadtviertel</option><option value="STADT">Stadt</option></select><input id="${id}" name="areaCode" placeholder="Code, z. B. 609" aria-label="Gebietscode"></span>`;
      break;
    case 'budget':
      control = `<span class="ws-inline"><input id="${id}" name="budgetYear" type="number" placeholder="Jahr" aria-label="Haushaltsjahr"><input id="${id}-planned" name="budgetPlanned" type="number" step="any" placeholder="geplant (€)" aria-label="Budget geplant"><input id="${id}-spent" name="budgetSpent" type="number" step="any" placeholder="ausgegeben (€)" aria-label="Budget ausgegeben"><input id="${id}-approved" name="budgetApproved" type="number" step="any" placeholder="bewilligt (€)" aria-label="Budget bewilligt"></span>`;
      break;
    case 'target':
      control = `<span class="ws-inline"><select id="${id}-level" name="targetLevel" aria-label="Gebietsebene des Zielwerts"><option value="STADTTEIL">Stadtteil</option><option value="SOZIALRAUM">Sozialraum</option><option value="STADTBEZIRK">Stadtbezirk</option><option value="STADTVIERTEL">Stadtviertel</option><option value="STADT">Stadt</option></select><input id="${id}" name="targetCode" placeholder="Code" aria-label="Gebietscode des Zielwerts"><input id="${id}-year" name="targetYear" type="number" placeholder="Jahr" aria-label="Jahr des Zielwerts"><input id="${id}-value" name="targetValueAt" type="number" step="any" placeholder="Wert" aria-label="Zielwert im Gebiet"></span>`;
      break;
    default: {
      const type = s.kind === 'number' ? 'number" step="any' : s.kind === 'date' ? 'date' : 'text';
      control = `<input id="${id}" name="${s.name}" type="${type}"${list}>`;
    }
  }
  return `<div class="field ws-field" data-field="${s.name}"><label for="${id}">${escapeHtml(s.label)}</label>${control}<p class="ws-field-error" id="${id}-error" hidden></p></div>`;
}

/** @param {FormSpec} f */
function formHtml(f) {
  return `<form class="ws-form" id="ws-form-${f.id}" data-form="${f.id}" novalidate>
    <h3>${escapeHtml(f.title)}</h3>
    <div class="field ws-field" data-field="key"><label for="${inputId(f.id, 'key')}">Schlüssel (leer: aus dem Titel)</label><input id="${inputId(f.id, 'key')}" name="key"><p class="ws-field-error" id="${inputId(f.id, 'key')}-error" hidden></p></div>
    <div class="field ws-field" data-field="version"><label for="${inputId(f.id, 'version')}">Version</label><input id="${inputId(f.id, 'version')}" name="version" type="number" value="1" min="1"><p class="ws-field-error" id="${inputId(f.id, 'version')}-error" hidden></p></div>
    ${f.fields.map((s) => fieldHtml(f, s)).join('')}
    <div class="ws-actions"><button type="submit" class="button">Speichern</button><button type="button" class="button ws-new">Neu</button></div>
    <p class="ws-form-message" id="ws-${f.id}-message" role="status" aria-live="polite"></p>
  </form>`;
}

/** @param {string} s */
const slug = (s) =>
  s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ß/g, 'ss')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);

/**
 * The record a form holds, as the mutation's input: what is left empty stays out, so the domain
 * says at the field what is missing.
 * @param {FormSpec} f
 * @param {HTMLFormElement} form
 */
function inputOf(f, form) {
  const v = (/** @type {string} */ name) => /** @type {HTMLInputElement | null} */ (form.elements.namedItem(name))?.value.trim() ?? '';
  /** @type {Record<string, unknown>} */
  const input = {};
  const title = v('title');
  input.key = v('key') || (title ? `${f.keyPrefix}${slug(title)}` : undefined);
  input.version = v('version') === '' ? undefined : Number(v('version'));
  for (const s of f.fields) {
    switch (s.kind) {
      case 'checkbox':
        input[s.name] = /** @type {HTMLInputElement} */ (form.elements.namedItem(s.name)).checked;
        break;
      case 'list':
        input[s.name] = v(s.name)
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean);
        break;
      case 'number':
        if (v(s.name) !== '') input[s.name] = Number(v(s.name));
        break;
      case 'area':
        input.areas = v('areaCode') ? [{ level: v('areaLevel'), code: v('areaCode') }] : [];
        break;
      case 'budget':
        input.budget = v('budgetYear')
          ? [
              {
                year: Number(v('budgetYear')),
                planned: Number(v('budgetPlanned') || 0),
                spent: Number(v('budgetSpent') || 0),
                ...(v('budgetApproved') !== '' ? { approved: Number(v('budgetApproved')) } : {}),
              },
            ]
          : [];
        break;
      case 'target':
        input.targets = v('targetCode') ? [{ area: { level: v('targetLevel'), code: v('targetCode') }, year: Number(v('targetYear')), value: Number(v('targetValueAt')) }] : [];
        break;
      case 'datetime':
        input[s.name] = v(s.name) || new Date().toISOString();
        break;
      default:
        if (v(s.name) !== '') input[s.name] = v(s.name);
    }
  }
  if (f.example) input.example = false;
  return input;
}

/** @param {HTMLFormElement} form */
function clearErrors(form) {
  for (const p of form.querySelectorAll('.ws-field-error')) {
    p.textContent = '';
    /** @type {HTMLElement} */ (p).hidden = true;
  }
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

/**
 * Shows each error at its field ("goalKeys[0]" at goalKeys, "areas[0].code" at areas); errors of
 * the record as a whole, or of a field the form does not have, in the form's message.
 * @param {FormSpec} f
 * @param {HTMLFormElement} form
 * @param {FieldError[]} errors
 */
function showErrors(f, form, errors) {
  /** @type {string[]} */
  const general = [];
  for (const e of errors) {
    const base = e.field?.split(/[.[]/)[0] ?? '';
    const box = base ? /** @type {HTMLElement | null} */ (form.querySelector(`.ws-field[data-field="${base}"]`)) : null;
    const text = `${e.message} – erlaubt: ${e.accepted}`;
    if (!box) {
      general.push(`${e.field ? `${e.field}: ` : ''}${text}`);
      continue;
    }
    const p = /** @type {HTMLElement} */ (box.querySelector('.ws-field-error'));
    p.textContent = p.textContent ? `${p.textContent} ${text}` : text;
    p.hidden = false;
    box.querySelector('input, select, textarea')?.setAttribute('aria-invalid', 'true');
  }
  const msg = $(`ws-${f.id}-message`);
  msg.className = 'ws-form-message error';
  msg.textContent = `Nicht gespeichert: ${errors.length} Fehler${general.length ? ` – ${general.join(' ')}` : ''}. Nichts wurde geändert.`;
}

/**
 * One save as the signed-in person.
 * @param {FormSpec['mutation']} mutation
 * @param {Record<string, unknown>} input
 * @returns {Promise<PlanningSave>}
 */
async function send(mutation, input) {
  switch (mutation) {
    case 'saveGoal':
      return (await gql(q.saveGoal, { input }, authFor())).saveGoal;
    case 'saveMeasure':
      return (await gql(q.saveMeasure, { input }, authFor())).saveMeasure;
    case 'saveMilestone':
      return (await gql(q.saveMilestone, { input }, authFor())).saveMilestone;
    case 'saveStatusReport':
      return (await gql(q.saveStatusReport, { input }, authFor())).saveStatusReport;
  }
}

/**
 * @param {FormSpec} f
 * @param {HTMLFormElement} form
 */
async function save(f, form) {
  clearErrors(form);
  const msg = $(`ws-${f.id}-message`);
  msg.className = 'ws-form-message';
  msg.textContent = 'Speichere …';
  const input = inputOf(f, form);
  try {
    const result = await send(f.mutation, input);
    if (!result.saved) {
      showErrors(f, form, result.errors);
      return;
    }
    msg.className = 'ws-form-message ok';
    msg.textContent = `Gespeichert: ${result.key}, Version ${result.version}${result.unchanged ? ' (unverändert)' : ''}, von ${result.author}.`;
    $input(inputId(f.id, 'key')).value = result.key ?? '';
    $input(inputId(f.id, 'version')).value = String((result.version ?? 0) + 1);
    form.dataset.savedKey = result.key ?? '';
    form.dataset.savedVersion = String(result.version ?? '');
    void afterSave(f.recordType, result.key ?? '', result.version ?? 0);
  } catch (e) {
    msg.className = 'ws-form-message error';
    msg.textContent = e instanceof ApiError && e.code === 'FORBIDDEN' ? `Nicht erlaubt: ${e.message}` : `Nicht gespeichert: ${describeError(e)}`;
  }
}

/** Shows the saved item's history and the controlling table once the read model has the version. */
async function afterSave(/** @type {string} */ recordType, /** @type {string} */ key, /** @type {number} */ version) {
  $select('ws-history-type').value = recordType;
  $input('ws-history-key').value = key;
  for (let i = 0; i < 50; i++) {
    const shown = await showHistory();
    if (shown.some((c) => c.key === key && c.version === version)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await loadGoals();
  await loadControlling();
}

// ---- history -----------------------------------------------------------------------------------

async function showHistory() {
  const out = $('ws-history-result');
  const key = $input('ws-history-key').value.trim();
  if (!key) {
    out.textContent = 'Bitte einen Schlüssel angeben.';
    return [];
  }
  try {
    const { planningChanges } = await gql(q.changes, { recordType: $select('ws-history-type').value, key }, authFor());
    out.innerHTML = planningChanges.length
      ? `<table class="ws-table" id="ws-history-table"><caption>Wer hat was wann geändert (${escapeHtml(key)})</caption>
        <thead><tr><th scope="col">Zeitpunkt</th><th scope="col">Wer</th><th scope="col">Datensatz</th><th scope="col">Version</th><th scope="col">Änderung</th></tr></thead>
        <tbody>${planningChanges
          .map(
            (c) =>
              `<tr><td>${escapeHtml(new Date(c.at).toLocaleString('de-DE'))}</td><td>${escapeHtml(c.actor)}</td><td><code>${escapeHtml(c.key)}</code></td><td class="num">${c.version}</td><td>${escapeHtml(c.eventType)}</td></tr>`,
          )
          .join('')}</tbody></table>`
      : '<p>Keine Änderungen sichtbar (noch nicht verarbeitet, oder nicht für diese Rolle).</p>';
    return planningChanges;
  } catch (e) {
    out.textContent = `Fehler: ${describeError(e)}`;
    return [];
  }
}

// ---- controlling -------------------------------------------------------------------------------

/** @type {WorkspaceMeasure[]} */
let measures = [];

async function loadGoals() {
  try {
    const { goals } = await gql(q.goals, {}, authFor());
    $('ws-goal-keys').innerHTML = goals.edges.map((e) => `<option value="${escapeHtml(e.node.key)}">${escapeHtml(e.node.title)}</option>`).join('');
  } catch {
    // the list only suggests keys
  }
}

/** @param {number | null} days */
const slippage = (days) => (days == null ? '–' : days > 0 ? `<span class="ws-late">${days} Tage Verzug</span>` : days < 0 ? `${-days} Tage früher` : 'pünktlich');

/** @param {number} v */
const euro = (v) => v.toLocaleString('de-DE', { style: 'currency', currency: 'EUR', maximumFractionDigits: 0 });

/** @param {WorkspaceMeasure[]} list */
function controllingHtml(list) {
  if (!list.length) return '<p>Keine Maßnahmen für diese Auswahl.</p>';
  // per Amt: how many measures in each light, milestones overdue, budget use
  /** @type {Map<string, { n: number, red: number, yellow: number, green: number, overdue: number, planned: number, spent: number }>} */
  const byAmt = new Map();
  for (const m of list) {
    const s = byAmt.get(m.leadAmt) ?? { n: 0, red: 0, yellow: 0, green: 0, overdue: 0, planned: 0, spent: 0 };
    const light = /** @type {'red' | 'yellow' | 'green'} */ (m.controlling?.trafficLight ?? 'green');
    s.n++;
    s[light]++;
    s.overdue += m.controlling?.milestonesOverdue ?? 0;
    s.planned += m.controlling?.budgetPlanned ?? 0;
    s.spent += m.controlling?.budgetSpent ?? 0;
    byAmt.set(m.leadAmt, s);
  }
  const summary = `<table class="ws-table" id="ws-controlling-summary"><caption>Je Amt</caption>
    <thead><tr><th scope="col">Amt</th><th scope="col">Maßnahmen</th><th scope="col">rot</th><th scope="col">gelb</th><th scope="col">grün</th><th scope="col">Meilensteine überfällig</th><th scope="col">Budget geplant</th><th scope="col">ausgegeben</th></tr></thead>
    <tbody>${[...byAmt]
      .map(
        ([amt, s]) =>
          `<tr><td>${escapeHtml(amt)}</td><td class="num">${s.n}</td><td class="num">${s.red}</td><td class="num">${s.yellow}</td><td class="num">${s.green}</td><td class="num">${s.overdue}</td><td class="num">${euro(s.planned)}</td><td class="num">${euro(s.spent)}${s.planned ? ` (${Math.round((s.spent / s.planned) * 100)} %)` : ''}</td></tr>`,
      )
      .join('')}</tbody></table>`;
  const rows = list
    .map((m) => {
      const c = m.controlling;
      const head = `<tr class="ws-measure" data-key="${escapeHtml(m.key)}"><td><span class="ws-light ws-light-${escapeHtml(c?.trafficLight ?? 'none')}">${escapeHtml(lightLabel(c?.trafficLight ?? ''))}</span></td>
        <th scope="row">${escapeHtml(m.title)}<br><code>${escapeHtml(m.key)}</code> v${m.version}</th><td>${escapeHtml(m.leadAmt)}</td><td>${escapeHtml(m.areas.map((a) => a.name).join(', '))}</td>
        <td>${formatDate(m.plannedStart)} – ${formatDate(m.plannedEnd)}</td><td>${m.actualStart ? formatDate(m.actualStart) : '–'} – ${m.actualEnd ? formatDate(m.actualEnd) : '…'}</td>
        <td class="num">${c ? `${euro(c.budgetSpent)} / ${euro(c.budgetPlanned)}${c.budgetUse != null ? ` (${Math.round(c.budgetUse * 100)} %)` : ''}${c.budgetApproved != null ? `<br>bewilligt ${euro(c.budgetApproved)}${c.approvedBudgetUse != null ? ` (${Math.round(c.approvedBudgetUse * 100)} % verwendet)` : ''}` : ''}` : '–'}</td>
        <td class="num">${c ? `${c.milestonesOverdue} von ${c.milestonesDue}` : '–'}</td></tr>`;
      const ms = m.milestones
        .map(
          (
            s,
          ) => `<tr class="ws-milestone" data-key="${escapeHtml(s.key)}"><td></td><td>↳ ${escapeHtml(s.title)} <code>${escapeHtml(s.key)}</code></td><td colspan="2">Plan: ${s.plannedBy ? formatDate(s.plannedBy) : '–'}</td>
          <td>Ist: ${s.actualDate ? formatDate(s.actualDate) : s.reached ? 'erreicht' : 'offen'}</td><td class="ws-slippage">${slippage(s.slippageDays)}</td>
          <td colspan="2"><button type="button" class="button ws-record-actual" data-key="${escapeHtml(s.key)}">Ist-Datum erfassen</button></td></tr>`,
        )
        .join('');
      return head + ms;
    })
    .join('');
  return `${summary}<table class="ws-table" id="ws-controlling-table"><caption>Maßnahmen: Plan und Ist</caption>
    <thead><tr><th scope="col">Ampel</th><th scope="col">Maßnahme</th><th scope="col">Amt</th><th scope="col">Gebiete</th><th scope="col">Plan</th><th scope="col">Ist</th><th scope="col">Budget (ausgegeben / geplant)</th><th scope="col">Meilensteine überfällig</th></tr></thead>
    <tbody>${rows}</tbody></table>`;
}

async function loadControlling() {
  const out = $('ws-controlling-result');
  const amt = $input('ws-filter-amt').value.trim() || null;
  const code = $input('ws-filter-area').value.trim();
  const area = code ? { level: $select('ws-filter-level').value, code } : null;
  try {
    /** @type {WorkspaceMeasure[]} */
    const all = [];
    /** @type {string | null} */
    let after = null;
    // pages of 3 keep each request under the gateway's cost limit (5 measures with their areas,
    // milestones and controlling cost 7122 of 5000)
    for (let page = 0; page < 60; page++) {
      /** @type {import('./workspace.api.js').WorkspaceMeasuresPage} */
      const data = await gql(q.measures, { amt, area, first: 3, after }, authFor());
      all.push(...data.measures.edges.map((e) => e.node));
      if (!data.measures.pageInfo.hasNextPage) break;
      after = data.measures.pageInfo.endCursor;
    }
    measures = all;
    $('ws-measure-keys').innerHTML = all.map((m) => `<option value="${escapeHtml(m.key)}">${escapeHtml(m.title)}</option>`).join('');
    out.innerHTML = controllingHtml(all);
  } catch (e) {
    out.textContent = `Fehler: ${describeError(e)}`;
  }
}

/** Fills the milestone form with a milestone's next version, to record its actual date. */
function editMilestone(/** @type {string} */ key) {
  for (const m of measures) {
    const s = m.milestones.find((x) => x.key === key);
    if (!s) continue;
    const set = (/** @type {string} */ field, /** @type {string} */ value) => {
      $input(inputId('milestone', field)).value = value;
    };
    set('key', s.key);
    set('version', String(s.version + 1));
    set('measureKey', m.key);
    set('title', s.title);
    set('plannedDate', s.plannedDate ?? '');
    set('plannedQuarter', s.plannedQuarter ?? '');
    set('actualDate', s.actualDate ?? new Date().toISOString().slice(0, 10));
    $input(inputId('milestone', 'reached')).checked = true;
    $input(inputId('milestone', 'actualDate')).focus();
    return;
  }
}

// ---- sign-in -------------------------------------------------------------------------------------

function showIdentity() {
  const who = identity();
  $('ws-identity').textContent = who ? `Angemeldet: ${describeIdentity(who)}` : 'Nicht angemeldet: nur Lesen öffentlicher Ziele und Maßnahmen.';
  $('ws-signout').hidden = !who;
  if (who?.role === 'amt' && !$input('ws-filter-amt').value) $input('ws-filter-amt').value = who.amt ?? '';
}

/** @type {View} */
export const workspaceView = {
  bind() {
    $('ws-forms').innerHTML = forms.map(formHtml).join('');
    for (const f of forms) {
      const form = /** @type {HTMLFormElement} */ ($(`ws-form-${f.id}`));
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        void save(f, form);
      });
      form.querySelector('.ws-new')?.addEventListener('click', () => {
        form.reset();
        clearErrors(form);
        $(`ws-${f.id}-message`).textContent = '';
      });
    }
    $('ws-signin-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const who = signIn($input('ws-token').value);
      $input('ws-token').value = '';
      if (!who) $('ws-identity').textContent = 'Das ist kein lesbares Token.';
    });
    $('ws-signout').addEventListener('click', () => signOut());
    onIdentityChange(() => {
      showIdentity();
      void loadGoals();
      void loadControlling();
    });
    $('ws-history-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void showHistory();
    });
    $('ws-controlling-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void loadControlling();
    });
    $('ws-controlling-result').addEventListener('click', (e) => {
      const button = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (e.target).closest('.ws-record-actual'));
      if (button?.dataset.key) editMilestone(button.dataset.key);
    });
    showIdentity();
  },
};
