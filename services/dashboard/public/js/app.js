// The dashboard page: state, GraphQL reads, the SVG choropleth, legend, table view and details.
// Plain ES2022 modules, no build step. The whole page is a function of `state`; every control
// writes state and calls render(), which fetches what is missing (cached) and redraws.
import { describeError, gql, isDataGap, pageSizes, queries } from './api.js';
import { chartLegend, lineChart } from './chart.js';
import { classify, classOf, methods } from './classify.js';
import {
  amtLabel,
  escapeHtml,
  formatDate,
  formatNumber,
  formatValue,
  levelLabels,
  measureStatusLabels,
  noDataColour,
  offerTypeLabels,
  palette,
  periodLabel,
  targetGroupLabels,
  trafficLightLabels,
  unitLabel,
} from './format.js';
import { bounds, fitProjection, labelPoint, pathData } from './geo.js';

const SVG = 'http://www.w3.org/2000/svg';
const MAP_W = 1000;
const SUPPRESSED_TEXT = 'Wert unterdrückt (Datenschutz: weniger als 3 Fälle)';
const $ = (id) => document.getElementById(id);

/** Coverage classes of the needs map (share of the demand the supply covers). */
const coverageBounds = [0, 0.5, 0.75, 0.9, 1];
const coverageLabels = ['unter 50 %', '50 bis unter 75 %', '75 bis unter 90 %', '90 bis unter 100 %', '100 % und mehr'];
const coverageColours = ['#d7191c', '#fdae61', '#ffffbf', '#abd9e9', '#2c7bb6']; // ColorBrewer RdYlBu, colour-blind safe

const state = {
  theme: 'indicator',
  level: 'STADTTEIL',
  indicator: null,
  index: null,
  norm: null,
  method: 'quantile',
  classes: 5,
  period: null,
  selected: null,
  infraOn: false,
  offerType: 'kita',
  targetGroup: '',
  tableOpen: false,
};

const meta = { indicators: [], indices: [], sources: [], norms: [], city: { code: '0', name: 'Köln' } };
const cache = new Map();
/** what is drawn now, for the table view, the tooltip and the live region */
let current = { level: null, areas: [], rows: new Map(), legend: [], title: '', unit: '', colourOf: () => noDataColour, offers: [] };
let renderToken = 0;

// ---------------------------------------------------------------------------------------------
// data

function cached(key, load) {
  if (!cache.has(key)) {
    const p = load().catch((e) => {
      cache.delete(key);
      throw e;
    });
    cache.set(key, p);
  }
  return cache.get(key);
}

function loadAreas(level) {
  return cached(`areas:${level}`, async () => {
    const data = await gql(queries.areas, { level });
    const areas = data.areas.map((a) => ({
      code: a.code,
      name: a.name,
      level,
      parent: a.parent,
      // the Bezirk an area lies in, whatever its level (Stadtviertel → Stadtteil → Bezirk)
      bezirk: a.parent?.level === 'STADTBEZIRK' ? a.parent : a.parent?.parent?.level === 'STADTBEZIRK' ? a.parent.parent : null,
      geometry: a.geometry,
    }));
    return { areas, byCode: new Map(areas.map((a) => [a.code, a])) };
  });
}

function loadValues(indicator, level, period) {
  return cached(`values:${indicator}:${level}:${period}`, async () => {
    const data = await gql(queries.values, { indicator, level, period });
    return new Map(data.indicatorValues.map((v) => [v.area.code, v]));
  });
}

function loadIndex(index, level, period) {
  return cached(`index:${index}:${level}:${period}`, async () => {
    const data = await gql(queries.indexValues, { index, level, period });
    return new Map(data.indexValues.map((v) => [v.area.code, v]));
  });
}

/**
 * One norm's needs analysis: { rows: area code → row }, or { gap: ApiError } when the API says the
 * figures do not exist (a norm's age band the statistics lack, a period without population). Such an
 * answer is kept like data; any other error is thrown and asked again next time.
 */
function loadNeed(norm, level, period) {
  return cached(`needs:${norm}:${level}:${period}`, async () => {
    try {
      const data = await gql(queries.needs, { norm, level, period });
      return { rows: new Map(data.needs.map((r) => [r.area.code, r])) };
    } catch (e) {
      if (isDataGap(e)) return { gap: e };
      throw e;
    }
  });
}

/** Every norm, each asked on its own so that one the API cannot compute leaves the others: norm code → { rows } | { gap } | { error }. */
async function loadAllNeeds(level, period) {
  const settled = await Promise.allSettled(meta.norms.map((n) => loadNeed(n.code, level, period)));
  return new Map(meta.norms.map((n, i) => [n.code, settled[i].status === 'fulfilled' ? settled[i].value : { error: settled[i].reason }]));
}

function loadOffers(offerType, targetGroup) {
  return cached(`offers:${offerType}:${targetGroup}`, async () => {
    const out = [];
    let after = null;
    let total = 0;
    // a cap keeps "alle Arten" from loading thousands of points page by page
    for (let page = 0; page < 40; page++) {
      const data = await gql(queries.offers, {
        offerTypes: offerType ? [offerType] : null,
        targetGroups: targetGroup ? [targetGroup] : null,
        first: pageSizes.offers,
        after,
      });
      total = data.offers.totalCount;
      out.push(...data.offers.edges.map((e) => e.node));
      if (!data.offers.pageInfo.hasNextPage) break;
      after = data.offers.pageInfo.endCursor;
    }
    return { offers: out, total };
  });
}

function loadSeries(indicator, area, from, to) {
  const bezirk = area.level === 'STADTBEZIRK' ? null : area.bezirk;
  return cached(`series:${indicator}:${area.level}:${area.code}:${from}:${to}`, () =>
    gql(queries.series, {
      indicator,
      area: { level: area.level, code: area.code },
      bezirk: bezirk ? { level: 'STADTBEZIRK', code: bezirk.code } : { level: 'STADT', code: meta.city.code },
      withBezirk: !!bezirk,
      city: { level: 'STADT', code: meta.city.code },
      from,
      to,
    }),
  );
}

function loadMeasures(area) {
  return cached(`measures:${area.level}:${area.code}`, async () => {
    const out = [];
    let after = null;
    for (let page = 0; page < 6; page++) {
      const data = await gql(queries.measures, { area: { level: area.level, code: area.code }, first: pageSizes.measures, after });
      out.push(...data.measures.edges.map((e) => e.node));
      if (!data.measures.pageInfo.hasNextPage) break;
      after = data.measures.pageInfo.endCursor;
    }
    return out;
  });
}

// ---------------------------------------------------------------------------------------------
// what the current theme shows

const indicatorMeta = () => meta.indicators.find((i) => i.code === state.indicator) ?? null;
const indexMeta = () => meta.indices.find((i) => i.code === state.index) ?? null;
const normMeta = () => meta.norms.find((n) => n.code === state.norm) ?? null;

