// Validation of a delivery: structure by the zod schema of the record type (the same fields as the
// Avro schema), then meaning — codes from the taxonomy and the catalogue, areas and coordinates from
// the spatial reference, periods and dates against the clock. Pure: everything comes in as arguments.
// Valid records come back normalised (labels → codes, absent optionals → null, dimensions sorted).
import { strictRecordSchemas, type AreaStatistic, type Goal, type Measure, type Milestone, type Offer, type RecordPayloads, type RecordType, type StatusReport } from '@sp/events';
import type { z } from 'zod';
import type { FeedCatalogue } from './catalogue.js';
import { capErrors, feedError, type FeedError, type FeedErrorCode } from './feed-error.js';
import type { SpatialChecks } from './spatial-checks.js';
import type { Taxonomy } from './taxonomy.js';

export interface ValidationContext {
  /** the delivering Amt */
  amt: string;
  catalogue: FeedCatalogue;
  taxonomy: Taxonomy;
  spatial: SpatialChecks;
  /** the clock, for future periods and dates */
  now: Date;
}

/** One input record and where it came from, so errors can name the row and the column. */
export interface InputRow {
  row: number;
  value: unknown;
  /** CSV: the spreadsheet row that holds this part of the record (e.g. one observation) */
  rowFor?: (path: readonly PropertyKey[]) => number;
  /** CSV: the column name of a field path */
  columnFor?: (path: readonly PropertyKey[]) => string;
}

export interface ValidRecord<R extends RecordType> {
  row: number;
  record: RecordPayloads[R];
}

export type ValidationResult<R extends RecordType> = { ok: true; records: ValidRecord<R>[] } | { ok: false; errors: FeedError[] };

export function validateRecords<R extends RecordType>(recordType: R, rows: readonly InputRow[], ctx: ValidationContext): ValidationResult<R> {
  const errors: FeedError[] = [];
  if (rows.length === 0) {
    errors.push(feedError({ row: null, field: null, value: [], code: 'EMPTY_BATCH', message: 'the delivery contains no records', accepted: 'at least one record' }));
    return { ok: false, errors };
  }
  const records: ValidRecord<R>[] = [];
  const keys = new Map<string, number>();
  for (const input of rows) {
    const report = reporter(input, errors);
    const value = recordType === 'area-statistic' ? withDerivedKey(input.value) : input.value;
    const parsed = (strictRecordSchemas[recordType] as z.ZodType).safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) reportIssue(issue, value, report);
      continue;
    }
    const record = parsed.data as RecordPayloads[R];
    const before = errors.length;
    checkers[recordType](record as never, ctx, report);
    const first = keys.get(record.key);
    if (first !== undefined) {
      report(
        ['key'],
        record.key,
        'DUPLICATE_KEY',
        `key ${record.key} appears twice in this delivery (first in row ${first})`,
        'each key once per delivery; deliver a correction as a new version in a later delivery',
      );
    } else keys.set(record.key, input.row);
    if (errors.length === before) records.push({ row: input.row, record });
  }
  return errors.length > 0 ? { ok: false, errors: capErrors(errors) } : { ok: true, records };
}

type Report = (path: readonly PropertyKey[], value: unknown, code: FeedErrorCode, message: string, accepted: string) => void;

function reporter(input: InputRow, errors: FeedError[]): Report {
  return (path, value, code, message, accepted) =>
    errors.push(
      feedError({
        row: input.rowFor ? input.rowFor(path) : input.row,
        field: path.length === 0 ? null : input.columnFor ? input.columnFor(path) : fieldPath(path),
        value,
        code,
        message,
        accepted,
      }),
    );
}

export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

