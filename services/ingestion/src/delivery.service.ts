// The ingestion use cases, free of HTTP framework code: authenticate, parse, validate, check
// versions, append to the event log, record versions and the delivery. A delivery is all or
// nothing: any error → an error list and nothing appended or recorded.
//
// Concurrency: per key, "check version → append → record version" runs inside one PostgreSQL
// transaction holding advisory locks on the delivery's keys (ingest.repository.ts), so two
// deliveries touching the same key take turns. When the append fails the transaction rolls back
// and nothing is recorded; the Amt retries after Retry-After.
import { createHash, randomUUID } from 'node:crypto';
import { EventCodec, isPlanningRecordType, isRecordType, SchemaRegistry, topicFor, type AnyRecord, type Measure, type PlanningRecordType, type RecordType } from '@sp/events';
import {
  capErrors,
  feedError,
  FeedCatalogue,
  parseCsvDelivery,
  parseJsonDelivery,
  parseWithdrawals,
  Taxonomy,
  validateRecords,
  type FeedError,
  type FeedErrorCode,
  type SpatialChecks,
} from '@sp/feeds';
import { EventLogError, PortError, type Database, type EventLog, type OutgoingEvent } from '@sp/ports';
import { ApiKeyRing, type Principal } from './api-keys.js';
import type { IngestionConfig } from './ingestion.config.js';
import { migrateIngest } from './ingest.migrations.js';
import { IngestRepository, type CurrentRecord, type DeliveryEventRow, type RecordVersionRow } from './ingest.repository.js';

/** A body the HTTP layer stopped reading because it exceeded the limit. */
export class OversizedBody {
  constructor(
    readonly limit: number,
    readonly received: number,
  ) {}
}

export interface DeliveryRequest {
  recordType: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer | OversizedBody | undefined;
}

export interface HttpAnswer {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

/** One issue found by the controlling decider in a planning record's transition. */
export interface PlanningIssue {
  field: string | null;
  /** the decider's own code, e.g. MEASURE_NOT_STARTED */
  code: string;
  message: string;
  accepted?: string;
}

/**
 * Integration point for @sp/controlling: checks a new version of a planning record against the
 * previous one (illegal transitions are rejected with INVALID_TRANSITION). Without it, planning
 * records get the structural and semantic checks of @sp/feeds only.
 */
export type PlanningTransitionCheck = (input: {
  recordType: PlanningRecordType;
  previous: AnyRecord | undefined;
  /** null: a withdrawal of `previous` (then `withdrawal` names key and tombstone version) */
  next: AnyRecord | null;
  withdrawal?: { key: string; version: number };
  /** keys of the measures, not withdrawn, that name a goal in goalKeys (a goal they serve is not withdrawn) */
  servingMeasures?: (goalKey: string) => readonly string[];
  deliveryId: string;
  actor: string;
  at: string;
  /** the current version of a measure (milestones and status reports are checked against it) */
  measure: (measureKey: string) => Measure | undefined;
}) => readonly PlanningIssue[];

export interface DeliveryServiceDeps {
  eventLog: EventLog;
  database: Database;
  spatial: SpatialChecks;
  config: IngestionConfig;
  catalogue?: FeedCatalogue;
  taxonomy?: Taxonomy;
  registry?: SchemaRegistry;
  planningCheck?: PlanningTransitionCheck;
  clock?: () => Date;
}

interface Item {
  row: number | null;
  key: string;
  /** undefined: a withdrawal without version (→ current + 1) */
  version: number | undefined;
  payload: AnyRecord | null;
  /** Avro bytes of the payload (latest schema version); null for a withdrawal */
  payloadBytes: Buffer | null;
  hash: string;
}

const TOMBSTONE_HASH = 'tombstone';

/** Phase durations of one delivery, answered as a Server-Timing header (bench and operators read it). */
class Phases {
  private last = performance.now();
  private readonly spans: [string, number][] = [];
  mark(name: string): void {
    const now = performance.now();
    this.spans.push([name, now - this.last]);
    this.last = now;
  }
  header(): string {
    return this.spans.map(([n, d]) => `${n};dur=${d.toFixed(1)}`).join(', ');
  }
}

export class DeliveryService {
  readonly catalogue: FeedCatalogue;
  readonly taxonomy: Taxonomy;
  readonly registry: SchemaRegistry;
  private readonly codec: EventCodec;
  private readonly keys: ApiKeyRing;
  private readonly repo: IngestRepository;
  private readonly clock: () => Date;

