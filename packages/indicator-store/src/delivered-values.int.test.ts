// Issue 15.3: values a source publishes itself — a share, a signed change — delivered as
// area-statistic v3 (encoded and decoded through the schema registry), projected into chDB and read
// back: as delivered, origin DELIVERED, never summed to a level they were not delivered at, and
// withheld from the public where they stand on a small count; an index takes them as inputs as read.
import { EventCodec, SchemaRegistry, type AreaStatistic, type RecordEvent } from '@sp/events';
import { Catalogue, deliveredThreshold, loadProtection, parseCatalogue } from '@sp/indicators';
import type { Warehouse } from '@sp/ports';
import { tempDir } from '@sp/testing';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planResolverFromCatalogue } from './indicator-plan.js';
import { migrateWarehouse } from './migrations.js';
import { IndexProjector } from './index-projector.js';
import { IndicatorProjector, loadAreaMap, type AreaStatisticEvent } from './projector.js';
import { WarehouseIndicatorReader } from './warehouse-indicator-reader.js';

// Bezirk 1 = {101, 102}, Bezirk 2 = {201}
const areaMap = [
  { childLevel: 'STADT', childCode: '0', level: 'STADT', code: '0' },
  ...['1', '2'].flatMap((b) => [
    { childLevel: 'STADTBEZIRK', childCode: b, level: 'STADTBEZIRK', code: b },
    { childLevel: 'STADTBEZIRK', childCode: b, level: 'STADT', code: '0' },
  ]),
  ...Object.entries({ '101': '1', '102': '1', '201': '2' }).flatMap(([st, b]) => [
    { childLevel: 'STADTTEIL', childCode: st, level: 'STADTTEIL', code: st },
    { childLevel: 'STADTTEIL', childCode: st, level: 'STADTBEZIRK', code: b },
    { childLevel: 'STADTTEIL', childCode: st, level: 'STADT', code: '0' },
  ]),
];

const catalogue: Catalogue = parseCatalogue(`catalogueVersion: 1
datasets:
  hh: { name: Veröffentlichte Werte, periodicity: year, amt: statistik, synthetic: false, confidentiality: public }
  vertraulich: { name: Vertrauliche Werte, periodicity: year, amt: statistik, synthetic: false }
indicators:
  - { code: sgb2_anteil, version: 1, kind: delivered, valueKind: SHARE, name: SGB-II-Anteil, definition: veröffentlicht, unit: "%", amt: statistik, polarity: -1, updateInterval: jährlich, synthetic: false, dataset: hh, measure: sgb2_anteil }
  - { code: einwohner_diff, version: 1, kind: delivered, valueKind: CHANGE, name: Veränderung, definition: veröffentlicht, unit: Personen, amt: statistik, polarity: 0, updateInterval: jährlich, synthetic: false, dataset: hh, measure: einwohner_diff }
  - { code: einwohner, version: 1, kind: count, name: Einwohner, definition: Summe, unit: Personen, amt: statistik, polarity: 0, updateInterval: jährlich, synthetic: false, dataset: hh, measure: einwohner }
  - code: lage
    version: 1
    kind: index
    name: Lage
    definition: z-Wert des veröffentlichten Anteils
    unit: SD
    amt: statistik
    polarity: -1
    updateInterval: jährlich
    synthetic: false
    inputs: [{ indicator: sgb2_anteil }]
    population: einwohner
    minPopulation: 1
    levels: [STADTTEIL, STADTBEZIRK]
    classes: [{ code: lo, label: lo, from: null }, { code: hi, label: hi, from: 0 }]
  - { code: geheim_anteil, version: 1, kind: delivered, valueKind: SHARE, name: Anteil, definition: veröffentlicht, unit: "%", amt: statistik, polarity: -1, updateInterval: jährlich, synthetic: false, dataset: vertraulich, measure: anteil }
`);

type Obs = AreaStatistic['observations'][number];

