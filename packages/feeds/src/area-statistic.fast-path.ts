// The structural check of an area statistic without zod, for the records that pass it: a delivery of
// 1,000 area statistics spent half its validation in zod's generic object, array and record walk
// (bench/ingestion, issue 17.3, session 16). The strict zod schema stays the definition: a value
// this accepts, zod accepts too and gives the same output (fields in the schema's order, absent
// optionals as zod leaves them, fresh objects the checks may normalise); anything else — a missing
// or unknown field, a wrong type, a number out of range, an unusual object — is left to zod, which
// parses it and names the problem as before. `area-statistic.fast-path.unit.test.ts` holds the two
// against each other.
import { AVRO_INT_MAX, type AreaStatistic, type Observation, valueKinds } from '@sp/events';

/** The fields of the strict schema, in its order (the test compares them with the zod shapes). */
export const areaStatisticFields = ['key', 'version', 'dataset', 'areaLevel', 'areaCode', 'period', 'observations', 'synthetic', 'source'] as const;
export const observationFields = ['measure', 'dimensions', 'value', 'recordKey', 'valueKind', 'unit', 'denominator'] as const;

const recordFieldSet: ReadonlySet<string> = new Set(areaStatisticFields);
const observationFieldSet: ReadonlySet<string> = new Set(observationFields);
const kinds: ReadonlySet<unknown> = new Set(valueKinds);

/** A plain object as JSON.parse and the CSV reader make them; anything else goes to zod. */
function isPlain(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** What the strict zod schema of area-statistic gives for `value` when it conforms in every field; undefined when zod must look at it. */
export function conformingAreaStatistic(value: unknown): AreaStatistic | undefined {
  if (!isPlain(value)) return undefined;
  // for…in instead of Object.keys (no array per record and per observation): it also yields what
  // the prototype lends, which no field set has, so such an object goes to zod like any odd one
  for (const name in value) if (!recordFieldSet.has(name)) return undefined;
  const { key, version, dataset, areaLevel, areaCode, period, observations, synthetic, source } = value;
  if (source === undefined ? Object.hasOwn(value, 'source') : source !== null && typeof source !== 'string') return undefined;
  const src = (source ?? null) as string | null;
  if (!isText(key) || !isText(dataset) || !isText(areaLevel) || !isText(areaCode) || !isText(period)) return undefined;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1 || version > AVRO_INT_MAX) return undefined;
  if (typeof synthetic !== 'boolean' || !Array.isArray(observations) || observations.length === 0) return undefined;
  const out: Observation[] = new Array(observations.length);
  for (let i = 0; i < observations.length; i++) {
    const o = conformingObservation(observations[i]);
    if (!o) return undefined;
    out[i] = o;
  }
  return { key, version, dataset, areaLevel, areaCode, period, observations: out, synthetic, source: src };
}

function conformingObservation(o: unknown): Observation | undefined {
  if (!isPlain(o)) return undefined;
  const { measure, dimensions, value } = o;
  if (!isText(measure) || !isNumber(value)) return undefined;
  const dims = conformingDimensions(dimensions);
  if (!dims) return undefined;
  for (const name in o) if (!observationFieldSet.has(name)) return undefined;
  const out: Observation = { measure, dimensions: dims, value };
  // the optional fields, in the schema's order, where present
  if (Object.hasOwn(o, 'recordKey')) {
    const r = o.recordKey;
    if (r !== null && !(isNumber(r) && r >= 0 && r < 1)) return undefined;
    out.recordKey = r;
  }
  if (Object.hasOwn(o, 'valueKind')) {
    if (!kinds.has(o.valueKind)) return undefined;
    out.valueKind = o.valueKind as Observation['valueKind'];
  }
  if (Object.hasOwn(o, 'unit')) {
    const u = o.unit;
    if (u !== null && typeof u !== 'string') return undefined;
    out.unit = u;
  }
  if (Object.hasOwn(o, 'denominator')) {
    const d = o.denominator;
    if (d !== null && !isNumber(d)) return undefined;
    out.denominator = d;
  }
  return out;
}

function conformingDimensions(d: unknown): Record<string, string> | undefined {
  if (!isPlain(d)) return undefined;
  const out: Record<string, string> = {};
  for (const name in d) {
    // zod drops a "__proto__" entry; an inherited or odd key is zod's to judge
    if (name === '__proto__' || !Object.hasOwn(d, name)) return undefined;
    const v = d[name];
    if (typeof v !== 'string') return undefined;
    out[name] = v;
  }
  return Object.getOwnPropertySymbols(d).length === 0 ? out : undefined;
}
