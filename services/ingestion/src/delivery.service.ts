// The ingestion use cases in the domain's words: a delivery of an authenticated Amt is read,
// validated, Avro-encoded, decided (delivery.decider.ts) and made durable; the answer is Accepted,
// Rejected or Unavailable (delivery.result.ts) — status codes and headers are the presenter's,
// authentication is the guard's. A delivery is all or nothing.
//
// A 2xx means exactly this payload, durably, for good (issue 14). Per delivery:
//   1. look up what is known of its keys (answered versions and reservations) and of the records
//      they name, decide, check planning transitions, and reserve each new key@version with its
//      payload hash under the advisory locks of the keys, only if nothing of them changed since the
//      look-up (else all of step 1 again in one transaction under the locks) — committed before;
//      a delivery of new versions only is reserved first without a look-up, by one statement that
//      checks under the locks what the decider would grant (ingest_reserve_new_versions)
//   2. the append to the event log, then
//   3. one statement records the new versions with their log positions, ends the reservations and
//      writes the delivery's audit row.
// A crash, a timeout or a failing store between 1 and 3 leaves the reservation: the version is
// held for exactly that payload. The same payload again completes it (appended again: harmless,
// projections are idempotent per key@version and the payload is identical); another payload under
// it is 409 VERSION_RESERVED. Within one process deliveries sharing a key take turns for the whole
// of 1–3 (key-locks.ts).
import { randomUUID } from 'node:crypto';
import { EventCodec, isPlanningRecordType, isRecordType, SchemaRegistry, type AnyRecord, type DatasetRecord, type IndicatorDefinitionRecord, type RecordType, type Topology } from '@sp/events';
import { feedError, type FeedCatalogue, overlayDatasets, parseWithdrawals, Taxonomy, validateRecords, type SpatialChecks } from '@sp/feeds';
import { Catalogue, indicatorSchema, overlayDefinitions } from '@sp/indicators';
import { EventLogError, type AppendedEvent, type Database, type EventLog, type OutgoingEvent, type Queryable } from '@sp/ports';
import type { Principal } from './api-keys.js';
import { decideDelivery, referencedKeys, TOMBSTONE_HASH, type Decided, type DeliveryKind, type KeyState, type ReferencedRecord } from './delivery.decider.js';
import { encodeRecords, IN_BYTES, parseBody, payloadHash, type BodyFormat, type EncodedItem } from './delivery.read.js';
import { DeliveryReaders, type ReadAnswer } from './delivery.readers.js';
import { OversizedBody } from './delivery.request.js';
import { rejected, type DeliveryResult, type HealthInfo, type Rejected, type TraceResult, type Unavailable } from './delivery.result.js';
import type { IngestionConfig } from './ingestion.config.js';
import { migrateIngest } from './ingest.migrations.js';
import { IngestRepository, type RecordedEventRow, type ReservationRow } from './ingest.repository.js';
import { KeyLocks } from './key-locks.js';
import type { PlanningChange, PlanningTransitionCheck } from './planning-transition.check.js';
import { hasSnapshot } from './spatial-checks.adapter.js';
import { storeUnavailable, type Store } from './storage-unavailable.js';

export { OversizedBody } from './delivery.request.js';
export { payloadHash } from './delivery.read.js';

/** A delivery as the controller hands it over: the route's record type, the body's media type and bytes. */
export interface DeliveryRequest {
  recordType: string;
  /** lower-case media type without parameters, e.g. "text/csv"; "" when absent */
  mediaType: string;
  body: Buffer | OversizedBody | undefined;
}

export interface DeliveryServiceDeps {
  eventLog: EventLog;
  database: Database;
  spatial: SpatialChecks;
  config: IngestionConfig;
  topology: Topology;
  catalogue: FeedCatalogue;
  taxonomy: Taxonomy;
  registry: SchemaRegistry;
  /** new versions of planning records against their previous ones (injected by the composition root) */
  planningCheck: PlanningTransitionCheck;
  /** codes of the indicator catalogue, which goals may name */
  indicatorCodes: ReadonlySet<string>;
  /**
   * the tenant's current indicator catalogue (the live object, which the definitions' projection
   * updates): delivered definitions are checked against it and the definitions delivered since;
   * absent: only their shape is checked
   */
  indicatorCatalogue?: Catalogue;
  clock?: () => Date;
  /** persons' access tokens are accepted: any Amt of the catalogue may deliver, so every Amt's topics are made */
  anyAmt?: boolean;
}

/** One delivery being committed. */
interface Delivery {
  deliveryId: string;
  at: Date;
  recordType: RecordType;
  kind: DeliveryKind;
  principal: Principal;
  contentType: string;
  schema: { id: number; version: number };
  topic: string;
  planning: boolean;
  /** the events' headers, the same for all of them (made once: 1,000 objects less per batch) */
  headers?: Record<string, string>;
}

/** The feed catalogue and the indicator catalogue's datasets with the delivered datasets on top. */
interface DeliveredDatasets {
  feeds: FeedCatalogue;
  datasets?: Catalogue['datasets'];
  versions: ReadonlyMap<string, number>;
}

/** A look-up started before the records were validated, with the keys it was made for. */
interface EarlyLookup {
  keys: string[];
  result: ReturnType<IngestRepository['lookup']>;
}

/** Step 1 done: the decision, what is appended and its events. */
interface Reserved {
  decided: Decided[];
  appending: Decided[];
  events: OutgoingEvent[];
}