const codec = new EventCodec(SchemaRegistry.load());
let seq = 0;
/** one v3 record, through the Avro codec as the log carries it */
function record(dataset: string, level: string, code: string, period: string, observations: Obs[], version = 1): AreaStatisticEvent {
  seq += 1;
  const event: RecordEvent<'area-statistic'> = {
    key: `${dataset}|${level}|${code}|${period}`,
    version,
    recordType: 'area-statistic',
    amt: 'statistik',
    deliveryId: `d-${seq}`,
    deliveredAt: Date.UTC(2026, 0, 1) + seq,
    deliveredBy: 'test',
    tombstone: false,
    payload: { key: `${dataset}|${level}|${code}|${period}`, version, dataset, areaLevel: level, areaCode: code, period, observations, synthetic: false, source: 'Statistikamt' },
  };
  const decoded = codec.decode(codec.encode('area-statistic', 3, event)).event as RecordEvent<'area-statistic'>;
  return { key: decoded.key, version: decoded.version, tombstone: false, deliveredAt: decoded.deliveredAt, amt: decoded.amt, deliveryId: decoded.deliveryId, payload: decoded.payload! };
}
const share = (value: number, denominator: number | null, unit = '%'): Obs => ({ measure: 'sgb2_anteil', dimensions: {}, value, valueKind: 'SHARE', unit, denominator });
const count = (value: number): Obs => ({ measure: 'einwohner', dimensions: {}, value });
const diff = (value: number, denominator: number | null): Obs => ({ measure: 'einwohner_diff', dimensions: {}, value, valueKind: 'CHANGE', unit: 'Personen', denominator });

