// Validation of a delivery: structure by the zod schema of the record type (the same fields as the
// Avro schema), then meaning — codes from the taxonomy and the catalogue, areas and coordinates from
// the spatial reference, periods and dates against the clock. Pure: everything comes in as arguments.
// Valid records come back normalised (labels → codes, absent optionals → null, dimensions sorted).
import { type Catalogue, checkDefinition, indicatorSchema, periodicityOf, periodStart as periodStartIso, shiftPeriod } from '@sp/indicators';
import {
  strictRecordSchemas,
  type AreaLevelRecord,
  type AreaRecord,
  type AreaStatistic,
  type IndicatorDefinitionRecord,
  type Observation,
  type Goal,
  type Measure,
  type Milestone,
  type Offer,
  type RecordPayloads,
  type RecordType,
  type ScenarioRecord,
  type StatusReport,
  type Theme,
  type ValueKind,
} from '@sp/events';
import type { z } from 'zod';
import { conformingAreaStatistic } from './area-statistic.fast-path.js';
import type { DatasetDefinition, FeedCatalogue, MeasureDefinition } from './catalogue.js';
import { checkDatasetRecord, type DatasetContext, datasetRecordInput } from './delivered-datasets.js';
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
  /** area records: the levels delivered as area-level records so far (current, not withdrawn), valid for areas before the reference has taken them over */
  deliveredLevels?: readonly string[];
  /**
   * indicator-definition records: the tenant's current catalogue (what it was created with and what
   * was delivered) and the levels of its reference; absent: only the entry's shape is checked
   */
  definitions?: { catalogue: Catalogue; levels: readonly string[] };
  /** dataset records: the indicator catalogue, levels and delivered versions they are checked against; absent: shape, Ämter and codes only */
  datasets?: DatasetContext;
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

export interface ValidationOptions {
  /**
   * false: every area statistic goes through the full checks, none through the one-pass check of a
   * clean record (CleanAreaStatistics) — the reference the differential tests hold that pass to
   */
  cleanPass?: boolean;
}

export function validateRecords<R extends RecordType>(recordType: R, rows: readonly InputRow[], ctx: ValidationContext, options: ValidationOptions = {}): ValidationResult<R> {
  const errors: FeedError[] = [];
  if (rows.length === 0) {
    errors.push(feedError({ row: null, field: null, value: [], code: 'EMPTY_BATCH', message: 'the delivery contains no records', accepted: 'at least one record' }));
    return { ok: false, errors };
  }
  const records: ValidRecord<R>[] = [];
  const keys = new Map<string, number>();
  // a definition may read one delivered in an earlier row: each accepted row joins this call's catalogue
  if (ctx.definitions) ctx = { ...ctx, definitions: { ...ctx.definitions } };
  const clean = recordType === 'area-statistic' && options.cleanPass !== false ? new CleanAreaStatistics(ctx) : undefined;
  for (const input of rows) {
    const value =
      recordType === 'area-statistic'
        ? withDerivedKey(input.value)
        : recordType === 'area-level' || recordType === 'area'
          ? referenceRecordInput(recordType, input.value)
          : recordType === 'indicator-definition'
            ? definitionRecordInput(input.value)
            : recordType === 'dataset'
              ? datasetRecordInput(input.value)
              : input.value;
    // an area statistic that conforms field by field is taken without zod (same output); anything else zod parses and reports
    let record = (recordType === 'area-statistic' ? conformingAreaStatistic(value) : undefined) as RecordPayloads[R] | undefined;
    if (!record) {
      const parsed = (strictRecordSchemas[recordType] as z.ZodType).safeParse(value);
      if (!parsed.success) {
        const report = reporter(input, errors);
        for (const issue of parsed.error.issues) reportIssue(issue, value, report);
        continue;
      }
      record = parsed.data as RecordPayloads[R];
    }
    const before = errors.length;
    // a clean area statistic needs no report: its texts and meaning are checked in one pass; any
    // other record (or any doubt) goes through the full checks, which name every problem
    if (!clean?.accepts(record as AreaStatistic)) {
      const report = reporter(input, errors);
      checkTexts(record, ctx, report);
      checkers[recordType](record as never, ctx, report);
    }
    const first = keys.get(record.key);
    if (first !== undefined) {
      reporter(input, errors)(
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

export type Report = (path: readonly PropertyKey[], value: unknown, code: FeedErrorCode, message: string, accepted: string) => void;

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
      } else if (typeof received === 'number' && !Number.isFinite(received)) {
        // JSON 1e309 arrives as Infinity: a number, but none any record can hold
        report(path, String(received), 'OUT_OF_RANGE', `${fieldPath(path)} is not a finite number (too large for a 64-bit float)`, 'a finite number, e.g. 1234 or 12.5');
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
  theme: checkTheme,
  scenario: checkScenario,
  'area-level': checkAreaLevelRecord,
  area: checkAreaRecord,
  'indicator-definition': checkIndicatorDefinition,
  dataset: checkDatasetRecord,
};

const PERIOD_ACCEPTED = 'a year "2012", a quarter "2012-Q3" or a month "2012-07"';

/** The plausible years of periods or dates: limits.earliestYear … the clock's year + yearsAhead. */
function yearRange(range: { earliestYear: number; yearsAhead: number }, now: Date): [number, number] {
  return [range.earliestYear, now.getUTCFullYear() + range.yearsAhead];
}

/** Periods are read by @sp/indicators' period module (the one grammar of periods), then held to the plausible years. */
function checkPeriod(path: readonly PropertyKey[], period: string, ctx: ValidationContext, report: Report, quarterOnly = false): boolean {
  const kind = periodicityOf(period);
  if (!kind || (quarterOnly && kind !== 'quarter')) {
    report(path, period, 'BAD_PERIOD', `${JSON.stringify(period)} is not a valid period`, quarterOnly ? 'a quarter "2025-Q3"' : PERIOD_ACCEPTED);
    return false;
  }
  const [from, to] = yearRange(ctx.catalogue.limits.periods, ctx.now);
  const year = Number(period.slice(0, 4));
  if (year < from || year > to) {
    report(
      path,
      period,
      'BAD_PERIOD',
      `period ${period} lies outside the plausible years ${from}–${to}`,
      `${quarterOnly ? 'a quarter' : PERIOD_ACCEPTED.replace(/^a year/, 'a period')} of the years ${from}–${to} (feed catalogue limits.periods)`,
    );
    return false;
  }
  if (!quarterOnly && periodStartIso(period) > isoDay(ctx.now)) {
    report(path, period, 'FUTURE_PERIOD', `period ${period} has not begun yet`, `a period that began on or before ${isoDay(ctx.now)}`);
    return false;
  }
  return true;
}

/** The clock's day, ISO; remembered per Date (a delivery's records share one). */
const isoDays = new WeakMap<Date, string>();
function isoDay(now: Date): string {
  let day = isoDays.get(now);
  if (day === undefined) {
    day = now.toISOString().slice(0, 10);
    isoDays.set(now, day);
  }
  return day;
}

/** First and last day (ISO, inclusive) of a well-formed period; remembered, a batch names few periods. */
function periodDays(period: string): [string, string] {
  const known = periodDaysSeen.get(period);
  if (known) return known;
  const next = new Date(`${periodStartIso(shiftPeriod(period, 1))}T00:00:00Z`);
  const days: [string, string] = [periodStartIso(period), new Date(next.getTime() - 86_400_000).toISOString().slice(0, 10)];
  if (periodDaysSeen.size >= 10_000) periodDaysSeen.clear();
  periodDaysSeen.set(period, days);
  return days;
}
const periodDaysSeen = new Map<string, [string, string]>();

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
export function parseIsoDate(s: string): Date | undefined {
  const m = ISO_DATE.exec(s);
  if (!m) return undefined;
  const d = new Date(0);
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3])); // Date.UTC would read year 1 as 1901
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]) ? d : undefined;
}

