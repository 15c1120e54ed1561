// The reference projection applies one batch per partition, and the batches of one delivery arrive
// at the same time. Found by docs/onboarding.md's test: after a boundary reform every Ortsteil had
// twice its Einwohner, because two rebuilds of the warehouse's area map ran at once (each empties
// the table, then fills it; both fills landed). Here two batches are applied at once on PGlite and
// chDB, with the warehouse's inserts slowed so that the rebuilds overlap as they did over HTTP to a
// tenant's chdb-http: the area map holds every relation once and the reference has every area.
import { openPgliteDatabase } from '@sp/database-pglite';
import { EventCodec, type RecordEvent, referenceRecordTypes, SchemaRegistry, type Topology, topology } from '@sp/events';
import { migrateWarehouse } from '@sp/indicator-store';
import type { Database, LogEvent, Warehouse } from '@sp/ports';
import { loadReference } from '@sp/spatial';
import { builtInReferenceDir } from '@sp/spatial';
import { tempDir } from '@sp/testing';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { openEmbeddedEventLog } from '@sp/eventlog-embedded';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveredReferenceProjection } from './delivered-reference.projection.js';
import { DeliveredReferenceStore } from './delivered-reference.store.js';

const codec = new EventCodec(SchemaRegistry.load());
const referenceTopicsOf = (t: Topology) => referenceRecordTypes.map((r) => t.topicFor(r));
const topics = topology();
let offset = 0n;

function logEvent(recordType: 'area-level' | 'area', key: string, payload: Record<string, unknown>): LogEvent {
  const event = {
    key,
    version: 1,
    recordType,
    amt: 'statistik',
    deliveryId: 'd-1',
    deliveredAt: Date.UTC(2026, 11, 3),
    deliveredBy: 'test',
    tombstone: false,
    payload: { key, version: 1, source: null, ...payload },
  } as unknown as RecordEvent<typeof recordType>;
  offset += 1n;
  return { topic: topics.topicFor(recordType), partition: 0, offset, key, value: codec.encode(recordType, 1, event), headers: {}, timestamp: 0 };
}
const level = (name: string, parentLevel: string | null) => logEvent('area-level', name, { level: name, label: name, parentLevel, kind: 'hierarchy', coverage: 'complete' });
const area = (lvl: string, code: string, parent: string | null) =>
  logEvent('area', `${lvl}|${code}|2000-01-01`, { level: lvl, code, name: `${lvl} ${code}`, parent, members: [], validFrom: '2000-01-01', validTo: null, geometry: null });

