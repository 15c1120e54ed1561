// The aggregator on the embedded engines: it consumes area-statistic events from the log into the
// warehouse incrementally, and rebuild() replays the log from the start into identical tables —
// cells and composite index values, the latter computed once at the end of the replay.
import { EventCodec, SchemaRegistry, defaultTopology, type RecordEvent } from '@sp/events';
import { anAreaStatistic, anEvent } from '@sp/events/testing';
import { openEmbeddedEventLog } from '@sp/eventlog-embedded';
import { IndexProjector, loadAreaMap, migrateWarehouse, tenantIndicatorReader, type ProjectionResult } from '@sp/indicator-store';
import type { EventLog, Warehouse } from '@sp/ports';
import { tempDir } from '@sp/testing';
import { type ChdbWarehouse, openChdbWarehouse } from '@sp/warehouse-chdb';
import { stadtteilAreaMap } from '@sp/indicator-store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamikCatalogue } from './dynamik-catalogue.fixture.js';
import { demoReferenceName, loadReference } from '@sp/spatial';
import { indicatorProjection } from './aggregator.composition.js';
import { IndexRecomputation, type IndexRecomputationOptions } from './index-recomputation.js';

// a yearly population, a monthly count, and an index over the rate and its 12-month change
const catalogue = dynamikCatalogue;

/** index projector stand-in for the recomputation loop's tests: records the periods of each pass */
function recordingIndices(): { passes: string[][]; indices: IndexProjector } {
  const passes: string[][] = [];
  const indices = {
    affects: () => true,
    recompute: async (periods: string[]) => {
      passes.push([...periods]);
    },
  } as unknown as IndexProjector;
  return { passes, indices };
}