function checkDate(path: readonly PropertyKey[], s: string | null, ctx: ValidationContext, report: Report): Date | undefined {
  if (s === null) return undefined;
  const d = parseIsoDate(s);
  if (!d) {
    report(path, s, 'BAD_DATE', `${JSON.stringify(s)} is not a valid ISO date`, 'an ISO date YYYY-MM-DD, e.g. 2025-08-01');
    return undefined;
  }
  const [from, to] = yearRange(ctx.catalogue.limits.dates, ctx.now);
  if (d.getUTCFullYear() < from || d.getUTCFullYear() > to) {
    report(path, s, 'BAD_DATE', `${s} lies outside the plausible years ${from}–${to}`, `an ISO date YYYY-MM-DD in the years ${from}–${to} (feed catalogue limits.dates)`);
    return undefined;
  }
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

/**
 * The area named by a planning record must exist at some day of the record's time span (ISO dates,
 * inclusive): a Sozialraum dissolved in 2019 cannot be the area of a measure planned for 2025.
 */
function checkAreaValidity(path: readonly PropertyKey[], level: string, code: string, span: [string, string], ctx: ValidationContext, report: Report, during: string): void {
  if (!ctx.spatial.levels().includes(level) || !ctx.spatial.hasArea(level, code)) return;
  const [first, last] = span[0] <= span[1] ? span : [span[1], span[0]];
  const versions = ctx.spatial.validity(level, code);
  if (versions.some((v) => v.validFrom <= last && (v.validTo === null || v.validTo >= first))) return;
  const spans = versions.map((v) => `${v.validFrom} – ${v.validTo ?? 'today'}`).join(', ');
  report(
    [...path, 'code'],
    code,
    'AREA_NOT_VALID',
    `${level} ${code} did not exist ${during} (${first} – ${last}); it is valid ${spans}`,
    `an area of ${level} valid ${during}, or a time within ${spans}`,
  );
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
  const dataset = ctx.catalogue.dataset(r.dataset);
  const levels = ctx.spatial.levels();
  if (!levels.includes(r.areaLevel)) {
    report(['areaLevel'], r.areaLevel, 'UNKNOWN_AREA_LEVEL', `unknown area level ${JSON.stringify(r.areaLevel)}`, `one of ${levels.join(' | ')}`);
  } else if (dataset && !dataset.levels.includes(r.areaLevel)) {
    // no indicator reads the dataset at this level: the figures would vanish (higher levels are roll-ups)
    report(
      ['areaLevel'],
      r.areaLevel,
      'LEVEL_NOT_READ',
      `dataset ${r.dataset} is not read at level ${r.areaLevel}; the platform computes the other levels from it`,
      `the level(s) of dataset ${r.dataset}: ${dataset.levels.join(' | ') || '(none)'} (feed catalogue)`,
    );
  } else if (!ctx.spatial.hasArea(r.areaLevel, r.areaCode)) {
    report(['areaCode'], r.areaCode, 'UNKNOWN_AREA', `${ctx.spatial.cityName} has no ${r.areaLevel} with code ${JSON.stringify(r.areaCode)}`, areaCodeHint(r.areaLevel));
  }
  const periodOk = checkPeriod(['period'], r.period, ctx, report);
  // the area must exist during the period (a Stadtteil numbered in 1975 cannot carry 1960 figures)
  if (periodOk && (!dataset || dataset.levels.includes(r.areaLevel))) {
    checkAreaValidity([], r.areaLevel, r.areaCode, periodDays(r.period), ctx, (_path, ...rest) => report(['areaCode'], ...rest), `during period ${r.period}`);
  }
  const { maxCount } = ctx.catalogue.limits;
  const seen = new Map<string, number>();
  r.observations.forEach((o, i) => {
    const names = Object.keys(o.dimensions);
    if (names.length > 1) o.dimensions = Object.fromEntries(Object.entries(o.dimensions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const measure = dataset ? checkMeasureOf(r.dataset, dataset, o, i, report) : undefined;
    // the paths of the reports below are made only for a report: per observation they were a
    // tenth of the validation of a valid delivery (bench/ingestion, issue 17.3, session 16)
    const at = (): PropertyKey[] => ['observations', i, 'value'];
    const valueKind = o.valueKind ?? 'COUNT';
    const delivered = measure ? deliveredKindOf(measure) : valueKind !== 'COUNT' ? valueKind : undefined;
    if (measure && (delivered ?? 'COUNT') !== valueKind) {
      report(
        ['observations', i, 'valueKind'],
        valueKind,
        'VALUE_KIND_MISMATCH',
        `${o.measure} is declared as ${measure.kind} in the feed catalogue, not as ${valueKind}`,
        `valueKind ${delivered ?? 'COUNT'}${delivered ? '' : ' (or none)'} for ${o.measure}`,
      );
    } else if (delivered) checkDeliveredValue(r.dataset, measure, o, i, maxCount, report);
    else if (o.unit != null || o.denominator != null)
      report(
        ['observations', i, o.unit != null ? 'unit' : 'denominator'],
        o.unit ?? o.denominator,
        'INVALID_VALUE',
        `${o.measure} is a count: it carries no unit or denominator`,
        'no unit and no denominator (or valueKind SHARE, RATE, MEAN, CHANGE for a measure declared so)',
      );
    if (delivered) {
      // checked by checkDeliveredValue (or refused by the kind mismatch above)
    } else if (!Number.isFinite(o.value)) report(at(), o.value, 'OUT_OF_RANGE', 'a count must be a finite number', 'a number ≥ 0');
    else if (o.value < 0) report(at(), o.value, 'NEGATIVE_COUNT', `a count cannot be negative (${o.measure})`, 'a number ≥ 0');
    else if (measure?.kind === 'count' && !Number.isInteger(o.value))
      report(at(), o.value, 'FRACTIONAL_COUNT', `${o.measure} is a count: ${o.value} is not a whole number`, `a whole number 0 … ${maxCount}`);
    else if (o.value > maxCount) report(at(), o.value, 'OUT_OF_RANGE', `${o.value} is larger than any ${o.measure} can be`, `a number 0 … ${maxCount} (feed catalogue limits.maxCount)`);
    // the record key is the platform's secret-keyed hash (docs/disclosure.md), never the Amt's choice
    if (o.recordKey != null)
      report(['observations', i, 'recordKey'], o.recordKey, 'UNKNOWN_FIELD', 'recordKey is assigned by the platform when the record is ingested', 'an observation without recordKey');
    const id = names.length === 0 ? `${o.measure}{}` : `${o.measure}${JSON.stringify(o.dimensions)}`;
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

/**
 * The texts and meaning of an area statistic checked in one pass that only answers whether
 * checkTexts and checkAreaStatistic would report nothing — the usual record of a delivery of
 * thousands. For those the two walked every record with a path per value, a report closure, the
 * dimensions' entries and an id string per observation: ≈ 10 ms of the service's thread per 1,000
 * records (bench/ingestion, issue 17.3, session 19). What a delivery names few of (dataset, period)
 * is judged once per call. Yes leaves the record as those checks leave it (the dimensions sorted);
 * no changes nothing, and the full checks run and name the problems as before. The differential
 * tests hold the two to that (record.validators.clean-pass.unit.test.ts and the broken-deliveries
 * corpus in services/ingestion).
 */
export class CleanAreaStatistics {
  private readonly datasets = new Map<string, DatasetDefinition | null>();
  private readonly periods = new Map<string, [string, string] | null>();
  private readonly levels: readonly string[];
  private readonly maxChars: number;
  private readonly longMaxChars: number;
  private readonly longFields: ReadonlySet<string>;
  private readonly maxCount: number;

  constructor(private readonly ctx: ValidationContext) {
    const { text, maxCount } = ctx.catalogue.limits;
    this.levels = ctx.spatial.levels();
    this.maxChars = text.maxChars;
    this.longMaxChars = text.longMaxChars;
    this.longFields = new Set(text.longFields);
    this.maxCount = maxCount;
  }

  /** True when the full checks would report nothing; then the record's dimensions are sorted as they sort them. */
  accepts(r: AreaStatistic): boolean {
    if (!this.text(r.key, 'key') || !this.text(r.dataset, 'dataset') || !this.text(r.areaLevel, 'areaLevel') || !this.text(r.areaCode, 'areaCode') || !this.text(r.period, 'period')) return false;
    if (r.source !== null && !this.text(r.source, 'source')) return false;
    if (!isKeyOf(r.key, r)) return false;
    const dataset = this.dataset(r.dataset);
    if (!dataset || !this.levels.includes(r.areaLevel) || !dataset.levels.includes(r.areaLevel) || !this.ctx.spatial.hasArea(r.areaLevel, r.areaCode)) return false;
    const days = this.period(r.period);
    if (!days) return false;
    // the area existed during the period (checkAreaValidity)
    const [first, last] = days;
    if (!this.ctx.spatial.validity(r.areaLevel, r.areaCode).some((v) => v.validFrom <= last && (v.validTo === null || v.validTo >= first))) return false;
    const observations = r.observations;
    const sorting: number[] = [];
    for (let i = 0; i < observations.length; i++) {
      const o = observations[i]!;
      // a measure of the catalogue has no "{": the ids the full check compares are then equal exactly when measure and dimensions are
      if (!this.text(o.measure, 'measure') || o.measure.includes('{')) return false;
      const measure = Object.hasOwn(dataset.measures, o.measure) ? dataset.measures[o.measure] : undefined;
      if (!measure) return false;
      let names = 0;
      for (const name in o.dimensions) {
        const value = o.dimensions[name]!;
        const values = Object.hasOwn(measure.dimensions, name) ? measure.dimensions[name] : undefined;
        if (!values?.includes(value) || !this.text(value, name)) return false;
        names++;
      }
      if (names > 1) sorting.push(i);
      if (o.recordKey != null) return false;
      if (o.valueKind !== undefined && !this.text(o.valueKind, 'valueKind')) return false;
      if (o.unit != null && !this.text(o.unit, 'unit')) return false;
      const delivered = deliveredKindOf(measure);
      if ((delivered ?? 'COUNT') !== (o.valueKind ?? 'COUNT')) return false;
      if (delivered) {
        let ok = true;
        checkDeliveredValue(r.dataset, measure, o, i, this.maxCount, () => {
          ok = false;
        });
        if (!ok) return false;
      } else {
        const v = o.value;
        if (o.unit != null || o.denominator != null || !Number.isFinite(v) || v < 0 || (measure.kind === 'count' && !Number.isInteger(v)) || v > this.maxCount) return false;
      }
    }
    if (hasDuplicateObservation(observations)) return false;
    for (const i of sorting) observations[i]!.dimensions = sortedDimensions(observations[i]!.dimensions);
    return true;
  }

  /** What checkTexts asks of a text in a field of this name. */
  private text(v: string, name: string): boolean {
    const long = this.longFields.has(name);
    if (v.length > (long ? this.longMaxChars : this.maxChars)) return false;
    const bad = firstControl(v, long);
    return bad === -1 || (bad === -2 && !LONE_SURROGATE.test(v));
  }

  /** The dataset's entry when the catalogue has it and the Amt delivers it, else null (checkAreaStatistic's dataset checks). */
  private dataset(code: string): DatasetDefinition | null {
    let d = this.datasets.get(code);
    if (d === undefined) {
      const { catalogue, amt } = this.ctx;
      d = catalogue.hasDataset(code) && catalogue.datasetsOf(amt).includes(code) ? (catalogue.dataset(code) ?? null) : null;
      this.datasets.set(code, d);
    }
    return d;
  }

  /** The period's first and last day when checkPeriod reports nothing on it, else null. */
  private period(period: string): [string, string] | null {
    let days = this.periods.get(period);
    if (days === undefined) {
      let ok = true;
      checkPeriod([], period, this.ctx, () => {
        ok = false;
      });
      days = ok ? periodDays(period) : null;
      this.periods.set(period, days);
    }
    return days;
  }
}

/** key === areaStatisticKey(r), without making the string. */
function isKeyOf(key: string, r: Pick<AreaStatistic, 'dataset' | 'areaLevel' | 'areaCode' | 'period'>): boolean {
  const { dataset, areaLevel, areaCode, period } = r;
  if (key.length !== dataset.length + areaLevel.length + areaCode.length + period.length + 3 || !key.startsWith(dataset)) return false;
  let at = dataset.length;
  if (key.charCodeAt(at) !== 0x7c || !key.startsWith(areaLevel, at + 1)) return false;
  at += areaLevel.length + 1;
  if (key.charCodeAt(at) !== 0x7c || !key.startsWith(areaCode, at + 1)) return false;
  at += areaCode.length + 1;
  return key.charCodeAt(at) === 0x7c && key.startsWith(period, at + 1);
}

/** The dimensions with their names in the order checkAreaStatistic sorts them into. */
function sortedDimensions(dimensions: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(dimensions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Whether two observations have the same measure and dimensions — what checkAreaStatistic's id
 * strings (measure + the sorted dimensions' JSON) find when no measure contains "{": up to 16
 * observations compared pairwise, more by the same ids.
 */
function hasDuplicateObservation(observations: readonly Observation[]): boolean {
  const n = observations.length;
  if (n > 16) {
    const seen = new Set<string>();
    for (const o of observations) {
      const names = Object.keys(o.dimensions);
      const id = names.length === 0 ? `${o.measure}{}` : `${o.measure}${JSON.stringify(names.length > 1 ? sortedDimensions(o.dimensions) : o.dimensions)}`;
      if (seen.has(id)) return true;
      seen.add(id);
    }
    return false;
  }
  for (let i = 1; i < n; i++) {
    const a = observations[i]!;
    for (let j = 0; j < i; j++) {
      const b = observations[j]!;
      if (a.measure === b.measure && sameDimensions(a.dimensions, b.dimensions)) return true;
    }
  }
  return false;
}

function sameDimensions(a: Record<string, string>, b: Record<string, string>): boolean {
  let count = 0;
  for (const name in a) {
    if (!Object.hasOwn(b, name) || b[name] !== a[name]) return false;
    count++;
  }
  for (const _ in b) count--;
  return count === 0;
}

/** The value kind of a measure the feed catalogue declares as a delivered value, undefined for counts and amounts. */
function deliveredKindOf(measure: MeasureDefinition): Exclude<ValueKind, 'COUNT'> | undefined {
  switch (measure.kind) {
    case 'count':
    case 'amount':
      return undefined;
    case 'share':
      return 'SHARE';
    case 'rate':
      return 'RATE';
    case 'mean':
      return 'MEAN';
    case 'change':
      return 'CHANGE';
  }
}

/** Share units and the range each allows. */
const shareUnits: Record<string, number> = { '%': 100, fraction: 1 };

/**
 * A delivered share, rate, mean or change (area-statistic v3): unit as declared, value in the range
 * the kind allows (a change may be negative), denominator a count.
 */
function checkDeliveredValue(dataset: string, measure: MeasureDefinition | undefined, o: Observation, i: number, maxCount: number, report: Report): void {
  const at = ['observations', i, 'value'];
  const kind = o.valueKind ?? 'COUNT';
  const unitAt = ['observations', i, 'unit'];
  let max = Number.POSITIVE_INFINITY;
  if (kind === 'SHARE') {
    if (o.unit == null || !Object.hasOwn(shareUnits, o.unit)) {
      report(unitAt, o.unit, o.unit == null ? 'MISSING_FIELD' : 'UNKNOWN_UNIT', `a share of ${dataset}.${o.measure} needs its unit`, `unit "%" (values 0 … 100) or "fraction" (values 0 … 1)`);
      return;
    }
    max = shareUnits[o.unit]!;
  } else if (measure?.unit !== undefined && o.unit !== measure.unit) {
    report(unitAt, o.unit, o.unit == null ? 'MISSING_FIELD' : 'UNKNOWN_UNIT', `${dataset}.${o.measure} is delivered in ${measure.unit}`, `unit ${JSON.stringify(measure.unit)} (feed catalogue)`);
  } else if (o.unit == null) {
    report(unitAt, o.unit, 'MISSING_FIELD', `a ${kind.toLowerCase()} needs its unit`, 'the unit the value is published in, e.g. "%", "je 1.000", "EUR", "Personen"');
  }
  if (!Number.isFinite(o.value)) report(at, o.value, 'OUT_OF_RANGE', `a ${kind.toLowerCase()} must be a finite number`, kind === 'CHANGE' ? 'a number (negative for a decrease)' : 'a number ≥ 0');
  else if (kind !== 'CHANGE' && o.value < 0)
    report(
      at,
      o.value,
      'OUT_OF_RANGE',
      `a ${kind.toLowerCase()} cannot be negative (${o.measure})`,
      kind === 'SHARE' ? `a number 0 … ${max} (unit ${o.unit})` : 'a number ≥ 0 (valueKind CHANGE for a signed change)',
    );
  else if (o.value > max) report(at, o.value, 'OUT_OF_RANGE', `a share in unit ${o.unit} cannot exceed ${max}`, `a number 0 … ${max}${max === 1 ? ' (or unit "%" for 0 … 100)' : ''}`);
  else if (Math.abs(o.value) > maxCount) report(at, o.value, 'OUT_OF_RANGE', `${o.value} is larger than any ${o.measure} can be`, `a number up to ${maxCount} (feed catalogue limits.maxCount)`);
  if (o.denominator != null) {
    const dat = ['observations', i, 'denominator'];
    const d = o.denominator;
    if (!Number.isFinite(d) || d > maxCount) report(dat, d, 'OUT_OF_RANGE', 'a denominator is a count', `a whole number 0 … ${maxCount}`);
    else if (d < 0) report(dat, d, 'NEGATIVE_COUNT', 'a denominator is a count and cannot be negative', `a whole number 0 … ${maxCount}`);
    else if (!Number.isInteger(d)) report(dat, d, 'FRACTIONAL_COUNT', `a denominator is a count: ${d} is not a whole number`, `a whole number 0 … ${maxCount}`);
  }
}

/** Measure, dimension names and values against the dataset's entry in the feed catalogue. */
function checkMeasureOf(datasetCode: string, dataset: DatasetDefinition, o: Observation, i: number, report: Report): MeasureDefinition | undefined {
  const measure = Object.hasOwn(dataset.measures, o.measure) ? dataset.measures[o.measure] : undefined;
  if (!measure) {
    const known = Object.keys(dataset.measures);
    report(
      ['observations', i, 'measure'],
      o.measure,
      'UNKNOWN_MEASURE',
      `dataset ${datasetCode} has no measure ${JSON.stringify(o.measure)}${suggest(o.measure, known)}`,
      known.length ? `a measure of ${datasetCode}: ${known.join(', ')}` : `none yet: no measure of ${datasetCode} is agreed in the feed catalogue`,
    );
    return undefined;
  }
  for (const [name, value] of Object.entries(o.dimensions)) {
    const values = Object.hasOwn(measure.dimensions, name) ? measure.dimensions[name] : undefined;
    if (!values) {
      const names = Object.keys(measure.dimensions);
      report(
        ['observations', i, 'dimensions', name],
        name,
        'UNKNOWN_DIMENSION',
        `measure ${o.measure} has no dimension ${JSON.stringify(name)}${suggest(name, names)}`,
        names.length ? `dimensions of ${o.measure}: ${names.join(', ')} (or none, for the total)` : `no dimensions: ${o.measure} is a total`,
      );
    } else if (!values.includes(value)) {
      report(
        ['observations', i, 'dimensions', name],
        value,
        'UNKNOWN_DIMENSION_VALUE',
        `${JSON.stringify(value)} is not a value of dimension ${name} of ${o.measure}${suggest(value, values)}`,
        `one of ${values.join(' | ')}`,
      );
    }
  }
  return measure;
}

/** " (did you mean …?)" when a listed value differs only in case, dashes or spaces, or by one letter. */
function suggest(value: string, known: readonly string[]): string {
  const norm = (x: string) =>
    x
      .toLowerCase()
      .replace(/[\u2010-\u2015\u2212]/g, '-')
      .replace(/\s+/g, '');
  const hit = known.find((k) => norm(k) === norm(value)) ?? known.find((k) => editDistanceAtMostOne(k, value));
  return hit ? ` (did you mean ${JSON.stringify(hit)}?)` : '';
}

function editDistanceAtMostOne(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1 || a === b) return false;
  let i = 0;
  let j = 0;
  let edits = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    if (++edits > 1) return false;
    if (a.length > b.length) i++;
    else if (b.length > a.length) j++;
    else {
      i++;
      j++;
    }
  }
  return edits + (a.length - i) + (b.length - j) <= 1;
}

// ── text fields ─────────────────────────────────────────────────────────────────────────────────

// C0 controls, DEL and C1 controls; a long field (description, narrative) may keep tab and line breaks
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Index of the first C0/DEL/C1 control character (tab, LF and CR allowed when `whitespace`), or -1; -2 when there is none but a UTF-16 surrogate (paired or not). */
function firstControl(v: string, whitespace: boolean): number {
  let surrogate = false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if ((c < 0x20 || (c >= 0x7f && c <= 0x9f)) && !(whitespace && (c === 0x09 || c === 0x0a || c === 0x0d))) return i;
    if (c >= 0xd800 && c <= 0xdfff) surrogate = true;
  }
  return surrogate ? -2 : -1;
}

/**
 * Every text of a record: not longer than the catalogue's limits, no control characters, no lone
 * surrogates. Walks the record depth first, last field first (the order the reports have always
 * come in), with one path array pushed and popped: a copy of the path per value was a quarter of
 * the validation's time for a batch of area statistics (bench/ingestion, issue 17.3). The recursion
 * is as deep as the record type's zod schema (the record is its output), not as the input.
 */
function checkTexts(record: unknown, ctx: ValidationContext, report: Report): void {
  const { maxChars, longMaxChars, longFields } = ctx.catalogue.limits.text;
  const path: PropertyKey[] = [];
  const visit = (v: unknown, name: string): void => {
    if (typeof v === 'string') {
      // an area's boundary is GeoJSON text of any length, checked as geometry (checkAreaRecord)
      if (path.length === 1 && name === 'geometry') return;
      // a definition's entry is JSON text checked field by field as the catalogue's schema (checkIndicatorDefinition)
      if (path.length === 1 && name === 'spec') return;
      const long = longFields.includes(name);
      const max = long ? longMaxChars : maxChars;
      if (v.length > max) {
        report([...path], v, 'TEXT_TOO_LONG', `${fieldPath(path)} has ${v.length} characters`, `at most ${max} characters (feed catalogue limits.text)`);
        return;
      }
      const bad = firstControl(v, long);
      if (bad >= 0) {
        const cp = `U+${v.charCodeAt(bad).toString(16).toUpperCase().padStart(4, '0')}`;
        report(
          [...path],
          v,
          'CONTROL_CHARACTER',
          `${fieldPath(path)} contains the control character ${cp} at character ${bad}`,
          long ? 'text without control characters (tab and line breaks are allowed here)' : 'text without control characters or line breaks',
        );
      } else if (bad === -2 && LONE_SURROGATE.test(v)) {
        report([...path], v, 'CONTROL_CHARACTER', `${fieldPath(path)} contains a lone UTF-16 surrogate (an escaped half of a character)`, 'well-formed Unicode text');
      }
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) {
        path.push(i);
        visit(v[i], name);
        path.pop();
      }
    } else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i]!;
        path.push(k);
        visit((v as Record<string, unknown>)[k], k);
        path.pop();
      }
    }
  };
  visit(record, '');
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
    const { maxCount } = ctx.catalogue.limits;
    if (r.capacity.value < 0) report(['capacity', 'value'], r.capacity.value, 'NEGATIVE_COUNT', 'a capacity cannot be negative', 'a number ≥ 0');
    else if (r.capacity.value > maxCount)
      report(['capacity', 'value'], r.capacity.value, 'OUT_OF_RANGE', `a capacity of ${r.capacity.value} is not plausible`, `a number 0 … ${maxCount} (feed catalogue limits.maxCount)`);
  }
  const from = checkDate(['validFrom'], r.validFrom, ctx, report);
  const to = checkDate(['validTo'], r.validTo, ctx, report);
  checkDateOrder(['validTo'], from, to, r.validTo, report, 'validTo');
  checkOfferDetails(r, report);
}

const LANGUAGE = /^[a-z]{2,3}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[0-9][0-9 ()/–-]{3,30}$/;

/** offer v2: the details the Sozialatlas shows citizens must be usable as they are (a link, an address to write to) */
function checkOfferDetails(r: Offer, report: Report): void {
  r.languages.forEach((l, i) => {
    if (!LANGUAGE.test(l)) report(['languages', i], l, 'INVALID_VALUE', `${JSON.stringify(l)} is not a language code`, 'an ISO 639-1 code in lower case: de, en, tr, ar, ru, uk, …');
  });
  if (new Set(r.languages).size !== r.languages.length) report(['languages'], r.languages, 'INVALID_VALUE', 'a language is listed twice', 'each language once');
  const contact = r.contact;
  if (!contact) return;
  if (contact.email !== null && !EMAIL.test(contact.email)) report(['contact', 'email'], contact.email, 'INVALID_VALUE', 'not an e-mail address', 'name@domain.de');
  if (contact.phone !== null && !PHONE.test(contact.phone))
    report(['contact', 'phone'], contact.phone, 'INVALID_VALUE', 'not a phone number', 'digits with spaces, "/", "-" or brackets, optionally starting with +, e.g. 0221 221-0');
  if (contact.website !== null) {
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(contact.website).protocol);
    } catch {
      ok = false;
    }
    if (!ok) report(['contact', 'website'], contact.website, 'INVALID_VALUE', 'not a web address', 'an absolute http(s) URL, e.g. https://www.stadt.example/');
  }
}

