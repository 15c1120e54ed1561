// The rows of record_versions transcoded straight from the events' Avro bytes
// (RecordVersionRows.addFramed, record-versions.transcoder.ts) against the rows written from the
// decoded events (addEvent, after EventCodec.decodeTrusted and the rebuild's period check, as
// services/aggregator/src/rebuild.decode.ts decodes them): byte for byte the same block, over every
// area-statistic schema version in schemas/ (each read as the latest, as a rebuild reads it), for
// corrections, withdrawals (also before the record's first version and after a move to another
// leaf), the same key@version twice, synthetic flags, keyed and unkeyed counts (with and without the
// record-key secret), shares in % and as fractions, rates and changes with and without denominators,
// unicode and long strings, random events of every writer schema; and every event the old path
// refuses (a poison event) or whose row could differ is left to it (addFramed false, nothing
// written).
import { EventCodec, frame as wireFrame, SchemaRegistry, type AnyRecordEvent, type RecordEvent } from '@sp/events';
import { anAreaStatistic, anEvent, recordFactories } from '@sp/events/testing';
import { assertPeriod, loadProtection } from '@sp/indicators';
import { describe, expect, it } from 'vitest';
import { RecordVersionsTranscoder } from './record-versions.transcoder.js';
import { RecordVersionRows } from './replay.projector.js';

const registry = SchemaRegistry.load();
const codec = new EventCodec(registry);
const protection = loadProtection();
const SECRET = 'transcoder-test-record-keys';
const writers = registry.all().filter((s) => s.recordType === 'area-statistic');

/** what the rebuild decodes (rebuild.decode.ts): the area-statistic event, undefined for another record type; throws for a poison event */
function decodeForRebuild(bytes: Uint8Array): RecordEvent<'area-statistic'> | undefined {
  const event: AnyRecordEvent = codec.decodeTrusted(bytes);
  if (event.recordType !== 'area-statistic') return undefined;
  if (event.payload) assertPeriod(event.payload.period);
  return event;
}

/**
 * Both paths over the same framed events: the old one (decoded, then addEvent), and addFramed with
 * the old one for what it leaves. The blocks, and per event whether the old path refused it.
 */
function bothPaths(framed: Buffer[], secret?: string) {
  const old = new RecordVersionRows(protection, secret);
  const transcoded = new RecordVersionRows(protection, secret);
  const refused: boolean[] = [];
  const left: boolean[] = [];
  /** events whose row the writer refused (the rebuild fails) */
  const failed: number[] = [];
  for (const bytes of framed) {
    let event: RecordEvent<'area-statistic'> | undefined;
    let poison = false;
    try {
      event = decodeForRebuild(bytes);
    } catch {
      poison = true;
    }
    refused.push(poison);
    // an event the writer refuses (a version or delivery time out of its range) fails the rebuild: the same error on both paths
    const add = (rows: RecordVersionRows, e: RecordEvent<'area-statistic'>) => {
      try {
        rows.addEvent(e);
      } catch (error) {
        return String(error);
      }
      return undefined;
    };
    const oldError = event && add(old, event);
    const lengthBefore = transcoded.bytes().length;
    if (transcoded.addFramed(bytes, registry)) {
      expect(oldError).toBeUndefined();
      left.push(false);
      continue;
    }
    // nothing written for an event left to the old path
    expect(transcoded.bytes().length).toBe(lengthBefore);
    left.push(true);
    if (event) expect(add(transcoded, event)).toBe(oldError);
    if (oldError) failed.push(refused.length - 1);
  }
  return { old: Buffer.from(old.bytes()), transcoded: Buffer.from(transcoded.bytes()), oldRows: old.rows, transcodedRows: transcoded.rows, refused, left, failed };
}

type Obs = RecordEvent<'area-statistic'>['payload'] extends infer P ? (P extends { observations: (infer O)[] } ? O : never) : never;

/** an event of `payload` (null: a withdrawal of `key`) as schema version `v` writes it */
function frame(v: number, key: string, version: number, payload: ReturnType<typeof anAreaStatistic> | null, at: number, extra: Partial<RecordEvent<'area-statistic'>> = {}): Buffer {
  const event = {
    key,
    version,
    recordType: 'area-statistic' as const,
    amt: 'statistik',
    deliveryId: `d-${at}`,
    deliveredAt: Date.UTC(2025, 0, 1) + at,
    deliveredBy: 'test',
    tombstone: payload === null,
    payload,
    ...extra,
  };
  // as the codec encodes, without its check of the record type (a poison event has another)
  const schema = registry.get('area-statistic', v);
  return wireFrame(schema.id, schema.eventType.toBuffer(event));
}

