// Turns a planning record delivery into the aggregate's commands and events: "previous snapshot (or
// none) + new snapshot" → commands → the decider → events. A new version that implies an illegal
// transition throws the decider's PlanningDomainError, which the ingestion service reports to the Amt.
// A withdrawal (tombstone) becomes the aggregate's Withdraw command; the next version of a withdrawn
// record is mapped like a first version (the Amt starts it afresh) against the withdrawn state.
import { fold, type Decider, type PlanningMetadata, type Withdrawal } from '../decider.js';
import { goalDecider, type GoalCommand, type GoalContent, type GoalEvent, type GoalState } from '../goal/goal.decider.js';
import { measureDecider, type MeasureCommand, type MeasureEvent, type MeasureFacts, type MeasurePlan, type MeasureState } from '../measure/measure.decider.js';
import { milestoneDecider, type MilestoneCommand, type MilestoneEvent, type MilestoneState } from '../milestone/milestone.decider.js';
import { PlanningDomainError } from '../planning.errors.js';
import { statusReportDecider, type StatusReportCommand, type StatusReportContent, type StatusReportEvent, type StatusReportState } from '../status-report/status-report.decider.js';
import {
  goalRecordSchema,
  measureRecordSchema,
  milestoneRecordSchema,
  statusReportRecordSchema,
  type GoalRecord,
  type MeasureRecord,
  type MeasureStatus,
  type MilestoneRecord,
  type PlanningRecordType,
  type StatusReportRecord,
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

// ---------------------------------------------------------------------------------------------- helpers

/** Deterministic event id: "<recordType>:<key>:<version>:<n>". Version and n are always the last two parts. */
export function planningEventId(recordType: PlanningRecordType, key: string, version: number, n: number): string {
  return `${recordType}:${key}:${version}:${n}`;
}

function metadataFactory(recordType: PlanningRecordType, next: { key: string; version: number }, ctx: RecordContext) {
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

/**
 * Checks key and version against the previous snapshot. Returns false when the "new" version is the
 * previous one delivered again unchanged (a no-op for idempotent re-delivery).
 */
function checkVersions<R extends { key: string; version: number }>(previous: R | undefined, next: R): boolean {
  if (previous === undefined) return true;
  if (previous.key !== next.key) throw new PlanningDomainError('RECORD_KEY_MISMATCH', `the previous version belongs to key ${previous.key}`, { key: next.key, field: 'key' });
  if (next.version === previous.version && sameValue(previous, next)) return false;
  if (next.version <= previous.version)
    throw new PlanningDomainError('RECORD_VERSION_NOT_NEWER', `version ${next.version} is not newer than the stored version ${previous.version}; give version ${previous.version + 1} or higher`, {
      key: next.key,
      field: 'version',
    });
  return true;
}

/** A tombstone must be newer than the version it withdraws. */
function checkWithdrawalVersion(previous: { key: string; version: number } | undefined, withdrawal: RecordWithdrawal): void {
  if (previous === undefined) return;
  if (previous.key !== withdrawal.key) throw new PlanningDomainError('RECORD_KEY_MISMATCH', `the previous version belongs to key ${previous.key}`, { key: withdrawal.key, field: 'key' });
  if (withdrawal.version <= previous.version)
    throw new PlanningDomainError(
      'RECORD_VERSION_NOT_NEWER',
      `the withdrawal's version ${withdrawal.version} is not newer than the stored version ${previous.version}; give version ${previous.version + 1} or higher`,
      {
        key: withdrawal.key,
        field: 'version',
      },
    );
}

/** The version after a withdrawal must be newer than the tombstone. */
function checkAfterWithdrawal(key: string, withdrawal: Withdrawal, next: { version: number }): void {
  if (next.version <= withdrawal.version)
    throw new PlanningDomainError(
      'RECORD_VERSION_NOT_NEWER',
      `version ${next.version} is not newer than the withdrawal (version ${withdrawal.version}); give version ${withdrawal.version + 1} or higher`,
      {
        key,
        field: 'version',
      },
    );
}

/**
 * The previous snapshot the next version is compared with: none when the record was withdrawn (its next
 * version describes it afresh, as a first version does), else the stored one.
 */
function diffBase<R extends { key: string; version: number }>(previous: R | undefined, next: R, state: { status: string; withdrawal?: Withdrawal }): R | undefined {
  if (state.status !== 'withdrawn' || state.withdrawal === undefined) return previous;
  checkAfterWithdrawal(next.key, state.withdrawal, next);
  return undefined;
}

function snapshotContext(): RecordContext {
  return { deliveryId: 'snapshot', actor: 'snapshot', at: '9999-12-31T00:00:00Z' };
}

/** The withdrawn state on top of a rebuilt one, for a snapshot the read model holds as withdrawn. */
function withdrawnOn<S, C, E>(decider: Decider<S, C, E>, state: S, withdraw: C | undefined): S {
  if (withdraw === undefined) return state;
  return decider.evolve(state, decider.decide(withdraw, state));
}

function withdrawalMetadata(key: string, withdrawal: Withdrawal): PlanningMetadata {
  return { eventId: 'snapshot', deliveryId: withdrawal.deliveryId, actor: withdrawal.actor, at: withdrawal.at, recordKey: key, recordVersion: withdrawal.version };
}

/**
 * The withdrawal of a record: the aggregate's Withdraw command, decided on its state, or no command
 * when it is already withdrawn (withdrawing again is idempotent, as in ingestion).
 */
function withdrawalOutcome<S extends { status: string }, C, E>(
  decider: Decider<S, C, E>,
  state: S,
  previous: { key: string; version: number } | undefined,
  withdrawal: RecordWithdrawal,
  withdraw: () => C,
): RecordOutcome<C, E, S> {
  const commands: C[] = [];
  if (state.status !== 'withdrawn') {
    checkWithdrawalVersion(previous, withdrawal);
    commands.push(withdraw());
  }
  return { commands, ...decideAll(decider, state, commands) };
}

/** Runs the commands one after the other, each against the state the previous one produced. */
export function decideAll<S, C, E>(decider: Decider<S, C, E>, state: S, commands: readonly C[]): { events: E[]; state: S } {
  const events: E[] = [];
  let current = state;
  for (const command of commands) {
    const event = decider.decide(command, current);
    events.push(event);
    current = decider.evolve(current, event);
  }
  return { events, state: current };
}

function omitUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Rehydrates state from a stored snapshot when the event stream itself is not at hand. */
function rehydrate<S, C, E>(decider: Decider<S, C, E>, toCommands: () => C[]): S {
  return fold(decider, decideAll(decider, decider.initialState(), toCommands()).events);
}

/** Reads a raw payload (decoded Avro/JSON) into a typed record, or throws RECORD_INVALID naming the field. */
export function parsePlanningRecord(type: 'goal', raw: unknown): GoalRecord;
export function parsePlanningRecord(type: 'measure', raw: unknown): MeasureRecord;
export function parsePlanningRecord(type: 'milestone', raw: unknown): MilestoneRecord;
export function parsePlanningRecord(type: 'status-report', raw: unknown): StatusReportRecord;
export function parsePlanningRecord(type: PlanningRecordType, raw: unknown): GoalRecord | MeasureRecord | MilestoneRecord | StatusReportRecord {
  const schema = { goal: goalRecordSchema, measure: measureRecordSchema, milestone: milestoneRecordSchema, 'status-report': statusReportRecordSchema }[type];
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const key = typeof raw === 'object' && raw !== null && typeof (raw as { key?: unknown }).key === 'string' ? (raw as { key: string }).key : undefined;
  throw new PlanningDomainError('RECORD_INVALID', `invalid ${type} record: ${issue?.message ?? 'does not match the schema'}`, {
    ...(key ? { key } : {}),
    field: issue?.path.join('.') ?? '',
  });
}

// ---------------------------------------------------------------------------------------------- goal

export function goalContent(r: GoalRecord): GoalContent {
  const { key: _k, version: _v, status: _s, revisionReason: _r, adoptedBy: _a, ...content } = r;
  return omitUndefined(content);
}

export function goalCommandsFromRecords(previous: GoalRecord | undefined, next: GoalRecord, ctx: RecordContext): GoalCommand[] {
  if (!checkVersions(previous, next)) return [];
  const metadata = metadataFactory('goal', next, ctx);
  const goalKey = next.key;
  const content = goalContent(next);
  const commands: GoalCommand[] = [];
  const adopt = (): GoalCommand => ({ type: 'AdoptGoal', data: { goalKey, adoptedBy: next.adoptedBy }, metadata: metadata() });
  const revise = (): GoalCommand => ({
    type: 'ReviseGoal',
    data: { goalKey, content, reason: next.revisionReason, adoptedBy: next.adoptedBy },
    metadata: metadata(),
  });
  if (previous === undefined) {
    // A first version describes a goal as it stands today, possibly adopted long before it was delivered.
    commands.push({ type: 'DraftGoal', data: { goalKey, content }, metadata: metadata() });
    switch (next.status) {
      case 'draft':
        break;
      case 'adopted':
        commands.push(adopt());
        break;
      case 'revised':
        commands.push(adopt(), revise());
        break;
      case 'achieved':
        commands.push(adopt(), { type: 'MarkGoalAchieved', data: { goalKey }, metadata: metadata() });
        break;
      case 'missed':
        commands.push(adopt(), { type: 'MarkGoalMissed', data: { goalKey }, metadata: metadata() });
        break;
      case 'retired':
        commands.push({ type: 'RetireGoal', data: { goalKey, reason: next.revisionReason }, metadata: metadata() });
        break;
    }
    return commands;
  }
  const contentChanged = !sameValue(goalContent(previous), content);
  const adoptionChanged = !sameValue(previous.adoptedBy, next.adoptedBy);
  if (next.status === 'revised') {
    if (previous.status !== 'revised' || contentChanged || adoptionChanged || previous.revisionReason !== next.revisionReason) commands.push(revise());
    return commands;
  }
  if (contentChanged || (adoptionChanged && previous.status !== 'draft')) commands.push({ type: 'UpdateGoalDraft', data: { goalKey, content }, metadata: metadata() });
  if (next.status !== previous.status) {
    switch (next.status) {
      case 'draft':
        throw new PlanningDomainError('GOAL_ILLEGAL_TRANSITION', `a goal that is ${previous.status} cannot return to draft; revise or retire it`, {
          key: goalKey,
          field: 'status',
        });
      case 'adopted':
        commands.push(adopt());
        break;
      case 'achieved':
        commands.push({ type: 'MarkGoalAchieved', data: { goalKey }, metadata: metadata() });
        break;
      case 'missed':
        commands.push({ type: 'MarkGoalMissed', data: { goalKey }, metadata: metadata() });
        break;
      case 'retired':
        commands.push({ type: 'RetireGoal', data: { goalKey, reason: next.revisionReason }, metadata: metadata() });
        break;
    }
  }
  return commands;
}

/** The state a stored snapshot stands for; with `withdrawal`, the state of that record withdrawn. */
export function goalStateFromRecord(record: GoalRecord, withdrawal?: Withdrawal): GoalState {
  const state = rehydrate(goalDecider, () => goalCommandsFromRecords(undefined, record, snapshotContext()));
  const withdraw: GoalCommand | undefined = withdrawal && { type: 'WithdrawGoal', data: { goalKey: record.key, servingMeasures: undefined }, metadata: withdrawalMetadata(record.key, withdrawal) };
  return withdrawnOn(goalDecider, state, withdraw);
}

/**
 * Events for a new goal record version. `state` is the goal's folded event stream; without it the state
 * is rebuilt from the previous snapshot (enough to check the transition, not to keep the full history).
 */
export function goalEventsFromRecords(
  previous: GoalRecord | undefined,
  next: GoalRecord,
  ctx: RecordContext,
  state: GoalState = previous ? goalStateFromRecord(previous) : goalDecider.initialState(),
): RecordOutcome<GoalCommand, GoalEvent, GoalState> {
  const commands = goalCommandsFromRecords(diffBase(previous, next, state), next, ctx);
  return { commands, ...decideAll(goalDecider, state, commands) };
}

/**
 * The withdrawal of a goal. `servingMeasures`: the measures not withdrawn that name the goal
 * (undefined = not checked).
 */
export function goalEventsFromWithdrawal(
  previous: GoalRecord | undefined,
  withdrawal: RecordWithdrawal,
  ctx: RecordContext,
  servingMeasures: readonly string[] | undefined,
  state: GoalState = previous ? goalStateFromRecord(previous) : goalDecider.initialState(),
): RecordOutcome<GoalCommand, GoalEvent, GoalState> {
  return withdrawalOutcome(goalDecider, state, previous, withdrawal, () => ({
    type: 'WithdrawGoal',
    data: { goalKey: withdrawal.key, servingMeasures },
    metadata: metadataFactory('goal', withdrawal, ctx)(),
  }));
}

// ---------------------------------------------------------------------------------------------- measure

export function measurePlan(r: MeasureRecord): MeasurePlan {
  const { key: _k, version: _v, status: _s, actualStart: _as, actualEnd: _ae, budget: _b, ...plan } = r;
  return omitUndefined(plan);
}

const stageOf = { proposed: 0, decided: 1, in_progress: 2, completed: 3 } as const;

/**
 * Which lifecycle commands a status change implies. Steps the record's data vouches for are filled in
 * (a first version "in_progress" was decided before; "cancelled" with an actualStart had started). A
 * step backwards yields the command for the target status, so the decider names the illegal transition.
 */
function lifecycleSteps(from: MeasureStatus | undefined, next: MeasureRecord): { early: ('DecideMeasure' | 'StartMeasure')[]; closing?: 'CompleteMeasure' | 'CancelMeasure' } {
  const to = next.status;
  if (from === to) return { early: [] };
  if (to === 'proposed') {
    if (from === undefined) return { early: [] };
    throw new PlanningDomainError('MEASURE_ILLEGAL_TRANSITION', `a measure that is ${from} cannot return to proposed; cancel it instead`, {
      key: next.key,
      field: 'status',
    });
  }
  const closing = to === 'completed' ? 'CompleteMeasure' : to === 'cancelled' ? 'CancelMeasure' : undefined;
  const fromStage = from === undefined ? 0 : from === 'cancelled' ? Number.POSITIVE_INFINITY : stageOf[from];
  const targetStage = to === 'cancelled' ? (next.actualStart !== undefined ? 2 : next.budget.some((b) => b.spent > 0) ? 1 : 0) : stageOf[to];
  if (to !== 'cancelled' && targetStage <= fromStage) {
    if (to === 'decided') return { early: ['DecideMeasure'] };
    if (to === 'in_progress') return { early: ['StartMeasure'] };
    return closing ? { early: [], closing } : { early: [] };
  }
  const early: ('DecideMeasure' | 'StartMeasure')[] = [];
  if (fromStage < 1 && targetStage >= 1) early.push('DecideMeasure');
  // A completed record without actualStart gets no start: completing then fails with MEASURE_NOT_STARTED.
  if (fromStage < 2 && targetStage >= 2 && !(to === 'completed' && next.actualStart === undefined)) early.push('StartMeasure');
  return closing ? { early, closing } : { early };
}

export function measureCommandsFromRecords(previous: MeasureRecord | undefined, next: MeasureRecord, ctx: RecordContext): MeasureCommand[] {
  if (!checkVersions(previous, next)) return [];
  const metadata = metadataFactory('measure', next, ctx);
  const measureKey = next.key;
  const plan = measurePlan(next);
  const commands: MeasureCommand[] = [];
  const steps = lifecycleSteps(previous?.status, next);

  // 1. the plan
  if (previous === undefined) commands.push({ type: 'ProposeMeasure', data: { measureKey, plan }, metadata: metadata() });
  else if (!sameValue(measurePlan(previous), plan)) commands.push({ type: 'UpdateMeasurePlan', data: { measureKey, plan }, metadata: metadata() });

  // 2. lifecycle steps up to in_progress (money is spent and milestones reached while it runs)
  for (const step of steps.early) {
    if (step === 'DecideMeasure') commands.push({ type: 'DecideMeasure', data: { measureKey }, metadata: metadata() });
    else commands.push({ type: 'StartMeasure', data: { measureKey, actualStart: next.actualStart }, metadata: metadata() });
  }

  // 3. corrections of actual dates set by earlier versions
  if (previous !== undefined) {
    const startChanged = previous.actualStart !== undefined && next.actualStart !== undefined && next.actualStart !== previous.actualStart;
    const endChanged = previous.actualEnd !== undefined && next.actualEnd !== undefined && next.actualEnd !== previous.actualEnd;
    if (startChanged || endChanged)
      commands.push({
        type: 'CorrectMeasureActualDates',
        data: { measureKey, actualStart: startChanged ? next.actualStart : undefined, actualEnd: endChanged ? next.actualEnd : undefined },
        metadata: metadata(),
      });
  }

  // 4. budget per year (a year missing from the new version counts as 0 planned, 0 spent)
  const prevBudget = new Map((previous?.budget ?? []).map((b) => [b.year, b]));
  const nextBudget = new Map(next.budget.map((b) => [b.year, b]));
  const years = [...new Set([...prevBudget.keys(), ...nextBudget.keys()])].sort((a, b) => a - b);
  for (const year of years) {
    const before = prevBudget.get(year) ?? { planned: 0, spent: 0 };
    const after = nextBudget.get(year) ?? { planned: 0, spent: 0 };
    if (before.planned !== after.planned) commands.push({ type: 'PlanBudget', data: { measureKey, year, planned: after.planned }, metadata: metadata() });
    if (before.spent !== after.spent) commands.push({ type: 'RecordSpending', data: { measureKey, year, spent: after.spent }, metadata: metadata() });
  }

  // 5. closing
  if (steps.closing === 'CompleteMeasure') commands.push({ type: 'CompleteMeasure', data: { measureKey, actualEnd: next.actualEnd }, metadata: metadata() });
  if (steps.closing === 'CancelMeasure') commands.push({ type: 'CancelMeasure', data: { measureKey, reason: undefined }, metadata: metadata() });
  return commands;
}

export function measureStateFromRecord(record: MeasureRecord, withdrawal?: Withdrawal): MeasureState {
  const state = rehydrate(measureDecider, () => measureCommandsFromRecords(undefined, record, snapshotContext()));
  const withdraw: MeasureCommand | undefined = withdrawal && { type: 'WithdrawMeasure', data: { measureKey: record.key }, metadata: withdrawalMetadata(record.key, withdrawal) };
  return withdrawnOn(measureDecider, state, withdraw);
}

export function measureEventsFromRecords(
  previous: MeasureRecord | undefined,
  next: MeasureRecord,
  ctx: RecordContext,
  state: MeasureState = previous ? measureStateFromRecord(previous) : measureDecider.initialState(),
): RecordOutcome<MeasureCommand, MeasureEvent, MeasureState> {
  const commands = measureCommandsFromRecords(diffBase(previous, next, state), next, ctx);
  return { commands, ...decideAll(measureDecider, state, commands) };
}

/** The withdrawal of a measure. */
export function measureEventsFromWithdrawal(
  previous: MeasureRecord | undefined,
  withdrawal: RecordWithdrawal,
  ctx: RecordContext,
  state: MeasureState = previous ? measureStateFromRecord(previous) : measureDecider.initialState(),
): RecordOutcome<MeasureCommand, MeasureEvent, MeasureState> {
  return withdrawalOutcome(measureDecider, state, previous, withdrawal, () => ({
    type: 'WithdrawMeasure',
    data: { measureKey: withdrawal.key },
    metadata: metadataFactory('measure', withdrawal, ctx)(),
  }));
}

// ---------------------------------------------------------------------------------------------- milestone

function plannedOf(r: MilestoneRecord): { date?: string; quarter?: string } {
  return omitUndefined({ date: r.plannedDate, quarter: r.plannedQuarter });
}

/** `measure`: facts of the milestone's measure now (from its state via measureFacts), needed to reach it. */
export function milestoneCommandsFromRecords(previous: MilestoneRecord | undefined, next: MilestoneRecord, ctx: RecordContext, measure: MeasureFacts | undefined): MilestoneCommand[] {
  if (!checkVersions(previous, next)) return [];
  const metadata = metadataFactory('milestone', next, ctx);
  const milestoneKey = next.key;
  const commands: MilestoneCommand[] = [];
  const reach = (): MilestoneCommand => ({ type: 'ReachMilestone', data: { milestoneKey, actualDate: next.actualDate ?? '', measure }, metadata: metadata() });
  if (previous === undefined) {
    commands.push({ type: 'PlanMilestone', data: { milestoneKey, measureKey: next.measureKey, title: next.title, planned: plannedOf(next) }, metadata: metadata() });
    if (next.reached) commands.push(reach());
    return commands;
  }
  const reachedMoved = previous.reached && next.reached && previous.actualDate !== next.actualDate;
  if ((previous.reached && !next.reached) || reachedMoved) commands.push({ type: 'RevokeMilestoneReached', data: { milestoneKey }, metadata: metadata() });
  if (previous.measureKey !== next.measureKey || previous.title !== next.title || !sameValue(plannedOf(previous), plannedOf(next)))
    commands.push({ type: 'ReplanMilestone', data: { milestoneKey, measureKey: next.measureKey, title: next.title, planned: plannedOf(next) }, metadata: metadata() });
  if ((next.reached && !previous.reached) || reachedMoved) commands.push(reach());
  return commands;
}

export function milestoneStateFromRecord(record: MilestoneRecord, withdrawal?: Withdrawal): MilestoneState {
  const state = liveMilestoneState(record);
  const withdraw: MilestoneCommand | undefined = withdrawal && { type: 'WithdrawMilestone', data: { milestoneKey: record.key }, metadata: withdrawalMetadata(record.key, withdrawal) };
  return withdrawnOn(milestoneDecider, state, withdraw);
}

function liveMilestoneState(record: MilestoneRecord): MilestoneState {
  const state = fold(milestoneDecider, [
    {
      type: 'MilestonePlanned',
      data: { milestoneKey: record.key, measureKey: record.measureKey, title: record.title, planned: record.plannedDate ? { date: record.plannedDate } : { quarter: record.plannedQuarter ?? '' } },
      metadata: snapshotMetadata(record),
    },
  ]);
  return record.reached && record.actualDate
    ? milestoneDecider.evolve(state, { type: 'MilestoneReached', data: { milestoneKey: record.key, actualDate: record.actualDate }, metadata: snapshotMetadata(record) })
    : state;
}

function snapshotMetadata(record: { key: string; version: number }): PlanningMetadata {
  return { eventId: 'snapshot', deliveryId: 'snapshot', actor: 'snapshot', at: '9999-12-31T00:00:00Z', recordKey: record.key, recordVersion: record.version };
}

export function milestoneEventsFromRecords(
  previous: MilestoneRecord | undefined,
  next: MilestoneRecord,
  ctx: RecordContext,
  measure: MeasureFacts | undefined,
  state: MilestoneState = previous ? milestoneStateFromRecord(previous) : milestoneDecider.initialState(),
): RecordOutcome<MilestoneCommand, MilestoneEvent, MilestoneState> {
  const commands = milestoneCommandsFromRecords(diffBase(previous, next, state), next, ctx, measure);
  return { commands, ...decideAll(milestoneDecider, state, commands) };
}

/** The withdrawal of a milestone. */
export function milestoneEventsFromWithdrawal(
  previous: MilestoneRecord | undefined,
  withdrawal: RecordWithdrawal,
  ctx: RecordContext,
  state: MilestoneState = previous ? milestoneStateFromRecord(previous) : milestoneDecider.initialState(),
): RecordOutcome<MilestoneCommand, MilestoneEvent, MilestoneState> {
  return withdrawalOutcome(milestoneDecider, state, previous, withdrawal, () => ({
    type: 'WithdrawMilestone',
    data: { milestoneKey: withdrawal.key },
    metadata: metadataFactory('milestone', withdrawal, ctx)(),
  }));
}

// ---------------------------------------------------------------------------------------------- status report

export function statusReportContent(r: StatusReportRecord): StatusReportContent {
  return omitUndefined({
    measureKey: r.measureKey,
    reportedBy: r.reportedBy,
    reportedAt: r.reportedAt,
    progressPercent: r.progressPercent,
    narrative: r.narrative,
    trafficLight: r.trafficLight,
  });
}

export function statusReportCommandsFromRecords(previous: StatusReportRecord | undefined, next: StatusReportRecord, ctx: RecordContext, measure: MeasureFacts | undefined): StatusReportCommand[] {
  if (!checkVersions(previous, next)) return [];
  const metadata = metadataFactory('status-report', next, ctx);
  const report = statusReportContent(next);
  if (previous === undefined) return [{ type: 'SubmitStatusReport', data: { reportKey: next.key, report, measure }, metadata: metadata() }];
  if (sameValue(statusReportContent(previous), report)) return [];
  return [{ type: 'CorrectStatusReport', data: { reportKey: next.key, report }, metadata: metadata() }];
}

export function statusReportStateFromRecord(record: StatusReportRecord, withdrawal?: Withdrawal): StatusReportState {
  const state = fold(statusReportDecider, [{ type: 'StatusReportSubmitted', data: { reportKey: record.key, report: statusReportContent(record) }, metadata: snapshotMetadata(record) }]);
  const withdraw: StatusReportCommand | undefined = withdrawal && { type: 'WithdrawStatusReport', data: { reportKey: record.key }, metadata: withdrawalMetadata(record.key, withdrawal) };
  return withdrawnOn(statusReportDecider, state, withdraw);
}

export function statusReportEventsFromRecords(
  previous: StatusReportRecord | undefined,
  next: StatusReportRecord,
  ctx: RecordContext,
  measure: MeasureFacts | undefined,
  state: StatusReportState = previous ? statusReportStateFromRecord(previous) : statusReportDecider.initialState(),
): RecordOutcome<StatusReportCommand, StatusReportEvent, StatusReportState> {
  const commands = statusReportCommandsFromRecords(diffBase(previous, next, state), next, ctx, measure);
  return { commands, ...decideAll(statusReportDecider, state, commands) };
}

/** The withdrawal of a status report. */
export function statusReportEventsFromWithdrawal(
  previous: StatusReportRecord | undefined,
  withdrawal: RecordWithdrawal,
  ctx: RecordContext,
  state: StatusReportState = previous ? statusReportStateFromRecord(previous) : statusReportDecider.initialState(),
): RecordOutcome<StatusReportCommand, StatusReportEvent, StatusReportState> {
  return withdrawalOutcome(statusReportDecider, state, previous, withdrawal, () => ({
    type: 'WithdrawStatusReport',
    data: { reportKey: withdrawal.key },
    metadata: metadataFactory('status-report', withdrawal, ctx)(),
  }));
}
