// Issue 18.3 on the one-process platform (embedded log, PGlite, chDB): topics of the Sozialräume are
// saved through GraphQL (the signed-in planner as author) and through the ingestion API (the planning
// Amt's feed), both the same delivery path; the theme decider's path rules come back at the field and
// store nothing; the core-process indicators count what the read model holds. Rights: only the
// planning staff write and read topics — the public, an Amt and an admin are refused.
import 'reflect-metadata';
import { join } from 'node:path';
import { tokenFromDataDir } from '@sp/identity/testing';
import { tempDir, eventually } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { openEngines, type Engines } from './engines.js';
import { startPlatform, type Platform } from './platform.js';

interface Answer<T = Record<string, any>> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

describe('Sozialraum topics and core-process indicators (embedded platform)', () => {
  let engines: Engines;
  let platform: Platform;
  let planner: string;
  let jugendamt: string;
  let admin: string;

  async function gql<T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<Answer<T>> {
    const res = await fetch(`${platform.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, ...((await res.json()) as object) };
  }

  const SAVE = `key version saved author amt errors { field code message accepted }`;
  const saveTheme = `mutation($i: ThemeInput!) { saveTheme(input: $i) { ${SAVE} } }`;
  const THEMES = `query($l: String) { themes(level: $l) { key version status origin foundBy updatedBy area { code name }
    assessment { date priority } decision { outcome measureKey } path { step date by detail } } }`;
  const CORE = `query($l: String) { coreProcessIndicators(level: $l) { area { code } year found foundBottomUp foundTopDown assessed decided
    turnedIntoMeasures turnedIntoProjects closed medianDaysToDecision linkedMeasures linkedMeasuresOnTime shareOnTime } }`;

  const kalk = { level: 'SOZIALRAUM', code: 'kalk' };
  const found = { key: 'thema:kalk:spielplatz', version: 1, area: kalk, origin: 'bottom_up', title: 'Spielplatz fehlt', foundDate: '2025-02-03', foundBy: 'Sozialraumkoordination Kalk' };
  const assessment = { date: '2025-03-10', assessedBy: 'Sozialplanung', text: 'Bedarf belegt, Fläche vorhanden.', priority: 'high' };
  const decision = { date: '2025-04-14', decidedBy: 'Lenkungskreis Kalk', outcome: 'measure', measureKey: 'measure:kalk-spielplatz' };
  const goal = { key: 'goal:kalk-spiel', version: 1, title: 'Spielflächen in Kalk', areas: [kalk], targetGroups: [], status: 'draft', example: false };
  const measure = {
    key: 'measure:kalk-spielplatz',
    version: 1,
    title: 'Spielplatz Kalker Hauptstraße',
    goalKeys: ['goal:kalk-spiel'],
    areas: [kalk],
    targetGroups: [],
    leadAmt: 'jugendamt',
    participants: [],
    budget: [],
    plannedStart: '2025-05-01',
    plannedEnd: '2030-12-31',
    actualStart: '2025-05-02',
    status: 'in_progress',
    example: false,
  };

  beforeAll(async () => {
    const config = loadConfig({ SP_DATA_DIR: join(tempDir('sp-themes-'), 'data'), SP_PORT: '0', SP_DEMO: '0' });
    engines = await openEngines(config);
    platform = await startPlatform(config, engines);
    planner = await tokenFromDataDir(config.dataDir, platform.url, { role: 'planner', sub: 'anna.planerin' });
    jugendamt = await tokenFromDataDir(config.dataDir, platform.url, { role: 'amt', amt: 'jugendamt', sub: 'jan.jugendamt' });
    admin = await tokenFromDataDir(config.dataDir, platform.url, { role: 'admin', sub: 'root' });
    for (const [m, i] of [
      ['saveGoal(input: $i)', goal],
      ['saveMeasure(input: $i)', measure],
    ] as const) {
      const type = m.startsWith('saveGoal') ? 'GoalInput' : 'MeasureInput';
      const r = await gql(`mutation($i: ${type}!) { ${m} { saved errors { field message } } }`, { i }, planner);
      expect(r.data, JSON.stringify(r)).toMatchObject({ [m.slice(0, m.indexOf('('))]: { saved: true } });
    }
  }, 240_000);
  afterAll(async () => {
    await platform?.close();
    await engines?.close();
  });

  it('refuses the public, an Amt and an admin: topics are internal working data', async () => {
    const anonymous = await gql(THEMES, { l: 'SOZIALRAUM' });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(anonymous.data?.themes ?? null).toBeNull();
    expect((await gql(CORE, { l: 'SOZIALRAUM' })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await gql(saveTheme, { i: found })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    for (const token of [jugendamt, admin]) {
      expect((await gql(THEMES, { l: 'SOZIALRAUM' }, token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await gql(CORE, { l: 'SOZIALRAUM' }, token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    // an Amt may not write a topic, neither in the workspace nor through its feed
    const amtSave = await gql(saveTheme, { i: found }, jugendamt);
    expect(amtSave.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN', reason: 'RECORD_TYPE_NOT_ALLOWED' } });
    expect(amtSave.errors?.[0]?.message).toMatch(/topics are kept by the planning staff/);
    const feed = await fetch(`${platform.url}/v1/deliveries/theme`, {
      method: 'POST',
      headers: { authorization: `Bearer ${platform.keys.keys.jugendamt}`, 'content-type': 'application/json' },
      body: JSON.stringify({ records: [found] }),
    });
    expect(feed.status).toBe(403);
  });

  it('refuses a decision before the assessment, an unknown measure and a date before the finding, at the field, storing nothing', async () => {
    const noAssessment = await gql(saveTheme, { i: { ...found, decision } }, planner);
    expect(noAssessment.data!.saveTheme).toMatchObject({ saved: false, errors: [{ field: 'assessment', code: 'INVALID_TRANSITION' }] });
    expect(noAssessment.data!.saveTheme.errors[0].message).toMatch(/^THEME_NOT_ASSESSED: /);
    const unknown = await gql(saveTheme, { i: { ...found, assessment, decision: { ...decision, measureKey: 'measure:gibt-es-nicht' } } }, planner);
    expect(unknown.data!.saveTheme).toMatchObject({ saved: false, errors: [{ field: 'decision.measureKey', code: 'UNKNOWN_REFERENCE' }] });
    const early = await gql(saveTheme, { i: { ...found, assessment: { ...assessment, date: '2025-01-31' } } }, planner);
    expect(early.data!.saveTheme).toMatchObject({ saved: false, errors: [{ field: 'assessment.date', code: 'INVALID_TRANSITION' }] });
    expect(early.data!.saveTheme.errors[0].message).toMatch(/THEME_DATE_BEFORE_FOUND.*on or after 2025-02-03/);
    const badOrigin = await gql(saveTheme, { i: { ...found, origin: 'seitwärts' } }, planner);
    expect(badOrigin.data!.saveTheme.errors).toEqual([expect.objectContaining({ field: 'origin', accepted: expect.stringContaining('bottom_up') })]);
    // nothing stored: the same key is saved as version 1 afterwards
    expect((await gql(THEMES, { l: 'SOZIALRAUM' }, planner)).data!.themes).toEqual([]);
  });

  it('records, assesses and decides a topic as the signed-in planner; the path and the core-process figures follow', async () => {
    const v1 = await gql(saveTheme, { i: found }, planner);
    expect(v1.data!.saveTheme).toMatchObject({ saved: true, version: 1, author: 'person:anna.planerin', amt: 'planung', errors: [] });
    expect((await gql(saveTheme, { i: { ...found, version: 2, assessment } }, planner)).data!.saveTheme).toMatchObject({ saved: true, version: 2 });
    expect((await gql(saveTheme, { i: { ...found, version: 3, assessment, decision } }, planner)).data!.saveTheme).toMatchObject({ saved: true, version: 3 });

    const themes = await eventually(
      () => gql(THEMES, { l: 'SOZIALRAUM' }, planner),
      (a) => a.data?.themes?.[0]?.version === 3,
      'decided topic',
    );
    expect(themes.data!.themes).toEqual([
      {
        key: found.key,
        version: 3,
        status: 'decided',
        origin: 'bottom_up',
        foundBy: 'Sozialraumkoordination Kalk',
        updatedBy: 'person:anna.planerin',
        area: { code: 'kalk', name: expect.stringMatching(/Kalk/) },
        assessment: { date: '2025-03-10', priority: 'high' },
        decision: { outcome: 'measure', measureKey: 'measure:kalk-spielplatz' },
        path: [
          { step: 'found', date: '2025-02-03', by: 'Sozialraumkoordination Kalk', detail: 'bottom_up' },
          { step: 'assessed', date: '2025-03-10', by: 'Sozialplanung', detail: 'high' },
          { step: 'decided', date: '2025-04-14', by: 'Lenkungskreis Kalk', detail: 'measure: measure:kalk-spielplatz' },
        ],
      },
    ]);
    const history = await gql(`{ planningChanges(recordType: THEME, key: "${found.key}") { eventType version actor } }`, {}, planner);
    expect(history.data!.planningChanges).toEqual([
      { eventType: 'ThemeRecorded', version: 1, actor: 'person:anna.planerin' },
      { eventType: 'ThemeAssessed', version: 2, actor: 'person:anna.planerin' },
      { eventType: 'ThemeDecided', version: 3, actor: 'person:anna.planerin' },
    ]);
    expect((await gql(`{ planningChanges(recordType: THEME, key: "${found.key}") { eventType } }`, {}, jugendamt)).data!.planningChanges).toEqual([]);

    // a decided topic is final
    const again = await gql(saveTheme, { i: { ...found, version: 4, assessment, decision: { date: '2025-05-01', decidedBy: 'X', outcome: 'closed', reason: 'doch nicht' } } }, planner);
    expect(again.data!.saveTheme).toMatchObject({ saved: false, errors: [{ field: 'decision', code: 'INVALID_TRANSITION' }] });
    expect(again.data!.saveTheme.errors[0].message).toMatch(/THEME_ALREADY_DECIDED/);
  });

  it('takes a top-down topic through the planning Amt’s feed (ingestion API) and counts both in the core process', async () => {
    const topDown = {
      key: 'thema:kalk:schulweg',
      version: 1,
      area: kalk,
      origin: 'top_down',
      title: 'Schulwegsicherung',
      description: null,
      foundDate: '2025-02-20',
      foundBy: 'Gesamtstädtische Planung',
      assessment: { date: '2025-03-01', assessedBy: 'Sozialplanung', text: 'Verkehrsamt zuständig.', priority: 'low' },
      decision: { date: '2025-03-22', decidedBy: 'Lenkungskreis Kalk', outcome: 'closed', measureKey: null, projectTitle: null, reason: 'Verkehrsamt plant bereits.' },
      example: false,
    };
    const res = await fetch(`${platform.url}/v1/deliveries/theme`, {
      method: 'POST',
      headers: { authorization: `Bearer ${platform.keys.keys.planung}`, 'content-type': 'application/json' },
      body: JSON.stringify({ records: [topDown] }),
    });
    expect(res.status, await res.clone().text()).toBe(200);

    const core = await eventually(
      () => gql(CORE, { l: 'SOZIALRAUM' }, planner),
      (a) => a.data?.coreProcessIndicators?.[0]?.found === 2,
      'core process',
    );
    // found 2025-02-03 → decided 2025-04-14: 70 days; 2025-02-20 → 2025-03-22: 30 days; median 50
    expect(core.data!.coreProcessIndicators).toEqual([
      {
        area: { code: 'kalk' },
        year: 2025,
        found: 2,
        foundBottomUp: 1,
        foundTopDown: 1,
        assessed: 2,
        decided: 2,
        turnedIntoMeasures: 1,
        turnedIntoProjects: 0,
        closed: 1,
        medianDaysToDecision: 50,
        linkedMeasures: 1,
        linkedMeasuresOnTime: 1,
        shareOnTime: 1,
      },
    ]);
  });
});