/** Periods the slider offers for the current theme. */
function themePeriods() {
  if (state.theme === 'indicator') return indicatorMeta()?.periods ?? [];
  if (state.theme === 'index') {
    const ix = indexMeta();
    // an index published as an indicator too knows its own periods
    const own = meta.indicators.find((m) => m.code === ix?.code);
    if (own?.periods.length) return own.periods;
    const inputs = (ix?.inputs ?? []).map((i) => meta.indicators.find((m) => m.code === i.indicatorCode)).filter(Boolean);
    if (inputs.length === 0) return [];
    // indices are scored per year ("2012"), whatever the inputs' periodicity (monthly SGB II
    // figures, yearly Hilfen zur Erziehung): the years all inputs have
    const years = inputs.map((m) => [...new Set(m.periods.map((p) => p.slice(0, 4)))]);
    return years.reduce((a, b) => a.filter((y) => b.includes(y))).sort();
  }
  // needs: demand comes from the population figures
  const pop = meta.indicators.find((m) => m.code === 'einwohner') ?? meta.indicators[0];
  return pop?.periods ?? [];
}

async function themeData(level, period) {
  if (state.theme === 'indicator') {
    const m = indicatorMeta();
    if (!m || !period) return emptyTheme('Kein Indikator verfügbar');
    const values = await loadValues(m.code, level, period);
    const numbers = [...values.values()].filter((v) => !v.suppressed && v.value != null).map((v) => v.value);
    const cls = classify(numbers, state.method, state.classes);
    const k = Math.max(1, cls.bounds.length - 1);
    const colours = palette(k, { polarity: m.polarity, diverging: state.method === 'stddev' });
    const unit = unitLabel(m.unit);
    const rows = new Map();
    for (const [code, v] of values) {
      const c = v.suppressed ? -1 : classOf(v.value, cls.bounds);
      rows.set(code, {
        status: v.suppressed ? 'suppressed' : v.value == null ? 'missing' : 'value',
        value: v.value,
        text: v.suppressed ? 'unterdrückt' : formatValue(v.value, m.unit),
        classIndex: c,
        classLabel: c >= 0 ? rangeLabel(cls, c, unit) : '',
      });
    }
    const legend = cls.bounds.length >= 2 ? colours.slice(0, k).map((colour, i) => ({ colour, label: rangeLabel(cls, i, unit) })) : [];
    return {
      title: m.name,
      subtitle: `${m.synthetic ? 'synthetisch · ' : ''}${methods.find((x) => x.code === state.method)?.label ?? ''}${unit ? ` · Einheit: ${unit}` : ''}`,
      synthetic: m.synthetic,
      valueHeader: unit ? `Wert (${unit})` : 'Wert',
      rows,
      legend,
      colourOf: (row) => (row && row.classIndex >= 0 ? colours[row.classIndex] : noDataColour),
      legendNote: state.method === 'stddev' && cls.sd != null ? `Mittelwert ${formatNumber(cls.mean)}, Standardabweichung ${formatNumber(cls.sd)}` : '',
    };
  }
  if (state.theme === 'index') {
    const ix = indexMeta();
    if (!ix || !period) return emptyTheme('Kein Index verfügbar');
    const values = await loadIndex(ix.code, level, period);
    const labels = ix.classes.map((c) => c.label);
    const colours = palette(labels.length, { polarity: 'NEGATIVE' });
    const rows = new Map();
    for (const [code, v] of values) {
      const c = v.scored ? indexClassOf(ix.classes, v) : -1;
      rows.set(code, {
        status: v.scored ? 'value' : 'unscored',
        value: v.score,
        text: v.scored ? `${labels[c] ?? v.class ?? '–'} (${formatNumber(v.score, 2)})` : 'nicht bewertet',
        classIndex: c,
        classLabel: labels[c] ?? v.class ?? '',
      });
    }
    return {
      title: ix.name,
      subtitle: `${ix.synthetic ? 'synthetisch · ' : ''}Indexklassen nach Standardabweichungen${ix.minPopulation ? ` · bewertet ab ${formatNumber(ix.minPopulation)} Einwohner*innen` : ''}`,
      synthetic: ix.synthetic,
      valueHeader: 'Klasse (Indexwert)',
      rows,
      legend: labels.map((label, i) => ({ colour: colours[i], label: classRange(ix.classes, i, label) })),
      colourOf: (row) => (row && row.classIndex >= 0 ? colours[row.classIndex] : noDataColour),
      unscoredNote: 'nicht bewertet (zu wenige Einwohner*innen oder Eingangswerte unterdrückt)',
      legendNote: '',
    };
  }
  const n = normMeta();
  if (!n || !period) return emptyTheme('Keine Richtwerte verfügbar');
  const need = await loadNeed(n.code, level, period);
  // a norm without figures leaves the map uncoloured, with the reason in the notice
  if (need.gap) throw need.gap;
  const needs = need.rows;
  const rows = new Map();
  for (const [code, r] of needs) {
    const c = r.suppressed || r.coverage == null ? -1 : classOf(Math.min(r.coverage, 1), coverageBounds);
    const idx = r.coverage != null && r.coverage >= 1 ? 4 : c;
    rows.set(code, {
      status: r.suppressed ? 'suppressed' : r.coverage == null ? 'missing' : 'value',
      value: r.coverage,
      text: r.suppressed ? 'unterdrückt' : r.coverage == null ? '–' : `${formatNumber(r.coverage * 100, 0)} % (Lücke ${formatNumber(r.gap ?? 0, 0)})`,
      classIndex: idx,
      classLabel: idx >= 0 ? coverageLabels[idx] : '',
      needs: r,
    });
  }
  return {
    title: `Versorgung: ${n.name}`,
    subtitle: `Deckungsgrad = Angebot / Bedarf nach Richtwert${unitLabel(n.unit) ? ` (${unitLabel(n.unit)})` : ''}`,
    synthetic: false,
    valueHeader: 'Deckungsgrad (Versorgungslücke)',
    rows,
    legend: coverageColours.map((colour, i) => ({ colour, label: coverageLabels[i] })),
    colourOf: (row) => (row && row.classIndex >= 0 ? coverageColours[row.classIndex] : noDataColour),
    legendNote: '',
  };
}

/**
 * The class of an index value: by its label when the API gives the label, else by the score
 * against the classes' lower bounds (classes ascend; the first is open below).
 */
function indexClassOf(classes, v) {
  const byLabel = classes.findIndex((c) => c.label === v.class);
  if (byLabel >= 0) return byLabel;
  if (v.score == null) return -1;
  let idx = 0;
  classes.forEach((c, i) => {
    if (c.from == null || v.score >= c.from) idx = i;
  });
  return idx;
}

function emptyTheme(title) {
  return { title, subtitle: '', synthetic: false, valueHeader: 'Wert', rows: new Map(), legend: [], colourOf: () => noDataColour, legendNote: '' };
}

