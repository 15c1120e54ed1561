// An area-statistic event's Avro bytes turned into its row of record_versions (RowBinary) without
// building the event as objects (issue 17.1, session 19): a rebuild decoded every event into
// objects (avro-reader.ts) only for ReplayProjector to write most of its strings and numbers out
// again, and the decoding, the serialising and the garbage collector of those objects were most of
// the main thread's work while reading the log. A string is an Avro length (zig-zag varint) and its
// UTF-8 bytes, in RowBinary a LEB128 length and the same bytes; a double is the same 8 bytes in
// both. So a transcoder, compiled once per writer schema, walks an event's bytes once to find its
// fields (parse) and then copies them into the row (writeRow), in record_versions' column order; it
// gives the projector only what it keeps (the record key, the version, whether it is a withdrawal,
// and the leaf's bytes) and computes what storedObservations() computes per observation.
// It stands for exactly what EventCodec.decodeTrusted (as the latest version of the record type),
// decodeForRebuild's period check and writeRecordVersionRow give for the same event, and refuses
// (parse() or writeRow() false; the caller decodes the event as before) whatever it does not handle
// or whose row could differ, so that the old path keeps deciding it:
//  - at compile time, any schema construct but records, arrays, maps, null-unions of one type and
//    the primitives without bytes, a reader (the latest version) with a field it does not know
//    without a default, a field whose writer and reader types differ in a way it does not resolve;
//  - per event, anything the decoder or decodeTrusted would throw for (a truncated body, trailing
//    bytes, an invalid union index or length, another record type than the schema's, a tombstone
//    with a payload or a payload of another key or version), a period assertPeriod would refuse, a
//    version or delivery time the RowBinary writer would refuse, and what would be written
//    otherwise after decoding: a string that is no valid UTF-8 (decoded with U+FFFD), a NaN (its
//    bits are not kept through a number), a dimension key that an object does not keep where the
//    map has it (an array index, __proto__, a key twice).
// record-versions.transcoder.unit.test.ts checks the rows byte for byte against the old path over
// every schema version in schemas/.
import { isUtf8 } from 'node:buffer';
import { readLong } from '@sp/events';
import { denominatorMeasure, perturbCount, type Protection } from '@sp/indicators';
import { type Observation, protectObservation } from './projector.js';
import { grown } from './record-table.js';

// what a compiled walk does with one field: the id of a field it uses, or 0 (read and dropped)
// envelope
const E_KEY = 1,
  E_VERSION = 2,
  E_RECORD_TYPE = 3,
  E_AMT = 4,
  E_DELIVERY_ID = 5,
  E_DELIVERED_AT = 6,
  E_TOMBSTONE = 7,
  E_PAYLOAD = 8;
// payload
const P_KEY = 1,
  P_VERSION = 2,
  P_DATASET = 3,
  P_AREA_LEVEL = 4,
  P_AREA_CODE = 5,
  P_PERIOD = 6,
  P_OBSERVATIONS = 7,
  P_SYNTHETIC = 8;
// observation
const O_MEASURE = 1,
  O_DIMENSIONS = 2,
  O_VALUE = 3,
  O_RECORD_KEY = 4,
  O_VALUE_KIND = 5,
  O_UNIT = 6,
  O_DENOMINATOR = 7;

/** the fields used, with the writer's type each must have ('?x': x or a union of null and x) and the reader's */
const ENVELOPE: Record<string, [number, string]> = {
  key: [E_KEY, 'string'],
  version: [E_VERSION, 'int'],
  recordType: [E_RECORD_TYPE, 'string'],
  amt: [E_AMT, 'string'],
  deliveryId: [E_DELIVERY_ID, 'string'],
  deliveredAt: [E_DELIVERED_AT, 'long'],
  tombstone: [E_TOMBSTONE, 'boolean'],
  payload: [E_PAYLOAD, 'payload'],
};
const PAYLOAD: Record<string, [number, string]> = {
  key: [P_KEY, 'string'],
  version: [P_VERSION, 'int'],
  dataset: [P_DATASET, 'string'],
  areaLevel: [P_AREA_LEVEL, 'string'],
  areaCode: [P_AREA_CODE, 'string'],
  period: [P_PERIOD, 'string'],
  observations: [P_OBSERVATIONS, 'observations'],
  synthetic: [P_SYNTHETIC, 'boolean'],
};
const OBSERVATION: Record<string, [number, string]> = {
  measure: [O_MEASURE, 'string'],
  dimensions: [O_DIMENSIONS, 'dimensions'],
  value: [O_VALUE, 'double'],
  recordKey: [O_RECORD_KEY, '?double'],
  valueKind: [O_VALUE_KIND, 'string'],
  unit: [O_UNIT, '?string'],
  denominator: [O_DENOMINATOR, '?double'],
};
/** an observation field the reader fills when the writer lacks it, with the default it must have for that */
const OBSERVATION_DEFAULTS: Record<string, unknown> = { recordKey: null, valueKind: 'COUNT', unit: null, denominator: null };

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'string']);

class Unsupported extends Error {}

interface Field {
  name: string;
  type: unknown;
  default?: unknown;
  aliases?: string[];
}
interface RecordSchema {
  type: 'record';
  name: string;
  namespace?: string;
  aliases?: string[];
  fields: Field[];
}