function reportIssue(issue: z.core.$ZodIssue, input: unknown, report: Report): void {
  const path = issue.path;
  const received = valueAt(input, path);
  switch (issue.code) {
    case 'invalid_type': {
      if (received === undefined) {
        if (path.length === 2 && path[0] === 'capacity' && path[1] === 'unit') {
          report(path, valueAt(input, ['capacity']), 'CAPACITY_WITHOUT_UNIT', 'a capacity needs its unit', 'a capacity unit code from the taxonomy, e.g. plaetze, stunden, betten');
        } else {
          report(path, null, 'MISSING_FIELD', `${fieldPath(path)} is required`, `a value of type ${issue.expected}`);
        }
      } else {
        report(path, received, 'WRONG_TYPE', `expected ${issue.expected}, received ${typeName(received)}`, `a value of type ${issue.expected}`);
      }
      return;
    }
    case 'unrecognized_keys':
      for (const k of issue.keys) {
        report([...path, k], valueAt(input, [...path, k]), 'UNKNOWN_FIELD', `unknown field ${fieldPath([...path, k])}`, 'only the fields of the record type (docs/records.md, docs/feeds.md)');
      }
      return;
    case 'invalid_value':
      report(path, received, 'INVALID_VALUE', `${JSON.stringify(received)} is not allowed here`, `one of ${issue.values.map((v) => String(v)).join(' | ')}`);
      return;
    case 'too_small':
      if (issue.origin === 'string' && received === '') {
        report(path, received, 'MISSING_FIELD', `${fieldPath(path)} must not be empty`, 'a non-empty text');
      } else if (issue.origin === 'array') {
        report(path, received, 'OUT_OF_RANGE', `${fieldPath(path)} needs at least ${String(issue.minimum)} entries`, `at least ${String(issue.minimum)} entries`);
      } else {
        report(
          path,
          received,
          'OUT_OF_RANGE',
          `${JSON.stringify(received)} is too small`,
          `${issue.inclusive ? '≥' : '>'} ${String(issue.minimum)}${issue.origin === 'int' || path.at(-1) === 'version' ? ' (an integer)' : ''}`,
        );
      }
      return;
    case 'too_big':
      report(path, received, 'OUT_OF_RANGE', `${JSON.stringify(received)} is too big`, `${issue.inclusive ? '≤' : '<'} ${String(issue.maximum)}`);
      return;
    default:
      report(path, received, 'INVALID_VALUE', issue.message, 'see docs/feeds.md for the record type');
  }
}

function withDerivedKey(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const v = value as Record<string, unknown>;
  if (v.key !== undefined) return v;
  if ([v.dataset, v.areaLevel, v.areaCode, v.period].every((p) => typeof p === 'string')) {
    return { key: areaStatisticKey(v as Pick<AreaStatistic, 'dataset' | 'areaLevel' | 'areaCode' | 'period'>), ...v };
  }
  return v;
}

export function areaStatisticKey(r: Pick<AreaStatistic, 'dataset' | 'areaLevel' | 'areaCode' | 'period'>): string {
  return `${r.dataset}|${r.areaLevel}|${r.areaCode}|${r.period}`;
}

// ── semantic checks per record type ─────────────────────────────────────────────────────────────

const checkers: { [R in RecordType]: (record: RecordPayloads[R], ctx: ValidationContext, report: Report) => void } = {
  'area-statistic': checkAreaStatistic,
  offer: checkOffer,
  goal: checkGoal,
  measure: checkMeasure,
  milestone: checkMilestone,
  'status-report': checkStatusReport,
};

const PERIOD = /^(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$/;
const PERIOD_ACCEPTED = 'a year "2012", a quarter "2012-Q3" or a month "2012-07"';

/** First day of a period, or undefined when malformed. */
export function periodStart(period: string): Date | undefined {
  const m = PERIOD.exec(period);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = m[2] ? (Number(m[2]) - 1) * 3 : m[3] ? Number(m[3]) - 1 : 0;
  return new Date(Date.UTC(year, month, 1));
}

function checkPeriod(path: readonly PropertyKey[], period: string, ctx: ValidationContext, report: Report, quarterOnly = false): void {
  const start = periodStart(period);
  if (!start || (quarterOnly && !/-Q[1-4]$/.test(period))) {
    report(path, period, 'BAD_PERIOD', `${JSON.stringify(period)} is not a valid period`, quarterOnly ? 'a quarter "2025-Q3"' : PERIOD_ACCEPTED);
  } else if (!quarterOnly && start.getTime() > ctx.now.getTime()) {
    report(path, period, 'FUTURE_PERIOD', `period ${period} has not begun yet`, `a period that began on or before ${ctx.now.toISOString().slice(0, 10)}`);
  }
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
export function parseIsoDate(s: string): Date | undefined {
  const m = ISO_DATE.exec(s);
  if (!m) return undefined;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]) ? d : undefined;
}

function checkDate(path: readonly PropertyKey[], s: string | null, report: Report): Date | undefined {
  if (s === null) return undefined;
  const d = parseIsoDate(s);
  if (!d) report(path, s, 'BAD_DATE', `${JSON.stringify(s)} is not a valid ISO date`, 'an ISO date YYYY-MM-DD, e.g. 2025-08-01');
  return d;
}

