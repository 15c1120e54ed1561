import { strictRecordSchemas } from '@sp/events';
import { mulberry32 as random } from '@sp/indicators';
import { anAreaStatistic } from '@sp/events/testing';
import { describe, expect, it, vi } from 'vitest';
import { areaStatisticFields, conformingAreaStatistic, observationFields } from './area-statistic.fast-path.js';
import { FeedCatalogue } from './catalogue.js';
import { validateRecords, type ValidationContext } from './record.validators.js';
import { Taxonomy } from './taxonomy.js';
import { fixtureSpatialChecks } from './testing/spatial.fixture.js';

const schema = strictRecordSchemas['area-statistic'];

/** Valid records of many shapes: the optional fields present or not, null or set, dimensions 0–3, texts with umlauts. */
function validSample(r: () => number, i: number): Record<string, unknown> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const observations = Array.from({ length: 1 + Math.floor(r() * 4) }, () => {
    const o: Record<string, unknown> = { measure: pick(['einwohner', 'einwohner_alter', 'anteil', 'Ü']), dimensions: {}, value: pick([0, -0, 1, 27515, 0.5, -3, 1e300]) };
    const dims = Math.floor(r() * 4);
    for (let d = 0; d < dims; d++) (o.dimensions as Record<string, string>)[pick(['alter', 'geschlecht', 'b', 'a', '10', '2', 'constructor'])] = pick(['0-3', '', 'w', 'ä😀']);
    if (r() < 0.3) o.recordKey = pick([null, 0, 0.25, 0.999]);
    if (r() < 0.3) o.valueKind = pick(['COUNT', 'SHARE', 'RATE', 'MEAN', 'CHANGE']);
    if (r() < 0.3) o.unit = pick([null, '%', 'fraction', '', 'EUR']);
    if (r() < 0.3) o.denominator = pick([null, 0, 12.5, -1]);
    // the fields in another order than the schema's now and then
    return r() < 0.2 ? Object.fromEntries(Object.entries(o).reverse()) : o;
  });
  const v: Record<string, unknown> = {
    key: `bevoelkerung|STADTTEIL|${i}|2012`,
    version: pick([1, 2, 2_147_483_647]),
    dataset: 'bevoelkerung',
    areaLevel: 'STADTTEIL',
    areaCode: String(100 + i),
    period: pick(['2012', '2012-Q3', '2012-07', 'x']),
    observations,
    synthetic: r() < 0.5,
  };
  if (r() < 0.7) v.source = pick([null, 'Stadt Köln', '']);
  return r() < 0.2 ? Object.fromEntries(Object.entries(v).reverse()) : v;
}

const oddValues: unknown[] = [
  undefined,
  null,
  '',
  'x',
  0,
  -1,
  0.5,
  1.5,
  2_147_483_648,
  Number.POSITIVE_INFINITY,
  Number.NaN,
  true,
  [],
  ['x'],
  {},
  { a: 'b' },
  Object.create(null),
  new Date(0),
  Symbol('s'),
  10n,
];

/** A valid sample with one to three things changed: a field removed, added, or set to an odd value, at any depth. */
function mutated(r: () => number, i: number): unknown {
  const v = structuredClone(validSample(r, i));
  const changes = 1 + Math.floor(r() * 3);
  for (let c = 0; c < changes; c++) {
    const isObject = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object';
    const obs = Array.isArray(v.observations) ? (v.observations as unknown[]) : [];
    const o = obs[Math.floor(r() * obs.length)];
    const choice = r();
    const target = choice < 0.4 || !isObject(o) ? v : choice < 0.7 || !isObject(o.dimensions) ? o : o.dimensions;
    const keys = Object.keys(target);
    const key = r() < 0.8 && keys.length ? keys[Math.floor(r() * keys.length)]! : ['extra', '__proto__', 'recordKey', 'unit', 'source'][Math.floor(r() * 5)]!;
    const what = r();
    if (what < 0.15) delete target[key];
    else if (what < 0.2) Object.defineProperty(target, key, { value: 'hidden', enumerable: false, configurable: true });
    else if (what < 0.25) (target as Record<symbol, unknown>)[Symbol('k')] = 'x';
    else Object.defineProperty(target, key, { value: oddValues[Math.floor(r() * oddValues.length)], enumerable: true, writable: true, configurable: true });
  }
  if (r() < 0.03) return Object.setPrototypeOf(v, null);
  if (r() < 0.03) return [v];
  return v;
}

