// Turns a planning record delivery into an aggregate's commands and events: "previous snapshot (or
// none) + new snapshot" → commands → the decider → events. What differs between goal, measure,
// milestone and status report is one RecordMapping each (*.record-mapping.ts); everything else —
// version rules, event ids and metadata, rebuilding state from a stored snapshot, withdrawals — is
// here once, generic over the mapping. A new version that implies an illegal transition throws the
// decider's PlanningDomainError, which the ingestion service reports to the Amt. A withdrawal
// (tombstone) becomes the aggregate's Withdraw command; the next version of a withdrawn record is
// mapped like a first version (the Amt starts it afresh) against the withdrawn state.
import { fold, type Decider, type PlanningMetadata, type Withdrawal } from '../decider.js';
import type { MeasureFacts } from '../measure/measure.decider.js';
import { PlanningDomainError } from '../planning.errors.js';
import {
  goalRecordSchema,
  measureRecordSchema,
  milestoneRecordSchema,
  statusReportRecordSchema,
  type GoalRecord,
  type MeasureRecord,
  type MilestoneRecord,
  type PlanningRecordType,
  type StatusReportRecord,
  themeRecordSchema,
  type ThemeRecord,
} from './planning-records.schema.js';

/** Who delivered the record version, in which delivery, and when it was accepted. */
export interface RecordContext {
  readonly deliveryId: string;
  readonly actor: string;
  /** ISO date-time the version takes effect (delivery accepted); deciders use it as "now" */
  readonly at: string;
}

/** A withdrawal of a planning record (a tombstone): the record's key and the tombstone's version. */
export interface RecordWithdrawal {
  readonly key: string;
  readonly version: number;
}

export interface RecordOutcome<C, E, S> {
  readonly commands: readonly C[];
  readonly events: readonly E[];
  /** state after the events */
  readonly state: S;
}

/**
 * Facts other aggregates hold that a mapping needs, looked up by the caller (the deciders stay pure:
 * the commands carry the facts).
 */
export interface RecordLookups {
  /** the facts of a measure now: milestones and status reports check theirs */
  readonly measure: (measureKey: string) => MeasureFacts | undefined;
  /** the keys of the measures (not withdrawn) that name a goal; undefined: not checked */
  readonly servingMeasures: (goalKey: string) => readonly string[] | undefined;
}

/** What every planning record has: a key and a version. */
export type Keyed = { readonly key: string; readonly version: number };
/** What every aggregate state has: a status ('withdrawn' for a withdrawn record). */
export type Stated = { readonly status: string };

/** Nothing looked up: no measure is known, a goal's serving measures are not checked. */
export const noLookups: RecordLookups = { measure: () => undefined, servingMeasures: () => undefined };

/** What a record type needs beyond the generic steps: the part that really differs per aggregate. */
export interface RecordMapping<R extends Keyed, S extends Stated, C, E> {
  readonly recordType: PlanningRecordType;
  readonly decider: Decider<S, C, E>;
  /** reads a raw payload (decoded Avro/JSON) or throws RECORD_INVALID naming the field */
  parse(raw: unknown): R;
  /**
   * The commands a new version implies, in the order they are decided. `previous` undefined: a first
   * version, which describes the aggregate as it stands. `metadata()` gives the next command's metadata.
   */
  commands(previous: R | undefined, next: R, metadata: () => PlanningMetadata, lookups: RecordLookups): C[];
  /**
   * The state a stored snapshot stands for (the event stream itself is not at hand). Default: its
   * commands as a first version, decided (rehydrate), for aggregates whose first version describes
   * them fully.
   */
  stateOf?(record: R): S;
  /** the aggregate's Withdraw command */
  withdraw(key: string, metadata: PlanningMetadata, lookups: RecordLookups): C;
}

// ---------------------------------------------------------------------------------------------- generic steps

/** Deterministic event id: "<recordType>:<key>:<version>:<n>". Version and n are always the last two parts. */
export function planningEventId(recordType: PlanningRecordType, key: string, version: number, n: number): string {
  return `${recordType}:${key}:${version}:${n}`;
}

