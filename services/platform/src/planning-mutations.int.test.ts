// Issue 18.2 on the one-process platform (embedded log, PGlite, chDB): the planning mutations save
// through the ingestion path an Amt's feed takes. A planner saves a goal and a measure, an Amt
// records its milestone late and sees the slippage, the domain's validation comes back per field,
// an Amt that reaches past its role is refused with 403 naming the owner, and the history says who
// changed what and when.
import 'reflect-metadata';
import { join } from 'node:path';
import { tokenFromDataDir } from '@sp/identity/testing';
import { tempDir } from '@sp/testing';
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
  async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const v = await read();
      if (ok(v)) return v;
      if (Date.now() > deadline) throw new Error(`${what}: not projected within 60 s; last: ${JSON.stringify(v)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

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