  constructor(private readonly deps: DeliveryServiceDeps) {
    const { config } = deps;
    this.catalogue = deps.catalogue ?? (config.cataloguePath ? FeedCatalogue.load(config.cataloguePath) : FeedCatalogue.load());
    this.taxonomy = deps.taxonomy ?? (config.taxonomyPath ? Taxonomy.load(config.taxonomyPath) : Taxonomy.load());
    this.registry = deps.registry ?? SchemaRegistry.load(config.schemasDir);
    this.codec = new EventCodec(this.registry);
    this.keys = new ApiKeyRing(config.apiKeys);
    for (const k of config.apiKeys) {
      if (!this.catalogue.hasAmt(k.amt)) throw new Error(`API key ${k.id} names Amt ${k.amt}, which the feed catalogue does not know`);
      if (config.amt && k.amt !== config.amt) throw new Error(`API key ${k.id} is for Amt ${k.amt}, but this instance serves ${config.amt}`);
    }
    this.repo = new IngestRepository(deps.database);
    this.clock = deps.clock ?? (() => new Date());
  }

  /** Migrations and topics; call once before serving. */
  async start(): Promise<void> {
    await migrateIngest(this.deps.database);
    const types = this.deps.config.amt ? this.catalogue.recordTypesOf(this.deps.config.amt) : [...new Set(this.deps.config.apiKeys.flatMap((k) => this.catalogue.recordTypesOf(k.amt)))];
    if (types.length) await this.deps.eventLog.ensureTopics(types.map((t) => ({ name: this.topic(t), partitions: this.deps.config.topicPartitions })));
  }

  topic(recordType: RecordType): string {
    return topicFor(recordType, this.deps.config.topicPrefix);
  }

  health(): HttpAnswer {
    return {
      status: 200,
      body: {
        status: 'ok',
        amt: this.deps.config.amt ?? null,
        catalogueVersion: this.catalogue.version,
        taxonomyVersion: this.taxonomy.version,
        schemas: this.registry.all().map((s) => ({ id: s.id, recordType: s.recordType, version: s.version })),
      },
    };
  }

  // ── POST /v1/deliveries/{recordType} ────────────────────────────────────────────────────────────

  async deliverRecords(req: DeliveryRequest): Promise<HttpAnswer> {
    const pre = this.admit(req);
    if ('status' in pre) return pre;
    const { principal, recordType, format, body } = pre;
    const phases = new Phases();
    const parsed = format === 'csv' ? parseCsvDelivery(recordType, body) : parseJsonDelivery(body);
    if (!parsed.ok) return rejected(parsed.errors);
    phases.mark('parse');
    const validated = validateRecords(recordType, parsed.rows, { amt: principal.amt, catalogue: this.catalogue, taxonomy: this.taxonomy, spatial: this.deps.spatial, now: this.clock() });
    if (!validated.ok) return rejected(validated.errors);
    phases.mark('validate');
    const schemaVersion = this.registry.latest(recordType).version;
    const items: Item[] = validated.records.map(({ row, record }) => {
      const payloadBytes = this.codec.encodePayload(recordType, schemaVersion, record);
      return { row, key: record.key, version: record.version, payload: record, payloadBytes, hash: payloadHash(payloadBytes) };
    });
    phases.mark('encode');
    return this.commit(recordType, principal, items, 'records', contentTypeOf(req.headers), phases);
  }