/**
 * Record types whose versions are never taken back, with what to do instead: a dataset (the figures
 * delivered for it and the definitions reading it stay) and a definition (the results of every
 * version stay queryable).
 */
const neverWithdrawn: Partial<Record<RecordType, { message: string; accepted: string }>> = {
  dataset: {
    message: 'datasets are not withdrawn: the figures delivered for them and the definitions reading them stay',
    accepted: 'a new version of the dataset (e.g. other Ämter, or confidentiality: confidential)',
  },
  'indicator-definition': {
    message: 'indicator and index definitions are not withdrawn: the results of each version stay queryable',
    accepted: 'a new version of the definition (e.g. published: false to hide it from the public)',
  },
};

/** Phase durations of one delivery (Server-Timing: the benchmark and operators read them). */
class Phases {
  private last = performance.now();
  readonly spans: [string, number][] = [];
  mark(name: string): void {
    const now = performance.now();
    this.spans.push([name, now - this.last]);
    this.last = now;
  }
  /** a span measured elsewhere (a delivery reader's), beside those of this thread */
  add(name: string, ms: number): void {
    this.spans.push([name, ms]);
  }
}

/** The failure of a step, with the store it used. */
class StepFailed extends Error {
  constructor(
    readonly store: Store,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

async function step<T>(store: Store, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new StepFailed(store, error);
  }
}

export class DeliveryService {
  private readonly codec: EventCodec;
  private readonly repo: IngestRepository;
  private readonly clock: () => Date;
  /** per record type: a delivery's keys as they are, not a joined string per key made (and hashed) for every delivery */
  private readonly keyLocks = new Map<RecordType, KeyLocks>();
  private readonly resolvers = new Map<string, ReturnType<ReturnType<SchemaRegistry['latest']>['payloadType']['createResolver']>>();

  constructor(private readonly deps: DeliveryServiceDeps) {
    this.codec = new EventCodec(deps.registry);
    this.repo = new IngestRepository(deps.database);
    this.clock = deps.clock ?? (() => new Date());
  }

  /** What a goal's `indicator` may name: the live catalogue's codes when there is one (a definition delivered since start counts). */
  private readonly indicatorCodes: Pick<ReadonlySet<string>, 'has'> = {
    has: (code) => (this.deps.indicatorCatalogue ? this.deps.indicatorCatalogue.get(code) !== undefined : this.deps.indicatorCodes.has(code)),
  };

  /** Migrations and topics; call once before serving. */
  async start(): Promise<void> {
    const { config, catalogue, topology } = this.deps;
    await migrateIngest(this.deps.database);
    const amts = config.amt ? [config.amt] : this.deps.anyAmt ? catalogue.amtCodes() : config.apiKeys.map((k) => k.amt);
    const types = [...new Set(amts.flatMap((a) => catalogue.recordTypesOf(a)))];
    if (types.length) await this.deps.eventLog.ensureTopics(types.map((t) => ({ name: this.topic(t), partitions: topology.partitions })));
  }

  topic(recordType: RecordType): string {
    return this.deps.topology.topicFor(recordType);
  }

  health(): HealthInfo {
    return {
      status: 'ok',
      amt: this.deps.config.amt ?? null,
      catalogueVersion: this.deps.catalogue.version,
      taxonomyVersion: this.deps.taxonomy.version,
      schemas: this.deps.registry.all().map((s) => ({ id: s.id, recordType: s.recordType, version: s.version })),
    };
  }

  /**
   * New versions of records. The delivered datasets (withDeliveredDatasets) are checked while the
   * body is read with those known from the last delivery; when they changed meanwhile, the body is
   * read again with the new ones — a dataset answered a moment ago is known to the next delivery.
   */
  async deliverRecords(principal: Principal, req: DeliveryRequest): Promise<DeliveryResult> {
    const current = this.orUnavailable(() => this.withDeliveredDatasets());
    current.catch(() => undefined); // awaited below; a bug thrown meanwhile must not leave it unhandled
    const cached = this.datasetsCache;
    const assumed = cached && cached.file === this.deps.catalogue.file && cached.indicators === this.indicatorsNow() && cached.revision === cached.indicators.revision ? cached.overlaid : undefined;
    const withDatasets = assumed ?? (await current);
    if ('kind' in withDatasets) return withDatasets;
    const read = await this.readRecords(principal, req, withDatasets);
    const checked = await current;
    if ('kind' in checked) return checked;
    const final = checked === withDatasets ? read : await this.readRecords(principal, req, checked);
    if (!('items' in final)) return final;
    return this.commit(final.recordType, principal, final.items, 'records', req.mediaType, final.phases, final.early);
  }

  /** The indicator catalogue delivered definitions and datasets are overlaid on. */
  private indicatorsNow(): Catalogue {
    this.emptyIndicators ??= new Catalogue(1, {}, []);
    return this.deps.indicatorCatalogue ?? this.emptyIndicators;
  }

  private emptyIndicators: Catalogue | undefined;

