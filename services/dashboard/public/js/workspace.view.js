// @ts-check
// Planungswerkstatt: goals, measures, milestones and status reports made in the browser. Every form
// saves through a GraphQL mutation, i.e. through the ingestion path an Amt's feed takes; what the
// domain refuses comes back per field and is shown at that field, in the domain's words. Beside the
// forms: the history of an item (who changed what, when), the controlling table per Amt or area
// (traffic light, planned vs actual, milestones overdue, budget use) and a goal's target values per
// area and year against the published figures (gap, on track). Who is signed in is
// identity.js's business only (a token today, OpenID Connect sign-in later).
import { ApiError, describeError, gql } from './api.js';
import { $, $input, $select } from './dom.js';
import { escapeHtml, formatDate, formatNumber, formatValue, unitLabel } from './format.js';
import { authFor, describeIdentity, identity, onIdentityChange, signIn, signOut } from './identity.js';
import { meta } from './state.js';
import { workspaceQueries as q } from './workspace.api.js';

/** @import { View } from './view.js' */
/** @import { FieldError, PlanningSave, WorkspaceGoalDetail, WorkspaceGoalTarget, WorkspaceMeasure } from './workspace.api.js' */

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
      { name: 'areas', label: 'Gebiete', kind: 'area' },
      { name: 'targetGroups', label: 'Zielgruppen (Codes, durch Komma getrennt)', kind: 'list' },
      { name: 'indicator', label: 'Zielindikator (Code)', kind: 'text', list: 'ws-indicator-codes' },
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
      { name: 'areas', label: 'Gebiete', kind: 'area' },
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
  // the controlling's light of a measure proposed or cancelled
  grey: 'ohne Bewertung',
  increase: 'steigen',
  decrease: 'sinken',
});

const lightLabel = (/** @type {string} */ l) => statusLabels[l] ?? l;

/** @param {string} form @param {string} field */
const inputId = (form, field) => `ws-${form}-${field}`;

/** The goal form's id (forms[0]): „Soll und Ist“ loads goals into it. */
const goalFormId = 'goal';

/** Until the API's area levels are known (meta.levels): no city's levels, a placeholder. */
const levelsLoading = [['', 'Ebenen werden geladen …']];

/** The options of a target line's level: the tenant's levels with the API's labels; `selected` kept even when unknown. */
function levelOptionsHtml(/** @type {string} */ level = '') {
  // a fresh line starts at the basis level (the finest the statistics are delivered for, e.g. Stadtteil)
  const selected = level || (meta.levels.find((l) => l.basis)?.name ?? '');
  const choices = meta.levels.length ? meta.levels.map((l) => [l.name, l.label]) : [...levelsLoading];
  if (selected && !choices.some(([v]) => v === selected)) choices.push([selected, selected]);
  return choices.map(([v, l]) => `<option value="${escapeHtml(v ?? '')}"${v === selected ? ' selected' : ''}>${escapeHtml(l ?? '')}</option>`).join('');
}

/**
 * The areas typed into an area field: codes separated by commas (or blanks) at the chosen level; a
 * code written LEVEL:code is at that level. "609, 610, SOZIALRAUM:5" → 609 and 610 at `level`, 5 a
 * Sozialraum.
 */
export function areasOf(/** @type {string} */ text, /** @type {string} */ level) {
  return text
    .split(/[,;\s]+/)
    .filter(Boolean)
    .map((token) => {
      const at = token.indexOf(':');
      return at > 0 ? { level: token.slice(0, at).toUpperCase(), code: token.slice(at + 1) } : { level, code: token };
    });
}

/** A goal's areas as the area field shows them: the first area's level is the field's, the others' codes carry theirs. */
export function areasText(/** @type {{ level: string, code: string }[]} */ areas) {
  const level = areas[0]?.level;
  return areas.map((a) => (a.level === level ? a.code : `${a.level}:${a.code}`)).join(', ');
}

/**
 * One budget line of the measure form: year, planned, spent, approved. The first line's ids are
 * ws-measure-budget(-planned|-spent|-approved), line i's ws-measure-budget-<i>(-planned|…).
 */