/** a primitive type's name (also of {type: 'long', logicalType: …}, as avsc without logical types reads it), or undefined */
function primitive(t: unknown): string | undefined {
  if (typeof t === 'string') return PRIMITIVES.has(t) ? t : undefined;
  if (t !== null && typeof t === 'object' && !Array.isArray(t)) {
    const inner = (t as { type: unknown }).type;
    if (typeof inner === 'string' && PRIMITIVES.has(inner)) return inner;
  }
  return undefined;
}

function fullName(name: string, ns: string | undefined): string {
  return name.includes('.') || !ns ? name : `${ns}.${name}`;
}

/** an inline record's full name and the namespace its fields' types are in */
function recordOf(t: unknown, ns: string | undefined): { r: RecordSchema; name: string; ns: string | undefined } {
  const r = t as RecordSchema;
  if (r === null || typeof r !== 'object' || Array.isArray(r) || r.type !== 'record' || !Array.isArray(r.fields)) throw new Unsupported('not an inline record');
  if (r.aliases?.length || r.fields.some((f) => f.aliases?.length)) throw new Unsupported('aliases');
  const name = fullName(r.name, r.namespace ?? ns);
  return { r, name, ns: name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : undefined };
}

/** where a walk is in the bytes it walks */
interface Tap {
  buf: Buffer;
  pos: number;
}
/** reads past a value of some type; false if the decoder would throw for it (the end is checked by the caller) */
type Skip = (t: Tap) => boolean;

/** a block count of an array or map (a negative one is followed by the block's byte size); -1 past the end */
function blockCount(t: Tap): number {
  let n = readLong(t);
  if (n < 0) {
    n = -n;
    readLong(t);
  }
  return t.pos > t.buf.length ? -1 : n;
}

/** a string's length, its bytes skipped; -1 for a negative length or one past the end */
function stringLength(t: Tap): number {
  const len = readLong(t);
  if (len < 0) return -1;
  t.pos += len;
  return t.pos > t.buf.length ? -1 : len;
}

/** a skipper for a writer's type (its data read as the same type by a reader that drops it) */
function skipper(t: unknown, ns: string | undefined): Skip {
  const p = primitive(t);
  if (p !== undefined) {
    switch (p) {
      case 'null':
        return () => true;
      case 'boolean':
        return (tap) => {
          tap.pos++;
          return true;
        };
      case 'int':
      case 'long':
        return (tap) => {
          readLong(tap);
          return true;
        };
      case 'float':
        return (tap) => {
          tap.pos += 4;
          return true;
        };
      case 'double':
        return (tap) => {
          tap.pos += 8;
          return true;
        };
      default:
        return (tap) => stringLength(tap) >= 0;
    }
  }
  if (Array.isArray(t)) {
    if (t.filter((b) => primitive(b) !== 'null').length > 1) throw new Unsupported('a union of more than one type besides null');
    const branches = t.map((b) => skipper(b, ns));
    return (tap) => {
      const i = readLong(tap);
      const b = branches[i];
      return b?.(tap) === true;
    };
  }
  const o = t as { type: unknown; items?: unknown; values?: unknown };
  if (o === null || typeof o !== 'object') throw new Unsupported(`type ${String(t)}`);
  if (o.type === 'array' || o.type === 'map') {
    const item = skipper(o.type === 'array' ? o.items : o.values, ns);
    const map = o.type === 'map';
    return (tap) => {
      for (let n = blockCount(tap); n !== 0; n = blockCount(tap)) {
        if (n < 0 || n > tap.buf.length - tap.pos) return false;
        while (n--) if ((map && stringLength(tap) < 0) || !item(tap)) return false;
      }
      return true;
    };
  }
  if (o.type === 'record') {
    const { r, ns: inner } = recordOf(t, ns);
    const fields = r.fields.map((f) => skipper(f.type, inner));
    return (tap) => {
      for (const f of fields) if (!f(tap)) return false;
      return true;
    };
  }
  throw new Unsupported(`type ${JSON.stringify(o.type)}`);
}

/**
 * A nullable field's writer type ('?x' in the tables): per union branch 1 for x, 0 for null; [] for
 * x itself (no union).
 */
function nullable(w: unknown, x: string): number[] {
  if (primitive(w) === x) return [];
  if (!Array.isArray(w) || w.length === 0 || w.length > 2) throw new Unsupported(`not ${x} or a union of null and ${x}`);
  return w.map((b) => {
    const p = primitive(b);
    if (p === 'null') return 0;
    if (p === x) return 1;
    throw new Unsupported(`a union branch besides null and ${x}`);
  });
}

/** the reader's type of a nullable field: a union of null and x */
function readerNullable(r: unknown, x: string): void {
  if (!Array.isArray(r) || r.length !== 2 || !r.some((b) => primitive(b) === 'null') || !r.some((b) => primitive(b) === x)) throw new Unsupported(`reader's type is not a union of null and ${x}`);
}

/** A record's walk: per writer field its use (one of the table's ids) or 0 with its skipper, and per used nullable field its branches. */
interface Walk {
  uses: Int32Array;
  skips: (Skip | undefined)[];
  branches: number[][];
}

