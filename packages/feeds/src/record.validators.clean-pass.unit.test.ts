// The one-pass check of a clean area statistic (CleanAreaStatistics) against the full checks it
// stands in for: validateRecords gives the same records (dimensions sorted alike, field order
// included) and the same errors with it as without it, on generated valid and broken records —
// texts, keys, datasets, levels, areas, periods, measures, dimensions, value kinds, duplicates —
// and it is the path the valid ones take.
import { strictRecordSchemas } from '@sp/events';
import { mulberry32 as random } from '@sp/indicators';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FeedCatalogue } from './catalogue.js';
import { CleanAreaStatistics, type InputRow, validateRecords, type ValidationContext } from './record.validators.js';
import { Taxonomy } from './taxonomy.js';
import { fixtureSpatialChecks } from './testing/spatial.fixture.js';

// the Köln feed catalogue plus published values, a measure of several dimensions (names that sort
// as integers among them) and a dimension named like a long text field (tab allowed, 20,000 characters)
const yaml = readFileSync(new URL('../catalogue/feeds.yaml', import.meta.url), 'utf8').replace(
  '      einwohner: {}\n',
  [
    '      einwohner: {}',
    '      sgb2_anteil: { kind: share }',
    '      einwohner_diff: { kind: change, unit: Personen }',
    '      einwohner_mittel: { kind: mean, unit: Jahre }',
    '      betrag: { kind: amount }',
    "      mehrfach: { dimensions: { b: ['x', 'y'], a: ['x', 'y'], '10': ['x'], '2': ['x', 'y'] } }",
    `      notiz: { dimensions: { description: ["a\\tb", 'c', 'ä😀'] } }`,
    '',
  ].join('\n'),
);

const ctx: ValidationContext = {
  amt: 'statistik',
  catalogue: FeedCatalogue.parse(yaml),
  taxonomy: Taxonomy.load(),
  spatial: fixtureSpatialChecks(),
  now: new Date('2025-06-15T00:00:00Z'),
};

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

const ages = ['0-3', '3-6', '6-10', '10-15', '15-18', '18-25', '25-35', '35-45', '45-55', '55-60', '60-65', '65-75', '75+'];

/** An observation that is valid for bevoelkerung in that catalogue. */
function validObservation(r: () => number): Record<string, unknown> {
  switch (Math.floor(r() * 8)) {
    case 0:
      return { measure: 'einwohner_alter', dimensions: { alter: pick(r, ages) }, value: Math.floor(r() * 5000) };
    case 1:
      return { measure: 'sgb2_anteil', dimensions: {}, value: pick(r, [0, 0.125, 1]), valueKind: 'SHARE', unit: 'fraction', denominator: pick(r, [null, 800]) };
    case 2:
      return { measure: 'einwohner_diff', dimensions: {}, value: pick(r, [-42, 0, 17]), valueKind: 'CHANGE', unit: 'Personen' };
    case 3: {
      const dimensions: Record<string, string> = {};
      for (const name of ['b', 'a', '10', '2']) if (r() < 0.6) dimensions[name] = name === '10' ? 'x' : pick(r, ['x', 'y']);
      return { measure: 'mehrfach', dimensions, value: Math.floor(r() * 100) };
    }
    case 4:
      return { measure: 'notiz', dimensions: { description: pick(r, ['a\tb', 'c', 'ä😀']) }, value: 3 };
    case 5:
      return { measure: 'betrag', dimensions: {}, value: pick(r, [0, 12.5, 100_000_000]), ...(r() < 0.5 ? { valueKind: 'COUNT' } : {}) };
    case 6:
      return { measure: 'einwohner_mittel', dimensions: {}, value: 41.7, valueKind: 'MEAN', unit: 'Jahre', denominator: 1200 };
    default:
      return { measure: 'einwohner', dimensions: {}, value: Math.floor(r() * 100_000), ...(r() < 0.2 ? { recordKey: null, unit: null, denominator: null } : {}) };
  }
}

