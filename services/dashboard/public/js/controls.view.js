// @ts-check
// The control panel: theme, level, indicator, index, norm, classes, period slider and the
// infrastructure filters. Every change writes `state` and asks for a render; syncControls() shows
// `state` in the controls (also after the URL set it).
import { methods } from './classify.js';
import { $, $input, $select } from './dom.js';
import { amtLabel, escapeHtml, levelLabel, offerTypeLabels, periodLabel, targetGroupLabels } from './format.js';
import { indicatorChoices } from './indicator.choices.js';
import { indexMeta, indicatorMeta, mapLevels, meta, normMeta, state } from './state.js';
import { theme, themes } from './themes.js';

/** @import { Method } from './classify.js' */
/** @import { View } from './view.js' */

/** @import { Choice } from './indicator.choices.js' */

/**
 * @param {HTMLSelectElement} select
 * @param {(Choice | { group: string, options: Choice[] })[]} options
 * @param {string | null} value
 */
function fillSelect(select, options, value) {
  select.replaceChildren();
  for (const o of options) {
    if ('group' in o) {
      const g = document.createElement('optgroup');
      g.label = o.group;
      for (const c of o.options) g.append(option(c, value));
      select.append(g);
    } else select.append(option(o, value));
  }
}

/** @param {Choice} c @param {string | null} value */
function option(c, value) {
  const o = new Option(c.label, c.value, false, c.value === value);
  o.disabled = c.disabled === true;
  return o;
}

/** @param {string} key a theme's key */
const themeRadio = (key) => /** @type {HTMLInputElement | null} */ (document.querySelector(`input[name=theme][value=${key}]`));

function populateControls() {
  // the API's levels with boundaries; planning levels (Köln: the Sozialraumgebiete) like any other
  fillSelect(
    $select('level'),
    mapLevels().map((l) => ({ value: l.name, label: levelLabel(l.name).many })),
    state.level,
  );
  // indicators without figures apart, not selectable (indicator.choices.js says why)
  fillSelect($select('indicator'), indicatorChoices(meta.indicators), state.indicator);
  /** @param {{ code: string, name: string, synthetic: boolean }} m */
  const opt = (m) => ({ value: m.code, label: m.synthetic ? `${m.name} (synthetisch)` : m.name });
  fillSelect($select('index'), meta.indices.map(opt), state.index);
  fillSelect(
    $select('norm'),
    meta.norms.map((n) => ({ value: n.code, label: n.name })),
    state.norm,
  );
  fillSelect(
    $select('method'),
    methods.map((m) => ({ value: m.code, label: m.label })),
    state.method,
  );
  fillSelect($select('offer-type'), [{ value: '', label: 'alle Arten' }, ...Object.entries(offerTypeLabels).map(([value, label]) => ({ value, label }))], state.offerType);
  fillSelect($select('target-group'), [{ value: '', label: 'alle Zielgruppen' }, ...Object.entries(targetGroupLabels).map(([value, label]) => ({ value, label }))], state.targetGroup);
  $select('norm').disabled = meta.norms.length === 0;
  // the typology's profile: one checkbox per indicator
  $('profile').innerHTML = meta.indicators
    .map(
      (m) =>
        `<label><input type="checkbox" name="profile" value="${escapeHtml(m.code)}"${state.profile.includes(m.code) ? ' checked' : ''}${m.periods.length ? '' : ' disabled'}> ${escapeHtml(m.name)}${m.synthetic ? ' (synthetisch)' : ''}${m.periods.length ? '' : ' – keine Daten'}</label>`,
    )
    .join('');
  for (const [key, t] of Object.entries(themes)) {
    const radio = themeRadio(key);
    if (radio) radio.disabled = !t.available();
  }
}

