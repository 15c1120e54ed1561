// A decoder for the Avro binary encoding, compiled once per (writer schema, reader schema) pair,
// that gives what avsc's Type#fromBuffer gives (with its resolver when the two differ): plain
// objects in the reader's field order, maps as objects in the writer's key order, null-unions
// unwrapped, a reader field the writer lacks filled with its default. A rebuild decodes every event
// of the log (issue 17.1), and avsc's generic reading was its largest JS cost: a UTF-8 slice and a
// new string for every short string (measures, dimensions, codes, repeated in nearly every event)
// and its generic map reading. Here short strings come from a small table keyed by their bytes
// (the same bytes give the same string, so the result cannot differ), the rest as avsc reads them.
// It compiles only the constructs the repository's schemas use (records, arrays, maps, null-unions
// of one type, the primitives but bytes and fixed) and returns undefined for anything else, so the
// caller falls back to avsc (EventCodec). avro-reader.unit.test.ts compares both on every schema
// version in schemas/.

/** where a compiled reader is in the bytes it reads */
export interface Tap {
  buf: Buffer;
  pos: number;
}
type Read = (t: Tap) => unknown;

class UnsupportedSchemaError extends Error {}

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'string']);

/** Node's own UTF-8 slice (what avsc reads strings with), not in @types/node */
const utf8 = (buf: Buffer, pos: number, len: number): string => (buf as Buffer & { utf8Slice(start: number, end: number): string }).utf8Slice(pos, pos + len);

/** strings of this many bytes or fewer come from the table (longer ones are rarely repeated) */
const CACHED_MAX_BYTES = 48;
const CACHE_SLOTS = 4096;

/**
 * Short strings by their bytes: an open table of CACHE_SLOTS slots, one string per slot (a collision
 * replaces it). Only the bytes decide the string, so a hit gives exactly what a fresh decode would.
 */
export class StringTable {
  private readonly bytes: (Buffer | undefined)[] = new Array(CACHE_SLOTS).fill(undefined);
  private readonly strings: string[] = new Array(CACHE_SLOTS).fill('');

  read(buf: Buffer, pos: number, len: number): string {
    if (len === 0) return '';
    if (len > CACHED_MAX_BYTES) return utf8(buf, pos, len);
    let h = len;
    for (let i = 0; i < len; i++) h = Math.imul(h ^ buf[pos + i]!, 0x01000193);
    const slot = (h ^ (h >>> 15)) & (CACHE_SLOTS - 1);
    const known = this.bytes[slot];
    if (known !== undefined && known.length === len) {
      let i = 0;
      while (i < len && known[i] === buf[pos + i]) i++;
      if (i === len) return this.strings[slot]!;
    }
    const s = utf8(buf, pos, len);
    this.bytes[slot] = Buffer.from(buf.subarray(pos, pos + len));
    this.strings[slot] = s;
    return s;
  }
}

/** avsc's Tap.readLong: zig-zag varint, float arithmetic beyond 28 bits (also the rebuild's transcoder's, @sp/indicator-store) */
export function readLong(t: Tap): number {
  const buf = t.buf;
  let n = 0;
  let k = 0;
  let b: number;
  let h: number;
  do {
    b = buf[t.pos++]!;
    h = b & 0x80;
    n |= (b & 0x7f) << k;
    k += 7;
  } while (h && k < 28);
  if (h) {
    let f = n;
    let fk = 268435456;
    do {
      b = buf[t.pos++]!;
      f += (b & 0x7f) * fk;
      fk *= 128;
    } while (b & 0x80);
    return (f % 2 ? -(f + 1) : f) / 2;
  }
  return (n >> 1) ^ -(n & 1);
}

function truncated(): never {
  throw new Error('truncated buffer');
}

/** a block count of an array or map (a negative count is followed by the block's byte size) */
function blockCount(t: Tap): number {
  let n = readLong(t);
  if (n < 0) {
    n = -n;
    readLong(t);
  }
  if (t.pos > t.buf.length) truncated();
  return n;
}

interface Named {
  byName: Map<string, object>;
}

function fullName(name: string, namespace: string | undefined): string {
  return name.includes('.') || !namespace ? name : `${namespace}.${name}`;
}

