// The gateway's registry and controlling sources on real engines: the Köln demo registry and the
// demo planning records in a real PostgreSQL, the Köln population and synthetic social figures in
// chDB behind the WarehouseIndicatorReader. Expected numbers are recomputed here from the reader
// and the repositories, not copied from the implementation.
import { controllingOfMeasures, goalRecord, listMeasures, readKoelnDemo } from '@sp/controlling';
import { createPgDatabase, type PgDatabase } from '@sp/database-pg';
import { loadKoelnWarehouse } from '@sp/demo/testing';
import type { ControllingSource, RegistrySource } from '../sources.js';
import type { IndicatorReader } from '@sp/indicator-store';
import type { Warehouse } from '@sp/ports';
import { RegistryRepository, spatialAreaLocator, type OfferRecord } from '@sp/registry';
import { haversineMeters, loadReference, populationWeightedCentre } from '@sp/spatial';
import { startPostgres, tempDir, type PostgresInstance } from '@sp/testing';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controllingSourceFrom } from './controlling.source.js';
import { loadDemoOffers, loadDemoPlanning } from '../testing/demo-read-models.fixture.js';
import { registrySourceFrom } from './registry.source.js';

const reference = loadReference('koeln');
const stadtteil = (code: string) => ({ level: 'STADTTEIL', code });
const CHORWEILER_SR = { level: 'SOZIALRAUM', code: 'blumenberg-chorweiler-seeberg-nord' };
const CHORWEILER_GOAL = 'ziel:sr:blumenberg-chorweiler-seeberg-nord:sgb2';
const CITY_GOAL = 'ziel:p2030:ls3:kinderarmut';
const FAMILIENBUERO = 'massnahme:blumenberg-chorweiler-seeberg-nord:familienbuero';

let pg: PostgresInstance;
let db: PgDatabase;
let wh: Warehouse;
let repo: RegistryRepository;
let reader: IndicatorReader;
let registry: RegistrySource;
let controlling: ControllingSource;
let offers: OfferRecord[];

async function loadRegistry(): Promise<void> {
  pg = await startPostgres();
  db = createPgDatabase({ url: pg.url });
  repo = new RegistryRepository(db, spatialAreaLocator(reference));
  offers = await loadDemoOffers(repo, reference);
  await loadDemoPlanning(db);
}

async function loadIndicators(): Promise<void> {
  wh = await openChdbWarehouse({ path: tempDir('sp-sources-') });
  // population 2005–2012 is real; SGB II is synthetic and monthly, December 2011 and 2012 are enough
  reader = await loadKoelnWarehouse(wh, { reference, from: '2011-12', to: '2012-12' });
}

beforeAll(async () => {
  await Promise.all([loadRegistry(), loadIndicators()]);
  registry = registrySourceFrom(repo, reader, reference);
  controlling = controllingSourceFrom(db, reader, reference);
}, 180_000);

afterAll(async () => {
  await wh?.close();
  await db?.close();
  await pg?.wipe();
});

/** Values of an indicator per area code (privileged), for recomputing expectations. */
async function valuesOf(indicator: string, level: string, period: string, privileged = true) {
  const rows = await reader.values({ indicator, level, periods: [period], privileged });
  return new Map(rows.map((r) => [r.areaCode, r]));
}