/** A valid area statistic of bevoelkerung with 1–24 distinct observations (the same one drawn twice is dropped). */
function validRecord(r: () => number, i: number, areaCode = pick(r, ['101', '105', '202', '909'])): Record<string, unknown> {
  const observations: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  const n = 1 + Math.floor(r() * (r() < 0.2 ? 24 : 7));
  for (let k = 0; k < n; k++) {
    const o = validObservation(r);
    const dims = o.dimensions as Record<string, string>;
    const id = `${o.measure as string}${JSON.stringify(Object.fromEntries(Object.entries(dims).sort(([a], [b]) => (a < b ? -1 : 1))))}`;
    if (seen.has(id)) continue;
    seen.add(id);
    observations.push(o);
  }
  const period = pick(r, ['2012', '2012-Q3', '2012-07', '1975-01', '2025-06', '2025-Q2']);
  const v: Record<string, unknown> = {
    key: `bevoelkerung|STADTTEIL|${areaCode}|${period}`,
    version: 1 + (i % 3),
    dataset: 'bevoelkerung',
    areaLevel: 'STADTTEIL',
    areaCode,
    period,
    observations,
    synthetic: r() < 0.5,
  };
  if (r() < 0.8) v.source = pick(r, [null, 'Stadt Köln', 'Amt für Statistik 😀']);
  return v;
}

/** What may be wrong with a record or one of its observations, one to three things at a time. */
const breakages: ((v: Record<string, unknown>, o: Record<string, unknown>, r: () => number) => void)[] = [
  (v) => (v.key = 'bevoelkerung|STADTTEIL|101|1999'),
  (v) => (v.key = `${v.key as string}x`),
  (v) => delete v.key, // derived from the fields
  (v, _o, r) => (v.dataset = pick(r, ['sgb2', 'nix', 'schueler'])),
  (v, _o, r) => (v.areaLevel = pick(r, ['STADTBEZIRK', 'XX', 'STADTVIERTEL'])),
  (v, _o, r) => (v.areaCode = pick(r, ['999', '1', 'chorweiler'])),
  (v, _o, r) => (v.period = pick(r, ['1949', '2099', '2025-07', '2025-Q3', 'x', '1974', '1974-12', '2012-13'])),
  (v, _o, r) => (v.source = pick(r, ['a\u0001b', 'x'.repeat(501), 'lone \ud800 half', 'tab\there', 'ok'])),
  (v) => (v.observations = []),
  (v) => (v.key = 'k\u0007ey'),
  (_v, o, r) => (o.measure = pick(r, ['unbekannt', 'einwohner{}', 'Einwohner', 'einwohner_alte', 'x'.repeat(600)])),
  (_v, o, r) => (o.dimensions = { ...(o.dimensions as object), alter: pick(r, ['0-4', '75+', '0–3']) }),
  (_v, o, r) => (o.dimensions = { ...(o.dimensions as object), [pick(r, ['geschlecht', 'a', 'description', 'constructor'])]: pick(r, ['x', 'c', 'a\tb', 'w']) }),
  (_v, o, r) => (o.dimensions = { description: pick(r, ['a\tb', 'a\u0000b', 'c']) }),
  (_v, o, r) => (o.value = pick(r, [-1, 1.5, 100_000_001, 0.5, -0.25, 101, 2])),
  (_v, o, r) => (o.valueKind = pick(r, ['COUNT', 'SHARE', 'RATE', 'MEAN', 'CHANGE'])),
  (_v, o, r) => (o.unit = pick(r, [null, '%', 'fraction', 'Personen', 'EUR', 'Jahre', 'a\u0085b'])),
  (_v, o, r) => (o.denominator = pick(r, [null, 800, 2.5, -5, 100_000_001])),
  (_v, o, r) => (o.recordKey = pick(r, [null, 0.5, 0])),
  (v, o, _r) => (v.observations as unknown[]).push(structuredClone(o)), // a duplicate
  (v, o, _r) => (v.observations as unknown[]).push({ ...structuredClone(o), dimensions: Object.fromEntries(Object.entries((o.dimensions as object | undefined) ?? {}).reverse()) }), // a duplicate, dimensions in another order
];

function brokenRecord(r: () => number, i: number, areaCode?: string): Record<string, unknown> {
  const v = validRecord(r, i, areaCode);
  for (let c = 1 + Math.floor(r() * 3); c > 0; c--) {
    const obs = v.observations as Record<string, unknown>[];
    const o = obs.length ? obs[Math.floor(r() * obs.length)]! : {};
    pick(r, breakages)(v, o, r);
  }
  return v;
}

/** Both ways, on fresh copies (the checks normalise what they are given): equal, field order and error order included. */
function expectSameAnswer(rows: InputRow[]) {
  const copy = () => rows.map((row) => ({ ...row, value: structuredClone(row.value) }));
  const full = validateRecords('area-statistic', copy(), ctx, { cleanPass: false });
  const clean = validateRecords('area-statistic', copy(), ctx);
  expect(clean).toEqual(full);
  expect(JSON.stringify(clean)).toBe(JSON.stringify(full));
  return full;
}

