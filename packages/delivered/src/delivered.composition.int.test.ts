// The composition of a tenant's delivered data on real engines (embedded log, PGlite, chDB): the
// writer (platform or standalone aggregator) projects the records, replaces its reference and
// catalogue, reloads the area map and tells its reader cache and index recomputation; a reader
// (standalone gateway or ingestion) over the same database creates and writes nothing, serves the
// pack's until the writer applied something, and takes over exactly what the writer applied.
import { resolve } from 'node:path';
import { openPgliteDatabase } from '@sp/database-pglite';
import { openEmbeddedEventLog } from '@sp/eventlog-embedded';
import { EventCodec, type RecordEvent, type RecordType, SchemaRegistry, topology } from '@sp/events';
import { aDataset, anArea, anAreaLevel, anIndicatorDefinition } from '@sp/events/testing';
import { FeedCatalogue } from '@sp/feeds';
import { migrateWarehouse } from '@sp/indicator-store';
import { loadCatalogue } from '@sp/indicators';
import { type Database, type EventLog, eventLogDeadLetters, type RunningProjection, type Warehouse } from '@sp/ports';
import { builtInReferenceDir, loadReference } from '@sp/spatial';
import { tempDir, waitFor } from '@sp/testing';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDeliveredReader, openDeliveredWriter } from './delivered.composition.js';

const codec = new EventCodec(SchemaRegistry.load());
const records = topology({ partitions: 2 });
const musterstadt = () => loadReference(resolve(builtInReferenceDir, 'fixtures/musterstadt.yaml'));
const kinder = {
  code: 'kinder',
  version: 1,
  kind: 'count',
  name: 'Kinder unter 3',
  definition: 'Einwohner im Alter 0 bis unter 3',
  unit: 'Personen',
  amt: 'statistik',
  polarity: 0,
  updateInterval: 'jährlich',
  synthetic: false,
  dataset: 'bevoelkerung',
  measure: 'einwohner_alter',
  dimensions: { alter: ['0-3'] },
  sourceLevel: 'ORTSTEIL',
};

