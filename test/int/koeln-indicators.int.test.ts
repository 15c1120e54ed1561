// The indicator warehouse on the real Köln data (chDB): population 2005–2012 per Stadtteil rolls
// up so that the city equals the sum of the Bezirke and of the Stadtteile in every year; the
// synthetic social indicators give the composite index; suppression holds across levels.
import { loadKoelnWarehouse } from '@sp/demo/testing';
import type { WarehouseIndicatorReader } from '@sp/indicator-store';
import type { Warehouse } from '@sp/ports';
import { tempDir } from '@sp/testing';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const YEARS = ['2005', '2006', '2007', '2008', '2009', '2010', '2011', '2012'];

describe('Köln indicators on the real population', () => {
  let wh: Warehouse;
  let reader: WarehouseIndicatorReader;

  beforeAll(async () => {
    wh = await openChdbWarehouse({ path: tempDir('sp-koeln-') });
    reader = await loadKoelnWarehouse(wh, { from: '2011-01', to: '2012-12', indexPeriods: ['2012'] });
  }, 300_000);
  afterAll(async () => wh?.close());

  it('has the published totals: city 2012 = 1,044,555, Altstadt/Süd 27,515', async () => {
    const city = await reader.values({ indicator: 'einwohner', level: 'STADT', periods: ['2012'] });
    expect(city.map((v) => v.value)).toEqual([1044555]);
    const st = await reader.values({ indicator: 'einwohner', level: 'STADTTEIL', periods: ['2012'] });
    expect(st).toHaveLength(86);
    expect(st.find((v) => v.areaCode === '101')!.value).toBe(27515);
  });

  it('city = Σ Bezirke = Σ Stadtteile in every year', async () => {
    const city = await reader.values({ indicator: 'einwohner', level: 'STADT', periods: YEARS });
    const bezirke = await reader.values({ indicator: 'einwohner', level: 'STADTBEZIRK', periods: YEARS });
    const stadtteile = await reader.values({ indicator: 'einwohner', level: 'STADTTEIL', periods: YEARS });
    for (const y of YEARS) {
      const c = city.find((v) => v.period === y)!.value!;
      const sum = (rows: typeof city) => rows.filter((v) => v.period === y).reduce((s, v) => s + v.value!, 0);
      expect(bezirke.filter((v) => v.period === y)).toHaveLength(9);
      expect(sum(bezirke)).toBe(c);
      expect(sum(stadtteile)).toBe(c);
    }
  });

  it('rates and the composite index', async () => {
    const quote = await reader.values({ indicator: 'sgb2_quote', level: 'STADT', periods: ['2012-06', '2012'], privileged: true });
    expect(quote).toHaveLength(2);
    for (const q of quote) {
      expect(q.synthetic).toBe(true);
      expect(q.value).toBeGreaterThan(5);
      expect(q.value).toBeLessThan(25);
      expect(q.value).toBeCloseTo((q.numerator! / q.denominator!) * 100, 10);
    }
    const index = await reader.indexValues({ index: 'index_soziale_lage', level: 'STADTTEIL', period: '2012' });
    expect(index).toHaveLength(86);
    expect(index[0]!.definitionVersion).toBe(2);
    const scored = index.filter((v) => v.scored);
    expect(scored.length).toBeGreaterThan(75);
    const mean = scored.reduce((s, v) => s + v.score!, 0) / scored.length;
    expect(mean).toBeCloseTo(0, 9);
    expect(new Set(scored.map((v) => v.class))).toContain('Status sehr niedrig');
    // the dynamic index reads its monthly inputs (change over 12 months) at December
    const dynamik = await reader.indexValues({ index: 'index_dynamik', level: 'STADTTEIL', period: '2012' });
    expect(dynamik.filter((v) => v.scored).length).toBeGreaterThan(75);
    expect(new Set(dynamik.map((v) => v.class)).size).toBeGreaterThanOrEqual(2);
  });

  it('shows the public confidential figures only protected: every level the sum of the same protected Stadtteil values, never 1 or 2', async () => {
    for (const indicator of ['hze_stationaer', 'schuleingang_motorik', 'grundsicherung_em', 'sgb2_personen_u15']) {
      const periods = [indicator.startsWith('sgb2') ? '2012-12' : '2012'];
      const rows = await reader.values({ indicator, level: 'STADTTEIL', periods });
      const privileged = await reader.values({ indicator, level: 'STADTTEIL', periods, privileged: true });
      expect(rows).toHaveLength(86);
      expect(rows.every((r) => r.perturbed && r.knownAt === null && !r.suppressed)).toBe(true);
      expect(privileged.every((r) => r.confidential && !r.perturbed && r.knownAt !== null)).toBe(true);
      // one observation per Stadtteil: never a published 1 or 2, and at most D from the truth
      const truth = new Map(privileged.map((r) => [r.areaCode, r.value!]));
      for (const r of rows) {
        expect(r.value === 0 || r.value! > 2).toBe(true);
        expect(Math.abs(r.value! - truth.get(r.areaCode)!)).toBeLessThanOrEqual(4);
      }
      expect(rows.some((r) => r.value !== truth.get(r.areaCode))).toBe(true);
      const bezirke = await reader.values({ indicator, level: 'STADTBEZIRK', periods });
      for (const b of bezirke) {
        const sum = rows.filter((r) => r.areaCode.startsWith(b.areaCode) && r.areaCode.length === 3).reduce((s, r) => s + r.value!, 0);
        expect(b.value).toBe(sum);
      }
    }
  });
});
