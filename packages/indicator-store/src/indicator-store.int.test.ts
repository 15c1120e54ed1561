import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { tempDir } from '@sp/testing';
import type { Warehouse } from '@sp/ports';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Component, IndicatorPlan } from '@sp/indicators';
import type { PlanResolver } from './indicator-plan.js';
import { migrateWarehouse, truncateProjections } from './migrations.js';
import { IndicatorProjector, loadAreaMap, type AreaStatisticEvent } from './projector.js';
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
const resolver: PlanResolver = { plan: (code) => plans[code] };

let seq = 0;
function record(areaCode: string, period: string, obs: Record<string, number>, opts: { version?: number; at?: number; dims?: Record<string, Record<string, string>> } = {}): AreaStatisticEvent {
  seq += 1;
  return {
    key: `bev|STADTTEIL|${areaCode}|${period}`,
    version: opts.version ?? 1,
    tombstone: false,
    deliveredAtMs: opts.at ?? Date.UTC(2025, 0, 1) + seq,
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

describe('indicator store on chDB', () => {
  let wh: Warehouse;
  let projector: IndicatorProjector;
  let reader: WarehouseIndicatorReader;

  beforeAll(async () => {
    wh = await openChdbWarehouse({ path: tempDir('sp-ind-') });
    await migrateWarehouse(wh);
    await loadAreaMap(wh, areaMap);
    projector = new IndicatorProjector(wh);
    reader = new WarehouseIndicatorReader(wh, { plans: resolver, threshold: 3 });
  });
  afterAll(async () => wh?.close());
  beforeEach(async () => truncateProjections(wh));

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
    await projector.apply([{ key: 'bev|STADTTEIL|102|2012', version: 2, tombstone: true, deliveredAtMs: t0 + 2000, amt: 'statistik', deliveryId: 'w1' }]);
    const now = await values(reader, 'einwohner', 'STADTTEIL', '2012');
    expect(Object.keys(now)).toEqual(['101']);
    expect((await values(reader, 'einwohner', 'STADT', '2012'))['0']!.value).toBe(1100);
    const asOf = (ms: number) => values(reader, 'einwohner', 'STADT', '2012', { asOf: new Date(ms).toISOString() });
    expect((await asOf(t0 + 500))['0']!.value).toBe(3000);
    expect((await asOf(t0 + 1500))['0']!.value).toBe(3100);
    expect((await asOf(t0 + 2500))['0']!.value).toBe(1100);
    expect(await asOf(t0 - 1)).toEqual({});
    // a withdrawal seen before the record it withdraws still wins over that older version
    await projector.apply([{ key: 'bev|STADTTEIL|103|2012', version: 2, tombstone: true, deliveredAtMs: t0 + 1800, amt: 'statistik', deliveryId: 'w0' }]);
    await projector.apply([record('103', '2012', { einwohner: 5 }, { at: t0 + 1700 })]);
    expect((await values(reader, 'einwohner', 'STADTTEIL', '2012'))['103']).toBeUndefined();
    expect((await values(reader, 'einwohner', 'STADT', '2012'))['0']!.knownAt).toBe(new Date(t0 + 2000).toISOString());
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

  it('suppresses small counts, their siblings, derived rates and planning areas for non-privileged readers', async () => {
    await projector.apply(base());
    const pub = await values(reader, 'sgb2', 'STADTTEIL', '2012');
    expect(pub['102']).toMatchObject({ suppressed: true, value: null, suppressionReason: 'PRIMARY' });
    // 102 is the only small count in Bezirk 1: the smallest sibling (103: 50) is suppressed too,
    // so Bezirk total minus the published Stadtteile does not reveal 102
    expect(pub['103']).toMatchObject({ suppressed: true, value: null, suppressionReason: 'SECONDARY' });
    expect(pub['101']).toMatchObject({ suppressed: false, value: 100 });
    // P1 = 102 + 201: with 102 hidden, 201 must go too or P1 − 201 reveals 102; then Bezirk 2
    // has one hidden part, so 202 goes as well. P1 itself stays published (two unknowns in it).
    expect(pub['201']).toMatchObject({ suppressed: true, suppressionReason: 'SECONDARY' });
    expect(pub['202']).toMatchObject({ suppressed: true, suppressionReason: 'SECONDARY' });
    const rate = await values(reader, 'sgb2_quote', 'STADTTEIL', '2012');
    expect(rate['102']).toMatchObject({ suppressed: true, value: null, numerator: null, denominator: null, suppressionReason: 'DERIVED' });
    expect(rate['103']!.suppressed).toBe(true);
    expect((await values(reader, 'sgb2', 'STADTBEZIRK', '2012'))['1']).toMatchObject({ suppressed: false, value: 152 });
    expect((await values(reader, 'sgb2', 'SOZIALRAUM', '2012')).P1).toMatchObject({ suppressed: false, value: 82 });
    const priv = await values(reader, 'sgb2', 'STADTTEIL', '2012', { privileged: true });
    expect(priv['102']).toMatchObject({ suppressed: false, value: 2 });
    expect((await values(reader, 'sgb2', 'SOZIALRAUM', '2012', { privileged: true })).P1!.value).toBe(82);
  });

  it('shows one area the same suppression whether asked alone, by parent, in a series or with all areas', async () => {
    // 2012 has a small count (102: 2) whose protection hides 201 (SECONDARY); 2007–2011 have none.
    // Six periods: more than a public read takes in one go, so the periods without a small count
    // are read for the asked areas only
    const years = ['2007', '2008', '2009', '2010', '2011'];
    await projector.apply([...base(), ...years.flatMap((y) => Object.keys(stadtteile).map((a, i) => record(a, y, { einwohner: 900 + i, sgb2_personen: 60 + i + Number(y) - 2011 })))]);
    const key = (v: { areaCode: string; period: string }) => `${v.areaCode}@${v.period}`;
    for (const privileged of [false, true]) {
      const all = await reader.values({ indicator: 'sgb2', level: 'STADTTEIL', periodFrom: '2007', periodTo: '2012', privileged });
      const byKey = new Map(all.map((v) => [key(v), v]));
      for (const area of Object.keys(stadtteile)) {
        const alone = await reader.values({ indicator: 'sgb2', level: 'STADTTEIL', areaCodes: [area], periodFrom: '2007', periodTo: '2012', privileged });
        expect(alone, `${area} privileged=${privileged}`).toEqual(alone.map((v) => byKey.get(key(v))));
        expect(alone).toHaveLength(6);
      }
      const periods = [...years, '2012'];
      const inBezirk2 = await reader.values({ indicator: 'sgb2_quote', level: 'STADTTEIL', parentCode: '2', periods, privileged });
      const quoteAll = new Map((await reader.values({ indicator: 'sgb2_quote', level: 'STADTTEIL', periods, privileged })).map((v) => [key(v), v]));
      expect(inBezirk2).toHaveLength(12);
      expect(inBezirk2).toEqual(inBezirk2.map((v) => quoteAll.get(key(v))));
    }
    const series201 = await reader.values({ indicator: 'sgb2', level: 'STADTTEIL', areaCodes: ['201'], periodFrom: '2007', periodTo: '2012' });
    expect(series201.map((v) => [v.period, v.value, v.suppressionReason])).toEqual([
      ['2007', 59, null],
      ['2008', 60, null],
      ['2009', 61, null],
      ['2010', 62, null],
      ['2011', 63, null],
      ['2012', null, 'SECONDARY'],
    ]);
    const p1 = await reader.values({ indicator: 'sgb2', level: 'SOZIALRAUM', areaCodes: ['P1'], periodFrom: '2007', periodTo: '2012' });
    expect(p1.map((v) => [v.period, v.value, v.suppressed]).slice(-2)).toEqual([
      ['2011', 61 + 63, false],
      ['2012', 82, false],
    ]);
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

  it('rebuilds identical cells from a replay in other batches and order', async () => {
    const t0 = Date.UTC(2025, 1, 1);
    const events = [
      ...base(),
      record('101', '2012', { einwohner: 1200, sgb2_personen: 90 }, { version: 2, at: t0 }),
      { key: 'bev|STADTTEIL|202|2012', version: 2, tombstone: true, deliveredAtMs: t0 + 5, amt: 'statistik', deliveryId: 'w' } satisfies AreaStatisticEvent,
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
