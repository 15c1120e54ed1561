// The delivery readers' worker threads (delivery.readers.ts) read a delivery exactly as the service's
// thread would, against the tenant's state as the thread holds it when the delivery is handed over:
// a change of the spatial reference (AreaReference.replaceWith) or of the feed catalogue
// (FeedCatalogue.replaceWith) is seen by the very next delivery, never a stale copy. Runs the built
// worker (dist/delivery.worker.js, built with the workspace before the tests).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPgliteDatabase, type PgliteDatabase } from '@sp/database-pglite';
import { openEmbeddedEventLog, type EmbeddedEventLog } from '@sp/eventlog-embedded';
import { defaultSchemasDir, SchemaRegistry, topology } from '@sp/events';
import { anAreaStatistic } from '@sp/events/testing';
import { FeedCatalogue, Taxonomy, validateRecords } from '@sp/feeds';
import { loadCatalogue } from '@sp/indicators';
import { AreaReference, loadReference } from '@sp/spatial';
import { tempDir } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRecords, parseBody } from './delivery.read.js';
import { DeliveryReaders, type ReadAnswer } from './delivery.readers.js';
import { generateApiKey, hashApiKey } from './api-keys.js';
import { createIngestionApp } from './ingestion.app.js';
import { controllingPlanningCheck } from './planning-check.adapter.js';
import { spatialChecksFrom } from './spatial-checks.adapter.js';

const registry = SchemaRegistry.load();
const taxonomy = Taxonomy.load();
const schema = { id: registry.latest('area-statistic').id, version: registry.latest('area-statistic').version };
const now = new Date('2026-12-05T04:00:00Z');
const SECRET = 'a-record-key-secret-of-a-tenant';

/** Köln's reference with the Stadtteil `code` left out (another revision of the tenant's reference). */
function without(full: AreaReference, code: string): AreaReference {
  const levels = [...full.hierarchyLevels, ...full.planningLevels];
  return new AreaReference({
    id: full.id,
    name: full.name,
    hierarchyLevels: [...full.hierarchyLevels],
    planningLevels: [...full.planningLevels],
    coverage: {},
    areas: levels.flatMap((level) => full.areas(level, { all: true })).filter((a) => !(a.level === 'STADTTEIL' && a.code === code)),
  });
}

function body(records: unknown[]): Buffer {
  return Buffer.from(JSON.stringify({ records }));
}

let readers: DeliveryReaders;
beforeAll(() => {
  const started = DeliveryReaders.start(1, { schemasDir: registry.dir, taxonomy: taxonomy.file, recordKeySecret: SECRET });
  if (!started) throw new Error('no built worker: build the workspace first (pnpm build)');
  readers = started;
});
afterAll(() => readers?.close());