/** Shows `state` in the controls; settles the period on one the theme has (the latest, when the chosen one is not). */
export function syncControls() {
  for (const r of /** @type {NodeListOf<HTMLInputElement>} */ (document.querySelectorAll('input[name=theme]'))) r.checked = r.value === state.theme;
  for (const el of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('[data-theme]'))) el.hidden = el.dataset.theme !== state.theme;
  $select('level').value = state.level;
  if (state.indicator) $select('indicator').value = state.indicator;
  if (state.index) $select('index').value = state.index;
  if (state.norm) $select('norm').value = state.norm;
  $select('method').value = state.method;
  $select('k').value = String(state.k);
  for (const c of /** @type {NodeListOf<HTMLInputElement>} */ (document.querySelectorAll('input[name=profile]'))) c.checked = state.profile.includes(c.value);
  $select('classes').value = String(state.classes);
  $input('infra-on').checked = state.infraOn;
  $select('offer-type').value = state.offerType;
  $select('target-group').value = state.targetGroup;
  $select('offer-type').disabled = !state.infraOn;
  $select('target-group').disabled = !state.infraOn;
  const periods = theme().periods();
  if (!state.period || !periods.includes(state.period)) state.period = periods[periods.length - 1] ?? null;
  const slider = $input('period');
  slider.max = String(Math.max(0, periods.length - 1));
  slider.value = String(Math.max(0, state.period ? periods.indexOf(state.period) : -1));
  slider.disabled = periods.length <= 1;
  slider.setAttribute('aria-valuetext', state.period ? periodLabel(state.period) : 'kein Zeitraum');
  $('period-ticks').replaceChildren(...periods.map((p, i) => new Option(periodLabel(p), String(i))));
  $('period-output').textContent = state.period ? periodLabel(state.period) : '–';
  $('period-min').textContent = periods[0] ? periodLabel(periods[0]) : '';
  $('period-max').textContent = periods.length > 1 ? periodLabel(periods[periods.length - 1] ?? '') : '';
  const m = indicatorMeta();
  $('indicator-meta').innerHTML = m
    ? `${escapeHtml(m.description || m.definition)}${m.synthetic ? ' <span class="badge badge-synthetic">synthetisch</span>' : ''}<br>Quelle: ${escapeHtml(amtLabel(m.sourceAmt))}`
    : '';
  const ix = indexMeta();
  $('index-meta').innerHTML = ix ? `${escapeHtml(ix.description)}${ix.synthetic ? ' <span class="badge badge-synthetic">synthetisch</span>' : ''}` : '';
  const n = normMeta();
  $('norm-meta').textContent = n ? n.description : '';
  $('table-toggle').setAttribute('aria-pressed', String(state.tableOpen));
  $('table-toggle').textContent = state.tableOpen ? 'Tabellenansicht schließen' : 'Tabellenansicht';
  $('table-view').hidden = !state.tableOpen;
}

/** @type {View} */
export const controlsView = {
  bind(app) {
    $('controls').addEventListener('change', (e) => {
      const t = /** @type {HTMLInputElement} */ (e.target);
      if (t.name === 'theme') state.theme = t.value;
      else if (t.id === 'level') state.level = t.value;
      else if (t.id === 'indicator') state.indicator = t.value;
      else if (t.id === 'index') state.index = t.value;
      else if (t.id === 'norm') state.norm = t.value;
      else if (t.id === 'method') state.method = /** @type {Method} */ (t.value);
      else if (t.id === 'classes') state.classes = Number(t.value);
      else if (t.id === 'k') state.k = Number(t.value);
      else if (t.name === 'profile') {
        const chosen = [...document.querySelectorAll('input[name=profile]:checked')].map((c) => /** @type {HTMLInputElement} */ (c).value);
        // the API takes 1 to 10 indicators: keep the last valid profile otherwise
        if (chosen.length === 0 || chosen.length > 10) {
          t.checked = !t.checked;
          return;
        }
        state.profile = chosen;
      } else if (t.id === 'infra-on') state.infraOn = t.checked;
      else if (t.id === 'offer-type') {
        state.offerType = t.value;
        // the needs map follows the kind of facility shown, when there is a norm for it
        const n = meta.norms.find((x) => x.offerType === t.value);
        if (n) state.norm = n.code;
      } else if (t.id === 'target-group') state.targetGroup = t.value;
      else return;
      app.render();
    });
    $('period').addEventListener('input', (e) => {
      const periods = theme().periods();
      state.period = periods[Number(/** @type {HTMLInputElement} */ (e.target).value)] ?? state.period;
      $('period-output').textContent = state.period ? periodLabel(state.period) : '';
      app.render();
    });
  },
  start: populateControls,
};
