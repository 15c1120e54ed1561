// @ts-check
// Szenario – Karten und Zeitreihe (docs/projection.md §8.3): a saved, projected scenario beside the
// base scenario. For a chosen norm, measure (Bedarf, Angebot, Lücke) and year, two choropleths of the
// projection's areas with the SAME class breaks (computed over both maps' values, so a colour means
// the same figure on both), an optional difference map (scenario − base), one legend and a table of
// every figure; for a chosen area, its residents, demand, supply and gap over the projected years as
// small line charts, base and scenario in two line styles. Everything is read through GraphQL: per
// year one request asking `needs` under "basis" and the scenario, and one for the residents' series.
// The maps are drawn by areas.svg.js (as the main map), the charts by chart.js.
import { describeError, gql } from './api.js';
import { drawAreaShapes } from './areas.svg.js';
import { chartLegend, lineChart } from './chart.js';
import { classify, classOf, methods } from './classify.js';
import { loadAreas, loadSupplySynthetic } from './data.js';
import { $, $input, $select, closest } from './dom.js';
import { escapeHtml, formatNumber, noDataColour, palette, periodLabel, unitLabel } from './format.js';
import { authFor } from './identity.js';
import { rangeLabel } from './legend.view.js';
import { scenarioLevel, scenarioQueries as q } from './scenario.api.js';
import { coarseLevel, populationMeta, meta } from './state.js';

/** @import { ScenarioListed, ScenarioNeedsRow, ScenarioPoint } from './scenario.api.js' */
/** @import { Method } from './classify.js' */
/** @import { AreaSet } from './state.js' */
/** @import { View } from './view.js' */

/** @typedef {'demand' | 'supply' | 'gap'} Measure */
/** @typedef {{ basis: Map<string, ScenarioNeedsRow>, planned: Map<string, ScenarioNeedsRow> }} YearNeeds */

/** @type {Record<Measure, string>} */
const measureLabels = { demand: 'Bedarf', supply: 'Angebot', gap: 'Lücke' };
const UNCHANGED = '#ffffff';

/** What is shown: the scenario, its projected years and the areas of its level. */
const shown = {
  /** @type {ScenarioListed | null} */
  scenario: null,
  /** @type {string[]} */
  years: [],
  /** @type {AreaSet | null} */
  geo: null,
  /** @type {AreaSet | null} */
  bezirke: null,
  /** the residents of the chart's area, base and scenario, by year */
  /** @type {{ area: string, basis: Map<string, number | null>, planned: Map<string, number | null> } | null} */
  population: null,
};

/** needs of both scenarios per scenario version, norm and year: asked once per page load */
/** @type {Map<string, Promise<YearNeeds>>} */
const needsCache = new Map();

/**
 * @param {ScenarioListed} s
 * @param {string} norm
 * @param {string} year
 * @returns {Promise<YearNeeds>}
 */
function yearNeeds(s, norm, year) {
  const key = `${s.key}:${s.version}:${norm}:${year}`;
  let p = needsCache.get(key);
  if (!p) {
    p = gql(q.needsPair, { norm, level: scenarioLevel(), period: year, scenario: s.key }, authFor()).then((d) => ({
      basis: new Map(d.basis.map((r) => [r.area.code, r])),
      planned: new Map(d.planned.map((r) => [r.area.code, r])),
    }));
    p.catch(() => needsCache.delete(key));
    needsCache.set(key, p);
  }
  return p;
}

/**
 * The figure of a measure in a row; null when withheld or not computable.
 * @param {ScenarioNeedsRow | undefined} r
 * @param {Measure} m
 */
const figure = (r, m) => (!r || r.suppressed ? null : (r[m] ?? null));

const measure = () => /** @type {Measure} */ ($select('sc-view-measure').value);
const normOf = () => meta.norms.find((n) => n.code === $select('sc-view-norm').value) ?? null;
const unitOf = () => unitLabel(normOf()?.unit);

/**
 * The residents' series of an area under both scenarios; its years are the projected years.
 * @param {ScenarioListed} s
 * @param {string} area
 */
async function loadPopulation(s, area) {
  const pop = populationMeta();
  if (!pop) throw new Error('Der Katalog hat keinen Einwohner-Indikator.');
  const last = Number(pop.periods[pop.periods.length - 1]?.slice(0, 4) ?? new Date().getFullYear());
  // a projection reaches a few decades past the last observed year at most
  const d = await gql(q.population, { indicator: pop.code, area: { level: scenarioLevel(), code: area }, from: String(last), to: String(last + 50), scenario: s.key }, authFor());
  /** @param {ScenarioPoint[]} list */
  const byYear = (list) => new Map(list.map((p) => [p.period, p.suppressed ? null : p.value]));
  return { area, basis: byYear(d.basis), planned: byYear(d.planned) };
}

