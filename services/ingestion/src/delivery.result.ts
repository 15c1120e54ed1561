// What the ingestion service answers, in the domain's words: a delivery is Accepted (durably, with
// the log positions of its events), Rejected (with the error list; nothing changed) or Unavailable
// (a store cannot take it now; send the same delivery again). The presenter turns these into HTTP.
import type { RecordType } from '@sp/events';
import type { FeedError } from '@sp/feeds';
import type { Store } from './storage-unavailable.js';

export interface AcceptedRecord {
  row: number | null;
  key: string;
  version: number;
  status: 'created' | 'unchanged';
  topic: string;
  partition: number;
  offset: string;
}

export interface Accepted {
  kind: 'accepted';
  delivery: {
    deliveryId: string;
    amt: string;
    recordType: RecordType;
    kind: 'records' | 'withdrawals';
    deliveredBy: string;
    deliveredAt: string;
    schema: { id: number; version: number };
    created: number;
    unchanged: number;
    records: AcceptedRecord[];
  };
  /** how long each phase took (ms), for operators and the benchmark */
  timings: readonly (readonly [phase: string, ms: number])[];
}

export interface Rejected {
  kind: 'rejected';
  errors: FeedError[];
  /** the latest known version of each of the delivery's keys of the delivering Amt (version conflicts) */
  currentVersions?: Record<string, number>;
}

export interface Unavailable {
  kind: 'unavailable';
  store: Store;
  /** the port's or the engine's code */
  code: string;
  reason: string;
  retryAfterSeconds: number;
}

export type DeliveryResult = Accepted | Rejected | Unavailable;

export interface DeliveryTrace {
  deliveryId: string;
  amt: string;
  recordType: RecordType;
  kind: 'records' | 'withdrawals';
  deliveredBy: string;
  deliveredAt: string;
  contentType: string;
  catalogueVersion: number;
  recordCount: number;
  created: number;
  unchanged: number;
  events: {
    row: number | null;
    key: string;
    version: number;
    status: 'created' | 'unchanged';
    tombstone: boolean;
    schemaId: number;
    topic: string;
    partition: number;
    offset: string;
  }[];
}

export type TraceResult = { kind: 'found'; trace: DeliveryTrace } | Rejected;

export interface HealthInfo {
  status: 'ok';
  amt: string | null;
  catalogueVersion: number;
  taxonomyVersion: number;
  schemas: { id: number; recordType: RecordType; version: number }[];
}

export function rejected(errors: FeedError[], currentVersions?: Record<string, number>): Rejected {
  return currentVersions ? { kind: 'rejected', errors, currentVersions } : { kind: 'rejected', errors };
}