describe('CleanAreaStatistics: the one-pass check of a clean area statistic', () => {
  it('is the path every valid record takes, and leaves it as the full checks do (dimensions sorted)', () => {
    const r = random(19);
    const schema = strictRecordSchemas['area-statistic'];
    let sorted = 0;
    for (let i = 0; i < 2_000; i++) {
      const v = validRecord(r, i);
      const record = schema.parse(v);
      expect(new CleanAreaStatistics(ctx).accepts(record), JSON.stringify(v)).toBe(true);
      const full = expectSameAnswer([{ row: 0, value: v }]);
      expect(full.ok).toBe(true);
      expect(full.ok && full.records[0]!.record).toEqual(record);
      expect(JSON.stringify(full.ok && full.records[0]!.record)).toBe(JSON.stringify(record));
      if (record.observations.some((o) => Object.keys(o.dimensions).length > 1)) sorted++;
    }
    expect(sorted).toBeGreaterThan(300);
  });

  it('answers broken records exactly as the full checks do: the same errors in the same order, nothing changed', () => {
    const r = random(23);
    const codes = new Set<string>();
    let refused = 0;
    for (let i = 0; i < 6_000; i++) {
      const v = brokenRecord(r, i);
      const schema = strictRecordSchemas['area-statistic'].safeParse(v.key === undefined ? { ...v, key: 'x' } : v);
      const before = JSON.stringify(v);
      const full = expectSameAnswer([{ row: i, value: v }]);
      if (schema.success && v.key !== undefined) {
        // a record the full checks refuse is never taken by the one-pass check, and it leaves the record alone
        const record = strictRecordSchemas['area-statistic'].parse(v);
        const copy = JSON.stringify(record);
        if (!full.ok) {
          expect(new CleanAreaStatistics(ctx).accepts(record), before).toBe(false);
          expect(JSON.stringify(record)).toBe(copy);
        }
      }
      if (!full.ok) {
        refused++;
        for (const e of full.errors) codes.add(e.code);
      }
    }
    expect(refused).toBeGreaterThan(4_000);
    // the kinds of problem it was held to
    for (const code of [
      'KEY_MISMATCH',
      'UNKNOWN_DATASET',
      'DATASET_NOT_ALLOWED',
      'UNKNOWN_AREA_LEVEL',
      'LEVEL_NOT_READ',
      'UNKNOWN_AREA',
      'BAD_PERIOD',
      'FUTURE_PERIOD',
      'AREA_NOT_VALID',
      'TEXT_TOO_LONG',
      'CONTROL_CHARACTER',
      'UNKNOWN_MEASURE',
      'UNKNOWN_DIMENSION',
      'UNKNOWN_DIMENSION_VALUE',
      'VALUE_KIND_MISMATCH',
      'NEGATIVE_COUNT',
      'FRACTIONAL_COUNT',
      'OUT_OF_RANGE',
      'INVALID_VALUE',
      'UNKNOWN_UNIT',
      'MISSING_FIELD',
      'UNKNOWN_FIELD',
      'DUPLICATE_OBSERVATION',
    ])
      expect(codes).toContain(code);
  });

  it('answers deliveries of valid and broken records, duplicate keys among them, as the full checks do', () => {
    const r = random(29);
    const codes = ['101', '102', '103', '104', '105', '201', '202', '203', '204', '205', '206', '207'];
    let accepted = 0;
    let duplicates = 0;
    for (let d = 0; d < 300; d++) {
      const rows: InputRow[] = codes.slice(0, 1 + Math.floor(r() * codes.length)).map((code, k) => {
        const broken = r() < 0.1;
        return { row: k, value: broken ? brokenRecord(r, d * 20 + k, code) : validRecord(r, d * 20 + k, code) };
      });
      // now and then a key twice
      if (rows.length > 1 && r() < 0.1) rows.push({ row: rows.length, value: { ...(rows[0]!.value as object), observations: [{ measure: 'einwohner', dimensions: {}, value: 1 }] } });
      const full = expectSameAnswer(rows);
      if (full.ok) accepted++;
      else if (full.errors.some((e) => e.code === 'DUPLICATE_KEY')) duplicates++;
    }
    expect(accepted).toBeGreaterThan(50);
    expect(duplicates).toBeGreaterThan(5);
  });
});
