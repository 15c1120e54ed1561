// Similar areas and typology over GraphQL (docs/uncertainty-and-typology.md): the inputs are read
// like every other value — the public's are the published values, a withheld value leaves its area
// out, an unpublished indicator is FORBIDDEN — and the results are exactly the pure functions of
// @sp/indicators applied to what the reader could have read itself.
import { similarAreas, typology } from '@sp/indicators';
import { describe, expect, it } from 'vitest';
import { testGateway, tokenFor } from './testing/gateway.fixture.js';

const indicators = ['einwohner', 'sgb2_quote'];

async function publicProfiles(gql: ReturnType<typeof testGateway>['gql'], token?: string) {
  const r = await gql(
    `{ a: indicatorValues(indicator: "einwohner", level: STADTTEIL, period: "2012") { area { code } value suppressed }
       b: indicatorValues(indicator: "sgb2_quote", level: STADTTEIL, period: "2012") { area { code } value suppressed } }`,
    token ? { token } : {},
  );
  const b = new Map((r.data.b as { area: { code: string }; value: number | null; suppressed: boolean }[]).map((v) => [v.area.code, v]));
  return (r.data.a as { area: { code: string }; value: number | null }[])
    .filter((v) => v.value != null && b.get(v.area.code)?.value != null && !b.get(v.area.code)!.suppressed)
    .map((v) => ({ code: v.area.code, values: [v.value!, b.get(v.area.code)!.value!] }));
}

describe('typology', () => {
  const q = `{ typology(level: STADTTEIL, indicators: ["einwohner", "sgb2_quote"], period: "2012", k: 3) {
    k seed withinSs totalSs perturbed excluded { code } areas { area { code } cluster }
    clusters { cluster size centre centreZ withinSs areas { code } } indicators { code } } }`;

  it('gives the public the typology of the published values: withheld areas left out, nothing else', async () => {
    const { gql } = testGateway();
    const r = await gql(q);
    expect(r.errors).toBeUndefined();
    const t = r.data.typology;
    expect(t.excluded.map((a: { code: string }) => a.code)).toEqual(['101', '102']);
    expect(t.perturbed).toBe(true); // sgb2_quote is confidential: the public sees it perturbed
    const expected = typology(await publicProfiles(gql), 3);
    expect(t.areas).toHaveLength(84);
    expect(Object.fromEntries(t.areas.map((a: { area: { code: string }; cluster: number }) => [a.area.code, a.cluster]))).toEqual(Object.fromEntries(expected.assignment));
    expect(t.withinSs).toBeCloseTo(expected.withinSs, 9);
    expect(t.clusters.map((c: { centre: number[] }) => c.centre)).toEqual(expected.clusters.map((c) => c.centre));
    expect(t.clusters.reduce((s: number, c: { size: number }) => s + c.size, 0)).toBe(84);
    expect(t.indicators.map((i: { code: string }) => i.code)).toEqual(indicators);
  });

  it('gives a privileged planner the typology of every area (true values)', async () => {
    const { gql } = testGateway();
    const token = await tokenFor({ role: 'planner', privileged: true });
    const r = await gql(q, { token });
    expect(r.errors).toBeUndefined();
    expect(r.data.typology.excluded).toEqual([]);
    expect(r.data.typology.areas).toHaveLength(86);
  });

  it('refuses k outside 2 … 10, a repeated indicator and an unpublished one, saying what is accepted', async () => {
    const { gql } = testGateway();
    const bad = await gql('{ typology(level: STADTTEIL, indicators: ["einwohner"], period: "2012", k: 11) { k } }');
    expect(bad.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'k' } });
    expect(bad.errors?.[0]?.message).toMatch(/accepted: a whole number from 2 to 10/);
    const twice = await gql('{ typology(level: STADTTEIL, indicators: ["einwohner", "einwohner"], period: "2012", k: 2) { k } }');
    expect(twice.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'indicators' } });
    const hidden = await gql('{ typology(level: STADTTEIL, indicators: ["hze_faelle"], period: "2012", k: 2) { k } }');
    expect(hidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('similarAreas', () => {
  it('gives the most similar areas of the published profiles with each indicator’s part of the distance', async () => {
    const { gql } = testGateway();
    const r = await gql(`{ similarAreas(area: { level: STADTTEIL, code: "104" }, indicators: ["einwohner", "sgb2_quote"], period: "2012", first: 5) {
      area { code } values compared excluded { code }
      similar { area { code name } distance contributions { indicator { code } value zDifference share } } } }`);
    expect(r.errors).toBeUndefined();
    const s = r.data.similarAreas;
    const expected = similarAreas(await publicProfiles(gql), '104', 5).similar;
    expect(s.similar.map((x: { area: { code: string } }) => x.area.code)).toEqual(expected.map((x) => x.code));
    expect(s.compared).toBe(84);
    for (const x of s.similar as { distance: number; contributions: { share: number; indicator: { code: string } }[] }[]) {
      expect(x.contributions.map((c) => c.indicator.code)).toEqual(indicators);
      expect(x.contributions.reduce((a, c) => a + c.share, 0)).toBeCloseTo(1, 9);
    }
    expect(s.similar[0].distance).toBeCloseTo(expected[0]!.distance, 9);
  });

  it('refuses an area whose profile is withheld, and an unknown area', async () => {
    const { gql } = testGateway();
    const withheld = await gql('{ similarAreas(area: { level: STADTTEIL, code: "101" }, indicators: ["einwohner", "sgb2_quote"], period: "2012") { compared } }');
    expect(withheld.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'area' } });
    const unknown = await gql('{ similarAreas(area: { level: STADTTEIL, code: "999" }, indicators: ["einwohner"], period: "2012") { compared } }');
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