/** the real warehouse, each insert held back a while: what a warehouse over HTTP under load does */
function slowInserts(warehouse: Warehouse, ms: number): Warehouse {
  return new Proxy(warehouse, {
    get(target, prop, receiver) {
      if (prop === 'insert') return async (table: string, rows: readonly Record<string, unknown>[]) => (await new Promise((r) => setTimeout(r, ms)), target.insert(table, rows));
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('the delivered reference projection under concurrent batches', () => {
  let database: Database;
  let warehouse: Warehouse;

  beforeAll(async () => {
    database = await openPgliteDatabase({ dataDir: tempDir('sp-reference-race-pg-') });
    warehouse = openChdbWarehouse({ path: tempDir('sp-reference-race-wh-') });
    await migrateWarehouse(warehouse);
  }, 120_000);
  afterAll(async () => {
    await database?.close();
    await warehouse?.close();
  });

  it('rebuilds the area map one batch after the other: every relation once, every area in the reference', async () => {
    const store = new DeliveredReferenceStore(database);
    await store.migrate();
    const reference = loadReference(resolve(builtInReferenceDir, 'fixtures/musterstadt.yaml'));
    const projection = deliveredReferenceProjection({ store, reference, warehouse: slowInserts(warehouse, 300), codec, topology: topics });
    // two partitions' batches of one delivery, applied at once
    await Promise.all([
      projection.apply([level('GEMEINDE', null), level('ORTSTEIL', 'GEMEINDE'), area('GEMEINDE', '0', null), area('ORTSTEIL', '1', '0')]),
      projection.apply([area('ORTSTEIL', '2', '0')]),
    ]);
    expect(reference.areas('ORTSTEIL').map((a) => a.code)).toEqual(['1', '2']);
    const rows = await warehouse.query<{ child_level: string; child_code: string; level: string; code: string; n: string }>(
      'SELECT child_level, child_code, level, code, count() AS n FROM area_map GROUP BY child_level, child_code, level, code ORDER BY child_level, child_code, level',
    );
    expect(rows.map((r) => `${r.child_level} ${r.child_code} → ${r.level} ${r.code} ×${r.n}`)).toEqual([
      'GEMEINDE 0 → GEMEINDE 0 ×1',
      'ORTSTEIL 1 → GEMEINDE 0 ×1',
      'ORTSTEIL 1 → ORTSTEIL 1 ×1',
      'ORTSTEIL 2 → GEMEINDE 0 ×1',
      'ORTSTEIL 2 → ORTSTEIL 2 ×1',
    ]);
  }, 60_000);

  it('takes a delivered reference over only once every record appended so far is stored, whatever partition is read first', async () => {
    const db = await openPgliteDatabase({ dataDir: tempDir('sp-reference-order-pg-') });
    const wh = warehouse; // chDB: one data directory per process
    const log = await openEmbeddedEventLog({ dir: tempDir('sp-reference-order-log-') });
    try {
      const store = new DeliveredReferenceStore(db);
      await store.migrate();
      const reference = loadReference(resolve(builtInReferenceDir, 'fixtures/musterstadt.yaml'));
      const packLevels = reference.hierarchyLevels.join(',');
      const t = topology({ partitions: 2 });
      await log.ensureTopics(referenceTopicsOf(t).map((name) => ({ name, partitions: 2 })));
      // the records of a delivery as the log holds them: appended, each where its key put it
      const append = async (e: LogEvent): Promise<LogEvent> => {
        const topic = t.topicFor(e.topic.endsWith('area-level') ? 'area-level' : 'area');
        const [at] = await log.append(topic, [{ key: e.key, value: e.value }]);
        return { ...e, topic, partition: at!.partition, offset: at!.offset };
      };
      const levels = [await append(level('GEMEINDE', null)), await append(level('ORTSTEIL', 'GEMEINDE'))];
      const root = await append(area('GEMEINDE', '0', null));
      // Ortsteile until one lies in the other partition than the root
      const ortsteile: LogEvent[] = [];
      for (let code = 1; !ortsteile.some((o) => o.partition !== root.partition); code++) ortsteile.push(await append(area('ORTSTEIL', String(code), '0')));
      const all = [...levels, root, ...ortsteile];
      const projection = deliveredReferenceProjection({ store, reference, warehouse: wh, codec, topology: t, eventLog: log });
      const batch = (topicEnd: string, partition: number) => all.filter((e) => e.topic.endsWith(topicEnd) && e.partition === partition).sort((a, b) => Number(a.offset - b.offset));
      const other = 1 - root.partition;
      // the root's partition first: an Ortsteil is still in the other one, the pack stays
      for (const topicEnd of ['area-level', 'area']) if (batch(topicEnd, root.partition).length > 0) await projection.apply(batch(topicEnd, root.partition));
      expect(reference.hierarchyLevels.join(',')).toBe(packLevels);
      // then the rest: now the delivered reference is the tenant's, with every Ortsteil
      for (const topicEnd of ['area-level', 'area']) if (batch(topicEnd, other).length > 0) await projection.apply(batch(topicEnd, other));
      expect(reference.hierarchyLevels).toEqual(['GEMEINDE', 'ORTSTEIL']);
      expect(reference.areas('ORTSTEIL').map((a) => a.code)).toEqual(ortsteile.map((o) => JSON.parse(JSON.stringify(codec.decodeAs(o.value).event)).payload.code).sort());
    } finally {
      await log.close();
      await db.close();
    }
  }, 60_000);
});
