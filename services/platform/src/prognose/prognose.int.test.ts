// The base projection through the normal event path, on the platform's embedded engines: the real
// Köln population 2005–2012 delivered by the Statistikamt, the projection job run by the platform
// (delivering as Amt "prognose" through the ingestion API), the aggregator projecting the records,
// and GraphQL returning them labelled PROGNOSE with their scenario — public like their source.
import 'reflect-metadata';
import { buildKoelnDemo } from '@sp/demo';
import { buildDemoRegistry, readDemoSources } from '@sp/registry';
import { checkContract, clientFor, type GraphQLClient } from '@sp/gateway/testing';
import { tempDir } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { openEngines, type Engines } from '../engines.js';
import { startPlatform, type Platform } from '../platform.js';
import type { PrognoseJobResult } from './population-prognose.job.js';

interface Value {
  area: { code: string };
  period: string;
  value: number | null;
  kind: 'OBSERVED' | 'PROGNOSE';
  scenario: string | null;
  perturbed: boolean;
  confidential: boolean;
}

let engines: Engines;
let platform: Platform;
let gql: GraphQLClient;
let run: PrognoseJobResult;

const fields = 'area { code } period value kind scenario perturbed confidential';

beforeAll(async () => {
  const config = loadConfig({ SP_DATA_DIR: tempDir('sp-prognose-'), SP_PORT: '0', SP_DEMO: '0' });
  engines = await openEngines(config);
  platform = await startPlatform(config, engines);
  gql = clientFor((u, init) => fetch(u, init), platform.url);
  const deliver = async (amt: string, recordType: string, records: readonly unknown[]) => {
    for (let i = 0; i < records.length; i += 500) {
      const res = await fetch(`${platform.url}/v1/deliveries/${recordType}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${platform.keys.keys[amt]}`, 'content-type': 'application/json' },
        body: JSON.stringify({ records: records.slice(i, i + 500) }),
      });
      expect(res.status, await res.clone().text()).toBe(200);
    }
  };
  await deliver(
    'statistik',
    'area-statistic',
    buildKoelnDemo({ reference: platform.reference }).real.filter((r) => r.dataset === 'bevoelkerung'),
  );
  // the demo's Kitas (OpenStreetMap locations, synthetic capacities), by the Amt that delivers them
  const kitas = buildDemoRegistry(readDemoSources(), { insideCity: (lat, lon) => platform.reference.locate(lat, lon) !== undefined }).offers.filter((o) => o.offerType === 'kita');
  for (const amt of new Set(kitas.map((o) => o.amt)))
    await deliver(
      amt,
      'offer',
      kitas.filter((o) => o.amt === amt),
    );
  await platform.projections.caughtUp();
  run = await platform.runPrognose();
  await platform.projections.caughtUp();
}, 600_000);

afterAll(async () => {
  await platform?.close();
  await engines?.close();
});

