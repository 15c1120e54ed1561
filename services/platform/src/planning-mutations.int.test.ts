// Issue 18.2 on the one-process platform (embedded log, PGlite, chDB): the planning mutations save
// through the ingestion path an Amt's feed takes. A planner saves a goal and a measure, an Amt
// records its milestone late and sees the slippage, the domain's validation comes back per field,
// an Amt that reaches past its role is refused with 403 naming the owner, and the history says who
// changed what and when.
import 'reflect-metadata';
import { join } from 'node:path';
import { anAreaStatistic } from '@sp/events/testing';
import { tokenFromDataDir } from '@sp/identity/testing';
import { tempDir, eventually } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { openEngines, type Engines } from './engines.js';
import { startPlatform, type Platform } from './platform.js';

let dataDir = '';

interface Answer<T = Record<string, any>> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

describe('planning mutations through the ingestion path (embedded platform)', () => {
  let engines: Engines;
  let platform: Platform;
  let planner: string;
  let jugendamt: string;
  let sozialamt: string;
  let admin: string;

  async function gql<T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<Answer<T>> {
    const res = await fetch(`${platform.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, ...((await res.json()) as object) };
  }

  /** the read model is a projection: ask until it shows what was saved */

  const SAVE = `key version saved unchanged author amt currentVersion errors { field code message accepted }`;
  const saveGoal = `mutation($i: GoalInput!) { saveGoal(input: $i) { ${SAVE} } }`;
  const saveMeasure = `mutation($i: MeasureInput!) { saveMeasure(input: $i) { ${SAVE} } }`;
  const saveMilestone = `mutation($i: MilestoneInput!) { saveMilestone(input: $i) { ${SAVE} } }`;

  const goal = {
    key: 'goal:ws-kita',
    version: 1,
    title: 'Kita-Versorgung in Chorweiler verbessern',
    areas: [{ level: 'STADTTEIL', code: '609' }],
    targetGroups: ['familien_mit_kindern'],
    status: 'draft',
    example: false,
  };
  const measure = {
    key: 'measure:ws-familienzentrum',
    version: 1,
    title: 'Familienzentrum Chorweiler',
    goalKeys: ['goal:ws-kita'],
    areas: [{ level: 'STADTTEIL', code: '609' }],
    targetGroups: ['familien_mit_kindern'],
    leadAmt: 'jugendamt',
    participants: [],
    budget: [{ year: 2025, planned: 200000, spent: 50000 }],
    plannedStart: '2025-01-01',
    plannedEnd: '2026-12-31',
    actualStart: '2025-01-15',
    status: 'in_progress',
    example: false,
  };
  const milestone = { key: 'milestone:ws-konzept', version: 1, measureKey: 'measure:ws-familienzentrum', title: 'Konzept beschlossen', plannedDate: '2025-03-31', reached: false };

  beforeAll(async () => {
    const config = loadConfig({ SP_DATA_DIR: join(tempDir('sp-workspace-'), 'data'), SP_PORT: '0', SP_DEMO: '0' });
    dataDir = config.dataDir;
    engines = await openEngines(config);
    platform = await startPlatform(config, engines);
    planner = await tokenFromDataDir(config.dataDir, platform.url, { role: 'planner', sub: 'anna.planerin' });
    jugendamt = await tokenFromDataDir(config.dataDir, platform.url, { role: 'amt', amt: 'jugendamt', sub: 'jan.jugendamt' });
    sozialamt = await tokenFromDataDir(config.dataDir, platform.url, { role: 'amt', amt: 'sozialamt', sub: 'sara.sozialamt' });
    admin = await tokenFromDataDir(config.dataDir, platform.url, { role: 'admin', sub: 'root' });
  }, 240_000);
  afterAll(async () => {
    await platform?.close();
    await engines?.close();
  });

  it('answers the domain’s validation errors per field and saves nothing', async () => {
    const r = await gql(saveGoal, { i: { ...goal, title: '', status: 'beschlossen', areas: [{ level: 'STADTTEIL', code: '999' }] } }, planner);
    expect(r.errors).toBeUndefined();
    const save = r.data!.saveGoal;
    expect(save.saved).toBe(false);
    expect(save.version).toBeNull();
    const fields = save.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['title', 'status']));
    for (const e of save.errors) expect(e.accepted.length).toBeGreaterThan(0);
    // a missing required field is the domain's error too, not GraphQL's
    const missing = await gql(saveGoal, { i: { key: 'goal:ohne-titel', version: 1 } }, planner);
    expect(missing.data!.saveGoal.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['title', 'status', 'example']));
  });

  it('saves a goal as the signed-in planner, versioned, and it is read back', async () => {
    const r = await gql(saveGoal, { i: goal }, planner);
    expect(r.errors).toBeUndefined();
    expect(r.data!.saveGoal).toMatchObject({ saved: true, key: goal.key, version: 1, author: 'person:anna.planerin', amt: 'planung', errors: [] });
    const goals = await eventually(
      () => gql(`{ goals(first: 50) { edges { node { key version title status } } } }`, {}, planner),
      (a) => a.data?.goals.edges.some((e: { node: { key: string } }) => e.node.key === goal.key),
      'goal',
    );
    expect(goals.data!.goals.edges.find((e: { node: { key: string } }) => e.node.key === goal.key).node).toMatchObject({ version: 1, title: goal.title, status: 'draft' });
    // the same version again with other content is a conflict, with the current version to build on
    const conflict = await gql(saveGoal, { i: { ...goal, title: 'anders' } }, planner);
    expect(conflict.data!.saveGoal).toMatchObject({ saved: false, currentVersion: 1 });
    expect(conflict.data!.saveGoal.errors[0]).toMatchObject({ field: 'version', code: 'VERSION_CONFLICT' });
  });

  it('saves a measure and its milestone; the Amt records the actual date late and sees the slippage', async () => {
    await eventually(
      () => gql(saveMeasure, { i: measure }, planner),
      (a) => a.data?.saveMeasure.saved === true,
      'measure saved (its goal must be known to the ingestion first)',
    );
    // the lead Amt plans its milestone (a key belongs to the Amt that saved it first, as in the feed) …
    expect((await gql(saveMilestone, { i: milestone }, jugendamt)).data!.saveMilestone).toMatchObject({ saved: true, version: 1 });
    // … and records it as reached, 45 days after the planned day
    const late = await gql(saveMilestone, { i: { ...milestone, version: 2, reached: true, actualDate: '2025-05-15' } }, jugendamt);
    expect(late.errors).toBeUndefined();
    expect(late.data!.saveMilestone, JSON.stringify(late.data!.saveMilestone.errors)).toMatchObject({ saved: true, version: 2, author: 'person:jan.jugendamt', amt: 'jugendamt' });
    const read = await eventually(
      () =>
        gql(
          `{ measures(first: 5, amt: "jugendamt") { edges { node { key milestones { key version plannedDate actualDate reached slippageDays } controlling { budgetUse trafficLight } } } } }`,
          {},
          jugendamt,
        ),
      (a) => a.data?.measures.edges.some((e: { node: { milestones: { version: number }[] } }) => e.node.milestones.some((s) => s.version === 2)),
      'milestone v2',
    );
    const m = read.data!.measures.edges.find((e: { node: { key: string } }) => e.node.key === measure.key).node;
    expect(m.milestones[0]).toMatchObject({ key: milestone.key, actualDate: '2025-05-15', reached: true, slippageDays: 45 });
    expect(m.controlling.budgetUse).toBeCloseTo(0.25);
  });

  it('approves the budget of a year as its own change (BudgetApproved); controlling shows approved and its use', async () => {
    const v2 = { ...measure, version: 2, budget: [{ year: 2025, planned: 200000, spent: 50000, approved: 160000 }] };
    // an amount below 0 is refused at the field by the door, a proposed measure cannot get money approved (the domain's rule)
    const negative = await gql(saveMeasure, { i: { ...v2, budget: [{ ...v2.budget[0], approved: -1 }] } }, planner);
    expect(negative.data!.saveMeasure.errors.map((e: { field: string; code: string }) => [e.field, e.code])).toEqual([['budget[0].approved', 'NEGATIVE_COUNT']]);
    const proposed = await gql(
      saveMeasure,
      { i: { ...v2, key: 'measure:ws-vorschlag', version: 1, status: 'proposed', actualStart: null, budget: [{ year: 2025, planned: 1000, spent: 0, approved: 1000 }] } },
      planner,
    );
    expect(proposed.data!.saveMeasure).toMatchObject({ saved: false });
    expect(proposed.data!.saveMeasure.errors[0]).toMatchObject({ field: 'budget[2025].approved', code: 'INVALID_TRANSITION', message: expect.stringMatching(/^MEASURE_NOT_DECIDED_NO_APPROVAL/) });

    const saved = await gql(saveMeasure, { i: v2 }, planner);
    expect(saved.data!.saveMeasure, JSON.stringify(saved.data!.saveMeasure.errors)).toMatchObject({ saved: true, version: 2 });
    const read = await eventually(
      () =>
        gql(
          `{ measures(first: 5, amt: "jugendamt") { edges { node { key version budget { year planned spent approved } controlling { budgetApproved approvedBudgetUse budgetUse } } } } }`,
          {},
          planner,
        ),
      (a) => a.data?.measures.edges.some((e: { node: { key: string; version: number } }) => e.node.key === measure.key && e.node.version === 2),
      'measure v2',
    );
    const m = read.data!.measures.edges.find((e: { node: { key: string } }) => e.node.key === measure.key).node;
    expect(m.budget).toEqual([{ year: 2025, planned: 200000, spent: 50000, approved: 160000 }]);
    expect(m.controlling.budgetApproved).toBe(160000);
    expect(m.controlling.approvedBudgetUse).toBeCloseTo(50000 / 160000);
    expect(m.controlling.budgetUse).toBeCloseTo(0.25);
    // the approval is an event of its own in the history, by the signed-in person
    const changes = await gql(`query($k: String!) { planningChanges(recordType: MEASURE, key: $k) { recordType version eventType data actor } }`, { k: measure.key }, planner);
    expect(changes.data!.planningChanges.filter((c: { version: number; recordType: string }) => c.recordType === 'measure' && c.version === 2)).toEqual([
      { recordType: 'measure', version: 2, eventType: 'BudgetApproved', data: { measureKey: measure.key, year: 2025, approved: 160000 }, actor: 'person:anna.planerin' },
    ]);
  });

  it('saves target values per area and year; controlling shows each with the actual value as published and whether it is on track', async () => {
    // the indicator's actual figure: Einwohner of Stadtteil 609 for 2023, delivered as the Amt's feed does
    const stat = anAreaStatistic({ areaCode: '609', period: '2023', observations: [{ measure: 'einwohner', dimensions: {}, value: 12840 }] });
    const delivered = await fetch(`${platform.url}/v1/deliveries/area-statistic`, {
      method: 'POST',
      headers: { authorization: `Bearer ${platform.keys.keys.statistik}`, 'content-type': 'application/json' },
      body: JSON.stringify({ records: [stat] }),
    });
    expect(delivered.status, await delivered.clone().text()).toBeLessThan(300);

    const targeted = {
      ...goal,
      key: 'goal:ws-einwohner',
      title: 'Chorweiler wächst',
      indicator: 'einwohner',
      targetDirection: 'increase',
      targets: [
        { area: { level: 'STADTTEIL', code: '609' }, year: 2025, value: 12500 },
        { area: { level: 'STADTTEIL', code: '609' }, year: 2030, value: 13500 },
        { area: { level: 'STADTTEIL', code: '101' }, year: 2025, value: 30000 },
      ],
    };
    // the door refuses a duplicate area/year and targets without an indicator, at the field, and saves nothing
    const bad = await gql(
      saveGoal,
      { i: { ...targeted, key: 'goal:ws-bad', indicator: null, targets: [...targeted.targets, { area: { level: 'STADTTEIL', code: '609' }, year: 2030, value: 1 }] } },
      planner,
    );
    expect(bad.data!.saveGoal.saved).toBe(false);
    expect(bad.data!.saveGoal.errors.map((e: { field: string; code: string }) => [e.field, e.code])).toEqual(
      expect.arrayContaining([
        ['indicator', 'MISSING_FIELD'],
        ['targets[3].year', 'DUPLICATE_TARGET'],
      ]),
    );
    const badDirection = await gql(saveGoal, { i: { ...targeted, key: 'goal:ws-bad', targetDirection: 'sideways' } }, planner);
    expect(badDirection.data!.saveGoal.errors[0]).toMatchObject({ field: 'targetDirection' });

    const saved = await gql(saveGoal, { i: targeted }, planner);
    expect(saved.data!.saveGoal, JSON.stringify(saved.data!.saveGoal.errors)).toMatchObject({ saved: true, version: 1 });

    // few goals per page: each target is a list item priced ×10 by the query complexity limit (max 5000)
    const q = `{ goals(first: 3) { edges { node { key targetDirection targets { area { level code } year targetValue direction actualPeriod actualValue actual { value suppressed } gap onTrack } } } } }`;
    type Target = { area: { code: string }; year: number; targetValue: number; direction: string; actualPeriod: string | null; actualValue: number | null; onTrack: boolean | null };
    const targetsOf = (a: Answer) => a.data?.goals.edges.find((e: { node: { key: string } }) => e.node.key === targeted.key)?.node.targets as Target[] | undefined;
    const read = await eventually(
      () => gql(q, {}, planner),
      (a) => (targetsOf(a) ?? []).some((t) => t.actualValue !== null),
      'goal targets with the actual value',
    );
    const targets = targetsOf(read)!;
    expect(targets.map((t) => [t.area.code, t.year, t.targetValue, t.direction, t.actualPeriod, t.actualValue, t.onTrack])).toEqual([
      ['609', 2025, 12500, 'increase', '2023', 12840, true],
      ['609', 2030, 13500, 'increase', '2023', 12840, false],
      ['101', 2025, 30000, 'increase', null, null, null],
    ]);
    // the read model keeps them: the goal's history (controlling_goal_version) has the same targets
    const history = await gql(`{ goals(first: 3) { edges { node { key history { version targets { year } } } } } }`, {}, planner);
    const h = history.data!.goals.edges.find((e: { node: { key: string } }) => e.node.key === targeted.key).node.history;
    expect(h.at(-1).targets.map((t: { year: number }) => t.year)).toEqual([2025, 2030, 2025]);
  });

  it('refuses where the role ends: 403 naming the owner, 401 without sign-in', async () => {
    const other = await gql(saveMilestone, { i: { ...milestone, key: 'milestone:ws-fremd', title: 'fremd' } }, sozialamt);
    expect(other.status).toBe(403);
    expect(other.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect(other.errors![0]!.message).toMatch(/led by Amt jugendamt/);

    const amtGoal = await gql(saveGoal, { i: { ...goal, key: 'goal:ws-amt' } }, jugendamt);
    expect(amtGoal.status).toBe(403);
    expect(amtGoal.errors![0]!.message).toMatch(/planning staff \(Amt planung\)/);

    const anonymous = await gql(saveGoal, { i: goal });
    expect(anonymous.status).toBe(401);
    expect(anonymous.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');

    const root = await gql(saveGoal, { i: goal }, admin);
    expect(root.status).toBe(403);

    const noPerson = await gql(saveGoal, { i: goal }, await tokenFromDataDir(dataDir, platform.url, { role: 'planner', sub: undefined }));
    expect(noPerson.status).toBe(401);
    expect(noPerson.errors![0]!.message).toMatch(/sub/);
  });

  it('tells who changed what and when', async () => {
    const q = `query($k: String!) { planningChanges(recordType: MEASURE, key: $k) { recordType key version eventType actor at } }`;
    const changes = await eventually(
      () => gql(q, { k: measure.key }, planner),
      (a) => (a.data?.planningChanges ?? []).some((c: { recordType: string; version: number }) => c.recordType === 'milestone' && c.version === 2),
      'history',
    );
    const list = changes.data!.planningChanges as { recordType: string; version: number; actor: string; at: string; eventType: string }[];
    expect(list.find((c) => c.recordType === 'measure')).toMatchObject({ version: 1, actor: 'person:anna.planerin' });
    expect(list.filter((c) => c.recordType === 'milestone').map((c) => [c.version, c.actor])).toEqual([
      [1, 'person:jan.jugendamt'],
      [2, 'person:jan.jugendamt'],
    ]);
    for (const c of list) expect(Number.isNaN(Date.parse(c.at))).toBe(false);
    // the public learns nothing from a key
    expect((await gql(q, { k: measure.key })).status).toBe(401);
  });
});
