// A set-based rebuild (ReplayProjector) against the incremental path on the same log, on both
// warehouse adapters (in-process chDB; @clickhouse/client against chdb-http) and on the clustered
// layout (chdb-http with a one-shard cluster, migrated by the generated clustered DDL: every table
// the aggregator writes and reads is Distributed over its local table): the log is projected
// live in small batches, the tables are taken, rebuild() replays the log, and every table a reader
// uses must be the same — record_versions, the present cells column by column, the absent cells,
// and both variants of the composite indices. The log holds what makes the two paths differ if
// the rules are not the same: corrections, withdrawals (also of a record not seen yet, and in the
// batch of the record's first version), the same key@version appended twice with another payload
// (the first in the log wins), dimensions given in another key order, events with record keys
// (v2) and without (v1, keyed by the secret), published shares, rates and signed changes with and
// without denominators (v3), a record whose latest version lacks an observation
// (absent cell), a record that names one cell twice, a record whose second version moves it to
// another area (in one batch, and in batches of their own followed by its withdrawal), an undecodable event and one with a period the indices cannot take. (The
// rebuild's cells statement writes a leaf with one row of a one-row record without GROUP BY,
// cells.sql.ts: the last two, and the corrections and withdrawals, are what it must not take
// for such a leaf.)
import { EventCodec, SchemaRegistry, defaultTopology, type RecordEvent } from '@sp/events';
import { anAreaStatistic } from '@sp/events/testing';
import { openEmbeddedEventLog } from '@sp/eventlog-embedded';
import { applyClusteredMigrations, loadAreaMap, migrateWarehouse, planResolverFromCatalogue, WarehouseIndicatorReader } from '@sp/indicator-store';
import type { DeadLetter, EventLog, Warehouse } from '@sp/ports';
import { oneShardClusterConfig, startChdbHttp, tempDir } from '@sp/testing';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { createClickHouseWarehouse } from '@sp/warehouse-clickhouse';
import { stadtteilAreaMap } from '@sp/indicator-store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamikCatalogue } from './dynamik-catalogue.fixture.js';
import { AggregatorService } from './aggregator.service.js';

const catalogue = dynamikCatalogue;
const AREAS = ['101', '102', '103', '104', '105', '106'];
const SECRET = 'rebuild-test-record-keys';
/** pairs of events of one key at the end of theLog(), appended pair by pair */
const PAIRS = 2;

type Obs = {
  measure: string;
  dimensions: Record<string, string>;
  value: number;
  recordKey?: number;
  valueKind?: 'COUNT' | 'SHARE' | 'RATE' | 'MEAN' | 'CHANGE';
  unit?: string | null;
  denominator?: number | null;
};