describe('the base projection as a queryable dataset', () => {
  it('delivers one record per Stadtteil and projected year, as the next version of the scenario dataset', () => {
    expect(run.dataset).toMatchObject({
      dataset: 'bevoelkerungsprognose_basis',
      kind: 'prognose',
      label: 'Prognose – Basisszenario',
      version: 1,
      baseYear: 2012,
      periods: { from: '2013', to: '2022' },
    });
    expect(run.areas).toBe(86);
    expect(run.records).toBe(86 * 10);
  });

  it('answers indicatorValues with a scenario as PROGNOSE values of that scenario, observed values unchanged', async () => {
    const read = async (scenario: string | null, period: string) => {
      const r = await gql<{ indicatorValues: Value[] }>(`query($s: String, $p: String!) { indicatorValues(indicator: "einwohner_3_6", level: STADTTEIL, period: $p, scenario: $s) { ${fields} } }`, {
        variables: { s: scenario, p: period },
      });
      expect(r.errors).toBeUndefined();
      return r.data!.indicatorValues;
    };
    const projected = await read('basis', '2017');
    expect(projected).toHaveLength(86);
    for (const v of projected) expect(v).toMatchObject({ period: '2017', kind: 'PROGNOSE', scenario: 'basis', perturbed: false, confidential: false });
    // plausibility against the observed base year: every Stadtteil's children 3–6 within a factor of two
    const observed = new Map((await read(null, '2012')).map((v) => [v.area.code, v]));
    for (const v of projected) {
      const base = observed.get(v.area.code)!;
      expect(base).toMatchObject({ kind: 'OBSERVED', scenario: null });
      expect(v.value!).toBeGreaterThan(base.value! / 2);
      expect(v.value!).toBeLessThan(base.value! * 2 + 20);
    }
    // the observed dataset has no 2017: without a scenario there is nothing to read
    expect(await read(null, '2017')).toEqual([]);
  });

  it('rolls the projection up to the city and gives a time series per area', async () => {
    const city = await gql<{ indicatorValues: Value[] }>(`{ indicatorValues(indicator: "einwohner", level: STADT, period: "2022", scenario: "basis") { ${fields} } }`);
    expect(city.errors).toBeUndefined();
    const total = city.data!.indicatorValues[0]!;
    expect(total).toMatchObject({ kind: 'PROGNOSE', scenario: 'basis' });
    // Köln 2012: 1,044,555 (with secondary residences); the base scenario holds the flat 2008–2012 rates
    expect(total.value!).toBeGreaterThan(950_000);
    expect(total.value!).toBeLessThan(1_150_000);
    const series = await gql<{ timeSeries: Value[] }>(`{ timeSeries(indicator: "einwohner_0_3", area: { level: STADTTEIL, code: "101" }, from: "2013", to: "2022", scenario: "basis") { ${fields} } }`);
    expect(series.errors).toBeUndefined();
    expect(series.data!.timeSeries.map((v) => v.period)).toEqual(['2013', '2014', '2015', '2016', '2017', '2018', '2019', '2020', '2021', '2022']);
  });

  it('refuses an unknown scenario with UNKNOWN_SCENARIO naming the accepted ones', async () => {
    const r = await gql(`{ indicatorValues(indicator: "einwohner", level: STADTTEIL, period: "2015", scenario: "wachstum") { value } }`);
    expect(r.errors?.[0]).toMatchObject({ extensions: { code: 'UNKNOWN_SCENARIO', argument: 'scenario' } });
    expect(r.errors?.[0]?.message).toContain('basis');
  });

  it('gives Kita demand, supply and gap per Stadtteil on the projected children, and under a changed Richtwert', async () => {
    interface Row {
      area: { code: string };
      period: string;
      supply: number;
      demand: number | null;
      gap: number | null;
      kind: string;
      scenario: string | null;
      normValue: number | null;
    }
    const needs = async (args: string) => {
      const r = await gql<{ needs: Row[] }>(`{ needs(norm: "kita_plaetze_1_6", level: STADTTEIL, ${args}) { area { code } period supply demand gap kind scenario normValue } }`);
      expect(r.errors).toBeUndefined();
      return new Map(r.data!.needs.map((n) => [n.area.code, n]));
    };
    const observed = await needs('period: "2012"');
    const base = await needs('period: "2020", scenario: "basis"');
    const stricter = await needs('period: "2020", scenario: "basis", normValue: 100');
    expect(base.size).toBe(86);
    const withSupply = [...base.values()].filter((r) => r.supply > 0);
    expect(withSupply.length).toBeGreaterThan(40);
    for (const [code, r] of base) {
      expect(r).toMatchObject({ period: '2020', kind: 'PROGNOSE', scenario: 'basis', normValue: 84 });
      expect(observed.get(code)).toMatchObject({ kind: 'OBSERVED', scenario: null });
      // supply is today's registry in both; demand follows the projected children
      expect(r.supply).toBe(observed.get(code)!.supply);
      expect(r.gap!).toBeCloseTo(r.demand! - r.supply, 6);
      const s = stricter.get(code)!;
      expect(s.normValue).toBe(100);
      expect(s.demand!).toBeCloseTo((r.demand! * 100) / 84, 6);
    }
    const bad = await gql(`{ needs(norm: "kita_plaetze_1_6", level: STADTTEIL, period: "2020", normValue: -5) { gap } }`);
    expect(bad.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'normValue' } });
  });

  it('keeps the gateway contract byte for byte', async () => {
    expect(await checkContract(gql)).toEqual([]);
  });
});
