import { describe, expect, it } from 'vitest';
import { checkContract } from './testing/contract.js';
import { testGateway } from './testing/gateway.fixture.js';

describe('GraphQL contract (Köln reference, 2012 Einwohner)', () => {
  const { gql, gateway } = testGateway();

  it('answers the three contract queries exactly', async () => {
    expect(await checkContract(gql)).toEqual([]);
  });

  it('returns Stadtteile with names and Bezirk parents in code order', async () => {
    const r = await gql('{ areas(level: STADTTEIL) { code name parent { code name } } }');
    expect(r.data.areas[0]).toEqual({ code: '101', name: 'Altstadt/Süd', parent: { code: '1', name: 'Innenstadt' } });
    expect(new Set(r.data.areas.map((a: any) => a.parent.code))).toEqual(new Set(['1', '2', '3', '4', '5', '6', '7', '8', '9']));
  });

  it('serves GraphiQL to a browser at /graphql', async () => {
    const res = await gateway.yoga.fetch('http://gateway.test/graphql', { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/graphiql/i);
  });

  it('answers over plain GET as well (cacheable dashboards)', async () => {
    const q = encodeURIComponent('{ indicatorValues(indicator: "einwohner", level: STADT, period: "2012") { value } }');
    const res = await gateway.yoga.fetch(`http://gateway.test/graphql?query=${q}`, { headers: { accept: 'application/json' } });
    expect(await res.json()).toEqual({ data: { indicatorValues: [{ value: 1044555 }] } });
  });
});