function budgetLineHtml(/** @type {string} */ id, /** @type {string} */ suffix) {
  const lid = suffix ? `${id}-${suffix}` : id;
  const line = suffix ? `, Zeile ${Number(suffix) + 1}` : '';
  return `<span class="ws-inline ws-budget-line"><input id="${lid}" name="budgetYear" type="number" placeholder="Jahr" aria-label="Haushaltsjahr${line}"><input id="${lid}-planned" name="budgetPlanned" type="number" step="any" placeholder="geplant (€)" aria-label="Budget geplant${line}"><input id="${lid}-spent" name="budgetSpent" type="number" step="any" placeholder="ausgegeben (€)" aria-label="Budget ausgegeben${line}"><input id="${lid}-approved" name="budgetApproved" type="number" step="any" placeholder="bewilligt (€)" aria-label="Budget bewilligt${line}"></span>`;
}

/** The budget lines of a form with a year, in their order. */
function budgetOf(/** @type {HTMLFormElement} */ form) {
  return [...form.querySelectorAll('.ws-budget-line')].flatMap((line) => {
    const v = (/** @type {string} */ name) => /** @type {HTMLInputElement} */ (line.querySelector(`input[name="${name}"]`)).value.trim();
    if (!v('budgetYear')) return [];
    return [
      {
        year: Number(v('budgetYear')),
        planned: Number(v('budgetPlanned') || 0),
        spent: Number(v('budgetSpent') || 0),
        ...(v('budgetApproved') !== '' ? { approved: Number(v('budgetApproved')) } : {}),
      },
    ];
  });
}

/** A level select drawn before the API's levels were known, with no level of its own: it starts at the basis level once they are. */
const freshLevel = (/** @type {string} */ level) => (!level && !meta.levels.length ? ' data-fresh="1"' : '');

/** The ids of line i's controls in the target table: ws-goal-targets-<i>-level|code|year|value. */
const targetId = (/** @type {string} */ form, /** @type {number} */ i, /** @type {'level' | 'code' | 'year' | 'value'} */ column) => `ws-${form}-targets-${i}-${column}`;

/** One line of the target table (area level and code, year, value), numbered from 1 for the labels. */
function targetRowHtml(/** @type {string} */ form, /** @type {number} */ i, /** @type {string} */ level = '') {
  const n = i + 1;
  const err = `ws-${form}-targets-error`;
  return `<tr class="ws-target-row" data-row="${i}">
    <td><select id="${targetId(form, i, 'level')}" name="targetLevel" aria-label="Gebietsebene, Zeile ${n}"${freshLevel(level)}>${levelOptionsHtml(level)}</select></td>
    <td><input id="${targetId(form, i, 'code')}" name="targetCode" placeholder="z. B. 609" aria-label="Gebietscode, Zeile ${n}" aria-describedby="${err}"></td>
    <td><input id="${targetId(form, i, 'year')}" name="targetYear" inputmode="numeric" placeholder="Jahr" aria-label="Jahr, Zeile ${n}" aria-describedby="${err}"></td>
    <td><input id="${targetId(form, i, 'value')}" name="targetValueAt" inputmode="decimal" placeholder="Wert" aria-label="Zielwert, Zeile ${n}" aria-describedby="${err}"></td>
    <td><button type="button" class="button ws-target-remove" aria-label="Zeile ${n} entfernen">✕</button></td></tr>`;
}

/** @param {FormSpec} f @param {FieldSpec} s */
function targetsFieldHtml(f, s) {
  return `<fieldset class="ws-field ws-targets" data-field="${s.name}"><legend>${escapeHtml(s.label)}</legend>
    <table class="ws-table ws-target-table" id="ws-${f.id}-targets-table">
      <thead><tr><th scope="col">Ebene</th><th scope="col">Gebiet (Code)</th><th scope="col">Jahr</th><th scope="col">Zielwert</th><th scope="col"><span class="visually-hidden">Entfernen</span></th></tr></thead>
      <tbody>${targetRowHtml(f.id, 0)}</tbody>
    </table>
    <button type="button" class="button ws-target-add" id="ws-${f.id}-targets-add">Zeile hinzufügen</button>
    <p class="ws-field-error" id="ws-${f.id}-targets-error" hidden></p></fieldset>`;
}