  // ── POST /v1/deliveries/{recordType}/withdrawals ────────────────────────────────────────────────

  async withdraw(req: DeliveryRequest): Promise<HttpAnswer> {
    const pre = this.admit(req);
    if ('status' in pre) return pre;
    const { principal, recordType, format, body } = pre;
    const parsed = parseWithdrawals(recordType, body, format);
    if (!parsed.ok) return rejected(parsed.errors);
    const items: Item[] = parsed.withdrawals.map(({ row, withdrawal }) => ({ row, key: withdrawal.key, version: withdrawal.version, payload: null, payloadBytes: null, hash: TOMBSTONE_HASH }));
    return this.commit(recordType, principal, items, 'withdrawals', contentTypeOf(req.headers), new Phases());
  }

  // ── GET /v1/deliveries/{deliveryId} ─────────────────────────────────────────────────────────────

  async trace(deliveryId: string, headers: DeliveryRequest['headers']): Promise<HttpAnswer> {
    const principal = this.authenticate(headers);
    if (!principal) return unauthenticated();
    const found = await this.repo.findDelivery(deliveryId);
    if (!found || found.delivery.amt !== principal.amt) {
      return answer(404, [
        feedError({
          row: null,
          field: 'deliveryId',
          value: deliveryId,
          code: 'NOT_FOUND',
          message: `no delivery ${deliveryId} of Amt ${principal.amt}`,
          accepted: 'the deliveryId of one of your deliveries',
        }),
      ]);
    }
    const { delivery: d, events } = found;
    return {
      status: 200,
      body: {
        deliveryId: d.deliveryId,
        amt: d.amt,
        recordType: d.recordType,
        kind: d.kind,
        deliveredBy: d.deliveredBy,
        deliveredAt: d.deliveredAt.toISOString(),
        contentType: d.contentType,
        catalogueVersion: d.catalogueVersion,
        recordCount: d.recordCount,
        created: d.createdCount,
        unchanged: d.recordCount - d.createdCount,
        events: events.map((e) => ({
          row: e.row,
          key: e.key,
          version: e.version,
          status: e.status,
          tombstone: e.tombstone,
          schemaId: e.schemaId,
          topic: e.topic,
          partition: e.partition,
          offset: e.offset,
        })),
      },
    };
  }

  // ── steps ──────────────────────────────────────────────────────────────────────────────────────

  private authenticate(headers: DeliveryRequest['headers']): Principal | undefined {
    const principal = this.keys.authenticate(ApiKeyRing.keyFromHeaders(headers));
    if (principal && this.deps.config.amt && principal.amt !== this.deps.config.amt) return undefined;
    return principal;
  }

  /** Who, what, in which format — everything before the body is read as records. */
  private admit(req: DeliveryRequest): HttpAnswer | { principal: Principal; recordType: RecordType; format: 'json' | 'csv'; body: Buffer } {
    if (req.body instanceof OversizedBody) {
      return answer(
        413,
        [
          feedError({
            row: null,
            field: null,
            value: req.body.received,
            code: 'BODY_TOO_LARGE',
            message: `the body exceeds the limit of ${req.body.limit} bytes`,
            accepted: `at most ${req.body.limit} bytes per delivery; split the batch`,
          }),
        ],
        { connection: 'close' },
      );
    }
    const principal = this.authenticate(req.headers);
    if (!principal) return unauthenticated();
    if (!isRecordType(req.recordType)) {
      return answer(404, [
        feedError({
          row: null,
          field: 'recordType',
          value: req.recordType,
          code: 'UNKNOWN_RECORD_TYPE',
          message: `unknown record type ${req.recordType}`,
          accepted: this.catalogue.recordTypesOf(principal.amt).join(' | '),
        }),
      ]);
    }
    if (!this.catalogue.mayDeliver(principal.amt, req.recordType)) {
      return answer(403, [
        feedError({
          row: null,
          field: 'recordType',
          value: req.recordType,
          code: 'RECORD_TYPE_NOT_ALLOWED',
          message: `Amt ${principal.amt} may not deliver ${req.recordType} (feed catalogue v${this.catalogue.version})`,
          accepted: this.catalogue.recordTypesOf(principal.amt).join(' | '),
        }),
      ]);
    }
    const ct = contentTypeOf(req.headers);
    const format = ct === 'application/json' ? 'json' : ct === 'text/csv' || ct === 'application/csv' ? 'csv' : undefined;
    if (!format) {
      return answer(415, [
        feedError({
          row: null,
          field: 'content-type',
          value: ct || null,
          code: 'UNSUPPORTED_MEDIA_TYPE',
          message: `cannot read a body of type ${ct || '(none)'}`,
          accepted: 'application/json or text/csv (UTF-8)',
        }),
      ]);
    }
    return { principal, recordType: req.recordType, format, body: req.body ?? Buffer.alloc(0) };
  }

