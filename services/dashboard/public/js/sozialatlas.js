// @ts-check
// The Sozialatlas (sozialatlas.html): the public search of offers in plain German. A citizen starts
// from a life situation (Lebenslage), a target group, a kind of offer, an area, a language or a point
// picked on the map with a radius; the result is a list (name, Träger, address, opening hours,
// languages, wheelchair access, contact, distance) and the same offers as points on the map. Reads
// only the tenant's GraphQL API through api.js, like the dashboard (docs/dashboard.md, "Sozialatlas").
import { gql, queries, describeError } from './api.js';
import { $, $select } from './dom.js';
import { offerKindLabel, offerTypeLabels, targetGroupLabels, formatNumber } from './format.js';
import { fitFrame, frameOf, pathData, labelPoint } from './geo.js';
import { lebenslagen, languageLabels, languageLabel, wheelchairLabels, radiusChoices, searchVariables, formatDistance } from './lebenslagen.js';

/** @import { ApiArea, AtlasOffer, AreaLevelInfo } from './api.js' */
/** @import { AtlasChoice } from './lebenslagen.js' */

const SVG = 'http://www.w3.org/2000/svg';
const MAP_W = 640;
const MAP_H = 520;

/** @type {{ areas: ApiArea[], basis: AreaLevelInfo | null, project: ((lon: number, lat: number) => [number, number]) | null, unproject: ((x: number, y: number) => { lat: number, lon: number }) | null, picked: { lat: number, lon: number } | null, offers: AtlasOffer[], after: string | null, total: number }} */
const atlas = { areas: [], basis: null, project: null, unproject: null, picked: null, offers: [], after: null, total: 0 };

/**
 * @param {HTMLSelectElement} select
 * @param {[string, string][]} options value, label
 */
function fill(select, options) {
  for (const [value, label] of options) select.append(new Option(label, value));
}

const byLabel = (/** @type {[string, string]} */ a, /** @type {[string, string]} */ b) => a[1].localeCompare(b[1], 'de');

function fillForm() {
  fill(
    $select('atlas-lebenslage'),
    lebenslagen.map((l) => [l.code, l.label]),
  );
  fill($select('atlas-zielgruppe'), Object.entries(targetGroupLabels).sort(byLabel));
  fill($select('atlas-angebotsart'), Object.entries(offerTypeLabels).sort(byLabel));
  fill($select('atlas-sprache'), Object.entries(languageLabels).sort(byLabel));
  fill(
    $select('atlas-umkreis'),
    radiusChoices.map((r) => [String(r), `bis ${formatDistance(r)}`]),
  );
  // areas grouped by their parent (Stadtteile under their Stadtbezirk): the parent itself first
  const select = $select('atlas-gebiet');
  /** @type {Map<string, { parent: { level: string, code: string, name: string } | null, areas: ApiArea[] }>} */
  const groups = new Map();
  for (const a of atlas.areas) {
    const key = a.parent ? `${a.parent.level}:${a.parent.code}` : '';
    const g = groups.get(key) ?? { parent: a.parent, areas: [] };
    g.areas.push(a);
    groups.set(key, g);
  }
  for (const g of [...groups.values()].sort((x, y) => (x.parent?.name ?? '').localeCompare(y.parent?.name ?? '', 'de'))) {
    const og = document.createElement('optgroup');
    og.label = g.parent && g.parent.level !== 'STADT' ? g.parent.name : 'Gebiete';
    if (g.parent && g.parent.level !== 'STADT') og.append(new Option(`${g.parent.name} (ganzer Bezirk)`, `${g.parent.level}:${g.parent.code}`));
    for (const a of g.areas.sort((x, y) => x.name.localeCompare(y.name, 'de'))) og.append(new Option(a.name, `${atlas.basis?.name}:${a.code}`));
    select.append(og);
  }
}