/** the test log: deterministic, ~300 events over 3 years */
function theLog(): { schemaVersion: 1 | 2 | 3; event: RecordEvent<'area-statistic'> }[] {
  let at = Date.UTC(2025, 0, 1);
  const out: { schemaVersion: 1 | 2 | 3; event: RecordEvent<'area-statistic'> }[] = [];
  const versions = new Map<string, number>();
  const push = (dataset: string, area: string, period: string, observations: Obs[] | null, opts: { version?: number; schemaVersion?: 1 | 2 | 3; key?: string } = {}) => {
    const key = opts.key ?? `${dataset}|STADTTEIL|${area}|${period}`;
    const version = opts.version ?? (versions.get(key) ?? 0) + 1;
    versions.set(key, Math.max(version, versions.get(key) ?? 0));
    const payload = observations && anAreaStatistic({ key, dataset, areaCode: area, period, version, observations });
    out.push({
      schemaVersion: opts.schemaVersion ?? (observations?.some((o) => o.valueKind !== undefined) ? 3 : observations?.some((o) => o.recordKey !== undefined) ? 2 : 1),
      event: {
        key,
        version,
        recordType: 'area-statistic',
        amt: dataset === 'sgb2' ? 'jobcenter' : 'statistik',
        deliveryId: `d${out.length}`,
        deliveredAt: at++,
        deliveredBy: 'test',
        tombstone: observations === null,
        payload,
      },
    });
  };
  const pop = (area: string, year: number, bump = 0): Obs[] => [
    { measure: 'einwohner', dimensions: {}, value: 1000 * (Number(area) - 100) + year - 2010 + bump },
    { measure: 'einwohner_alter', dimensions: { alter: '0-3', geschlecht: 'w' }, value: 30 + bump },
    { measure: 'einwohner_alter', dimensions: { geschlecht: 'm', alter: '0-3' }, value: 31 + bump }, // keys in another order
  ];
  const jobs = (area: string, m: number, keyed: boolean): Obs[] =>
    ['u15', '15-65'].map((alter, i) => ({
      measure: 'sgb2_personen',
      dimensions: { alter },
      value: 10 + ((Number(area) * 7 + m * 3 + i) % 40),
      ...(keyed ? { recordKey: ((Number(area) * 13 + m * 7 + i) % 97) / 97 } : {}),
    }));
  // the record withdrawn before it was ever delivered, and again after its first version
  push('bevoelkerung', '106', '2011', null, { version: 1 });
  for (const year of [2010, 2011, 2012]) {
    for (const area of AREAS) push('bevoelkerung', area, String(year), pop(area, year));
    for (let m = 1; m <= 12; m++) for (const area of AREAS) push('sgb2', area, `${year}-${String(m).padStart(2, '0')}`, jobs(area, m, m % 2 === 0));
    // a second record at a leaf that moves to another area and is then withdrawn, each ~80 events
    // apart (in batches of their own): it counts where it is, once, and its withdrawal removes it there
    const moving = { key: 'sgb2|verzogen', version: year - 2009 };
    if (year === 2010) push('sgb2', '103', '2011-12', jobs('103', 7, true), moving);
    if (year === 2011) push('sgb2', '104', '2011-12', jobs('104', 8, true), moving);
    if (year === 2012) push('sgb2', '104', '2011-12', null, moving);
  }
  // corrections, withdrawals, a correction that drops an observation (absent cell)
  push('sgb2', '101', '2011-12', jobs('101', 99, true));
  push('sgb2', '102', '2012-12', null);
  push('bevoelkerung', '103', '2011', pop('103', 2011, 5));
  push('bevoelkerung', '104', '2012', pop('104', 2012).slice(0, 2));
  push('bevoelkerung', '105', '2010', null);
  // the same key@version appended again with another payload (a crash window): the first wins
  push('bevoelkerung', '101', '2012', pop('101', 2012, 900), { version: 1 });
  // published values (v3): a share delivered as a fraction (stored in %) with its denominator, a
  // signed change with its base, a rate without denominator; a correction and a withdrawal
  const published = (area: string, year: number, bump = 0): Obs[] => [
    { measure: 'sgb2_anteil', dimensions: {}, value: 0.05 + (Number(area) - 100) / 100 + bump, valueKind: 'SHARE', unit: 'fraction', denominator: 1000 * (Number(area) - 100) },
    { measure: 'einwohner_diff', dimensions: {}, value: (Number(area) % 2 === 0 ? -1 : 1) * (year - 2009) * 7, valueKind: 'CHANGE', unit: 'Personen', denominator: 900 },
    { measure: 'al_rate', dimensions: { geschlecht: 'w' }, value: 31.5, valueKind: 'RATE', unit: 'je 1.000', denominator: null },
  ];
  for (const year of [2011, 2012]) for (const area of AREAS) push('veroeffentlicht', area, String(year), published(area, year));
  push('veroeffentlicht', '102', '2012', published('102', 2012, 0.1));
  push('veroeffentlicht', '103', '2011', null);
  // a second record at a leaf (its values add to the first record's), corrected to fewer observations
  push('sgb2', '101', '2011-05', jobs('101', 5, true), { key: 'sgb2|STADTTEIL|101|2011-05|zweite' });
  push('sgb2', '101', '2011-05', jobs('101', 6, true).slice(0, 1), { key: 'sgb2|STADTTEIL|101|2011-05|zweite' });
  // a lower version after a higher one: stored, not the latest; its delivery time is the leaf's known_at
  push('sgb2', '103', '2012-03', jobs('103', 40, true), { version: 5 });
  push('sgb2', '103', '2012-03', jobs('103', 41, true), { version: 4 });
  // a record that names one cell twice (its values add up), alone at its leaf
  push('bevoelkerung', '106', '2013', [
    { measure: 'einwohner', dimensions: {}, value: 5 },
    { measure: 'einwohner_alter', dimensions: { alter: '0-3', geschlecht: 'w' }, value: 2 },
    { measure: 'einwohner', dimensions: {}, value: 7 },
  ]);
  // the last four in pairs of one key, each pair in one batch (PAIRS): a first version and its
  // withdrawal; a record whose second version moves it to another area, leaving its first leaf
  // with no latest version (its cells absent)
  push('sgb2', '106', '2009-12', jobs('106', 1, false));
  push('sgb2', '106', '2009-12', null);
  push('sgb2', '105', '2013-01', jobs('105', 1, true), { key: 'sgb2|umgezogen' });
  push('sgb2', '106', '2013-01', jobs('106', 2, true), { key: 'sgb2|umgezogen' });
  return out;
}

