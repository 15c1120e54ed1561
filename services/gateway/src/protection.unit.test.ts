// Protection: depth, breadth and cost limits reject a query before anything runs; page sizes are
// capped; unexpected errors are masked; a slow warehouse is cut off by the request timeout.
import { getIntrospectionQuery } from 'graphql/index.js';
import { describe, expect, it } from 'vitest';
import { UnknownIndicatorError, type IndicatorReader } from '@sp/indicator-store';
import { DatabaseError, ExpectedError } from '@sp/ports';
import { NeedsError } from '@sp/registry';
import { testGateway, tokenFor } from './testing/gateway.fixture.js';
import type { RegistrySource } from './sources.js';

describe('query limits', () => {
  it('rejects a query deeper than maxDepth with QUERY_DEPTH, without reading anything', async () => {
    const { gql, memory } = testGateway({ limits: { maxDepth: 5 } });
    const deep = '{ areas(level: STADTVIERTEL) { parent { parent { parent { value(indicator: "einwohner", period: "2012") { area { code } } } } } } }';
    const r = await gql(deep);
    expect(r.errors?.[0]?.extensions?.code).toBe('QUERY_DEPTH');
    expect(r.data).toBeUndefined();
    expect(memory.calls).toEqual([]);
  });

  it('rejects a query above maxComplexity with QUERY_COMPLEXITY (geometry is expensive)', async () => {
    const { gql } = testGateway({ limits: { maxComplexity: 150 } });
    const ok = await gql('{ areas(level: STADTTEIL) { code name } }');
    expect(ok.errors).toBeUndefined();
    const r = await gql('{ areas(level: STADTTEIL) { code name geometry } }');
    expect(r.errors?.[0]?.extensions?.code).toBe('QUERY_COMPLEXITY');
  });

  it('rejects too many fields with QUERY_BREADTH', async () => {
    const { gql } = testGateway({ limits: { maxBreadth: 20 } });
    const fields = Array.from({ length: 30 }, (_, i) => `a${i}: area(level: STADT, code: "0") { code }`).join(' ');
    const r = await gql(`{ ${fields} }`);
    expect(r.errors?.[0]?.extensions?.code).toBe('QUERY_BREADTH');
  });

  it('lets GraphiQL introspect the schema under the default limits (for a signed-in viewer)', async () => {
    const { gql } = testGateway();
    const r = await gql(getIntrospectionQuery(), { token: await tokenFor({ role: 'planner' }) });
    expect(r.errors).toBeUndefined();
    expect(r.data.__schema.queryType.name).toBe('Query');
  });

  it('caps page sizes: a ranking or connection beyond maxPageSize is PAGE_SIZE_EXCEEDED', async () => {
    const registry: RegistrySource = {
      searchOffers: async ({ offset, limit }) => ({ items: [], total: offset + limit }),
      offerHistory: async () => [],
      norms: async () => [],
      needs: async () => [],
    };
    const { gql } = testGateway({ limits: { maxPageSize: 50, maxComplexity: 100_000 }, registry });
    const ranking = await gql('{ ranking(indicator: "einwohner", level: STADTTEIL, period: "2012", first: 86) { rank } }');
    expect(ranking.errors?.[0]?.extensions?.code).toBe('PAGE_SIZE_EXCEEDED');
    const offers = await gql('{ offers(first: 51) { edges { node { name } } } }');
    expect(offers.errors?.[0]?.extensions?.code).toBe('PAGE_SIZE_EXCEEDED');
    const fine = await gql('{ ranking(indicator: "einwohner", level: STADTTEIL, period: "2012", first: 50) { rank } }');
    expect(fine.data.ranking).toHaveLength(50);
  });
});

