import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { compileAvroDecoder, StringTable } from './avro-reader.js';
import { EventCodec } from './event-codec.js';
import { recordTypes } from './record-types.js';
import { SchemaRegistry, type RegisteredSchema } from './schema-registry.js';
import { anAreaStatistic, anEvent, recordFactories } from './testing/record.factories.js';
import { unframe } from './wire-format.js';

const registry = SchemaRegistry.load();
const UNICODE = ['ä', 'Straße', '€', '日本語', '😀', 'Ḱöln-Süd', '\u0000', 'é'.repeat(40)];

/** a value of `type` with some strings and map keys turned into non-ASCII, long and empty ones (a map's keys stay distinct) */
function unicodified(type: avro.Type, value: unknown, seed: { n: number }): unknown {
  const t = type as avro.Type & { fields?: { name: string; type: avro.Type }[]; valuesType?: avro.Type; itemsType?: avro.Type; types?: avro.Type[] };
  const text = (s: string) => {
    const n = seed.n++;
    return n % 4 === 0 ? s : n % 4 === 1 ? `${s}${UNICODE[n % UNICODE.length]}` : n % 4 === 2 ? UNICODE[n % UNICODE.length]! : '';
  };
  switch (t.typeName) {
    case 'string':
      return text(value as string);
    case 'record': {
      const out: Record<string, unknown> = {};
      for (const f of t.fields!) out[f.name] = unicodified(f.type, (value as Record<string, unknown>)[f.name], seed);
      return out;
    }
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as object)) out[`${k}${UNICODE[seed.n++ % UNICODE.length]}${k.length}`] = unicodified(t.valuesType!, v, seed);
      return out;
    }
    case 'array':
      return (value as unknown[]).map((v) => unicodified(t.itemsType!, v, seed));
    case 'union:unwrapped': {
      const branch = t.types!.find((b) => b.isValid(value))!;
      return unicodified(branch, value, seed);
    }
    default:
      return value;
  }
}

function avscDecode(reader: RegisteredSchema, writer: RegisteredSchema, body: Buffer): unknown {
  return reader.id === writer.id ? reader.eventType.fromBuffer(body) : reader.eventType.fromBuffer(body, registry.resolver(reader, writer));
}

/** every (reader, writer) pair a codec decodes: a schema as itself and as every later version of its record type */
const pairs = registry.all().flatMap((writer) =>
  registry
    .all()
    .filter((reader) => reader.recordType === writer.recordType && reader.version >= writer.version)
    .map((reader) => ({ reader, writer })),
);