describe('delivered shares and signed changes on chDB (area-statistic v3)', () => {
  let wh: Warehouse;
  let reader: WarehouseIndicatorReader;
  const protection = loadProtection();
  const read = async (indicator: string, level: string, privileged = false) =>
    Object.fromEntries((await reader.values({ indicator, level, periods: ['2013'], privileged })).map((v) => [v.areaCode, v]));

  beforeAll(async () => {
    wh = openChdbWarehouse({ path: tempDir('sp-delivered-') });
    await migrateWarehouse(wh);
    await loadAreaMap(wh, areaMap);
    const projector = new IndicatorProjector(wh, { protection, recordKeySecret: 'delivered-values-test-record-keys' });
    await projector.apply([
      // 101: 12.5 % of 800, delivered as a fraction; 102: 50 % of 2 (one person); 201: no denominator
      record('hh', 'STADTTEIL', '101', '2013', [share(0.125, 800, 'fraction'), diff(-42, 1200), count(1000)]),
      record('hh', 'STADTTEIL', '102', '2013', [share(50, 2), diff(7, 300), count(500)]),
      record('hh', 'STADTTEIL', '201', '2013', [share(9.5, null), diff(-3, 2), count(700)]),
      // both Bezirke publish their own share, the city none
      record('hh', 'STADTBEZIRK', '1', '2013', [share(12.6, 802)]),
      record('hh', 'STADTBEZIRK', '2', '2013', [share(13, 400)]),
      record('vertraulich', 'STADTTEIL', '101', '2013', [{ measure: 'anteil', dimensions: {}, value: 40, valueKind: 'SHARE', unit: '%', denominator: 500 }]),
    ]);
    reader = new WarehouseIndicatorReader(wh, { plans: planResolverFromCatalogue(catalogue), hierarchyLevels: ['STADT', 'STADTBEZIRK', 'STADTTEIL'], protection });
  }, 120_000);
  afterAll(async () => wh?.close());

  it('reads a share and a signed change as delivered, origin DELIVERED, a fraction in %', async () => {
    const st = await read('sgb2_anteil', 'STADTTEIL', true);
    expect(Object.keys(st).sort()).toEqual(['101', '102', '201']);
    expect(st['101']).toMatchObject({ value: 12.5, denominator: 800, numerator: null, origin: 'DELIVERED', valueKind: 'SHARE', suppressed: false, confidential: false, perturbed: false });
    expect(st['201']).toMatchObject({ value: 9.5, denominator: null });
    const ch = await read('einwohner_diff', 'STADTTEIL', true);
    expect(ch['101']).toMatchObject({ value: -42, denominator: 1200, origin: 'DELIVERED', valueKind: 'CHANGE' });
  });

  it('never sums them up the hierarchy: a level without delivered values has none', async () => {
    // the Bezirke delivered their own shares: exactly those, not 12.5 + 50
    const bz = await read('sgb2_anteil', 'STADTBEZIRK', true);
    expect(Object.keys(bz).sort()).toEqual(['1', '2']);
    expect(bz['1']).toMatchObject({ value: 12.6, denominator: 802, origin: 'DELIVERED' });
    expect(bz['2']).toMatchObject({ value: 13, denominator: 400, origin: 'DELIVERED' });
    // no Bezirk and no city delivered a change: nothing, not −42 + 7
    expect(await read('einwohner_diff', 'STADTBEZIRK', true)).toEqual({});
    expect(await read('einwohner_diff', 'STADT', true)).toEqual({});
    expect(await read('sgb2_anteil', 'STADT', true)).toEqual({});
  });

  it('withholds from the public a value that stands on a small count, and a parent whose withheld part it would give away', async () => {
    expect(deliveredThreshold(protection.config)).toBe(3);
    const st = await read('sgb2_anteil', 'STADTTEIL');
    // 50 % of 2 is one person: protected like the count
    expect(st['102']).toMatchObject({ value: null, denominator: null, suppressed: true, suppressionReason: 'PROTECTED', origin: 'DELIVERED' });
    expect(st['101']).toMatchObject({ value: 12.5, denominator: 800, suppressed: false });
    // without a denominator the value tells no count: shown as published
    expect(st['201']).toMatchObject({ value: 9.5, suppressed: false });
    // Bezirk 1 (12.6 % of 802) minus 101 (12.5 % of 800) would give 102 away: withheld too; Bezirk 2 is shown
    const bz = await read('sgb2_anteil', 'STADTBEZIRK');
    expect(bz['1']).toMatchObject({ value: null, suppressed: true });
    expect(bz['2']).toMatchObject({ value: 13, denominator: 400, suppressed: false });
    const ch = await read('einwohner_diff', 'STADTTEIL');
    // −3 from a base of 2 is no count at all, +7 from 300 and −42 from 1200 are shown
    expect(ch['201']).toMatchObject({ value: null, suppressed: true });
    expect(ch['102']).toMatchObject({ value: 7, denominator: 300, suppressed: false });
    expect(ch['101']).toMatchObject({ value: -42, suppressed: false });
    // a confidential dataset's delivered values have no protected variant: the public sees "geschützt", a planner the value
    expect((await read('geheim_anteil', 'STADTTEIL'))['101']).toMatchObject({ value: null, suppressed: true, confidential: true });
    expect((await read('geheim_anteil', 'STADTTEIL', true))['101']).toMatchObject({ value: 40, denominator: 500, confidential: true });
  });

  it('is an index input as delivered: the Bezirk index scores the shares the Bezirke published, the public index leaves out a withheld one', async () => {
    // counts beside them still add up
    expect((await read('einwohner', 'STADTBEZIRK'))['1']).toMatchObject({ value: 1500, origin: 'COMPUTED', valueKind: 'COUNT' });
    await new IndexProjector(wh, reader, catalogue).recompute(['2013']);
    const scores = async (level: string, privileged: boolean) =>
      Object.fromEntries((await reader.indexValues({ index: 'lage', level, period: '2013', privileged })).map((v) => [v.areaCode, v.scored ? v.score : null]));
    // Bezirk 1 published 12.6 %, Bezirk 2 13 %: two areas, z = ±1, the higher share the higher score
    // (sums of their Stadtteile, 62.5 and 9.5, would rank them the other way round)
    expect(await scores('STADTBEZIRK', true)).toEqual({ '1': -1, '2': 1 });
    const st = await scores('STADTTEIL', true);
    expect(Object.values(st).every((v) => v !== null)).toBe(true);
    // the public index reads the inputs as the public sees them: 102 is withheld, so unscored
    const pub = await scores('STADTTEIL', false);
    expect(pub['102']).toBeNull();
    expect(pub['101']).not.toBeNull();
  });
});