function checkDateOrder(path: readonly PropertyKey[], from: Date | undefined, to: Date | undefined, value: unknown, report: Report, what: string): void {
  if (from && to && to.getTime() < from.getTime()) report(path, value, 'BAD_DATE', `${what} lies before its start`, `a date on or after ${from.toISOString().slice(0, 10)}`);
}

/** `path` points at an {level, code} object */
function checkArea(path: readonly PropertyKey[], level: string, code: string, ctx: ValidationContext, report: Report): void {
  const levels = ctx.spatial.levels();
  if (!levels.includes(level)) {
    report([...path, 'level'], level, 'UNKNOWN_AREA_LEVEL', `unknown area level ${JSON.stringify(level)}`, `one of ${levels.join(' | ')}`);
  } else if (!ctx.spatial.hasArea(level, code)) {
    report([...path, 'code'], code, 'UNKNOWN_AREA', `${ctx.spatial.cityName} has no ${level} with code ${JSON.stringify(code)}`, areaCodeHint(level));
  }
}

function areaCodeHint(level: string): string {
  switch (level) {
    case 'STADT':
      return 'code "0" (the whole city)';
    case 'STADTBEZIRK':
      return 'a Stadtbezirk code "1".."9"';
    case 'STADTTEIL':
      return 'a Stadtteil code of the spatial reference, e.g. "101".."909"';
    case 'STADTVIERTEL':
      return 'a 5-digit Stadtviertel code of the spatial reference, e.g. "10101"';
    default:
      return `an area code of level ${level} in the spatial reference`;
  }
}

function checkTargetGroups(path: readonly PropertyKey[], groups: string[], ctx: ValidationContext, report: Report): void {
  groups.forEach((g, i) => {
    const entry = ctx.taxonomy.targetGroups.find(g);
    if (!entry) report([...path, i], g, 'UNKNOWN_TARGET_GROUP', `unknown target group ${JSON.stringify(g)}`, `a target group code: ${ctx.taxonomy.targetGroups.describe()}`);
    else groups[i] = entry.code;
  });
}

const PARTNER = /^(Träger|Stelle): \S.*$/;

function checkAmt(path: readonly PropertyKey[], amt: string, ctx: ValidationContext, report: Report): void {
  if (!ctx.catalogue.hasAmt(amt)) report(path, amt, 'UNKNOWN_AMT', `unknown Amt ${JSON.stringify(amt)}`, `an Amt code of the feed catalogue: ${ctx.catalogue.amtCodes().join(', ')}`);
}