/**
 * Shows a projected scenario: fills the selects, loads its years and draws maps and chart.
 * @param {ScenarioListed} s
 * @param {{ norm?: string, year?: string, area?: string }} [choice] what to show first (the form's norm, comparison year and housing area)
 */
export async function showScenarioViews(s, choice = {}) {
  const section = $('sc-views');
  section.hidden = false;
  shown.scenario = s;
  if (choice.norm) $select('sc-view-norm').value = choice.norm;
  const status = $('sc-view-status');
  status.textContent = 'Lade Karten und Zeitreihe …';
  try {
    // every projected scenario can be chosen instead
    const listed = (await gql(q.list, {}, authFor())).scenarios.filter((x) => x.status === 'projected');
    if (!listed.some((x) => x.key === s.key)) listed.push(s);
    const select = $select('sc-view-scenario');
    select.innerHTML = listed.map((x) => `<option value="${escapeHtml(x.key)}">${escapeHtml(x.name)} (${escapeHtml(x.key)}, Version ${x.version})</option>`).join('');
    select.value = s.key;
    const [geo, bezirke] = await Promise.all([loadAreas(scenarioLevel()), coarseLevel() ? loadAreas(/** @type {string} */ (coarseLevel())) : null]);
    shown.geo = geo;
    shown.bezirke = bezirke;
    const areaSelect = $select('sc-view-area');
    const areaChoice = choice.area || areaSelect.value || geo.areas[0]?.code || '';
    areaSelect.innerHTML = [...geo.areas]
      .sort((a, b) => a.name.localeCompare(b.name, 'de'))
      .map((a) => `<option value="${escapeHtml(a.code)}">${escapeHtml(a.name)} (${escapeHtml(a.code)})</option>`)
      .join('');
    areaSelect.value = areaChoice;
    shown.population = await loadPopulation(s, areaChoice);
    shown.years = [...shown.population.basis.keys()].sort();
    const yearSelect = $select('sc-view-year');
    const yearChoice = choice.year || yearSelect.value;
    yearSelect.innerHTML = shown.years.map((y) => `<option value="${escapeHtml(y)}">${escapeHtml(periodLabel(y))}</option>`).join('');
    yearSelect.value = shown.years.includes(yearChoice) ? yearChoice : (shown.years[shown.years.length - 1] ?? '');
    for (const svg of ['sc-map-basis', 'sc-map-planned', 'sc-map-diff']) drawAreaShapes($(svg), geo, bezirke, { width: 600 });
    await Promise.all([drawMaps(), drawChart()]);
    status.textContent = '';
  } catch (e) {
    status.textContent = `Karten und Zeitreihe nicht verfügbar: ${describeError(e)}`;
  }
}

/**
 * Colours the areas of one map and says each area's figure in its title and data attributes.
 * @param {string} id the SVG's id
 * @param {(code: string) => { value: number | null, suppressed: boolean, colour: string, cls: number, text: string }} describe
 */
function colourMap(id, describe) {
  const chart = $select('sc-view-area').value;
  for (const p of /** @type {NodeListOf<SVGPathElement>} */ (document.querySelectorAll(`#${id} path.area`))) {
    const code = String(p.dataset.code);
    const d = describe(code);
    p.setAttribute('fill', d.suppressed ? 'url(#hatch)' : d.colour);
    p.dataset.value = d.value == null ? '' : String(d.value);
    p.dataset.class = String(d.cls);
    p.classList.toggle('selected', code === chart);
    const title = /** @type {SVGTitleElement} */ (p.querySelector('title') ?? p.appendChild(document.createElementNS('http://www.w3.org/2000/svg', 'title')));
    title.textContent = `${shown.geo?.byCode.get(code)?.name ?? code} (${code}): ${d.text}`;
  }
  document.querySelector(`#${id} path.area.selected`)?.parentNode?.append(/** @type {Node} */ (document.querySelector(`#${id} path.area.selected`)));
}

