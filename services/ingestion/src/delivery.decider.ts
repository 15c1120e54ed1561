// The delivery decider: what a delivery does to the versions of its keys, decided without I/O.
// Given what PostgreSQL knows of each key (the answered version and the versions reserved by
// deliveries not answered yet) and the records the delivery names as references, it decides per
// item "create" (reserve and append), "complete" (a resend of a reserved version: append again),
// or "unchanged" — or rejects the delivery with the error list. All or nothing: one error rejects
// the whole delivery. Rules in docs/feeds.md ("Versions, idempotency, withdrawals", "Who may write
// what"); tests in delivery.decider.unit.test.ts.
import type { AnyRecord, Goal, Measure, Milestone, Offer, RecordType, StatusReport, Theme } from '@sp/events';
import { feedError, type FeedError, type FeedErrorCode } from '@sp/feeds';

/** The payload hash of a withdrawal (a tombstone has no payload). */
export const TOMBSTONE_HASH = 'tombstone';

export type DeliveryKind = 'records' | 'withdrawals';

/** One validated record (or withdrawal) of the delivery. */
export interface DeliveryItem {
  /** JSON: index in the array; CSV: spreadsheet row */
  row: number | null;
  key: string;
  /** undefined only for a withdrawal without version (→ the next version) */
  version: number | undefined;
  /** null: a withdrawal */
  payload: AnyRecord | null;
  /** sha256 of the payload's Avro bytes; TOMBSTONE_HASH for a withdrawal */
  hash: string;
  /**
   * sha256 of the payload's bytes under an earlier schema version of its record type (by schema id),
   * where that version holds the record without loss: a record delivered again unchanged after a
   * schema upgrade (offer v1 → v2: the new fields absent) is then "unchanged", not a conflict
   */
  hashBySchema?: Readonly<Record<number, string>>;
}

/** A version of a key as PostgreSQL knows it. */
export interface KnownVersion {
  version: number;
  payloadHash: string;
  tombstone: boolean;
  /** the Amt whose delivery wrote (or reserved) it */
  amt: string;
  deliveryId: string;
  /** planning records only: the payload, for the transition check of the next version */
  payload: unknown;
}

/** The version a delivery was answered 2xx for, with the position of its event in the log. */
export interface CommittedVersion extends KnownVersion {
  schemaId: number;
  topic: string;
  partition: number;
  offset: string;
}

/**
 * A version reserved by a delivery that was not answered (yet): its events may be in the log or not
 * (a crash, a timeout, a 503 after the append). Only exactly this payload completes it.
 */
export interface Reservation extends KnownVersion {
  reservedAt: Date;
}

export interface KeyState {
  committed: CommittedVersion | undefined;
  /** versions above the committed one, ascending */
  reservations: readonly Reservation[];
}

/** A goal or measure named by a record of the delivery, as it currently stands. */
export interface ReferencedRecord {
  key: string;
  /** the Amt that delivered it */
  amt: string;
  tombstone: boolean;
  /** the current payload (null when withdrawn) */
  payload: unknown;
}

export interface References {
  goals: ReadonlyMap<string, ReferencedRecord>;
  measures: ReadonlyMap<string, ReferencedRecord>;
  /** codes of the tenant's indicator catalogue (a goal's `indicator`); a delivered definition may add one while the service runs */
  indicatorCodes: Pick<ReadonlySet<string>, 'has'>;
}

export interface DeliveryCommand {
  recordType: RecordType;
  kind: DeliveryKind;
  /** the delivering Amt */
  amt: string;
  items: readonly DeliveryItem[];
}

export type Decided =
  /** a new version: reserve it, append its event */
  | { outcome: 'create'; item: DeliveryItem; version: number; previous: KnownVersion | undefined }
  /** exactly the payload of a reserved, unanswered version again: append it (again) and answer */
  | { outcome: 'complete'; item: DeliveryItem; version: number; reservation: Reservation }
  /** exactly the answered version again: nothing to append */
  | { outcome: 'unchanged'; item: DeliveryItem; version: number; committed: CommittedVersion };

/** currentVersions: the latest known version of each of the delivery's keys that belong to the delivering Amt */
export type DeliveryDecision = { accepted: true; decided: Decided[]; currentVersions: Record<string, number> } | { accepted: false; errors: FeedError[]; currentVersions: Record<string, number> };

const NO_STATE: KeyState = { committed: undefined, reservations: [] };

/** the item's payload equals the known version's, compared under the schema that version was written with */
function sameHash(item: DeliveryItem, known: KnownVersion): boolean {
  if (item.hash === known.payloadHash) return true;
  const schemaId = 'schemaId' in known ? (known as CommittedVersion).schemaId : undefined;
  return schemaId !== undefined && item.hashBySchema?.[schemaId] === known.payloadHash;
}

