// @ts-check
// Szenario: a planner adds a new housing area (Stadtteil, dwellings, persons per dwelling, completion
// year, age profile of the movers), optionally a changed Richtwert and a new facility of one norm,
// and saves it as a planning scenario (GraphQL saveScenario, i.e. through the ingestion path; the
// platform projects its population, docs/projection.md §8). Once projected, the needs analysis of
// the norm is shown beside the base scenario's: demand, supply and gap per Stadtteil, the housing
// area first, then every Stadtteil the scenario changes. What the domain refuses is shown at its field.
// Above the form, the list of saved scenarios opens any projected one's maps and chart without a save.
import { ApiError, describeError, gql } from './api.js';
import { $, $input, $select } from './dom.js';
import { escapeHtml, formatNumber, levelLabel } from './format.js';
import { authFor, onIdentityChange } from './identity.js';
import { scenarioLevel, scenarioQueries as q } from './scenario.api.js';
import { showScenarioViews } from './scenario.maps.view.js';
import { meta } from './state.js';

/** @import { View } from './view.js' */
/** @import { FieldError } from './workspace.api.js' */
/** @import { ScenarioListed, ScenarioNeedsRow, ScenarioSaved } from './scenario.api.js' */

/** the movers' age bands of the form (to exclusive), with a typical profile of a new family quarter */
const bands = [
  { band: '0-6', share: 20 },
  { band: '6-18', share: 15 },
  { band: '18-25', share: 10 },
  { band: '25-45', share: 35 },
  { band: '45-65', share: 15 },
  { band: '65+', share: 5 },
];

/** the box an error of a field path is shown in (the longest matching prefix) */
const errorBoxes = [
  ['housingAreas[0].ageProfile', 'sc-shares'],
  ['housingAreas[0].areaCode', 'sc-area'],
  ['housingAreas[0].dwellings', 'sc-dwellings'],
  ['housingAreas[0].occupancy', 'sc-occupancy'],
  ['housingAreas[0].completionYear', 'sc-year'],
  ['norms', 'sc-norm-value'],
  ['facilities', 'sc-facility-capacity'],
  ['key', 'sc-key'],
  ['version', 'sc-version'],
  ['name', 'sc-name'],
];

/** @param {string} id */
const num = (id) => {
  const v = $input(id).value.trim();
  return v === '' ? null : Number(v);
};

function inputOf() {
  const area = $input('sc-area').value.trim();
  const year = num('sc-year');
  const norm = $select('sc-norm').value;
  const normValue = num('sc-norm-value');
  const capacity = num('sc-facility-capacity');
  const facilityYear = num('sc-facility-year') ?? year;
  return {
    key: $input('sc-key').value.trim(),
    version: num('sc-version') ?? 1,
    name: $input('sc-name').value.trim(),
    housingAreas: [
      {
        areaCode: area,
        dwellings: num('sc-dwellings'),
        occupancy: num('sc-occupancy'),
        completionYear: year,
        ageProfile: bands.map((b) => ({ band: b.band, share: (num(`sc-share-${b.band}`) ?? 0) / 100 })).filter((a) => a.share > 0),
      },
    ],
    norms: normValue === null ? [] : [{ norm, value: normValue }],
    facilities: capacity === null ? [] : [{ change: 'open', norm, capacity, areaCode: area, year: facilityYear }],
  };
}

function clearErrors() {
  for (const p of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('#scenario-form .ws-field-error'))) {
    p.textContent = '';
    p.hidden = true;
  }
  for (const el of document.querySelectorAll('#scenario-form [aria-invalid]')) el.removeAttribute('aria-invalid');
}

/** @param {FieldError[]} errors */
function showErrors(errors) {
  /** @type {string[]} */
  const general = [];
  for (const e of errors) {
    const text = `${e.message} – erlaubt: ${e.accepted}`;
    const id = errorBoxes.find(([prefix]) => (e.field ?? '').startsWith(prefix ?? ''))?.[1];
    const p = id ? document.getElementById(`${id}-error`) : null;
    if (!id || !p) {
      general.push(`${e.field ? `${e.field}: ` : ''}${text}`);
      continue;
    }
    p.textContent = p.textContent ? `${p.textContent} ${text}` : text;
    p.hidden = false;
    document.getElementById(id)?.setAttribute('aria-invalid', 'true');
  }
  const msg = $('sc-message');
  msg.className = 'ws-form-message error';
  msg.textContent = `Nicht gespeichert: ${errors.length} Fehler${general.length ? ` – ${general.join(' ')}` : ''}. Nichts wurde geändert.`;
}

/**
 * Waits until the platform has projected the scenario's version (or says why it could not).
 * @param {string} key
 * @param {number} version
 * @returns {Promise<ScenarioListed | null>}
 */
async function projected(key, version) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const s = (await gql(q.list, {}, authFor())).scenarios.find((x) => x.key === key && x.version >= version);
    if (s && s.status !== 'withdrawn') return s;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return null;
}

/** the saved scenarios as last listed, by key */
/** @type {Map<string, ScenarioSaved>} */
const saved = new Map();

