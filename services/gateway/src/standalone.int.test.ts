// The standalone gateway (main.ts's standaloneGateway) on real engines: the Köln demo registry and
// planning records in PGlite, population and social figures in chDB. Its registry and controlling
// come from the same gatewaySources() as the platform's, so it answers what the platform answers;
// without a database those fields stay NOT_AVAILABLE.
import { listGoals } from '@sp/controlling';
import { openPgliteDatabase, type PgliteDatabase } from '@sp/database-pglite';
import { loadKoelnWarehouse } from '@sp/demo/testing';
import type { Warehouse } from '@sp/ports';
import { RegistryRepository, spatialAreaLocator, type OfferRecord } from '@sp/registry';
import { loadReference } from '@sp/spatial';
import { tempDir } from '@sp/testing';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from './gateway.js';
import { standaloneGateway } from './standalone.js';
import { loadDemoOffers, loadDemoPlanning } from './testing/demo-read-models.fixture.js';
import { clientFor, testAuth, tokenFor, type GraphQLClient } from './testing/gateway.fixture.js';

const reference = loadReference('koeln');
const CHORWEILER_GOAL = 'ziel:sr:blumenberg-chorweiler-seeberg-nord:sgb2';

let db: PgliteDatabase;
let wh: Warehouse;
let offers: OfferRecord[];
let planner: string;

const gatewayOver = (database?: PgliteDatabase): { gateway: Gateway; gql: GraphQLClient } => {
  const gateway = standaloneGateway({ warehouse: wh, ...(database ? { database } : {}), reference: 'koeln', security: { auth: testAuth }, cache: false, responseCache: false, budgets: false });
  return { gateway, gql: clientFor((url, init) => gateway.fetch(url, init)) };
};

beforeAll(async () => {
  db = await openPgliteDatabase({ dataDir: tempDir('sp-standalone-pglite-') });
  wh = await openChdbWarehouse({ path: tempDir('sp-standalone-chdb-') });
  offers = await loadDemoOffers(new RegistryRepository(db, spatialAreaLocator(reference)), reference);
  await loadDemoPlanning(db);
  await loadKoelnWarehouse(wh, { reference, from: '2011-12', to: '2012-12' });
  planner = await tokenFor({ role: 'planner', privileged: true });
}, 240_000);

afterAll(async () => {
  await wh?.close();
  await db?.close();
});

describe('standalone gateway with a database', () => {
  it('answers registry queries: offers from the database, needs with demand from the warehouse', async () => {
    const { gql } = gatewayOver(db);
    const r = await gql<{ offers: { totalCount: number }; needs: { area: { code: string }; demand: number | null; supply: number }[] }>(
      '{ offers(first: 1) { totalCount } needs(norm: "kita_plaetze_1_6", level: STADTTEIL, period: "2012") { area { code } demand supply } }',
      { token: planner },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.offers.totalCount).toBe(offers.length);
    expect(r.data!.needs.map((n) => n.area.code).sort()).toEqual(
      reference
        .areas('STADTTEIL')
        .map((a) => a.code)
        .sort(),
    );
    // demand comes from the population in chDB: every Stadtteil has residents aged 1–6 in 2012
    expect(r.data!.needs.every((n) => n.demand !== null && n.demand > 0)).toBe(true);
  });

  it('answers controlling queries: goals from the database, the evaluation over the warehouse', async () => {
    const { gql } = gatewayOver(db);
    const r = await gql<{ goals: { edges: { node: { key: string } }[] }; evaluation: { goalKey: string; indicator: string; treatedBefore: number | null; differenceInDifferences: number | null } }>(
      `{ goals(first: 100) { edges { node { key } } } evaluation(goalKey: "${CHORWEILER_GOAL}", before: "2011", after: "2012") { goalKey indicator treatedBefore differenceInDifferences } }`,
      { token: planner },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.goals.edges.map((e) => e.node.key).sort()).toEqual((await listGoals(db)).map((g) => g.key).sort());
    expect(r.data!.evaluation).toMatchObject({ goalKey: CHORWEILER_GOAL, indicator: 'sgb2_quote' });
    expect(r.data!.evaluation.treatedBefore).toBeGreaterThan(0);
    expect(r.data!.evaluation.differenceInDifferences).not.toBeNull();
  });

  it('shows an expected error of a source (an unknown norm) with its code and argument', async () => {
    const { gql } = gatewayOver(db);
    const r = await gql('{ needs(norm: "nope", level: STADTTEIL, period: "2012") { supply } }', { token: planner });
    expect(r.errors?.[0]).toMatchObject({ extensions: { code: 'UNKNOWN_NORM', argument: 'norm' } });
    expect(r.errors?.[0]?.message).toMatch(/kita_plaetze_1_6/);
  });
});

describe('standalone gateway without a database', () => {
  it('answers indicators and says NOT_AVAILABLE for registry and controlling', async () => {
    const { gql } = gatewayOver();
    const values = await gql<{ indicatorValues: { value: number | null }[] }>('{ indicatorValues(indicator: "einwohner", level: STADT, period: "2012") { value } }', { token: planner });
    expect(values.errors).toBeUndefined();
    expect(values.data!.indicatorValues[0]!.value).toBeGreaterThan(0);
    const offersQ = await gql('{ offers(first: 1) { totalCount } }', { token: planner });
    expect(offersQ.errors?.[0]?.extensions?.code).toBe('NOT_AVAILABLE');
    const goalsQ = await gql('{ goals(first: 1) { edges { node { key } } } }', { token: planner });
    expect(goalsQ.errors?.[0]?.extensions?.code).toBe('NOT_AVAILABLE');
  });
});