/** Base and scenario maps with one classification, the difference map, legends and the table. */
async function drawMaps() {
  const s = shown.scenario;
  const norm = normOf();
  const year = $select('sc-view-year').value;
  if (!s || !norm || !year || !shown.geo) return;
  const needs = await yearNeeds(s, norm.code, year);
  const m = measure();
  const unit = unitOf();
  const u = unit ? ` ${unit}` : '';
  const values = [...needs.basis.values(), ...needs.planned.values()].map((r) => figure(r, m)).filter((v) => v != null && Number.isFinite(v));
  const cls = classify(/** @type {number[]} */ (values), /** @type {Method} */ ($select('sc-view-method').value), Number($select('sc-view-classes').value));
  const k = Math.max(1, cls.bounds.length - 1);
  // more demand and a larger gap are a burden (yellow–brown); more supply is not (blue–green)
  const colours = palette(k, { polarity: m === 'supply' ? 'POSITIVE' : 'NEGATIVE', diverging: cls.method === 'stddev' });
  /** @param {Map<string, ScenarioNeedsRow>} rows */
  const describe = (rows) => (/** @type {string} */ code) => {
    const r = rows.get(code);
    const value = figure(r, m);
    const c = classOf(value, cls.bounds);
    return {
      value,
      suppressed: !!r?.suppressed,
      cls: c,
      colour: c >= 0 ? (colours[c] ?? noDataColour) : noDataColour,
      text: r?.suppressed ? 'geschützt' : value == null ? 'keine Daten' : `${measureLabels[m]} ${formatNumber(value, 0)}${u}`,
    };
  };
  const what = `${measureLabels[m]} ${norm.name}, ${periodLabel(year)}`;
  // an estimated or generated supply is said with every map of it (a gap rests on the supply too)
  const synthetic = await loadSupplySynthetic(norm.offerType).catch(() => false);
  $('sc-view-note').textContent = [
    norm.supplyNote ? `Angebot: ${norm.supplyNote}.` : '',
    synthetic ? 'Angebot: die Kapazitäten im Register sind synthetisch erzeugt (Demo-Modell, keine amtlichen Daten).' : '',
  ]
    .filter(Boolean)
    .join(' ');
  $('sc-map-basis-title').textContent = `Basisszenario – ${what}`;
  $('sc-map-planned-title').textContent = `${s.name} – ${what}`;
  colourMap('sc-map-basis', describe(needs.basis));
  colourMap('sc-map-planned', describe(needs.planned));
  $('sc-map-legend').innerHTML =
    `<h3>Legende (beide Karten, gleiche Klassen: ${escapeHtml(methods.find((x) => x.code === cls.method)?.label ?? '')})</h3>` +
    (cls.bounds.length >= 2
      ? colours
          .slice(0, k)
          .map(
            (colour, i) =>
              `<span class="legend-item" data-class="${i}" data-lo="${cls.bounds[i]}" data-hi="${cls.bounds[i + 1]}"><span class="swatch" style="background:${colour}"></span>${escapeHtml(rangeLabel(cls, i, unit))}</span>`,
          )
          .join('')
      : '') +
    `<span class="legend-item"><span class="swatch" style="background:${noDataColour}"></span>keine Daten</span>`;
  drawDifference(needs, m, u);
  drawMapTable(needs, m, what, unit);
}

/**
 * The difference map: scenario − base, unchanged areas white, the changed ones classed.
 * @param {YearNeeds} needs
 * @param {Measure} m
 * @param {string} u the unit with a leading space, or ''
 */
function drawDifference(needs, m, u) {
  const on = $input('sc-view-diff').checked;
  $('sc-map-diff-figure').hidden = !on;
  $('sc-map-diff-legend').hidden = !on;
  if (!on) return;
  /** @param {string} code */
  const diff = (code) => {
    const a = figure(needs.basis.get(code), m);
    const b = figure(needs.planned.get(code), m);
    return a == null || b == null ? null : b - a;
  };
  const changed = [...needs.planned.keys()].map(diff).filter((d) => d != null && Math.abs(d) >= 0.5);
  const cls = classify(/** @type {number[]} */ (changed), 'equal', Math.min(4, Number($select('sc-view-classes').value)));
  const k = Math.max(1, cls.bounds.length - 1);
  const lo = cls.bounds[0] ?? 0;
  const hi = cls.bounds[cls.bounds.length - 1] ?? 0;
  const colours = palette(k, { polarity: m === 'supply' ? 'POSITIVE' : 'NEGATIVE', diverging: lo < 0 && hi > 0 });
  const signed = (/** @type {number} */ v) => `${v > 0 ? '+' : v < 0 ? '−' : '±'}${formatNumber(Math.abs(v), 0)}`;
  $('sc-map-diff-title').textContent = `Differenz Szenario − Basis: ${measureLabels[m]}`;
  colourMap('sc-map-diff', (code) => {
    const d = diff(code);
    const unchanged = d != null && Math.abs(d) < 0.5;
    const c = d == null || unchanged ? -1 : classOf(d, cls.bounds);
    return {
      value: d,
      suppressed: false,
      cls: c,
      colour: unchanged ? UNCHANGED : c >= 0 ? (colours[c] ?? noDataColour) : noDataColour,
      text: d == null ? 'keine Daten' : unchanged ? 'unverändert' : `${signed(d)}${u}`,
    };
  });
  $('sc-map-diff-legend').innerHTML =
    `<h3>Legende der Differenzkarte</h3><span class="legend-item"><span class="swatch" style="background:${UNCHANGED};border:1px solid #8a929b"></span>unverändert</span>${
      changed.length
        ? colours
            .slice(0, k)
            .map(
              (colour, i) =>
                `<span class="legend-item" data-class="${i}"><span class="swatch" style="background:${colour}"></span>${escapeHtml(lo === hi ? `${signed(lo)}${u}` : rangeLabel(cls, i, u.trim()))}</span>`,
            )
            .join('')
        : ''
    }`;
}

