// The indicator store's behaviour — projection of live batches, corrections, withdrawals, as-of,
// disclosure, rebuilds — as one suite, run on every warehouse layout the store is sent to: one
// server (indicator-store.int.test.ts) and the clustered layout's Distributed tables
// (indicator-store.clustered.int.test.ts). `open` returns a warehouse with every migration applied.
import type { Warehouse } from '@sp/ports';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildPerturbationTable, loadProtection, perturbCount, recordKeyOf, type Component, type IndicatorPlan } from '@sp/indicators';
import type { PlanResolver } from './indicator-plan.js';
import { truncateProjections } from './migrations.js';
import { OnePassProjector } from './one-pass.projector.js';
import { IndicatorProjector, loadAreaMap, type AreaStatisticEvent } from './projector.js';
import { ReplayProjector } from './replay.projector.js';
import { WarehouseIndicatorReader } from './warehouse-indicator-reader.js';

// Two Bezirke: 1 = {101, 102, 103}, 2 = {201, 202}; one planning area P1 = {102, 201}.
const stadtteile: Record<string, string> = { '101': '1', '102': '1', '103': '1', '201': '2', '202': '2' };
const areaMap = [
  { childLevel: 'STADT', childCode: '0', level: 'STADT', code: '0' },
  ...['1', '2'].flatMap((b) => [
    { childLevel: 'STADTBEZIRK', childCode: b, level: 'STADTBEZIRK', code: b },
    { childLevel: 'STADTBEZIRK', childCode: b, level: 'STADT', code: '0' },
  ]),
  ...Object.entries(stadtteile).flatMap(([st, b]) => [
    { childLevel: 'STADTTEIL', childCode: st, level: 'STADTTEIL', code: st },
    { childLevel: 'STADTTEIL', childCode: st, level: 'STADTBEZIRK', code: b },
    { childLevel: 'STADTTEIL', childCode: st, level: 'STADT', code: '0' },
  ]),
  { childLevel: 'STADTTEIL', childCode: '102', level: 'SOZIALRAUM', code: 'P1' },
  { childLevel: 'STADTTEIL', childCode: '201', level: 'SOZIALRAUM', code: 'P1' },
];

const comp = (measure: string, dims: Record<string, string[]> = {}): Component => ({ dataset: 'bev', measure, dims, sourceLevel: 'STADTTEIL' });
const plans: Record<string, IndicatorPlan> = {
  einwohner: { kind: 'count', code: 'einwohner', version: 1, synthetic: false, component: comp('einwohner') },
  einwohner_u6: { kind: 'count', code: 'einwohner_u6', version: 1, synthetic: false, component: comp('einwohner_alter', { alter: ['0-3', '3-6'] }) },
  sgb2: { kind: 'count', code: 'sgb2', version: 1, synthetic: true, component: comp('sgb2_personen') },
  sgb2_quote: { kind: 'ratio', code: 'sgb2_quote', version: 2, synthetic: true, numerator: comp('sgb2_personen'), denominator: comp('einwohner'), factor: 100 },
  einwohner_change1: {
    kind: 'change',
    code: 'einwohner_change1',
    version: 1,
    synthetic: false,
    periods: 1,
    mode: 'absolute',
    base: { kind: 'count', code: 'einwohner', version: 1, synthetic: false, component: comp('einwohner') },
  },
};
/** the roll-up tests read a public dataset; the disclosure tests the same data declared confidential */
const resolver: PlanResolver = { plan: (code) => plans[code], confidential: () => false };
const confidentialResolver: PlanResolver = { plan: (code) => plans[code], confidential: () => true };
const SECRET = 'indicator-store-test-record-keys';
const LEVELS = ['STADT', 'STADTBEZIRK', 'STADTTEIL', 'STADTVIERTEL'];
const protection = loadProtection();
/** what the cell-key method publishes for one observation of the test records */
const protectedValue = (areaCode: string, period: string, measure: string, value: number, dims: Record<string, string> = {}) =>
  perturbCount(value, recordKeyOf(SECRET, { dataset: 'bev', areaLevel: 'STADTTEIL', areaCode, period, measure, dimensions: dims }), protection.table);