/** Metadata for the commands of one record version (or tombstone), numbered in order. */
function metadataFactory(recordType: PlanningRecordType, next: Keyed, ctx: RecordContext): () => PlanningMetadata {
  let n = 0;
  return (): PlanningMetadata => ({
    eventId: planningEventId(recordType, next.key, next.version, n++),
    deliveryId: ctx.deliveryId,
    actor: ctx.actor,
    at: ctx.at,
    recordKey: next.key,
    recordVersion: next.version,
  });
}

/** Structural equality of plain JSON-like values; absent and undefined are the same. */
export function sameValue(a: unknown, b: unknown): boolean {
  return stableJson(a) === stableJson(b);
}
function stableJson(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined && x !== null)
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** An object without its undefined properties (records compare and store without them). */
export function omitUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function notNewer(key: string, message: string): PlanningDomainError {
  return new PlanningDomainError('RECORD_VERSION_NOT_NEWER', message, { key, field: 'version' });
}

function checkKey(previous: { key: string }, key: string): void {
  if (previous.key !== key) throw new PlanningDomainError('RECORD_KEY_MISMATCH', `the previous version belongs to key ${previous.key}`, { key, field: 'key' });
}

/**
 * Checks key and version against the previous snapshot. Returns false when the "new" version is the
 * previous one delivered again unchanged (a no-op for idempotent re-delivery).
 */
function checkVersions<R extends Keyed>(previous: R | undefined, next: R): boolean {
  if (previous === undefined) return true;
  checkKey(previous, next.key);
  if (next.version === previous.version && sameValue(previous, next)) return false;
  if (next.version <= previous.version) throw notNewer(next.key, `version ${next.version} is not newer than the stored version ${previous.version}; give version ${previous.version + 1} or higher`);
  return true;
}

/**
 * The previous snapshot the next version is compared with: none when the record was withdrawn (its next
 * version describes it afresh, as a first version does, and must be newer than the tombstone), else the
 * stored one.
 */
function diffBase<R extends Keyed>(previous: R | undefined, next: R, state: { status: string; withdrawal?: Withdrawal }): R | undefined {
  if (state.status !== 'withdrawn' || state.withdrawal === undefined) return previous;
  const tombstone = state.withdrawal.version;
  if (next.version <= tombstone) throw notNewer(next.key, `version ${next.version} is not newer than the withdrawal (version ${tombstone}); give version ${tombstone + 1} or higher`);
  return undefined;
}

/** Runs the commands one after the other, each against the state the previous one produced. */
export function decideAll<S, C, E>(decider: Decider<S, C, E>, state: S, commands: readonly C[]): { events: E[]; state: S } {
  const events: E[] = [];
  let current = state;
  for (const command of commands) {
    const decided = decider.decide(command, current);
    events.push(...decided);
    current = fold(decider, decided, current);
  }
  return { events, state: current };
}

const snapshotContext: RecordContext = { deliveryId: 'snapshot', actor: 'snapshot', at: '9999-12-31T00:00:00Z' };

/** Metadata of the events a state is rebuilt from (no delivery stands behind them). */
export function snapshotMetadata(record: Keyed): PlanningMetadata {
  return { eventId: 'snapshot', ...snapshotContext, recordKey: record.key, recordVersion: record.version };
}

/** The state a snapshot stands for, rebuilt by deciding its mapping's commands as a first version. */
function rehydrate<R extends Keyed, S extends Stated, C, E>(mapping: RecordMapping<R, S, C, E>, record: R): S {
  const commands = mapping.commands(undefined, record, metadataFactory(mapping.recordType, record, snapshotContext), noLookups);
  return decideAll(mapping.decider, mapping.decider.initialState(), commands).state;
}

// ---------------------------------------------------------------------------------------------- the mapping's functions

/** The commands a new version implies (the pure diff), none for an unchanged re-delivery. */
export function commandsFromRecords<R extends Keyed, S extends Stated, C, E>(
  mapping: RecordMapping<R, S, C, E>,
  previous: R | undefined,
  next: R,
  ctx: RecordContext,
  lookups: RecordLookups = noLookups,
): C[] {
  if (!checkVersions(previous, next)) return [];
  return mapping.commands(previous, next, metadataFactory(mapping.recordType, next, ctx), lookups);
}