function checkGoal(r: Goal, ctx: ValidationContext, report: Report): void {
  // a goal runs from its adoption (or today) to its deadline (or open-ended)
  const today = ctx.now.toISOString().slice(0, 10);
  const span: [string, string] = [r.adoptedBy?.date && parseIsoDate(r.adoptedBy.date) ? r.adoptedBy.date : today, r.deadline && parseIsoDate(r.deadline) ? r.deadline : '9999-12-31'];
  r.areas.forEach((a, i) => {
    checkArea(['areas', i], a.level, a.code, ctx, report);
    checkAreaValidity(['areas', i], a.level, a.code, span, ctx, report, 'while the goal runs');
  });
  checkTargetGroups(['targetGroups'], r.targetGroups, ctx, report);
  checkDate(['deadline'], r.deadline, ctx, report);
  if (r.adoptedBy) checkDate(['adoptedBy', 'date'], r.adoptedBy.date, ctx, report);
  if (r.baselinePeriod !== null) checkPeriod(['baselinePeriod'], r.baselinePeriod, ctx, report);
  if (r.parentKey === r.key) report(['parentKey'], r.parentKey, 'INVALID_VALUE', 'a goal cannot be its own parent', 'the key of another goal, or null');
  checkGoalTargets(r, ctx, report);
}