describe('registry source', () => {
  it('finds the offers for Alleinerziehende in Chorweiler (Stadtteil 609), mapped field by field', async () => {
    const page = await registry.searchOffers({ targetGroups: ['alleinerziehende'], area: stadtteil('609'), offset: 0, limit: 20 });
    expect(page.total).toBe(3);
    expect(page.items.map((o) => o.key).sort()).toEqual(['syn:alleinerziehende:chorweiler:1', 'syn:alleinerziehende:chorweiler:2', 'syn:alleinerziehende:chorweiler:3']);
    for (const item of page.items) {
      const { reachArea: _reach, distanceMeters: _distance, ...stored } = (await repo.getOffer(item.key))!;
      expect(item).toEqual(stored);
      expect(item.synthetic).toBe(true);
      expect(item.areas).toEqual(expect.arrayContaining([stadtteil('609'), { level: 'STADTBEZIRK', code: '6' }, { level: 'STADT', code: '0' }, CHORWEILER_SR]));
    }
    const second = await registry.searchOffers({ targetGroups: ['alleinerziehende'], area: stadtteil('609'), offset: 2, limit: 1 });
    expect(second).toMatchObject({ total: 3, items: [{ key: page.items[2]!.key }] });
  });

  it('maps every filter: type, Amt, provider, text, radius, bounding box; empty lists mean no filter', async () => {
    const treff = offers.find((o) => o.key === 'syn:alleinerziehende:chorweiler:1')!;
    const keys = async (q: Partial<Parameters<RegistrySource['searchOffers']>[0]>) => (await registry.searchOffers({ offset: 0, limit: 500, ...q })).items.map((o) => o.key);
    expect(await keys({ offerTypes: ['offener_treff'], amt: 'jugendamt', area: stadtteil('609') })).toEqual([treff.key]);
    expect(await keys({ provider: 'familienforum nord', text: 'Treffpunkt' })).toEqual([treff.key]);
    expect(await keys({ near: { lat: treff.location.lat, lon: treff.location.lon, radiusMeters: 5 } })).toEqual([treff.key]);
    const d = 0.0001;
    const box = await keys({ bbox: { minLat: treff.location.lat - d, minLon: treff.location.lon - d, maxLat: treff.location.lat + d, maxLon: treff.location.lon + d } });
    expect(box).toEqual([treff.key]);
    expect((await registry.searchOffers({ offerTypes: [], targetGroups: [], text: ' ', offset: 0, limit: 1 })).total).toBe(offers.length);
  });

  it('gives the Sozialatlas details of offer v2 where the registry has them (the synthetic demo offers), searches by language and says the distance', async () => {
    const treff = offers.find((o) => o.key === 'syn:alleinerziehende:chorweiler:1')!;
    const [item] = (await registry.searchOffers({ near: { lat: treff.location.lat, lon: treff.location.lon, radiusMeters: 5 }, offset: 0, limit: 1 })).items;
    expect(item).toMatchObject({ key: treff.key, openingHours: treff.openingHours, languages: treff.languages, accessibility: treff.accessibility, contact: treff.contact });
    expect(item!.openingHours).toMatch(/Uhr/);
    expect(item!.contact?.email).toMatch(/@example\.org$/);
    expect(item!.distanceMeters).toBeLessThan(5);
    const school = (await registry.searchOffers({ offerTypes: ['schule'], offset: 0, limit: 1 })).items[0]!;
    expect(school).toMatchObject({ synthetic: false, openingHours: null, languages: [], accessibility: null, contact: null });
    const arabic = await registry.searchOffers({ languages: ['ar'], offset: 0, limit: 500 });
    expect(arabic.total).toBe(offers.filter((o) => o.languages?.includes('ar')).length);
    expect(arabic.total).toBeGreaterThan(0);
  });

  it('gives every version of an offer, placed like the current one', async () => {
    const v1 = offers.find((o) => o.key === 'syn:senioren:chorweiler:1')!;
    const v2 = { ...v1, version: 2, name: `${v1.name} (neue Räume)`, capacity: { value: 25, unit: 'plaetze' } };
    const applied = await repo.applyOfferEvents([
      { key: v1.key, version: 2, recordType: 'offer', amt: v1.amt, deliveryId: 'history-test', deliveredAt: Date.UTC(2025, 5, 1), tombstone: false, payload: v2 },
    ]);
    expect(applied.counts.rejected).toBe(0);
    const history = await registry.offerHistory(v1.key);
    expect(history.map((h) => [h.version, h.name])).toEqual([
      [1, v1.name],
      [2, v2.name],
    ]);
    const current = (await repo.getOffer(v1.key))!;
    for (const h of history) expect([...h.areas].sort(byArea)).toEqual([...current.areas].sort(byArea));
    expect(history[1]).toMatchObject({ capacity: { value: 25, unit: 'plaetze' }, address: { city: v1.address.city }, synthetic: true, validFrom: v1.validFrom });
    expect(await registry.offerHistory('no-such-offer')).toEqual([]);
  });

  it('lists the planning norms', async () => {
    const norms = await registry.norms();
    expect(norms.map((n) => n.code)).toEqual(repo.norms().map((n) => n.code));
    const kita = norms.find((n) => n.code === 'kita_plaetze_1_6')!;
    expect(kita).toMatchObject({ offerType: 'kita', unit: 'plaetze', name: repo.norms()[0]!.name });
    // the sentence names offer types and target groups by the taxonomy's German labels, never by code
    expect(kita.description).toMatch(/^84 Plätze in Angeboten der Art „Kita \(Kindertageseinrichtung\)“ je 100 Kinder von 1 bis unter 6 Jahren\./);
    expect(norms.find((n) => n.code === 'offener_treff_einwohner')).toMatchObject({ unit: 'angebote' });
    expect(norms.find((n) => n.code === 'ambulante_pflege_mmb')!.description).toMatch(
      /^1 Angebot der Art „Ambulanter Pflegedienst“ je 10\.000 Einwohner\*innen insgesamt, nur Angebote für Menschen mit Behinderung\./,
    );
    for (const n of norms) expect(n.description, n.code).not.toMatch(/\b[a-z]+_[a-z_]+\b/);
  });

  it('needs for Kita places per Stadtteil 2012: 86 rows, supply, demand from the warehouse, coverage, gap, distance', async () => {
    const rows = await registry.needs({ norm: 'kita_plaetze_1_6', level: 'STADTTEIL', period: '2012', privileged: true });
    expect(rows).toHaveLength(86);
    expect(new Set(rows.map((r) => r.area.code))).toEqual(new Set(reference.areas('STADTTEIL').map((a) => a.code)));

    const u3 = await valuesOf('einwohner_0_3', 'STADTTEIL', '2012');
    const from3 = await valuesOf('einwohner_3_6', 'STADTTEIL', '2012');
    const kitas = (await repo.search({ offerTypes: ['kita'] }, { limit: 500 })).items;
    expect(kitas.length).toBeGreaterThan(100);
    for (const row of rows) {
      // ⅔ of "0-3" (children aged 1–2) + "3-6", per 100 × 84
      const demand = (((2 / 3) * u3.get(row.area.code)!.value! + from3.get(row.area.code)!.value!) * 84) / 100;
      // a Stadtteil's supply: Kitas in it whose reach stays inside it (Viertel- or Stadtteil-wide)
      const supply = kitas
        .filter((k) => k.areas.some((a) => a.level === 'STADTTEIL' && a.code === row.area.code) && (k.reach === 'STADTTEIL' || k.reach === 'STADTVIERTEL'))
        .reduce((s, k) => s + (k.capacity?.unit === 'plaetze' ? k.capacity.value : 0), 0);
      expect(row).toMatchObject({ norm: 'kita_plaetze_1_6', period: '2012', supply, suppressed: false });
      expect(row.demand).toBeCloseTo(demand, 9);
      expect(row.coverage).toBeCloseTo(supply / demand, 9);
      expect(row.gap).toBeCloseTo(demand - supply, 9);
      // no population per Stadtviertel: measured from the Stadtteil's centroid, to the nearest Kita anywhere
      const centre = reference.get('STADTTEIL', row.area.code)!.centroid;
      expect(row.nearestDistanceMeters).toBeCloseTo(Math.min(...kitas.map((k) => haversineMeters(centre, k.location))), 3);
    }
    expect(rows.filter((r) => r.supply > 0).length).toBeGreaterThan(40);
  });

  it('needs of one Bezirk’s Stadtteile, and per Bezirk from population-weighted centres', async () => {
    const chorweiler = await registry.needs({ norm: 'kita_plaetze_1_6', level: 'STADTTEIL', period: '2012', parentCode: '6', privileged: true });
    expect(chorweiler.map((r) => r.area.code).sort()).toEqual(
      reference
        .descendants({ level: 'STADTBEZIRK', code: '6' }, 'STADTTEIL')
        .map((a) => a.code)
        .sort(),
    );

    const bezirke = await registry.needs({ norm: 'pflegeheim_plaetze_80', level: 'STADTBEZIRK', period: '2012', parentCode: '0', privileged: true });
    expect(bezirke).toHaveLength(9);
    const old = await valuesOf('einwohner_80plus', 'STADTBEZIRK', '2012');
    const einwohner = await valuesOf('einwohner', 'STADTTEIL', '2012');
    const heime = (await repo.search({ offerTypes: ['seniorenheim'] }, { limit: 500 })).items;
    expect(heime.length).toBeGreaterThan(0);
    for (const row of bezirke) {
      expect(row.demand).toBeCloseTo((old.get(row.area.code)!.value! * 150) / 1000, 9);
      const parts = reference.get('STADTBEZIRK', row.area.code)!.children.map((c) => ({ ...reference.get(c.level, c.code)!.centroid, weight: einwohner.get(c.code)!.value! }));
      const centre = populationWeightedCentre(parts)!;
      expect(row.nearestDistanceMeters).toBeCloseTo(Math.min(...heime.map((h) => haversineMeters(centre, h.location))), 3);
    }
  });

  it('leaves demand empty and says suppressed where a population figure is suppressed for the reader', async () => {
    // the real Köln counts are far above the threshold; suppression of Chorweiler's under-6 is simulated on top of the real reader
    const censoring: IndicatorReader = {
      values: async (q) =>
        (await reader.values(q)).map((v) =>
          !q.privileged && v.indicator === 'einwohner_0_3' && v.areaLevel === 'STADTTEIL' && v.areaCode === '609'
            ? { ...v, value: null, numerator: null, denominator: null, suppressed: true, suppressionReason: 'PRIMARY' as const }
            : v,
        ),
      periods: (i) => reader.periods(i),
      indexValues: (q) => reader.indexValues(q),
    };
    const source = registrySourceFrom(repo, censoring, reference);
    const publicRows = await source.needs({ norm: 'kita_plaetze_1_6', level: 'STADTTEIL', period: '2012', privileged: false });
    const planner = await source.needs({ norm: 'kita_plaetze_1_6', level: 'STADTTEIL', period: '2012', privileged: true });
    const hidden = publicRows.find((r) => r.area.code === '609')!;
    const shown = planner.find((r) => r.area.code === '609')!;
    expect(hidden).toMatchObject({ demand: null, coverage: null, gap: null, suppressed: true, supply: shown.supply });
    expect(shown.suppressed).toBe(false);
    expect(shown.demand).toBeGreaterThan(0);
    expect(publicRows.filter((r) => r.suppressed).map((r) => r.area.code)).toEqual(['609']);
  });

  it('refuses what the warehouse cannot answer, with a code', async () => {
    const needs = (norm: string, period = '2012') => registry.needs({ norm, level: 'STADTTEIL', period, privileged: true });
    await expect(needs('jugendzentren_6_21')).rejects.toMatchObject({ code: 'AGE_BAND_NOT_AVAILABLE', argument: 'norm' });
    await expect(needs('pflegeheim_plaetze_80', '2011')).rejects.toMatchObject({ code: 'AGE_BAND_NOT_AVAILABLE', argument: 'period' });
    await expect(needs('kita_plaetze_1_6', '2030')).rejects.toMatchObject({ code: 'POPULATION_NOT_AVAILABLE', argument: 'period' });
    await expect(needs('nope')).rejects.toMatchObject({ code: 'UNKNOWN_NORM', argument: 'norm' });
  });
});

