// TEST HELPER for the dashboard's browser test when the platform is not built: the real gateway
// (createGateway, the same schema and limits the platform serves) over in-memory sources made from
// the Köln open data in ../shared — real geometries, real Einwohner 2005–2012 and real schools and
// Kitas — plus a synthetic SGB-II rate (labelled synthetic, three cells suppressed), a composite
// index, a Kita needs analysis and three example measures. The dashboard's own static handler
// serves the page, so the browser sees what it sees on the platform: / and /graphql, one origin.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { serveDashboard } from '@sp/dashboard';
import {
  areaSourceFromReference,
  createGateway,
  type AreaSource,
  type AreaView,
  type CatalogueSource,
  type ControllingSource,
  type GeoJsonGeometry,
  type IndicatorMeta,
  type MeasureView,
  type MilestoneView,
  type NeedsRowView,
  type OfferView,
  type RegistrySource,
} from '@sp/gateway';
import { indicatorMeta, MemoryIndicatorReader, testAuth, type MemoryCell } from '@sp/gateway/testing';
import type { IndexValue } from '@sp/indicator-store';
import { loadReference } from '@sp/spatial';
import { repoRoot } from '@sp/testing';

const dataRoot = resolve(process.env.SP_SHARED_DATA ?? join(repoRoot, '../shared'), 'data/koeln');
const years = ['2005', '2006', '2007', '2008', '2009', '2010', '2011', '2012'];

interface Feature {
  properties: Record<string, string | number | null>;
  geometry: GeoJsonGeometry;
}
const readGeo = (rel: string): Feature[] => (JSON.parse(readFileSync(join(dataRoot, rel), 'utf8')) as { features: Feature[] }).features;

// ---- areas ------------------------------------------------------------------------------------

/** The Köln reference as the platform loads it: its levels (with the Sozialraumgebiete) and real geometries. */
function areaSource(): AreaSource {
  return areaSourceFromReference(loadReference('koeln'));
}

// ---- indicators -------------------------------------------------------------------------------

/** Real population figures: table, line → value per (raum_id, year). */
function population(): { einwohner: Map<string, number>; migration: Map<string, number>; under6: Map<string, number> } {
  const text = readFileSync(join(dataRoot, 'statistik/koeln_bevoelkerung_2005-2012_stadt_bezirke_stadtteile_long.csv'), 'utf8');
  const einwohner = new Map<string, number>();
  const migration = new Map<string, number>();
  const under6 = new Map<string, number>();
  for (const line of text.split('\n').slice(1)) {
    const c = line.split(',');
    if (c.length < 9) continue;
    const [, tab, , year, raum, , zeile] = c;
    const key = `${raum}|${year}`;
    const v = Number(c[8]);
    if (tab === '005' && zeile === '10') einwohner.set(key, v);
    else if (tab === '030' && zeile === '10') migration.set(key, v);
    else if (tab === '020' && (zeile === '10' || zeile === '20')) under6.set(key, (under6.get(key) ?? 0) + v);
  }
  return { einwohner, migration, under6 };
}

const raumToArea = (raum: string): { level: string; code: string } =>
  raum === '000' ? { level: 'STADT', code: '0' } : raum.startsWith('00') ? { level: 'STADTBEZIRK', code: raum.slice(2) } : { level: 'STADTTEIL', code: raum };

/** A stable pseudo-random number in [0, 1) for a string (the synthetic model must not change between runs). */
function hash01(s: string): number {
  let h = 2166136261;
  for (const ch of s) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return ((h >>> 0) % 100000) / 100000;
}