function rangeLabel(cls, i, unit) {
  const lo = cls.bounds[i];
  const hi = cls.bounds[i + 1];
  const u = unit && unit !== '' ? ` ${unit}` : '';
  if (cls.method === 'stddev' && cls.sd) {
    const z = (v) => ((v - cls.mean) / cls.sd).toFixed(1).replace('.', ',').replace('-', '−');
    const zl = i === 0 ? '' : `${z(lo)} σ`;
    const zh = i === cls.bounds.length - 2 ? '' : `${z(hi)} σ`;
    return `${formatNumber(lo)} – ${formatNumber(hi)}${u} (${zl ? zl : 'unter'}${zl && zh ? ' bis ' : ' '}${zh ? zh : 'und mehr'})`;
  }
  return `${i === 0 ? '' : 'über '}${formatNumber(lo)} bis ${formatNumber(hi)}${u}`;
}

function classRange(classes, i, label) {
  const from = classes[i]?.from;
  const to = classes[i + 1]?.from;
  const f = (v) => formatNumber(v, 1).replace('-', '−');
  if (from == null && to != null) return `${label} (unter ${f(to)} σ)`;
  if (from != null && to == null) return `${label} (ab ${f(from)} σ)`;
  if (from != null && to != null) return `${label} (${f(from)} bis unter ${f(to)} σ)`;
  return label;
}

// ---------------------------------------------------------------------------------------------
// rendering

async function render() {
  const token = ++renderToken;
  writeHash();
  syncControls();
  setStatus('Lade Karte …');
  try {
    const level = state.level;
    let themeError = null;
    const [geo, bezirke, theme] = await Promise.all([
      loadAreas(level),
      level === 'STADTBEZIRK' ? null : loadAreas('STADTBEZIRK'),
      // a theme the API cannot answer (e.g. no needs analysis for a level) leaves the map drawn, uncoloured
      themeData(level, state.period).catch((e) => {
        themeError = e;
        return emptyTheme('Keine Daten');
      }),
    ]);
    let offers = { offers: [], total: 0 };
    if (state.infraOn) {
      setStatus('Lade Einrichtungen …');
      offers = await loadOffers(state.offerType, state.targetGroup);
    }
    if (token !== renderToken) return; // a newer render has started
    current = { level, areas: geo.areas, byCode: geo.byCode, offers: offers.offers, offersTotal: offers.total, ...theme };
    drawMap(geo, bezirke);
    drawOffers();
    drawLegend();
    drawTitle();
    if (state.tableOpen) drawTable();
    const shown = [...current.rows.values()].filter((r) => r.status === 'value').length;
    const notice = $('map-notice');
    notice.hidden = shown > 0 || (current.rows.size > 0 && [...current.rows.values()].some((r) => r.status === 'suppressed'));
    // a level without figures (the demo's Stadtviertel: the statistics are delivered per Stadtteil)
    // still shows its boundaries; the notice says so and offers the next coarser level
    const coarser = { STADTVIERTEL: 'STADTTEIL', STADTTEIL: 'STADTBEZIRK' }[level];
    notice.innerHTML = themeError
      ? `Die Daten für diese Karte sind nicht verfügbar: ${escapeHtml(describeError(themeError))}`
      : `Für ${levelLabels[level].many} liegen zu „${escapeHtml(current.title)}“ ${state.period ? `für ${escapeHtml(periodLabel(state.period))} ` : ''}keine Werte vor; die Karte zeigt nur die Gebietsgrenzen. Wählen Sie eine andere Gebietsebene oder einen anderen Zeitraum.${
          coarser ? ` <button type="button" class="row-select" data-level="${coarser}">${levelLabels[coarser].many} zeigen</button>` : ''
        }`;
    if (themeError) notice.hidden = false;
    setStatus(`${geo.areas.length} ${levelLabels[level].many}, ${shown} mit Wert`);
    $('infra-status').textContent = state.infraOn
      ? `${formatNumber(offers.offers.length, 0)} Einrichtungen${offers.total > offers.offers.length ? ` von ${formatNumber(offers.total, 0)} (Auswahl)` : ''}`
      : '';
    if (state.selected && !geo.byCode.has(state.selected)) state.selected = null;
    await renderDetails();
  } catch (e) {
    if (token !== renderToken) return;
    console.error(e);
    setStatus(`Fehler: ${describeError(e)}`, true);
  }
}

function setStatus(text, isError = false) {
  const el = $('load-status');
  el.textContent = text;
  el.classList.toggle('error', isError);
  document.body.dataset.loading = /^Lade/.test(text) ? 'true' : 'false';
}

let drawnLevel = null;
let projection = null;

function drawMap(geo, bezirke) {
  const svg = $('map');
  if (drawnLevel !== geo.areas[0]?.level || svg.childElementCount === 0) {
    const bbox = bounds(geo.areas.map((a) => a.geometry));
    const ratio = (bbox[3] - bbox[1]) / ((bbox[2] - bbox[0]) * Math.cos(((bbox[1] + bbox[3]) / 2) * (Math.PI / 180))) || 1;
    const h = Math.round(MAP_W * ratio);
    projection = fitProjection(bbox, MAP_W, h, 10);
    svg.setAttribute('viewBox', `0 0 ${MAP_W} ${h}`);
    svg.replaceChildren();
    svg.insertAdjacentHTML(
      'afterbegin',
      `<defs><pattern id="hatch" patternUnits="userSpaceOnUse" width="7" height="7" patternTransform="rotate(45)"><rect width="7" height="7" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="7" stroke="#5f6670" stroke-width="2.2"/></pattern></defs>`,
    );
    const gAreas = document.createElementNS(SVG, 'g');
    gAreas.id = 'areas';
    for (const a of geo.areas) {
      const p = document.createElementNS(SVG, 'path');
      p.setAttribute('d', pathData(a.geometry, projection.project));
      p.setAttribute('class', 'area');
      p.setAttribute('data-code', a.code);
      p.setAttribute('role', 'button');
      p.setAttribute('tabindex', '-1');
      gAreas.append(p);
    }
    svg.append(gAreas);
    if (bezirke) {
      const gB = document.createElementNS(SVG, 'g');
      gB.setAttribute('aria-hidden', 'true');
      for (const b of bezirke.areas) {
        const p = document.createElementNS(SVG, 'path');
        p.setAttribute('d', pathData(b.geometry, projection.project, 0.8));
        p.setAttribute('class', 'bezirk-outline');
        gB.append(p);
      }
      svg.append(gB);
    }
    const gLabels = document.createElementNS(SVG, 'g');
    gLabels.id = 'labels';
    gLabels.setAttribute('aria-hidden', 'true');
    if (geo.areas.length <= 12) {
      for (const a of geo.areas) {
        const pt = labelPoint(a.geometry, projection.project);
        if (!pt) continue;
        const t = document.createElementNS(SVG, 'text');
        t.setAttribute('class', 'label');
        t.setAttribute('x', pt[0].toFixed(1));
        t.setAttribute('y', pt[1].toFixed(1));
        t.textContent = a.name;
        gLabels.append(t);
      }
    }
    svg.append(gLabels);
    const gOffers = document.createElementNS(SVG, 'g');
    gOffers.id = 'offers';
    svg.append(gOffers);
    drawnLevel = geo.areas[0]?.level ?? null;
  }
  // colour and describe every area for the current theme
  for (const p of svg.querySelectorAll('path.area')) {
    const code = p.dataset.code;
    const area = geo.byCode.get(code);
    const row = current.rows.get(code);
    const fill = row?.status === 'suppressed' ? 'url(#hatch)' : current.colourOf(row);
    p.setAttribute('fill', fill);
    p.dataset.status = row?.status ?? 'missing';
    p.dataset.fill = fill;
    p.setAttribute('aria-label', `${area.name}: ${describeRow(row)}`);
    const sel = code === state.selected;
    p.classList.toggle('selected', sel);
    p.setAttribute('aria-pressed', sel ? 'true' : 'false');
  }
  // the selected area on top, so its outline is not hidden under neighbours
  const selected = svg.querySelector('path.area.selected');
  if (selected) selected.parentNode.append(selected);
  rovingFocus();
}