let seq = 0;
function record(areaCode: string, period: string, obs: Record<string, number>, opts: { version?: number; at?: number; dims?: Record<string, Record<string, string>> } = {}): AreaStatisticEvent {
  seq += 1;
  return {
    key: `bev|STADTTEIL|${areaCode}|${period}`,
    version: opts.version ?? 1,
    tombstone: false,
    deliveredAt: opts.at ?? Date.UTC(2025, 0, 1) + seq,
    amt: 'statistik',
    deliveryId: `d-${seq}`,
    payload: {
      dataset: 'bev',
      areaLevel: 'STADTTEIL',
      areaCode,
      period,
      synthetic: false,
      observations: Object.entries(obs).map(([k, value]) => {
        const [measure, dim] = k.split(':');
        const dimensions: Record<string, string> = dim ? { alter: dim } : {};
        return { measure: measure!, dimensions, value };
      }),
    },
  };
}

function values(reader: WarehouseIndicatorReader, indicator: string, level: string, period: string, extra: object = {}) {
  return reader.values({ indicator, level, periods: [period], ...extra }).then((rows) => Object.fromEntries(rows.map((r) => [r.areaCode, r])));
}

export function indicatorStoreSuite(name: string, open: () => Promise<Warehouse>): void {
  describe(name, () => {
    let wh: Warehouse;
    let projector: IndicatorProjector;
    let reader: WarehouseIndicatorReader;

    beforeAll(async () => {
      wh = await open();
      await loadAreaMap(wh, areaMap);
      projector = new IndicatorProjector(wh, { protection, recordKeySecret: SECRET });
      reader = new WarehouseIndicatorReader(wh, { plans: resolver, hierarchyLevels: LEVELS, protection });
    });
    afterAll(async () => wh?.close());
    beforeEach(async () => truncateProjections(wh));

    /** the same events projected in one batch, and by both rebuilds, give the expected cells */
    async function expectOneBatchAndRebuildsGive(events: readonly AreaStatisticEvent[], cells: () => Promise<unknown[]>, expected: unknown[]) {
      await truncateProjections(wh);
      await projector.apply(events);
      expect(await cells()).toEqual(expected);
      for (const rebuild of [new ReplayProjector(wh, { protection, recordKeySecret: SECRET }), new OnePassProjector(wh, { protection, recordKeySecret: SECRET })]) {
        await truncateProjections(wh);
        if (rebuild instanceof ReplayProjector) await rebuild.begin();
        await rebuild.add(events);
        await rebuild.finish();
        expect(await cells()).toEqual(expected);
      }
    }

    const base = () => [
      record('101', '2012', { einwohner: 1000, sgb2_personen: 100, 'einwohner_alter:0-3': 30, 'einwohner_alter:3-6': 40, 'einwohner_alter:6-10': 50 }),
      record('102', '2012', { einwohner: 2000, sgb2_personen: 2 }),
      record('103', '2012', { einwohner: 500, sgb2_personen: 50 }),
      record('201', '2012', { einwohner: 800, sgb2_personen: 80 }),
      record('202', '2012', { einwohner: 700, sgb2_personen: 70 }),
    ];

    it('rolls counts up the hierarchy and sums dimensions as defined', async () => {
      await projector.apply(base());
      const st = await values(reader, 'einwohner', 'STADTTEIL', '2012');
      expect(Object.keys(st).sort()).toEqual(['101', '102', '103', '201', '202']);
      expect(st['101']!.value).toBe(1000);
      const bz = await values(reader, 'einwohner', 'STADTBEZIRK', '2012');
      expect(bz['1']!.value).toBe(3500);
      expect(bz['2']!.value).toBe(1500);
      expect((await values(reader, 'einwohner', 'STADT', '2012'))['0']!.value).toBe(5000);
      expect((await values(reader, 'einwohner_u6', 'STADTTEIL', '2012'))['101']!.value).toBe(70);
    });

    it('reads the source level without the roll-up join and still leaves out areas outside their validity, as the roll-up does', async () => {
      // 301 exists from 2015, 302 until 2013 (a Gebietsreform); both in Bezirk 2
      const span = (validFrom: string, validTo: string | null) => ({ validFrom, validTo });
      const reform = [
        ...areaMap,
        ...(
          [
            ['301', span('2015-01-01', null)],
            ['302', span('0000-01-01', '2013-12-31')],
          ] as const
        ).flatMap(([code, v]) => [
          { childLevel: 'STADTTEIL', childCode: code, level: 'STADTTEIL', code, ...v },
          { childLevel: 'STADTTEIL', childCode: code, level: 'STADTBEZIRK', code: '2', ...v },
        ]),
      ];
      await loadAreaMap(wh, reform);
      try {
        const fresh = new WarehouseIndicatorReader(wh, { plans: resolver, hierarchyLevels: LEVELS, protection });
        await projector.apply([record('301', '2012', { einwohner: 11 }), record('302', '2012', { einwohner: 13 }), record('301', '2016', { einwohner: 17 }), record('302', '2016', { einwohner: 19 })]);
        for (const privileged of [true, false]) {
          const st2012 = await values(fresh, 'einwohner', 'STADTTEIL', '2012', { privileged });
          const st2016 = await values(fresh, 'einwohner', 'STADTTEIL', '2016', { privileged });
          expect(Object.keys(st2012)).toEqual(['302']);
          expect(Object.keys(st2016)).toEqual(['301']);
          // the same areas count in the roll-up: Bezirk 2 is 302 in 2012 and 301 in 2016
          expect((await values(fresh, 'einwohner', 'STADTBEZIRK', '2012', { privileged }))['2']!.value).toBe(st2012['302']!.value);
          expect((await values(fresh, 'einwohner', 'STADTBEZIRK', '2016', { privileged }))['2']!.value).toBe(st2016['301']!.value);
          const series = await fresh.values({ indicator: 'einwohner', level: 'STADTTEIL', areaCodes: ['301', '302'], periodFrom: '2012', periodTo: '2016', privileged });
          expect(series.map((v) => `${v.areaCode}@${v.period}`)).toEqual(['302@2012', '301@2016']);
        }
      } finally {
        await loadAreaMap(wh, areaMap);
      }
    });

    it('computes rates from summed numerators and denominators, never averaged rates', async () => {
      await projector.apply(base());
      const city = (await values(reader, 'sgb2_quote', 'STADT', '2012', { privileged: true }))['0']!;
      expect(city.numerator).toBe(302);
      expect(city.denominator).toBe(5000);
      expect(city.value).toBeCloseTo((302 / 5000) * 100, 12);
      expect(city.synthetic).toBe(true);
      expect(city.definitionVersion).toBe(2);
    });

    it('is idempotent: the same batch applied twice counts once', async () => {
      const batch = base();
      await projector.apply(batch);
      await projector.apply(batch);
      await projector.apply(batch.slice(0, 2));
      expect((await values(reader, 'einwohner', 'STADT', '2012'))['0']!.value).toBe(5000);
    });

    it('replaces a record by its correction and removes it on withdrawal; as-of shows what was known', async () => {
      const t0 = Date.UTC(2025, 5, 1);
      await projector.apply([record('101', '2012', { einwohner: 1000 }, { at: t0 }), record('102', '2012', { einwohner: 2000 }, { at: t0 })]);
      await projector.apply([record('101', '2012', { einwohner: 1100 }, { version: 2, at: t0 + 1000 })]);
      expect((await values(reader, 'einwohner', 'STADT', '2012'))['0']!.value).toBe(3100);
      // an older version arriving late never overwrites the newer one
      await projector.apply([record('101', '2012', { einwohner: 1000 }, { at: t0 })]);
      expect((await values(reader, 'einwohner', 'STADT', '2012'))['0']!.value).toBe(3100);
      await projector.apply([{ key: 'bev|STADTTEIL|102|2012', version: 2, tombstone: true, deliveredAt: t0 + 2000, amt: 'statistik', deliveryId: 'w1' }]);
      const now = await values(reader, 'einwohner', 'STADTTEIL', '2012');
      expect(Object.keys(now)).toEqual(['101']);
      expect((await values(reader, 'einwohner', 'STADT', '2012'))['0']!.value).toBe(1100);
      const asOf = (ms: number) => values(reader, 'einwohner', 'STADT', '2012', { asOf: new Date(ms).toISOString() });
      expect((await asOf(t0 + 500))['0']!.value).toBe(3000);
      expect((await asOf(t0 + 1500))['0']!.value).toBe(3100);
      expect((await asOf(t0 + 2500))['0']!.value).toBe(1100);
      expect(await asOf(t0 - 1)).toEqual({});
      // a withdrawal seen before the record it withdraws still wins over that older version
      await projector.apply([{ key: 'bev|STADTTEIL|103|2012', version: 2, tombstone: true, deliveredAt: t0 + 1800, amt: 'statistik', deliveryId: 'w0' }]);
      await projector.apply([record('103', '2012', { einwohner: 5 }, { at: t0 + 1700 })]);
      expect((await values(reader, 'einwohner', 'STADTTEIL', '2012'))['103']).toBeUndefined();
      expect((await values(reader, 'einwohner', 'STADT', '2012'))['0']!.knownAt).toBe(new Date(t0 + 2000).toISOString());
    });

    // issue 14: a second event under one key@version (the same payload appended again after a
    // crash, or another payload from that crash window) was stored beside the first and argMax
    // picked either; now the first in the log wins, in one batch or across batches
    it('keeps the first event of a key@version in the log; a later one under it changes nothing', async () => {
      const t0 = Date.UTC(2025, 7, 1);
      const first = record('101', '2012', { einwohner: 1000 }, { at: t0 });
      const again = { ...record('101', '2012', { einwohner: 1000 }, { at: t0 + 60_000 }), deliveryId: 'retry' };
      const other = record('101', '2012', { einwohner: 9999 }, { at: t0 + 120_000 });
      await projector.apply([first, record('102', '2012', { einwohner: 2000 }, { at: t0 })]);
      await projector.apply([again]);
      await projector.apply([other, record('103', '2012', { einwohner: 500 }, { at: t0 })]);
      const stored = () =>
        wh.query<{ n: string; at: string; d: string }>(`SELECT count() AS n, max(known_at_ms) AS at, any(delivery_id) AS d FROM record_versions WHERE record_key = 'bev|STADTTEIL|101|2012'`);
      expect(await stored()).toEqual([{ n: '1', at: String(t0), d: first.deliveryId }]);
      expect((await values(reader, 'einwohner', 'STADTTEIL', '2012'))['101']!.value).toBe(1000);
      expect((await values(reader, 'einwohner', 'STADT', '2012'))['0']!.value).toBe(3500);
      // the same within one batch, whichever payload comes first
      await truncateProjections(wh);
      await projector.apply([other, first, again]);
      expect((await values(reader, 'einwohner', 'STADTTEIL', '2012'))['101']!.value).toBe(9999);
      expect((await stored())[0]!.n).toBe('1');
    });

    // two members of a consumer group can project one batch side by side during a rebalance: both
    // look its key@versions up before either stores them, and both store them (the ReplacingMergeTree
    // merges the copies some time later); until then a copy must not count twice
    it('counts a key@version stored twice (two members projecting one batch) once', async () => {
      await projector.apply([record('101', '2012', { einwohner: 1000, sgb2_personen: 10 }), record('102', '2012', { einwohner: 2000 })]);
      await projector.apply([record('101', '2012', { einwohner: 1100 }, { version: 2 })]);
      await wh.command(`INSERT INTO record_versions SELECT * FROM record_versions WHERE record_key = 'bev|STADTTEIL|101|2012'`);
      const [{ n }] = (await wh.query<{ n: string }>(`SELECT count() AS n FROM record_versions WHERE record_key = 'bev|STADTTEIL|101|2012'`)) as [{ n: string }];
      expect(n).toBe('4');
      await projector.recomputeLeaves(['bev|STADTTEIL|101|2012', 'bev|STADTTEIL|102|2012']);
      expect((await values(reader, 'einwohner', 'STADTTEIL', '2012'))['101']!.value).toBe(1100);
      expect((await values(reader, 'einwohner', 'STADT', '2012'))['0']!.value).toBe(3100);
      // the cell only the first version had stays absent
      expect(await reader.values({ indicator: 'sgb2', level: 'STADTTEIL', periods: ['2012'], privileged: true })).toEqual([]);
    });

    it('marks cells a correction dropped as absent, in every period of the batch', async () => {
      await projector.apply([record('101', '2011', { einwohner: 900, sgb2_personen: 10 }), record('101', '2012', { einwohner: 1000, sgb2_personen: 20 })]);
      await projector.apply([record('101', '2011', { einwohner: 910 }, { version: 2 }), record('101', '2012', { einwohner: 1010 }, { version: 2 })]);
      expect(await reader.values({ indicator: 'sgb2', level: 'STADTTEIL', periods: ['2011', '2012'], privileged: true })).toEqual([]);
      const einwohner = await reader.values({ indicator: 'einwohner', level: 'STADTTEIL', periods: ['2011', '2012'], privileged: true });
      expect(einwohner.map((v) => [v.period, v.value])).toEqual([
        ['2011', 910],
        ['2012', 1010],
      ]);
    });

    // cells.sql.ts: an absent cell is synthetic when any version that had it was, however many
    // versions of the other flag came after it, live (one batch per version, or all in one) and
    // rebuilt alike — what a cells statement that reads fewer than all versions must keep
    it('marks an absent cell synthetic when any of many versions that had it was synthetic', async () => {
      const t0 = Date.UTC(2025, 9, 1);
      const version = (v: number, synthetic: boolean, obs: Record<string, number>): AreaStatisticEvent => {
        const e = record('101', '2012', obs, { version: v, at: t0 + v });
        return { ...e, payload: { ...e.payload!, synthetic } };
      };
      const events = [
        version(1, false, { einwohner: 1000, sgb2_personen: 10, 'einwohner_alter:0-3': 5 }),
        version(2, true, { einwohner: 1001, sgb2_personen: 11, 'einwohner_alter:0-3': 6 }),
        ...Array.from({ length: 6 }, (_, i) => version(3 + i, false, { einwohner: 1002 + i, sgb2_personen: 12 + i })),
        version(9, false, { einwohner: 1010 }),
      ];
      const cells = () => wh.query(`SELECT * FROM cells FINAL WHERE leaf_key = 'bev|STADTTEIL|101|2012' ORDER BY measure, dims_key`);
      for (const e of events) await projector.apply([e]);
      const live = await cells();
      expect(live.map((c) => [c.measure, c.dims_key, Number(c.value), Number(c.present), Number(c.synthetic), Number(c.known_at_ms)])).toEqual([
        ['einwohner', '', 1010, 1, 0, t0 + 9],
        // had by versions 1 and 2 only (2 synthetic), and by 3–8 (none synthetic)
        ['einwohner_alter', 'alter=0-3', 0, 0, 1, t0 + 9],
        ['sgb2_personen', '', 0, 0, 1, t0 + 9],
      ]);
      await expectOneBatchAndRebuildsGive(events, cells, live);
    });

    it("publishes a confidential count only as the sum of its observations' protected values, at every level, and rates from them", async () => {
      await projector.apply(base());
      const secret = new WarehouseIndicatorReader(wh, { plans: confidentialResolver, hierarchyLevels: LEVELS, protection });
      const truth: Record<string, number> = { '101': 100, '102': 2, '103': 50, '201': 80, '202': 70 };
      const pv = Object.fromEntries(Object.entries(truth).map(([a, v]) => [a, protectedValue(a, '2012', 'sgb2_personen', v)]));
      const pub = await values(secret, 'sgb2', 'STADTTEIL', '2012');
      for (const [a, v] of Object.entries(pv)) {
        expect(pub[a]).toMatchObject({ value: v, suppressed: false, suppressionReason: null, knownAt: null, confidential: true, perturbed: true });
        // never a small count: a published observation is 0 or above blockedUpTo, and within D of the truth
        expect(v === 0 || v > protection.config.perturbation.blockedUpTo).toBe(true);
        expect(Math.abs(v - truth[a]!)).toBeLessThanOrEqual(protection.config.perturbation.maxNoise);
      }
      // one protected source: totals and planning areas are sums of the same protected values
      const bz = await values(secret, 'sgb2', 'STADTBEZIRK', '2012');
      expect(bz['1']!.value).toBe(pv['101']! + pv['102']! + pv['103']!);
      expect(bz['2']!.value).toBe(pv['201']! + pv['202']!);
      expect((await values(secret, 'sgb2', 'SOZIALRAUM', '2012')).P1!.value).toBe(pv['102']! + pv['201']!);
      expect((await values(secret, 'sgb2', 'STADT', '2012'))['0']!.value).toBe(Object.values(pv).reduce((a, b) => a + b, 0));
      // a rate of the public is computed from protected counts
      const rate = (await values(secret, 'sgb2_quote', 'STADTTEIL', '2012'))['102']!;
      expect(rate.numerator).toBe(pv['102']);
      expect(rate.denominator).toBe(protectedValue('102', '2012', 'einwohner', 2000));
      expect(rate.value).toBeCloseTo((rate.numerator! / rate.denominator!) * 100, 12);
      // privileged readers see the truth, marked confidential, with knownAt
      const priv = await values(secret, 'sgb2', 'STADTTEIL', '2012', { privileged: true });
      expect(priv['102']).toMatchObject({ value: 2, confidential: true, perturbed: false });
      expect(priv['102']!.knownAt).not.toBeNull();
      // a public dataset is shown exactly
      expect((await values(reader, 'sgb2', 'STADTTEIL', '2012'))['102']).toMatchObject({ value: 2, confidential: false, perturbed: false });
    });

    it("reads a scenario from its prognose dataset under the source dataset's disclosure rules, and refuses an unknown scenario", async () => {
      const prognose = (areaCode: string, period: string, value: number): AreaStatisticEvent => ({
        key: `bevprognose_basis|STADTTEIL|${areaCode}|${period}`,
        version: 1,
        tombstone: false,
        deliveredAt: Date.UTC(2025, 0, 2),
        amt: 'prognose',
        deliveryId: `p-${areaCode}-${period}`,
        payload: { dataset: 'bevprognose_basis', areaLevel: 'STADTTEIL', areaCode, period, synthetic: false, observations: [{ measure: 'sgb2_personen', dimensions: {}, value }] },
      });
      await projector.apply([...base(), prognose('102', '2015', 3.4), prognose('201', '2015', 81.2)]);
      const scenarios = { datasetFor: (d: string, s: string) => (d === 'bev' && s === 'basis' ? 'bevprognose_basis' : undefined), scenarios: () => ['basis'] };
      // the attack: the prognose dataset itself is declared public, its source confidential — the source's rule must hold
      const sourceConfidential: PlanResolver = { plan: (code) => plans[code], confidential: (d) => d === 'bev' };
      const secret = new WarehouseIndicatorReader(wh, { plans: sourceConfidential, hierarchyLevels: LEVELS, protection, scenarios });
      const pv = (a: string, v: number) =>
        perturbCount(v, recordKeyOf(SECRET, { dataset: 'bevprognose_basis', areaLevel: 'STADTTEIL', areaCode: a, period: '2015', measure: 'sgb2_personen', dimensions: {} }), protection.table);
      const pub = await values(secret, 'sgb2', 'STADTTEIL', '2015', { scenario: 'basis' });
      expect(pub['102']).toMatchObject({ value: pv('102', 3.4), confidential: true, perturbed: true, scenario: 'basis' });
      expect(pub['201']).toMatchObject({ value: pv('201', 81.2), confidential: true, perturbed: true, scenario: 'basis' });
      expect(pub['102']!.value).not.toBe(3.4);
      const priv = await values(secret, 'sgb2', 'STADTTEIL', '2015', { scenario: 'basis', privileged: true });
      expect(priv['102']).toMatchObject({ value: 3.4, perturbed: false, scenario: 'basis' });
      // observed reads do not see the scenario, and a scenario read sees no observed period
      expect(await values(secret, 'sgb2', 'STADTTEIL', '2015')).toEqual({});
      expect(await values(secret, 'sgb2', 'STADTTEIL', '2012', { scenario: 'basis' })).toEqual({});
      expect(await secret.periods('sgb2', 'basis')).toEqual(['2015']);
      await expect(secret.values({ indicator: 'sgb2', level: 'STADTTEIL', periods: ['2015'], scenario: 'wachstum' })).rejects.toMatchObject({ code: 'UNKNOWN_SCENARIO', argument: 'scenario' });
      await expect(reader.values({ indicator: 'sgb2', level: 'STADTTEIL', periods: ['2015'], scenario: 'basis' })).rejects.toMatchObject({ code: 'UNKNOWN_SCENARIO' });
    });

    it('gives one area the same protected value whether asked alone, by parent, in a series or with all areas, and as-of as it was published then', async () => {
      const years = ['2007', '2008', '2009', '2010', '2011'];
      const t0 = Date.UTC(2025, 6, 1);
      await projector.apply([...base(), ...years.flatMap((y) => Object.keys(stadtteile).map((a, i) => record(a, y, { einwohner: 900 + i, sgb2_personen: 60 + i + Number(y) - 2011 }, { at: t0 })))]);
      const secret = new WarehouseIndicatorReader(wh, { plans: confidentialResolver, hierarchyLevels: LEVELS, protection });
      const key = (v: { areaCode: string; period: string }) => `${v.areaCode}@${v.period}`;
      for (const privileged of [false, true]) {
        const all = await secret.values({ indicator: 'sgb2', level: 'STADTTEIL', periodFrom: '2007', periodTo: '2012', privileged });
        const byKey = new Map(all.map((v) => [key(v), v]));
        for (const area of Object.keys(stadtteile)) {
          const alone = await secret.values({ indicator: 'sgb2', level: 'STADTTEIL', areaCodes: [area], periodFrom: '2007', periodTo: '2012', privileged });
          expect(alone, `${area} privileged=${privileged}`).toEqual(alone.map((v) => byKey.get(key(v))));
          expect(alone).toHaveLength(6);
        }
        const periods = [...years, '2012'];
        const inBezirk2 = await secret.values({ indicator: 'sgb2_quote', level: 'STADTTEIL', parentCode: '2', periods, privileged });
        const quoteAll = new Map((await secret.values({ indicator: 'sgb2_quote', level: 'STADTTEIL', periods, privileged })).map((v) => [key(v), v]));
        expect(inBezirk2).toHaveLength(12);
        expect(inBezirk2).toEqual(inBezirk2.map((v) => quoteAll.get(key(v))));
      }
      // a correction: the public sees the protected value of the new count now, and of the old one as of before
      await projector.apply([record('201', '2011', { einwohner: 903, sgb2_personen: 2 }, { version: 2, at: t0 + 1000 })]);
      const series = await secret.values({ indicator: 'sgb2', level: 'STADTTEIL', areaCodes: ['201'], periods: ['2011'] });
      expect(series.map((v) => v.value)).toEqual([protectedValue('201', '2011', 'sgb2_personen', 2)]);
      const before = await secret.values({ indicator: 'sgb2', level: 'STADTTEIL', areaCodes: ['201'], periods: ['2011'], asOf: new Date(t0 + 500).toISOString() });
      expect(before.map((v) => [v.value, v.knownAt])).toEqual([[protectedValue('201', '2011', 'sgb2_personen', 63), null]]);
    });

    it('shows a figure with an observation of no known record key as "geschützt", and keys old events when it knows the secret', async () => {
      const keyless = new IndicatorProjector(wh, { protection });
      await keyless.apply([record('101', '2012', { sgb2_personen: 100 }), record('102', '2012', { sgb2_personen: 40 })]);
      const secret = new WarehouseIndicatorReader(wh, { plans: confidentialResolver, hierarchyLevels: LEVELS, protection });
      expect((await values(secret, 'sgb2', 'STADTTEIL', '2012'))['101']).toMatchObject({ value: null, suppressed: true, suppressionReason: 'PROTECTED' });
      expect((await values(secret, 'sgb2', 'STADTBEZIRK', '2012'))['1']).toMatchObject({ value: null, suppressed: true, suppressionReason: 'PROTECTED' });
      expect((await values(secret, 'sgb2', 'STADTTEIL', '2012', { privileged: true }))['101']!.value).toBe(100);
      // the key an event carries wins; without one the projector keys it like the ingestion would
      const carried = record('101', '2012', { sgb2_personen: 100 }, { version: 2 });
      carried.payload!.observations[0]!.recordKey = 0.999;
      await projector.apply([carried, record('102', '2012', { sgb2_personen: 40 }, { version: 2 })]);
      const pub = await values(secret, 'sgb2', 'STADTTEIL', '2012');
      expect(pub['101']!.value).toBe(perturbCount(100, 0.999, buildPerturbationTable(protection.config.perturbation)));
      expect(pub['102']!.value).toBe(protectedValue('102', '2012', 'sgb2_personen', 40));
      // the office's minimum: protected figures below it are withheld as well
      const strict = new WarehouseIndicatorReader(wh, { plans: confidentialResolver, hierarchyLevels: LEVELS, protection: { ...protection, config: { ...protection.config, suppressBelow: 1000 } } });
      expect((await values(strict, 'sgb2', 'STADTTEIL', '2012'))['102']).toMatchObject({ value: null, suppressionReason: 'PROTECTED' });
    });

    it('computes change over n periods and filters by parent', async () => {
      await projector.apply([...base(), record('101', '2011', { einwohner: 900 }), record('102', '2011', { einwohner: 2100 })]);
      const ch = await values(reader, 'einwohner_change1', 'STADTTEIL', '2012');
      expect(ch['101']!.value).toBe(100);
      expect(ch['102']!.value).toBe(-100);
      expect(ch['103']).toBeUndefined();
      const inBezirk2 = await reader.values({ indicator: 'einwohner', level: 'STADTTEIL', parentCode: '2', periods: ['2012'] });
      expect(inBezirk2.map((r) => r.areaCode)).toEqual(['201', '202']);
      expect(await reader.periods('einwohner')).toEqual(['2011', '2012']);
    });

    // a correction may move a record to another area (it was filed under the wrong one): the leaf it
    // left is recomputed in the same batch, so it never counts twice; a later withdrawal removes it
    // where it is, and carries that leaf (its known_at moves), in every batch split and in a rebuild
    it('counts a record that moved to another area once, and its withdrawal removes it where it is', async () => {
      const t0 = Date.UTC(2025, 8, 1);
      const moved = (areaCode: string, version: number, at: number): AreaStatisticEvent => ({ ...record(areaCode, '2012', { einwohner: 300 }, { version, at }), key: 'bev|umzug' });
      const events: AreaStatisticEvent[] = [
        ...base(),
        moved('101', 1, t0),
        moved('102', 2, t0 + 10),
        { key: 'bev|umzug', version: 3, tombstone: true, deliveredAt: t0 + 20, amt: 'statistik', deliveryId: 'w-umzug' },
      ];
      const einwohner = async () => Object.fromEntries(Object.entries(await values(reader, 'einwohner', 'STADTTEIL', '2012')).map(([code, v]) => [code, v.value]));
      const total = async () => (await values(reader, 'einwohner', 'STADT', '2012'))['0']!.value;
      await projector.apply(events.slice(0, 6));
      expect((await einwohner())['101']).toBe(1300);
      await projector.apply([events[6]!]);
      expect(await einwohner()).toMatchObject({ '101': 1000, '102': 2300 });
      expect(await total()).toBe(5000 + 300);
      await projector.apply([events[7]!]);
      expect(await einwohner()).toMatchObject({ '101': 1000, '102': 2000 });
      expect(await total()).toBe(5000);
      const withdrawal = await wh.query(`SELECT leaf_key FROM record_versions FINAL WHERE record_key = 'bev|umzug' AND tombstone = 1`);
      expect(withdrawal).toEqual([{ leaf_key: 'bev|STADTTEIL|102|2012' }]);
      const cells = () => wh.query(`SELECT * FROM cells FINAL ORDER BY leaf_key, measure, dims_key, present`);
      const incremental = await cells();
      expect(incremental.find((c) => c.leaf_key === 'bev|STADTTEIL|102|2012' && c.measure === 'einwohner')).toMatchObject({ known_at_ms: String(t0 + 20) });
      // all in one batch, and rebuilt by both rebuilds: the same cells, absent ones and known_at included
      await expectOneBatchAndRebuildsGive(events, cells, incremental);
    });

    it('rebuilds identical cells from a replay in other batches and order', async () => {
      const t0 = Date.UTC(2025, 1, 1);
      const events = [
        ...base(),
        record('101', '2012', { einwohner: 1200, sgb2_personen: 90 }, { version: 2, at: t0 }),
        { key: 'bev|STADTTEIL|202|2012', version: 2, tombstone: true, deliveredAt: t0 + 5, amt: 'statistik', deliveryId: 'w' } satisfies AreaStatisticEvent,
      ];
      for (const e of events) await projector.apply([e]);
      // current cells (absent markers are bookkeeping of intermediate states and may differ)
      const snapshot = () => wh.query(`SELECT * FROM cells FINAL WHERE present = 1 ORDER BY leaf_key, measure, dims_key`);
      const incremental = await snapshot();
      expect(incremental.length).toBeGreaterThan(0);
      await truncateProjections(wh);
      // other batches, keys interleaved differently, per-key order kept (as the log guarantees)
      await projector.apply([events[5]!, events[3]!, events[1]!]);
      await projector.apply([events[0]!, events[4]!, events[6]!, events[2]!]);
      expect(await snapshot()).toEqual(incremental);
      expect((await values(reader, 'einwohner', 'STADT', '2012'))['0']!.value).toBe(1200 + 2000 + 500 + 800);
    });
  });
}