  /** A delivery's body read as records against the catalogues with these datasets: admitted, parsed, validated, encoded — or the answer why not. */
  private async readRecords(
    principal: Principal,
    req: DeliveryRequest,
    withDatasets: DeliveredDatasets,
  ): Promise<DeliveryResult | { recordType: RecordType; items: EncodedItem[]; phases: Phases; early: EarlyLookup | undefined }> {
    const admitted = this.admit(principal, req, withDatasets.feeds);
    if ('kind' in admitted) return admitted;
    const { recordType, format } = admitted;
    let { body } = admitted;
    const phases = new Phases();
    if (recordType === 'area-statistic' && format !== 'geojson') {
      const inWorker = await this.readInWorker(principal, req, withDatasets.feeds, recordType, format, body, phases);
      if (inWorker) return inWorker;
      // not read there: the body handed back (or never handed over) is read here
      if (req.body instanceof Buffer) body = req.body;
    }
    const parsed = parseBody(recordType, format, body);
    if (!parsed.ok) return rejected(parsed.errors);
    phases.mark('parse');
    const early = this.lookUpEarly(recordType, parsed.rows);
    await turn();
    phases.mark('queue');
    // areas may name a level delivered a moment ago, before the projection made it the reference's
    const deliveredLevels = recordType === 'area' || recordType === 'indicator-definition' || recordType === 'dataset' ? await this.deliveredLevels() : undefined;
    const definitions = recordType === 'indicator-definition' || recordType === 'dataset' ? await this.definitionContext(deliveredLevels ?? [], withDatasets.datasets) : undefined;
    const validated = validateRecords(recordType, parsed.rows, {
      amt: principal.amt,
      catalogue: withDatasets.feeds,
      taxonomy: this.deps.taxonomy,
      spatial: this.deps.spatial,
      now: this.clock(),
      ...(deliveredLevels ? { deliveredLevels } : {}),
      ...(definitions && recordType === 'indicator-definition' ? { definitions } : {}),
      ...(definitions && recordType === 'dataset' ? { datasets: { indicators: definitions.catalogue, levels: definitions.levels, versions: withDatasets.versions } } : {}),
    });
    if (!validated.ok) return rejected(validated.errors);
    phases.mark('validate');
    // no second turn here: with eight deliveries taking turns it spread the appends out (fewer
    // combined into one Kafka request) and the API fell at concurrency 8 (bench/ingestion/README.md)
    const items = encodeRecords(this.deps.registry, recordType, validated.records, this.deps.config.recordKeySecret);
    phases.mark('encode');
    return { recordType, items, phases, early };
  }

  /**
   * An area-statistic delivery read in a delivery reader (delivery.readers.ts) against the feed
   * catalogue given and the spatial reference as they are now: the rejection, or the items with
   * their payloads as Avro bytes (IN_BYTES: the thread never reads an area statistic's content,
   * keepsPayload is false and the decider checks no references of it). Undefined when there is no
   * reader, or the reader could not read it: the thread reads it (the body is back in req.body).
   */
  private async readInWorker(
    principal: Principal,
    req: DeliveryRequest,
    feeds: FeedCatalogue,
    recordType: 'area-statistic',
    format: BodyFormat,
    body: Buffer,
    phases: Phases,
  ): Promise<DeliveryResult | { recordType: RecordType; items: EncodedItem[]; phases: Phases; early: undefined } | undefined> {
    const readers = this.readers();
    const spatial = this.deps.spatial;
    if (!readers || !hasSnapshot(spatial)) return undefined;
    const latest = this.deps.registry.latest(recordType);
    const length = body.byteLength;
    let answer: ReadAnswer;
    try {
      answer = await readers.read({ recordType, format, body, amt: principal.amt, now: this.clock(), schema: { id: latest.id, version: latest.version } }, { feeds, spatial });
    } catch (error) {
      // the reader failed (it exited): a body still here (copied, or not sent) is read on the
      // thread; one handed over is lost with the reader, and the delivery fails (nothing was written)
      if (body.byteLength === length) return undefined;
      throw error;
    }
    // the body is handed back: read again by the thread when the reader could not, or when the
    // delivered datasets changed meanwhile (deliverRecords)
    req.body = Buffer.from(answer.body.buffer, answer.body.byteOffset, answer.body.byteLength);
    const { outcome } = answer;
    if (outcome.kind === 'failed') return undefined;
    for (const [name, ms] of answer.spans) phases.add(name, ms);
    phases.mark('read');
    if (outcome.kind === 'rejected') return rejected(outcome.errors);
    const bytes = Buffer.from(outcome.bytes.buffer, outcome.bytes.byteOffset, outcome.bytes.byteLength);
    const items: EncodedItem[] = outcome.keys.map((key, i) => ({
      row: outcome.rows[i]!,
      key,
      version: outcome.versions[i],
      payload: IN_BYTES,
      payloadBytes: bytes.subarray(i === 0 ? 0 : outcome.ends[i - 1]!, outcome.ends[i]!),
      hash: outcome.hashes[i]!,
    }));
    return { recordType, items, phases, early: undefined };
  }

  /** The delivery readers, started at the first delivery that needs them (none: SP_INGESTION_READ_WORKERS 0, or no built worker). */
  private readers(): DeliveryReaders | undefined {
    if (this.deliveryReaders === undefined) {
      this.deliveryReaders =
        DeliveryReaders.start(this.deps.config.readWorkers, {
          schemasDir: this.deps.registry.dir,
          taxonomy: this.deps.taxonomy.file,
          ...(this.deps.config.recordKeySecret ? { recordKeySecret: this.deps.config.recordKeySecret } : {}),
        }) ?? null;
    }
    return this.deliveryReaders?.usable ? this.deliveryReaders : undefined;
  }