function describeRow(row) {
  if (!row || row.status === 'missing') return 'keine Daten';
  if (row.status === 'suppressed') return SUPPRESSED_TEXT;
  if (row.status === 'unscored') return current.unscoredNote ?? 'nicht bewertet';
  return row.text;
}

function drawOffers() {
  const g = $('offers');
  if (!g) return;
  g.replaceChildren();
  if (!state.infraOn || !projection) return;
  const frag = document.createDocumentFragment();
  for (const o of current.offers) {
    if (!o.location) continue;
    const [x, y] = projection.project(o.location.lon, o.location.lat);
    const c = document.createElementNS(SVG, 'circle');
    c.setAttribute('cx', x.toFixed(1));
    c.setAttribute('cy', y.toFixed(1));
    c.setAttribute('r', '3.6');
    c.setAttribute('class', 'offer');
    c.setAttribute('aria-hidden', 'true');
    const t = document.createElementNS(SVG, 'title');
    t.textContent = `${o.name} (${offerTypeLabels[o.offerType] ?? o.offerType})`;
    c.append(t);
    frag.append(c);
  }
  g.append(frag);
}

function drawTitle() {
  $('map-title').textContent = `${current.title} – ${levelLabels[current.level].many}${state.period ? `, ${periodLabel(state.period)}` : ''}`;
  $('map-subtitle').textContent = current.subtitle;
  $('map-badges').innerHTML = current.synthetic
    ? `<span class="badge badge-synthetic" title="Werte aus dem dokumentierten synthetischen Modell, keine amtlichen Zahlen">synthetisch</span>`
    : `<span class="badge badge-info">amtliche Daten</span>`;
}

function drawLegend() {
  const el = $('legend');
  const items = current.legend.map((l, i) => `<span class="legend-item" data-class="${i}"><span class="swatch" style="background:${l.colour}"></span>${escapeHtml(l.label)}</span>`).join('');
  const statuses = new Set([...current.rows.values()].map((r) => r.status));
  const missing = current.areas.some((a) => !current.rows.has(a.code) || current.rows.get(a.code).status === 'missing');
  let extra = `<span class="legend-item legend-suppressed"><span class="swatch"><svg width="22" height="14" aria-hidden="true"><rect width="22" height="14" fill="url(#hatch)"/></svg></span>${SUPPRESSED_TEXT}</span>`;
  if (statuses.has('unscored')) extra += `<span class="legend-item"><span class="swatch" style="background:${noDataColour}"></span>${escapeHtml(current.unscoredNote)}</span>`;
  if (missing) extra += `<span class="legend-item"><span class="swatch" style="background:${noDataColour}"></span>keine Daten</span>`;
  if (state.infraOn)
    extra += `<span class="legend-item"><span class="legend-point"></span>${escapeHtml(offerTypeLabels[state.offerType] ?? 'Einrichtungen')}${state.targetGroup ? ` – ${escapeHtml(targetGroupLabels[state.targetGroup] ?? state.targetGroup)}` : ''}</span>`;
  const heading = `<h3>Legende${current.synthetic ? ' – <span class="badge badge-synthetic">synthetisch</span>' : ''}${current.legendNote ? ` · ${escapeHtml(current.legendNote)}` : ''}</h3>`;
  el.innerHTML = heading + items + extra;
}

/** Table order: by name, code or value; the header buttons switch it (aria-sort tells the direction). */
const tableSort = { key: 'code', dir: 1 };

function sortedAreas() {
  const val = (a) => {
    const r = current.rows.get(a.code);
    return r?.status === 'value' && r.value != null ? r.value : null;
  };
  const cmp = {
    name: (a, b) => a.name.localeCompare(b.name, 'de'),
    code: (a, b) => a.code.localeCompare(b.code, 'de', { numeric: true }),
    // areas without a value stay at the end in either direction
    value: (a, b) => (val(a) == null ? (val(b) == null ? 0 : 1) : val(b) == null ? -1 : tableSort.dir * (val(a) - val(b))),
  }[tableSort.key];
  const list = [...current.areas].sort(cmp);
  return tableSort.key === 'value' || tableSort.dir === 1 ? list : list.reverse();
}

function sortHeader(key, label, cls = '') {
  const active = tableSort.key === key;
  const aria = active ? ` aria-sort="${tableSort.dir === 1 ? 'ascending' : 'descending'}"` : '';
  const arrow = active ? (tableSort.dir === 1 ? ' ▲' : ' ▼') : '';
  return `<th scope="col"${cls ? ` class="${cls}"` : ''}${aria}><button type="button" class="sort" data-sort="${key}">${escapeHtml(label)}<span aria-hidden="true">${arrow}</span></button></th>`;
}