const engines: { name: string; open: () => Promise<{ wh: Warehouse; close: () => Promise<void> }> }[] = [
  {
    name: 'chDB in-process',
    open: async () => {
      const wh = openChdbWarehouse({ path: tempDir('sp-rebuild-wh-') });
      return { wh, close: () => wh.close() };
    },
  },
  {
    name: 'ClickHouse adapter (chdb-http)',
    open: async () => {
      const server = await startChdbHttp();
      const wh = createClickHouseWarehouse({ url: server.url });
      return {
        wh,
        close: async () => {
          await wh.close();
          await server.stop();
        },
      };
    },
  },
  {
    name: 'the clustered layout (chdb-http, one shard, Distributed tables)',
    open: async () => {
      const server = await startChdbHttp({ configFile: oneShardClusterConfig('sp') });
      const wh = createClickHouseWarehouse({ url: server.url });
      // migrateWarehouse() below then finds every migration applied
      await applyClusteredMigrations(wh, { cluster: 'sp', replicated: false, onCluster: false });
      expect(await wh.query(`SELECT engine FROM system.tables WHERE database = currentDatabase() AND name = 'cells'`)).toEqual([{ engine: 'Distributed' }]);
      return {
        wh,
        close: async () => {
          await wh.close();
          await server.stop();
        },
      };
    },
  },
];