describe('errors', () => {
  it('masks unexpected errors: no internals leave the gateway', async () => {
    const failing: IndicatorReader = {
      values: async () => {
        throw new Error('connect ECONNREFUSED clickhouse://admin:hunter2@10.0.0.5:8123');
      },
      periods: async () => [],
      indexValues: async () => [],
    };
    const { gql } = testGateway({ indicators: failing });
    const r = await gql('{ indicatorValues(indicator: "einwohner", level: STADT, period: "2012") { value } }');
    expect(r.errors?.[0]?.message).toBe('Unexpected error.');
    expect(JSON.stringify(r)).not.toMatch(/hunter2|ECONNREFUSED/);
  });

  it('answers expected errors with a code, the argument and what is accepted', async () => {
    const { gql } = testGateway();
    const period = await gql('{ indicatorValues(indicator: "einwohner", level: STADTTEIL, period: "2012-13") { value } }');
    expect(period.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'period' } });
    expect(period.errors?.[0]?.message).toMatch(/"2012-Q3"/);
    const unknown = await gql('{ indicatorValues(indicator: "nope", level: STADTTEIL, period: "2012") { value } }');
    expect(unknown.errors?.[0]).toMatchObject({ extensions: { code: 'NOT_FOUND', argument: 'indicator' } });
    const area = await gql('{ timeSeries(indicator: "einwohner", area: { level: STADTTEIL, code: "999" }, from: "2005", to: "2012") { value } }');
    expect(area.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const noRegistry = await gql('{ offers(first: 5) { totalCount } }');
    expect(noRegistry.errors?.[0]?.extensions?.code).toBe('NOT_AVAILABLE');
  });

  it('shows an ExpectedError of a source with its code and argument, and masks every other error whatever its class is called', async () => {
    const registryThrowing = (error: Error): RegistrySource => ({
      searchOffers: async () => ({ items: [], total: 0 }),
      offerHistory: async () => [],
      norms: async () => {
        throw error;
      },
      needs: async () => [],
    });
    const norms = (error: Error) => testGateway({ registry: registryThrowing(error) }).gql('{ planningNorms { code } }');

    const shown = await norms(new ExpectedError('UNKNOWN_NORM', 'unknown norm "x"; known: kita-u3', 'norm'));
    expect(shown.errors?.[0]).toMatchObject({ message: 'unknown norm "x"; known: kita-u3', extensions: { code: 'UNKNOWN_NORM', argument: 'norm' } });

    // the domain's expected errors are ExpectedErrors too
    const needs = await norms(new NeedsError('UNKNOWN_NORM', 'unknown norm "x"; known: kita-u3'));
    expect(needs.errors?.[0]).toMatchObject({ extensions: { code: 'UNKNOWN_NORM' } });
    const unplanned: IndicatorReader = {
      values: async ({ indicator }) => {
        throw new UnknownIndicatorError(indicator);
      },
      periods: async () => [],
      indexValues: async () => [],
    };
    const unknown = await testGateway({ indicators: unplanned }).gql('{ indicatorValues(indicator: "einwohner", level: STADT, period: "2012") { value } }');
    expect(unknown.errors?.[0]).toMatchObject({ message: 'unknown indicator "einwohner"', extensions: { code: 'UNKNOWN_INDICATOR' } });

    // a look-alike: an engine error that carries a code and the name of an expected error class is
    // still masked (the gateway used to show errors by class name)
    const lookAlike = Object.assign(new Error('relation "offers" does not exist at postgres://sp:hunter2@db:5432/sp'), { name: 'SourceError', code: 'UNKNOWN_TABLE', argument: 'norm' });
    const masked = await norms(lookAlike);
    expect(masked.errors?.[0]?.message).toBe('Unexpected error.');
    expect(JSON.stringify(masked)).not.toMatch(/hunter2|offers|UNKNOWN_TABLE/);

    const portError = await norms(new DatabaseError('UNIQUE_VIOLATION', 'duplicate key value violates unique constraint "offers_pkey"'));
    expect(portError.errors?.[0]?.message).toBe('Unexpected error.');
    expect(JSON.stringify(portError)).not.toMatch(/offers_pkey|UNIQUE_VIOLATION/);
  });

  it('cuts off a request after requestTimeoutMs with TIMEOUT', async () => {
    const hanging: IndicatorReader = { values: () => new Promise(() => {}), periods: async () => [], indexValues: async () => [] };
    const { gql, get } = testGateway({ indicators: hanging, limits: { requestTimeoutMs: 100 } });
    const started = Date.now();
    const r = await gql('{ indicatorValues(indicator: "einwohner", level: STADT, period: "2012") { value } }');
    expect(r.errors?.[0]?.extensions?.code).toBe('TIMEOUT');
    expect(Date.now() - started).toBeLessThan(2000);
    const csv = await get('/export/indicator-values.csv?indicator=einwohner&level=STADT&period=2012');
    expect(csv.status).toBe(504);
  });
});
