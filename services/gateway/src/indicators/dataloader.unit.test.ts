// One dashboard query costs a bounded number of warehouse round trips, however many areas it
// touches: values are loaded per (indicator, level, asOf) slice, not per area.
import { describe, expect, it } from 'vitest';
import { testGateway } from '../testing/gateway.fixture.js';

const valueCalls = (calls: { method: string }[]) => calls.filter((c) => c.method === 'values').length;

describe('per-request DataLoaders', () => {
  it('reads 86 Stadtteile, their Bezirke and the city in one call per level', async () => {
    const { gql, memory } = testGateway();
    const r = await gql(`{
      areas(level: STADTTEIL) {
        code
        value(indicator: "einwohner", period: "2012") { value }
        parent { value(indicator: "einwohner", period: "2012") { value } parent { value(indicator: "einwohner", period: "2012") { value } } }
      }
    }`);
    expect(r.errors).toBeUndefined();
    expect(r.data.areas).toHaveLength(86);
    expect(r.data.areas[0].value.value).toBe(27515);
    // STADTTEIL, STADTBEZIRK, STADT: three round trips for 86 + 86 + 86 lookups
    expect(valueCalls(memory.calls)).toBe(3);
  });

  it('batches a whole dashboard (map, comparison, series of every area, two periods) into a handful of calls', async () => {
    const dashboard = (level: string) => `{
      map: indicatorValues(indicator: "einwohner", level: ${level}, period: "2012") { area { code name } value suppressed }
      previous: indicatorValues(indicator: "einwohner", level: ${level}, period: "2011") { value }
      city: indicatorValues(indicator: "einwohner", level: STADT, period: "2012") { value }
      comparison(indicator: "einwohner", area: { level: STADTTEIL, code: "101" }, period: "2012") { differenceToParent ratioToCity }
      areas(level: ${level}) { series(indicator: "einwohner", from: "2005", to: "2012") { period value } }
    }`;
    const small = testGateway();
    await small.gql(dashboard('STADTBEZIRK'));
    const large = testGateway();
    const r = await large.gql(dashboard('STADTTEIL'));
    expect(r.errors).toBeUndefined();
    expect(r.data.areas).toHaveLength(86);
    expect(r.data.areas[0].series).toHaveLength(8);
    // slices: (STADTTEIL 2011+2012), (STADTBEZIRK), (STADT), then one range call for all 86 series
    expect(valueCalls(large.memory.calls)).toBe(4);
    // the number of round trips does not grow with the number of areas
    expect(valueCalls(large.memory.calls)).toBe(valueCalls(small.memory.calls));
    const seriesCall = large.memory.calls.find((c) => c.method === 'values' && c.query.periodFrom);
    expect(seriesCall && seriesCall.method === 'values' && seriesCall.query.areaCodes).toHaveLength(86);
  });

  it('does not share a cache between requests (each request sees its own viewer and fresh data)', async () => {
    const { gql, memory } = testGateway();
    const q = '{ indicatorValues(indicator: "einwohner", level: STADT, period: "2012") { value } }';
    await gql(q);
    await gql(q);
    expect(valueCalls(memory.calls)).toBe(2);
  });

  it('answers as-of questions with what was known then', async () => {
    const { gql } = testGateway();
    const q = (asOf: string) => `{ indicatorValues(indicator: "einwohner", level: STADTTEIL, period: "2012", areas: ["101"], asOf: "${asOf}") { value knownAt } }`;
    expect((await gql(q('2013-02-01'))).data.indicatorValues).toEqual([{ value: 27400, knownAt: '2013-01-15T00:00:00.000Z' }]);
    expect((await gql(q('2013-03-01T12:00:00Z'))).data.indicatorValues).toEqual([{ value: 27515, knownAt: '2013-03-01T00:00:00.000Z' }]);
    expect((await gql(q('2012-12-31'))).data.indicatorValues).toEqual([]);
  });
});