/** Target values per area and year (goal v2): of the goal's indicator, one per area and year, in a plausible year. */
function checkGoalTargets(r: Goal, ctx: ValidationContext, report: Report): void {
  if (r.targets.length > 0 && r.indicator === null)
    report(['indicator'], r.indicator, 'MISSING_FIELD', 'target values per area and year need the indicator they are values of', 'an indicator code of the catalogue');
  const [firstYear, lastYear] = yearRange(ctx.catalogue.limits.periods, ctx.now);
  const seen = new Map<string, number>();
  r.targets.forEach((t, i) => {
    checkArea(['targets', i, 'area'], t.area.level, t.area.code, ctx, report);
    if (t.year < firstYear || t.year > lastYear)
      report(['targets', i, 'year'], t.year, 'OUT_OF_RANGE', `target year ${t.year} is not plausible`, `a year ${firstYear}–${lastYear} (feed catalogue limits.periods)`);
    if (!Number.isFinite(t.value)) report(['targets', i, 'value'], t.value, 'INVALID_VALUE', 'a target value is a finite number', 'a number in the unit of the indicator');
    const key = `${t.area.level}|${t.area.code}|${t.year}`;
    const first = seen.get(key);
    if (first !== undefined)
      report(['targets', i, 'year'], t.year, 'DUPLICATE_TARGET', `${t.area.level} ${t.area.code} has a target for ${t.year} already (targets[${first}])`, 'one target value per area and year');
    else seen.set(key, i);
  });
}