function compileWalk(
  w: { r: RecordSchema; ns: string | undefined },
  r: { r: RecordSchema; ns: string | undefined },
  table: Record<string, [number, string]>,
  defaults: Record<string, unknown>,
  nested: (kind: string, wt: unknown, rt: unknown) => void,
): Walk {
  const readerFields = new Map(r.r.fields.map((f) => [f.name, f]));
  const writerNames = new Set(w.r.fields.map((f) => f.name));
  // every field the reader has must be the writer's or have a default; the ones used must be as expected
  for (const f of r.r.fields) {
    const use = table[f.name];
    if (writerNames.has(f.name)) continue;
    if (!('default' in f)) throw new Unsupported(`reader field ${f.name} without a default`);
    if (use && !(f.name in defaults && JSON.stringify(f.default) === JSON.stringify(defaults[f.name]))) throw new Unsupported(`reader field ${f.name}: another default`);
  }
  for (const name of Object.keys(table)) if (!readerFields.has(name)) throw new Unsupported(`reader without ${name}`);
  const uses = new Int32Array(w.r.fields.length);
  const skips: (Skip | undefined)[] = [];
  const branches: number[][] = [];
  w.r.fields.forEach((f, i) => {
    const rf = readerFields.get(f.name);
    const use = table[f.name];
    branches.push([]);
    skips.push(undefined);
    if (!rf) {
      skips[i] = skipper(f.type, w.ns);
      return;
    }
    if (!use) {
      // read and dropped: only where the reader reads it as the same type
      if (JSON.stringify(f.type) !== JSON.stringify(rf.type)) throw new Unsupported(`field ${f.name}: writer and reader types differ`);
      skips[i] = skipper(f.type, w.ns);
      return;
    }
    const [id, kind] = use;
    uses[i] = id;
    if (kind.startsWith('?')) {
      const x = kind.slice(1);
      branches[i] = nullable(f.type, x);
      readerNullable(rf.type, x);
    } else if (PRIMITIVES.has(kind)) {
      if (primitive(f.type) !== kind || primitive(rf.type) !== kind) throw new Unsupported(`field ${f.name}: not ${kind}`);
    } else nested(kind, f.type, rf.type);
  });
  return { uses, skips, branches };
}

/** the compiled walks of one writer schema, read as the latest version */
interface Plan {
  envelope: Walk;
  /** the envelope's payload union: per branch 1 for the payload record, 0 for null */
  payloadBranches: number[];
  payload: Walk;
  observation: Walk;
}

function compilePlan(writer: object, reader: object): Plan {
  const we = recordOf(writer, undefined);
  const re = recordOf(reader, undefined);
  if (we.name !== re.name) throw new Unsupported('envelopes of other names');
  let payloadBranches: number[] = [];
  let payload: Walk | undefined;
  let observation: Walk | undefined;
  const envelope = compileWalk(we, re, ENVELOPE, {}, (kind, wt, rt) => {
    if (kind !== 'payload' || !Array.isArray(wt) || !Array.isArray(rt) || rt.length !== 2) throw new Unsupported('payload is not a union');
    const rNull = rt.findIndex((b) => primitive(b) === 'null');
    const rRecord = rt.find((b) => primitive(b) === undefined);
    if (rNull < 0 || rRecord === undefined) throw new Unsupported("reader's payload is not a union of null and a record");
    const rp = recordOf(rRecord, re.ns);
    payloadBranches = wt.map((b) => {
      if (primitive(b) === 'null') return 0;
      const wp = recordOf(b, we.ns);
      if (wp.name !== rp.name) throw new Unsupported('payloads of other names');
      if (payload) throw new Unsupported('two payload records');
      payload = compileWalk(wp, rp, PAYLOAD, {}, (k, wo, ro) => {
        const items = (t: unknown) => (t !== null && typeof t === 'object' && (t as { type: unknown }).type === 'array' ? (t as { items: unknown }).items : undefined);
        const wi = items(wo);
        const ri = items(ro);
        if (k !== 'observations' || wi === undefined || ri === undefined) throw new Unsupported('observations are not an array');
        const wObs = recordOf(wi, wp.ns);
        const rObs = recordOf(ri, rp.ns);
        if (wObs.name !== rObs.name) throw new Unsupported('observations of other names');
        observation = compileWalk(wObs, rObs, OBSERVATION, OBSERVATION_DEFAULTS, (k2, wd, rd) => {
          const values = (t: unknown) => (t !== null && typeof t === 'object' && (t as { type: unknown }).type === 'map' ? primitive((t as { values: unknown }).values) : undefined);
          if (k2 !== 'dimensions' || values(wd) !== 'string' || values(rd) !== 'string') throw new Unsupported('dimensions are not a map of strings');
        });
      });
      return 1;
    });
  });
  if (!payload || !observation) throw new Unsupported('no payload record');
  return { envelope, payloadBranches, payload, observation };
}

const RECORD_TYPE = Buffer.from('area-statistic');
const COUNT = Buffer.from('COUNT');
const SHARE = Buffer.from('SHARE');
const FRACTION = Buffer.from('fraction');
const PROTO = Buffer.from('__proto__');
/** what denominatorMeasure() appends to a measure, as bytes (checked when compiled) */
const DENOMINATOR_SUFFIX = Buffer.from(denominatorMeasure(''));
/** -1 (NONE: no record key, no protected value) as a RowBinary Float64 */
const NONE_BYTES = Buffer.alloc(8);
NONE_BYTES.writeDoubleLE(-1);
const NONE_6 = NONE_BYTES[6]!;
const NONE_7 = NONE_BYTES[7]!;

