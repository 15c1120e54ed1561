// Draft goals are visible only to their owning Amt and the planning staff (issue #13, deliver 3,
// reading side). Played as the attack: another Amt's token and the public ask for the draft through
// every path that lists goals (goals, a goal's history, the evaluation by key).
import { describe, expect, it } from 'vitest';
import type { ControllingSource, GoalView } from '../sources.js';
import { testGateway, tokenFor } from '../testing/gateway.fixture.js';

const goal = (key: string, status: string, ownerAmt: string | null, version = 1): GoalView => ({
  key,
  version,
  title: `Ziel ${key}`,
  areas: [{ level: 'STADTTEIL', code: '101' }],
  targetGroups: [],
  indicator: 'einwohner',
  status,
  example: false,
  ownerAmt,
});

const goals = [
  goal('jugend-entwurf', 'draft', '51'),
  goal('sozial-entwurf', 'draft', '50'),
  goal('alt-entwurf', 'draft', null),
  {
    ...goal('beschlossen', 'adopted', '51'),
    targetDirection: 'increase',
    targets: [
      { area: { level: 'STADTTEIL', code: '101' }, year: 2015, value: 27000 },
      { area: { level: 'STADTTEIL', code: '101' }, year: 2004, value: 1 },
    ],
  },
];
const history = [goal('beschlossen', 'draft', '51', 1), goal('beschlossen', 'adopted', '51', 2)];

const controlling: ControllingSource = {
  goals: async () => goals,
  goalHistory: async (key) => (key === 'beschlossen' ? history : goals.filter((g) => g.key === key)),
  measures: async () => [],
  milestones: async () => [],
  statusReports: async () => [],
  controlling: async () => [],
  evaluation: async ({ goalKey, before, after }) => ({
    goalKey,
    indicator: 'einwohner',
    before,
    after,
    treatedBefore: 1,
    treatedAfter: 2,
    cityBefore: 1,
    cityAfter: 1,
    comparisonBefore: 1,
    comparisonAfter: 1,
    differenceInDifferences: 1,
  }),
};

const { gql } = testGateway({ controlling });

async function visible(token?: string): Promise<string[]> {
  const r = await gql('{ goals(first: 50) { edges { node { key status } } } }', token ? { token } : {});
  expect(r.errors).toBeUndefined();
  return r.data.goals.edges.map((e: any) => e.node.key).sort();
}

describe('draft goals', () => {
  it('another Amt does not see a draft it does not own; its own drafts it does', async () => {
    expect(await visible(await tokenFor({ role: 'amt', amt: '50' }))).toEqual(['beschlossen', 'sozial-entwurf']);
    expect(await visible(await tokenFor({ role: 'amt', amt: '51', privileged: true }))).toEqual(['beschlossen', 'jugend-entwurf']);
  });

  it('planners and admins see every draft; the public none', async () => {
    const all = ['alt-entwurf', 'beschlossen', 'jugend-entwurf', 'sozial-entwurf'];
    expect(await visible(await tokenFor({ role: 'planner' }))).toEqual(all);
    expect(await visible(await tokenFor({ role: 'admin' }))).toEqual(all);
    expect(await visible()).toEqual(['beschlossen']);
    expect(await visible(await tokenFor({ role: 'public' }))).toEqual(['beschlossen']);
  });

  it("hides another Amt's draft versions in a goal's history and its draft from the evaluation", async () => {
    const q = '{ goals(first: 5) { edges { node { key history { version status } } } } }';
    const other = await gql(q, { token: await tokenFor({ role: 'amt', amt: '50' }) });
    expect(other.errors).toBeUndefined();
    const adopted = other.data.goals.edges.find((e: any) => e.node.key === 'beschlossen').node;
    expect(adopted.history).toEqual([{ version: 2, status: 'adopted' }]);
    const owner = await gql(q, { token: await tokenFor({ role: 'amt', amt: '51' }) });
    expect(owner.data.goals.edges.find((e: any) => e.node.key === 'beschlossen').node.history).toHaveLength(2);

    const evaluation = '{ evaluation(goalKey: "jugend-entwurf", before: "2011", after: "2012") { differenceInDifferences } }';
    const foreign = await gql(evaluation, { token: await tokenFor({ role: 'amt', amt: '50' }) });
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(JSON.stringify(foreign)).not.toMatch(/Ziel jugend-entwurf/);
    const own = await gql(evaluation, { token: await tokenFor({ role: 'amt', amt: '51' }) });
    expect(own.data.evaluation).toEqual({ differenceInDifferences: 1 });
  });

  it('answers one goal by key only to whom may see it, with its targets against the latest figure', async () => {
    const one = (key: string) => `{ goal(key: "${key}") { key status targets { area { code } year targetValue actualPeriod actualValue gap onTrack } } }`;
    const draft = await gql(one('jugend-entwurf'), { token: await tokenFor({ role: 'amt', amt: '50' }) });
    expect(draft.errors).toBeUndefined();
    expect(draft.data.goal).toBeNull();
    expect((await gql(one('jugend-entwurf'))).data.goal).toBeNull();
    expect((await gql(one('jugend-entwurf'), { token: await tokenFor({ role: 'amt', amt: '51' }) })).data.goal).toMatchObject({ key: 'jugend-entwurf', targets: [] });
    expect((await gql(one('gibt-es-nicht'), { token: await tokenFor({ role: 'planner' }) })).data.goal).toBeNull();

    const adopted = await gql(one('beschlossen'));
    expect(adopted.errors).toBeUndefined();
    // 2015 is judged by the latest year so far (2012: 27 515 Einwohner in 101, the corrected figure); 2004 has no figure in or before it
    expect(adopted.data.goal.targets).toEqual([
      { area: { code: '101' }, year: 2015, targetValue: 27000, actualPeriod: '2012', actualValue: 27515, gap: 515, onTrack: true },
      { area: { code: '101' }, year: 2004, targetValue: 1, actualPeriod: null, actualValue: null, gap: null, onTrack: null },
    ]);
  });
});