describe('compiled Avro decoder (avro-reader.ts)', () => {
  it('compiles every event schema in schemas/, as itself and as every later version', () => {
    expect(pairs.length).toBeGreaterThan(registry.all().length);
    for (const { reader, writer } of pairs) expect(compileAvroDecoder(writer.eventSchema, reader.eventSchema), `${writer.recordType} v${writer.version} as v${reader.version}`).toBeTypeOf('function');
  });

  it.each(pairs.map((p) => [`${p.writer.recordType} v${p.writer.version} as v${p.reader.version}`, p] as const))(
    'gives what avsc gives: %s, random values with unicode, nulls, maps',
    (_, { reader, writer }) => {
      const decode = compileAvroDecoder(writer.eventSchema, reader.eventSchema)!;
      const seed = { n: 0 };
      for (let i = 0; i < 150; i++) {
        const random = writer.eventType.random();
        const value = i % 2 === 0 ? random : unicodified(writer.eventType, random, seed);
        const body = writer.eventType.toBuffer(value);
        expect(decode(body)).toEqual(avscDecode(reader, writer, body));
      }
    },
  );

  it.each(recordTypes)('gives what avsc gives for a real %s event and its tombstone, as every version', (t) => {
    const writer = registry.get(t, 1);
    const codec = new EventCodec(registry);
    for (const event of [anEvent(t, recordFactories[t]()), anEvent(t, null)]) {
      const { body } = unframe(codec.encode(t, 1, event));
      for (const reader of registry.all().filter((s) => s.recordType === t)) {
        expect(compileAvroDecoder(writer.eventSchema, reader.eventSchema)!(body)).toEqual(avscDecode(reader, writer, body));
      }
    }
  });

  it('reads area-statistic events of every version like avsc: unicode dimensions, empty maps, null and set record keys, v3 value kinds', () => {
    const payloads = [
      anAreaStatistic({
        areaCode: 'Ḱ-101',
        observations: [
          { measure: 'einwohner', dimensions: {}, value: 27515 },
          { measure: 'einwohner_alter', dimensions: { alter: '0-3', geschlecht: 'weiblich', straße: 'Köln 日本 😀' }, value: -0.5 },
          { measure: 'ä'.repeat(60), dimensions: { ['k'.repeat(70)]: 'v'.repeat(70), '': '' }, value: Number.MAX_VALUE },
        ],
        source: null,
      }),
      anAreaStatistic({ source: 'Quelle: Amt für Statistik – „Zählung“' }),
    ];
    for (const writer of registry.all().filter((s) => s.recordType === 'area-statistic')) {
      for (const p of payloads) {
        const observations = p.observations.map((o, i) => ({
          ...o,
          ...(writer.version >= 2 ? { recordKey: i % 2 === 0 ? null : 0.25 + i / 10 } : {}),
          ...(writer.version >= 3 ? { valueKind: i === 1 ? ('SHARE' as const) : ('COUNT' as const), unit: i === 1 ? 'fraction' : null, denominator: i === 1 ? 1234 : null } : {}),
        }));
        const body = writer.eventType.toBuffer(anEvent('area-statistic', { ...p, observations }));
        for (const reader of registry.all().filter((s) => s.recordType === 'area-statistic' && s.version >= writer.version)) {
          const decoded = compileAvroDecoder(writer.eventSchema, reader.eventSchema)!(body);
          expect(decoded).toEqual(avscDecode(reader, writer, body));
          // the maps' key order is the writer's (the staging rows are written in it)
          const dims = (decoded as { payload: { observations: { dimensions: object }[] } }).payload.observations.map((o) => Object.keys(o.dimensions));
          expect(dims).toEqual(observations.map((o) => Object.keys(o.dimensions)));
        }
      }
    }
  });

  it('refuses truncated bodies and trailing bytes, as avsc does', () => {
    const writer = registry.get('area-statistic', 1);
    const decode = compileAvroDecoder(writer.eventSchema, writer.eventSchema)!;
    const body = writer.eventType.toBuffer(anEvent('area-statistic', anAreaStatistic()));
    for (const cut of [1, 5, 17, body.length - 9, body.length - 1]) {
      const short = body.subarray(0, cut);
      expect(() => writer.eventType.fromBuffer(short)).toThrow();
      expect(() => decode(short)).toThrow();
    }
    const long = Buffer.concat([body, Buffer.from([0])]);
    expect(() => writer.eventType.fromBuffer(long)).toThrow(/trailing data/);
    expect(() => decode(long)).toThrow(/trailing data/);
  });

  it('reads blocks with a negative count (the byte size follows), as other writers write arrays and maps', () => {
    const schema = {
      type: 'record',
      name: 'R',
      fields: [
        { name: 'xs', type: { type: 'array', items: 'string' } },
        { name: 'm', type: { type: 'map', values: 'int' } },
      ],
    };
    const type = avro.Type.forSchema(schema as never);
    // xs: a block of -2 items (4 bytes) "a", "bc", then an end; m: a block of -1 entry (3 bytes) {k: 3}, then an end
    const body = Buffer.from([0x03, 0x08, 0x02, 0x61, 0x04, 0x62, 0x63, 0x00, 0x01, 0x06, 0x02, 0x6b, 0x06, 0x00]);
    expect(compileAvroDecoder(schema, schema)!(body)).toEqual(type.fromBuffer(body));
    expect(type.fromBuffer(body)).toEqual({ xs: ['a', 'bc'], m: { k: 3 } });
  });

  it('gives every short string by its bytes, also when the table is full of others', () => {
    const schema = { type: 'array', items: 'string' };
    const type = avro.Type.forSchema(schema as never);
    const strings = new StringTable();
    const decode = compileAvroDecoder(schema, schema, strings)!;
    for (let round = 0; round < 3; round++) {
      const xs = Array.from({ length: 20_000 }, (_, i) => (i % 3 === 0 ? `s${(i * 7919) % 9973}` : i % 3 === 1 ? `ä${i % 500}` : `k${i}`));
      expect(decode(type.toBuffer(xs))).toEqual(xs);
    }
  });

  it('returns undefined for what it does not compile (the codec uses avsc then)', () => {
    const schema = { type: 'record', name: 'R', fields: [{ name: 'b', type: 'bytes' }] };
    expect(compileAvroDecoder(schema, schema)).toBeUndefined();
    const union = { type: 'record', name: 'U', fields: [{ name: 'u', type: ['null', 'string', 'int'] }] };
    expect(compileAvroDecoder(union, union)).toBeUndefined();
  });
});