/** observations with what version v has: record keys from v2, value kinds, units and denominators from v3 */
function observations(v: number, i: number): Obs[] {
  const keyed = (k: number) => (v >= 2 ? { recordKey: i % 3 === 0 ? null : k } : {});
  const out: Obs[] = [
    { measure: 'einwohner', dimensions: {}, value: 27515 + i, ...keyed(0.125 + i / 1000) } as Obs,
    { measure: 'einwohner_alter', dimensions: { alter: '0-3', geschlecht: i % 2 ? 'w' : 'm' }, value: 521 - i, ...keyed(0.5) } as Obs,
    { measure: 'einwohner_alter', dimensions: { geschlecht: 'w', alter: '75+' }, value: 0.4, ...keyed(0.999) } as Obs,
    { measure: 'einwohner_migration', dimensions: { status: 'ausländisch', herkunft: 'Köln 日本 😀' }, value: -3, ...keyed(0) } as Obs,
  ];
  if (v >= 3) {
    out.push(
      { measure: 'sgb2_anteil', dimensions: {}, value: 0.05 + i / 100, recordKey: null, valueKind: 'SHARE', unit: 'fraction', denominator: 1000 + i } as Obs,
      { measure: 'sgb2_anteil_pct', dimensions: { alter: 'u15' }, value: 7.5, recordKey: null, valueKind: 'SHARE', unit: '%', denominator: null } as Obs,
      { measure: 'einwohner_diff', dimensions: {}, value: -21, recordKey: null, valueKind: 'CHANGE', unit: 'Personen', denominator: 900 } as Obs,
      { measure: 'al_rate', dimensions: { geschlecht: 'w' }, value: 31.5, recordKey: 0.3, valueKind: 'RATE', unit: 'je 1.000', denominator: null } as Obs,
      { measure: 'einwohner_mean', dimensions: {}, value: 42.25, recordKey: null, valueKind: 'MEAN', unit: null, denominator: 12 } as Obs,
      { measure: 'einwohner_gezählt', dimensions: {}, value: 12, recordKey: 0.75, valueKind: 'COUNT', unit: null, denominator: 99 } as Obs,
    );
  }
  return out;
}

/** a log of one writer version: first versions, corrections, moves, withdrawals, a key@version twice */
function aLog(v: number): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  const put = (area: string, period: string, version: number, opts: { key?: string; withdrawn?: boolean; synthetic?: boolean; i?: number; obs?: Obs[] } = {}) => {
    const p = anAreaStatistic({
      areaCode: area,
      period,
      version,
      synthetic: opts.synthetic ?? at % 2 === 0,
      observations: opts.obs ?? observations(v, opts.i ?? at),
      source: at % 3 ? null : 'Quelle',
    });
    const key = opts.key ?? p.key;
    out.push(frame(v, key, version, opts.withdrawn ? null : { ...p, key }, at++));
  };
  put('106', '2011', 1, { withdrawn: true }); // withdrawn before any version
  for (const period of ['2010', '2011-Q3', '2012-07', '2013-12']) for (const area of ['101', '102', 'Ḱöln-Süd']) put(area, period, 1);
  put('101', '2010', 2); // a correction
  put('101', '2010', 3, { withdrawn: true }); // withdrawn: the leaf of version 2
  put('102', '2010', 1, { i: 99 }); // the same key@version again, another payload: the first stays
  put('102', '2010', 1, { withdrawn: true });
  put('102', '2010', 1, { withdrawn: true }); // the same withdrawal twice
  // a record that moves to another leaf, a lower version after a higher one, then its withdrawal
  put('103', '2012-07', 4, { key: 'moving' });
  put('104', '2012-07', 2, { key: 'moving' });
  put('104', '2012-07', 5, { key: 'moving', withdrawn: true });
  // empty observations, one observation, a long key and long strings
  put('105', '2014', 1, { obs: [] });
  put('105', '2015', 1, { obs: [{ measure: 'm'.repeat(60), dimensions: { ['k'.repeat(70)]: 'v'.repeat(200), '': '' }, value: Number.MAX_VALUE } as Obs] });
  put('105', '2016', 1, { key: `long-${'ä'.repeat(80)}`, synthetic: true });
  put('105', '2016', 2, { key: `long-${'ä'.repeat(80)}`, withdrawn: true });
  return out;
}