const statusLabels = /** @type {Record<string, string>} */ ({ projected: 'prognostiziert', failed: 'nicht prognostizierbar', withdrawn: 'zurückgezogen' });

/**
 * One line on what a scenario changes: its housing areas, Richtwerte and facilities.
 * @param {ScenarioSaved} s
 */
function changesOf(s) {
  const normName = (/** @type {string} */ code) => meta.norms.find((n) => n.code === code)?.name ?? code;
  const parts = [
    ...(s.changes.housingAreas ?? []).map((h) => `Wohngebiet in ${h.areaCode}: ${formatNumber(h.dwellings, 0)} Wohnungen × ${formatNumber(h.occupancy, 1)} Personen, fertig ${h.completionYear}`),
    ...(s.changes.norms ?? []).map((n) => `Richtwert ${normName(n.norm)}: ${formatNumber(n.value, 0)}`),
    ...(s.changes.facilities ?? []).map(
      (f) => `${f.change === 'open' ? 'neue' : 'geschlossene'} Einrichtung (${normName(f.norm)}) in ${f.areaCode} ab ${f.year}${f.capacity == null ? '' : `: ${formatNumber(f.capacity, 0)} Plätze`}`,
    ),
  ];
  return parts.join('; ') || 'keine Änderung';
}

/** Lists the saved scenarios with their state; a projected one can be opened in the maps and chart. */
async function listSaved() {
  const out = $('sc-saved-list');
  try {
    const list = (await gql(q.saved, {}, authFor())).scenarios;
    saved.clear();
    for (const s of list) saved.set(s.key, s);
    out.innerHTML = list.length
      ? `<table class="operations-table" id="sc-saved-table"><caption>Gespeicherte Szenarien (Prognose neben dem Basisszenario)</caption>
        <thead><tr><th scope="col">Szenario</th><th scope="col">Version</th><th scope="col">Stand</th><th scope="col">gespeichert von</th><th scope="col">Änderungen</th><th scope="col"><span class="visually-hidden">Aktion</span></th></tr></thead>
        <tbody>${list
          .map(
            (s) =>
              `<tr data-scenario="${escapeHtml(s.key)}"><th scope="row">${escapeHtml(s.name)} <span class="hint">(${escapeHtml(s.key)})</span></th><td class="num">${s.version}</td><td>${escapeHtml(statusLabels[s.status] ?? s.status)}${s.error ? `: ${escapeHtml(s.error)}` : ''}</td><td>${escapeHtml(s.createdBy ?? '–')}</td><td>${escapeHtml(changesOf(s))}</td><td>${
                s.status === 'projected' ? `<button type="button" class="button sc-open" data-key="${escapeHtml(s.key)}">Karten und Zeitreihe öffnen</button>` : ''
              }</td></tr>`,
          )
          .join('')}</tbody></table>`
      : '<p class="hint">Noch keine Szenarien gespeichert.</p>';
  } catch (e) {
    out.textContent = `Szenarien nicht verfügbar: ${describeError(e)}`;
  }
}

/**
 * Opens a saved scenario's maps and chart: the first housing area's Stadtteil, two years after its completion.
 * @param {string} key
 */
async function openSaved(key) {
  const s = saved.get(key);
  if (!s) return;
  const housing = s.changes.housingAreas?.[0];
  const facility = s.changes.facilities?.[0] ?? s.changes.norms?.[0];
  await showScenarioViews(s, {
    ...(facility ? { norm: facility.norm } : {}),
    ...(housing ? { area: housing.areaCode, year: String(housing.completionYear + 2) } : {}),
  });
  $('sc-views').scrollIntoView({ block: 'start' });
}

/**
 * What the supply of a norm is when it is not an official capacity: a sentence, or ''.
 * @param {string} norm
 */
const supplyNoteOf = (norm) => {
  const note = meta.norms.find((n) => n.code === norm)?.supplyNote;
  return note ? ` Angebot: ${escapeHtml(note)}.` : '';
};

/** @param {number | null} v */
const cell = (v) => `<td class="num">${v == null ? '–' : formatNumber(v, 0)}</td>`;

/** The year compared; by default two years after completion (the movers' children have grown into the Kita age). */
const comparedYear = () => $input('sc-compare-year').value.trim() || String((num('sc-year') ?? 0) + 2);

/**
 * The needs of the norm in the base scenario and the planner's, side by side.
 * @param {ScenarioListed} s
 * @param {string} area the housing area's Stadtteil
 */