function indicatorCells(): { cells: MemoryCell[]; index: IndexValue[] } {
  const { einwohner, migration, under6 } = population();
  const cells: MemoryCell[] = [];
  const sgb2ByArea = new Map<string, number>();
  for (const [key, ew] of einwohner) {
    const [raum, year] = key.split('|') as [string, string];
    const area = raumToArea(raum);
    const knownAt = `${Number(year) + 1}-03-01T00:00:00.000Z`;
    cells.push({ indicator: 'einwohner', level: area.level, areaCode: area.code, period: year, value: ew, knownAt });
    const mig = migration.get(key);
    if (mig != null) cells.push({ indicator: 'anteil_migrationshintergrund', level: area.level, areaCode: area.code, period: year, value: (mig / ew) * 100, numerator: mig, denominator: ew, knownAt });
    const u6 = under6.get(key);
    if (u6 != null) cells.push({ indicator: 'anteil_unter_6', level: area.level, areaCode: area.code, period: year, value: (u6 / ew) * 100, numerator: u6, denominator: ew, knownAt });
    if (area.level === 'STADTTEIL') {
      // synthetic SGB-II recipients: rises with the share of migration history, plus a stable per-area offset
      const share = (mig ?? 0) / ew;
      const rate = Math.max(0.5, 2 + share * 28 + (hash01(area.code) - 0.5) * 8 - (Number(year) - 2005) * 0.15);
      sgb2ByArea.set(key, Math.round((ew * rate) / 100));
    }
  }
  // three small Stadtteile get fewer than 3 recipients in 2012: primary suppression, rate derived
  const smallest = [...einwohner.entries()]
    .filter(([k]) => k.endsWith('|2012') && raumToArea(k.split('|')[0]!).level === 'STADTTEIL')
    .sort((a, b) => a[1] - b[1])
    .slice(0, 3)
    .map(([k]) => k.split('|')[0]!);
  const bezirkSum = new Map<string, { n: number; ew: number }>();
  for (const [key, n] of sgb2ByArea) {
    const [raum, year] = key.split('|') as [string, string];
    const ew = einwohner.get(key)!;
    const suppressed = year === '2012' && smallest.includes(raum);
    const value = suppressed ? 2 : n;
    for (const k of [`${raum.slice(0, 1)}|${year}`, `0|${year}`]) {
      const s = bezirkSum.get(k) ?? { n: 0, ew: 0 };
      bezirkSum.set(k, { n: s.n + value, ew: s.ew + ew });
    }
    cells.push({
      indicator: 'sgb2_quote',
      level: 'STADTTEIL',
      areaCode: raum,
      period: year,
      value: (value / ew) * 100,
      numerator: value,
      denominator: ew,
      synthetic: true,
      ...(suppressed ? { suppress: 'DERIVED' as const } : {}),
    });
  }
  for (const [k, s] of bezirkSum) {
    const [code, year] = k.split('|') as [string, string];
    cells.push({ indicator: 'sgb2_quote', level: code === '0' ? 'STADT' : 'STADTBEZIRK', areaCode: code, period: year, value: (s.n / s.ew) * 100, numerator: s.n, denominator: s.ew, synthetic: true });
  }
  // composite index per year and level: z(SGB-II rate) standardised, classed by SD thresholds
  const index: IndexValue[] = [];
  for (const level of ['STADTBEZIRK', 'STADTTEIL']) {
    for (const year of years) {
      const rows = cells.filter((c) => c.indicator === 'sgb2_quote' && c.level === level && c.period === year);
      const scored = rows.filter((r) => !r.suppress);
      const vals = scored.map((r) => r.value!);
      const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
      const sd = Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / vals.length) || 1;
      for (const r of rows) {
        const score = r.suppress ? null : (r.value! - mean) / sd;
        const cls = score == null ? null : score < -1 ? 'sehr gering' : score < -0.5 ? 'gering' : score < 0.5 ? 'durchschnittlich' : score < 1 ? 'erhöht' : 'hoch';
        index.push({ index: 'sozialindex', areaLevel: level, areaCode: r.areaCode, period: year, score, class: cls, scored: score != null, definitionVersion: 1 });
      }
    }
  }
  return { cells, index };
}

const meta = (m: Partial<IndicatorMeta> & Pick<IndicatorMeta, 'code' | 'name'>): IndicatorMeta => indicatorMeta({ sourceAmt: 'Amt für Stadtentwicklung und Statistik', ...m });