/** -1 as a Float64 at `d` (byte by byte: faster than a call for 8 bytes) */
function none8(out: Buffer, d: number): void {
  out[d] = 0;
  out[d + 1] = 0;
  out[d + 2] = 0;
  out[d + 3] = 0;
  out[d + 4] = 0;
  out[d + 5] = 0;
  out[d + 6] = NONE_6;
  out[d + 7] = NONE_7;
}

/** 8 bytes (a Float64 as it is) */
function copy8(out: Buffer, d: number, src: Buffer, at: number): void {
  out[d] = src[at]!;
  out[d + 1] = src[at + 1]!;
  out[d + 2] = src[at + 2]!;
  out[d + 3] = src[at + 3]!;
  out[d + 4] = src[at + 4]!;
  out[d + 5] = src[at + 5]!;
  out[d + 6] = src[at + 6]!;
  out[d + 7] = src[at + 7]!;
}
/** an observation's value kind: a count, a share, another delivered value */
const K_COUNT = 0,
  K_SHARE = 1,
  K_OTHER = 2;
/** the most dimensions a map may have here (its keys are compared pairwise for duplicates) */
const MAX_DIMS = 16;

function sameBytes(buf: Buffer, at: number, len: number, s: Buffer): boolean {
  if (len !== s.length) return false;
  for (let i = 0; i < len; i++) if (buf[at + i] !== s[i]) return false;
  return true;
}

/** whether these bytes are a key a JS object orders first (an array index: 0 … 2^32 − 2 in canonical form) */
function arrayIndex(buf: Buffer, at: number, len: number): boolean {
  if (len === 0 || len > 10) return false;
  if (buf[at] === 0x30) return len === 1;
  let n = 0;
  for (let i = 0; i < len; i++) {
    const c = buf[at + i]! - 0x30;
    if (c < 0 || c > 9) return false;
    n = n * 10 + c;
  }
  return n <= 0xfffffffe;
}

/** whether the 8 bytes at `at` are a NaN (exponent all ones, a mantissa) */
function isNaNBytes(buf: Buffer, at: number): boolean {
  return (buf[at + 7]! & 0x7f) === 0x7f && (buf[at + 6]! & 0xf0) === 0xf0 && Number.isNaN(buf.readDoubleLE(at));
}

/** digits: a byte '0'–'9' */
const digit = (b: number | undefined): boolean => b !== undefined && b >= 0x30 && b <= 0x39;

/** what assertPeriod() accepts (YYYY, YYYY-Qn, YYYY-MM of a year from 1000 on), decided on the bytes */
function periodOk(buf: Buffer, at: number, len: number): boolean {
  if (len !== 4 && len !== 7) return false;
  const b0 = buf[at]!;
  if (b0 < 0x31 || b0 > 0x39 || !digit(buf[at + 1]) || !digit(buf[at + 2]) || !digit(buf[at + 3])) return false;
  if (len === 4) return true;
  if (buf[at + 4] !== 0x2d) return false;
  const a = buf[at + 5]!;
  const b = buf[at + 6]!;
  if (a === 0x51) return b >= 0x31 && b <= 0x34; // Q1–Q4
  if (a === 0x30) return b >= 0x31 && b <= 0x39; // 01–09
  if (a === 0x31) return b >= 0x30 && b <= 0x32; // 10–12
  return false;
}