/** The state a stored snapshot stands for; with `withdrawal`, the state of that record withdrawn. */
export function stateFromRecord<R extends Keyed, S extends Stated, C, E>(mapping: RecordMapping<R, S, C, E>, record: R, withdrawal?: Withdrawal): S {
  const state = mapping.stateOf ? mapping.stateOf(record) : rehydrate(mapping, record);
  if (withdrawal === undefined) return state;
  const metadata: PlanningMetadata = { eventId: 'snapshot', deliveryId: withdrawal.deliveryId, actor: withdrawal.actor, at: withdrawal.at, recordKey: record.key, recordVersion: withdrawal.version };
  return decideAll(mapping.decider, state, [mapping.withdraw(record.key, metadata, noLookups)]).state;
}

/** How a call finds the aggregate's state: given (its folded event stream), else rebuilt from `previous`. */
export interface MappingOptions<S> {
  readonly lookups?: RecordLookups;
  /** the aggregate's state; without it the state is rebuilt from the previous snapshot (enough to check the transition, not to keep a goal's full history) */
  readonly state?: S;
}

function stateOrRebuilt<R extends Keyed, S extends Stated, C, E>(mapping: RecordMapping<R, S, C, E>, previous: R | undefined, state: S | undefined): S {
  return state ?? (previous ? stateFromRecord(mapping, previous) : mapping.decider.initialState());
}

/** Events for a new record version, decided on the aggregate's state. */
export function eventsFromRecords<R extends Keyed, S extends Stated, C, E>(
  mapping: RecordMapping<R, S, C, E>,
  previous: R | undefined,
  next: R,
  ctx: RecordContext,
  options: MappingOptions<S> = {},
): RecordOutcome<C, E, S> {
  const state = stateOrRebuilt(mapping, previous, options.state);
  const commands = commandsFromRecords(mapping, diffBase(previous, next, state), next, ctx, options.lookups);
  return { commands, ...decideAll(mapping.decider, state, commands) };
}

/**
 * The withdrawal of a record: the aggregate's Withdraw command, with event id
 * `<recordType>:<key>:<tombstone version>:0`. The tombstone must be newer than the stored version;
 * withdrawing a withdrawn record again decides to nothing (idempotent, as in ingestion).
 */
export function eventsFromWithdrawal<R extends Keyed, S extends Stated, C, E>(
  mapping: RecordMapping<R, S, C, E>,
  previous: R | undefined,
  withdrawal: RecordWithdrawal,
  ctx: RecordContext,
  options: MappingOptions<S> = {},
): RecordOutcome<C, E, S> {
  const state = stateOrRebuilt(mapping, previous, options.state);
  if (previous !== undefined && state.status !== 'withdrawn') {
    checkKey(previous, withdrawal.key);
    if (withdrawal.version <= previous.version)
      throw notNewer(withdrawal.key, `the withdrawal's version ${withdrawal.version} is not newer than the stored version ${previous.version}; give version ${previous.version + 1} or higher`);
  }
  const commands = [mapping.withdraw(withdrawal.key, metadataFactory(mapping.recordType, withdrawal, ctx)(), options.lookups ?? noLookups)];
  return { commands, ...decideAll(mapping.decider, state, commands) };
}

/** Reads a raw payload (decoded Avro/JSON) into a typed record, or throws RECORD_INVALID naming the field. */
export function parsePlanningRecord(type: 'goal', raw: unknown): GoalRecord;
export function parsePlanningRecord(type: 'measure', raw: unknown): MeasureRecord;
export function parsePlanningRecord(type: 'milestone', raw: unknown): MilestoneRecord;
export function parsePlanningRecord(type: 'status-report', raw: unknown): StatusReportRecord;
export function parsePlanningRecord(type: 'theme', raw: unknown): ThemeRecord;
export function parsePlanningRecord(type: PlanningRecordType, raw: unknown): GoalRecord | MeasureRecord | MilestoneRecord | StatusReportRecord | ThemeRecord {
  const schema = { goal: goalRecordSchema, measure: measureRecordSchema, milestone: milestoneRecordSchema, 'status-report': statusReportRecordSchema, theme: themeRecordSchema }[type];
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const key = typeof raw === 'object' && raw !== null && typeof (raw as { key?: unknown }).key === 'string' ? (raw as { key: string }).key : undefined;
  throw new PlanningDomainError('RECORD_INVALID', `invalid ${type} record: ${issue?.message ?? 'does not match the schema'}`, {
    ...(key ? { key } : {}),
    field: issue?.path.join('.') ?? '',
  });
}