function drawTable() {
  const el = $('table-view');
  const rows = sortedAreas()
    .map((a) => {
      const r = current.rows.get(a.code);
      const sel = a.code === state.selected;
      const colour = r?.status === 'suppressed' ? null : current.colourOf(r);
      const chip = colour
        ? `<span class="chip" style="background:${colour}" aria-hidden="true"></span>`
        : `<span class="chip" aria-hidden="true" style="background:repeating-linear-gradient(45deg,#5f6670 0 2px,#fff 2px 5px)"></span>`;
      return `<tr${sel ? ' class="selected" aria-selected="true"' : ''}>
        <th scope="row"><button type="button" class="row-select" data-code="${escapeHtml(a.code)}" aria-pressed="${sel}">${escapeHtml(a.name)}</button></th>
        <td>${escapeHtml(a.code)}</td>
        <td>${escapeHtml(a.bezirk?.name ?? (a.level === 'STADTBEZIRK' ? '–' : ''))}</td>
        <td class="num">${escapeHtml(describeRowShort(r))}</td>
        <td>${chip}${escapeHtml(r?.classLabel || (r?.status === 'suppressed' ? 'unterdrückt' : '–'))}</td>
      </tr>`;
    })
    .join('');
  let html = `<div class="table-scroll"><table id="map-table">
    <caption>${escapeHtml(current.title)} – ${levelLabels[current.level].many}${state.period ? `, ${escapeHtml(periodLabel(state.period))}` : ''}${current.synthetic ? ' (synthetisch)' : ''}</caption>
    <thead><tr>${sortHeader('name', levelLabels[current.level].one)}${sortHeader('code', 'Nr.')}<th scope="col">Stadtbezirk</th>${sortHeader('value', current.valueHeader, 'num')}<th scope="col">Klasse</th></tr></thead>
    <tbody>${rows}</tbody></table></div>`;
  if (state.infraOn) {
    const offerRows = current.offers
      .slice(0, 500)
      .map(
        (o) =>
          `<tr><th scope="row">${escapeHtml(o.name)}</th><td>${escapeHtml(offerTypeLabels[o.offerType] ?? o.offerType)}${o.subtype ? ` – ${escapeHtml(o.subtype)}` : ''}</td><td>${escapeHtml([o.address?.street, o.address?.postcode].filter(Boolean).join(', '))}</td><td>${escapeHtml(o.targetGroups.map((t) => targetGroupLabels[t] ?? t).join(', '))}</td></tr>`,
      )
      .join('');
    html += `<div class="table-scroll" style="margin-top:12px"><table id="offers-table">
      <caption>Einrichtungen: ${escapeHtml(offerTypeLabels[state.offerType] ?? 'alle Arten')}${state.targetGroup ? `, Zielgruppe ${escapeHtml(targetGroupLabels[state.targetGroup] ?? state.targetGroup)}` : ''} (${formatNumber(current.offers.length, 0)}${current.offers.length > 500 ? ', die ersten 500' : ''})</caption>
      <thead><tr><th scope="col">Name</th><th scope="col">Art</th><th scope="col">Adresse</th><th scope="col">Zielgruppen</th></tr></thead>
      <tbody>${offerRows}</tbody></table></div>`;
  }
  el.innerHTML = html;
}

function describeRowShort(r) {
  if (!r || r.status === 'missing') return 'keine Daten';
  if (r.status === 'suppressed') return 'unterdrückt (< 3 Fälle)';
  if (r.status === 'unscored') return 'nicht bewertet';
  return r.text;
}

// ---------------------------------------------------------------------------------------------
// selection and details

function select(code, { focusMap = false } = {}) {
  state.selected = code;
  writeHash();
  const area = current.byCode?.get(code);
  for (const p of document.querySelectorAll('#map path.area')) {
    const sel = p.dataset.code === code;
    p.classList.toggle('selected', sel);
    p.setAttribute('aria-pressed', sel ? 'true' : 'false');
    if (sel) p.parentNode.append(p);
  }
  rovingFocus();
  if (focusMap) document.querySelector(`#map path.area[data-code="${CSS.escape(code)}"]`)?.focus();
  if (state.tableOpen) drawTable();
  if (area) {
    const row = current.rows.get(code);
    $('selection-live').textContent = `Ausgewählt: ${area.name} (${levelLabels[area.level].one} ${area.code}). ${current.title}: ${describeRow(row)}.`;
  }
  renderDetails();
}

let detailToken = 0;
async function renderDetails() {
  const token = ++detailToken;
  const body = $('detail-body');
  const area = state.selected ? current.byCode?.get(state.selected) : null;
  if (!area) {
    $('detail-title').textContent = 'Überblick';
    $('detail-parent').textContent = `${levelLabels[current.level ?? 'STADTTEIL'].many}${state.period ? `, ${periodLabel(state.period)}` : ''}`;
    body.innerHTML = overviewHtml();
    return;
  }
  $('detail-title').textContent = area.name;
  $('detail-parent').textContent =
    `${levelLabels[area.level].one} ${area.code}${area.bezirk && area.level !== 'STADTBEZIRK' ? ` · Stadtbezirk ${area.bezirk.name}` : ''}${area.level === 'STADTVIERTEL' && area.parent ? ` · Stadtteil ${area.parent.name}` : ''}`;
  const row = current.rows.get(area.code);
  const m = indicatorMeta();
  body.innerHTML = `
    <section id="detail-current" aria-labelledby="h-current"><h3 id="h-current">${escapeHtml(current.title)}</h3><p>${escapeHtml(describeRow(row))}</p></section>
    <section id="detail-series" aria-labelledby="h-series"><h3 id="h-series">Zeitreihe: ${escapeHtml(m?.name ?? '')}${m?.synthetic ? ' <span class="badge badge-synthetic">synthetisch</span>' : ''}</h3><p class="empty">Lade Zeitreihe …</p></section>
    <section id="detail-needs" aria-labelledby="h-needs"><h3 id="h-needs">Versorgung nach Richtwerten</h3><p class="empty">Lade …</p></section>
    <section id="detail-measures" aria-labelledby="h-measures"><h3 id="h-measures">Maßnahmen und Meilensteine</h3><p class="empty">Lade …</p></section>`;
  const tasks = [detailSeries(area, m, token), detailNeeds(area, token), detailMeasures(area, token)];
  await Promise.allSettled(tasks);
}

/** Highest and lowest areas of the current map, from the values already drawn (no extra query). */
function overviewHtml() {
  const ranked = current.areas
    .map((a) => ({ a, r: current.rows.get(a.code) }))
    .filter((x) => x.r?.status === 'value' && x.r.value != null)
    .sort((x, y) => y.r.value - x.r.value);
  const suppressed = [...current.rows.values()].filter((r) => r.status === 'suppressed').length;
  const hint = `<p class="hint">Wählen Sie ein Gebiet auf der Karte oder in der Tabelle, um Zeitreihe, Vergleich mit Stadtbezirk und Stadt, Versorgung und Maßnahmen zu sehen.</p>`;
  if (ranked.length === 0) return hint;
  const list = (items, label) =>
    `<section aria-label="${label}"><h3>${label}</h3><ol class="ranking">${items
      .map((x) => `<li><button type="button" class="row-select" data-code="${escapeHtml(x.a.code)}">${escapeHtml(x.a.name)}</button><span>${escapeHtml(x.r.text)}</span></li>`)
      .join('')}</ol></section>`;
  const n = Math.min(5, Math.floor(ranked.length / 2));
  return `${hint}<section><h3>${escapeHtml(current.title)}</h3><p class="hint">${ranked.length} ${levelLabels[current.level].many} mit Wert${suppressed ? `, ${suppressed} unterdrückt` : ''}.</p></section>
    ${n > 0 ? list(ranked.slice(0, n), 'Höchste Werte') + list(ranked.slice(-n).reverse(), 'Niedrigste Werte') : ''}`;
}