/** Renumbers the target table's lines (ids, labels) after one was added or removed; keeps what was typed. */
function renumberTargets(/** @type {HTMLFormElement} */ form, /** @type {string} */ formId) {
  form.querySelectorAll('tr.ws-target-row').forEach((tr, i) => {
    const row = /** @type {HTMLTableRowElement} */ (tr);
    /** @type {Record<string, string>} */
    const values = {};
    for (const el of row.querySelectorAll('input, select')) values[/** @type {HTMLInputElement} */ (el).name] = /** @type {HTMLInputElement} */ (el).value;
    row.outerHTML = targetRowHtml(formId, i, values.targetLevel ?? '');
    const fresh = /** @type {HTMLTableRowElement} */ (form.querySelectorAll('tr.ws-target-row')[i]);
    for (const el of fresh.querySelectorAll('input, select')) /** @type {HTMLInputElement} */ (el).value = values[/** @type {HTMLInputElement} */ (el).name] ?? '';
  });
}

/** Back to one empty line (the form's „Neu“). */
function resetTargets(/** @type {HTMLFormElement} */ form, /** @type {string} */ formId) {
  const body = form.querySelector('.ws-target-table tbody');
  if (body) body.innerHTML = targetRowHtml(formId, 0);
}

/**
 * A number as typed, German or not ("12,5", "12.5", "13500"); undefined when empty or not a number,
 * so the field stays out of the record and the domain says at the field what it needs.
 * @param {string} text
 * @param {boolean} integer
 */
function numberOf(text, integer) {
  const compact = text.trim().replace(/\s/g, '');
  // "13.500" and "13.500,5" are German thousands; otherwise a comma is the decimal point
  const t = /^[-+]?\d{1,3}(\.\d{3})+(,\d+)?$/.test(compact) ? compact.replace(/\./g, '').replace(',', '.') : compact.replace(',', '.');
  if (t === '' || !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) return undefined;
  const n = Number(t);
  if (!Number.isFinite(n)) return undefined;
  // GraphQL's Int holds 32 bits: a year beyond it cannot be sent, the domain says what a year is
  if (integer && (!Number.isInteger(n) || Math.abs(n) > 2_147_483_647)) return undefined;
  return n;
}

/** The target table's lines as the mutation's `targets`; lines left wholly empty are skipped. */
function targetsOf(/** @type {HTMLFormElement} */ form) {
  /** @type {Record<string, unknown>[]} */
  const out = [];
  for (const tr of form.querySelectorAll('tr.ws-target-row')) {
    const get = (/** @type {string} */ name) => /** @type {HTMLInputElement} */ (tr.querySelector(`[name="${name}"]`)).value.trim();
    const code = get('targetCode');
    const year = get('targetYear');
    const value = get('targetValueAt');
    if (!code && !year && !value) continue;
    const y = numberOf(year, true);
    const v = numberOf(value, false);
    out.push({ area: { level: get('targetLevel'), ...(code ? { code } : {}) }, ...(y !== undefined ? { year: y } : {}), ...(v !== undefined ? { value: v } : {}) });
  }
  return out;
}