async function compare(s, area) {
  const out = $('sc-compare');
  const norm = $select('sc-norm').value;
  const period = comparedYear();
  const normName = meta.norms.find((n) => n.code === norm)?.name ?? norm;
  out.textContent = 'Lade Vergleich …';
  try {
    const [base, planned] = await Promise.all([
      gql(q.needs, { norm, level: scenarioLevel(), period, scenario: 'basis' }, authFor()),
      gql(q.needs, { norm, level: scenarioLevel(), period, scenario: s.key }, authFor()),
    ]);
    const before = new Map(base.needs.map((r) => [r.area.code, r]));
    /** @param {ScenarioNeedsRow} r */
    const changed = (r) => {
      const b = before.get(r.area.code);
      return !b || Math.abs((r.demand ?? 0) - (b.demand ?? 0)) > 0.5 || Math.abs(r.supply - b.supply) > 0.5;
    };
    const rows = planned.needs.filter((r) => r.area.code === area || changed(r)).sort((a, b) => (a.area.code === area ? -1 : b.area.code === area ? 1 : a.area.code.localeCompare(b.area.code)));
    const body = rows
      .map((r) => {
        const b = before.get(r.area.code);
        return `<tr data-area="${escapeHtml(r.area.code)}"><th scope="row">${escapeHtml(r.area.name)} (${escapeHtml(r.area.code)})</th>${cell(b?.demand ?? null)}${cell(r.demand)}${cell(b?.supply ?? null)}${cell(r.supply)}${cell(b?.gap ?? null)}${cell(r.gap)}</tr>`;
      })
      .join('');
    out.innerHTML = `<table class="operations-table" id="sc-compare-table"><caption>${escapeHtml(normName)}, ${escapeHtml(period)}: Prognose – ${escapeHtml(s.name)} neben dem Basisszenario${planned.needs[0]?.normValue != null ? ` (Richtwert ${formatNumber(planned.needs[0].normValue, 0)})` : ''}</caption>
      <thead><tr><th scope="col">${escapeHtml(levelLabel(scenarioLevel()).one)}</th><th scope="col" class="num">Bedarf Basis</th><th scope="col" class="num">Bedarf Szenario</th><th scope="col" class="num">Angebot Basis</th><th scope="col" class="num">Angebot Szenario</th><th scope="col" class="num">Lücke Basis</th><th scope="col" class="num">Lücke Szenario</th></tr></thead>
      <tbody>${body || '<tr><td colspan="7">keine Änderung</td></tr>'}</tbody></table>
      <p class="hint">Lücke = Bedarf − Angebot (positiv: es fehlen Plätze). Bedarf aus den prognostizierten Einwohner*innen, Angebot aus dem Register mit den Einrichtungen des Szenarios.${supplyNoteOf(norm)}</p>`;
  } catch (e) {
    out.textContent = `Vergleich nicht verfügbar: ${describeError(e)}`;
  }
}

async function save() {
  clearErrors();
  const msg = $('sc-message');
  msg.className = 'ws-form-message';
  msg.textContent = 'Speichere …';
  const input = inputOf();
  try {
    const result = (await gql(q.save, { input }, authFor())).saveScenario;
    if (!result.saved) {
      showErrors(result.errors);
      return;
    }
    const key = result.key ?? '';
    const version = result.version ?? 1;
    $input('sc-version').value = String(version + 1);
    msg.className = 'ws-form-message ok';
    msg.textContent = `Gespeichert: ${key}, Version ${version}, von ${result.author}. Die Prognose wird gerechnet …`;
    const s = await projected(key, version);
    if (!s) {
      msg.textContent = `Gespeichert: ${key}, Version ${version}. Die Prognose ist noch nicht gerechnet; später erneut vergleichen.`;
      return;
    }
    if (s.status === 'failed') {
      msg.className = 'ws-form-message error';
      msg.textContent = `Gespeichert, aber nicht prognostizierbar: ${s.error ?? ''}`;
      return;
    }
    msg.textContent = `Gespeichert und prognostiziert: ${key}, Version ${version}, von ${result.author}.`;
    void listSaved();
    const area = input.housingAreas[0]?.areaCode ?? '';
    await compare(s, area);
    await showScenarioViews(s, { norm: $select('sc-norm').value, year: comparedYear(), area });
  } catch (e) {
    msg.className = 'ws-form-message error';
    msg.textContent = e instanceof ApiError && e.code === 'FORBIDDEN' ? `Nicht erlaubt: ${e.message}` : `Nicht gespeichert: ${describeError(e)}`;
  }
}

/** @type {View} */
export const scenarioView = {
  bind() {
    $('sc-shares').innerHTML = bands
      .map((b) => `<label for="sc-share-${b.band}">${escapeHtml(b.band)}</label><input id="sc-share-${b.band}" type="number" min="0" max="100" step="any" value="${b.share}">`)
      .join('');
    $('scenario-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void save();
    });
    $('sc-saved-list').addEventListener('click', (e) => {
      const button = /** @type {HTMLElement} */ (e.target).closest?.('button.sc-open');
      if (button instanceof HTMLElement && button.dataset.key) void openSaved(button.dataset.key);
    });
    // a planner sees who saved what (the public list names no authors): list again after a sign-in
    onIdentityChange(() => void listSaved());
  },
  start() {
    // the housing area lies in an area of the tenant's basis level (Köln: Stadtteil)
    const label = document.querySelector('label[for="sc-area"]');
    if (label && scenarioLevel()) label.textContent = `${levelLabel(scenarioLevel()).one} (Code)`;
    $select('sc-norm').innerHTML = meta.norms.map((n) => `<option value="${escapeHtml(n.code)}">${escapeHtml(n.name)}</option>`).join('');
    void listSaved();
  },
};