describe('delivery readers', () => {
  it('read a delivery as the thread would: the same items, the same bytes and hashes, the same rejection', async () => {
    const reference = loadReference('koeln');
    const spatial = spatialChecksFrom(reference);
    const feeds = FeedCatalogue.load();
    const state = { feeds, spatial };
    const ctx = { amt: 'statistik', catalogue: feeds, taxonomy, spatial, now };
    const good = body([anAreaStatistic({ areaCode: '101' }), anAreaStatistic({ areaCode: '102', period: '2013' })]);
    const onThread = (() => {
      const parsed = parseBody('area-statistic', 'json', Buffer.from(good));
      if (!parsed.ok) throw new Error('not parsed');
      const validated = validateRecords('area-statistic', parsed.rows, ctx);
      if (!validated.ok) throw new Error('not valid');
      return encodeRecords(registry, 'area-statistic', validated.records, SECRET);
    })();
    // the first body a reader gets is copied (a reader that fails to start would take it along), later ones are handed over
    const first = Buffer.alloc(good.length);
    good.copy(first);
    expect((await readers.read({ recordType: 'area-statistic', format: 'json', body: first, amt: 'statistik', now, schema }, state)).outcome.kind).toBe('read');
    expect(first.equals(good)).toBe(true);
    const sent = Buffer.alloc(good.length); // a buffer of its own, as a body above 4 KiB is (Buffer.concat)
    good.copy(sent);
    const answer = await readers.read({ recordType: 'area-statistic', format: 'json', body: sent, amt: 'statistik', now, schema }, state);
    expect(sent.byteLength).toBe(0); // handed over, not copied
    expect(Buffer.from(answer.body).equals(good)).toBe(true); // and handed back
    const { outcome } = answer;
    if (outcome.kind !== 'read') throw new Error(`not read: ${JSON.stringify(outcome)}`);
    expect(outcome.keys).toEqual(onThread.map((i) => i.key));
    expect(outcome.versions).toEqual(onThread.map((i) => i.version));
    expect(outcome.rows).toEqual(onThread.map((i) => i.row));
    expect(outcome.hashes).toEqual(onThread.map((i) => i.hash));
    expect(Buffer.from(outcome.bytes).equals(Buffer.concat(onThread.map((i) => i.payloadBytes!)))).toBe(true);

    const bad = body([anAreaStatistic({ areaCode: '999' }), { ...anAreaStatistic({ period: '2999' }), observations: 'none' }, 'x']);
    const expected = (() => {
      const parsed = parseBody('area-statistic', 'json', bad);
      if (!parsed.ok) return parsed.errors;
      const validated = validateRecords('area-statistic', parsed.rows, ctx);
      return validated.ok ? [] : validated.errors;
    })();
    expect(expected.length).toBeGreaterThan(2);
    const rejected = await readers.read({ recordType: 'area-statistic', format: 'json', body: Buffer.from(bad), amt: 'statistik', now, schema }, state);
    expect(rejected.outcome).toEqual({ kind: 'rejected', errors: expected });
  });

  it('validate against the reference and the feed catalogue as they are at hand-over, never a stale copy', async () => {
    const reference = loadReference('koeln');
    const full = loadReference('koeln');
    const spatial = spatialChecksFrom(reference);
    const feeds = FeedCatalogue.load();
    const state = { feeds, spatial };
    const read = (areaCode: string, period: string) =>
      readers.read({ recordType: 'area-statistic', format: 'json', body: body([anAreaStatistic({ areaCode, period })]), amt: 'statistik', now, schema }, state);
    const codes = (a: ReadAnswer) => (a.outcome.kind === 'rejected' ? a.outcome.errors.map((e) => e.code) : a.outcome.kind);

    expect(codes(await read('101', '2012'))).toBe('read');
    // the tenant's reference loses Stadtteil 101: invalid under the new reference only
    reference.replaceWith(without(full, '101'));
    expect(codes(await read('101', '2013'))).toEqual(['UNKNOWN_AREA']);
    // and gets it back: valid under the new reference only
    reference.replaceWith(loadReference('koeln'));
    expect(codes(await read('101', '2014'))).toBe('read');
    // handed over at once, before the reader answered the first: each read against its own state
    const first = read('102', '2012');
    reference.replaceWith(without(full, '102'));
    const second = read('102', '2013');
    expect([codes(await first), codes(await second)]).toEqual(['read', ['UNKNOWN_AREA']]);

    // the feed catalogue no longer lets statistik deliver bevoelkerung (a change replaces its file)
    feeds.replaceWith(feeds.withAmts([{ code: 'statistik', name: 'Statistik', recordTypes: ['area-statistic'], datasets: [] }]));
    expect(codes(await read('103', '2012'))).toEqual(['DATASET_NOT_ALLOWED']);
    feeds.replaceWith(FeedCatalogue.load());
    expect(codes(await read('103', '2012'))).toBe('read');
  });
});