describe('controlling source', () => {
  it('lists goals, of an area with the areas containing it, by status', async () => {
    const all = await controlling.goals({});
    const demoGoals = new Set(
      readKoelnDemo()
        .deliveries.filter((d) => d.recordType === 'goal')
        .map((d) => (d.record as { key: string }).key),
    );
    expect(new Set(all.map((g) => g.key))).toEqual(demoGoals);
    const stored = (await goalRecord(db, CHORWEILER_GOAL))!;
    expect(all.find((g) => g.key === CHORWEILER_GOAL)).toEqual({
      ...stored,
      description: stored.description ?? null,
      revisionReason: stored.revisionReason ?? null,
      parentKey: stored.parentKey ?? null,
      deadline: stored.deadline ?? null,
      adoptedBy: stored.adoptedBy ?? null,
      ownerAmt: 'sozialplanung-chorweiler',
      // the demo's goals are v1 records: no direction, no targets per area and year
      targetDirection: null,
      targets: [],
    });

    // Chorweiler (609) lies in the Sozialraum and in the city: both goals are set for it; Kalk's is not
    const inChorweiler = (await controlling.goals({ area: stadtteil('609') })).map((g) => g.key);
    expect(inChorweiler).toContain(CHORWEILER_GOAL);
    expect(inChorweiler).toContain(CITY_GOAL);
    expect(inChorweiler).not.toContain('ziel:sr:kalk:alleinerziehende');
    expect((await controlling.goals({ area: CHORWEILER_SR })).map((g) => g.key)).toContain(CHORWEILER_GOAL);

    const drafts = await controlling.goals({ status: ['draft'] });
    expect(drafts.length).toBeGreaterThan(0);
    expect(drafts.every((g) => g.status === 'draft')).toBe(true);
    // each goal is owned by the Amt that delivered it first (migration 3), for the gateway's draft rule
    expect(Object.fromEntries(drafts.map((g) => [g.key, g.ownerAmt]))).toEqual({ 'ziel:sr:muelheim-nord-keupstrasse-stammheim:teilhabe': 'sozialplanung-muelheim' });
    expect((await controlling.goalHistory(CHORWEILER_GOAL)).every((g) => g.ownerAmt === 'sozialplanung-chorweiler')).toBe(true);
    expect(await controlling.goals({ includeExamples: false })).toEqual([]);
    await expect(controlling.goals({ status: ['beschlossen'] })).rejects.toMatchObject({ code: 'UNKNOWN_STATUS' });
  });

  it('gives every version of a goal', async () => {
    const history = await controlling.goalHistory(CHORWEILER_GOAL);
    expect(history.map((g) => [g.version, g.status])).toEqual([
      [1, 'draft'],
      [2, 'adopted'],
      [3, 'revised'],
    ]);
    expect(history[2]!.revisionReason).toEqual(expect.any(String));
    expect(history[0]!.revisionReason).toBeNull();
    expect(await controlling.goalHistory('no-such-goal')).toEqual([]);
  });

  it('lists the measures acting in an area: in it, around it or inside it', async () => {
    const keys = async (f: Parameters<ControllingSource['measures']>[0]) => (await controlling.measures(f)).map((m) => m.key);
    expect(await keys({ area: { level: 'SOZIALRAUM', code: 'kalk' } })).toEqual(['massnahme:kalk:netzwerk-alleinerziehende']);
    expect(await keys({ area: stadtteil('609') })).toEqual([FAMILIENBUERO]);
    expect(await keys({ area: { level: 'STADTVIERTEL', code: '60301' } })).toEqual([FAMILIENBUERO]);
    expect(await keys({ area: { level: 'STADTBEZIRK', code: '6' } })).toEqual([FAMILIENBUERO]);
    expect(await keys({ area: stadtteil('101') })).toEqual([]);
    expect(await keys({ goalKey: CHORWEILER_GOAL })).toEqual([FAMILIENBUERO]);

    const stored = (await listMeasures(db)).find((m) => m.key === FAMILIENBUERO)!;
    const view = (await controlling.measures({ amt: stored.leadAmt })).find((m) => m.key === FAMILIENBUERO)!;
    expect(view).toEqual({
      ...stored,
      description: stored.description ?? null,
      actualStart: stored.actualStart ?? null,
      actualEnd: stored.actualEnd ?? null,
      fundingSource: stored.fundingSource ?? null,
      // v1 budget lines: nothing approved
      budget: stored.budget.map((b) => ({ ...b, approved: null })),
    });
    expect(view.budget.length).toBeGreaterThan(0);
    expect((await controlling.measures({ status: ['in_progress'] })).every((m) => m.status === 'in_progress')).toBe(true);
  });

  it('gives milestones and status reports of several measures at once', async () => {
    const measures = (await controlling.measures({})).map((m) => m.key);
    const milestones = await controlling.milestones(measures);
    expect(
      milestones
        .filter((m) => m.measureKey === FAMILIENBUERO)
        .map((m) => m.key)
        .sort(),
    ).toEqual(['meilenstein:familienbuero:jobcenter-sprechstunde', 'meilenstein:familienbuero:raeume', 'meilenstein:familienbuero:zwischenbericht-bv']);
    const raeume = milestones.find((m) => m.key === 'meilenstein:familienbuero:raeume')!;
    expect(raeume).toMatchObject({ version: 2, plannedQuarter: '2023-Q1', plannedDate: null, reached: true, actualDate: expect.any(String) });
    const reports = await controlling.statusReports([FAMILIENBUERO]);
    expect(reports.map((r) => r.key)).toContain('bericht:familienbuero:2024-1');
    expect(reports.every((r) => r.measureKey === FAMILIENBUERO && r.progressPercent >= 0 && r.narrative.length > 0)).toBe(true);
  });

  it('gives controlling figures on a day: budget to date, lateness, milestones, traffic light', async () => {
    const keys = (await controlling.measures({})).map((m) => m.key);
    const today = '2025-06-30';
    const views = await controlling.controlling([...keys, 'no-such-measure'], today);
    expect(views.map((v) => v.measureKey)).toEqual(keys);
    const computed = await controllingOfMeasures(db, keys, { referenceDate: today });
    for (const c of computed) {
      const v = views.find((x) => x.measureKey === c.key)!;
      const years = c.budget.years.filter((y) => y.year <= 2025);
      const planned = years.reduce((s, y) => s + y.planned, 0);
      const spent = years.reduce((s, y) => s + y.spent, 0);
      expect(v).toEqual({
        measureKey: c.key,
        budgetPlanned: planned,
        budgetSpent: spent,
        budgetUse: planned > 0 ? spent / planned : null,
        // the demo's measures are v1 records: nothing approved
        budgetApproved: null,
        approvedBudgetUse: null,
        startSlippageDays: c.schedule.start.slipDays === null ? null : Math.max(0, c.schedule.start.slipDays),
        endSlippageDays: c.schedule.end.slipDays === null ? null : Math.max(0, c.schedule.end.slipDays),
        milestonesDue: c.milestones.filter((m) => m.state === 'due').length,
        milestonesOverdue: c.milestones.filter((m) => m.state === 'overdue').length,
        trafficLight: c.trafficLight,
      });
    }
    // docs/controlling.md: at the demo's reference date the four lights are red, green, yellow, grey
    expect(views.map((v) => v.trafficLight).sort()).toEqual(['green', 'grey', 'red', 'yellow']);
    expect(views.find((v) => v.measureKey === FAMILIENBUERO)!.milestonesOverdue).toBeGreaterThan(0);
  });

  describe('evaluation (difference in differences)', () => {
    /** Σ numerators / Σ denominators × 100 of sgb2_quote over Stadtteile, from the reader. */
    // the public's evaluation is computed from protected counts, as everything it sees of confidential data
    const quote = async (codes: readonly string[], period: string, privileged = true) => {
      const v = await valuesOf('sgb2_quote', 'STADTTEIL', period, privileged);
      const n = codes.reduce((s, c) => s + v.get(c)!.numerator!, 0);
      const d = codes.reduce((s, c) => s + v.get(c)!.denominator!, 0);
      return (n / d) * 100;
    };
    const all = reference.areas('STADTTEIL').map((a) => a.code);

    it('the Sozialraum goal: its Stadtteile against the rest of the city and the city', async () => {
      // Blumenberg (610) and Chorweiler (609) whole, Seeberg-Nord (Viertel 60301) brings Seeberg (603)
      const treated = ['603', '609', '610'];
      const rest = all.filter((c) => !treated.includes(c));
      const e = await controlling.evaluation({ goalKey: CHORWEILER_GOAL, before: '2011', after: '2012', privileged: true });
      const tb = await quote(treated, '2011');
      const ta = await quote(treated, '2012');
      const cb = await quote(rest, '2011');
      const ca = await quote(rest, '2012');
      const city = await reader.values({ indicator: 'sgb2_quote', level: 'STADT', periods: ['2011', '2012'], privileged: true });
      expect(e).toMatchObject({ goalKey: CHORWEILER_GOAL, indicator: 'sgb2_quote', before: '2011', after: '2012' });
      expect(e.treatedBefore).toBeCloseTo(tb, 9);
      expect(e.treatedAfter).toBeCloseTo(ta, 9);
      expect(e.comparisonBefore).toBeCloseTo(cb, 9);
      expect(e.comparisonAfter).toBeCloseTo(ca, 9);
      expect(e.cityBefore).toBeCloseTo(city.find((v) => v.period === '2011')!.value!, 9);
      expect(e.cityAfter).toBeCloseTo(city.find((v) => v.period === '2012')!.value!, 9);
      expect(e.differenceInDifferences).toBeCloseTo(ta - tb - (ca - cb), 9);
      // the synthetic model makes the programme areas poorer than the rest
      expect(e.treatedBefore!).toBeGreaterThan(e.comparisonBefore!);
      expect(e.treatedBefore!).toBeGreaterThan(e.cityBefore!);
    });

    it('against given comparison areas; overlapping ones are refused', async () => {
      const nippes = reference.descendants({ level: 'STADTBEZIRK', code: '5' }, 'STADTTEIL').map((a) => a.code);
      const e = await controlling.evaluation({ goalKey: CHORWEILER_GOAL, before: '2011', after: '2012', comparisonAreas: [{ level: 'STADTBEZIRK', code: '5' }], privileged: true });
      const cb = await quote(nippes, '2011');
      const ca = await quote(nippes, '2012');
      expect(e.comparisonBefore).toBeCloseTo(cb, 9);
      expect(e.comparisonAfter).toBeCloseTo(ca, 9);
      expect(e.differenceInDifferences).toBeCloseTo(e.treatedAfter! - e.treatedBefore! - (ca - cb), 9);
      await expect(controlling.evaluation({ goalKey: CHORWEILER_GOAL, before: '2011', after: '2012', comparisonAreas: [{ level: 'STADTBEZIRK', code: '6' }], privileged: true })).rejects.toMatchObject(
        { code: 'EVALUATION_COMPARISON_OVERLAPS_TREATED', argument: 'comparisonAreas' },
      );
    });

    it('a citywide goal is evaluated in the areas of the started measures of its sub-goals', async () => {
      const started = (await listMeasures(db)).filter((m) => m.actualStart !== undefined);
      expect(started.map((m) => m.key)).toContain(FAMILIENBUERO);
      const e = await controlling.evaluation({ goalKey: CITY_GOAL, before: '2011', after: '2012', privileged: false });
      // Familienbüro (Blumenberg/Chorweiler/Seeberg-Nord) and Lernhaus (Höhenberg 804, Vingst 803); Kalk serves another goal
      const treated = ['603', '609', '610', '803', '804'];
      expect(e.treatedBefore).toBeCloseTo(await quote(treated, '2011', false), 9);
      expect(e.treatedAfter).toBeCloseTo(await quote(treated, '2012', false), 9);
      expect(e.comparisonBefore).toBeCloseTo(
        await quote(
          all.filter((c) => !treated.includes(c)),
          '2011',
          false,
        ),
        9,
      );
    });

    it('refuses goals it cannot evaluate, with a code', async () => {
      await expect(controlling.evaluation({ goalKey: 'no-such-goal', before: '2011', after: '2012', privileged: true })).rejects.toMatchObject({ code: 'GOAL_NOT_FOUND' });
      // a goal on an indicator of the catalogue evaluates; periods without data give no figures, not zeros
      const kalk = await controlling.evaluation({ goalKey: 'ziel:sr:kalk:alleinerziehende', before: '2011-12', after: '2012-12', privileged: true });
      expect(kalk.indicator).toBe('sgb2_anteil_alleinerziehende');
      expect(kalk.treatedBefore).toBeGreaterThan(0);
      expect(kalk.differenceInDifferences).not.toBeNull();
      const empty = await controlling.evaluation({ goalKey: 'ziel:sr:kalk:alleinerziehende', before: '2099', after: '2100', privileged: true });
      expect(empty).toMatchObject({ treatedBefore: null, treatedAfter: null, differenceInDifferences: null });
    });
  });
});

function byArea(a: { level: string; code: string }, b: { level: string; code: string }): number {
  return `${a.level}|${a.code}`.localeCompare(`${b.level}|${b.code}`);
}