describe('the delivered data: one writer, readers that follow it', () => {
  let database: Database;
  let warehouse: Warehouse;
  let log: EventLog;
  const running: RunningProjection[] = [];
  let at = Date.UTC(2026, 11, 3);

  const append = async <T extends RecordType>(recordType: T, payload: { key: string }) => {
    const { key } = payload;
    const event = { key, version: 1, recordType, amt: 'statistik', deliveryId: `d${at}`, deliveredAt: at++, deliveredBy: 'test', tombstone: false, payload } as unknown as RecordEvent<T>;
    await log.append(records.topicFor(recordType), [{ key, value: codec.encode(recordType, 1, event) }]);
  };
  const tableExists = async (name: string) => (await database.query<{ present: boolean }>(`SELECT to_regclass('${name}') IS NOT NULL AS present`)).rows[0]!.present;
  const areaMap = async () =>
    (await warehouse.query<{ child_level: string; child_code: string; level: string }>('SELECT child_level, child_code, level FROM area_map ORDER BY child_level, child_code, level')).map(
      (r) => `${r.child_level} ${r.child_code} → ${r.level}`,
    );

  beforeAll(async () => {
    database = await openPgliteDatabase({ dataDir: tempDir('sp-delivered-pg-') });
    warehouse = openChdbWarehouse({ path: tempDir('sp-delivered-wh-') });
    await migrateWarehouse(warehouse);
    log = await openEmbeddedEventLog({ dir: tempDir('sp-delivered-log-') });
  }, 120_000);
  afterAll(async () => {
    for (const r of running) await r.stop();
    await log?.close();
    await database?.close();
    await warehouse?.close();
  });

  it('serves the pack until the writer applied a delivery, then follows what it applied', async () => {
    // a reader started before the writer: the pack's reference, and no table made
    const readerReference = musterstadt();
    const readerCatalogue = loadCatalogue();
    const readerFeeds = FeedCatalogue.load();
    const reader = await openDeliveredReader({ database, reference: readerReference, catalogue: readerCatalogue, feeds: readerFeeds });
    expect(reader.applied).toEqual({ reference: false, catalogue: false, datasets: false });
    expect(await tableExists('delivered_data_revisions')).toBe(false);
    expect(await tableExists('delivered_area_levels')).toBe(false);
    const told: string[] = [];
    const follower = reader.follow({ intervalMs: 60_000, onChanged: (kind) => void told.push(kind) });

    // the writer: the pack's area map at start
    const reference = musterstadt();
    const catalogue = loadCatalogue();
    const feeds = FeedCatalogue.load();
    const lines: string[] = [];
    const writer = await openDeliveredWriter({ database, reference, catalogue, feeds, warehouse, log: (line) => void lines.push(line) });
    expect(writer.applied).toEqual({ reference: false, catalogue: false, datasets: false });
    expect(await areaMap()).toContain('SOZIALRAUM 1 → STADT');
    // a second replica of the writer, whose batches bring nothing: it takes over what the first applied
    const replicaReference = musterstadt();
    const replica = await openDeliveredWriter({ database, reference: replicaReference, catalogue: loadCatalogue(), warehouse });
    const replicaFollows = replica.follow({ intervalMs: 60_000, onChanged: () => undefined });
    const ownFollow = writer.follow({ intervalMs: 60_000, onChanged: () => undefined });
    const cleared: string[] = [];
    let recomputations = 0;
    const projections = writer.projections({
      eventLog: log,
      codec,
      topology: records,
      runner: { deadLetters: eventLogDeadLetters(log), log: () => undefined },
      reader: { clearCache: () => void cleared.push('reader') },
      indices: {
        definitionsChanged: async () => {
          recomputations++;
        },
      },
      onChanged: (kind) => void cleared.push(kind),
    });
    await log.ensureTopics(projections.topics.map((name) => ({ name, partitions: records.partitions })));
    running.push(await projections.reference('reference'), await projections.definitions('catalogue'), await projections.datasets!('datasets'));
    expect(await follower.check()).toEqual([]);

    // a reform: the town's own levels and areas, the root last
    await append('area-level', anAreaLevel({ level: 'GEMEINDE' }));
    await append('area-level', anAreaLevel({ level: 'ORTSTEIL', label: 'Ortsteil', parentLevel: 'GEMEINDE' }));
    for (const code of ['1', '2']) await append('area', anArea({ level: 'ORTSTEIL', code, name: `Ortsteil ${code}`, parent: '0' }));
    await append('area', anArea({ level: 'GEMEINDE', code: '0', name: 'Musterstadt' }));
    await waitFor(() => reference.hierarchyLevels.join() === 'GEMEINDE,ORTSTEIL' && reference.areas('ORTSTEIL').length === 2, { timeoutMs: 30_000 });
    await waitFor(async () => (await areaMap()).includes('ORTSTEIL 2 → GEMEINDE'), { timeoutMs: 10_000 });
    expect(await areaMap()).not.toContain('SOZIALRAUM 1 → STADT');
    expect(cleared).toEqual(expect.arrayContaining(['reader', 'reference']));
    expect(recomputations).toBeGreaterThan(0);
    // the writer does not take its own change over again; the other replica does
    expect(await ownFollow.check()).toEqual([]);
    expect(await replicaFollows.check()).toEqual(['reference']);
    expect(replicaReference.hierarchyLevels).toEqual(['GEMEINDE', 'ORTSTEIL']);
    ownFollow.stop();
    replicaFollows.stop();

    // the reader: the writer's reference at its next look, told once; it wrote nothing
    const areaMapBefore = await areaMap();
    await waitFor(async () => (await follower.check()).includes('reference'), { timeoutMs: 10_000 });
    expect(readerReference.hierarchyLevels).toEqual(['GEMEINDE', 'ORTSTEIL']);
    expect(readerReference.areas('ORTSTEIL').map((a) => a.code)).toEqual(['1', '2']);
    expect(readerReference.name).toBe('Musterstadt');
    expect(told).toEqual(['reference']);
    expect(await follower.check()).toEqual([]);
    expect(await areaMap()).toEqual(areaMapBefore);

    // a delivered definition: the writer's catalogue, then the reader's
    expect(readerCatalogue.get('kinder')).toBeUndefined();
    await append('indicator-definition', anIndicatorDefinition({ code: 'kinder', kind: 'count', spec: JSON.stringify(kinder) }));
    await waitFor(() => catalogue.get('kinder') !== undefined, { timeoutMs: 30_000 }).catch((e: Error) => {
      throw new Error(`${e.message}; the writer said: ${lines.join(' | ')}`);
    });
    await waitFor(async () => (await follower.check()).includes('catalogue'), { timeoutMs: 10_000 });
    expect(readerCatalogue.get('kinder')?.name).toBe('Kinder unter 3');
    expect(told).toEqual(['reference', 'catalogue']);

    // a delivered dataset with its grant: the writer's feed catalogue and datasets, then the reader's
    expect(readerFeeds.hasDataset('kitaplaetze')).toBe(false);
    await append('dataset', aDataset({ code: 'kitaplaetze', levels: ['ORTSTEIL'], amts: ['jugendamt'] }));
    await waitFor(() => feeds.hasDataset('kitaplaetze') && catalogue.datasets.kitaplaetze !== undefined, { timeoutMs: 30_000 });
    await waitFor(async () => (await follower.check()).includes('datasets'), { timeoutMs: 10_000 });
    expect(readerFeeds.datasetsOf('jugendamt')).toContain('kitaplaetze');
    expect(readerCatalogue.datasets.kitaplaetze).toMatchObject({ name: 'Kita-Plätze', confidentiality: 'public' });
    // the definitions delivered before stay over the new datasets
    expect(readerCatalogue.get('kinder')?.name).toBe('Kinder unter 3');
    expect(told).toEqual(['reference', 'catalogue', 'datasets']);

    // a reader started now takes all three over at once
    const lateFeeds = FeedCatalogue.load();
    const late = await openDeliveredReader({ database, reference: musterstadt(), catalogue: loadCatalogue(), feeds: lateFeeds });
    expect(late.applied).toEqual({ reference: true, catalogue: true, datasets: true });
    expect(lateFeeds.hasDataset('kitaplaetze')).toBe(true);
    follower.stop();
  }, 90_000);
});