/** The schema at hand: a primitive name, a named reference resolved, a union, or a complex type. */
function deref(schema: unknown, ns: string | undefined, names: Named): { s: unknown; ns: string | undefined } {
  if (typeof schema === 'string') {
    if (PRIMITIVES.has(schema)) return { s: schema, ns };
    const named = names.byName.get(fullName(schema, ns)) ?? names.byName.get(schema);
    if (!named) throw new UnsupportedSchemaError(`unknown type ${schema}`);
    return { s: named, ns: (named as { __ns?: string }).__ns };
  }
  if (Array.isArray(schema)) return { s: schema, ns };
  const o = schema as { type: unknown; name?: string; namespace?: string };
  if (typeof o.type === 'string' && PRIMITIVES.has(o.type)) return { s: o.type, ns }; // e.g. a long with a logical type avsc does not know
  // a record defined here: its registered copy, which knows the namespace its fields' references are in
  if (o.type === 'record') return { s: names.byName.get(fullName(o.name!, o.namespace ?? ns)) ?? schema, ns };
  return { s: schema, ns };
}

/** records by full name (with the namespace they set for their fields), as avsc registers them */
function collectNames(schema: unknown, ns: string | undefined, names: Named): void {
  if (Array.isArray(schema)) {
    for (const b of schema) collectNames(b, ns, names);
    return;
  }
  if (schema === null || typeof schema !== 'object') return;
  const o = schema as { type: unknown; name?: string; namespace?: string; fields?: { type: unknown }[]; items?: unknown; values?: unknown };
  if (o.type === 'record') {
    const name = fullName(o.name!, o.namespace ?? ns);
    const inner = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : undefined;
    names.byName.set(name, Object.assign(Object.create(null) as object, o, { __ns: inner }));
    for (const f of o.fields ?? []) collectNames(f.type, inner, names);
  } else if (o.type === 'array') collectNames(o.items, ns, names);
  else if (o.type === 'map') collectNames(o.values, ns, names);
  else if (typeof o.type === 'object') collectNames(o.type, ns, names);
}

const kindOf = (s: unknown): string => (typeof s === 'string' ? s : Array.isArray(s) ? 'union' : String((s as { type: unknown }).type));

class Compiler {
  private readonly w: Named = { byName: new Map() };
  private readonly r: Named = { byName: new Map() };

  constructor(
    writer: object,
    reader: object,
    private readonly strings: StringTable,
  ) {
    collectNames(writer, undefined, this.w);
    collectNames(reader, undefined, this.r);
  }

  compile(writer: unknown, wns: string | undefined, reader: unknown, rns: string | undefined): Read {
    const W = deref(writer, wns, this.w);
    const R = deref(reader, rns, this.r);
    const wk = kindOf(W.s);
    const rk = kindOf(R.s);
    if (wk === 'union') {
      const branches = (W.s as unknown[]).map((b) => this.compile(b, W.ns, R.s, R.ns));
      return (t) => {
        const i = readLong(t);
        const read = branches[i];
        if (!read) throw new Error(`invalid union index: ${i}`);
        return read(t);
      };
    }
    if (rk === 'union') {
      const branches = R.s as unknown[];
      if (branches.filter((b) => kindOf(deref(b, R.ns, this.r).s) !== 'null').length > 1) throw new UnsupportedSchemaError('a union of more than one type besides null');
      const match = branches.find((b) => this.matches(W.s, deref(b, R.ns, this.r).s));
      if (match === undefined) throw new UnsupportedSchemaError(`no branch of the reader's union for ${wk}`);
      return this.compile(W.s, W.ns, match, R.ns);
    }
    if (!this.matches(W.s, R.s)) throw new UnsupportedSchemaError(`${wk} read as ${rk}`);
    switch (wk) {
      case 'null':
        return () => null;
      case 'boolean':
        return (t) => !!t.buf[t.pos++];
      case 'int':
      case 'long':
        return readLong;
      case 'float':
        return (t) => {
          const at = t.pos;
          t.pos += 4;
          if (t.pos > t.buf.length) truncated();
          return t.buf.readFloatLE(at);
        };
      case 'double':
        return (t) => {
          const at = t.pos;
          t.pos += 8;
          if (t.pos > t.buf.length) truncated();
          return t.buf.readDoubleLE(at);
        };
      case 'string':
        return this.stringReader();
      case 'array': {
        const item = this.compile((W.s as { items: unknown }).items, W.ns, (R.s as { items: unknown }).items, R.ns);
        return (t) => {
          const out: unknown[] = [];
          for (let n = blockCount(t); n !== 0; n = blockCount(t)) while (n--) out.push(item(t));
          return out;
        };
      }
      case 'map': {
        const value = this.compile((W.s as { values: unknown }).values, W.ns, (R.s as { values: unknown }).values, R.ns);
        const key = this.stringReader();
        return (t) => {
          const out: Record<string, unknown> = {};
          for (let n = blockCount(t); n !== 0; n = blockCount(t)) {
            while (n--) {
              const k = key(t) as string;
              out[k] = value(t);
            }
          }
          return out;
        };
      }
      case 'record':
        return this.record(W.s as RecordSchema, R.s as RecordSchema);
      default:
        throw new UnsupportedSchemaError(`type ${wk}`);
    }
  }

