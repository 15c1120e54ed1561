// Planning scenarios end to end on the platform's embedded engines (docs/projection.md §8): the real
// Köln population delivered by the Statistikamt and the demo's Kitas, the base projection, then a
// planner's housing scenario saved through GraphQL (one delivery through the ingestion path), its
// projection (population with the movers, cohort-aged), and the Kita and Grundschule demand, supply and
// gap of the affected Stadtteil read with `scenario` beside the base scenario. Fails when the scenario
// is ignored.
import { tokenFromDataDir } from '@sp/identity/testing';
import { latestDatasetVersion } from '@sp/indicator-store';
import { eventually } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../platform.js';
import { startScenarioPlatform, type ScenarioPlatform } from './scenario.fixture.js';

interface Answer<T = Record<string, any>> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

interface NeedsRow {
  area: { code: string };
  period: string;
  supply: number;
  demand: number | null;
  gap: number | null;
  kind: string;
  scenario: string | null;
  normValue: number | null;
}

let running: ScenarioPlatform;
let platform: Platform;
let planner: string;
let jugendamt: string;

async function gql<T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<Answer<T>> {
  const res = await fetch(`${platform.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, ...((await res.json()) as object) };
}

/** a scenario's computation is waited for up to two minutes, polled every 300 ms */
const eventuallyWithin = <T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string) => eventually(read, ok, what, { timeoutMs: 120_000, intervalMs: 300 });

const AREA = '101'; // Altstadt/Süd
const OTHER = '609'; // Chorweiler: no change there
const GRUNDSCHULE = 'grundschule_plaetze_6_10';
const SAVE = `mutation($i: ScenarioInput!) { saveScenario(input: $i) { saved key version author errors { field code message accepted } } }`;
const housing = {
  key: 'neubau_altstadt',
  version: 1,
  name: 'Neubaugebiet Altstadt/Süd',
  housingAreas: [
    {
      areaCode: AREA,
      dwellings: 400,
      occupancy: 2.5,
      completionYear: 2016,
      ageProfile: [
        { band: '0-6', share: 0.3 },
        { band: '25-45', share: 0.5 },
        { band: '45-65', share: 0.2 },
      ],
    },
  ],
  facilities: [
    { change: 'open', norm: 'kita_plaetze_1_6', capacity: 60, areaCode: AREA, year: 2017 },
    { change: 'open', norm: GRUNDSCHULE, capacity: 100, areaCode: AREA, year: 2019 },
  ],
};

const needs = async (args: string, norm = 'kita_plaetze_1_6', level = 'STADTTEIL'): Promise<Map<string, NeedsRow>> => {
  const r = await gql<{ needs: NeedsRow[] }>(`{ needs(norm: "${norm}", level: ${level}, ${args}) { area { code } period supply demand gap kind scenario normValue } }`);
  expect(r.errors).toBeUndefined();
  return new Map(r.data!.needs.map((n) => [n.area.code, n]));
};

beforeAll(async () => {
  running = await startScenarioPlatform();
  platform = running.platform;
  planner = await tokenFromDataDir(running.dataDir, platform.url, { role: 'planner', sub: 'anna.planerin' });
  jugendamt = await tokenFromDataDir(running.dataDir, platform.url, { role: 'amt', amt: 'jugendamt', sub: 'jan.jugendamt' });
}, 600_000);

afterAll(async () => {
  await running?.close();
});

describe('a housing scenario saved by a planner', () => {
  it('refuses what is wrong at the field, and writers other than the planning staff', async () => {
    const bad = await gql(
      SAVE,
      { i: { ...housing, key: 'kaputt', housingAreas: [{ ...housing.housingAreas[0], areaCode: '999', ageProfile: [{ band: '0-6', share: 0.5 }] }], norms: [{ norm: 'gibt_es_nicht', value: 3 }] } },
      planner,
    );
    expect(bad.data!.saveScenario).toMatchObject({ saved: false, errors: [{ field: 'norms[0].norm', code: 'UNKNOWN_NORM' }] });
    const wrongArea = await gql(SAVE, { i: { ...housing, key: 'kaputt', housingAreas: [{ ...housing.housingAreas[0], areaCode: '999', ageProfile: [{ band: '0-6', share: 0.5 }] }] } }, planner);
    const fields = wrongArea.data!.saveScenario.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['housingAreas[0].areaCode', 'housingAreas[0].ageProfile']));
    for (const e of wrongArea.data!.saveScenario.errors) expect(e.accepted.length).toBeGreaterThan(0);
    // an Amt reads scenarios but does not write them; the public must sign in
    expect((await gql(SAVE, { i: housing }, jugendamt)).status).toBe(403);
    expect((await gql(SAVE, { i: housing })).status).toBe(401);
    // the ingestion API answers a broken scenario with 422 naming the field (docs/feeds.md)
    const res = await fetch(`${platform.url}/v1/deliveries/scenario`, {
      method: 'POST',
      headers: { authorization: `Bearer ${platform.keys.keys.planung}`, 'content-type': 'application/json' },
      body: JSON.stringify({ records: [{ ...housing, baseScenario: 'basis', createdBy: 'feed', norms: [], facilities: [{ change: 'open', norm: 'kita_plaetze_1_6', areaCode: AREA, year: 2017 }] }] }),
    });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('facilities[0].capacity');
    expect((await gql<{ scenarios: unknown[] }>('{ scenarios { key } }')).data!.scenarios).toEqual([]);
  });

  it('saves the scenario, projects it, and gives more Kita demand and a changed gap in the affected Stadtteil than the base scenario', async () => {
    const saved = await gql(SAVE, { i: housing }, planner);
    expect(saved.errors).toBeUndefined();
    expect(saved.data!.saveScenario).toMatchObject({ saved: true, key: housing.key, version: 1, author: 'person:anna.planerin' });
    const listed = await eventuallyWithin(
      async () => (await gql<{ scenarios: { key: string; status: string; name: string; error: string | null }[] }>('{ scenarios { key name status error } }')).data!.scenarios,
      (s) => s.length === 1,
      'scenario',
    );
    expect(listed[0]).toMatchObject({ key: housing.key, name: housing.name, status: 'projected', error: null });

    const base = await needs('period: "2018", scenario: "basis"');
    const scenario = await needs(`period: "2018", scenario: "${housing.key}"`);
    expect(scenario.size).toBe(86);
    const a = scenario.get(AREA)!;
    const b = base.get(AREA)!;
    expect(a).toMatchObject({ kind: 'PROGNOSE', scenario: housing.key, normValue: 84 });
    // 120 movers aged 0-6 in 2016 (and the children of 200 movers aged 25-45): far more than 50 extra places needed
    expect(a.demand! - b.demand!).toBeGreaterThan(50);
    // the Kita opened in 2017 adds its 60 places; the gap is demand minus supply
    expect(a.supply).toBe(b.supply + 60);
    expect(a.gap!).toBeCloseTo(a.demand! - a.supply, 6);
    expect(a.gap!).not.toBeCloseTo(b.gap!, 0);
    // nothing changes elsewhere, and nothing before the completion year
    expect(scenario.get(OTHER)!.demand!).toBeCloseTo(base.get(OTHER)!.demand!, 6);
    expect(scenario.get(OTHER)!.supply).toBe(base.get(OTHER)!.supply);
    const before = await needs(`period: "2015", scenario: "${housing.key}"`);
    expect(before.get(AREA)!.demand!).toBeCloseTo((await needs('period: "2015", scenario: "basis"')).get(AREA)!.demand!, 6);
  });

  it('raises the Grundschule demand of the housing area after completion; supply is the estimated places of the registry plus the scenario school', async () => {
    // the registry's Grundschulen in Altstadt/Süd, with the places estimated from the 2012 pupils
    const offers = await gql<{ offers: { totalCount: number; edges: { node: { subtype: string | null; capacity: { value: number; unit: string } | null; source: string } }[] } }>(
      `{ offers(offerTypes: ["schule"], area: { level: STADTTEIL, code: "${AREA}" }, first: 20) { totalCount edges { node { subtype capacity { value unit } source } } } }`,
      {},
      planner,
    );
    expect(offers.errors).toBeUndefined();
    const inArea = offers.data!.offers.edges.map((e) => e.node);
    expect(inArea.length).toBe(offers.data!.offers.totalCount);
    expect(inArea.length).toBeGreaterThan(0);
    expect(inArea.every((o) => o.subtype === 'grundschule' && o.capacity?.unit === 'plaetze')).toBe(true);
    for (const o of inArea) expect(o.source).toContain('Kapazität geschätzt aus Schülerzahl 2012');
    const registryPlaces = inArea.reduce((acc, o) => acc + (o.capacity?.value ?? 0), 0);
    expect(registryPlaces).toBe(282); // Altstadt-Süd: 282 Grundschule pupils in 2012

    const norm = await gql<{ planningNorms: { code: string; unit: string; supplyNote: string | null }[] }>('{ planningNorms { code unit supplyNote } }');
    expect(norm.data!.planningNorms.find((n) => n.code === GRUNDSCHULE)).toMatchObject({ unit: 'plaetze', supplyNote: expect.stringContaining('Kapazität geschätzt aus Schülerzahl 2012') });

    const children = async (period: string, scenario: string) =>
      (
        await gql<{ indicatorValues: { area: { code: string }; value: number }[] }>(
          `{ indicatorValues(indicator: "einwohner_6_10", level: STADTTEIL, period: "${period}", scenario: "${scenario}") { area { code } value } }`,
        )
      ).data!.indicatorValues.find((v) => v.area.code === AREA)!.value;
    for (const period of ['2015', '2018', '2020']) {
      const base = await needs(`period: "${period}", scenario: "basis"`, GRUNDSCHULE);
      const planned = await needs(`period: "${period}", scenario: "${housing.key}"`, GRUNDSCHULE);
      const a = planned.get(AREA)!;
      const b = base.get(AREA)!;
      // demand: one place per child aged 6 to under 10 (Richtwert 100 per 100), projected residents
      expect(b.normValue).toBe(100);
      expect(b.demand!).toBeCloseTo(await children(period, 'basis'), 6);
      expect(a.demand!).toBeCloseTo(await children(period, housing.key), 6);
      // supply: the registry's estimated places; the scenario's school of 100 places from 2019 on
      expect(b.supply).toBe(registryPlaces);
      expect(a.supply).toBe(registryPlaces + (Number(period) >= 2019 ? 100 : 0));
      expect(a.gap!).toBeCloseTo(a.demand! - a.supply, 6);
      expect(b.gap!).toBeCloseTo(b.demand! - b.supply, 6);
      // Chorweiler is not touched
      expect(planned.get(OTHER)!.demand!).toBeCloseTo(base.get(OTHER)!.demand!, 6);
      expect(planned.get(OTHER)!.supply).toBe(base.get(OTHER)!.supply);
      if (period === '2015') expect(a.demand!).toBeCloseTo(b.demand!, 6);
      // the movers' children aged 0-6 in 2016 grow into the Grundschule age: 2018 some, 2020 more
      if (period === '2018') expect(a.demand! - b.demand!).toBeGreaterThan(40);
      if (period === '2020') expect(a.demand! - b.demand!).toBeGreaterThan(100);
    }
  });

  it("counts the Pflegeheime's synthetic places as care supply of their Bezirk", async () => {
    const heime = await gql<{ offers: { totalCount: number; edges: { node: { capacity: { value: number } | null; synthetic: boolean; areas: { level: string; code: string }[] } }[] } }>(
      '{ offers(offerTypes: ["seniorenheim"], first: 15) { totalCount edges { node { capacity { value } synthetic areas { level code } } } } }',
      {},
      planner,
    );
    expect(heime.errors).toBeUndefined();
    const list = heime.data!.offers.edges.map((e) => e.node);
    expect(list.length).toBeGreaterThan(0);
    expect(list.length).toBe(heime.data!.offers.totalCount);
    expect(list.every((h) => h.synthetic && (h.capacity?.value ?? 0) > 0)).toBe(true);
    const care = await needs('period: "2020", scenario: "basis"', 'pflegeheim_plaetze_80', 'STADTBEZIRK');
    expect(care.size).toBe(9);
    for (const [code, row] of care) {
      const places = list.filter((h) => h.areas.some((a) => a.level === 'STADTBEZIRK' && a.code === code)).reduce((acc, h) => acc + h.capacity!.value, 0);
      expect(row.supply, code).toBe(places);
      expect(row.demand!).toBeGreaterThan(0);
      expect(row.gap!).toBeCloseTo(row.demand! - row.supply, 6);
    }
    expect([...care.values()].reduce((acc, r) => acc + r.supply, 0)).toBe(list.reduce((acc, h) => acc + h.capacity!.value, 0));
  });

  it('answers indicator queries with the scenario as PROGNOSE values, the residents grown by the movers', async () => {
    const q = (scenario: string) =>
      gql<{ indicatorValues: { area: { code: string }; value: number; kind: string; scenario: string }[] }>(
        `{ indicatorValues(indicator: "einwohner", level: STADTTEIL, period: "2016", scenario: "${scenario}") { area { code } value kind scenario } }`,
      );
    const base = new Map((await q('basis')).data!.indicatorValues.map((v) => [v.area.code, v]));
    const r = await q(housing.key);
    expect(r.errors).toBeUndefined();
    const values = new Map(r.data!.indicatorValues.map((v) => [v.area.code, v]));
    expect(values.get(AREA)).toMatchObject({ kind: 'PROGNOSE', scenario: housing.key });
    expect(values.get(AREA)!.value - base.get(AREA)!.value).toBeCloseTo(1000, -1);
    expect(values.get(OTHER)!.value).toBeCloseTo(base.get(OTHER)!.value, 3);
  });

  it('applies a changed Richtwert of a scenario to its demand, and a Kita of the registry closed to its supply', async () => {
    // a Kita of the demo registry with its places, and the Stadtteil it lies in
    const offers = await gql<{ offers: { edges: { node: { key: string; capacity: { value: number } | null; areas: { level: string; code: string }[] } }[] } }>(
      '{ offers(offerTypes: ["kita"], first: 10) { edges { node { key capacity { value } areas { level code } } } } }',
      {},
      planner,
    );
    expect(offers.errors).toBeUndefined();
    const closed = offers.data!.offers.edges.map((e) => e.node).find((o) => (o.capacity?.value ?? 0) > 0 && o.areas.some((a) => a.level === 'STADTTEIL'))!;
    expect(closed, JSON.stringify(offers).slice(0, 600)).toBeDefined();
    const closedArea = closed.areas.find((a) => a.level === 'STADTTEIL')!.code;
    const saved = await gql(
      SAVE,
      {
        i: {
          key: 'richtwert_100',
          version: 1,
          name: 'Richtwert 100',
          norms: [{ norm: 'kita_plaetze_1_6', value: 100 }],
          facilities: [{ change: 'close', norm: 'kita_plaetze_1_6', offerKey: closed.key, areaCode: closedArea, year: 2019 }],
        },
      },
      planner,
    );
    expect(saved.data!.saveScenario.saved).toBe(true);
    await eventuallyWithin(
      async () => (await gql<{ scenarios: { key: string; status: string }[] }>('{ scenarios { key status } }')).data!.scenarios,
      (s) => s.some((x) => x.key === 'richtwert_100' && x.status === 'projected'),
      'scenario richtwert_100',
    );
    const base = await needs('period: "2020", scenario: "basis"');
    const stricter = await needs('period: "2020", scenario: "richtwert_100"');
    for (const [code, r] of stricter) {
      if (r.demand === null) continue;
      expect(r.normValue).toBe(100);
      expect(r.demand).toBeCloseTo((base.get(code)!.demand! * 100) / 84, 6);
      // the closed Kita's places are gone from its Stadtteil from 2019 on, nowhere else
      expect(r.supply).toBeCloseTo(base.get(code)!.supply - (code === closedArea ? closed.capacity!.value : 0), 6);
    }
    expect((await needs('period: "2018", scenario: "richtwert_100"')).get(closedArea)!.supply).toBe((await needs('period: "2018", scenario: "basis"')).get(closedArea)!.supply);
  });

  it('projects the scenarios again when the read models are rebuilt (their populations were in the truncated warehouse)', async () => {
    const before = await needs(`period: "2018", scenario: "${housing.key}"`);
    const { ms } = await (await platform.projections.started).rebuild();
    expect(ms).toBeGreaterThan(0);
    expect(await latestDatasetVersion(running.engines.warehouse, `bevoelkerungsprognose_${housing.key}`)).toBe(1);
    const after = await needs(`period: "2018", scenario: "${housing.key}"`);
    expect(after.get(AREA)!.demand!).toBeCloseTo(before.get(AREA)!.demand!, 6);
    expect(after.get(AREA)!.supply).toBe(before.get(AREA)!.supply);
  });
});