const catalogue: CatalogueSource = {
  authorities: () => [],
  indicators: () => [
    meta({ code: 'einwohner', name: 'Einwohner*innen', description: 'Einwohner*innen mit Hauptwohnsitz am 31.12.' }),
    meta({ code: 'anteil_migrationshintergrund', name: 'Anteil mit Migrationshintergrund', unit: '%', kind: 'share', description: 'Einwohner*innen mit Migrationshintergrund je 100 Einwohner*innen' }),
    meta({ code: 'anteil_unter_6', name: 'Anteil Kinder unter 6 Jahren', unit: '%', kind: 'share', description: 'Kinder unter 6 Jahren je 100 Einwohner*innen' }),
    meta({
      code: 'sgb2_quote',
      name: 'SGB-II-Quote',
      unit: '%',
      kind: 'rate',
      polarity: 'NEGATIVE',
      synthetic: true,
      sourceAmt: 'Jobcenter (synthetisch)',
      description: 'Leistungsberechtigte nach SGB II je 100 Einwohner*innen (synthetisches Modell)',
      sources: ['synthetisch', 'bevoelkerung'],
    }),
  ],
  indices: () => [
    {
      code: 'sozialindex',
      name: 'Sozialindex (Belastung)',
      description: 'z-standardisierte SGB-II-Quote, Klassen nach Standardabweichungen',
      inputs: [{ indicator: 'sgb2_quote', polarity: 'NEGATIVE' }],
      classes: [
        { label: 'sehr gering', from: null },
        { label: 'gering', from: -1 },
        { label: 'durchschnittlich', from: -0.5 },
        { label: 'erhöht', from: 0.5 },
        { label: 'hoch', from: 1 },
      ],
      minPopulation: 300,
      version: 1,
      synthetic: true,
      published: true,
    },
  ],
  sources: () => [
    { code: 'stadtgliederung', name: 'Stadtgliederung', licence: 'dl-de/by-2-0', attribution: 'Stadt Köln – Offene Daten Köln (Stadtgliederung), dl-de/by-2-0', synthetic: false },
    { code: 'bevoelkerung', name: 'Bevölkerung 2005–2012', licence: 'dl-de/by-2-0', attribution: 'Stadt Köln, Amt für Stadtentwicklung und Statistik – Offene Daten Köln', synthetic: false },
    { code: 'schulen', name: 'Schulen', licence: 'dl-de/by-2-0', attribution: 'Stadt Köln – Offene Daten Köln (Schulen, Spielplätze)', synthetic: false },
    { code: 'osm', name: 'OpenStreetMap 2013', licence: 'ODbL 1.0', attribution: '© OpenStreetMap contributors, ODbL 1.0', synthetic: false },
    { code: 'synthetisch', name: 'Synthetisches Modell', licence: 'CC0', attribution: 'synthetische Demodaten (docs/synthetic-model.md)', synthetic: true },
  ],
};

// ---- registry ---------------------------------------------------------------------------------