function checkMeasure(r: Measure, ctx: ValidationContext, report: Report): void {
  const planned = parseIsoDate(r.plannedStart) && parseIsoDate(r.plannedEnd);
  r.areas.forEach((a, i) => {
    checkArea(['areas', i], a.level, a.code, ctx, report);
    if (planned) checkAreaValidity(['areas', i], a.level, a.code, [r.plannedStart, r.plannedEnd], ctx, report, 'while the measure is planned to run');
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
  const { maxAmount } = ctx.catalogue.limits;
  const [firstYear, lastYear] = yearRange(ctx.catalogue.limits.periods, ctx.now);
  r.budget.forEach((b, i) => {
    if (b.year < firstYear || b.year > lastYear)
      report(['budget', i, 'year'], b.year, 'OUT_OF_RANGE', `budget year ${b.year} is not plausible`, `a year ${firstYear}–${lastYear} (feed catalogue limits.periods)`);
    for (const f of ['planned', 'spent', 'approved'] as const) {
      const amount = b[f];
      if (amount === null) continue;
      if (amount < 0) report(['budget', i, f], amount, 'NEGATIVE_COUNT', f === 'spent' ? 'spending cannot be negative' : 'a budget cannot be negative', 'an amount ≥ 0 (EUR)');
      else if (amount > maxAmount) report(['budget', i, f], amount, 'OUT_OF_RANGE', `${amount} EUR is not a plausible amount`, `an amount 0 … ${maxAmount} (EUR, feed catalogue limits.maxAmount)`);
    }
  });
  const ps = checkDate(['plannedStart'], r.plannedStart, ctx, report);
  const pe = checkDate(['plannedEnd'], r.plannedEnd, ctx, report);
  checkDateOrder(['plannedEnd'], ps, pe, r.plannedEnd, report, 'plannedEnd');
  const as = checkDate(['actualStart'], r.actualStart, ctx, report);
  const ae = checkDate(['actualEnd'], r.actualEnd, ctx, report);
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
  checkDate(['plannedDate'], r.plannedDate, ctx, report);
  if (r.plannedQuarter !== null) checkPeriod(['plannedQuarter'], r.plannedQuarter, ctx, report, true);
  const actual = checkDate(['actualDate'], r.actualDate, ctx, report);
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

/**
 * A Sozialraum topic: its area exists (and existed when the topic was found), its dates are ISO dates
 * not in the future. The path (assessed before decided, dates not before the finding, the measure of
 * a decision exists) is the theme decider's and the delivery decider's.
 */
function checkTheme(r: Theme, ctx: ValidationContext, report: Report): void {
  checkArea(['area'], r.area.level, r.area.code, ctx, report);
  const found = checkDate(['foundDate'], r.foundDate, ctx, report);
  if (found) checkAreaValidity(['area'], r.area.level, r.area.code, [r.foundDate, r.foundDate], ctx, report, 'when the topic was found');
  const dates: [readonly PropertyKey[], string | null][] = [
    [['foundDate'], r.foundDate],
    [['assessment', 'date'], r.assessment?.date ?? null],
    [['decision', 'date'], r.decision?.date ?? null],
  ];
  for (const [path, value] of dates) {
    const d = path[0] === 'foundDate' ? found : checkDate(path, value, ctx, report);
    if (d && d.getTime() > ctx.now.getTime()) report(path, value, 'FUTURE_DATE', `${fieldPath(path)} lies in the future`, `a date on or before ${ctx.now.toISOString().slice(0, 10)}`);
  }
}

const AGE_BAND = /^(\d{1,3})(?:-(\d{1,3})|\+)$/;

/**
 * A planning scenario (docs/projection.md §8): its areas exist, the movers' age bands are bands and
 * their shares add up to 1, a facility opened has its capacity, one closed its offer or capacity.
 * Norm codes and the projection's years are checked where they are known (the gateway's
 * saveScenario and the scenario projection).
 */
function checkScenario(r: ScenarioRecord, ctx: ValidationContext, report: Report): void {
  const areaKnown = (code: string) => ctx.spatial.levels().some((level) => ctx.spatial.hasArea(level, code));
  const checkAreaCode = (path: readonly PropertyKey[], code: string) => {
    if (!areaKnown(code))
      report(path, code, 'UNKNOWN_AREA', `${ctx.spatial.cityName} has no area with code ${JSON.stringify(code)}`, "an area code of the spatial reference (the projection's level, e.g. a Stadtteil)");
  };
  r.housingAreas.forEach((h, i) => {
    checkAreaCode(['housingAreas', i, 'areaCode'], h.areaCode);
    h.ageProfile.forEach((a, j) => {
      const m = AGE_BAND.exec(a.band);
      if (!m || (m[2] !== undefined && Number(m[2]) <= Number(m[1]))) {
        report(
          ['housingAreas', i, 'ageProfile', j, 'band'],
          a.band,
          'INVALID_VALUE',
          `${JSON.stringify(a.band)} is not an age band`,
          'a band "from-to" (to exclusive, e.g. "0-6") or "from+" (e.g. "65+")',
        );
      }
    });
    const sum = h.ageProfile.reduce((acc, a) => acc + a.share, 0);
    if (Math.abs(sum - 1) > 1e-6) report(['housingAreas', i, 'ageProfile'], sum, 'INVALID_VALUE', `the movers' shares add up to ${sum}`, 'shares that add up to 1');
  });
  const norms = new Set<string>();
  r.norms.forEach((n, i) => {
    if (norms.has(n.norm)) report(['norms', i, 'norm'], n.norm, 'DUPLICATE_KEY', `norm ${n.norm} is changed twice`, 'each norm once');
    norms.add(n.norm);
  });
  r.facilities.forEach((f, i) => {
    checkAreaCode(['facilities', i, 'areaCode'], f.areaCode);
    if (f.change === 'open' && f.capacity === null) report(['facilities', i, 'capacity'], null, 'MISSING_FIELD', 'a facility opened needs its capacity', 'the places it offers, a number > 0');
    if (f.change === 'close' && f.capacity === null && f.offerKey === null) {
      report(['facilities', i, 'offerKey'], null, 'MISSING_FIELD', 'a facility closed needs the offer closed or its capacity', 'offerKey (a registry offer) or capacity (places)');
    }
  });
}

// ── the spatial reference as delivered data (docs/spatial-reference.md) ─────────────────────────

const LEVEL_NAME = /^[A-Z][A-Z0-9_]*$/;

export function areaLevelKey(r: Pick<AreaLevelRecord, 'level'>): string {
  return r.level;
}

export function areaKey(r: Pick<AreaRecord, 'level' | 'code' | 'validFrom'>): string {
  return `${r.level}|${r.code}|${r.validFrom}`;
}

/** Keys may be left out (they follow from the fields); a JSON or GeoJSON geometry object becomes its GeoJSON text. */
function referenceRecordInput(recordType: 'area-level' | 'area', value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const v = { ...(value as Record<string, unknown>) };
  if (recordType === 'area-level' && v.key === undefined && typeof v.level === 'string') v.key = areaLevelKey({ level: v.level });
  if (recordType === 'area') {
    if (v.key === undefined && [v.level, v.code, v.validFrom].every((p) => typeof p === 'string')) v.key = areaKey(v as Pick<AreaRecord, 'level' | 'code' | 'validFrom'>);
    if (v.geometry !== null && typeof v.geometry === 'object') v.geometry = JSON.stringify(v.geometry);
  }
  return v;
}

function checkLevelName(path: readonly PropertyKey[], level: string, report: Report): void {
  if (!LEVEL_NAME.test(level))
    report(
      path,
      level,
      'INVALID_VALUE',
      `${JSON.stringify(level)} is not a level name`,
      "upper case letters, digits and _ starting with a letter, e.g. GEMEINDE (the label carries the readers' word)",
    );
}

function checkAreaLevelRecord(r: AreaLevelRecord, _ctx: ValidationContext, report: Report): void {
  if (r.key !== areaLevelKey(r)) report(['key'], r.key, 'KEY_MISMATCH', 'the key of an area level is its level name', areaLevelKey(r));
  checkLevelName(['level'], r.level, report);
  if (r.parentLevel !== null) {
    checkLevelName(['parentLevel'], r.parentLevel, report);
    if (r.parentLevel === r.level) report(['parentLevel'], r.parentLevel, 'INVALID_VALUE', 'a level cannot nest in itself', 'the level it nests in, or null for the root');
    if (r.kind === 'union') report(['parentLevel'], r.parentLevel, 'INVALID_VALUE', 'a union level does not nest: its areas name their members', 'null for kind union');
  }
}

function checkAreaRecord(r: AreaRecord, ctx: ValidationContext, report: Report): void {
  if (r.key !== areaKey(r)) report(['key'], r.key, 'KEY_MISMATCH', 'the key of an area is level|code|validFrom', areaKey(r));
  const levels = [...new Set([...ctx.spatial.levels(), ...(ctx.deliveredLevels ?? [])])];
  if (!levels.includes(r.level))
    report(
      ['level'],
      r.level,
      'UNKNOWN_AREA_LEVEL',
      `unknown area level ${JSON.stringify(r.level)}`,
      `a level of the reference: ${levels.join(' | ')} (or deliver the level as an area-level record first)`,
    );
  const from = checkDate(['validFrom'], r.validFrom, ctx, report);
  const to = checkDate(['validTo'], r.validTo, ctx, report);
  checkDateOrder(['validTo'], from, to, r.validTo, report, 'validTo');
  if (r.parent !== null && r.members.length > 0) {
    report(['members'], r.members, 'INVALID_VALUE', 'an area either nests in a parent or is a union of member areas, not both', 'parent (hierarchy levels) or members (union levels)');
  }
  r.members.forEach((m, i) => {
    checkLevelName(['members', i, 'level'], m.level, report);
  });
  if (r.geometry !== null) checkGeometryText(['geometry'], r.geometry, report);
}

/** GeoJSON Polygon or MultiPolygon in WGS84: rings of at least four [lon, lat] positions. */
function checkGeometryText(path: readonly PropertyKey[], text: string, report: Report): void {
  const accepted = 'a GeoJSON Polygon or MultiPolygon in WGS84 ([lon, lat] positions, closed rings of at least 4 positions), or null for an area without a boundary';
  let g: unknown;
  try {
    g = JSON.parse(text);
  } catch {
    report(path, text.slice(0, 40), 'INVALID_VALUE', 'the geometry is not JSON', accepted);
    return;
  }
  const type = (g as { type?: unknown } | null)?.type;
  const coordinates = (g as { coordinates?: unknown } | null)?.coordinates;
  const polygons = type === 'Polygon' ? [coordinates] : type === 'MultiPolygon' && Array.isArray(coordinates) ? coordinates : undefined;
  const position = (p: unknown) => Array.isArray(p) && p.length >= 2 && Number.isFinite(p[0]) && Number.isFinite(p[1]) && Math.abs(p[0] as number) <= 180 && Math.abs(p[1] as number) <= 90;
  const ring = (r: unknown) => Array.isArray(r) && r.length >= 4 && r.every(position);
  if (!polygons || polygons.length === 0 || !polygons.every((p) => Array.isArray(p) && p.length > 0 && p.every(ring))) {
    report(path, typeof type === 'string' ? type : text.slice(0, 40), 'INVALID_COORDINATES', 'the geometry is not a valid Polygon or MultiPolygon', accepted);
  }
}

// ── indicator and index definitions as delivered data (docs/indicators.md §8) ───────────────────

/**
 * A definition is delivered as the catalogue entry itself (the fields of an entry of the indicator
 * catalogue, plus an optional `source`); the record carries it as JSON text in `spec`, its code as
 * key. A record already in record form (with `spec`) is taken as it is.
 */
function definitionRecordInput(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const v = value as Record<string, unknown>;
  if ('spec' in v) return v.spec !== null && typeof v.spec === 'object' ? { ...v, spec: JSON.stringify(v.spec) } : v;
  const { key, source, ...entry } = v;
  return { key: key ?? entry.code, version: entry.version, code: entry.code, kind: entry.kind, spec: JSON.stringify(entry), source: source ?? null };
}

function checkIndicatorDefinition(r: IndicatorDefinitionRecord, ctx: ValidationContext, report: Report): void {
  let raw: unknown;
  try {
    raw = JSON.parse(r.spec);
  } catch {
    report(['spec'], r.spec.slice(0, 40), 'INVALID_VALUE', 'spec is not JSON', 'the catalogue entry as JSON text (or deliver the entry itself as the record)');
    return;
  }
  const parsed = indicatorSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) reportIssue(issue, raw, report);
    return;
  }
  const entry = parsed.data;
  checkTexts(entry, ctx, report);
  if (r.key !== entry.code || r.code !== entry.code) report(['key'], r.key, 'KEY_MISMATCH', 'the key of a definition is its code', entry.code);
  if (r.version !== entry.version) report(['version'], r.version, 'KEY_MISMATCH', "the record's version is the definition's version", String(entry.version));
  if (r.kind !== entry.kind) report(['kind'], r.kind, 'KEY_MISMATCH', "the record's kind is the definition's kind", entry.kind);
  if (!ctx.definitions) return;
  const checked = checkDefinition(ctx.definitions.catalogue, entry, ctx.definitions.levels);
  if (!checked.ok) {
    for (const i of checked.issues) report(i.path, i.value, i.code, i.message, i.accepted);
    return;
  }
  ctx.definitions.catalogue = checked.catalogue;
}
