// Area levels are the spatial reference's data: the API lists them, accepts exactly them (as enum
// literal, string or variable, also inside AreaInput) and refuses any other with UNKNOWN_AREA_LEVEL
// naming the reference's levels. A second reference with other level names works without code.
import { fileURLToPath } from 'node:url';
import { loadReference } from '@sp/spatial';
import { describe, expect, it } from 'vitest';
import { areaSourceFromReference } from './adapters/spatial.source.js';
import { testGateway } from './testing/gateway.fixture.js';

const koelnLevels = ['STADT', 'STADTBEZIRK', 'STADTTEIL', 'STADTVIERTEL', 'SOZIALRAUM'];

describe('area levels from the spatial reference (Köln)', () => {
  const { gql, get } = testGateway();

  it('lists the levels with label, parent level, geometry and planning flag', async () => {
    const r = await gql('{ areaLevels { name label parentLevel hasGeometry planning basis } }');
    expect(r.errors).toBeUndefined();
    expect(r.data.areaLevels).toEqual([
      { name: 'STADT', label: 'Stadt', parentLevel: null, hasGeometry: true, planning: false, basis: false },
      { name: 'STADTBEZIRK', label: 'Stadtbezirk', parentLevel: 'STADT', hasGeometry: true, planning: false, basis: false },
      { name: 'STADTTEIL', label: 'Stadtteil', parentLevel: 'STADTBEZIRK', hasGeometry: true, planning: false, basis: true },
      { name: 'STADTVIERTEL', label: 'Stadtviertel', parentLevel: 'STADTTEIL', hasGeometry: true, planning: false, basis: false },
      { name: 'SOZIALRAUM', label: 'Sozialraumgebiet (Lebenswerte Veedel)', parentLevel: null, hasGeometry: true, planning: true, basis: false },
    ]);
  });

  it('accepts a level as enum literal, as string and as variable alike', async () => {
    const literal = await gql('{ areas(level: SOZIALRAUM) { code } }');
    const string = await gql('{ areas(level: "SOZIALRAUM") { code } }');
    const variable = await gql('query($l: AreaLevel!) { areas(level: $l) { code } }', { variables: { l: 'SOZIALRAUM' } });
    expect(literal.data.areas).toHaveLength(15);
    expect(string).toEqual(literal);
    expect(variable).toEqual(literal);
  });

  it('refuses an unknown level with UNKNOWN_AREA_LEVEL naming the levels of the reference, wherever it stands', async () => {
    const queries: [string, Record<string, unknown>?][] = [
      ['{ areas(level: PLANUNGSRAUM) { code } }'],
      ['{ areas(level: "PLANUNGSRAUM") { code } }'],
      ['query($l: AreaLevel!) { areas(level: $l) { code } }', { l: 'PLANUNGSRAUM' }],
      ['{ timeSeries(indicator: "einwohner", area: { level: PLANUNGSRAUM, code: "1" }, from: "2010", to: "2012") { value } }'],
      ['query($a: AreaInput!) { comparison(indicator: "einwohner", area: $a, period: "2012") { area { value } } }', { a: { level: 'PLANUNGSRAUM', code: '1' } }],
      ['{ area(level: STADTTEIL, code: "101") { children(level: PLANUNGSRAUM) { code } } }'],
    ];
    for (const [query, variables] of queries) {
      const r = await gql(query, variables ? { variables } : {});
      expect(r.data ?? null, query).toBeNull();
      expect(r.errors?.[0]?.extensions?.code, query).toBe('UNKNOWN_AREA_LEVEL');
      expect(r.errors?.[0]?.message).toContain('STADT, STADTBEZIRK, STADTTEIL, STADTVIERTEL, SOZIALRAUM');
      expect(r.errors?.[0]?.extensions?.accepted).toEqual(koelnLevels);
    }
  });

  it('refuses a name that cannot be a level before anything runs', async () => {
    const r = await gql('{ areas(level: "stadtteil; drop") { code } }');
    expect(r.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(r.errors?.[0]?.message).toMatch(/upper case/);
  });

  it('refuses an unknown level in the CSV export with 400 UNKNOWN_AREA_LEVEL', async () => {
    const res = await get('/export/indicator-values.csv?indicator=einwohner&level=PLANUNGSRAUM&period=2012');
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/UNKNOWN_AREA_LEVEL|unknown area level "PLANUNGSRAUM"/);
  });
});

describe('area levels of another city (Musterstadt: Sozialraum, Wohnplatz, Fördergebiet)', () => {
  const fixture = fileURLToPath(new URL('../../../packages/spatial/reference/fixtures/musterstadt.yaml', import.meta.url));
  const { gql } = testGateway({ areas: areaSourceFromReference(loadReference(fixture, { dataRoot: '/nonexistent' })) });

  it('answers its own levels and refuses Köln’s', async () => {
    expect((await gql('{ areaLevels { name } }')).data.areaLevels.map((l: { name: string }) => l.name)).toEqual(['STADT', 'SOZIALRAUM', 'WOHNPLATZ', 'FOERDERGEBIET']);
    const wohnplaetze = await gql('{ area(level: SOZIALRAUM, code: "7") { children { level code } } }');
    expect(wohnplaetze.data.area.children).toEqual([
      { level: 'WOHNPLATZ', code: '701' },
      { level: 'WOHNPLATZ', code: '702' },
    ]);
    const koeln = await gql('{ areas(level: STADTTEIL) { code } }');
    expect(koeln.errors?.[0]?.extensions?.code).toBe('UNKNOWN_AREA_LEVEL');
    expect(koeln.errors?.[0]?.extensions?.accepted).toEqual(['STADT', 'SOZIALRAUM', 'WOHNPLATZ', 'FOERDERGEBIET']);
  });
});