function checkAreaStatistic(r: AreaStatistic, ctx: ValidationContext, report: Report): void {
  const derived = areaStatisticKey(r);
  if (r.key !== derived) report(['key'], r.key, 'KEY_MISMATCH', 'the key of an area statistic is dataset|areaLevel|areaCode|period', derived);
  if (!ctx.catalogue.hasDataset(r.dataset)) {
    report(
      ['dataset'],
      r.dataset,
      'UNKNOWN_DATASET',
      `unknown dataset ${JSON.stringify(r.dataset)}`,
      `a dataset of the feed catalogue your Amt delivers: ${ctx.catalogue.datasetsOf(ctx.amt).join(', ')}`,
    );
  } else if (!ctx.catalogue.datasetsOf(ctx.amt).includes(r.dataset)) {
    report(
      ['dataset'],
      r.dataset,
      'DATASET_NOT_ALLOWED',
      `Amt ${ctx.amt} may not deliver dataset ${r.dataset}`,
      `a dataset of Amt ${ctx.amt}: ${ctx.catalogue.datasetsOf(ctx.amt).join(', ') || '(none)'}`,
    );
  }
  const levels = ctx.spatial.levels();
  if (!levels.includes(r.areaLevel)) {
    report(['areaLevel'], r.areaLevel, 'UNKNOWN_AREA_LEVEL', `unknown area level ${JSON.stringify(r.areaLevel)}`, `one of ${levels.join(' | ')}`);
  } else if (!ctx.spatial.hasArea(r.areaLevel, r.areaCode)) {
    report(['areaCode'], r.areaCode, 'UNKNOWN_AREA', `${ctx.spatial.cityName} has no ${r.areaLevel} with code ${JSON.stringify(r.areaCode)}`, areaCodeHint(r.areaLevel));
  }
  checkPeriod(['period'], r.period, ctx, report);
  const seen = new Map<string, number>();
  r.observations.forEach((o, i) => {
    o.dimensions = Object.fromEntries(Object.entries(o.dimensions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    if (!Number.isFinite(o.value)) report(['observations', i, 'value'], o.value, 'WRONG_TYPE', 'a count must be a finite number', 'a number ≥ 0');
    else if (o.value < 0) report(['observations', i, 'value'], o.value, 'NEGATIVE_COUNT', `a count cannot be negative (${o.measure})`, 'a number ≥ 0');
    // the record key is the platform's secret-keyed hash (docs/disclosure.md), never the Amt's choice
    if (o.recordKey != null)
      report(['observations', i, 'recordKey'], o.recordKey, 'UNKNOWN_FIELD', 'recordKey is assigned by the platform when the record is ingested', 'an observation without recordKey');
    const id = `${o.measure}${JSON.stringify(o.dimensions)}`;
    const first = seen.get(id);
    if (first !== undefined) {
      report(
        ['observations', i, 'measure'],
        o.measure,
        'DUPLICATE_OBSERVATION',
        `measure ${o.measure} with dimensions ${JSON.stringify(o.dimensions)} appears twice (also observation ${first})`,
        'one value per measure and combination of dimensions',
      );
    } else seen.set(id, i);
  });
}

function checkOffer(r: Offer, ctx: ValidationContext, report: Report): void {
  const type = ctx.taxonomy.offerTypes.find(r.offerType);
  if (!type) {
    report(['offerType'], r.offerType, 'UNKNOWN_OFFER_TYPE', `unknown offer type ${JSON.stringify(r.offerType)}`, `an offer type code: ${ctx.taxonomy.offerTypes.describe()}`);
  } else {
    r.offerType = type.code;
    if (r.subtype !== null && type.subtypes?.length) {
      const sub = ctx.taxonomy.subtypes(type).find(r.subtype);
      if (!sub) report(['subtype'], r.subtype, 'UNKNOWN_SUBTYPE', `unknown subtype of ${type.code}`, `a subtype of ${type.code}: ${ctx.taxonomy.subtypes(type).describe()}`);
      else r.subtype = sub.code;
    }
  }
  checkAmt(['amt'], r.amt, ctx, report);
  checkTargetGroups(['targetGroups'], r.targetGroups, ctx, report);
  const { lat, lon } = r.location;
  if (!(Number.isFinite(lat) && Math.abs(lat) <= 90 && Number.isFinite(lon) && Math.abs(lon) <= 180)) {
    report(['location'], r.location, 'INVALID_COORDINATES', 'not a WGS84 coordinate', 'lat in −90..90 and lon in −180..180 (decimal degrees, WGS84)');
  } else if (!ctx.spatial.insideCity(lat, lon)) {
    const swapped = Math.abs(lon) <= 90 && ctx.spatial.insideCity(lon, lat);
    report(['location'], r.location, 'OUTSIDE_CITY', `the point lies outside ${ctx.spatial.cityName}${swapped ? ' (lat and lon look swapped)' : ''}`, `a WGS84 point inside ${ctx.spatial.cityName}`);
  }
  if (r.capacity) {
    const unit = ctx.taxonomy.capacityUnits.find(r.capacity.unit);
    if (!unit)
      report(['capacity', 'unit'], r.capacity.unit, 'UNKNOWN_CAPACITY_UNIT', `unknown capacity unit ${JSON.stringify(r.capacity.unit)}`, `a unit code: ${ctx.taxonomy.capacityUnits.describe()}`);
    else r.capacity.unit = unit.code;
    if (r.capacity.value < 0) report(['capacity', 'value'], r.capacity.value, 'NEGATIVE_COUNT', 'a capacity cannot be negative', 'a number ≥ 0');
  }
  const from = checkDate(['validFrom'], r.validFrom, report);
  const to = checkDate(['validTo'], r.validTo, report);
  checkDateOrder(['validTo'], from, to, r.validTo, report, 'validTo');
}

function checkGoal(r: Goal, ctx: ValidationContext, report: Report): void {
  r.areas.forEach((a, i) => {
    checkArea(['areas', i], a.level, a.code, ctx, report);
  });
  checkTargetGroups(['targetGroups'], r.targetGroups, ctx, report);
  checkDate(['deadline'], r.deadline, report);
  if (r.adoptedBy) checkDate(['adoptedBy', 'date'], r.adoptedBy.date, report);
  if (r.baselinePeriod !== null) checkPeriod(['baselinePeriod'], r.baselinePeriod, ctx, report);
  if (r.parentKey === r.key) report(['parentKey'], r.parentKey, 'INVALID_VALUE', 'a goal cannot be its own parent', 'the key of another goal, or null');
}

function checkMeasure(r: Measure, ctx: ValidationContext, report: Report): void {
  r.areas.forEach((a, i) => {
    checkArea(['areas', i], a.level, a.code, ctx, report);
  });
  checkTargetGroups(['targetGroups'], r.targetGroups, ctx, report);
  checkAmt(['leadAmt'], r.leadAmt, ctx, report);
  // participants are Ämter (by code) or other organisations — free providers, a Bezirksamt — by name
  r.participants.forEach((p, i) => {
    if (ctx.catalogue.hasAmt(p) || PARTNER.test(p)) return;
    report(
      ['participants', i],
      p,
      'UNKNOWN_PARTICIPANT',
      `unknown participant ${JSON.stringify(p)}`,
      `an Amt code of the feed catalogue (${ctx.catalogue.amtCodes().join(', ')}) or another organisation as "Träger: Name" or "Stelle: Name"`,
    );
  });
  r.budget.forEach((b, i) => {
    if (b.planned < 0) report(['budget', i, 'planned'], b.planned, 'NEGATIVE_COUNT', 'a budget cannot be negative', 'an amount ≥ 0 (EUR)');
    if (b.spent < 0) report(['budget', i, 'spent'], b.spent, 'NEGATIVE_COUNT', 'spending cannot be negative', 'an amount ≥ 0 (EUR)');
  });
  const ps = checkDate(['plannedStart'], r.plannedStart, report);
  const pe = checkDate(['plannedEnd'], r.plannedEnd, report);
  checkDateOrder(['plannedEnd'], ps, pe, r.plannedEnd, report, 'plannedEnd');
  const as = checkDate(['actualStart'], r.actualStart, report);
  const ae = checkDate(['actualEnd'], r.actualEnd, report);
  checkDateOrder(['actualEnd'], as, ae, r.actualEnd, report, 'actualEnd');
  for (const [field, d] of [
    ['actualStart', as],
    ['actualEnd', ae],
  ] as const) {
    if (d && d.getTime() > ctx.now.getTime()) report([field], r[field], 'FUTURE_DATE', `${field} lies in the future`, `a date on or before ${ctx.now.toISOString().slice(0, 10)}`);
  }
}

function checkMilestone(r: Milestone, ctx: ValidationContext, report: Report): void {
  if ((r.plannedDate === null) === (r.plannedQuarter === null)) {
    report(
      ['plannedDate'],
      { plannedDate: r.plannedDate, plannedQuarter: r.plannedQuarter },
      r.plannedDate === null ? 'MISSING_FIELD' : 'INVALID_VALUE',
      'a milestone has either a planned date or a planned quarter',
      'exactly one of plannedDate (YYYY-MM-DD) and plannedQuarter (YYYY-Qn)',
    );
  }
  checkDate(['plannedDate'], r.plannedDate, report);
  if (r.plannedQuarter !== null) checkPeriod(['plannedQuarter'], r.plannedQuarter, ctx, report, true);
  const actual = checkDate(['actualDate'], r.actualDate, report);
  if (actual && actual.getTime() > ctx.now.getTime()) report(['actualDate'], r.actualDate, 'FUTURE_DATE', 'actualDate lies in the future', `a date on or before ${ctx.now.toISOString().slice(0, 10)}`);
}

function checkStatusReport(r: StatusReport, ctx: ValidationContext, report: Report): void {
  const t = Date.parse(r.reportedAt);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(r.reportedAt) || Number.isNaN(t)) {
    report(['reportedAt'], r.reportedAt, 'BAD_DATE', `${JSON.stringify(r.reportedAt)} is not an ISO date-time`, 'an ISO 8601 date-time with zone, e.g. 2025-06-30T12:00:00Z');
  } else if (t > ctx.now.getTime() + 5 * 60_000) {
    report(['reportedAt'], r.reportedAt, 'FUTURE_DATE', 'reportedAt lies in the future', `a time on or before ${ctx.now.toISOString()}`);
  }
}
