// A gateway over a real chDB warehouse with Köln's Stadtteile and five years of Einwohner, served on
// loopback: the set-up of the fairness and cancellation tests. `wrap` puts something between the
// reader and the warehouse (to observe or slow down its queries).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { areaMapRows, type AreaStatisticEvent, IndicatorProjector, loadAreaMap, migrateWarehouse, planResolverFromCatalogue, WarehouseIndicatorReader } from '@sp/indicator-store';
import { loadCatalogue } from '@sp/indicators';
import type { Warehouse } from '@sp/ports';
import { loadReference } from '@sp/spatial';
import { tempDir } from '@sp/testing';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { catalogueSource } from '../adapters/indicators.catalogue.js';
import { areaSourceFromReference } from '../adapters/spatial.source.js';
import { createGateway, type GatewayOptions } from '../gateway.js';
import { testAuth } from './gateway.fixture.js';
import { einwohner2012 } from './koeln.fixture.js';

export interface ServedGateway {
  /** http://127.0.0.1:<port>/graphql */
  url: string;
  warehouse: Warehouse;
  close(): Promise<void>;
}

/** `warehouse`: a second gateway over the seeded warehouse of a first (chDB allows one data directory per process). */
export async function servedChdbGateway(options: { wrap?: (wh: Warehouse) => Warehouse; gateway?: Partial<GatewayOptions>; prefix?: string; warehouse?: Warehouse } = {}): Promise<ServedGateway> {
  const reference = loadReference('koeln');
  const catalogue = loadCatalogue();
  const own = !options.warehouse;
  const wh = options.warehouse ?? openChdbWarehouse({ path: tempDir(options.prefix ?? 'sp-gw-chdb-') });
  if (own) await seed(wh, reference);
  const gateway = createGateway({
    areas: areaSourceFromReference(reference),
    catalogue: catalogueSource(catalogue),
    indicators: new WarehouseIndicatorReader(options.wrap ? options.wrap(wh) : wh, { plans: planResolverFromCatalogue(catalogue), hierarchyLevels: reference.hierarchyLevels }),
    auth: testAuth,
    ...options.gateway,
  });
  const server: Server = createServer(gateway.handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    warehouse: wh,
    close: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      if (own) await wh.close();
    },
  };
}

async function seed(wh: Warehouse, reference: ReturnType<typeof loadReference>): Promise<void> {
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
}