export function decideDelivery(command: DeliveryCommand, states: ReadonlyMap<string, KeyState>, references: References): DeliveryDecision {
  const errors: FeedError[] = [];
  const decided: Decided[] = [];
  const currentVersions: Record<string, number> = {};
  const goalsInDelivery = command.recordType === 'goal' && command.kind === 'records' ? new Set(command.items.map((i) => i.key)) : new Set<string>();
  for (const item of command.items) {
    const state = states.get(item.key) ?? NO_STATE;
    const latest = state.reservations.at(-1) ?? state.committed;
    const error = (code: FeedErrorCode, field: string | null, value: unknown, message: string, accepted: string) => errors.push(feedError({ row: item.row, field, value, code, message, accepted }));

    // a key belongs to the Amt that delivered it first; an answer reveals nothing else of another Amt's record
    const owner = [state.committed, ...state.reservations].find((v) => v !== undefined && v.amt !== command.amt);
    if (owner) {
      error(
        'KEY_OF_OTHER_AMT',
        'key',
        item.key,
        `key ${item.key} of ${command.recordType} belongs to another Amt`,
        `a key your Amt delivered, or a new key (keys are unique per record type across all Ämter)`,
      );
      continue;
    }
    if (latest) currentVersions[item.key] = latest.version;
    if (!latest) {
      if (command.kind === 'withdrawals') {
        error('UNKNOWN_KEY', 'key', item.key, `there is no ${command.recordType} with key ${item.key} to withdraw`, 'the key of a record your Amt delivered');
        continue;
      }
      decided.push({ outcome: 'create', item, version: item.version!, previous: undefined });
      continue;
    }

    // a withdrawal without version withdraws the latest version (again, if it is already a tombstone)
    const version = item.version ?? (latest.tombstone ? latest.version : latest.version + 1);
    const reserved = latest === state.reservations.at(-1);
    if (version > latest.version) {
      decided.push({ outcome: 'create', item, version, previous: latest });
    } else if (version === latest.version && sameHash(item, latest)) {
      if (reserved) decided.push({ outcome: 'complete', item, version, reservation: latest as Reservation });
      else decided.push({ outcome: 'unchanged', item, version, committed: latest as CommittedVersion });
    } else if (reserved) {
      const held = latest as Reservation;
      error(
        'VERSION_RESERVED',
        'version',
        version,
        version === held.version
          ? `version ${version} of ${item.key} is held by an earlier delivery (${held.deliveryId}) that was not answered and may already be in the log, with ${held.tombstone ? 'a withdrawal' : `another payload (sha256 ${held.payloadHash})`}`
          : `version ${version} of ${item.key} is older than version ${held.version}, which an earlier delivery (${held.deliveryId}) that was not answered holds and may already be in the log`,
        `exactly the ${held.tombstone ? 'withdrawal' : 'payload'} of delivery ${held.deliveryId} again as version ${held.version} (to complete it), or version ${held.version + 1} or higher`,
      );
    } else {
      error(
        'VERSION_CONFLICT',
        'version',
        version,
        `${
          version === latest.version
            ? `version ${version} of ${item.key} was delivered with ${latest.tombstone ? 'a withdrawal' : 'a different payload'}`
            : `version ${version} of ${item.key} is older than the current version`
        }; the current version is ${latest.version}`,
        `version ${latest.version + 1} or higher (or version ${latest.version} with exactly the payload delivered before)`,
      );
    }
  }

  // who may write what and what a record may name: checked for new versions only (an unchanged
  // record or a resend of a reserved one was checked when it was first decided)
  for (const d of decided) {
    if (d.outcome !== 'create' || d.item.payload === null) continue;
    const report = (code: FeedErrorCode, field: string, value: unknown, message: string, accepted: string) => errors.push(feedError({ row: d.item.row, field, value, code, message, accepted }));
    checkScopeAndReferences(command, d.item.payload, references, goalsInDelivery, report);
  }

  return errors.length ? { accepted: false, errors, currentVersions } : { accepted: true, decided, currentVersions };
}

type Report = (code: FeedErrorCode, field: string, value: unknown, message: string, accepted: string) => void;