  private stringReader(): Read {
    const strings = this.strings;
    return (t) => {
      const len = readLong(t);
      if (len < 0) throw new Error('invalid string length');
      const at = t.pos;
      t.pos += len;
      if (t.pos > t.buf.length) truncated();
      return strings.read(t.buf, at, len);
    };
  }

  /** whether data of the writer's (dereferenced) type can be read as the reader's, as avsc resolves */
  private matches(w: unknown, r: unknown): boolean {
    const wk = kindOf(w);
    const rk = kindOf(r);
    if (wk === 'record' && rk === 'record') {
      const a = w as RecordSchema & { __ns?: string };
      const b = r as RecordSchema & { __ns?: string };
      return fullName(a.name, a.__ns) === fullName(b.name, b.__ns) && !b.aliases?.length;
    }
    if (wk === rk) return true;
    // avsc's promotions between the numeric types the schemas use
    return (wk === 'int' && (rk === 'long' || rk === 'double' || rk === 'float')) || (wk === 'long' && rk === 'double') || (wk === 'float' && rk === 'double');
  }

  private record(w: RecordSchema & { __ns?: string }, r: RecordSchema & { __ns?: string }): Read {
    const wns = w.__ns;
    const rns = r.__ns;
    if (r.fields.some((f) => f.aliases?.length)) throw new UnsupportedSchemaError('field aliases');
    const readerIndex = new Map(r.fields.map((f, i) => [f.name, i]));
    // per writer field: its reader (into the reader's field i) or a skip (read and dropped)
    const steps: { read: Read; into: number }[] = w.fields.map((f) => {
      const i = readerIndex.get(f.name);
      return i === undefined ? { read: this.compile(f.type, wns, f.type, wns), into: -1 } : { read: this.compile(f.type, wns, r.fields[i]!.type, rns), into: i };
    });
    const written = new Set(w.fields.map((f) => f.name));
    const defaults: { at: number; value: () => unknown }[] = [];
    r.fields.forEach((f, i) => {
      if (written.has(f.name)) return;
      if (!('default' in f)) throw new UnsupportedSchemaError(`reader field ${f.name} without a default`);
      const d = f.default;
      if (d !== null && typeof d === 'object') {
        if (Array.isArray(d) ? d.length > 0 : Object.keys(d).length > 0) throw new UnsupportedSchemaError(`field ${f.name}: a default that is not empty`);
        defaults.push({ at: i, value: Array.isArray(d) ? () => [] : () => ({}) });
      } else defaults.push({ at: i, value: () => d });
    });
    const names = r.fields.map((f) => f.name);
    if (names.includes('__proto__')) throw new UnsupportedSchemaError('a field named __proto__');
    // one object literal per record type: the objects share a shape, as avsc's record classes do
    const make = new Function('v', `return {${names.map((name, i) => `${JSON.stringify(name)}: v[${i}]`).join(', ')}};`) as (v: unknown[]) => Record<string, unknown>;
    const n = names.length;
    return (t) => {
      const values: unknown[] = new Array(n);
      for (const s of steps) {
        const v = s.read(t);
        if (s.into >= 0) values[s.into] = v;
      }
      for (const d of defaults) values[d.at] = d.value();
      return make(values);
    };
  }
}

interface RecordSchema {
  type: 'record';
  name: string;
  aliases?: string[];
  fields: { name: string; type: unknown; default?: unknown; aliases?: string[] }[];
}

/** A compiled decoder: the value in `body` (all of it), as avsc's fromBuffer would give it. */
export type AvroDecoder = (body: Buffer) => unknown;

/**
 * Compiles a decoder reading data written with `writer` as `reader` (the same schema for no
 * resolution), or undefined when a schema uses a construct it does not compile (the caller uses
 * avsc then). Decoders compiled with the same `strings` share their short strings.
 */
export function compileAvroDecoder(writer: object, reader: object, strings: StringTable = new StringTable()): AvroDecoder | undefined {
  let read: Read;
  try {
    const c = new Compiler(writer, reader, strings);
    read = c.compile(writer, undefined, reader, undefined);
  } catch (error) {
    if (error instanceof UnsupportedSchemaError) return undefined;
    throw error;
  }
  const tap: Tap = { buf: Buffer.alloc(0), pos: 0 };
  return (body) => {
    tap.buf = body;
    tap.pos = 0;
    const value = read(tap);
    if (tap.pos > body.length) truncated();
    if (tap.pos < body.length) throw new Error('trailing data');
    return value;
  };
}