/** What the line holds that targetsOf sent: its index among the non-empty lines → the table row. */
function targetRowsSent(/** @type {HTMLFormElement} */ form) {
  return [...form.querySelectorAll('tr.ws-target-row')].filter((tr) => [...tr.querySelectorAll('input')].some((el) => /** @type {HTMLInputElement} */ (el).value.trim() !== ''));
}

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
      // the tenant's levels (levelOptionsHtml); several areas: codes separated by commas, an area of
      // another level as LEVEL:code (e.g. "609, 610, SOZIALRAUM:5")
      control = `<span class="ws-inline"><select id="${id}-level" name="areaLevel" aria-label="Gebietsebene"${freshLevel('')}>${levelOptionsHtml()}</select><input id="${id}" name="areaCode" placeholder="Code(s), z. B. 609, 610" aria-label="Gebietscodes, mehrere durch Komma getrennt"></span>`;
      break;
    case 'budget':
      // one line per budget year; „Weiteres Haushaltsjahr“ adds one (budgetLineHtml), every line with a year is saved
      control = `${budgetLineHtml(id, '')}<div class="ws-budget-more" id="${id}-more"></div><button type="button" class="button ws-budget-add" id="${id}-add">Weiteres Haushaltsjahr</button>`;
      break;
    case 'target':
      // a small editable table, one line per area and year; fieldset and legend name it, each
      // control says its line (targetRowHtml); errors of targets[i].… land in its error paragraph
      return targetsFieldHtml(f, s);
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
        input.areas = areasOf(v('areaCode'), v('areaLevel'));
        break;
      case 'budget':
        input.budget = budgetOf(form);
        break;
      case 'target':
        input.targets = targetsOf(form);
        break;
      case 'datetime':
        input[s.name] = v(s.name) || new Date().toISOString();
        break;
      default:
        if (v(s.name) !== '') input[s.name] = v(s.name);
    }
  }
  if (f.example) input.example = false;
  // a goal loaded for editing keeps what the form has no control for (its adoption, the example flag)
  if (form.dataset.carry) Object.assign(input, JSON.parse(form.dataset.carry));
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
  const targetRows = targetRowsSent(form);
  for (const e of errors) {
    const base = e.field?.split(/[.[]/)[0] ?? '';
    const box = base ? /** @type {HTMLElement | null} */ (form.querySelector(`.ws-field[data-field="${base}"]`)) : null;
    let text = `${e.message} – erlaubt: ${e.accepted}`;
    if (!box) {
      general.push(`${e.field ? `${e.field}: ` : ''}${text}`);
      continue;
    }
    /** @type {Element | null | undefined} */
    let control = box.querySelector('input, select, textarea');
    // targets[i].year → line i+1's year: the message says which line and column, the control is marked
    const target = /^targets\[(\d+)\](?:\.(area\.level|area\.code|area|year|value))?/.exec(e.field ?? '');
    if (target) {
      const row = targetRows[Number(target[1])];
      const column = target[2] === 'area.level' ? 'targetLevel' : target[2] === 'year' ? 'targetYear' : target[2] === 'value' ? 'targetValueAt' : 'targetCode';
      const label = { targetLevel: 'Ebene', targetCode: 'Gebiet', targetYear: 'Jahr', targetValueAt: 'Zielwert' }[column];
      control = row?.querySelector(`[name="${column}"]`) ?? control;
      const typed = /** @type {HTMLInputElement | null | undefined} */ (control)?.value.trim() ?? '';
      // a typed text that is no number was left out of the record: the domain calls the field missing
      const numeric = column === 'targetYear' || column === 'targetValueAt';
      const shown = numeric && typed && numberOf(typed, column === 'targetYear') === undefined ? ` („${typed}“ ist ${column === 'targetYear' ? 'kein ganzzahliges Jahr' : 'keine Zahl'})` : '';
      text = `Zeile ${Number(target[1]) + 1}, ${label}${shown}: ${text}`;
    }
    const p = /** @type {HTMLElement} */ (box.querySelector('.ws-field-error'));
    p.textContent = p.textContent ? `${p.textContent} ${text}` : text;
    p.hidden = false;
    control?.setAttribute('aria-invalid', 'true');
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
  if (recordType === 'GOAL') await showGoalUntil(key, version);
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

// ---- a goal's targets: planned vs actual per area and year --------------------------------------

/** A signed difference in the indicator's unit; a share's difference is in percentage points. */
function gapText(/** @type {number | null} */ gap, /** @type {string | undefined} */ unit) {
  if (gap == null) return '–';
  const sign = gap > 0 ? '+' : gap < 0 ? '−' : '±';
  const label = unitLabel(unit);
  const u = label === '%' ? ' Prozentpunkte' : label === '‰' ? ' Promillepunkte' : label ? ` ${label}` : '';
  return `${sign}${formatNumber(Math.abs(gap))}${u}`;
}

/** The traffic light of one target: on track (green), not (red), no judgement (grey) with why. */
function targetLight(/** @type {WorkspaceGoalTarget} */ t) {
  if (t.onTrack === true) return '<span class="ws-light ws-light-green">erreicht</span>';
  if (t.onTrack === false) return '<span class="ws-light ws-light-red">nicht erreicht</span>';
  const why = t.actualValue == null ? (t.actual?.suppressed ? 'Wert geschützt' : 'kein Ist-Wert') : 'keine Richtung';
  return `<span class="ws-light ws-light-none">kein Urteil (${why})</span>`;
}

/** The actual figure as the API gave it to this viewer, with the period it is of and how it is protected. */
function actualText(/** @type {WorkspaceGoalTarget} */ t, /** @type {string | undefined} */ unit) {
  if (!t.actualPeriod) return `kein Wert bis ${t.year}`;
  if (t.actualValue == null) return `${t.actual?.suppressed ? 'geschützt (zu kleine Zahl)' : 'kein Wert'} <span class="ws-period">(Stand ${escapeHtml(t.actualPeriod)})</span>`;
  const note = t.actual?.perturbed ? ' <span class="ws-note">geschützt: aus überlagerten Zahlen</span>' : '';
  return `${formatValue(t.actualValue, unit)} <span class="ws-period">(Stand ${escapeHtml(t.actualPeriod)})</span>${note}`;
}

/** @param {WorkspaceGoalDetail} g */
function goalDetailHtml(g) {
  const unit = g.indicator?.unit;
  const indicator = g.indicator
    ? `${escapeHtml(g.indicator.name)} (<code>${escapeHtml(g.indicator.code)}</code>${unit ? `, ${escapeHtml(unitLabel(unit))}` : ''})`
    : g.indicatorCode
      ? `<code>${escapeHtml(g.indicatorCode)}</code>`
      : 'keiner';
  const direction = g.targetDirection ? `soll ${escapeHtml(lightLabel(g.targetDirection))}` : 'Richtung nicht angegeben';
  const edit = ` <button type="button" class="button" id="ws-goal-edit">Im Formular bearbeiten (Version ${g.version + 1})</button>`;
  const head = `<p class="ws-goal-head"><strong>${escapeHtml(g.title)}</strong> <code>${escapeHtml(g.key)}</code> v${g.version} · ${escapeHtml(lightLabel(g.status))} · Zielindikator: ${indicator} · ${direction}${edit}</p>`;
  if (!g.targets.length)
    return `${head}<p id="ws-goal-no-targets">Dieses Ziel hat keine Zielwerte je Gebiet und Jahr. Im Formular „Ziel“ unter „Zielwerte je Gebiet und Jahr“ eintragen und als nächste Version speichern.</p>`;
  const rows = g.targets
    .map(
      (t) =>
        `<tr class="ws-goal-target" data-area="${escapeHtml(t.area.code)}" data-year="${t.year}"><th scope="row">${escapeHtml(t.area.name)} <code>${escapeHtml(t.area.code)}</code></th><td class="num">${t.year}</td>
        <td class="num ws-target">${t.direction === 'decrease' ? '≤ ' : t.direction === 'increase' ? '≥ ' : ''}${formatValue(t.targetValue, unit)}</td><td class="num ws-actual">${actualText(t, unit)}</td>
        <td class="num ws-gap">${gapText(t.gap, unit)}</td><td class="ws-on-track">${targetLight(t)}</td></tr>`,
    )
    .join('');
  return `${head}<table class="ws-table" id="ws-goal-targets-result"><caption>Soll und Ist je Gebiet und Jahr: ${escapeHtml(g.title)}</caption>
    <thead><tr><th scope="col">Gebiet</th><th scope="col">Zieljahr</th><th scope="col">Soll</th><th scope="col">Ist (veröffentlichter Wert)</th><th scope="col">Abstand (Ist − Soll)</th><th scope="col">Ampel</th></tr></thead>
    <tbody>${rows}</tbody></table>
    <p class="ws-note">Ist: der Wert des Zielindikators im Zieljahr, sonst der letzte davor, so wie die Plattform ihn Ihnen zeigt (für die Öffentlichkeit geschützt). Ampel grün: dieser Wert erreicht das Soll in der Richtung des Ziels (≤ bei „sinken“, ≥ bei „steigen“), rot: noch nicht.</p>`;
}

/** The goal the section shows (its „Im Formular bearbeiten“ loads it). */
/** @type {WorkspaceGoalDetail | null} */
let shownGoal = null;

/**
 * Fills the goal form with a goal as its next version, target lines included; what the form has no
 * control for (adoption, example flag) is carried over unchanged.
 * @param {WorkspaceGoalDetail} g
 */
function editGoal(g) {
  // the goal form (formHtml made it: ws-form-goal, ws-goal-message)
  const form = /** @type {HTMLFormElement} */ ($(`ws-form-${goalFormId}`));
  form.reset();
  clearErrors(form);
  const set = (/** @type {string} */ field, /** @type {string | number | null | undefined} */ value) => {
    $input(inputId(goalFormId, field)).value = value == null ? '' : String(value);
  };
  set('key', g.key);
  set('version', g.version + 1);
  set('title', g.title);
  set('parentKey', g.parentKey);
  set('description', g.description);
  const areaLevel = $select(`${inputId(goalFormId, 'areas')}-level`);
  if (g.areas[0]) {
    areaLevel.innerHTML = levelOptionsHtml(g.areas[0].level);
    delete areaLevel.dataset.fresh;
    if (meta.levels.length) areaLevel.dataset.fromApi = '1';
  }
  set('areas', areasText(g.areas));
  set('targetGroups', g.targetGroups.join(', '));
  set('indicator', g.indicatorCode);
  set('baselineValue', g.baselineValue);
  set('baselinePeriod', g.baselinePeriod);
  set('targetValue', g.targetValue);
  set('targetDirection', g.targetDirection);
  set('deadline', g.deadline);
  set('status', g.status);
  form.dataset.carry = JSON.stringify({ example: g.example, ...(g.adoptedBy ? { adoptedBy: g.adoptedBy } : {}) });
  const body = /** @type {HTMLElement} */ (form.querySelector('.ws-target-table tbody'));
  body.innerHTML = (g.targets.length ? g.targets : [null]).map((t, i) => targetRowHtml(goalFormId, i, t?.area.level)).join('');
  g.targets.forEach((t, i) => {
    $input(targetId(goalFormId, i, 'code')).value = t.area.code;
    $input(targetId(goalFormId, i, 'year')).value = String(t.year);
    $input(targetId(goalFormId, i, 'value')).value = String(t.targetValue).replace('.', ',');
  });
  $(`ws-${goalFormId}-message`).textContent = `${g.key} als Version ${g.version + 1} im Formular: ändern und speichern.`;
  $input(inputId(goalFormId, 'title')).focus();
}

/** The goal's detail in the section, or why there is none. */
function renderGoal(/** @type {string} */ key, /** @type {WorkspaceGoalDetail | null} */ goal) {
  shownGoal = goal;
  $('ws-goal-detail').innerHTML = goal ? goalDetailHtml(goal) : `<p>Kein Ziel „${escapeHtml(key)}“ sichtbar (unbekannt, noch nicht verarbeitet oder für diese Rolle nicht sichtbar).</p>`;
}

/** Shows a goal's targets against the published figures (the section's „Soll und Ist zeigen“). */
async function showGoal(/** @type {string} */ key) {
  if (!key) {
    $('ws-goal-detail').textContent = 'Bitte den Schlüssel eines Ziels angeben.';
    return;
  }
  try {
    renderGoal(key, (await gql(q.goal, { key }, authFor())).goal);
  } catch (e) {
    $('ws-goal-detail').textContent = `Fehler: ${describeError(e)}`;
  }
}

/**
 * After a save: the goal's detail once the read model has the saved version (rendered once, so the
 * live region announces it once, not every attempt).
 */
async function showGoalUntil(/** @type {string} */ key, /** @type {number} */ version) {
  $input('ws-goal-detail-key').value = key;
  /** @type {WorkspaceGoalDetail | null} */
  let goal = null;
  try {
    for (let i = 0; i < 50; i++) {
      goal = (await gql(q.goal, { key }, authFor())).goal;
      if (goal && goal.version >= version) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    renderGoal(key, goal);
  } catch (e) {
    $('ws-goal-detail').textContent = `Fehler: ${describeError(e)}`;
  }
}

// ---- controlling -------------------------------------------------------------------------------

/** @type {WorkspaceMeasure[]} */
let measures = [];

async function loadGoals() {
  try {
    /** @type {{ key: string, title: string }[]} */
    const all = [];
    /** @type {string | null} */
    let after = null;
    // at most 10 pages (500 goals): the list only suggests keys
    for (let n = 0; n < 10; n++) {
      /** @type {{ goals: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: { node: { key: string, title: string } }[] } }} */
      const { goals } = await gql(q.goals, { after }, authFor());
      all.push(...goals.edges.map((e) => e.node));
      if (!goals.pageInfo.hasNextPage) break;
      after = goals.pageInfo.endCursor;
    }
    $('ws-goal-keys').innerHTML = all.map((g) => `<option value="${escapeHtml(g.key)}">${escapeHtml(g.title)}</option>`).join('');
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

/** Every level select still drawn before the API's levels arrived, and the controlling filter's, offers the tenant's levels. */
function offerApiLevels() {
  for (const select of document.querySelectorAll('#ws-forms select[data-fresh]')) {
    if (!(select instanceof HTMLSelectElement)) continue;
    select.innerHTML = levelOptionsHtml();
    select.dataset.fromApi = '1';
    delete select.dataset.fresh;
  }
  const filter = $select('ws-filter-level');
  if (!filter.dataset.fromApi) {
    filter.innerHTML = levelOptionsHtml();
    filter.dataset.fromApi = '1';
  }
}

/** @type {View} */
export const workspaceView = {
  start() {
    if (meta.levels.length) offerApiLevels();
  },
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
        delete form.dataset.carry;
        resetTargets(form, f.id);
        for (const more of form.querySelectorAll('.ws-budget-more')) more.innerHTML = '';
        clearErrors(form);
        $(`ws-${f.id}-message`).textContent = '';
      });
      form.querySelector('.ws-budget-add')?.addEventListener('click', (e) => {
        const id = /** @type {HTMLElement} */ (e.currentTarget).id.replace(/-add$/, '');
        const more = $(`${id}-more`);
        const i = more.querySelectorAll('.ws-budget-line').length + 1;
        more.insertAdjacentHTML('beforeend', budgetLineHtml(id, String(i)));
        $input(`${id}-${i}`).focus();
      });
      form.querySelector('.ws-target-add')?.addEventListener('click', () => {
        const body = /** @type {HTMLElement} */ (form.querySelector('.ws-target-table tbody'));
        const i = body.querySelectorAll('tr.ws-target-row').length;
        // a new line starts at the level of the line above
        const above = /** @type {HTMLSelectElement | null} */ (body.querySelector(`tr.ws-target-row:last-child select[name="targetLevel"]`));
        body.insertAdjacentHTML('beforeend', targetRowHtml(f.id, i, above?.value ?? ''));
        $input(targetId(f.id, i, 'code')).focus();
      });
      // the API's levels may have arrived after the form was drawn: a level select offers them when used
      form.addEventListener('focusin', (e) => {
        const select = /** @type {HTMLElement} */ (e.target);
        if (select instanceof HTMLSelectElement && (select.name === 'targetLevel' || select.name === 'areaLevel') && meta.levels.length && !select.dataset.fromApi) {
          select.innerHTML = levelOptionsHtml(select.dataset.fresh ? '' : select.value);
          select.dataset.fromApi = '1';
          delete select.dataset.fresh;
        }
      });
      form.querySelector('.ws-target-table')?.addEventListener('click', (e) => {
        const row = /** @type {HTMLElement} */ (e.target).closest('.ws-target-remove')?.closest('tr');
        if (!row) return;
        if (form.querySelectorAll('tr.ws-target-row').length === 1) resetTargets(form, f.id);
        else row.remove();
        renumberTargets(form, f.id);
        /** @type {HTMLElement | null} */ (form.querySelector('.ws-target-add'))?.focus();
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
    // the indicators this viewer may read (the dashboard's catalogue) as suggestions for the goal's indicator
    $input(inputId(goalFormId, 'indicator')).addEventListener('focus', () => {
      $('ws-indicator-codes').innerHTML = meta.indicators.map((m) => `<option value="${escapeHtml(m.code)}">${escapeHtml(m.name)}</option>`).join('');
    });
    // another key typed: the carried adoption and example flag were the loaded goal's
    $input(inputId(goalFormId, 'key')).addEventListener('input', () => {
      delete $(`ws-form-${goalFormId}`).dataset.carry;
    });
    $('ws-goal-detail').addEventListener('click', (e) => {
      if (/** @type {HTMLElement} */ (e.target).closest('#ws-goal-edit') && shownGoal) editGoal(shownGoal);
    });
    $('ws-goal-detail-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void showGoal($input('ws-goal-detail-key').value.trim());
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