async function detailSeries(area, m, token) {
  const el = () => $('detail-series');
  if (!m || m.periods.length === 0) {
    if (token === detailToken) el().innerHTML += '';
    return;
  }
  try {
    const from = m.periods[0];
    const to = m.periods[m.periods.length - 1];
    const data = await loadSeries(m.code, area, from, to);
    if (token !== detailToken) return;
    const byPeriod = (list) => {
      const map = new Map((list ?? []).map((v) => [v.period, v.suppressed ? null : v.value]));
      return m.periods.map((p) => map.get(p) ?? null);
    };
    const unit = unitLabel(m.unit);
    const series = [{ label: area.name, values: byPeriod(data.area) }];
    if (data.bezirk) series.push({ label: `Stadtbezirk ${area.bezirk.name}`, values: byPeriod(data.bezirk) });
    series.push({ label: meta.city.name, values: byPeriod(data.city) });
    const shown = seriesPeriod(m.periods);
    const at = (s) => s.values[m.periods.indexOf(shown)] ?? null;
    const title = `Zeitreihe ${m.name}, ${area.name} im Vergleich, ${periodLabel(m.periods[0])} bis ${periodLabel(m.periods[m.periods.length - 1])}`;
    const suppressedCount = (data.area ?? []).filter((v) => v.suppressed).length;
    el().innerHTML = `<h3 id="h-series">Zeitreihe: ${escapeHtml(m.name)}${m.synthetic ? ' <span class="badge badge-synthetic">synthetisch</span>' : ''}</h3>
      <dl class="kpi">${series.map((s) => `<div><dt>${escapeHtml(s.label)}</dt><dd>${escapeHtml(formatValue(at(s), m.unit))}</dd></div>`).join('')}</dl>
      ${shown !== state.period ? `<p class="hint">Werte für ${escapeHtml(periodLabel(shown))}.</p>` : ''}
      ${chartLegend(series.map((s) => s.label))}
      ${lineChart({ periods: m.periods, series, unit, title, highlight: shown })}
      ${suppressedCount ? `<p class="hint">${suppressedCount} Zeitpunkt(e) unterdrückt (Datenschutz: weniger als 3 Fälle) – Lücke in der Linie.</p>` : ''}
      <details><summary>Zeitreihe als Tabelle</summary>
        <table class="series-table"><caption>${escapeHtml(title)}</caption>
          <thead><tr><th scope="col">Zeitraum</th>${series.map((s) => `<th scope="col" class="num">${escapeHtml(s.label)}</th>`).join('')}</tr></thead>
          <tbody>${m.periods.map((p, i) => `<tr><th scope="row">${escapeHtml(periodLabel(p))}</th>${series.map((s) => `<td class="num">${escapeHtml(formatValue(s.values[i], m.unit))}</td>`).join('')}</tr>`).join('')}</tbody>
        </table></details>`;
  } catch (e) {
    if (token === detailToken) el().innerHTML = `<h3 id="h-series">Zeitreihe</h3><p class="error">Zeitreihe nicht verfügbar: ${escapeHtml(describeError(e))}</p>`;
  }
}

/**
 * The period of a series that the map's period stands for: the same, else the last one of its year
 * (the index map is yearly while SGB II figures are monthly, and the other way round), else the latest.
 */
function seriesPeriod(periods) {
  if (periods.includes(state.period)) return state.period;
  const year = state.period?.slice(0, 4);
  const sameYear = periods.filter((p) => p.slice(0, 4) === year);
  return sameYear[sameYear.length - 1] ?? periods[periods.length - 1] ?? null;
}

async function detailNeeds(area, token) {
  const el = () => $('detail-needs');
  if (meta.norms.length === 0 || !state.period) {
    el().innerHTML = `<h3 id="h-needs">Versorgung nach Richtwerten</h3><p class="empty">Keine Bedarfsanalyse verfügbar.</p>`;
    return;
  }
  try {
    const period = needsPeriod();
    const needs = await loadAllNeeds(area.level, period);
    if (token !== detailToken) return;
    const head = (n) => `<tr><th scope="row" colspan="4" class="norm-name">${escapeHtml(n.name)}</th></tr>`;
    let withoutDemand = false;
    const rows = meta.norms
      .map((n) => {
        const result = needs.get(n.code);
        // a norm the API cannot compute is named with the reason; a failure of the API is an error
        if (result.gap) return `${head(n)}<tr><td colspan="4" class="empty">Nicht berechenbar: ${escapeHtml(describeError(result.gap))}</td></tr>`;
        if (result.error) return `${head(n)}<tr><td colspan="4" class="error">Nicht verfügbar: ${escapeHtml(describeError(result.error))}</td></tr>`;
        const r = result.rows.get(area.code);
        if (!r) return '';
        if (r.demand == null && !r.suppressed) withoutDemand = true;
        const gap = r.suppressed ? 'unterdrückt' : r.gap == null ? '–' : r.gap > 0 ? `−${formatNumber(r.gap, 0)}` : `+${formatNumber(-r.gap, 0)}`;
        const gapClass = r.gap != null && r.gap > 0 && !r.suppressed ? ' gap-short' : '';
        return `${head(n)}
          <tr><td class="num">${formatNumber(r.supply, 0)}</td><td class="num">${r.suppressed ? 'unterdrückt' : formatNumber(r.demand, 0)}</td><td class="num">${r.coverage == null ? '–' : `${formatNumber(r.coverage * 100, 0)} %`}</td><td class="num${gapClass}">${gap}</td></tr>`;
      })
      .join('');
    const counted = [...needs.values()].some((x) => x.rows?.has(area.code));
    el().innerHTML = `<h3 id="h-needs">Versorgung nach Richtwerten (${escapeHtml(periodLabel(period))})</h3>${
      counted
        ? `<table><caption class="visually-hidden">Versorgung ${escapeHtml(area.name)}: Angebot, Bedarf, Deckungsgrad und Lücke je Richtwert</caption><thead><tr><th scope="col" class="num">Angebot</th><th scope="col" class="num">Bedarf</th><th scope="col" class="num">Deckung</th><th scope="col" class="num" title="Angebot minus Bedarf: negativ heißt Versorgungslücke">Saldo</th></tr></thead><tbody>${rows}</tbody></table>
          <p class="hint">Saldo = Angebot − Bedarf; negativ: Versorgungslücke.${withoutDemand ? ' „–“: für dieses Gebiet liegen keine Einwohnerzahlen vor, ein Bedarf ist nicht berechenbar.' : ''}</p>`
        : `<p class="empty">Für diese Gebietsebene liegt keine Bedarfsanalyse vor.</p>${rows ? `<table><tbody>${rows}</tbody></table>` : ''}`
    }`;
  } catch (e) {
    if (token === detailToken) el().innerHTML = `<h3 id="h-needs">Versorgung nach Richtwerten</h3><p class="error">Bedarfsanalyse nicht verfügbar: ${escapeHtml(describeError(e))}</p>`;
  }
}

