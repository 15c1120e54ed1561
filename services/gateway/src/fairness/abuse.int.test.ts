// Fair under abuse (issue #13, deliver 5), bounded: the real gateway over HTTP on loopback, the real
// warehouse reader on chDB. A normal client's p95 is measured idle, then while four abusive
// clients (own tokens, three connections each) send 20-alias as-of queries and 300-period ranges
// for 6 s. Asserted: the abusers are refused (429 over budget, 400 for a range no budget pays for),
// the normal client never fails and nothing answers 5xx. The p95 ratio is printed, NOT asserted:
// with the default budgets it is still far above 2× (docs/graphql.md, "Fair use").
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { areaMapRows, type AreaStatisticEvent, IndicatorProjector, loadAreaMap, migrateWarehouse, planResolverFromCatalogue, WarehouseIndicatorReader } from '@sp/indicator-store';
import { loadCatalogue } from '@sp/indicators';
import type { Warehouse } from '@sp/ports';
import { loadReference } from '@sp/spatial';
import { tempDir } from '@sp/testing';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogueSource } from '../adapters/indicators.catalogue.js';
import { areaSourceFromReference } from '../adapters/spatial.source.js';
import { createGateway } from '../gateway.js';
import { testAuth, tokenFor } from '../testing/gateway.fixture.js';
import { einwohner2012 } from '../testing/koeln.fixture.js';

let wh: Warehouse;
let server: Server;
let url: string;

beforeAll(async () => {
  const reference = loadReference('koeln');
  const catalogue = loadCatalogue();
  wh = await openChdbWarehouse({ path: tempDir('sp-gw-abuse-') });
  await migrateWarehouse(wh);
  await loadAreaMap(wh, areaMapRows(reference));
  let seq = 0;
  const events: AreaStatisticEvent[] = [];
  for (const year of [2008, 2009, 2010, 2011, 2012]) {
    for (const [code, n] of einwohner2012()) {
      seq++;
      events.push({
        key: `bevoelkerung|STADTTEIL|${code}|${year}`,
        version: 1,
        tombstone: false,
        deliveredAt: Date.UTC(year + 1, 2, 1) + seq,
        amt: 'statistik',
        deliveryId: `d-${seq}`,
        payload: { dataset: 'bevoelkerung', areaLevel: 'STADTTEIL', areaCode: code, period: String(year), synthetic: false, observations: [{ measure: 'einwohner', dimensions: {}, value: n + year }] },
      });
    }
  }
  await new IndicatorProjector(wh).apply(events);
  const gateway = createGateway({
    areas: areaSourceFromReference(reference),
    catalogue: catalogueSource(catalogue),
    indicators: new WarehouseIndicatorReader(wh, { plans: planResolverFromCatalogue(catalogue), hierarchyLevels: reference.hierarchyLevels }),
    auth: testAuth,
    // every request reaches the warehouse: the worst case for the normal client
    cache: false,
    responseCache: false,
  });
  server = createServer(gateway.handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  await new Promise<void>((r) => server?.close(() => r()));
  server?.closeAllConnections();
  await wh?.close();
});

const normalQuery = '{ indicatorValues(indicator: "einwohner", level: STADTBEZIRK, period: "2012") { area { code } value } }';
const aliasQuery = (n: number) =>
  `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: indicatorValues(indicator: "einwohner", level: STADTTEIL, period: "2012", asOf: "2020-${String((n % 12) + 1).padStart(2, '0')}-${String(i + 1).padStart(2, '0')}") { value }`).join(' ')} }`;
const rangeQuery = '{ indicatorValues(indicator: "einwohner", level: STADTTEIL, from: "1900", to: "2199") { period value } }';

async function ask(query: string, token: string): Promise<{ status: number; ms: number }> {
  const t = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - t };
}

const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.95) - 1]!;

async function normalRun(token: string, count: number): Promise<{ p95: number; max: number; failed: number }> {
  const ms: number[] = [];
  let failed = 0;
  for (let i = 0; i < count; i++) {
    const r = await ask(normalQuery, token);
    if (r.status !== 200) failed++;
    ms.push(r.ms);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return { p95: p95(ms), max: Math.max(...ms), failed };
}

describe('fair under abuse', () => {
  it('refuses four abusive clients while a normal client keeps being answered (p95 ratio printed)', { timeout: 60_000 }, async () => {
    const normal = await tokenFor({ role: 'planner', sub: 'normal' });
    await normalRun(normal, 10); // warm-up: plans, area relations, JIT
    const idle = await normalRun(normal, 60);

    const until = Date.now() + 6_000;
    const counts = { ok: 0, limited: 0, tooLarge: 0, other: 0 };
    const abusers = await Promise.all([1, 2, 3, 4].map((i) => tokenFor({ role: 'planner', sub: `abuser-${i}` })));
    const loops = abusers.flatMap((token, i) =>
      [0, 1, 2].map(async (j) => {
        for (let n = 0; Date.now() < until; n++) {
          const r = await ask((n + j) % 2 === 0 ? aliasQuery(n * 3 + j + i) : rangeQuery, token);
          if (r.status === 200) counts.ok++;
          else if (r.status === 429) counts.limited++;
          else if (r.status === 400) counts.tooLarge++;
          else counts.other++;
        }
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 500)); // the abusers have spent their bursts
    const abused = await normalRun(normal, 60);
    await Promise.all(loops);

    const ratio = abused.p95 / idle.p95;
    console.log(
      `[abuse] normal p95 idle ${idle.p95.toFixed(1)} ms (max ${idle.max.toFixed(1)}), under abuse ${abused.p95.toFixed(1)} ms (max ${abused.max.toFixed(1)}), ratio ${ratio.toFixed(2)}; abusive requests: ${counts.ok} answered, ${counts.limited} got 429, ${counts.tooLarge} got 400, ${counts.other} other`,
    );
    expect(abused.failed).toBe(0);
    expect(counts.limited).toBeGreaterThan(0);
    expect(counts.tooLarge).toBeGreaterThan(0);
    expect(counts.other).toBe(0);
    // the 2× bound of issue #13 is not reached yet; the figure is for the report and the next step
    expect(ratio).toBeGreaterThan(0);
  });
});
