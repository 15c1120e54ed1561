// TEST FIXTURE for the geo routes: the gateway over the REAL warehouse (chDB, the indicator
// store's projector and WarehouseIndicatorReader, the real catalogue and Köln reference) with the
// real 2012 Einwohner and synthetic SGB-II persons (a confidential dataset; Altstadt-Süd at 2),
// and a small registry of offers at interior points of some Stadtteile, served over HTTP on a
// free port for real clients.
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AreaStatisticEvent, areaMapRows, IndicatorProjector, loadAreaMap, migrateWarehouse, planResolverFromCatalogue, WarehouseIndicatorReader } from '@sp/indicator-store';
import { loadCatalogue, recordKeyOf } from '@sp/indicators';
import type { Warehouse } from '@sp/ports';
import { loadReference } from '@sp/spatial';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { catalogueSource } from '../adapters/indicators.catalogue.js';
import { areaSourceFromReference } from '../adapters/spatial.source.js';
import { createGateway, type Gateway } from '../gateway.js';
import type { JobLimits, ReportJobStore } from '../reports/report.jobs.js';
import type { OfferView } from '../sources.js';
import { testAuth } from './gateway.fixture.js';
import { einwohner2012 } from './koeln.fixture.js';
import { memoryRegistry, testOffers } from './memory-registry.js';

export interface GeoGateway {
  gateway: Gateway;
  offers: OfferView[];
  /** http://127.0.0.1:<port> */
  url: string;
  /** the second replica's, with `replicas` */
  secondUrl?: string;
  /** stops the first replica as a killed pod: its server, and its jobs' heartbeats mid-build */
  stopFirst(): Promise<void>;
  close(): Promise<void>;
}

let seq = 0;
const fixtureRecordKeySecret = 'geo-fixture-record-keys';
/** With `keyed`, each observation carries its record key, so the public reads its perturbed figure (without one it is withheld). */
function event(dataset: string, code: string, period: string, observations: Record<string, number>, synthetic: boolean, keyed = false): AreaStatisticEvent {
  seq += 1;
  return {
    key: `${dataset}|STADTTEIL|${code}|${period}`,
    version: 1,
    tombstone: false,
    deliveredAt: Date.UTC(2013, 2, 1) + seq,
    amt: dataset === 'sgb2' ? 'jobcenter' : 'statistik',
    deliveryId: `d-${seq}`,
    payload: {
      dataset,
      areaLevel: 'STADTTEIL',
      areaCode: code,
      period,
      synthetic,
      observations: Object.entries(observations).map(([measure, value]) => ({
        measure,
        dimensions: {},
        value,
        ...(keyed ? { recordKey: recordKeyOf(fixtureRecordKeySecret, { dataset, areaLevel: 'STADTTEIL', areaCode: code, period, measure, dimensions: {} }) } : {}),
      })),
    },
  };
}

export interface GeoOptions {
  /**
   * Earlier SGB-II months, period → Altstadt/Süd's (101) count; every other Stadtteil gets 2 % of its
   * Einwohner as in 12/2012. Gives the reports' time-series charts a series to draw. Unlike 12/2012
   * (withheld from the public: its observations have no record key), these carry record keys, so the
   * public reads their perturbed figures, and a count below the threshold is suppressed.
   */
  sgb2History?: Record<string, number>;
  /**
   * Two replicas: a second gateway over the same sources at `secondUrl`, as two platform pods behind
   * one address; `reportJobs` is the store both keep their Sozialbericht jobs in, `jobLimits` their limits.
   */
  replicas?: { reportJobs?: ReportJobStore; jobLimits?: Partial<JobLimits> };
}

export async function startGeoGateway(options: GeoOptions = {}): Promise<GeoGateway> {
  const reference = loadReference('koeln');
  const catalogue = loadCatalogue();
  const wh: Warehouse = await openChdbWarehouse({ path: mkdtempSync(join(tmpdir(), 'sp-geo-')) });
  await migrateWarehouse(wh);
  await loadAreaMap(wh, areaMapRows(reference));
  const ew = einwohner2012();
  const events = [...ew].flatMap(([code, n]) => [
    event('bevoelkerung', code, '2012', { einwohner: n }, false),
    event('sgb2', code, '2012-12', { sgb2_personen: code === '101' ? 2 : Math.round(n * 0.02) }, true),
    ...Object.entries(options.sgb2History ?? {}).map(([period, v]) => event('sgb2', code, period, { sgb2_personen: code === '101' ? v : Math.round(n * 0.02) }, true, true)),
  ]);
  await new IndicatorProjector(wh).apply(events);

  const areas = areaSourceFromReference(reference);
  const offers = testOffers(areas);

  const reportJobs = options.replicas?.reportJobs;
  const jobLimits = options.replicas?.jobLimits;
  const gatewayOf = () =>
    createGateway({
      areas,
      catalogue: catalogueSource(catalogue),
      indicators: new WarehouseIndicatorReader(wh, { plans: planResolverFromCatalogue(catalogue), hierarchyLevels: ['STADT', 'STADTBEZIRK', 'STADTTEIL', 'STADTVIERTEL'] }),
      registry: memoryRegistry(offers),
      auth: testAuth,
      ...(reportJobs ? { reportJobs } : {}),
      ...(jobLimits ? { reportJobLimits: jobLimits } : {}),
    });
  const serve = async (g: Gateway) => {
    const server: Server = createServer(g.handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  };
  const gateway = gatewayOf();
  const first = await serve(gateway);
  const secondGateway = options.replicas ? gatewayOf() : undefined;
  const second = secondGateway ? await serve(secondGateway) : undefined;
  let firstStopped = false;
  const stopFirst = async () => {
    if (firstStopped) return;
    firstStopped = true;
    gateway.close();
    first.server.closeAllConnections();
    await new Promise<void>((resolve) => first.server.close(() => resolve()));
  };
  return {
    gateway,
    offers,
    url: first.url,
    ...(second ? { secondUrl: second.url } : {}),
    stopFirst,
    close: async () => {
      await stopFirst();
      secondGateway?.close();
      if (second) await new Promise<void>((resolve) => second.server.close(() => resolve()));
      await wh.close();
    },
  };
}
