// The tenant's own Ämter in its definition: what is accepted, and each refusal naming its field.
import { describe, expect, it } from 'vitest';
import { tenantDefinitionSchema } from './tenant.schema.js';

const base = { id: 'kreis-lippe', name: 'Kreis Lippe', kind: 'kreis', reference: 'musterstadt' };
const statistik = { code: 'statistik', name: 'Kreisstatistik', recordTypes: ['area-level', 'area', 'indicator-definition', 'dataset', 'area-statistic'], datasets: ['bevoelkerung'] };
const issuesOf = (input: unknown) => {
  const r = tenantDefinitionSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
};

describe('tenant definition: amts', () => {
  it('is optional: without it the pack gives the Ämter', () => {
    expect(tenantDefinitionSchema.parse(base).amts).toBeUndefined();
  });

  it('accepts a statistics office and Ämter of the tenant', () => {
    const amts = [statistik, { code: 'kreisjugendamt', name: ' Kreisjugendamt ', recordTypes: ['offer', 'status-report'] }];
    expect(tenantDefinitionSchema.parse({ ...base, amts }).amts).toEqual([statistik, { code: 'kreisjugendamt', name: 'Kreisjugendamt', recordTypes: ['offer', 'status-report'] }]);
  });

  it('names each bad field: unknown record type, duplicate code, empty name, bad code', () => {
    const issues = issuesOf({
      ...base,
      amts: [
        statistik,
        { code: 'jugend', name: 'Jugendamt', recordTypes: ['offer', 'kita'] },
        { code: 'statistik', name: 'Zweite Statistik', recordTypes: ['offer'] },
        { code: 'soziales', name: '  ', recordTypes: ['offer'] },
        { code: 'Fachbereich-Soziales', name: 'Fachbereich Soziales', recordTypes: ['offer'] },
      ],
    });
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['amts.1.recordTypes.1', 'amts.3.name', 'amts.4.code']));
    expect(issues.find((i) => i.path === 'amts.1.recordTypes.1')?.message).toMatch(/area-statistic/);
  });

  it('names a duplicate code once the Ämter are well-formed', () => {
    const issues = issuesOf({ ...base, amts: [statistik, { code: 'statistik', name: 'Zweite Statistik', recordTypes: ['offer'] }] });
    expect(issues).toEqual([{ path: 'amts.1.code', message: expect.stringMatching(/amts\.0/) }]);
  });

  it('requires a statistics office granted area-level, area, indicator-definition and dataset', () => {
    const issues = issuesOf({ ...base, amts: [{ code: 'statistik', name: 'Statistik', recordTypes: ['area-level', 'area', 'indicator-definition'] }] });
    expect(issues).toEqual([{ path: 'amts', message: expect.stringMatching(/statistics office.*area-level, area, indicator-definition, dataset/) }]);
    expect(issuesOf({ ...base, amts: [] }).map((i) => i.path)).toEqual(['amts']);
  });

  it('keeps the feed catalogue invariants: dataset goes with indicator-definition, datasets with area-statistic', () => {
    const issues = issuesOf({
      ...base,
      amts: [statistik, { code: 'amt_a', name: 'A', recordTypes: ['dataset'] }, { code: 'amt_b', name: 'B', recordTypes: ['offer'], datasets: ['hze'] }],
    });
    expect(issues.map((i) => i.path).sort()).toEqual(['amts.1.recordTypes', 'amts.2.datasets']);
  });
});