  private deliveryReaders: DeliveryReaders | null | undefined;

  /** Ends the delivery readers (Nest calls it when the app closes). */
  async onModuleDestroy(): Promise<void> {
    await this.deliveryReaders?.close();
  }

  /**
   * The look-up of step 1 started as soon as the body is parsed, with the keys the rows name, so
   * PostgreSQL answers while the records are validated and encoded instead of after. Used when the
   * validated records have exactly these keys; its snapshot is older, which the checked reservation
   * covers like any change between look-up and reservation (ingest_reserve_if_unchanged). Not for
   * planning records (the look-up also reads the goals and measures they name), nor the record types
   * first reserved as new versions without a look-up (newVersionsFirst: the look-up is then needed
   * only when that is refused), nor rows without a string key (CSV rows name the key's parts).
   */
  private lookUpEarly(recordType: RecordType, rows: readonly { value: unknown }[]): EarlyLookup | undefined {
    if (isPlanningRecordType(recordType) || newVersionsFirst(recordType, 'records') || rows.length === 0) return undefined;
    const keys: string[] = [];
    for (const { value } of rows) {
      const key = value !== null && typeof value === 'object' ? (value as { key?: unknown }).key : undefined;
      if (typeof key !== 'string') return undefined;
      keys.push(key);
    }
    const result = this.repo.lookup(this.deps.database, recordType, keys, { goals: [], measures: [] });
    result.catch(() => undefined); // awaited in step 1, or not needed; a failure there is answered like any look-up's
    return { keys, result };
  }

  /**
   * The payload's hash under each earlier schema version of the record type that holds it without
   * loss (its bytes there, read back as the latest version, give the same bytes): what an unchanged
   * record delivered before a schema upgrade was hashed as. Undefined when there is none.
   */
  private earlierHashes(recordType: RecordType, latestVersion: number, record: unknown, latestBytes: Buffer): Record<number, string> | undefined {
    const latest = this.deps.registry.get(recordType, latestVersion);
    let out: Record<number, string> | undefined;
    for (const version of this.deps.registry.versions(recordType)) {
      if (version >= latestVersion) continue;
      const earlier = this.deps.registry.get(recordType, version);
      let bytes: Buffer;
      try {
        bytes = earlier.payloadType.toBuffer(record);
      } catch {
        continue; // the record does not fit the earlier schema at all
      }
      const readBack = latest.payloadType.fromBuffer(bytes, this.resolver(recordType, latestVersion, version));
      if (!latest.payloadType.toBuffer(readBack).equals(latestBytes)) continue; // the earlier version would lose something
      out ??= {};
      out[earlier.id] = payloadHash(bytes);
    }
    return out;
  }

  /** Reading an earlier schema version's bytes as the latest version (made once per pair: avsc builds it slowly). */
  private resolver(recordType: RecordType, latestVersion: number, version: number) {
    const id = `${recordType}|${latestVersion}|${version}`;
    let r = this.resolvers.get(id);
    if (!r) {
      r = this.deps.registry.get(recordType, latestVersion).payloadType.createResolver(this.deps.registry.get(recordType, version).payloadType);
      this.resolvers.set(id, r);
    }
    return r;
  }

  /**
   * The items with their hashes under earlier schema versions where the decision needs them: a key
   * whose answered version was written under another schema and whose hash differs (an unchanged
   * record delivered again after a schema upgrade, delivery.decider `sameHash`).
   */
  private withEarlierHashes(d: Delivery, items: readonly EncodedItem[], states: ReadonlyMap<string, KeyState>): EncodedItem[] {
    return items.map((item) => {
      const committed = states.get(item.key)?.committed;
      if (!committed || committed.schemaId === d.schema.id || committed.payloadHash === item.hash || item.payload === null || !item.payloadBytes) return item;
      // a payload read in a delivery reader is its bytes: the record is what they hold
      const record = item.payload === IN_BYTES ? this.deps.registry.latest(d.recordType).payloadType.fromBuffer(item.payloadBytes) : item.payload;
      const hashBySchema = this.earlierHashes(d.recordType, d.schema.version, record, item.payloadBytes);
      return hashBySchema ? { ...item, hashBySchema } : item;
    });
  }

  /** Withdrawals: a tombstone per key. */
  async withdraw(principal: Principal, req: DeliveryRequest): Promise<DeliveryResult> {
    const withDatasets = await this.orUnavailable(() => this.withDeliveredDatasets());
    if ('kind' in withDatasets) return withDatasets;
    const admitted = this.admit(principal, req, withDatasets.feeds);
    if ('kind' in admitted) return admitted;
    const { recordType, format, body } = admitted;
    const never = neverWithdrawn[recordType];
    if (never) return rejected([feedError({ row: null, field: 'recordType', value: recordType, code: 'RECORD_TYPE_NOT_ALLOWED', ...never })]);
    if (format === 'geojson') {
      // a withdrawal names keys and versions, it has no geometry
      return rejected([
        feedError({ row: null, field: 'content-type', value: req.mediaType, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'withdrawals are not GeoJSON', accepted: 'application/json or text/csv (UTF-8)' }),
      ]);
    }
    const parsed = parseWithdrawals(recordType, body, format);
    if (!parsed.ok) return rejected(parsed.errors);
    const items: EncodedItem[] = parsed.withdrawals.map(({ row, withdrawal }) => ({ row, key: withdrawal.key, version: withdrawal.version, payload: null, payloadBytes: null, hash: TOMBSTONE_HASH }));
    return this.commit(recordType, principal, items, 'withdrawals', req.mediaType, new Phases());
  }