function inRing(lon: number, lat: number, ring: number[][]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as [number, number];
    const [xj, yj] = ring[j] as [number, number];
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
function inGeometry(lon: number, lat: number, g: GeoJsonGeometry | null): boolean {
  if (!g) return false;
  const polys = (g.type === 'Polygon' ? [g.coordinates] : g.coordinates) as number[][][][];
  return polys.some((p) => inRing(lon, lat, p[0]!) && !p.slice(1).some((h) => inRing(lon, lat, h)));
}

function registry(areas: ReturnType<typeof areaSource>, cells: MemoryCell[]): RegistrySource {
  const stadtteile = areas.areas('STADTTEIL');
  const locate = (lon: number, lat: number) => stadtteile.find((a) => inGeometry(lon, lat, areas.geometry('STADTTEIL', a.code)));
  const offers: OfferView[] = [];
  const push = (o: Omit<OfferView, 'version' | 'areas' | 'validFrom' | 'amt' | 'reach' | 'synthetic'>, stt: AreaView | undefined) =>
    offers.push({
      ...o,
      version: 1,
      amt: o.offerType === 'schule' ? '40' : '51',
      reach: 'STADTTEIL',
      validFrom: '2013-01-01',
      // the Kita capacities are made up (60 places each; the demo's are generated too): synthetic
      synthetic: o.offerType === 'kita',
      areas: stt
        ? [
            { level: 'STADTTEIL', code: stt.code },
            { level: 'STADTBEZIRK', code: stt.code.slice(0, 1) },
            { level: 'STADT', code: '0' },
          ]
        : [{ level: 'STADT', code: '0' }],
    });
  for (const [i, f] of readGeo('infrastruktur/koeln_schulen_stadt_koeln.geojson').entries()) {
    const [lon, lat] = f.geometry.coordinates as [number, number];
    push(
      {
        key: `schule-${i}`,
        name: String(f.properties['Schulname mit Kürzel'] ?? f.properties.Schulname),
        offerType: 'schule',
        subtype: String(f.properties.Schulart ?? ''),
        provider: String(f.properties.Träger ?? 'Stadt Köln'),
        targetGroups: ['kinder_und_jugendliche'],
        address: { street: String(f.properties.Adresse ?? ''), postcode: String(f.properties.Postzustellbezirk ?? ''), city: 'Köln' },
        location: { lat, lon },
        source: 'schulen',
        attribution: 'Stadt Köln – Offene Daten Köln (Schulen, Spielplätze)',
      },
      stadtteile.find((a) => a.code === String(f.properties['Stadtteil-Nr.'])),
    );
  }
  for (const [i, f] of readGeo('infrastruktur/osm_2013/osm_amenity_kindergarten.geojson').entries()) {
    const [lon, lat] = f.geometry.coordinates as [number, number];
    // the OSM extract is a bounding box around Köln: places outside the city are not the city's
    const stt = locate(lon, lat);
    if (!stt) continue;
    push(
      {
        key: `kita-${i}`,
        name: String(f.properties['tags/name'] || 'Kita (ohne Namen in OSM)'),
        offerType: 'kita',
        provider: 'unbekannt',
        targetGroups: ['kinder', 'familien_mit_kindern'],
        address: { city: 'Köln' },
        location: { lat, lon },
        capacity: { value: 60, unit: 'plaetze' },
        source: 'osm',
        attribution: '© OpenStreetMap contributors, ODbL 1.0',
      },
      stt,
    );
  }
  const children = new Map(cells.filter((c) => c.indicator === 'anteil_unter_6').map((c) => [`${c.level}|${c.areaCode}|${c.period}`, c.numerator ?? 0]));
  return {
    async searchOffers(q) {
      const hit = offers.filter(
        (o) =>
          (!q.offerTypes?.length || q.offerTypes.includes(o.offerType)) &&
          (!q.targetGroups?.length || q.targetGroups.some((t) => o.targetGroups.includes(t))) &&
          (!q.area || o.areas.some((a) => a.level === q.area!.level && a.code === q.area!.code)),
      );
      return { items: hit.slice(q.offset, q.offset + q.limit), total: hit.length };
    },
    offerHistory: async (key) => offers.filter((o) => o.key === key),
    norms: async () => [
      { code: 'kita_plaetze', name: 'Kita-Plätze je 100 Kinder unter 6', offerType: 'kita', unit: 'Plätze je 100 Kinder', description: 'Richtwert 45 Plätze je 100 Kinder unter 6 Jahren' },
    ],
    async needs(q): Promise<NeedsRowView[]> {
      if (q.norm !== 'kita_plaetze' || (q.level !== 'STADTTEIL' && q.level !== 'STADTBEZIRK')) return [];
      return areas.areas(q.level).map((a) => {
        const supply = offers.filter((o) => o.offerType === 'kita' && o.areas.some((r) => r.level === q.level && r.code === a.code)).reduce((s, o) => s + (o.capacity?.value ?? 0), 0);
        const kids = children.get(`${q.level}|${a.code}|${q.period}`);
        const demand = kids == null ? null : Math.round(kids * 0.45);
        return {
          norm: q.norm,
          area: { level: q.level, code: a.code },
          period: q.period,
          supply,
          demand,
          coverage: demand ? supply / demand : null,
          gap: demand == null ? null : demand - supply,
          suppressed: false,
        };
      });
    },
  };
}

// ---- controlling ------------------------------------------------------------------------------

function controlling(): ControllingSource {
  const m = (key: string, title: string, areaCodes: string[], status: string, leadAmt: string, light: string, plannedStart: string, plannedEnd: string): MeasureView => ({
    key,
    version: 1,
    title,
    goalKeys: ['ziel-teilhabe'],
    areas: areaCodes.map((code) => ({ level: code.length === 1 ? 'STADTBEZIRK' : 'STADTTEIL', code })),
    targetGroups: ['familien_mit_kindern'],
    leadAmt,
    participants: [],
    budget: [{ year: 2012, planned: 120000, spent: light === 'red' ? 150000 : 80000 }],
    plannedStart,
    plannedEnd,
    status,
    example: true,
    description: `Beispielmaßnahme (Ampel: ${light})`,
  });
  const lights: Record<string, string> = { 'm-familienzentrum-chorweiler': 'yellow', 'm-kita-ausbau-kalk': 'red', 'm-quartiersmanagement-1': 'green' };
  const measures = [
    m('m-familienzentrum-chorweiler', 'Familienzentrum Chorweiler-Nord ausbauen', ['609'], 'in_progress', 'Amt für Kinder, Jugend und Familie', 'yellow', '2011-03-01', '2014-12-31'),
    m('m-kita-ausbau-kalk', 'Kita-Ausbau Kalk', ['802', '803'], 'in_progress', 'Amt für Kinder, Jugend und Familie', 'red', '2010-08-01', '2013-07-31'),
    m('m-quartiersmanagement-1', 'Quartiersmanagement Innenstadt', ['1'], 'completed', 'Amt für Stadtentwicklung und Statistik', 'green', '2008-01-01', '2012-12-31'),
  ];
  const milestones: MilestoneView[] = [
    { key: 'ms1', version: 1, measureKey: 'm-familienzentrum-chorweiler', title: 'Konzept beschlossen', plannedDate: '2011-06-30', actualDate: '2011-07-12', reached: true },
    { key: 'ms2', version: 1, measureKey: 'm-familienzentrum-chorweiler', title: 'Räume angemietet', plannedDate: '2012-03-31', reached: false },
    { key: 'ms3', version: 1, measureKey: 'm-kita-ausbau-kalk', title: 'Baubeginn', plannedDate: '2011-04-01', actualDate: '2011-09-15', reached: true },
    { key: 'ms4', version: 1, measureKey: 'm-kita-ausbau-kalk', title: '80 neue Plätze belegt', plannedDate: '2099-08-01', reached: false },
  ];
  const contains = (measure: MeasureView, level: string, code: string) =>
    measure.areas.some((a) => (a.level === level && a.code === code) || (a.level === 'STADTBEZIRK' && code.startsWith(a.code) && level !== 'STADTBEZIRK'));
  return {
    goals: async () => [],
    goalHistory: async () => [],
    measures: async (f) => measures.filter((x) => !f.area || contains(x, f.area.level, f.area.code)),
    milestones: async (keys) => milestones.filter((s) => keys.includes(s.measureKey)),
    statusReports: async () => [],
    controlling: async (keys) =>
      measures
        .filter((x) => keys.includes(x.key))
        .map((x) => ({
          measureKey: x.key,
          budgetPlanned: x.budget[0]!.planned,
          budgetSpent: x.budget[0]!.spent,
          budgetUse: x.budget[0]!.spent / x.budget[0]!.planned,
          budgetApproved: null,
          approvedBudgetUse: null,
          startSlippageDays: 0,
          endSlippageDays: 0,
          milestonesDue: 1,
          milestonesOverdue: lights[x.key] === 'yellow' ? 1 : 0,
          trafficLight: lights[x.key] ?? 'green',
        })),
    evaluation: async (q) => ({
      goalKey: q.goalKey,
      indicator: '',
      before: q.before,
      after: q.after,
      treatedBefore: null,
      treatedAfter: null,
      cityBefore: null,
      cityAfter: null,
      comparisonBefore: null,
      comparisonAfter: null,
      differenceInDifferences: null,
    }),
  };
}

// ---- server -----------------------------------------------------------------------------------

export interface FixturePlatform {
  url: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (a free port): the dashboard at /, GraphQL at /graphql. */
export async function startFixturePlatform(): Promise<FixturePlatform> {
  const areas = areaSource();
  const { cells, index } = indicatorCells();
  const gateway = createGateway({
    areas,
    catalogue,
    indicators: new MemoryIndicatorReader(cells, index),
    registry: registry(areas, cells),
    controlling: controlling(),
    auth: testAuth,
  });
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (gateway.handles(path)) return gateway.handler(req, res);
    // nobody signs in at the fixture: the page asks as the public (the platform's session routes: docs/auth.md)
    if (path === '/session/me') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"signedIn":false,"role":"public"}');
    if (serveDashboard(req, res)) return;
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('nicht gefunden');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