function checkScopeAndReferences(command: DeliveryCommand, payload: AnyRecord, references: References, goalsInDelivery: ReadonlySet<string>, report: Report): void {
  switch (command.recordType) {
    case 'area-statistic':
      return; // datasets are scoped by the feed catalogue (validation)
    case 'scenario':
      return; // a scenario refers to areas (validation) and norms (checked by saveScenario and its projection)
    case 'offer': {
      const offer = payload as Offer;
      if (offer.amt !== command.amt) {
        report(
          'AMT_MISMATCH',
          'amt',
          offer.amt,
          `Amt ${command.amt} cannot register an offer in the name of Amt ${offer.amt}; offers of ${offer.amt} are delivered by ${offer.amt}`,
          `"amt": "${command.amt}" (your own Amt)`,
        );
      }
      return;
    }
    case 'goal': {
      const goal = payload as Goal;
      if (goal.parentKey !== null && !goalsInDelivery.has(goal.parentKey) && !exists(references.goals.get(goal.parentKey))) {
        report('UNKNOWN_REFERENCE', 'parentKey', goal.parentKey, `there is no goal ${goal.parentKey}`, 'the key of a goal that exists (not withdrawn), delivered before or in this delivery; or null');
      }
      if (goal.indicator !== null && !references.indicatorCodes.has(goal.indicator)) {
        report(
          'UNKNOWN_REFERENCE',
          'indicator',
          goal.indicator,
          `there is no indicator ${goal.indicator} in the indicator catalogue`,
          'an indicator code of the indicator catalogue (GraphQL: indicators), or null',
        );
      }
      return;
    }
    case 'measure': {
      const measure = payload as Measure;
      measure.goalKeys.forEach((goalKey, i) => {
        if (!exists(references.goals.get(goalKey))) {
          report('UNKNOWN_REFERENCE', `goalKeys[${i}]`, goalKey, `there is no goal ${goalKey}`, 'keys of goals that exist (not withdrawn); deliver the goal first');
        }
      });
      return;
    }
    case 'theme': {
      // a topic turned into a measure names it: the measure must exist (any Amt's; the topic does not write it)
      const measureKey = (payload as Theme).decision?.measureKey;
      if (measureKey && !exists(references.measures.get(measureKey))) {
        report('UNKNOWN_REFERENCE', 'decision.measureKey', measureKey, `there is no measure ${measureKey}`, 'the key of a measure that exists (not withdrawn); save the measure first');
      }
      return;
    }
    case 'milestone':
    case 'status-report': {
      const { measureKey } = payload as Milestone | StatusReport;
      const what = command.recordType === 'milestone' ? 'milestones' : 'status reports';
      const measure = references.measures.get(measureKey);
      if (!exists(measure)) {
        report('UNKNOWN_REFERENCE', 'measureKey', measureKey, `there is no measure ${measureKey}`, 'the key of a measure that exists (not withdrawn); deliver the measure first');
        return;
      }
      const writers = measureWriters(measure);
      if (!writers.includes(command.amt)) {
        const m = measure.payload as Measure;
        report(
          'MEASURE_OF_OTHER_AMT',
          'measureKey',
          measureKey,
          `measure ${measureKey} is led by Amt ${m.leadAmt} (delivered by ${measure.amt}; participants: ${m.participants.join(', ') || 'none'}); Amt ${command.amt} may deliver ${what} only for measures it leads, delivered or is named a partner of`,
          `the key of a measure your Amt leads, delivered or is named in as a participant; or ask ${m.leadAmt} to name ${command.amt} in the measure's participants`,
        );
      }
      return;
    }
  }
}

function exists(record: ReferencedRecord | undefined): record is ReferencedRecord {
  return record !== undefined && !record.tombstone && record.payload !== null;
}

/**
 * The Ämter that may write a measure's milestones and status reports: the Amt that delivered the
 * measure, its lead Amt and the Ämter named among its participants (other participants — "Träger: …",
 * "Stelle: …" — are not Ämter and deliver nothing).
 */
export function measureWriters(measure: ReferencedRecord): string[] {
  const m = measure.payload as Measure;
  return [...new Set([measure.amt, m.leadAmt, ...m.participants])];
}

/** The goal and measure keys a delivery's records name; the service looks them up for the decider. */
export function referencedKeys(recordType: RecordType, items: readonly DeliveryItem[]): { goals: string[]; measures: string[] } {
  const goals = new Set<string>();
  const measures = new Set<string>();
  for (const { payload } of items) {
    if (payload === null) continue;
    if (recordType === 'goal' && (payload as Goal).parentKey) goals.add((payload as Goal).parentKey!);
    if (recordType === 'measure') for (const g of (payload as Measure).goalKeys) goals.add(g);
    if (recordType === 'milestone' || recordType === 'status-report') measures.add((payload as Milestone | StatusReport).measureKey);
    if (recordType === 'theme' && (payload as Theme).decision?.measureKey) measures.add((payload as Theme).decision!.measureKey!);
  }
  return { goals: [...goals], measures: [...measures] };
}