describe('record_versions transcoded from Avro (RecordVersionRows.addFramed)', () => {
  it('compiles for every area-statistic schema version in schemas/, and the codec reads the latest', () => {
    expect(writers.map((w) => w.version)).toEqual([1, 2, 3]);
    const rows = new RecordVersionRows(protection, undefined);
    for (const w of writers) expect(rows.addFramed(frame(w.version, 'k', 1, anAreaStatistic({ key: 'k' }), 0), registry), `v${w.version}`).toBe(true);
  });

  it.each(writers.map((w) => [w.version] as const))('gives the rows of the decoded events byte for byte: schema v%i', (v) => {
    for (const secret of [undefined, SECRET]) {
      const log = aLog(v);
      const r = bothPaths(log, secret);
      expect(r.refused.every((x) => !x)).toBe(true);
      // every event transcoded: none left to the old path
      expect(r.left.filter(Boolean)).toHaveLength(0);
      expect(r.transcodedRows).toBe(r.oldRows);
      expect(r.oldRows).toBe(log.length - 2); // the second key@version and the second withdrawal not stored
      expect(r.transcoded.equals(r.old)).toBe(true);
    }
  });

  it('gives the same rows for the versions of all schemas in one log (a record written as v1, corrected as v3, withdrawn as v2)', () => {
    const log = [...aLog(1), ...aLog(3), ...aLog(2)];
    const r = bothPaths(log, SECRET);
    expect(r.left.filter(Boolean)).toHaveLength(0);
    expect(r.transcoded.equals(r.old)).toBe(true);
  });

  it.each(writers.map((w) => [w.version, w] as const))('gives the rows of random events of schema v%i, made consistent, and leaves the inconsistent ones (poison) to the old path', (_, writer) => {
    const framed: Buffer[] = [];
    for (let i = 0; i < 300; i++) {
      const e = writer.eventType.random() as unknown as RecordEvent<'area-statistic'> & { payload: { key: string; version: number; period: string } | null };
      // half made what the ingestion writes (a record type, the payload's key and version, a period); the rest as random as avsc makes them
      if (i % 2 === 0) {
        e.recordType = 'area-statistic';
        e.version = Math.abs(e.version);
        e.deliveredAt = Math.abs(e.deliveredAt);
        if (e.payload) {
          e.tombstone = false;
          e.payload.key = e.key;
          e.payload.version = e.version;
          e.payload.period = ['2012', '2012-Q4', '2012-11', '1000'][i % 4]!;
        } else e.tombstone = true;
      }
      framed.push(wireFrame(writer.id, writer.eventType.toBuffer(e)));
    }
    const r = bothPaths(framed, SECRET);
    expect(r.transcoded.equals(r.old)).toBe(true);
    // every poison event left to the old path; the consistent ones transcoded (random strings may still hold what it leaves: a dimension key that is a number)
    expect(r.refused.filter((poison, i) => poison && !r.left[i])).toEqual([]);
    expect(r.refused.filter(Boolean).length).toBeGreaterThan(100);
    expect(r.left.filter((left, i) => left && !r.refused[i]).length).toBeLessThan(15);
  });

  /** an event's bytes with the first occurrence of `from` replaced by `to` (as many bytes) */
  const patched = (bytes: Buffer, from: string | Buffer, to: Buffer): Buffer => {
    const at = bytes.indexOf(typeof from === 'string' ? Buffer.from(from) : from);
    expect(at).toBeGreaterThan(0);
    const out = Buffer.from(bytes);
    to.copy(out, at);
    return out;
  };
  let areas = 0;
  const good = (v = 3, over: Partial<ReturnType<typeof anAreaStatistic>> = {}, extra: Partial<RecordEvent<'area-statistic'>> = {}) => {
    // each at a leaf of its own (a row per event)
    const p = anAreaStatistic({ areaCode: `A${areas++}`, observations: observations(v, 1), source: null, ...over });
    return frame(v, p.key, 1, p, 7, extra);
  };
  const body = (b: Buffer) => b.subarray(5);
  const writerV1 = registry.get('area-statistic', 1);

  it('leaves poison events and rows that could differ to the old path, which refuses or writes them as before', () => {
    const cases: [string, Buffer, 'poison' | 'left'][] = [
      ['another record type in the envelope', good(3, {}, { recordType: 'offer' as never }), 'poison'],
      ['a withdrawal with a payload', good(3, {}, { tombstone: true }), 'poison'],
      ['a version without payload', frame(3, 'k', 1, null, 1, { tombstone: false }), 'poison'],
      ['a payload of another key', frame(3, 'envelope', 1, anAreaStatistic({ key: 'envelopf' }), 1), 'poison'],
      ['a payload of another version', good(3, { version: 2 }), 'poison'],
      ['a period before the year 1000', good(3, { period: '0999', key: 'bevoelkerung|STADTTEIL|101|0999' }), 'poison'],
      ['month 13', good(3, { period: '2020-13', key: 'bevoelkerung|STADTTEIL|101|2020-13' }), 'poison'],
      ['quarter 5', good(3, { period: '2020-Q5', key: 'bevoelkerung|STADTTEIL|101|2020-Q5' }), 'poison'],
      ['month 00', good(3, { period: '2020-00', key: 'bevoelkerung|STADTTEIL|101|2020-00' }), 'poison'],
      ['quarter 0', good(3, { period: '2020-Q0', key: 'bevoelkerung|STADTTEIL|101|2020-Q0' }), 'poison'],
      ['a month of three digits', good(3, { period: '2020-011', key: 'bevoelkerung|STADTTEIL|101|2020-011' }), 'poison'],
      ['a three-digit year', good(3, { period: '999', key: 'bevoelkerung|STADTTEIL|101|999' }), 'poison'],
      ['a period that is none', good(3, { period: '2020-1', key: 'bevoelkerung|STADTTEIL|101|2020-1' }), 'poison'],
      ['a truncated body', good().subarray(0, 60), 'poison'],
      ['a truncated last byte', good().subarray(0, good().length - 1), 'poison'],
      ['trailing bytes', Buffer.concat([good(), Buffer.from([0])]), 'poison'],
      ['a header only', good().subarray(0, 5), 'poison'],
      ['another magic byte', Buffer.concat([Buffer.from([1]), good().subarray(1)]), 'poison'],
      ['an unknown schema id', Buffer.concat([Buffer.from([0, 0, 0, 0x7f, 0x7f]), body(good())]), 'poison'],
      ['a negative version', frame(1, 'k', -1, anAreaStatistic({ key: 'k', version: -1 }), 1), 'left'],
      ['a delivery time before 1970', frame(1, 'k', 1, anAreaStatistic({ key: 'k' }), 1, { deliveredAt: -5 }), 'left'],
      ['a NaN value', good(3, { observations: [{ measure: 'x', dimensions: {}, value: Number.NaN } as Obs] }), 'left'],
      ['a NaN denominator', good(3, { observations: [{ measure: 'x', dimensions: {}, value: 1, recordKey: null, valueKind: 'SHARE', unit: '%', denominator: Number.NaN } as Obs] }), 'left'],
      ['a dimension key that is an array index', patched(good(1, { observations: [{ measure: 'x', dimensions: { QQa: '1', QQb: '2' }, value: 1 }] }), 'QQb', Buffer.from('123')), 'left'],
      [
        'a dimension key that is 0',
        patched(good(1, { observations: [{ measure: 'x', dimensions: { QQa: '1', J: '2' }, value: 1 }] }), Buffer.from([2, 0x4a, 2, 0x32]), Buffer.from([2, 0x30])),
        'left',
      ],
      ['a dimension key twice', patched(good(1, { observations: [{ measure: 'x', dimensions: { QQa: '1', QQb: '2' }, value: 1 }] }), 'QQb', Buffer.from('QQa')), 'left'],
      ['a dimension key __proto__', patched(good(1, { observations: [{ measure: 'x', dimensions: { a: '1', qqqqqqqqq: '2' }, value: 1 }] }), 'qqqqqqqqq', Buffer.from('__proto__')), 'left'],
      ['invalid UTF-8 in a dimension', patched(good(1, { observations: [{ measure: 'x', dimensions: { a: 'QQ' }, value: 1 }] }), 'QQ', Buffer.from([0xc3, 0x28])), 'left'],
      ['invalid UTF-8 in a measure', patched(good(1, { observations: [{ measure: 'xQQ', dimensions: {}, value: 1 }] }), 'xQQ', Buffer.from([0x78, 0xed, 0xa0])), 'left'],
      ['invalid UTF-8 in a long string', patched(good(1, { observations: [{ measure: `${'y'.repeat(60)}Q`, dimensions: {}, value: 1 }] }), 'yQ', Buffer.from([0x79, 0xff])), 'left'],
      ['invalid UTF-8 in the delivery', patched(good(1), 'd-7', Buffer.from([0x64, 0x2d, 0x80])), 'left'],
    ];
    // the payload's union index made 2 (there are two branches): it is the last byte of a version without payload
    const union = frame(1, 'k', 1, anAreaStatistic({ key: 'k' }), 1);
    union[frame(1, 'k', 1, null, 1, { tombstone: false }).length - 1] = 4;
    cases.push(['an invalid union index of the payload', union, 'poison']);
    const framed = cases.map((c) => c[1]);
    const r = bothPaths([good(1), ...framed, good(2)], SECRET);
    cases.forEach(([name, , expected], i) => {
      expect(r.left[i + 1], name).toBe(true);
      expect(r.refused[i + 1], name).toBe(expected === 'poison');
    });
    expect(r.left[0]).toBe(false);
    expect(r.failed.map((i) => cases[i - 1]![0])).toEqual(['a negative version', 'a delivery time before 1970']);
    expect(r.transcoded.equals(r.old)).toBe(true);
    // the rows of the events the old path writes (the two around the cases, the ten it writes and the one whose delivery time it refuses half-way)
    expect(r.oldRows).toBe(2 + 10 + 1);
  });

  it('reads a map written in several blocks, with negative counts, as one map', () => {
    // a v1 event with one observation whose dimensions are written as two blocks of one entry each, the second with a negative count and its size
    const p = anAreaStatistic({ key: 'k', observations: [{ measure: 'x', dimensions: { a: '1', b: '2' }, value: 5 }] });
    const bytes = frame(1, 'k', 1, p, 3);
    const single = Buffer.from([0x04, 0x02, 0x61, 0x02, 0x31, 0x02, 0x62, 0x02, 0x32, 0x00]); // count 2, a→1, b→2, end
    const at = bytes.indexOf(single);
    expect(at).toBeGreaterThan(0);
    const blocks = Buffer.from([0x02, 0x02, 0x61, 0x02, 0x31, 0x01, 0x08, 0x02, 0x62, 0x02, 0x32, 0x00]); // count 1 …, count -1 (4 bytes) …, end
    const split = Buffer.concat([bytes.subarray(0, at), blocks, bytes.subarray(at + single.length)]);
    expect(writerV1.eventType.fromBuffer(body(split))).toEqual(writerV1.eventType.fromBuffer(body(bytes)));
    const r = bothPaths([split]);
    expect(r.left).toEqual([false]);
    expect(r.transcoded.equals(r.old)).toBe(true);
  });

  it('leaves the events of other record types and of schemas it does not compile to the old path', () => {
    const offer = registry.latest('offer');
    const bytes = codec.encode('offer', offer.version, anEvent('offer', recordFactories.offer()) as never);
    const r = bothPaths([bytes]);
    expect(r.left).toEqual([true]);
    expect(r.refused).toEqual([false]);
    expect(r.old.length).toBe(0);
    // readers it does not resolve: another envelope name, a field it uses without a default, a payload field it does not know without one
    const v1 = registry.get('area-statistic', 1).eventSchema as { name: string; fields: { name: string; type: unknown }[] };
    const latest = registry.latest('area-statistic').eventSchema as typeof v1;
    expect(RecordVersionsTranscoder.compile(v1, latest)).toBeDefined();
    expect(RecordVersionsTranscoder.compile(v1, { ...latest, name: 'Other' })).toBeUndefined();
    const payloadOf = (s: typeof v1) => (s.fields.find((f) => f.name === 'payload')!.type as unknown[])[1] as typeof v1;
    const withPayloadFields = (fields: (typeof v1)['fields']) => ({
      ...latest,
      fields: latest.fields.map((f) => (f.name === 'payload' ? { ...f, type: ['null', { ...payloadOf(latest), fields }] } : f)),
    });
    expect(RecordVersionsTranscoder.compile(v1, withPayloadFields([...payloadOf(latest).fields, { name: 'neu', type: 'string' }]))).toBeUndefined();
    expect(RecordVersionsTranscoder.compile(v1, withPayloadFields([...payloadOf(latest).fields, { name: 'neu', type: 'string', default: '' } as never]))).toBeDefined();
    expect(RecordVersionsTranscoder.compile(v1, withPayloadFields(payloadOf(latest).fields.map((f) => (f.name === 'synthetic' ? { ...f, type: 'int' } : f))))).toBeUndefined();
    expect(RecordVersionsTranscoder.compile(withPayloadFieldsOf(v1, [...payloadOf(v1).fields, { name: 'b', type: 'bytes' }]), latest)).toBeUndefined();
  });
});

/** `s` with these payload fields */
function withPayloadFieldsOf(s: { fields: { name: string; type: unknown }[] }, fields: unknown[]): object {
  return { ...s, fields: s.fields.map((f) => (f.name === 'payload' ? { ...f, type: ['null', { ...((f.type as unknown[])[1] as object), fields }] } : f)) };
}