  private async commit(recordType: RecordType, principal: Principal, items: readonly Item[], kind: 'records' | 'withdrawals', contentType: string, phases: Phases): Promise<HttpAnswer> {
    const deliveryId = randomUUID();
    const at = this.clock();
    const schema = this.registry.latest(recordType);
    const topic = this.topic(recordType);
    const planning = isPlanningRecordType(recordType);
    try {
      return await this.repo.transaction(async (tx) => {
        const keys = items.map((i) => i.key);
        await this.repo.lockKeys(tx, recordType, keys);
        const current = await this.repo.currentRecords(tx, recordType, keys, planning);
        phases.mark('lock');
        const errors: FeedError[] = [];
        const outcomes: { item: Item; version: number; status: 'created' | 'unchanged'; current?: CurrentRecord }[] = [];
        for (const item of items) {
          const cur = current.get(item.key);
          const conflict = (code: FeedErrorCode, message: string, accepted: string, field = 'version', value: unknown = item.version ?? null) =>
            errors.push(feedError({ row: item.row, field, value, code, message, accepted }));
          if (cur && cur.amt !== principal.amt) {
            conflict('KEY_OF_OTHER_AMT', `key ${item.key} belongs to Amt ${cur.amt}`, 'a key of your own Amt', 'key', item.key);
            continue;
          }
          if (!cur) {
            if (kind === 'withdrawals') conflict('UNKNOWN_KEY', `there is no ${recordType} with key ${item.key} to withdraw`, 'the key of a record your Amt delivered', 'key', item.key);
            else outcomes.push({ item, version: item.version!, status: 'created' });
            continue;
          }
          const version = item.version ?? (cur.tombstone ? cur.version : cur.version + 1);
          if (version > cur.version) outcomes.push({ item, version, status: 'created', current: cur });
          else if (version === cur.version && item.hash === cur.payloadHash) outcomes.push({ item, version, status: 'unchanged', current: cur });
          else {
            const what =
              version === cur.version
                ? `version ${version} of ${item.key} was delivered with ${cur.tombstone ? 'a withdrawal' : 'a different payload'}`
                : `version ${version} of ${item.key} is older than the current version`;
            errors.push(
              feedError({
                row: item.row,
                field: 'version',
                value: version,
                code: 'VERSION_CONFLICT',
                message: `${what}; the current version is ${cur.version}`,
                accepted: `version ${cur.version + 1} or higher (or version ${cur.version} with exactly the payload delivered before)`,
              }),
            );
          }
        }
        if (planning && this.deps.planningCheck && errors.length === 0) {
          const measureKeys = [...new Set(outcomes.flatMap((o) => (o.item.payload && 'measureKey' in o.item.payload ? [o.item.payload.measureKey] : [])))];
          const measures = measureKeys.length ? await this.repo.currentRecords(tx, 'measure', measureKeys, true) : new Map<string, CurrentRecord>();
          const measure = (key: string) => {
            const m = measures.get(key);
            return m && !m.tombstone ? (m.payload as Measure) : undefined;
          };
          // withdrawing a goal: the measures still serving it (nothing to decide for a record already withdrawn)
          const withdrawnGoals = recordType === 'goal' && kind === 'withdrawals' ? outcomes.filter((o) => o.status === 'created' && o.current && !o.current.tombstone).map((o) => o.item.key) : [];
          const serving = withdrawnGoals.length ? await this.repo.measuresServingGoals(tx, withdrawnGoals) : new Map<string, string[]>();
          const servingMeasures = (goalKey: string) => serving.get(goalKey) ?? [];
          for (const o of outcomes) {
            if (o.status !== 'created') continue;
            const previous = o.current && !o.current.tombstone ? (o.current.payload as AnyRecord) : undefined;
            if (o.item.payload === null && previous === undefined) continue;
            const withdrawal = o.item.payload === null ? { withdrawal: { key: o.item.key, version: o.version }, servingMeasures } : {};
            for (const issue of this.deps.planningCheck({
              recordType: recordType as PlanningRecordType,
              previous,
              next: o.item.payload,
              ...withdrawal,
              deliveryId,
              actor: principal.keyId,
              at: at.toISOString(),
              measure,
            })) {
              errors.push(
                feedError({
                  row: o.item.row,
                  field: issue.field,
                  value: issue.field && o.item.payload ? (o.item.payload as Record<string, unknown>)[issue.field] : null,
                  code: 'INVALID_TRANSITION',
                  message: `${issue.code}: ${issue.message}`,
                  accepted: issue.accepted ?? 'a transition the controlling rules allow (docs/records.md)',
                }),
              );
            }
          }
        }
        if (errors.length) return rejected(errors, { currentVersions: Object.fromEntries([...current.values()].map((c) => [c.key, c.version])) });

        const created = outcomes.filter((o) => o.status === 'created');
        const events: OutgoingEvent[] = created.map((o) => {
          const envelope = {
            key: o.item.key,
            version: o.version,
            recordType,
            amt: principal.amt,
            deliveryId,
            deliveredAt: at.getTime(),
            deliveredBy: principal.keyId,
            tombstone: o.item.payload === null,
          };
          return {
            key: o.item.key,
            value: this.codec.encodeWithPayloadBytes(recordType, schema.version, envelope, o.item.payloadBytes),
            headers: this.codec.headers(recordType, schema.version, envelope),
            timestamp: at.getTime(),
          };
        });
        phases.mark('decide');
        const appended = events.length ? await this.append(topic, events) : [];
        phases.mark('append');
        const positions = new Map(created.map((o, i) => [o.item.key, appended[i]!]));
        const versionRows: RecordVersionRow[] = created.map((o) => {
          const p = positions.get(o.item.key)!;
          return {
            key: o.item.key,
            version: o.version,
            payloadHash: o.item.hash,
            tombstone: o.item.payload === null,
            partition: p.partition,
            offset: p.offset.toString(),
            payload: planning ? o.item.payload : null,
          };
        });
        await this.repo.recordVersions(tx, recordType, { deliveryId, amt: principal.amt, topic, schemaId: schema.id }, versionRows, at);
        const eventRows: DeliveryEventRow[] = outcomes.map((o, seq) => {
          const p = positions.get(o.item.key);
          const c = o.current!;
          return {
            seq,
            row: o.item.row,
            key: o.item.key,
            version: o.version,
            status: o.status,
            tombstone: o.item.payload === null,
            schemaId: p ? schema.id : c.schemaId,
            topic: p ? p.topic : c.topic,
            partition: p ? p.partition : c.partition,
            offset: p ? p.offset.toString() : c.offset,
          };
        });
        await this.repo.recordDelivery(
          tx,
          {
            deliveryId,
            amt: principal.amt,
            recordType,
            kind,
            deliveredBy: principal.keyId,
            deliveredAt: at,
            contentType,
            recordCount: outcomes.length,
            createdCount: created.length,
            catalogueVersion: this.catalogue.version,
          },
          topic,
          eventRows,
        );
        phases.mark('record');
        return {
          status: 200,
          headers: { 'server-timing': phases.header() },
          body: {
            deliveryId,
            amt: principal.amt,
            recordType,
            kind,
            deliveredBy: principal.keyId,
            deliveredAt: at.toISOString(),
            schema: { id: schema.id, version: schema.version },
            created: created.length,
            unchanged: outcomes.length - created.length,
            records: eventRows.map((e) => ({ row: e.row, key: e.key, version: e.version, status: e.status, topic: e.topic, partition: e.partition, offset: e.offset })),
          },
        };
      });
    } catch (error) {
      if (error instanceof PortError && error.transient) {
        const which = error instanceof EventLogError ? 'LOG_UNAVAILABLE' : 'DATABASE_UNAVAILABLE';
        const what = error instanceof EventLogError ? 'the event log' : 'the database';
        return answer(
          503,
          [
            feedError({
              row: null,
              field: null,
              value: error.code,
              code: which,
              message: `${what} is not available right now (${error.message}); nothing of this delivery was accepted`,
              accepted: `the same delivery again after ${this.deps.config.retryAfterSeconds} s`,
            }),
          ],
          { 'retry-after': String(this.deps.config.retryAfterSeconds) },
        );
      }
      throw error;
    }
  }