/** The needs analysis follows the slider on the needs map; elsewhere the latest population period. */
function needsPeriod() {
  if (state.theme === 'needs') return state.period;
  const pop = meta.indicators.find((m) => m.code === 'einwohner');
  const periods = pop?.periods ?? [];
  return periods.includes(state.period) ? state.period : (periods[periods.length - 1] ?? state.period);
}

async function detailMeasures(area, token) {
  const el = () => $('detail-measures');
  try {
    const measures = await loadMeasures(area);
    if (token !== detailToken) return;
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
    if (token === detailToken) el().innerHTML = `<h3 id="h-measures">Maßnahmen und Meilensteine</h3><p class="error">Maßnahmen nicht verfügbar: ${escapeHtml(describeError(e))}</p>`;
  }
}

/** "2025-Q3" → "2025-09-30"; null for anything else. */
function quarterEnd(q) {
  const m = /^(\d{4})-Q([1-4])$/.exec(q ?? '');
  if (!m) return null;
  return `${m[1]}-${['03-31', '06-30', '09-30', '12-31'][Number(m[2]) - 1]}`;
}

// ---------------------------------------------------------------------------------------------
// keyboard on the map: one tab stop, arrows move, Enter/Space selects

function rovingFocus() {
  const paths = [...document.querySelectorAll('#map path.area')];
  const target = paths.find((p) => p.dataset.code === state.selected) ?? paths.sort((a, b) => a.dataset.code.localeCompare(b.dataset.code))[0];
  for (const p of paths) p.setAttribute('tabindex', p === target ? '0' : '-1');
}

function onMapKey(e) {
  const p = e.target.closest?.('path.area');
  if (!p) return;
  const ordered = current.areas.map((a) => a.code);
  const i = ordered.indexOf(p.dataset.code);
  let next = null;
  if (e.key === 'ArrowRight' || e.key === 'ArrowDown') next = ordered[(i + 1) % ordered.length];
  else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') next = ordered[(i - 1 + ordered.length) % ordered.length];
  else if (e.key === 'Home') next = ordered[0];
  else if (e.key === 'End') next = ordered[ordered.length - 1];
  else if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    select(p.dataset.code, { focusMap: true });
    return;
  } else return;
  e.preventDefault();
  const el = document.querySelector(`#map path.area[data-code="${CSS.escape(next)}"]`);
  if (el) {
    for (const q of document.querySelectorAll('#map path.area')) q.setAttribute('tabindex', q === el ? '0' : '-1');
    el.focus();
    showTooltip(el);
  }
}

function showTooltip(p, ev) {
  const tip = $('tooltip');
  const area = current.byCode?.get(p.dataset.code);
  if (!area) return;
  tip.innerHTML = `<strong>${escapeHtml(area.name)}</strong>${escapeHtml(describeRow(current.rows.get(area.code)))}`;
  const wrap = $('map-wrap').getBoundingClientRect();
  let x;
  let y;
  if (ev) {
    x = ev.clientX - wrap.left + 14;
    y = ev.clientY - wrap.top + 14;
  } else {
    const r = p.getBoundingClientRect();
    x = r.left - wrap.left + r.width / 2;
    y = r.top - wrap.top + r.height / 2;
  }
  tip.hidden = false;
  tip.style.left = `${Math.min(x, wrap.width - 240)}px`;
  tip.style.top = `${Math.min(y, wrap.height - 50)}px`;
}

// ---------------------------------------------------------------------------------------------
// controls and state

function fillSelect(select, options, value) {
  select.replaceChildren();
  for (const o of options) {
    if (o.group) {
      const g = document.createElement('optgroup');
      g.label = o.group;
      for (const c of o.options) g.append(new Option(c.label, c.value, false, c.value === value));
      select.append(g);
    } else select.append(new Option(o.label, o.value, false, o.value === value));
  }
}

function populateControls() {
  const real = meta.indicators.filter((m) => !m.synthetic);
  const synth = meta.indicators.filter((m) => m.synthetic);
  const opt = (m) => ({ value: m.code, label: m.synthetic ? `${m.name} (synthetisch)` : m.name });
  fillSelect(
    $('indicator'),
    [...(real.length ? [{ group: 'Amtliche Statistik', options: real.map(opt) }] : []), ...(synth.length ? [{ group: 'Synthetische Sozialindikatoren', options: synth.map(opt) }] : [])],
    state.indicator,
  );
  fillSelect(
    $('index'),
    meta.indices.map((i) => ({ value: i.code, label: i.synthetic ? `${i.name} (synthetisch)` : i.name })),
    state.index,
  );
  fillSelect(
    $('norm'),
    meta.norms.map((n) => ({ value: n.code, label: n.name })),
    state.norm,
  );
  fillSelect(
    $('method'),
    methods.map((m) => ({ value: m.code, label: m.label })),
    state.method,
  );
  fillSelect($('offer-type'), [{ value: '', label: 'alle Arten' }, ...Object.entries(offerTypeLabels).map(([value, label]) => ({ value, label }))], state.offerType);
  fillSelect($('target-group'), [{ value: '', label: 'alle Zielgruppen' }, ...Object.entries(targetGroupLabels).map(([value, label]) => ({ value, label }))], state.targetGroup);
  $('norm').disabled = meta.norms.length === 0;
  document.querySelector('input[name=theme][value=index]').disabled = meta.indices.length === 0;
  document.querySelector('input[name=theme][value=needs]').disabled = meta.norms.length === 0;
}

