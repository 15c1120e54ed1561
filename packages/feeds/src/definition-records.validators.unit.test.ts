// Indicator and index definitions as delivered data (docs/indicators.md §8): an indicator-definition
// record is the catalogue entry itself, checked against the catalogue's schema (errors name the
// entry's field) and, given the tenant's catalogue and levels, against them row after row.
import { anIndicatorDefinition } from '@sp/events/testing';
import { loadCatalogue } from '@sp/indicators';
import { describe, expect, it } from 'vitest';
import { FeedCatalogue } from './catalogue.js';
import { validateRecords, type ValidationContext } from './record.validators.js';
import { Taxonomy } from './taxonomy.js';
import { fixtureSpatialChecks } from './testing/spatial.fixture.js';

const ctx = (withCatalogue = true): ValidationContext => ({
  amt: 'statistik',
  catalogue: FeedCatalogue.load(),
  taxonomy: Taxonomy.load(),
  spatial: fixtureSpatialChecks(),
  now: new Date('2025-06-15T00:00:00Z'),
  ...(withCatalogue ? { definitions: { catalogue: loadCatalogue(), levels: ['STADT', 'STADTBEZIRK', 'STADTTEIL'] } } : {}),
});
const common = { amt: 'statistik', polarity: 0, updateInterval: 'jährlich', synthetic: false, name: 'Kinder', definition: 'x' };
const count = { ...common, code: 'kinder_u3', version: 1, kind: 'count', unit: 'Personen', dataset: 'bevoelkerung', measure: 'einwohner_alter', dimensions: { alter: ['0-3'] } };
const ratio = { ...common, code: 'kinder_u3_anteil', version: 1, kind: 'ratio', unit: '%', numerator: 'kinder_u3', denominator: 'einwohner', factor: 100 };
const rows = (...values: unknown[]) => values.map((value, row) => ({ row, value }));

describe('indicator-definition records', () => {
  it('takes the catalogue entry as the record: key = code, the entry as JSON text in spec', () => {
    const r = validateRecords('indicator-definition', rows({ ...count, source: 'Statistikstelle' }), ctx());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const record = r.records[0]!.record;
    expect(record).toMatchObject({ key: 'kinder_u3', version: 1, code: 'kinder_u3', kind: 'count', source: 'Statistikstelle' });
    expect(JSON.parse(record.spec)).toEqual(count);
    // the record form itself (key, version, code, kind, spec as JSON text) is taken as it is
    expect(
      validateRecords('indicator-definition', rows(anIndicatorDefinition({ spec: JSON.stringify({ ...count, code: 'einwohner_gesamt' }), key: 'einwohner_gesamt', code: 'einwohner_gesamt' })), ctx())
        .ok,
    ).toBe(true);
  });

  it("names the entry's own fields when it does not fit the catalogue's schema", () => {
    const r = validateRecords('indicator-definition', rows({ ...ratio, factor: undefined, polarity: 2 }), ctx());
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => [e.row, e.field, e.code])).toEqual(
      expect.arrayContaining([
        [0, 'polarity', 'INVALID_VALUE'],
        [0, 'factor', 'MISSING_FIELD'],
      ]),
    );
  });

  it('lets a later row read an earlier one of the same delivery, and not the other way round', () => {
    expect(validateRecords('indicator-definition', rows(count, ratio), ctx()).ok).toBe(true);
    const reversed = validateRecords('indicator-definition', rows(ratio, count), ctx());
    expect(reversed.ok).toBe(false);
    if (reversed.ok) return;
    expect(reversed.errors).toEqual([expect.objectContaining({ row: 0, field: 'numerator', code: 'UNKNOWN_INDICATOR', value: 'kinder_u3' })]);
  });

  it("checks the shape only when no catalogue is given, and a key that is not the entry's code always", () => {
    expect(validateRecords('indicator-definition', rows(ratio), ctx(false)).ok).toBe(true);
    const r = validateRecords('indicator-definition', rows({ ...count, key: 'anders' }), ctx(false));
    expect(r.ok ? [] : r.errors.map((e) => [e.field, e.code, e.accepted])).toEqual([['key', 'KEY_MISMATCH', 'kinder_u3']]);
  });
});