  /** The port's append, bounded by appendTimeoutMs whatever the adapter does. */
  private async append(topic: string, events: OutgoingEvent[]) {
    const ms = this.deps.config.appendTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.deps.eventLog.append(topic, events),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new EventLogError('TIMEOUT', `append to ${topic} not acknowledged within ${ms} ms`)), ms);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function contentTypeOf(headers: DeliveryRequest['headers']): string {
  const ct = headers['content-type'];
  return ((Array.isArray(ct) ? ct[0] : ct) ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * "Same payload" for idempotency: sha256 of the payload's Avro bytes. Avro binary is canonical for
 * a schema (fields in schema order; validation sorted the dimension maps), so equal records hash
 * equal however their JSON or CSV was laid out.
 */
export function payloadHash(payloadBytes: Uint8Array): string {
  return createHash('sha256').update(payloadBytes).digest('hex');
}

const requestErrors = new Set<FeedErrorCode>(['INVALID_JSON', 'INVALID_CSV', 'EMPTY_BATCH']);
const forbidden = new Set<FeedErrorCode>(['RECORD_TYPE_NOT_ALLOWED', 'DATASET_NOT_ALLOWED', 'KEY_OF_OTHER_AMT']);

/** The status of a rejected delivery follows the most fundamental problem in its error list. */
export function statusFor(errors: readonly FeedError[]): number {
  const codes = new Set(errors.map((e) => e.code));
  if ([...codes].some((c) => requestErrors.has(c))) return 400;
  if ([...codes].some((c) => forbidden.has(c))) return 403;
  if (codes.has('VERSION_CONFLICT')) return 409;
  if (codes.size === 1 && codes.has('UNKNOWN_KEY')) return 404;
  return 422;
}

function rejected(errors: FeedError[], extra: Record<string, unknown> = {}): HttpAnswer {
  return { status: statusFor(errors), body: { errors: capErrors(errors), ...extra } };
}

function answer(status: number, errors: FeedError[], headers?: Record<string, string>): HttpAnswer {
  return { status, headers, body: { errors } };
}

function unauthenticated(): HttpAnswer {
  return answer(
    401,
    [
      feedError({
        row: null,
        field: 'authorization',
        value: null,
        code: 'UNAUTHENTICATED',
        message: 'missing or unknown API key',
        accepted: 'Authorization: Bearer sp_<key-id>_<secret> (or X-API-Key) with a key issued to your Amt',
      }),
    ],
    { 'www-authenticate': 'Bearer' },
  );
}