function syncControls() {
  for (const r of document.querySelectorAll('input[name=theme]')) r.checked = r.value === state.theme;
  for (const el of document.querySelectorAll('[data-theme]')) el.hidden = el.dataset.theme !== state.theme;
  $('level').value = state.level;
  if (state.indicator) $('indicator').value = state.indicator;
  if (state.index) $('index').value = state.index;
  if (state.norm) $('norm').value = state.norm;
  $('method').value = state.method;
  $('classes').value = String(state.classes);
  $('infra-on').checked = state.infraOn;
  $('offer-type').value = state.offerType;
  $('target-group').value = state.targetGroup;
  $('offer-type').disabled = !state.infraOn;
  $('target-group').disabled = !state.infraOn;
  const periods = themePeriods();
  if (!periods.includes(state.period)) state.period = periods[periods.length - 1] ?? null;
  const slider = $('period');
  slider.max = String(Math.max(0, periods.length - 1));
  slider.value = String(Math.max(0, periods.indexOf(state.period)));
  slider.disabled = periods.length <= 1;
  slider.setAttribute('aria-valuetext', state.period ? periodLabel(state.period) : 'kein Zeitraum');
  $('period-ticks').replaceChildren(...periods.map((p, i) => new Option(periodLabel(p), String(i))));
  $('period-output').textContent = state.period ? periodLabel(state.period) : '–';
  $('period-min').textContent = periods[0] ? periodLabel(periods[0]) : '';
  $('period-max').textContent = periods.length > 1 ? periodLabel(periods[periods.length - 1]) : '';
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

const hashKeys = { theme: 'thema', level: 'ebene', indicator: 'indikator', index: 'index', norm: 'richtwert', method: 'klassen', classes: 'anzahl', period: 'zeitraum', selected: 'gebiet' };

function writeHash() {
  const p = new URLSearchParams();
  for (const [k, h] of Object.entries(hashKeys)) if (state[k] != null && state[k] !== '') p.set(h, String(state[k]));
  if (state.infraOn) p.set('einrichtungen', `${state.offerType}:${state.targetGroup}`);
  const next = `#${p.toString()}`;
  if (location.hash !== next) history.replaceState(null, '', next);
}

function readHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  for (const [k, h] of Object.entries(hashKeys)) {
    const v = p.get(h);
    if (v == null) continue;
    state[k] = k === 'classes' ? Math.min(7, Math.max(3, Number(v) || 5)) : v;
  }
  const e = p.get('einrichtungen');
  if (e != null) {
    const [t, g] = e.split(':');
    state.infraOn = true;
    state.offerType = t ?? '';
    state.targetGroup = g ?? '';
  }
  if (!['indicator', 'index', 'needs'].includes(state.theme)) state.theme = 'indicator';
  if (!['STADTBEZIRK', 'STADTTEIL', 'STADTVIERTEL'].includes(state.level)) state.level = 'STADTTEIL';
  if (!methods.some((m) => m.code === state.method)) state.method = 'quantile';
}

function bind() {
  const form = $('controls');
  form.addEventListener('change', (e) => {
    const t = e.target;
    if (t.name === 'theme') state.theme = t.value;
    else if (t.id === 'level') state.level = t.value;
    else if (t.id === 'indicator') state.indicator = t.value;
    else if (t.id === 'index') state.index = t.value;
    else if (t.id === 'norm') state.norm = t.value;
    else if (t.id === 'method') state.method = t.value;
    else if (t.id === 'classes') state.classes = Number(t.value);
    else if (t.id === 'infra-on') state.infraOn = t.checked;
    else if (t.id === 'offer-type') {
      state.offerType = t.value;
      // the needs map follows the kind of facility shown, when there is a norm for it
      const n = meta.norms.find((x) => x.offerType === t.value);
      if (n) state.norm = n.code;
    } else if (t.id === 'target-group') state.targetGroup = t.value;
    else return;
    render();
  });
  $('period').addEventListener('input', (e) => {
    const periods = themePeriods();
    state.period = periods[Number(e.target.value)] ?? state.period;
    $('period-output').textContent = periodLabel(state.period);
    render();
  });
  $('table-toggle').addEventListener('click', () => {
    state.tableOpen = !state.tableOpen;
    syncControls();
    if (state.tableOpen) {
      drawTable();
      $('table-view').querySelector('caption')?.setAttribute('tabindex', '-1');
    }
  });
  $('table-view').addEventListener('click', (e) => {
    const sort = e.target.closest('button.sort');
    if (sort) {
      const key = sort.dataset.sort;
      tableSort.dir = tableSort.key === key ? -tableSort.dir : key === 'value' ? -1 : 1;
      tableSort.key = key;
      drawTable();
      $('table-view').querySelector(`button.sort[data-sort="${key}"]`)?.focus();
      return;
    }
    const b = e.target.closest('button.row-select');
    if (!b) return;
    select(b.dataset.code);
    $('table-view')
      .querySelector(`button.row-select[data-code="${CSS.escape(b.dataset.code)}"]`)
      ?.focus();
  });
  $('map-notice').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-level]');
    if (!b) return;
    state.level = b.dataset.level;
    render();
  });
  $('detail-body').addEventListener('click', (e) => {
    const b = e.target.closest('button.row-select');
    if (b) select(b.dataset.code, { focusMap: true });
  });
  const svg = $('map');
  svg.addEventListener('click', (e) => {
    const p = e.target.closest('path.area');
    if (p) select(p.dataset.code);
  });
  svg.addEventListener('keydown', onMapKey);
  svg.addEventListener('mousemove', (e) => {
    const p = e.target.closest?.('path.area');
    if (p) showTooltip(p, e);
    else $('tooltip').hidden = true;
  });
  svg.addEventListener('mouseleave', () => ($('tooltip').hidden = true));
  svg.addEventListener('focusout', () => ($('tooltip').hidden = true));
}

function showAttribution() {
  const list = $('attribution-list');
  const have = new Set([...list.querySelectorAll('li')].map((li) => li.textContent.trim()));
  for (const s of meta.sources) {
    // synthetic sources are covered by the standing "synthetische Daten" note
    if (s.synthetic) continue;
    const text = s.attribution?.trim();
    if (!text || have.has(text) || [...have].some((h) => h.startsWith(text) || text.startsWith(h))) continue;
    const li = document.createElement('li');
    li.textContent = s.synthetic ? `${text} (synthetisch)` : text;
    if (s.licence && !text.includes(s.licence)) li.title = `Lizenz: ${s.licence}`;
    list.insertBefore(li, list.querySelector('.synthetic-note'));
    have.add(text);
  }
}

async function main() {
  readHash();
  bind();
  try {
    const data = await gql(queries.init);
    meta.indicators = data.indicators;
    meta.indices = data.indices;
    meta.sources = data.sources;
    if (data.areas?.[0]) meta.city = data.areas[0];
  } catch (e) {
    setStatus(`Fehler: ${describeError(e)}`, true);
    $('map-title').textContent = 'Daten nicht verfügbar';
    return;
  }
  try {
    meta.norms = (await gql(queries.norms)).planningNorms;
  } catch {
    meta.norms = []; // registry not connected: the needs theme stays disabled
  }
  if (!meta.indicators.some((m) => m.code === state.indicator)) {
    state.indicator = (meta.indicators.find((m) => m.code === 'einwohner') ?? meta.indicators[0])?.code ?? null;
  }
  if (!meta.indices.some((i) => i.code === state.index)) state.index = meta.indices[0]?.code ?? null;
  if (!meta.norms.some((n) => n.code === state.norm)) state.norm = (meta.norms.find((n) => n.offerType === state.offerType) ?? meta.norms[0])?.code ?? null;
  populateControls();
  showAttribution();
  await render();
  document.body.dataset.ready = 'true';
}

main();