describe.each(engines)('set-based rebuild on $name', ({ open }) => {
  let log: EventLog;
  let wh: Warehouse;
  let close: () => Promise<void>;
  const codec = new EventCodec(SchemaRegistry.load());
  const topic = defaultTopology.topicFor('area-statistic');

  beforeAll(async () => {
    log = await openEmbeddedEventLog({ dir: tempDir('sp-rebuild-log-') });
    ({ wh, close } = await open());
    await migrateWarehouse(wh);
    await loadAreaMap(wh, stadtteilAreaMap(AREAS));
    await log.ensureTopics([{ name: topic, partitions: 2 }]);
  }, 120_000);
  afterAll(async () => {
    await log?.close();
    await close?.();
  });

  const tables = async () => ({
    recordVersions: await wh.query(
      `SELECT record_key, version, leaf_key, dataset, area_level, area_code, period, tombstone, synthetic, known_at_ms, amt, delivery_id,
              obs_measure, obs_dims, obs_value, obs_key, obs_pvalue
       FROM record_versions FINAL ORDER BY record_key, version, tombstone`,
    ),
    presentCells: await wh.query(
      `SELECT dataset, measure, dims, dims_key, area_level, area_code, period, leaf_key, value, present, synthetic, known_at_ms, cell_key, pvalue, period_start
       FROM cells FINAL WHERE present = 1 ORDER BY leaf_key, measure, dims_key`,
    ),
    // an absent cell marks a cell gone; readers use its presence and known_at (the roll-up's knownAt)
    absentCells: await wh.query(
      `SELECT dataset, measure, dims, dims_key, area_level, area_code, period, leaf_key, value, present, synthetic, known_at_ms, cell_key, pvalue, period_start
       FROM cells FINAL WHERE present = 0 ORDER BY leaf_key, measure, dims_key`,
    ),
    indexValues: await wh.query('SELECT * FROM index_values FINAL ORDER BY index_code, definition_version, area_level, period, area_code'),
    protectedIndexValues: await wh.query('SELECT * FROM protected_index_values FINAL ORDER BY index_code, definition_version, area_level, period, area_code'),
  });

  it('gives the same record versions, cells and index values as the incremental path', async () => {
    const entries = theLog();
    const dead: DeadLetter[] = [];
    const reader = new WarehouseIndicatorReader(wh, { plans: planResolverFromCatalogue(catalogue), hierarchyLevels: ['STADT', 'STADTBEZIRK', 'STADTTEIL', 'STADTVIERTEL'] });
    const aggregator = new AggregatorService(log, wh, codec, {
      maxBatchSize: 7,
      rebuildBatchSize: 50,
      indices: { catalogue, reader },
      rebuildWorker: true,
      projection: { recordKeySecret: SECRET },
      deadLetters: { record: async (letter) => void dead.push(letter) },
      log: () => {},
    });
    await aggregator.start();
    const append = (slice: typeof entries) =>
      log.append(
        topic,
        slice.map(({ schemaVersion, event }) => ({ key: event.key, value: codec.encode('area-statistic', schemaVersion, event), headers: codec.headers('area-statistic', schemaVersion, event) })),
      );
    const rest = entries.length - 2 * PAIRS;
    for (let i = 0; i < rest; i += 40) await append(entries.slice(i, Math.min(i + 40, rest)));
    await aggregator.caughtUp();
    // the pairs at the end (events of one key) after the rest, each pair on its own, so that its two events meet in one batch
    for (let i = rest; i < entries.length; i += 2) {
      await append(entries.slice(i, i + 2));
      await aggregator.caughtUp();
    }
    // poison: bytes that are no event, and a period before the year 1000
    const bad = { ...entries[1]!.event, key: 'bevoelkerung|STADTTEIL|101|0999', payload: anAreaStatistic({ areaCode: '101', period: '0999' }) };
    await log.append(topic, [
      { key: 'garbage', value: Buffer.from([0, 0, 0, 0, 1]) },
      { key: bad.key, value: codec.encode('area-statistic', 1, bad) },
    ]);
    await aggregator.caughtUp();
    const incremental = await tables();
    expect(incremental.presentCells.length).toBeGreaterThan(400);
    expect(incremental.absentCells.length).toBeGreaterThan(0);
    // the published values (v3) are stored: a fraction in %, a signed change, denominators beside them
    const cell = (measure: string, area: string, period: string) => incremental.presentCells.find((c) => c.measure === measure && c.area_code === area && c.period === period);
    expect(Number(cell('sgb2_anteil', '104', '2012')!.value)).toBeCloseTo(9, 9);
    expect(Number(cell('sgb2_anteil.denominator', '104', '2012')!.value)).toBe(4000);
    expect(Number(cell('einwohner_diff', '104', '2012')!.value)).toBe(-21);
    expect(incremental.indexValues.filter((r) => r.scored === 1).length).toBeGreaterThan(0);
    // a cell named twice by one record is their sum; the leaf a record moved away from keeps its cells absent
    expect(Number(cell('einwohner', '106', '2013')!.value)).toBe(12);
    expect(incremental.absentCells.filter((c) => c.area_code === '105' && c.period === '2013-01')).toHaveLength(2);
    expect(incremental.presentCells.filter((c) => c.area_code === '106' && c.period === '2013-01')).toHaveLength(2);
    expect(dead).toHaveLength(2);
    // the record that moved from 103 to 104 and was withdrawn there counts at neither leaf: each
    // shows its own record's values only (10 + (area·7 + 12·3 + i) mod 40)
    const sgb2At = (area: string) =>
      incremental.presentCells
        .filter((c) => c.measure === 'sgb2_personen' && c.area_code === area && c.period === '2011-12')
        .map((c) => Number(c.value))
        .sort();
    expect(sgb2At('103')).toEqual([47, 48]);
    expect(sgb2At('104')).toEqual([14, 15]);

    const { events, decodedIn } = await aggregator.rebuild();
    expect(events).toBe(entries.length + 2);
    expect(decodedIn).toBe('worker');
    const rebuilt = await tables();
    expect(rebuilt.recordVersions).toEqual(incremental.recordVersions);
    expect(rebuilt.presentCells).toEqual(incremental.presentCells);
    expect(rebuilt.absentCells).toEqual(incremental.absentCells);
    // index values: every row the rebuild computed is the incremental one; the incremental path has
    // besides an unscored row for an area that was scored once and dropped out (its population was
    // withdrawn), to overwrite the old score, which a rebuild from empty tables never had to write
    for (const [rebuiltRows, incrementalRows] of [
      [rebuilt.indexValues, incremental.indexValues],
      [rebuilt.protectedIndexValues, incremental.protectedIndexValues],
    ] as const) {
      const id = (r: Record<string, unknown>) => `${r.index_code}|${r.definition_version}|${r.area_level}|${r.period}|${r.area_code}`;
      const rebuiltIds = new Set(rebuiltRows.map(id));
      expect(rebuiltRows).toEqual(incrementalRows.filter((r) => rebuiltIds.has(id(r))));
      const droppedOnly = incrementalRows.filter((r) => !rebuiltIds.has(id(r)));
      expect(droppedOnly.every((r) => r.scored === 0 && r.score === null)).toBe(true);
      expect(rebuiltRows.filter((r) => r.scored === 1).length).toBeGreaterThan(0);
    }
    // the same two events dead-lettered again, under the rebuild's group (in either order: they may
    // lie in different partitions, which the rebuild reads side by side)
    expect(
      dead
        .slice(2)
        .map((d) => [d.key, d.groupId.includes('-rebuild-')] as const)
        .sort(([a], [b]) => a.localeCompare(b)),
    ).toEqual(
      [
        ['garbage', true],
        [bad.key, true],
      ].sort(([a], [b]) => String(a).localeCompare(String(b))),
    );
    // staging is empty again, and live consumption goes on
    expect(await wh.query('SELECT count() AS n FROM record_versions_replay')).toEqual([{ n: '0' }]);
    await aggregator.stop();

    // resolved in one pass on the main thread (rebuildMode 'one-pass') instead of staged by the
    // worker: the same tables, the same dead letters
    const onMain = new AggregatorService(log, wh, codec, {
      rebuildBatchSize: 50,
      rebuildMode: 'one-pass',
      indices: { catalogue, reader },
      projection: { recordKeySecret: SECRET },
      deadLetters: { record: async (letter) => void dead.push(letter) },
      log: () => {},
    });
    const again = await onMain.rebuild();
    expect(again.events).toBe(entries.length + 2);
    expect(again.decodedIn).toBe('main thread');
    expect(again.mode).toBe('one-pass');
    expect(await tables()).toEqual(rebuilt);
    // every cell written once when the whole log is one block
    expect(await wh.query('SELECT count() AS n FROM cells')).toEqual([{ n: String(rebuilt.presentCells.length + rebuilt.absentCells.length) }]);
    const letters = (from: number, to: number) =>
      dead
        .slice(from, to)
        .map((d) => `${d.key} ${d.error}`)
        .sort();
    expect(letters(4, 6)).toEqual(letters(2, 4));

    // one pass in blocks of 25 events: a leaf corrected in a later block is written again and the
    // later rows replace the earlier ones; and staged on the main thread (the default): the same tables
    for (const [mode, options] of [
      ['one-pass', { rebuildMode: 'one-pass', rebuildBlockEvents: 25 }],
      ['staged', {}],
    ] as const) {
      const other = new AggregatorService(log, wh, codec, {
        rebuildBatchSize: 50,
        indices: { catalogue, reader },
        projection: { recordKeySecret: SECRET },
        deadLetters: { record: async (letter) => void dead.push(letter) },
        log: () => {},
        ...options,
      });
      const r = await other.rebuild();
      expect(r.mode).toBe(mode);
      // staged on the main thread: every event but the two poison ones transcoded from its Avro bytes (all three schema versions, with the secret)
      expect(r.transcoded).toBe(mode === 'staged' ? entries.length : undefined);
      expect(await tables()).toEqual(rebuilt);
    }
    expect(letters(8, 10)).toEqual(letters(2, 4));
  }, 240_000);
});