describe('aggregator on the embedded event log and chDB', () => {
  let log: EventLog;
  let wh: ChdbWarehouse;
  const codec = new EventCodec(SchemaRegistry.load());
  const topic = defaultTopology.topicFor('area-statistic');

  beforeAll(async () => {
    log = await openEmbeddedEventLog({ dir: tempDir('sp-agg-log-') });
    wh = await openChdbWarehouse({ path: tempDir('sp-agg-wh-') });
    await migrateWarehouse(wh);
    await loadAreaMap(wh, stadtteilAreaMap(['101', '102', '103']));
    await log.ensureTopics([{ name: topic, partitions: 2 }]);
  });
  afterAll(async () => {
    await log?.close();
    await wh?.close();
  });

  const event = (area: string, period: string, version: number, value: number | null, at: number, dataset = 'bevoelkerung'): RecordEvent<'area-statistic'> => {
    const measure = dataset === 'sgb2' ? 'sgb2_personen' : 'einwohner';
    const payload = anAreaStatistic({ dataset, areaCode: area, period, version, observations: [{ measure, dimensions: {}, value: value ?? 0 }] });
    return anEvent('area-statistic', value === null ? null : payload, { key: payload.key, version, amt: 'statistik', deliveryId: `d${at}`, deliveredAt: at, deliveredBy: 'test' });
  };
  const sgb2 = (area: string, period: string, version: number, value: number, at: number) => event(area, period, version, value, at, 'sgb2');
  const append = (events: RecordEvent<'area-statistic'>[]) =>
    log.append(
      topic,
      events.map((e) => ({ key: e.key, value: codec.encode('area-statistic', 1, e), headers: codec.headers('area-statistic', 1, e) })),
    );
  const cells = () =>
    wh.query<{ leaf_key: string; measure: string; value: number; known_at_ms: string }>('SELECT leaf_key, measure, value, known_at_ms FROM cells FINAL WHERE present = 1 ORDER BY leaf_key, measure');
  const indexValues = () =>
    wh.query<{ period: string; area_code: string; score: number | null; scored: number; computed_from_ms: string }>(
      'SELECT index_code, definition_version, area_level, area_code, period, score, class, scored, computed_from_ms FROM index_values FINAL ORDER BY period, area_code',
    );

  it('projects incrementally and rebuilds identical cells and index values from the log, computing indices once', async () => {
    // wired as the standalone aggregator (main.ts) and the platform wire it: one composition
    const reference = loadReference(demoReferenceName);
    const derived: ProjectionResult[] = [];
    const aggregator = indicatorProjection(
      { eventLog: log, warehouse: wh, codec, reference, catalogue, reader: tenantIndicatorReader(wh, { reference, catalogue }), projection: {} },
      {
        maxBatchSize: 3,
        afterProjection: async (result) => {
          derived.push(result);
        },
      },
    );
    await aggregator.start();
    const t = Date.UTC(2025, 0, 1);
    await append([event('101', '2011', 1, 1000, t), event('102', '2011', 1, 2000, t + 1), event('103', '2011', 1, 500, t + 2)]);
    await aggregator.caughtUp();
    await append([event('101', '2011', 2, 1100, t + 10), event('103', '2011', 2, null, t + 11), event('101', '2012', 1, 1200, t + 12)]);
    await aggregator.caughtUp();
    const bevoelkerung = (await cells()).filter((c) => c.leaf_key.startsWith('bevoelkerung|'));
    expect(bevoelkerung.map((c) => [c.leaf_key, c.value])).toEqual([
      ['bevoelkerung|STADTTEIL|101|2011', 1100],
      ['bevoelkerung|STADTTEIL|101|2012', 1200],
      ['bevoelkerung|STADTTEIL|102|2011', 2000],
    ]);
    await append([
      event('102', '2012', 1, 2100, t + 20),
      event('103', '2012', 1, 600, t + 21),
      ...[
        ['101', 100, 130],
        ['102', 300, 280],
        ['103', 40, 60],
      ].flatMap(([area, dec2011, dec2012], i) => [sgb2(area as string, '2011-12', 1, dec2011 as number, t + 30 + i), sgb2(area as string, '2012-12', 1, dec2012 as number, t + 40 + i)]),
    ]);
    await aggregator.caughtUp();
    // a correction of December 2011 alone: live, it must reach the index of 2012 as well
    await append([sgb2('101', '2011-12', 2, 90, t + 50)]);
    await aggregator.caughtUp();
    const incremental = { cells: await cells(), indexValues: await indexValues() };
    const scored2012 = incremental.indexValues.filter((r) => r.period === '2012' && r.scored === 1);
    expect(scored2012.map((r) => r.area_code)).toEqual(['101', '102']); // 103 has no 2011 quote (population withdrawn)
    expect(scored2012.every((r) => Number(r.computed_from_ms) === t + 50)).toBe(true);

    derived.length = 0;
    const { events } = await aggregator.rebuild();
    expect(events).toBe(15);
    expect(await cells()).toEqual(incremental.cells);
    expect(await indexValues()).toEqual(incremental.indexValues);
    // derived results once, for every period of the replay
    expect(derived).toHaveLength(1);
    expect(derived[0]).toMatchObject({ events: 15, touchedPeriods: ['2011', '2011-12', '2012', '2012-12'] });

    // live consumption goes on after the rebuild, with derived results per batch again
    await append([event('102', '2013', 1, 2200, t + 60)]);
    await aggregator.caughtUp();
    expect((await cells()).map((c) => c.leaf_key)).toContain('bevoelkerung|STADTTEIL|102|2013');
    expect(derived.length).toBeGreaterThan(1);
    await aggregator.stop();
  });

  it('recomputes the indices a crashed process noted as due and did not recompute, at the next start', async () => {
    const reference = loadReference(demoReferenceName);
    const before = await indexValues();
    expect(before.some((r) => r.period === '2012' && r.scored === 1)).toBe(true);
    // the state a crash leaves between a batch (cells projected, periods noted, offsets committed) and its recomputation
    await wh.command(`DELETE FROM index_values WHERE period = '2012'`);
    await wh.insert('index_pending', [{ period: '2012-12', noted_at_ms: Date.now() }]);
    const recomputed: string[][] = [];
    const aggregator = indicatorProjection(
      { eventLog: log, warehouse: wh, codec, reference, catalogue, reader: tenantIndicatorReader(wh, { reference, catalogue }), projection: {} },
      {
        maxBatchSize: 3,
        afterProjection: async (result) => {
          if (result.indicesRecomputed) recomputed.push(result.touchedPeriods);
        },
      },
    );
    await aggregator.start();
    await aggregator.caughtUp();
    await aggregator.stop();
    expect(await wh.query('SELECT count() AS n FROM index_pending')).toEqual([{ n: '0' }]);
    expect(recomputed).toEqual([['2012-12']]);
    expect(await indexValues()).toEqual(before);
  });

  it('writes a due period once until the loop has read it, and recomputes it through the background lane', async () => {
    const reference = loadReference(demoReferenceName);
    const before = await indexValues();
    await wh.command(`DELETE FROM index_values WHERE period = '2012'`);
    // the batches note through the projection's lane (counted), the loop reads and writes through the background lane
    const urgent = wh.urgent();
    let notes = 0;
    const counted: Warehouse = {
      query: (sql, params, options) => urgent.query(sql, params, options),
      command: (sql, params) => urgent.command(sql, params),
      insert: (table, rows) => {
        if (table === 'index_pending') notes++;
        return urgent.insert(table, rows);
      },
      insertFormatted: (table, insert) => urgent.insertFormatted(table, insert),
      close: () => Promise.resolve(),
    };
    const background = wh.background();
    const indices = new IndexProjector(background, tenantIndicatorReader(background, { reference, catalogue }), catalogue, {
      levels: () => [...reference.hierarchyLevels, ...reference.planningLevels],
    });
    const recomputation = new IndexRecomputation(background, indices, { notes: counted });
    // a GraphQL read runs; another waits: the loop's read of what is due comes after both
    const reads = [wh.query('SELECT sleep(0.5) AS s'), wh.query('SELECT sleep(1) AS s')];
    await recomputation.note(['2012-12']); // written; starts the loop, which clears what it knows was noted
    for (let i = 0; i < 4; i++) await recomputation.note(['2012-12']); // the first written again, the rest not
    expect(notes).toBe(2);
    await Promise.all(reads);
    await recomputation.idle(30_000);
    await expect.poll(() => wh.query('SELECT count() AS n FROM index_pending'), { timeout: 10_000 }).toEqual([{ n: '0' }]); // the loop's deletes do not wait for their mutation
    expect(await indexValues()).toEqual(before);
  });

  it('recomputes a period again for a batch that skipped its note while a pass had read and was about to delete the row it relied on', async () => {
    await wh.command('DELETE FROM index_pending WHERE 1');
    const deferred = () => {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      return { promise, resolve };
    };
    const readIssued = deferred();
    const releaseRead = deferred();
    const recomputing = deferred();
    const releaseRecompute = deferred();
    let reads = 0;
    // the loop's warehouse: its first read of what is due waits until the test lets it run
    const loopWarehouse: Warehouse = {
      query: async (sql, params, options) => {
        if (/FROM index_pending .*GROUP BY/.test(sql) && reads++ === 0) {
          readIssued.resolve();
          await releaseRead.promise;
        }
        return wh.query(sql, params, options);
      },
      command: (sql, params) => wh.command(sql, params),
      insert: (table, rows) => wh.insert(table, rows),
      insertFormatted: (table, insert) => wh.insertFormatted(table, insert),
      close: () => Promise.resolve(),
    };
    let secondBatchNoted = false;
    const calls: { periods: string[]; afterSecondBatch: boolean }[] = [];
    // what is recomputed when (the inputs are read at the call): the first pass waits inside
    const indices = {
      affects: () => true,
      recompute: async (periods: string[]) => {
        calls.push({ periods: [...periods], afterSecondBatch: secondBatchNoted });
        if (calls.length === 1) {
          recomputing.resolve();
          await releaseRecompute.promise;
        }
      },
    } as unknown as IndexProjector;
    const recomputation = new IndexRecomputation(loopWarehouse, indices, { notes: wh });
    recomputation.kick(); // a pass issues its read …
    await readIssued.promise;
    await recomputation.note(['2013-12']); // … a batch notes its period, the row lands before the read runs
    releaseRead.resolve();
    await recomputing.promise; // the pass read the row and recomputes from the cells as they are now
    secondBatchNoted = true;
    await recomputation.note(['2013-12']); // a later batch's cells: its note is skipped, the row stands for it
    releaseRecompute.resolve();
    await recomputation.idle(30_000);
    // old code: the first pass deleted the row it read, the skipped batch was never recomputed
    expect(calls.filter((c) => c.afterSecondBatch && c.periods.includes('2013-12'))).toHaveLength(1);
    await expect.poll(() => wh.query('SELECT count() AS n FROM index_pending'), { timeout: 10_000 }).toEqual([{ n: '0' }]); // the loop's deletes do not wait for their mutation
  });

  it('bounds each pass to a few due periods, the longest-waiting first, and loses no note: every noted period is recomputed by a pass that began after its note', async () => {
    await wh.command('DELETE FROM index_pending WHERE 1');
    const passes: { periods: string[]; at: number }[] = [];
    // a recomputation that takes a while, so that batches note (and skip notes) while passes run
    const indices = {
      affects: () => true,
      recompute: async (periods: string[]) => {
        passes.push({ periods: [...periods], at: performance.now() });
        await new Promise((r) => setTimeout(r, 15 + (passes.length % 3) * 10));
      },
    } as unknown as IndexProjector;
    // the loop's statements, counted: the rows it recomputed are deleted in one statement at the end, not one per pass
    let deletes = 0;
    const counted: Warehouse = {
      query: (sql, params, options) => wh.query(sql, params, options),
      command: (sql, params) => {
        if (/DELETE FROM index_pending/.test(sql)) deletes++;
        return wh.command(sql, params);
      },
      insert: (table, rows) => wh.insert(table, rows),
      insertFormatted: (table, insert) => wh.insertFormatted(table, insert),
      close: () => Promise.resolve(),
    };
    const recomputation = new IndexRecomputation(counted, indices, { notes: wh, passPeriods: 2, deleteEveryMs: 60_000 });
    // six batches at a time, each noting one or two of eight periods, again and again: most notes
    // find their period already noted and skip the write, some while a pass that did not take it runs
    const periods = Array.from({ length: 8 }, (_, i) => `${2001 + i}-12`);
    let seed = 17;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const notes: { period: string; at: number }[] = [];
    const batch = async () => {
      for (let i = 0; i < 12; i++) {
        const noted = [periods[random(8)]!, ...(random(2) ? [periods[random(8)]!] : [])];
        await recomputation.note(noted);
        const at = performance.now();
        for (const period of noted) notes.push({ period, at });
        await new Promise((r) => setTimeout(r, random(25)));
      }
    };
    await Promise.all(Array.from({ length: 6 }, batch));
    await recomputation.idle(30_000);
    expect(passes.length).toBeGreaterThan(1);
    // old code: one pass took every period that was due
    expect(Math.max(...passes.map((p) => p.periods.length))).toBeLessThanOrEqual(2);
    for (const note of notes)
      expect(
        passes.some((p) => p.at >= note.at && p.periods.includes(note.period)),
        `${note.period} noted at ${note.at}`,
      ).toBe(true);
    await expect.poll(() => wh.query('SELECT count() AS n FROM index_pending'), { timeout: 10_000 }).toEqual([{ n: '0' }]); // the loop's deletes do not wait for their mutation
    // old code: a DELETE (a mutation of the table's parts) after every pass
    expect(deletes).toBeLessThan(passes.length);
    await recomputation.stop();
  });

  it('recomputes at the next start what a process recomputed but had not deleted from index_pending yet', async () => {
    await wh.command('DELETE FROM index_pending WHERE 1');
    const { passes, indices } = recordingIndices();
    // the first process recomputes, and its deletes never land (it crashes before them)
    const crashing: Warehouse = {
      query: (sql, params, options) => wh.query(sql, params, options),
      command: (sql, params) => (/DELETE FROM index_pending/.test(sql) ? Promise.reject(new Error('crashed')) : wh.command(sql, params)),
      insert: (table, rows) => wh.insert(table, rows),
      insertFormatted: (table, insert) => wh.insertFormatted(table, insert),
      close: () => Promise.resolve(),
    };
    const first = new IndexRecomputation(crashing, indices, { passPeriods: 1, log: () => undefined });
    await first.note(['2004-12', '2005-12']);
    while (passes.length < 2) await new Promise((r) => setTimeout(r, 20));
    await first.stop();
    expect(passes).toEqual([['2004-12'], ['2005-12']]);
    expect(await wh.query('SELECT count() AS n FROM index_pending')).toEqual([{ n: '2' }]);
    // the next start: both are due again, recomputed, and deleted
    const next = new IndexRecomputation(wh, indices, { passPeriods: 1 });
    next.kick();
    await next.idle(30_000);
    await next.stop();
    expect(passes.slice(2)).toEqual([['2004-12'], ['2005-12']]);
    expect(await wh.query('SELECT count() AS n FROM index_pending')).toEqual([{ n: '0' }]);
  });

  it('deletes without waiting for the mutation, and does not recompute again what a delete whose mutation is still pending covers', async () => {
    await wh.command('DELETE FROM index_pending WHERE 1');
    const { passes, indices } = recordingIndices();
    // the loop's deletes as a server under load applies them: the mutation lands only by the next
    // delete (each is held back until then); the delete at stop() waits for its own
    const held: (() => Promise<void>)[] = [];
    const deletes: string[] = [];
    const lagging: Warehouse = {
      query: (sql, params, options) => wh.query(sql, params, options),
      command: async (sql, params) => {
        if (!/DELETE FROM index_pending/.test(sql)) return wh.command(sql, params);
        deletes.push(/lightweight_deletes_sync = 0/.test(sql) ? 'async' : 'waits');
        for (const apply of held.splice(0)) await apply();
        // held back, then applied as a whole (waiting for it, as the mutation has landed by then)
        if (/lightweight_deletes_sync = 0/.test(sql)) held.push(() => wh.command(sql.replace(' SETTINGS lightweight_deletes_sync = 0', ''), params));
        else await wh.command(sql, params);
      },
      insert: (table, rows) => wh.insert(table, rows),
      insertFormatted: (table, insert) => wh.insertFormatted(table, insert),
      close: () => Promise.resolve(),
    };
    const recomputation = new IndexRecomputation(lagging, indices, { passPeriods: 1, deleteEveryMs: 0 });
    await recomputation.note(['2006-12', '2007-12']);
    await recomputation.idle(30_000);
    // old code: the periods left what it counted as recomputed when the delete returned, their rows
    // were still there, and each was recomputed again (and again, while the mutation lagged)
    expect(passes).toEqual([['2006-12'], ['2007-12']]);
    // old code: every delete waited for its mutation
    expect(deletes.length).toBeGreaterThan(1);
    expect(deletes.every((d) => d === 'async')).toBe(true);
    await recomputation.stop();
    expect(await wh.query('SELECT count() AS n FROM index_pending')).toEqual([{ n: '0' }]);
    expect(passes).toHaveLength(2);
    // what stop() deletes, it deletes before it returns
    const next = new IndexRecomputation(lagging, indices, { deleteEveryMs: 60_000 });
    await next.note(['2008-12']);
    await next.idle(30_000);
    await next.stop();
    expect(deletes.at(-1)).toBe('waits');
    expect(await wh.query('SELECT count() AS n FROM index_pending')).toEqual([{ n: '0' }]);
  });

  it('takes the longest-waiting periods first in a bounded pass', async () => {
    await wh.command('DELETE FROM index_pending WHERE 1');
    const { passes, indices } = recordingIndices();
    // noted in this order, long ago and in one go: the pass takes the two noted first, in period order
    await wh.insert('index_pending', [
      { period: '2015-12', noted_at_ms: 1000 },
      { period: '2003-12', noted_at_ms: 3000 },
      { period: '2009-12', noted_at_ms: 2000 },
      { period: '2015-12', noted_at_ms: 4000 },
      { period: '2001-12', noted_at_ms: 5000 },
    ]);
    const recomputation = new IndexRecomputation(wh, indices, { passPeriods: 2 });
    recomputation.kick();
    await recomputation.idle(30_000);
    expect(passes).toEqual([
      ['2009-12', '2015-12'],
      ['2001-12', '2003-12'],
    ]);
    await expect.poll(() => wh.query('SELECT count() AS n FROM index_pending'), { timeout: 10_000 }).toEqual([{ n: '0' }]); // the loop's deletes do not wait for their mutation
  });

  /** periods due in index_pending as a backlog leaves them: noted long ago, in the order given */
  const dueBacklog = (periods: readonly string[]) =>
    wh.insert(
      'index_pending',
      periods.map((period, i) => ({ period, noted_at_ms: 1000 + i })),
    );
  /** index passes recorded instead of computed, each with when it began; `during(n)` runs while the n-th pass runs */
  const recordedPasses = (during?: (pass: number) => Promise<void> | void) => {
    const passes: { periods: string[]; at: number }[] = [];
    const indices = {
      affects: () => true,
      recompute: async (periods: string[]) => {
        passes.push({ periods: [...periods], at: performance.now() });
        await during?.(passes.length);
      },
    } as unknown as IndexProjector;
    return { passes, indices };
  };

  /**
   * A backlog of `due` periods worked off by a recomputation with `options`, started by kick(): its
   * passes as recordedPasses() records them. While pass `note.pass` runs, `note.period` is noted by
   * the recomputation itself or, with `note.by`, by another member of its group.
   */
  const workOffBacklog = async (due: readonly string[], options: IndexRecomputationOptions, note: { pass: number; period: string; by?: IndexRecomputation }) => {
    await wh.command('DELETE FROM index_pending WHERE 1');
    let recomputation: IndexRecomputation | undefined;
    const { passes, indices } = recordedPasses(async (pass) => {
      if (pass === note.pass) await (note.by ?? recomputation!).note([note.period]);
    });
    await dueBacklog(due);
    recomputation = new IndexRecomputation(wh, indices, options);
    recomputation.kick();
    await recomputation.idle(30_000);
    await recomputation.stop();
    return passes;
  };

  /**
   * Sixteen due periods, passPeriods 1, maxPassPeriods 3 and a 4,000 ms pause, a batch noting during
   * the third pass: passes of 1, 2, 3 (the bound); after the note 1 again, then 2, 3, 3, and the
   * last one left, in period order; the pause after the third pass only (bounds as in the test
   * below); nothing due at the end.
   */
  const expectGrownAndPausedAfterThird = async (passes: { periods: string[]; at: number }[], due: readonly string[]) => {
    expect(passes.map((p) => p.periods.length)).toEqual([1, 2, 3, 1, 2, 3, 3, 1]);
    expect(passes.flatMap((p) => p.periods)).toEqual(due);
    const gaps = passes.slice(1).map((p, i) => p.at - passes[i]!.at);
    for (const [i, gap] of gaps.entries()) {
      if (i === 2) expect(gap).toBeGreaterThanOrEqual(3900);
      else expect(gap).toBeLessThan(2000);
    }
    expect(await wh.query('SELECT count() AS n FROM index_pending')).toEqual([{ n: '0' }]);
  };

  it('works off a backlog no batch adds to pass after pass, without the pause; pauses again once a batch notes during a pass', async () => {
    // a first load's backlog: six periods due, nothing noting any more; a batch arrives while the
    // fourth pass runs (its period is due already)
    const passes = await workOffBacklog(['2001-12', '2002-12', '2003-12', '2004-12', '2005-12', '2006-12'], { pauseMs: 4000, passPeriods: 1 }, { pass: 4, period: '2006-12' });
    expect(passes.map((p) => p.periods)).toEqual([['2001-12'], ['2002-12'], ['2003-12'], ['2004-12'], ['2005-12'], ['2006-12']]);
    const gaps = passes.slice(1).map((p, i) => p.at - passes[i]!.at);
    // back to back while the backlog lasts (before: the 4,000 ms pause after every pass); the bound
    // is half the pause, far above a pass's own statements even on a loaded machine
    for (const gap of gaps.slice(0, 3)) expect(gap).toBeLessThan(2000);
    // the batch that noted during the fourth pass: the pause is taken, and again not after the fifth
    expect(gaps[3]).toBeGreaterThanOrEqual(3900);
    expect(gaps[4]).toBeLessThan(2000);
    expect(await wh.query('SELECT count() AS n FROM index_pending')).toEqual([{ n: '0' }]);
  });

  it('works off a backlog no batch adds to in passes that double up to maxPassPeriods, back to passPeriods (and the pause) once a batch notes during a pass', async () => {
    // sixteen periods due, noted in year order, nothing noting any more but a batch that arrives
    // while the third pass runs (its period is due already)
    const due = Array.from({ length: 16 }, (_, i) => `${2001 + i}-12`);
    const passes = await workOffBacklog(due, { pauseMs: 4000, passPeriods: 1, maxPassPeriods: 3 }, { pass: 3, period: '2016-12' });
    await expectGrownAndPausedAfterThird(passes, due);
  });

  it('does not grow the passes while a batch noted within the last second, as at a live rate', async () => {
    await wh.command('DELETE FROM index_pending WHERE 1');
    const { passes, indices } = recordedPasses();
    const due = ['2001-12', '2002-12', '2003-12'];
    await dueBacklog(due);
    const recomputation = new IndexRecomputation(wh, indices, { passPeriods: 1, maxPassPeriods: 4 });
    // a batch's note starts the loop; its three passes (a read of index_pending each, no other statement) end within the second after it
    await recomputation.note(['2003-12']);
    await recomputation.idle(30_000);
    await recomputation.stop();
    expect(passes.map((p) => p.periods)).toEqual(due.map((p) => [p]));
  });

  it("as the owner of a group, works off a backlog no member adds to as a process alone does, and pauses once another member's batch notes during a pass", async () => {
    // another member of the group: it only notes (into index_pending), the owner recomputes
    const member = new IndexRecomputation(wh, recordedPasses().indices, { role: () => 'member' });
    const due = Array.from({ length: 16 }, (_, i) => `${2001 + i}-12`);
    const passes = await workOffBacklog(due, { role: () => 'owner', pauseMs: 4000, passPeriods: 1, maxPassPeriods: 3 }, { pass: 3, period: '2016-12', by: member });
    // as the process alone above (before: 1, 2, 3, 3, 3, 3, 1, and the pause after every pass of an owner)
    await expectGrownAndPausedAfterThird(passes, due);
  });

  it('pauses between recomputations: what is noted meanwhile is recomputed together after the pause, and stop() cuts the pause short', async () => {
    const reference = loadReference(demoReferenceName);
    const before = await indexValues();
    const indices = new IndexProjector(wh, tenantIndicatorReader(wh, { reference, catalogue }), catalogue, {
      levels: () => [...reference.hierarchyLevels, ...reference.planningLevels],
    });
    const passes: { periods: string[]; at: number }[] = [];
    const recompute = indices.recompute.bind(indices);
    indices.recompute = async (periods) => {
      passes.push({ periods: [...periods], at: performance.now() });
      return recompute(periods);
    };
    // a recomputation with this pause, and the end of its first pass (when the pause begins)
    const pausing = (pauseMs: number) => {
      let passed: () => void = () => undefined;
      const firstPass = new Promise<void>((r) => (passed = r));
      return { recomputation: new IndexRecomputation(wh, indices, { pauseMs, recomputed: () => passed() }), firstPass };
    };
    const { recomputation, firstPass } = pausing(1500);
    await recomputation.note(['2012-12']);
    await firstPass;
    const pauseFrom = performance.now();
    // noted while the loop pauses: nothing is recomputed until the pause is over, then both at once
    await recomputation.note(['2011-12']);
    await recomputation.note(['2012-12']);
    await new Promise((r) => setTimeout(r, 300));
    expect(passes).toHaveLength(1);
    await recomputation.idle(30_000);
    expect(passes.map((p) => p.periods)).toEqual([['2012-12'], ['2011-12', '2012-12']]);
    expect(passes[1]!.at - pauseFrom).toBeGreaterThanOrEqual(1400);
    await expect.poll(() => wh.query('SELECT count() AS n FROM index_pending'), { timeout: 10_000 }).toEqual([{ n: '0' }]); // the loop's deletes do not wait for their mutation
    expect(await indexValues()).toEqual(before);
    await recomputation.stop();
    // a recomputation pausing after its pass: stop() does not wait the pause out. The pause is long
    // (20 s) so that stop()'s own work — its delete waits for the mutation — cannot be mistaken for it
    const { recomputation: long, firstPass: paused } = pausing(20_000);
    await long.note(['2011-12']);
    await paused;
    const stopping = performance.now();
    await long.stop();
    expect(performance.now() - stopping).toBeLessThan(10_000);
    expect(passes).toHaveLength(3);
  });
});