  /** One of the Amt's deliveries with the log position of each event. */
  async trace(principal: Principal, deliveryId: string): Promise<TraceResult> {
    const found = await this.repo.findDelivery(deliveryId);
    if (!found || found.delivery.amt !== principal.amt) {
      return rejected([
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
      kind: 'found',
      trace: {
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

  /** The levels delivered as area-level records (their key is the level name), withdrawn ones left out. */
  private async deliveredLevels(): Promise<string[]> {
    const { rows } = await this.deps.database.query<{ key: string }>(`SELECT key FROM ingest_records WHERE record_type = 'area-level' AND NOT tombstone`);
    return rows.map((r) => r.key);
  }

  /**
   * What a delivered definition is checked against: the tenant's live catalogue with the latest
   * delivered version of every code on top (one delivered a moment ago may not be projected yet),
   * and the levels of its reference and those delivered.
   */
  private async definitionContext(deliveredLevels: readonly string[], datasets: Catalogue['datasets'] | undefined): Promise<{ catalogue: Catalogue; levels: string[] } | undefined> {
    const indicators = this.deps.indicatorCatalogue;
    if (!indicators) return undefined;
    const live = datasets ? new Catalogue(indicators.version, datasets, indicators.indicators, indicators.uncertainty) : indicators;
    const { rows } = await this.deps.database.query<{ payload: IndicatorDefinitionRecord | string }>(
      `SELECT payload FROM ingest_records WHERE record_type = 'indicator-definition' AND NOT tombstone AND payload IS NOT NULL ORDER BY updated_at`,
    );
    const delivered = rows.map((r) => indicatorSchema.parse(JSON.parse((typeof r.payload === 'string' ? (JSON.parse(r.payload) as IndicatorDefinitionRecord) : r.payload).spec)));
    return { catalogue: overlayDefinitions(live, delivered), levels: [...new Set([...this.deps.spatial.levels(), ...deliveredLevels])] };
  }

  /**
   * The feed catalogue and the indicator catalogue's datasets with the latest delivered version of
   * every dataset on top (docs/indicators.md §9): one delivered a moment ago may not be projected
   * yet, and the standalone ingestion has no projection at all. The delivered datasets are read
   * again only when their rows changed (count, sum of versions, last update: every recorded version
   * raises the sum), and the overlay is remade only when they, the feed catalogue or the indicator
   * catalogue changed; otherwise the same object is returned. Per delivery this is one small
   * aggregate over the primary key instead of reading every dataset's payload.
   */
  private async withDeliveredDatasets(): Promise<DeliveredDatasets> {
    const { rows: sig } = await this.deps.database.query<{ n: string | number; versions: string | number; at: Date | string | null }>(
      `SELECT count(*) AS n, coalesce(sum(version), 0) AS versions, max(updated_at) AS at FROM ingest_records WHERE record_type = 'dataset'`,
    );
    const s = sig[0];
    const rowsSignature = s ? `${s.n}|${s.versions}|${s.at instanceof Date ? s.at.toISOString() : String(s.at)}` : '';
    const indicators = this.indicatorsNow();
    const cached = this.datasetsCache;
    if (cached && cached.rows === rowsSignature && cached.file === this.deps.catalogue.file && cached.indicators === indicators && cached.revision === indicators.revision) return cached.overlaid;
    const { rows } = await this.deps.database.query<{ payload: DatasetRecord | string }>(
      `SELECT payload FROM ingest_records WHERE record_type = 'dataset' AND NOT tombstone AND payload IS NOT NULL ORDER BY updated_at, key`,
    );
    const delivered = rows.map((r) => (typeof r.payload === 'string' ? (JSON.parse(r.payload) as DatasetRecord) : r.payload));
    const signature = `${delivered.map((r) => `${r.code}@${r.version}`).join(',')}|${indicators.revision}`;
    let overlaid: DeliveredDatasets;
    if (cached && cached.signature === signature && cached.file === this.deps.catalogue.file && cached.indicators === indicators) overlaid = cached.overlaid;
    else if (delivered.length === 0) overlaid = { feeds: this.deps.catalogue, versions: new Map() };
    else {
      const { feeds, datasets } = overlayDatasets({ feeds: this.deps.catalogue, catalogue: indicators }, delivered);
      overlaid = { feeds, datasets, versions: new Map(delivered.map((r) => [r.code, r.version])) };
    }
    this.datasetsCache = { rows: rowsSignature, signature, file: this.deps.catalogue.file, indicators, revision: indicators.revision, overlaid };
    return overlaid;
  }

  private datasetsCache: { rows: string; signature: string; file: FeedCatalogue['file']; indicators: Catalogue; revision: Catalogue['revision']; overlaid: DeliveredDatasets } | undefined;

  /** A step before the delivery's transaction: a store that is down is answered 503, like the steps of commit. */
  private async orUnavailable<T>(work: () => Promise<T>): Promise<T | Unavailable> {
    try {
      return await work();
    } catch (error) {
      const unavailable = storeUnavailable(error, 'database');
      if (!unavailable) throw error;
      return { kind: 'unavailable', ...unavailable, reason: unavailable.message, retryAfterSeconds: this.deps.config.retryAfterSeconds };
    }
  }

  /** What, in which format — everything before the body is read as records. */
  private admit(principal: Principal, req: DeliveryRequest, catalogue: FeedCatalogue): DeliveryResult | { recordType: RecordType; format: 'json' | 'csv' | 'geojson'; body: Buffer } {
    if (req.body instanceof OversizedBody) {
      return rejected([
        feedError({
          row: null,
          field: null,
          value: req.body.received,
          code: 'BODY_TOO_LARGE',
          message: `the body exceeds the limit of ${req.body.limit} bytes`,
          accepted: `at most ${req.body.limit} bytes per delivery; split the batch`,
        }),
      ]);
    }
    if (!isRecordType(req.recordType)) {
      return rejected([
        feedError({
          row: null,
          field: 'recordType',
          value: req.recordType,
          code: 'UNKNOWN_RECORD_TYPE',
          message: `unknown record type ${req.recordType}`,
          accepted: catalogue.recordTypesOf(principal.amt).join(' | '),
        }),
      ]);
    }
    if (!catalogue.mayDeliver(principal.amt, req.recordType)) {
      return rejected([
        feedError({
          row: null,
          field: 'recordType',
          value: req.recordType,
          code: 'RECORD_TYPE_NOT_ALLOWED',
          message: `Amt ${principal.amt} may not deliver ${req.recordType} (feed catalogue v${catalogue.version})`,
          accepted: catalogue.recordTypesOf(principal.amt).join(' | '),
        }),
      ]);
    }
    const format =
      req.mediaType === 'application/json' ? 'json' : req.mediaType === 'text/csv' || req.mediaType === 'application/csv' ? 'csv' : req.mediaType === 'application/geo+json' ? 'geojson' : undefined;
    if (!format) {
      return rejected([
        feedError({
          row: null,
          field: 'content-type',
          value: req.mediaType || null,
          code: 'UNSUPPORTED_MEDIA_TYPE',
          message: `cannot read a body of type ${req.mediaType || '(none)'}`,
          accepted: 'application/json or text/csv (UTF-8); areas also application/geo+json',
        }),
      ]);
    }
    return { recordType: req.recordType, format, body: req.body ?? Buffer.alloc(0) };
  }

  private async commit(
    recordType: RecordType,
    principal: Principal,
    items: readonly EncodedItem[],
    kind: DeliveryKind,
    contentType: string,
    phases: Phases,
    early?: EarlyLookup,
  ): Promise<DeliveryResult> {
    const schema = this.deps.registry.latest(recordType);
    const d: Delivery = {
      deliveryId: randomUUID(),
      at: this.clock(),
      recordType,
      kind,
      principal,
      contentType,
      schema: { id: schema.id, version: schema.version },
      topic: this.topic(recordType),
      planning: isPlanningRecordType(recordType),
    };
    let locks = this.keyLocks.get(recordType);
    if (!locks) this.keyLocks.set(recordType, (locks = new KeyLocks()));
    const release = await locks.acquire(items.map((i) => i.key));
    try {
      // 1. look up, decide, reserve: one transaction under the keys' advisory locks
      const reserved = await step('database', () => this.decideAndReserve(d, items, phases, early));
      if (!('decided' in reserved)) return reserved;
      const { decided, appending, events } = reserved;
      // 2. append what is new or completes a reservation
      const appended = appending.length ? await step('log', () => this.append(d.topic, events)) : [];
      phases.mark('append');
      // 3. record: the new current versions with their positions, reservations ended, the audit row
      const records = await step('database', () => this.record(d, decided, appending, appended));
      phases.mark('record');
      return {
        kind: 'accepted',
        delivery: {
          deliveryId: d.deliveryId,
          amt: principal.amt,
          recordType,
          kind,
          deliveredBy: principal.keyId,
          deliveredAt: d.at.toISOString(),
          schema: d.schema,
          created: appending.length,
          unchanged: decided.length - appending.length,
          records: records.map((e) => ({ row: e.row, key: e.key, version: e.version, status: e.status, topic: e.topic, partition: e.partition, offset: e.offset })),
        },
        timings: phases.spans,
      };
    } catch (error) {
      if (!(error instanceof StepFailed)) throw error;
      const unavailable = storeUnavailable(error.cause, error.store);
      if (!unavailable) throw error.cause;
      const result: Unavailable = { kind: 'unavailable', ...unavailable, reason: unavailable.message, retryAfterSeconds: this.deps.config.retryAfterSeconds };
      return result;
    } finally {
      release();
    }
  }

  /**
   * Step 1: the decision, the planning check and the reservations, committed together (or a
   * rejection, nothing written). First without a transaction: the look-up, the decision, then one
   * autocommit statement that takes the keys' advisory locks, checks that nothing of the keys changed
   * since the look-up and reserves (ingest_reserve_if_unchanged) — three round trips fewer per
   * delivery than BEGIN, lock, look-up, reserve, COMMIT (issue 17.3, bench/ingestion). Only when a
   * key changed meanwhile (another process decided on it) is the whole step done again in one
   * transaction under the locks. A delivery that reserves nothing (all unchanged, or completing
   * reservations) writes nothing here when its look-up was made under the process's key locks: its
   * decision holds as of the look-up's snapshot.
   * Also returns the events to append, encoded while PostgreSQL writes the reservations (the
   * envelopes need only the decided versions): on a server the statement and the encoding overlap.
   */
  private async decideAndReserve(d: Delivery, items: readonly EncodedItem[], phases: Phases, early?: EarlyLookup): Promise<Reserved | Rejected> {
    // new versions only (the usual delivery): reserved in one statement that checks under the locks
    // what the decider would — each key new, or only this Amt's lower versions known — without a
    // look-up first (ingest_reserve_new_versions); anything else is looked up and decided below
    if (newVersionsFirst(d.recordType, d.kind) && items.every((i) => i.version !== undefined && i.payload !== null)) {
      const decided: Decided[] = items.map((item) => ({ outcome: 'create', item, version: item.version!, previous: undefined }));
      const reserved = await this.encodingWhile(d, decided, this.repo.reserveNewVersions(d.recordType, this.reservationOf(d), this.reservationRows(d, decided)));
      phases.mark(reserved.result ? 'reserve' : 'refused');
      if (reserved.result) return { decided, appending: decided, events: reserved.events };
    }
    const keys = items.map((i) => i.key);
    // goals are checked against their ancestors (GOAL_PARENT_CYCLE), which are not the delivery's
    // keys: goal deliveries take one more lock, the goal system's, so that two deliveries at once
    // cannot each close half of a cycle; decided in the transaction under it (goals are few)
    if (d.recordType === 'goal') return this.decideAndReserveLocked(d, items, phases, true);
    const usesEarly = early !== undefined && early.keys.length === keys.length && early.keys.every((k, i) => k === keys[i]);
    const looked = usesEarly ? await early.result : await this.repo.lookup(this.deps.database, d.recordType, keys, referencedKeys(d.recordType, items));
    phases.mark('lookup');
    const decision = await this.decide(d, items, looked, this.deps.database);
    if (!('decided' in decision)) return decision;
    phases.mark('decide');
    // an early look-up was made before this process's earlier deliveries of the same keys were done
    // (KeyLocks): its decision is checked even when it reserves nothing, or five identical
    // deliveries at once would all complete the first one's reservation and append it five times
    if (decision.creates.length === 0 && !usesEarly) return { decided: decision.decided, appending: decision.appending, events: decision.appending.map((x) => this.event(d, x)) };
    const reserved = await this.encodingWhile(d, decision.appending, this.repo.reserveIfUnchanged(d.recordType, looked.seen, this.reservationOf(d), this.reservationRows(d, decision.creates)));
    phases.mark('reserve');
    if (reserved.result) return { decided: decision.decided, appending: decision.appending, events: reserved.events };
    // a key changed since the look-up: lock, look up, decide and reserve in one transaction
    return this.decideAndReserveLocked(d, items, phases, false);
  }

  /** Step 1 in one transaction under the keys' advisory locks (and first the goal system's): look-up, decision, planning check, reservation. */
  private decideAndReserveLocked(d: Delivery, items: readonly EncodedItem[], phases: Phases, goalSystem: boolean): Promise<Reserved | Rejected> {
    const keys = items.map((i) => i.key);
    return this.repo.transaction(async (tx) => {
      if (goalSystem) await this.repo.lockGoalSystem(tx);
      await this.repo.lockKeys(tx, d.recordType, keys);
      const locked = await this.repo.lookup(tx, d.recordType, keys, referencedKeys(d.recordType, items));
      phases.mark('lock');
      const again = await this.decide(d, items, locked, tx);
      if (!('decided' in again)) return again;
      const { events } = await this.encodingWhile(d, again.appending, this.repo.reserve(tx, d.recordType, this.reservationOf(d), this.reservationRows(d, again.creates)));
      phases.mark('reserve');
      return { decided: again.decided, appending: again.appending, events };
    });
  }

  /** The decision on what the look-up found, and the controlling check of planning records (its reads through q). */
  private async decide(
    d: Delivery,
    items: readonly EncodedItem[],
    looked: { states: ReadonlyMap<string, KeyState>; goals: ReadonlyMap<string, ReferencedRecord>; measures: ReadonlyMap<string, ReferencedRecord> },
    q: Queryable,
  ): Promise<{ decided: Decided[]; creates: Decided[]; appending: Decided[] } | Rejected> {
    const { recordType, principal } = d;
    const { states, goals, measures } = looked;
    const decision = decideDelivery({ recordType, kind: d.kind, amt: principal.amt, items: this.withEarlierHashes(d, items, states) }, states, {
      goals,
      measures,
      indicatorCodes: this.indicatorCodes,
    });
    if (!decision.accepted) return rejected(decision.errors, decision.currentVersions);
    const creates = decision.decided.filter((x) => x.outcome === 'create');
    if (isPlanningRecordType(recordType) && creates.length) {
      const changes: PlanningChange[] = creates.flatMap((x) => {
        const previous = x.previous && !x.previous.tombstone && x.previous.payload ? (x.previous.payload as AnyRecord) : undefined;
        // nothing to decide for withdrawing what is withdrawn already
        return x.item.payload === null && previous === undefined ? [] : [{ row: x.item.row, key: x.item.key, version: x.version, previous, next: x.item.payload }];
      });
      const findings = changes.length
        ? await this.deps.planningCheck({ recordType, changes, deliveryId: d.deliveryId, actor: principal.keyId, at: d.at.toISOString() }, this.repo.planningLookups(q, measures))
        : [];
      if (findings.length) {
        const errors = findings.map(({ change, issue }) =>
          feedError({
            row: change.row,
            field: issue.field,
            value: issue.field && change.next ? (change.next as Record<string, unknown>)[issue.field] : null,
            code: 'INVALID_TRANSITION',
            message: `${issue.code}: ${issue.message}`,
            accepted: issue.accepted ?? 'a transition the controlling rules allow (docs/records.md)',
          }),
        );
        return rejected(errors, decision.currentVersions);
      }
    }
    return { decided: decision.decided, creates, appending: decision.decided.filter((x) => x.outcome !== 'unchanged') };
  }

  private reservationOf(d: Delivery): { deliveryId: string; amt: string; at: Date } {
    return { deliveryId: d.deliveryId, amt: d.principal.amt, at: d.at };
  }

  private reservationRows(d: Delivery, creates: readonly Decided[]): ReservationRow[] {
    return creates.map((x) => ({ key: x.item.key, version: x.version, payloadHash: x.item.hash, tombstone: x.item.payload === null, payload: keepsPayload(d.recordType) ? x.item.payload : null }));
  }

  /** The events of what is appended, encoded while a statement is on its way (a failing statement still fails the step). */
  private async encodingWhile<T>(d: Delivery, appending: readonly Decided[], statement: Promise<T>): Promise<{ result: T; events: OutgoingEvent[] }> {
    let events: OutgoingEvent[];
    try {
      events = appending.map((x) => this.event(d, x));
    } catch (error) {
      await statement.catch(() => undefined);
      throw error;
    }
    return { result: await statement, events };
  }

  /** The event of a new (or completed) version: envelope + the payload's Avro bytes. */
  private event(d: Delivery, x: Decided): OutgoingEvent {
    const envelope = {
      key: x.item.key,
      version: x.version,
      recordType: d.recordType,
      amt: d.principal.amt,
      deliveryId: d.deliveryId,
      deliveredAt: d.at.getTime(),
      deliveredBy: d.principal.keyId,
      tombstone: x.item.payload === null,
    };
    return {
      key: x.item.key,
      value: this.codec.encodeWithPayloadBytes(d.recordType, d.schema.version, envelope, (x.item as EncodedItem).payloadBytes),
      headers: (d.headers ??= this.codec.headers(d.recordType, d.schema.version, envelope)),
      timestamp: d.at.getTime(),
    };
  }

  /** Step 3, one statement; returns the delivery's records with their log positions. */
  private async record(d: Delivery, decided: readonly Decided[], appending: readonly Decided[], appended: readonly AppendedEvent[]): Promise<RecordedEventRow[]> {
    const positions = new Map(appending.map((x, i) => [x.item.key, appended[i]!]));
    const keeps = keepsPayload(d.recordType);
    const events = decided.map((x, seq) => eventRow(x, seq, positions.get(x.item.key), d.schema.id, keeps));
    await this.repo.record(
      d.recordType,
      {
        deliveryId: d.deliveryId,
        amt: d.principal.amt,
        recordType: d.recordType,
        kind: d.kind,
        deliveredBy: d.principal.keyId,
        deliveredAt: d.at,
        contentType: d.contentType,
        recordCount: decided.length,
        createdCount: appending.length,
        catalogueVersion: this.deps.catalogue.version,
        topic: d.topic,
        schemaId: d.schema.id,
      },
      events,
    );
    return events;
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

/**
 * Whether ingest_records keeps a record's payload: planning records (their transitions are checked
 * against the previous version) and indicator definitions (a definition is checked against those
 * delivered before it, docs/indicators.md §8).
 */
export function keepsPayload(recordType: RecordType): boolean {
  return isPlanningRecordType(recordType) || recordType === 'indicator-definition' || recordType === 'dataset';
}

/**
 * Whether a delivery is first reserved as new versions only (DeliveryService.decideAndReserve): records
 * (not withdrawals) of a type whose "create" the decider grants on the versions alone — not the
 * planning records (references, the transition check) nor offers (the offer's Amt).
 */
function newVersionsFirst(recordType: RecordType, kind: DeliveryKind): boolean {
  return kind === 'records' && !isPlanningRecordType(recordType) && recordType !== 'offer';
}

/** A record of the delivery with its log position; a created one with what becomes its current version (payload only for the types that keep it). */
function eventRow(d: Decided, seq: number, p: { topic: string; partition: number; offset: bigint } | undefined, schemaId: number, keepsPayload: boolean): RecordedEventRow {
  const { row, key, payload, hash } = d.item;
  const tombstone = payload === null;
  if (p)
    return {
      seq,
      row,
      key,
      version: d.version,
      tombstone,
      status: 'created',
      schemaId,
      topic: p.topic,
      partition: p.partition,
      offset: p.offset.toString(),
      payloadHash: hash,
      payload: keepsPayload ? payload : null,
    };
  if (d.outcome !== 'unchanged') throw new Error(`no log position for ${key}@${d.version}`);
  const c = d.committed;
  return { seq, row, key, version: d.version, tombstone, status: 'unchanged', schemaId: c.schemaId, topic: c.topic, partition: c.partition, offset: c.offset, payloadHash: null, payload: null };
}

/**
 * Lets the event loop run what is waiting (other deliveries' answers from PostgreSQL and the log)
 * after a body is parsed, before it is validated and encoded (60–80 ms of CPU in one piece for
 * 1,000 records; bench/ingestion, issue 17.3). The early look-up leaves only here: a pooled pg
 * query is written when the event loop turns (setImmediate), not when it is called.
 */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
