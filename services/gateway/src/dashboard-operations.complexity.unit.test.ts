// Every query the dashboard sends stays within the gateway's default limits (complexity, depth,
// breadth): the limits refuse a whole operation, and the page catches some refusals quietly. The QA
// sweep found the workspace's goal list (first: 100, complexity 6102 > 5000) refused for every
// planner, so no goal key was ever suggested. The operations are the dashboard's own documents;
// variables a page size depends on take the sizes the page sends.
import { describe, expect, it } from 'vitest';
import { pageSizes, queries } from '../../dashboard/public/js/api.js';
import { scenarioQueries } from '../../dashboard/public/js/scenario.api.js';
import { themeQueries } from '../../dashboard/public/js/themes.api.js';
import { workspaceQueries } from '../../dashboard/public/js/workspace.api.js';
import { testGateway, tokenFor } from './testing/gateway.fixture.js';

const limitCodes = ['QUERY_COMPLEXITY', 'QUERY_DEPTH', 'QUERY_BREADTH'];
/** the page sizes the page sends with a `$first` (data.js, sozialatlas.js, workspace.view.js) */
const firstOf: Record<string, number> = { 'dashboard.offers': pageSizes.offers, 'dashboard.measures': pageSizes.measures, 'workspace.measures': 3 };
const documents: [string, string][] = Object.entries({ dashboard: queries, workspace: workspaceQueries, themes: themeQueries, scenarios: scenarioQueries }).flatMap(([module, qs]) =>
  Object.entries(qs as Record<string, unknown>).flatMap(([name, q]): [string, string][] => (typeof q === 'string' && /^\s*query\b/.test(q) ? [[`${module}.${name}`, q]] : [])),
);

describe("the dashboard's queries and the gateway's limits", () => {
  it('finds the queries', () => {
    expect(documents.map(([name]) => name)).toEqual(expect.arrayContaining(['dashboard.init', 'dashboard.areas', 'workspace.goals', 'workspace.measures', 'dashboard.measures']));
  });

  it.each(documents)('%s fits the default limits', async (name, query) => {
    const { gql } = testGateway();
    const variables = { first: firstOf[name] ?? 1, after: null, level: 'STADTTEIL', indicator: 'einwohner', period: '2012' };
    const r = await gql(query, { variables, token: await tokenFor({ role: 'planner' }) });
    expect((r.errors ?? []).filter((e) => limitCodes.includes(String(e.extensions?.code))).map((e) => e.message)).toEqual([]);
  });
});