/**
 * Every figure of the maps as a table (the maps' text alternative), changed areas first.
 * @param {YearNeeds} needs
 * @param {Measure} m
 * @param {string} what
 * @param {string} unit
 */
function drawMapTable(needs, m, what, unit) {
  const geo = /** @type {AreaSet} */ (shown.geo);
  const cell = (/** @type {number | null} */ v) => `<td class="num">${v == null ? '–' : formatNumber(v, 0)}</td>`;
  const rows = geo.areas
    .map((a) => ({ a, base: figure(needs.basis.get(a.code), m), planned: figure(needs.planned.get(a.code), m) }))
    .map((r) => ({ ...r, diff: r.base == null || r.planned == null ? null : r.planned - r.base }))
    .sort((x, y) => Math.abs(y.diff ?? 0) - Math.abs(x.diff ?? 0) || x.a.code.localeCompare(y.a.code, 'de', { numeric: true }));
  $('sc-map-table').innerHTML = `<table class="operations-table" id="sc-map-values"><caption>${escapeHtml(what)}${unit ? ` (${escapeHtml(unit)})` : ''}: Basisszenario und Szenario je Gebiet</caption>
    <thead><tr><th scope="col">Gebiet</th><th scope="col" class="num">Basis</th><th scope="col" class="num">Szenario</th><th scope="col" class="num">Differenz</th></tr></thead>
    <tbody>${rows.map((r) => `<tr data-area="${escapeHtml(r.a.code)}"><th scope="row">${escapeHtml(r.a.name)} (${escapeHtml(r.a.code)})</th>${cell(r.base)}${cell(r.planned)}${cell(r.diff)}</tr>`).join('')}</tbody></table>`;
}