describe('the ingestion API with and without a delivery reader (embedded log, PGlite)', () => {
  it.each([
    { readWorkers: 1, inReader: true },
    { readWorkers: 0, inReader: false }, // on the service's thread, as without a built worker
  ])(
    'reads area statistics against the reference as it is when each delivery arrives (readWorkers $readWorkers)',
    async ({ readWorkers, inReader }) => {
      const dir = tempDir('sp-readers-');
      const eventLog: EmbeddedEventLog = await openEmbeddedEventLog({ dir: join(dir, 'eventlog') });
      const database: PgliteDatabase = await openPgliteDatabase({ dataDir: join(dir, 'postgres') });
      const reference = loadReference('koeln');
      const full = loadReference('koeln');
      const key = generateApiKey('statistik-readers');
      const app = await createIngestionApp({
        eventLog,
        database,
        spatial: spatialChecksFrom(reference),
        config: { apiKeys: [{ id: 'statistik-readers', amt: 'statistik', hash: hashApiKey(key) }], readWorkers },
        topology: topology({ partitions: 2 }),
        planningCheck: controllingPlanningCheck(),
        indicatorCodes: loadCatalogue()
          .latest()
          .map((i) => i.code),
      });
      try {
        await app.listen(0, '127.0.0.1');
        const url = `${await app.getUrl()}/v1/deliveries/area-statistic`;
        const post = async (areaCode: string, period: string) => {
          const res = await fetch(url, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify({ records: [anAreaStatistic({ areaCode, period })] }),
          });
          const answer = (await res.json()) as { errors?: { code: string }[] };
          return { status: res.status, timing: res.headers.get('server-timing') ?? '', codes: answer.errors?.map((e) => e.code) };
        };
        const first = await post('104', '2012');
        expect(first.status).toBe(200);
        // the reader's wait is the phase "read" (Server-Timing), beside its parse, validate and encode
        expect(/(^|, )read;dur=/.test(first.timing)).toBe(inReader);
        expect(first.timing).toMatch(/(^|, )validate;dur=/);
        reference.replaceWith(without(full, '104'));
        expect(await post('104', '2013')).toMatchObject({ status: 422, codes: ['UNKNOWN_AREA'] });
        reference.replaceWith(loadReference('koeln'));
        const back = await post('104', '2014');
        expect(back.status).toBe(200);
        expect(/(^|, )read;dur=/.test(back.timing)).toBe(inReader);
      } finally {
        await app.close();
        await eventLog.close();
        await database.close();
      }
    },
    60_000,
  );

  it('reads a delivery on the thread, from the body handed back, when the reader refuses it (its latest schema is not the thread’s)', async () => {
    const dir = tempDir('sp-readers-refused-');
    const schemas = mkdtempSync(join(tmpdir(), 'sp-readers-schemas-'));
    cpSync(defaultSchemasDir(), schemas, { recursive: true });
    const registry = SchemaRegistry.load(schemas);
    const eventLog = await openEmbeddedEventLog({ dir: join(dir, 'eventlog') });
    const database = await openPgliteDatabase({ dataDir: join(dir, 'postgres') });
    const key = generateApiKey('statistik-refused');
    const app = await createIngestionApp({
      eventLog,
      database,
      spatial: spatialChecksFrom(loadReference('koeln')),
      config: { apiKeys: [{ id: 'statistik-refused', amt: 'statistik', hash: hashApiKey(key) }], readWorkers: 1 },
      topology: topology({ partitions: 2 }),
      registry,
      planningCheck: controllingPlanningCheck(),
      indicatorCodes: loadCatalogue()
        .latest()
        .map((i) => i.code),
    });
    try {
      // a version published after the service loaded its registry, before the reader starts (at the first delivery)
      const current = registry.latest('area-statistic').version;
      const schema = JSON.parse(readFileSync(join(schemas, `area-statistic/v${current}.avsc`), 'utf8'));
      schema.fields.push({ name: 'quality', type: 'string', default: 'amtlich' });
      writeFileSync(join(schemas, `area-statistic/v${current + 1}.avsc`), JSON.stringify(schema, null, 2));
      execFileSync(process.execPath, [join(schemas, 'register.mjs'), 'area-statistic', String(current + 1)]);
      const res = await app.inject({
        method: 'POST',
        url: '/v1/deliveries/area-statistic',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ records: [anAreaStatistic({ areaCode: '105' })] }),
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().schema).toEqual({ id: registry.latest('area-statistic').id, version: current });
      const timing = String(res.headers['server-timing']);
      expect(timing).not.toMatch(/(^|, )read;dur=/);
      expect(timing).toMatch(/(^|, )validate;dur=/);
    } finally {
      await app.close();
      await eventLog.close();
      await database.close();
    }
  }, 60_000);
});