function drawMap() {
  const svg = $('atlas-map');
  svg.setAttribute('viewBox', `0 0 ${MAP_W} ${MAP_H}`);
  const geometries = atlas.areas.map((a) => a.geometry);
  if (!geometries.some(Boolean)) return;
  // far-off parts (Hamburg's Neuwerk) in an inset, as on the dashboard's map
  const { project, unproject, inset } = fitFrame(frameOf(geometries), MAP_W, MAP_H);
  atlas.project = project;
  atlas.unproject = (x, y) => {
    const [lon, lat] = unproject(x, y);
    return { lon, lat };
  };
  const g = document.createElementNS(SVG, 'g');
  g.id = 'atlas-areas';
  for (const a of atlas.areas) {
    const p = document.createElementNS(SVG, 'path');
    p.setAttribute('d', pathData(a.geometry, project));
    p.setAttribute('class', 'atlas-area');
    p.setAttribute('data-code', a.code);
    p.setAttribute('fill-rule', 'evenodd');
    g.append(p);
  }
  const offers = document.createElementNS(SVG, 'g');
  offers.id = 'atlas-points';
  const marker = document.createElementNS(SVG, 'g');
  marker.id = 'atlas-marker';
  // the map's <title> (its name for screen readers) stays
  const title = svg.querySelector('title');
  const frame = document.createElementNS(SVG, 'rect');
  if (inset) {
    for (const [k, v] of Object.entries({ x: inset.x, y: inset.y, width: inset.width, height: inset.height })) frame.setAttribute(k, v.toFixed(1));
    frame.setAttribute('class', 'inset-frame');
    frame.setAttribute('aria-hidden', 'true');
  }
  svg.replaceChildren(...(title ? [title] : []), ...(inset ? [frame] : []), g, offers, marker);
}

function drawPoints() {
  const g = document.getElementById('atlas-points');
  const marker = document.getElementById('atlas-marker');
  const project = atlas.project;
  if (!g || !marker || !project) return;
  g.replaceChildren();
  atlas.offers.forEach((o, i) => {
    const [x, y] = project(o.location.lon, o.location.lat);
    const c = document.createElementNS(SVG, 'circle');
    c.setAttribute('cx', x.toFixed(1));
    c.setAttribute('cy', y.toFixed(1));
    c.setAttribute('r', '5');
    c.setAttribute('class', 'atlas-point');
    const t = document.createElementNS(SVG, 'title');
    t.textContent = `${i + 1}. ${o.name}`;
    c.append(t);
    g.append(c);
  });
  marker.replaceChildren();
  const picked = chosenPoint();
  if (picked) {
    const [x, y] = project(picked.lon, picked.lat);
    const radius = Number($select('atlas-umkreis').value);
    if (radius > 0) {
      // metres to pixels: one degree of latitude is 111.32 km
      const [, yr] = project(picked.lon, picked.lat + radius / 111_320);
      const ring = document.createElementNS(SVG, 'circle');
      ring.setAttribute('cx', x.toFixed(1));
      ring.setAttribute('cy', y.toFixed(1));
      ring.setAttribute('r', Math.abs(y - yr).toFixed(1));
      ring.setAttribute('class', 'atlas-radius');
      marker.append(ring);
    }
    const cross = document.createElementNS(SVG, 'path');
    cross.setAttribute('d', `M${x - 8} ${y}H${x + 8}M${x} ${y - 8}V${y + 8}`);
    cross.setAttribute('class', 'atlas-cross');
    marker.append(cross);
  }
  for (const p of document.querySelectorAll('#atlas-areas path')) p.classList.toggle('chosen', chosenArea()?.code === p.getAttribute('data-code'));
}

/** the area chosen in the form, or null */
function chosenArea() {
  const v = $select('atlas-gebiet').value;
  if (!v) return null;
  const [level = '', code = ''] = v.split(':');
  return { level, code };
}

/** the point picked on the map, else the centre of the chosen area (the keyboard's way to a distance search) */
function chosenPoint() {
  if (atlas.picked) return atlas.picked;
  const area = chosenArea();
  const a = area && atlas.areas.find((x) => x.code === area.code && area.level === atlas.basis?.name);
  if (!a || !atlas.project || !atlas.unproject) return null;
  const p = labelPoint(a.geometry, atlas.project);
  return p ? atlas.unproject(p[0], p[1]) : null;
}