/** The chart's area over the projected years: residents, demand, supply and gap, base and scenario. */
async function drawChart() {
  const s = shown.scenario;
  const norm = normOf();
  const area = $select('sc-view-area').value;
  const out = $('sc-chart');
  if (!s || !norm || !area) return;
  if (shown.population?.area !== area) shown.population = await loadPopulation(s, area);
  const years = shown.years;
  const all = await Promise.all(years.map((y) => yearNeeds(s, norm.code, y)));
  const name = shown.geo?.byCode.get(area)?.name ?? area;
  const unit = unitOf();
  const pop = /** @type {NonNullable<typeof shown.population>} */ (shown.population);
  /** @type {{ key: string, label: string, unit: string, basis: (number | null)[], planned: (number | null)[] }[]} */
  const panels = [
    { key: 'population', label: 'Einwohner*innen', unit: 'Personen', basis: years.map((y) => pop.basis.get(y) ?? null), planned: years.map((y) => pop.planned.get(y) ?? null) },
    .../** @type {Measure[]} */ (['demand', 'supply', 'gap']).map((m) => ({
      key: m,
      label: measureLabels[m],
      unit,
      basis: all.map((n) => figure(n.basis.get(area), m)),
      planned: all.map((n) => figure(n.planned.get(area), m)),
    })),
  ];
  const labels = ['Basisszenario', s.name];
  // the first year in which any figure of the area differs: before it both lines lie on each other
  const firstDiff = years.find((_, i) => panels.some((p) => Math.abs((p.planned[i] ?? 0) - (p.basis[i] ?? 0)) >= 0.5));
  const year = $select('sc-view-year').value;
  out.innerHTML = `<h5 id="sc-chart-title">Zeitreihe ${escapeHtml(name)} (${escapeHtml(area)}): ${escapeHtml(norm.name)}</h5>
    ${chartLegend(labels)}
    <p class="hint">${firstDiff ? `Bis ${escapeHtml(periodLabel(String(Number(firstDiff) - 1)))} sind Basis und Szenario gleich; ab ${escapeHtml(periodLabel(firstDiff))} weicht das Szenario ab.` : 'Das Szenario ändert in diesem Gebiet nichts.'} Lücke = Bedarf − Angebot (positiv: es fehlen Plätze).${norm.supplyNote ? ` Angebot: ${escapeHtml(norm.supplyNote)}.` : ''}</p>
    <div class="sc-charts">${panels
      .map(
        (p) =>
          `<div data-chart="${p.key}"><h5>${escapeHtml(p.label)}${p.unit ? ` (${escapeHtml(unitLabel(p.unit))})` : ''}</h5>${lineChart({
            periods: years,
            series: [
              { label: labels[0] ?? '', values: p.basis },
              { label: labels[1] ?? '', values: p.planned },
            ],
            unit: unitLabel(p.unit),
            title: `${p.label} ${name}, Basisszenario und ${s.name}, ${periodLabel(years[0] ?? '')} bis ${periodLabel(years[years.length - 1] ?? '')}`,
            highlight: year,
          })}</div>`,
      )
      .join('')}</div>
    <details><summary>Zeitreihe als Tabelle</summary>
      <table class="operations-table" id="sc-chart-table"><caption>${escapeHtml(name)}: Einwohner*innen, Bedarf, Angebot und Lücke, Basisszenario und ${escapeHtml(s.name)}</caption>
        <thead><tr><th scope="col">Jahr</th>${panels.map((p) => `<th scope="col" class="num">${escapeHtml(p.label)} Basis</th><th scope="col" class="num">${escapeHtml(p.label)} Szenario</th>`).join('')}</tr></thead>
        <tbody>${years
          .map(
            (y, i) =>
              `<tr data-year="${escapeHtml(y)}"><th scope="row">${escapeHtml(periodLabel(y))}</th>${panels
                .map(
                  (p) =>
                    `<td class="num" data-measure="${p.key}" data-scenario="basis" data-value="${p.basis[i] ?? ''}">${formatNumber(p.basis[i], 0)}</td><td class="num" data-measure="${p.key}" data-scenario="planned" data-value="${p.planned[i] ?? ''}">${formatNumber(p.planned[i], 0)}</td>`,
                )
                .join('')}</tr>`,
          )
          .join('')}</tbody>
      </table></details>`;
}

/**
 * Redraws after a control changed; a failure is said in the status line.
 * @param {() => Promise<void>} draw
 */
async function redraw(draw) {
  const status = $('sc-view-status');
  try {
    status.textContent = 'Lade …';
    await draw();
    // showScenarioViews says its own outcome
    if (status.textContent === 'Lade …') status.textContent = '';
  } catch (e) {
    status.textContent = `Nicht verfügbar: ${describeError(e)}`;
  }
}

/** @type {View} */
export const scenarioMapsView = {
  bind() {
    const form = $('sc-view-form');
    form.addEventListener('change', (e) => {
      const id = /** @type {HTMLElement} */ (e.target).id;
      if (id === 'sc-view-scenario') {
        const key = $select('sc-view-scenario').value;
        void redraw(async () => {
          const s = (await gql(q.list, {}, authFor())).scenarios.find((x) => x.key === key && x.status === 'projected');
          if (!s) throw new Error(`Das Szenario ${key} ist nicht (mehr) prognostiziert.`);
          await showScenarioViews(s);
        });
        return;
      }
      // the measure, year, classes and difference change the maps; a norm or year also the chart
      void redraw(() => Promise.all([drawMaps(), id === 'sc-view-norm' || id === 'sc-view-year' ? drawChart() : Promise.resolve()]).then(() => {}));
    });
    $('sc-view-area').addEventListener('change', () => void redraw(async () => Promise.all([drawChart(), drawMaps()]).then(() => {})));
    // a click on an area of any of the maps shows its time series
    for (const id of ['sc-map-basis', 'sc-map-planned', 'sc-map-diff'])
      $(id).addEventListener('click', (e) => {
        const p = closest(e, 'path.area');
        if (!p) return;
        $select('sc-view-area').value = String(p.dataset.code);
        $('sc-view-area').dispatchEvent(new Event('change'));
      });
  },
  start() {
    $select('sc-view-norm').innerHTML = meta.norms.map((n) => `<option value="${escapeHtml(n.code)}">${escapeHtml(n.name)}</option>`).join('');
    // equal intervals by default: a class then stands for a fixed range of places, so an area that
    // changes class between the maps has crossed a fixed threshold (quantiles would rank instead)
    $select('sc-view-method').innerHTML = methods.map((m) => `<option value="${m.code}"${m.code === 'equal' ? ' selected' : ''}>${escapeHtml(m.label)}</option>`).join('');
  },
};
