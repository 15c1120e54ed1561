// Issue 15.3 at the gateway: a value the source published itself (read by the warehouse reader with
// origin DELIVERED; packages/indicator-store/src/delivered-values.int.test.ts) is labelled so in
// GraphQL (origin, valueKind, unit) and in the CSV export (Herkunft, Werttyp); computed values say
// COMPUTED / berechnet.
import type { IndicatorValue, IndicatorValuesQuery } from '@sp/indicator-store';
import { describe, expect, it } from 'vitest';
import { testGateway } from './testing/gateway.fixture.js';
import { koelnCells } from './testing/koeln.fixture.js';
import { MemoryIndicatorReader } from './testing/memory-indicator-reader.js';

/** the fixture's SGB-II-Quote as if the Jobcenter had delivered it as a published share */
class DeliveredShares extends MemoryIndicatorReader {
  override async values(q: IndicatorValuesQuery): Promise<IndicatorValue[]> {
    const values = await super.values(q);
    return q.indicator === 'sgb2_quote' ? values.map((v) => ({ ...v, numerator: null, origin: 'DELIVERED' as const, valueKind: 'SHARE' as const })) : values;
  }
}

describe('delivered values at the gateway', () => {
  const { gql, get } = testGateway({ indicators: new DeliveredShares(koelnCells()) });

  it('labels a delivered share DELIVERED with its unit in GraphQL, a computed count COMPUTED', async () => {
    const r = await gql(`{
      shares: indicatorValues(indicator: "sgb2_quote", level: STADTTEIL, period: "2012", areas: ["104"]) { value origin valueKind unit }
      counts: indicatorValues(indicator: "einwohner", level: STADTTEIL, period: "2012", areas: ["104"]) { value origin valueKind unit }
    }`);
    expect(r.errors).toBeUndefined();
    const { shares, counts } = r.data as Record<string, { value: number; origin: string; valueKind: string; unit: string }[]>;
    expect(shares).toHaveLength(1);
    expect(shares![0]).toMatchObject({ origin: 'DELIVERED', valueKind: 'SHARE', unit: '%' });
    expect(counts![0]).toMatchObject({ origin: 'COMPUTED', valueKind: 'COUNT' });
  });

  it('says geliefert / Anteil in the last two CSV columns', async () => {
    const csv = (await (await get('/export/indicator-values.csv?indicator=sgb2_quote&level=STADTTEIL&period=2012')).text()).replace(/^\uFEFF/, '').split('\r\n');
    expect(csv[0]).toMatch(/;Herkunft;Werttyp$/);
    const row = csv.find((l) => l.includes(';104;'))!.split(';');
    expect(row.slice(-2)).toEqual(['geliefert', 'Anteil']);
    const counts = (await (await get('/export/indicator-values.csv?indicator=einwohner&level=STADTTEIL&period=2012')).text()).split('\r\n');
    expect(
      counts
        .find((l) => l.includes(';104;'))!
        .split(';')
        .slice(-2),
    ).toEqual(['berechnet', 'Anzahl']);
  });
});
