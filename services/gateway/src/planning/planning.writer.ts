// The write side of planning for the GraphQL mutations: a port the composition root implements with
// the ingestion service (the same validation, rights, versioning and durability as an Amt's feed),
// and the one function that decides in whose name a signed-in person writes. The gateway itself
// validates nothing of a record: every rule is the feed's, so a BI tool, the workspace and an Amt's
// feed can never disagree.
import { expectedError } from '../errors.js';
import type { Viewer } from '../auth/viewer.js';

export const planningRecordTypes = ['goal', 'measure', 'milestone', 'status-report', 'theme'] as const;
export type PlanningRecordType = (typeof planningRecordTypes)[number];
/** what the planning staff save through the writer: planning records and scenarios (docs/projection.md §8) */
export type WritableRecordType = PlanningRecordType | 'scenario';

/** Who saves: the signed-in person and the Amt in whose name the record is delivered. */
export interface PlanningAuthor {
  /** recorded as the delivery's author (`deliveredBy`, the audit trail's actor): `person:<token sub>` */
  author: string;
  amt: string;
}

/** An error of the domain's validation, at the field of the record it concerns (null: the whole record). */
export interface PlanningFieldError {
  field: string | null;
  code: string;
  message: string;
  /** what would be accepted */
  accepted: string;
  value: unknown;
}

export type PlanningWriteResult =
  | { kind: 'accepted'; key: string; version: number; status: 'created' | 'unchanged'; deliveryId: string; deliveredAt: string; author: string; amt: string }
  | { kind: 'rejected'; errors: PlanningFieldError[]; currentVersion: number | null }
  | { kind: 'unavailable'; reason: string; retryAfterSeconds: number };

export interface PlanningWriter {
  /** the Amt in whose name the planning staff (role planner) write: the one the feed catalogue lets deliver goals */
  readonly planningAmt: string;
  /** one record as a delivery of its own: all-or-nothing, versioned, durable when accepted */
  save(by: PlanningAuthor, recordType: WritableRecordType, record: Record<string, unknown>): Promise<PlanningWriteResult>;
}

/** Codes of the feed whose answer is 403: the record is someone else's or the role may not write it. */
export const forbiddenCodes = new Set(['RECORD_TYPE_NOT_ALLOWED', 'KEY_OF_OTHER_AMT', 'AMT_MISMATCH', 'MEASURE_OF_OTHER_AMT', 'DATASET_NOT_ALLOWED']);

/**
 * In whose name a viewer writes: an Amt token as its Amt, a planner as the planning Amt. The public
 * and tokens without a subject cannot write (a change needs a person as author); admins operate the
 * platform and do not plan.
 */
export function authorFor(viewer: Viewer, writer: PlanningWriter): PlanningAuthor {
  if (viewer.role === 'public') {
    throw expectedError('UNAUTHENTICATED', 'sign in to save planning records: goals, measures, milestones and status reports are written by the planning staff and the Ämter', {
      http: { status: 401 },
    });
  }
  if (!viewer.subject) {
    throw expectedError('UNAUTHENTICATED', 'this token names no person (claim "sub" missing): every saved version records its author', { http: { status: 401 } });
  }
  const author = `person:${viewer.subject}`;
  switch (viewer.role) {
    case 'planner':
      return { author, amt: writer.planningAmt };
    case 'amt':
      return { author, amt: viewer.amt! };
    case 'admin':
      throw expectedError('FORBIDDEN', 'admins operate the platform; planning records are written by the planning staff (role planner) and the Ämter (role amt)', {
        http: { status: 403 },
      });
  }
}