describe('conformingAreaStatistic: the strict zod schema of area-statistic without zod', () => {
  it('knows exactly the fields of the zod schema, in its order (a field added to the schema must be added here)', () => {
    expect([...areaStatisticFields]).toEqual(Object.keys(schema.shape));
    expect([...observationFields]).toEqual(Object.keys(schema.shape.observations.element.shape));
  });

  it('gives what zod gives, field order included, as fresh objects, for valid records of many shapes', () => {
    const r = random(17);
    for (let i = 0; i < 3_000; i++) {
      const v = validSample(r, i);
      const zod = schema.safeParse(v);
      expect(zod.success).toBe(true);
      const fast = conformingAreaStatistic(v);
      expect(fast).toEqual(zod.data);
      expect(JSON.stringify(fast)).toBe(JSON.stringify(zod.data));
      expect(fast).not.toBe(v);
      expect(fast!.observations).not.toBe(v.observations);
      fast!.observations.forEach((o, k) => {
        const input = (v.observations as Record<string, unknown>[])[k]!;
        expect(o).not.toBe(input);
        expect(o.dimensions).not.toBe(input.dimensions);
        expect(Object.is(o.value, input.value)).toBe(true); // -0 stays -0, as with zod
      });
    }
  });

  it('takes every record of a JSON delivery that zod accepts (so the fast path is the one taken)', () => {
    const r = random(4);
    let accepted = 0;
    for (let i = 0; i < 3_000; i++) {
      const text = JSON.stringify(mutated(r, i), (_k, x) => (typeof x === 'bigint' || typeof x === 'symbol' ? undefined : x));
      if (text === undefined) continue;
      const v: unknown = JSON.parse(text);
      if (!schema.safeParse(v).success) continue;
      accepted++;
      // zod drops a "__proto__" entry of dimensions silently; that one record is left to zod
      if (text.includes('"__proto__"')) continue;
      expect(conformingAreaStatistic(v), text).toEqual(schema.parse(v));
    }
    expect(accepted).toBeGreaterThan(300);
  });

  it('accepts nothing zod refuses, and where it accepts gives zod’s output (10,000 mutated records)', () => {
    const r = random(99);
    let refusedByZod = 0;
    let leftToZod = 0;
    for (let i = 0; i < 10_000; i++) {
      const v = mutated(r, i);
      const zod = schema.safeParse(v);
      const fast = conformingAreaStatistic(v);
      if (!zod.success) refusedByZod++;
      if (fast === undefined) {
        leftToZod++;
        continue;
      }
      expect(zod.success).toBe(true);
      expect(fast).toEqual(zod.data);
      expect(JSON.stringify(fast)).toBe(JSON.stringify(zod.data));
    }
    expect(refusedByZod).toBeGreaterThan(5_000);
    expect(10_000 - leftToZod).toBeGreaterThan(500); // and the fast path did take records
    expect(leftToZod).toBeGreaterThanOrEqual(refusedByZod);
  });

  it('leaves validateRecords’ answers as they were with zod alone: the same records or the same errors, for valid and broken deliveries', async () => {
    // the reference: record.validators with the fast path taken out (zod parses every record, as before)
    vi.resetModules();
    vi.doMock('./area-statistic.fast-path.js', async (original) => ({ ...(await original<object>()), conformingAreaStatistic: () => undefined }));
    const zodOnly = (await import('./record.validators.js')).validateRecords;
    vi.doUnmock('./area-statistic.fast-path.js');
    vi.resetModules();
    const ctx: ValidationContext = { amt: 'statistik', catalogue: FeedCatalogue.load(), taxonomy: Taxonomy.load(), spatial: fixtureSpatialChecks(), now: new Date('2026-12-04T12:00:00Z') };
    const r = random(5);
    let valid = 0;
    let invalid = 0;
    for (let d = 0; d < 200; d++) {
      // deliveries of 10 records: real area statistics of the catalogue, some broken structurally, some semantically
      const rows = Array.from({ length: 10 }, (_, k) => {
        const i = d * 10 + k;
        if (d % 3 === 0) return { row: k, value: { ...anAreaStatistic({ areaCode: String(101 + (k % 5) + 100 * Math.floor(k / 5)), period: `20${10 + (d % 10)}-0${1 + (k % 9)}` }) } };
        const base: Record<string, unknown> = { ...anAreaStatistic({ areaCode: ['101', '102', '909', '999'][i % 4]!, period: ['2012', '2012-07', '2031', '1850'][(i >> 2) % 4]! }) };
        if (i % 7 === 0) (base.observations as Record<string, unknown>[]).push({ measure: 'einwohner', dimensions: {}, value: i % 3 === 0 ? -1 : 27515 });
        if (i % 11 === 0) (base.observations as Record<string, unknown>[])[1] = { measure: 'einwohner_alter', dimensions: { alter: 'x' }, value: 1.5 };
        const value = r() < 0.15 ? mutated(r, i) : base;
        return { row: k, value };
      });
      // both parse into fresh objects (the checks normalise those, never the input rows)
      // (a BigInt among the values makes the error's message fail in JSON.stringify: then both throw alike)
      const run = (validate: typeof validateRecords) => {
        try {
          return validate('area-statistic', rows, ctx);
        } catch (error) {
          return { thrown: String(error) };
        }
      };
      const expected = run(zodOnly);
      const actual = run(validateRecords);
      expect(actual).toEqual(expected);
      const text = (x: unknown) => JSON.stringify(x, (_k, y) => (typeof y === 'bigint' ? `${y}n` : typeof y === 'symbol' ? String(y) : y));
      expect(text(actual)).toBe(text(expected));
      if ('ok' in actual && actual.ok) valid++;
      else invalid++;
    }
    expect(valid).toBeGreaterThan(5);
    expect(invalid).toBeGreaterThan(50);
  });
});