/** a LEB128 length at `d` in `out`; the position after it */
function leb128(out: Buffer, d: number, n: number): number {
  while (n >= 0x80) {
    out[d++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  out[d++] = n;
  return d;
}

/** long strings are copied by Buffer#copy and checked by isUtf8; short ones byte by byte */
const LONG = 48;

/**
 * One writer schema's transcoder. parse() walks an event's bytes (wire format's body) and keeps
 * where its fields are; writeRow() writes its row of record_versions from them. One instance is
 * reused for every event of its schema (its fields are the last parsed event's).
 */
export class RecordVersionsTranscoder {
  private readonly tap: Tap = { buf: Buffer.alloc(0), pos: 0 };
  /** the last parsed event */
  buf: Buffer = this.tap.buf;
  keyAt = 0;
  keyLen = 0;
  version = 0;
  tombstone = false;
  private amtAt = 0;
  private amtLen = 0;
  private deliveryIdAt = 0;
  private deliveryIdLen = 0;
  private deliveredAt = 0;
  private datasetAt = 0;
  private datasetLen = 0;
  private levelAt = 0;
  private levelLen = 0;
  private codeAt = 0;
  private codeLen = 0;
  private periodAt = 0;
  private periodLen = 0;
  private synthetic = 0;
  /** observations, and per observation where its fields are */
  private n = 0;
  /** stored observations: n and a denominator per delivered value that has one */
  private stored = 0;
  private measureAt = new Int32Array(64);
  private measureLen = new Int32Array(64);
  private dimsAt = new Int32Array(64);
  private dimsCount = new Int32Array(64);
  private valueAt = new Int32Array(64);
  /** -1: no record key */
  private recordKeyAt = new Int32Array(64);
  private kind = new Int32Array(64);
  /** unit 'fraction' */
  private fraction = new Int32Array(64);
  /** -1: no denominator */
  private denominatorAt = new Int32Array(64);
  /** a map's key positions and lengths, for the duplicate check */
  private readonly dimKeyAt = new Int32Array(MAX_DIMS);
  private readonly dimKeyLen = new Int32Array(MAX_DIMS);
  /** the OR of every copied byte of the row (≥ 0x80: a string to check for UTF-8) */
  private high = 0;

  private constructor(private readonly plan: Plan) {}

  /**
   * The transcoder of events written with `writer` (an event schema: envelope and area-statistic
   * payload) and read as `reader` (the record type's latest version, as decodeTrusted reads them),
   * or undefined where it does not compile (the caller decodes those events as before).
   */
  static compile(writer: object, reader: object): RecordVersionsTranscoder | undefined {
    if (denominatorMeasure('m') !== `m${DENOMINATOR_SUFFIX.toString('utf8')}`) return undefined;
    try {
      return new RecordVersionsTranscoder(compilePlan(writer, reader));
    } catch (error) {
      if (error instanceof Unsupported) return undefined;
      throw error;
    }
  }

  /**
   * Walks the event in `body` from `start` to its end (the wire format's body: after its header)
   * and keeps where its fields are; false if it is one the transcoder leaves to the old path (a
   * poison event among them).
   */
  parse(body: Buffer, start: number): boolean {
    const t = this.tap;
    t.buf = body;
    t.pos = start;
    this.buf = body;
    const env = this.plan.envelope;
    let keyOk = false;
    let payload = -1;
    let pKeyAt = 0;
    let pKeyLen = -1;
    let pVersion = Number.NaN;
    for (let i = 0; i < env.uses.length; i++) {
      switch (env.uses[i]) {
        case E_KEY: {
          const len = stringLength(t);
          if (len < 0) return false;
          this.keyAt = t.pos - len;
          this.keyLen = len;
          keyOk = true;
          break;
        }
        case E_VERSION:
          this.version = readLong(t);
          break;
        case E_RECORD_TYPE: {
          const len = stringLength(t);
          if (len < 0 || !sameBytes(body, t.pos - len, len, RECORD_TYPE)) return false;
          break;
        }
        case E_AMT: {
          const len = stringLength(t);
          if (len < 0) return false;
          this.amtAt = t.pos - len;
          this.amtLen = len;
          break;
        }
        case E_DELIVERY_ID: {
          const len = stringLength(t);
          if (len < 0) return false;
          this.deliveryIdAt = t.pos - len;
          this.deliveryIdLen = len;
          break;
        }
        case E_DELIVERED_AT:
          this.deliveredAt = readLong(t);
          break;
        case E_TOMBSTONE:
          this.tombstone = body[t.pos++] !== 0;
          break;
        case E_PAYLOAD: {
          const branch = this.plan.payloadBranches[readLong(t)];
          if (branch === undefined) return false;
          payload = branch;
          if (branch === 1) {
            const r = this.parsePayload();
            if (r === undefined) return false;
            pKeyAt = r.keyAt;
            pKeyLen = r.keyLen;
            pVersion = r.version;
          }
          break;
        }
        default:
          if (!env.skips[i]!(t)) return false;
      }
      if (t.pos > body.length) return false;
    }
    if (t.pos !== body.length || !keyOk || payload < 0) return false;
    // decodeTrusted's checks: a tombstone without payload, a payload of the envelope's key and version
    if (this.tombstone ? payload !== 0 : payload !== 1) return false;
    if (!this.tombstone && (pVersion !== this.version || pKeyLen !== this.keyLen || body.compare(body, this.keyAt, this.keyAt + this.keyLen, pKeyAt, pKeyAt + pKeyLen) !== 0)) return false;
    // what the RowBinary writer takes (uint32, a non-negative safe integer for uint64)
    if (!(this.version >= 0 && this.version <= 0xffffffff)) return false;
    if (!(Number.isSafeInteger(this.deliveredAt) && this.deliveredAt >= 0)) return false;
    return true;
  }

  /** the payload's fields; undefined to refuse the event */
  private parsePayload(): { keyAt: number; keyLen: number; version: number } | undefined {
    const t = this.tap;
    const body = t.buf;
    const walk = this.plan.payload;
    let keyAt = 0;
    let keyLen = -1;
    let version = Number.NaN;
    let period = false;
    for (let i = 0; i < walk.uses.length; i++) {
      switch (walk.uses[i]) {
        case P_KEY:
          keyLen = stringLength(t);
          if (keyLen < 0) return undefined;
          keyAt = t.pos - keyLen;
          break;
        case P_VERSION:
          version = readLong(t);
          break;
        case P_DATASET:
          this.datasetLen = stringLength(t);
          if (this.datasetLen < 0) return undefined;
          this.datasetAt = t.pos - this.datasetLen;
          break;
        case P_AREA_LEVEL:
          this.levelLen = stringLength(t);
          if (this.levelLen < 0) return undefined;
          this.levelAt = t.pos - this.levelLen;
          break;
        case P_AREA_CODE:
          this.codeLen = stringLength(t);
          if (this.codeLen < 0) return undefined;
          this.codeAt = t.pos - this.codeLen;
          break;
        case P_PERIOD:
          this.periodLen = stringLength(t);
          if (this.periodLen < 0) return undefined;
          this.periodAt = t.pos - this.periodLen;
          period = periodOk(body, this.periodAt, this.periodLen);
          if (!period) return undefined;
          break;
        case P_OBSERVATIONS:
          if (!this.parseObservations()) return undefined;
          break;
        case P_SYNTHETIC:
          this.synthetic = body[t.pos++] !== 0 ? 1 : 0;
          break;
        default:
          if (!walk.skips[i]!(t)) return undefined;
      }
      if (t.pos > body.length) return undefined;
    }
    return period ? { keyAt, keyLen, version } : undefined;
  }

  private parseObservations(): boolean {
    const t = this.tap;
    const body = t.buf;
    const walk = this.plan.observation;
    const fields = walk.uses.length;
    let n = 0;
    let stored = 0;
    for (let count = blockCount(t); count !== 0; count = blockCount(t)) {
      if (count < 0 || count > body.length - t.pos) return false;
      if (n + count > this.measureAt.length) this.grow(n + count);
      while (count--) {
        let kind = K_COUNT;
        let fraction = 0;
        let recordKeyAt = -1;
        let denominatorAt = -1;
        for (let i = 0; i < fields; i++) {
          switch (walk.uses[i]) {
            case O_MEASURE: {
              const len = stringLength(t);
              if (len < 0) return false;
              this.measureAt[n] = t.pos - len;
              this.measureLen[n] = len;
              break;
            }
            case O_DIMENSIONS:
              this.dimsAt[n] = t.pos;
              if (!this.parseDimensions(n)) return false;
              break;
            case O_VALUE:
              this.valueAt[n] = t.pos;
              t.pos += 8;
              if (t.pos > body.length || isNaNBytes(body, t.pos - 8)) return false;
              break;
            case O_RECORD_KEY:
              if (this.present(walk.branches[i]!)) {
                recordKeyAt = t.pos;
                t.pos += 8;
                if (t.pos > body.length || isNaNBytes(body, recordKeyAt)) return false;
              }
              break;
            case O_VALUE_KIND: {
              const len = stringLength(t);
              if (len < 0) return false;
              kind = sameBytes(body, t.pos - len, len, COUNT) ? K_COUNT : sameBytes(body, t.pos - len, len, SHARE) ? K_SHARE : K_OTHER;
              break;
            }
            case O_UNIT:
              if (this.present(walk.branches[i]!)) {
                const len = stringLength(t);
                if (len < 0) return false;
                fraction = sameBytes(body, t.pos - len, len, FRACTION) ? 1 : 0;
              }
              break;
            case O_DENOMINATOR:
              if (this.present(walk.branches[i]!)) {
                denominatorAt = t.pos;
                t.pos += 8;
                if (t.pos > body.length || isNaNBytes(body, denominatorAt)) return false;
              }
              break;
            default:
              if (!walk.skips[i]!(t)) return false;
          }
          if (t.pos > body.length) return false;
        }
        this.recordKeyAt[n] = recordKeyAt;
        this.kind[n] = kind;
        this.fraction[n] = fraction;
        // a denominator is stored beside a delivered value only
        this.denominatorAt[n] = kind !== K_COUNT ? denominatorAt : -1;
        stored += kind !== K_COUNT && denominatorAt >= 0 ? 2 : 1;
        n++;
      }
    }
    this.n = n;
    this.stored = stored;
    return true;
  }

  /** a nullable field's union branch read (none: a plain type): true for a value, false for null (an invalid one moves past the end) */
  private present(branches: number[]): boolean {
    if (branches.length === 0) return true;
    const b = branches[readLong(this.tap)];
    if (b === undefined) {
      this.tap.pos = this.tap.buf.length + 1; // an invalid branch: refused as past the end
      return false;
    }
    return b === 1;
  }

  /** one observation's dimensions: counted, and refused where an object would not keep the map as it is */
  private parseDimensions(n: number): boolean {
    const t = this.tap;
    const body = t.buf;
    let total = 0;
    for (let count = blockCount(t); count !== 0; count = blockCount(t)) {
      if (count < 0 || count > body.length - t.pos || total + count > MAX_DIMS) return false;
      while (count--) {
        const kLen = stringLength(t);
        if (kLen < 0) return false;
        const kAt = t.pos - kLen;
        if (arrayIndex(body, kAt, kLen) || sameBytes(body, kAt, kLen, PROTO)) return false;
        for (let j = 0; j < total; j++) if (this.dimKeyLen[j] === kLen && body.compare(body, kAt, kAt + kLen, this.dimKeyAt[j]!, this.dimKeyAt[j]! + kLen) === 0) return false;
        this.dimKeyAt[total] = kAt;
        this.dimKeyLen[total] = kLen;
        total++;
        if (stringLength(t) < 0) return false;
      }
    }
    this.dimsCount[n] = total;
    return true;
  }

  private grow(n: number): void {
    const size = Math.max(n, this.measureAt.length * 2);
    this.measureAt = grown(this.measureAt, size);
    this.measureLen = grown(this.measureLen, size);
    this.dimsAt = grown(this.dimsAt, size);
    this.dimsCount = grown(this.dimsCount, size);
    this.valueAt = grown(this.valueAt, size);
    this.recordKeyAt = grown(this.recordKeyAt, size);
    this.kind = grown(this.kind, size);
    this.fraction = grown(this.fraction, size);
    this.denominatorAt = grown(this.denominatorAt, size);
  }

  /** an upper bound of the row's bytes but a withdrawal's leaf (no string's LEB128 length is longer than its Avro one) */
  maxRowBytes(): number {
    return 3 * this.buf.length + 64 + this.stored * (24 + DENOMINATOR_SUFFIX.length + 8);
  }

  /** where a row written at `start` has its leaf columns (after its key and version) */
  leafStart(start: number): number {
    let n = this.keyLen;
    let d = start + 1;
    while (n >= 0x80) {
      n >>>= 7;
      d++;
    }
    return d + this.keyLen + 4;
  }

  /**
   * Writes the parsed event's row into `out` at `d` (room for maxRowBytes() and the leaf): a
   * withdrawal with `leaf` (the leaf columns' bytes, from leafAt to leafEnd; none: empty), a version
   * with its own leaf. Returns the end, or -1 when the row could differ from the old path's (a
   * string that is no valid UTF-8). `leafEnd` is where the row's own leaf columns end (a version's).
   */
  writeRow(out: Buffer, d: number, protection: Protection, secret: string | undefined, leaf: Buffer | undefined, leafAt: number, leafEnd: number): number {
    const src = this.buf;
    this.high = 0;
    d = this.copy(out, d, src, this.keyAt, this.keyLen);
    out.writeUInt32LE(this.version, d);
    d += 4;
    if (this.tombstone) {
      if (leaf) {
        leaf.copy(out, d, leafAt, leafEnd);
        d += leafEnd - leafAt;
      } else for (let k = 0; k < 5; k++) out[d++] = 0;
      out[d++] = 1;
      out[d++] = 0;
      d = this.uint64(out, d, this.deliveredAt);
      d = this.copy(out, d, src, this.amtAt, this.amtLen);
      d = this.copy(out, d, src, this.deliveryIdAt, this.deliveryIdLen);
      for (let k = 0; k < 5; k++) out[d++] = 0;
      return this.checked(d);
    }
    // leaf_key: dataset|areaLevel|areaCode|period
    d = leb128(out, d, this.datasetLen + this.levelLen + this.codeLen + this.periodLen + 3);
    d = this.bytes(out, d, src, this.datasetAt, this.datasetLen);
    out[d++] = 0x7c;
    d = this.bytes(out, d, src, this.levelAt, this.levelLen);
    out[d++] = 0x7c;
    d = this.bytes(out, d, src, this.codeAt, this.codeLen);
    out[d++] = 0x7c;
    d = this.bytes(out, d, src, this.periodAt, this.periodLen);
    d = this.copy(out, d, src, this.datasetAt, this.datasetLen);
    d = this.copy(out, d, src, this.levelAt, this.levelLen);
    d = this.copy(out, d, src, this.codeAt, this.codeLen);
    d = this.copy(out, d, src, this.periodAt, this.periodLen);
    this.leafEnd = d;
    out[d++] = 0;
    out[d++] = this.synthetic;
    d = this.uint64(out, d, this.deliveredAt);
    d = this.copy(out, d, src, this.amtAt, this.amtLen);
    d = this.copy(out, d, src, this.deliveryIdAt, this.deliveryIdLen);
    const n = this.n;
    const stored = this.stored;
    // obs_measure: per observation its measure, and after a delivered value's its denominator's
    d = leb128(out, d, stored);
    for (let i = 0; i < n; i++) {
      d = this.copy(out, d, src, this.measureAt[i]!, this.measureLen[i]!);
      if (this.denominatorAt[i]! >= 0) {
        const len = this.measureLen[i]!;
        d = leb128(out, d, len + DENOMINATOR_SUFFIX.length);
        d = this.bytes(out, d, src, this.measureAt[i]!, len);
        DENOMINATOR_SUFFIX.copy(out, d);
        d += DENOMINATOR_SUFFIX.length;
      }
    }
    // obs_dims
    d = leb128(out, d, stored);
    for (let i = 0; i < n; i++) {
      const start = d;
      d = this.dims(out, d, i);
      if (this.denominatorAt[i]! >= 0) {
        out.copy(out, d, start, d);
        d += d - start;
      }
    }
    // obs_value: a count as delivered, a share delivered as a fraction in %, a denominator as delivered
    d = leb128(out, d, stored);
    for (let i = 0; i < n; i++) {
      if (this.kind[i] === K_SHARE && this.fraction[i]) out.writeDoubleLE(src.readDoubleLE(this.valueAt[i]!) * 100, d);
      else copy8(out, d, src, this.valueAt[i]!);
      d += 8;
      if (this.denominatorAt[i]! >= 0) {
        copy8(out, d, src, this.denominatorAt[i]!);
        d += 8;
      }
    }
    // obs_key and obs_pvalue: a count's record key (delivered, or computed from the secret) and protected value; NONE otherwise
    const keysAt = leb128(out, d, stored);
    const pvaluesAt = leb128(out, keysAt + 8 * stored, stored);
    let k = keysAt;
    let p = pvaluesAt;
    for (let i = 0; i < n; i++) {
      if (this.kind[i] === K_COUNT) {
        const key = this.recordKeyAt[i]! < 0 && !secret ? undefined : this.countKey(i, protection, secret);
        if (key === undefined) {
          none8(out, k);
          none8(out, p);
        } else {
          out.writeDoubleLE(key, k);
          out.writeDoubleLE(perturbCount(src.readDoubleLE(this.valueAt[i]!), key, protection.table), p);
        }
        k += 8;
        p += 8;
        continue;
      }
      none8(out, k);
      none8(out, p);
      k += 8;
      p += 8;
      if (this.denominatorAt[i]! >= 0) {
        none8(out, k);
        none8(out, p);
        k += 8;
        p += 8;
      }
    }
    return this.checked(p);
  }

  /** where the last written version's leaf columns end (they start after its key and version) */
  leafEnd = 0;

  /** `end`, or -1 when a string of the row is no valid UTF-8 */
  private checked(end: number): number {
    if (this.high & 0x100) return -1;
    return this.high & 0x80 && !this.valid() ? -1 : end;
  }

  /** a count's record key: delivered, or (an event before v2) the one the secret gives, or none */
  private countKey(i: number, protection: Protection, secret: string | undefined): number | undefined {
    const at = this.recordKeyAt[i]!;
    if (at >= 0) return this.buf.readDoubleLE(at);
    if (!secret) return undefined;
    // as storedObservations() computes it, from the decoded strings (events written before record keys existed)
    const s = (a: number, l: number) => this.buf.toString('utf8', a, a + l);
    const dimensions: Record<string, string> = {};
    const t: Tap = { buf: this.buf, pos: this.dimsAt[i]! };
    for (let count = blockCount(t); count !== 0; count = blockCount(t)) {
      while (count--) {
        const kLen = stringLength(t);
        const kAt = t.pos - kLen;
        const vLen = stringLength(t);
        dimensions[s(kAt, kLen)] = s(t.pos - vLen, vLen);
      }
    }
    const p = {
      dataset: s(this.datasetAt, this.datasetLen),
      areaLevel: s(this.levelAt, this.levelLen),
      areaCode: s(this.codeAt, this.codeLen),
      period: s(this.periodAt, this.periodLen),
      synthetic: this.synthetic === 1,
      observations: [],
    };
    const o = { measure: s(this.measureAt[i]!, this.measureLen[i]!), dimensions, value: this.buf.readDoubleLE(this.valueAt[i]!), recordKey: null } as Observation;
    const { key } = protectObservation(protection, secret, p, o);
    return key < 0 ? undefined : key;
  }

  /** one observation's dimensions as a Map(String, String) */
  private dims(out: Buffer, d: number, i: number): number {
    const src = this.buf;
    d = leb128(out, d, this.dimsCount[i]!);
    const t = this.tap;
    t.pos = this.dimsAt[i]!;
    for (let count = blockCount(t); count !== 0; count = blockCount(t)) {
      while (count--) {
        const kLen = stringLength(t);
        d = this.copy(out, d, src, t.pos - kLen, kLen);
        const vLen = stringLength(t);
        d = this.copy(out, d, src, t.pos - vLen, vLen);
      }
    }
    return d;
  }

  /** a string: its LEB128 length and its bytes */
  private copy(out: Buffer, d: number, src: Buffer, at: number, len: number): number {
    return this.bytes(out, leb128(out, d, len), src, at, len);
  }

  /** bytes, noting whether any is ≥ 0x80 */
  private bytes(out: Buffer, d: number, src: Buffer, at: number, len: number): number {
    if (len > LONG) {
      src.copy(out, d, at, at + len);
      if (!isUtf8(src.subarray(at, at + len))) this.high |= 0x100;
      return d + len;
    }
    let high = 0;
    for (let i = 0; i < len; i++) {
      const b = src[at + i]!;
      high |= b;
      out[d + i] = b;
    }
    this.high |= high;
    return d + len;
  }

  /** whether every string of the row is valid UTF-8 (only asked when a short one is not ASCII) */
  private valid(): boolean {
    const src = this.buf;
    const ok = (at: number, len: number) => isUtf8(src.subarray(at, at + len));
    if (!ok(this.keyAt, this.keyLen) || !ok(this.amtAt, this.amtLen) || !ok(this.deliveryIdAt, this.deliveryIdLen)) return false;
    if (this.tombstone) return true;
    if (!ok(this.datasetAt, this.datasetLen) || !ok(this.levelAt, this.levelLen) || !ok(this.codeAt, this.codeLen) || !ok(this.periodAt, this.periodLen)) return false;
    const t = this.tap;
    for (let i = 0; i < this.n; i++) {
      if (!ok(this.measureAt[i]!, this.measureLen[i]!)) return false;
      t.pos = this.dimsAt[i]!;
      for (let count = blockCount(t); count !== 0; count = blockCount(t)) {
        while (count--) {
          const kLen = stringLength(t);
          if (!ok(t.pos - kLen, kLen)) return false;
          const vLen = stringLength(t);
          if (!ok(t.pos - vLen, vLen)) return false;
        }
      }
    }
    return true;
  }

  private uint64(out: Buffer, d: number, n: number): number {
    out.writeUInt32LE(n % 0x1_0000_0000, d);
    out.writeUInt32LE(Math.floor(n / 0x1_0000_0000), d + 4);
    return d + 8;
  }
}