/** @returns {AtlasChoice} */
function choice() {
  return {
    lebenslage: $select('atlas-lebenslage').value,
    targetGroup: $select('atlas-zielgruppe').value,
    offerType: $select('atlas-angebotsart').value,
    language: $select('atlas-sprache').value,
    area: chosenArea(),
    point: chosenPoint(),
    radius: Number($select('atlas-umkreis').value),
  };
}

function pickedText() {
  const p = atlas.picked;
  $('atlas-ort').textContent = p
    ? `Ort auf der Karte gewählt (${p.lat.toLocaleString('de-DE', { maximumFractionDigits: 4 })} N, ${p.lon.toLocaleString('de-DE', { maximumFractionDigits: 4 })} O).`
    : 'Kein Ort gewählt: Mit Umkreis wird um die Mitte des gewählten Gebiets gesucht.';
  $('atlas-ort-weg').hidden = !p;
}

/**
 * One offer as a list entry.
 * @param {AtlasOffer} o
 * @param {number} n its place in the list
 */
function offerItem(o, n) {
  const li = document.createElement('li');
  li.className = 'atlas-offer';
  const h = document.createElement('h3');
  h.textContent = `${n}. ${o.name}`;
  li.append(h);
  const dl = document.createElement('dl');
  /** @param {string} term @param {string | Node} value */
  const row = (term, value) => {
    const dt = document.createElement('dt');
    dt.textContent = term;
    const dd = document.createElement('dd');
    dd.append(value);
    dl.append(dt, dd);
  };
  row('Art', offerKindLabel(o.offerType, o.subtype));
  row('Träger', o.provider);
  row('Adresse', [o.address.street, [o.address.postcode, o.address.city].filter(Boolean).join(' ')].filter(Boolean).join(', '));
  if (o.distanceMeters != null) row('Entfernung', formatDistance(o.distanceMeters));
  row('Öffnungszeiten', o.openingHours ?? 'keine Angabe');
  row('Sprachen', o.languages.length ? o.languages.map(languageLabel).join(', ') : 'keine Angabe');
  row('Barrierefreiheit', o.accessibility ? `${wheelchairLabels[o.accessibility.wheelchair] ?? o.accessibility.wheelchair}${o.accessibility.note ? `. ${o.accessibility.note}` : ''}` : 'keine Angabe');
  row('Für', o.targetGroups.map((t) => targetGroupLabels[t] ?? t).join(', ') || 'alle');
  const contact = document.createElement('span');
  const links = [];
  if (o.contact?.phone) links.push(link(`tel:${o.contact.phone.replace(/[^+\d]/g, '')}`, `Telefon ${o.contact.phone}`));
  if (o.contact?.email) links.push(link(`mailto:${o.contact.email}`, o.contact.email));
  if (o.contact?.website && /^https?:\/\//.test(o.contact.website)) links.push(link(o.contact.website, `Webseite von ${o.name}`));
  for (const [i, a] of links.entries()) contact.append(...(i ? [' · ', a] : [a]));
  row('Kontakt', links.length ? contact : 'keine Angabe');
  li.append(dl);
  if (o.synthetic || o.attribution) {
    const p = document.createElement('p');
    p.className = 'atlas-source';
    p.textContent = [o.synthetic ? 'Synthetisch: erfundenes Demo-Angebot.' : '', o.attribution ? `Quelle: ${o.attribution}` : ''].filter(Boolean).join(' ');
    li.append(p);
  }
  return li;
}

/**
 * @param {string} href
 * @param {string} text
 */
function link(href, text) {
  const a = document.createElement('a');
  a.href = href;
  a.textContent = text;
  if (href.startsWith('http')) a.rel = 'noopener noreferrer';
  return a;
}

/** @param {boolean} more the next page of the same search */
async function search(more = false) {
  const status = $('atlas-status');
  document.body.dataset.loading = 'true';
  status.textContent = 'Suche läuft …';
  try {
    const vars = searchVariables(choice());
    const data = await gql(queries.atlasOffers, { ...vars, after: more ? atlas.after : null });
    const page = data.offers;
    atlas.offers = more ? [...atlas.offers, ...page.edges.map((e) => e.node)] : page.edges.map((e) => e.node);
    atlas.after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    atlas.total = page.totalCount;
    const list = $('atlas-results');
    if (!more) list.replaceChildren();
    const from = list.children.length;
    for (const [i, e] of page.edges.entries()) list.append(offerItem(e.node, from + i + 1));
    $('atlas-mehr').hidden = !atlas.after;
    const shown = atlas.offers.length;
    status.textContent =
      atlas.total === 0
        ? 'Keine Angebote gefunden. Versuchen Sie weniger Angaben oder einen größeren Umkreis.'
        : `${formatNumber(atlas.total, 0)} ${atlas.total === 1 ? 'Angebot' : 'Angebote'} gefunden${shown < atlas.total ? `, ${formatNumber(shown, 0)} angezeigt` : ''}${vars.near ? ', nach Entfernung sortiert' : ''}.`;
    drawPoints();
  } catch (e) {
    status.textContent = `Die Suche ist fehlgeschlagen: ${describeError(e)}`;
  } finally {
    document.body.dataset.loading = 'false';
  }
}

function bind() {
  $('atlas-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void search();
  });
  $('atlas-mehr').addEventListener('click', () => void search(true));
  $('atlas-ort-weg').addEventListener('click', () => {
    atlas.picked = null;
    pickedText();
    drawPoints();
  });
  $select('atlas-gebiet').addEventListener('change', () => drawPoints());
  $select('atlas-umkreis').addEventListener('change', () => drawPoints());
  const svg = /** @type {SVGSVGElement} */ (/** @type {unknown} */ ($('atlas-map')));
  svg.addEventListener('click', (ev) => {
    const ctm = svg.getScreenCTM();
    if (!ctm || !atlas.unproject) return;
    const pt = new DOMPoint(ev.clientX, ev.clientY).matrixTransform(ctm.inverse());
    atlas.picked = atlas.unproject(pt.x, pt.y);
    const umkreis = $select('atlas-umkreis');
    if (!Number(umkreis.value)) umkreis.value = '1000';
    pickedText();
    drawPoints();
  });
}

async function start() {
  bind();
  try {
    const init = await gql(queries.atlasInit, {});
    const root = init.areaLevels.find((l) => l.parentLevel === null);
    atlas.basis = init.areaLevels.find((l) => l.basis) ?? init.areaLevels.find((l) => l.parentLevel === root?.name) ?? null;
    const [city, areas] = await Promise.all([
      root ? gql(queries.root, { level: root.name }) : Promise.resolve({ areas: [] }),
      atlas.basis ? gql(queries.areas, { level: atlas.basis.name }) : Promise.resolve({ areas: [] }),
    ]);
    const cityName = city.areas[0]?.name;
    if (cityName) {
      $('atlas-title').textContent = `Sozialatlas ${cityName}`;
      document.title = `Sozialatlas ${cityName} – Angebote in Ihrer Nähe`;
    }
    atlas.areas = areas.areas;
    $('atlas-gebiet-label').textContent = atlas.basis ? `Gebiet (${atlas.basis.label})` : 'Gebiet';
    fillForm();
    drawMap();
    pickedText();
    const footer = $('atlas-sources');
    for (const text of new Set(init.sources.map((s) => `${s.attribution}${s.synthetic ? ' (synthetisch)' : ''}`))) {
      const li = document.createElement('li');
      li.textContent = text;
      footer.append(li);
    }
    await search();
  } catch (e) {
    $('atlas-status').textContent = `Der Sozialatlas konnte nicht geladen werden: ${describeError(e)}`;
  } finally {
    document.body.dataset.ready = 'true';
  }
}

void start();
