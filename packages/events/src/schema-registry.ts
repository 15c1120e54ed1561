// The schema registry: numeric schema ids ↔ (record type, version) ↔ Avro types, loaded from the
// repo's schemas/ directory (the source of truth). An event schema is the envelope with the record
// type's schema as its payload; its id travels in every message (wire-format.ts).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { z } from 'zod';
import { isRecordType, type RecordType } from './record-types.js';

type AvroSchema = Parameters<typeof avro.Type.forSchema>[0];
export type AvroResolver = ReturnType<avro.Type['createResolver']>;

/** schemas/ of this repository: packages/events/{src,dist}/ → ../../../schemas; SP_SCHEMAS_DIR overrides. */
export function defaultSchemasDir(): string {
  return process.env.SP_SCHEMAS_DIR ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../../schemas');
}

const registryFileSchema = z.object({
  nextId: z.number().int().min(1),
  schemas: z.array(
    z.object({
      id: z.number().int().min(1),
      name: z.string(),
      version: z.number().int().min(1),
      path: z.string(),
      envelope: z.string(),
      fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
      retired: z.boolean().optional(),
    }),
  ),
});
export type RegistryFile = z.infer<typeof registryFileSchema>;
export type RegistryEntry = RegistryFile['schemas'][number];

export interface SchemaIdentity {
  id: number;
  recordType: RecordType;
  version: number;
}

export interface RegisteredSchema extends SchemaIdentity {
  /** Avro type of the whole event (envelope + payload) */
  eventType: avro.Type;
  /** Avro type of the payload alone */
  payloadType: avro.Type;
  /** the composed event schema as JSON, e.g. for a consumer in another language */
  eventSchema: object;
  /** the payload schema as written in schemas/<type>/v<N>.avsc */
  payloadSchema: object;
  /** see fingerprintOf */
  fingerprint: string;
}

export class UnknownSchemaError extends Error {
  override readonly name = 'UnknownSchemaError';
  readonly code = 'UNKNOWN_SCHEMA';
}

const PAYLOAD_PLACEHOLDER = '$payload';

/** Puts the payload schema in place of the envelope's `$payload` placeholder. */
export function composeEventSchema(envelope: object, payload: object): object {
  const copy = structuredClone(envelope) as { fields: { name: string; type: unknown }[] };
  const field = copy.fields.find((f) => f.name === 'payload');
  if (!field || !Array.isArray(field.type) || !field.type.includes(PAYLOAD_PLACEHOLDER)) {
    throw new Error('envelope schema has no payload field of type ["null", "$payload"]');
  }
  field.type = field.type.map((t) => (t === PAYLOAD_PLACEHOLDER ? payload : t));
  return copy;
}

/**
 * sha256 of the composed event schema's JSON: whitespace-insensitive, but unlike Avro's canonical
 * form it covers docs and defaults, so any edit of a published file is noticed.
 */
export function fingerprintOf(eventSchema: object): string {
  return createHash('sha256').update(JSON.stringify(eventSchema)).digest('hex');
}

export class SchemaRegistry {
  private readonly byIdMap = new Map<number, RegisteredSchema>();
  /** per record type, per version: get() is asked once per encoded event, and a joined string key was made and hashed each time */
  private readonly byTypeVersion = new Map<RecordType, Map<number, RegisteredSchema>>();
  private readonly resolvers = new Map<string, AvroResolver>();
  /** latest() per record type: asked once per decoded event (the entries do not change after loading) */
  private readonly latestByType = new Map<RecordType, RegisteredSchema>();

  private constructor(
    entries: readonly RegisteredSchema[],
    /** the directory it was loaded from: another thread loads the same schemas from it (a rebuild's decoding worker) */
    readonly dir: string,
  ) {
    for (const e of entries) {
      this.byIdMap.set(e.id, e);
      let versions = this.byTypeVersion.get(e.recordType);
      if (!versions) this.byTypeVersion.set(e.recordType, (versions = new Map()));
      versions.set(e.version, e);
    }
  }

  /**
   * Loads registry.json and every schema it names. Throws when a file's fingerprint differs from
   * the registered one: a published schema version must never be edited.
   */
  static load(dir: string = defaultSchemasDir()): SchemaRegistry {
    const file = registryFileSchema.parse(JSON.parse(readFileSync(join(dir, 'registry.json'), 'utf8')));
    const ids = new Set<number>();
    const entries: RegisteredSchema[] = [];
    for (const entry of file.schemas) {
      if (ids.has(entry.id)) throw new Error(`schema id ${entry.id} is registered twice`);
      if (entry.id >= file.nextId) throw new Error(`schema id ${entry.id} is not below nextId ${file.nextId}`);
      ids.add(entry.id);
      if (entry.retired) continue;
      if (!isRecordType(entry.name)) throw new Error(`unknown record type ${entry.name} in registry.json`);
      const loaded = loadEntry(dir, entry);
      if (loaded.fingerprint !== entry.fingerprint) {
        throw new Error(`schema ${entry.path} (id ${entry.id}) changed after publication: fingerprint ${loaded.fingerprint}, registered ${entry.fingerprint}. Add a new version instead.`);
      }
      entries.push(loaded);
    }
    return new SchemaRegistry(entries, dir);
  }

  all(): RegisteredSchema[] {
    return [...this.byIdMap.values()];
  }

  byId(id: number): RegisteredSchema {
    const s = this.byIdMap.get(id);
    if (!s) throw new UnknownSchemaError(`no schema with id ${id} in the registry`);
    return s;
  }

  get(recordType: RecordType, version: number): RegisteredSchema {
    const s = this.byTypeVersion.get(recordType)?.get(version);
    if (!s) throw new UnknownSchemaError(`no schema ${recordType} v${version} in the registry`);
    return s;
  }

  versions(recordType: RecordType): number[] {
    return this.all()
      .filter((s) => s.recordType === recordType)
      .map((s) => s.version)
      .sort((a, b) => a - b);
  }

  latest(recordType: RecordType): RegisteredSchema {
    const known = this.latestByType.get(recordType);
    if (known) return known;
    const versions = this.versions(recordType);
    const v = versions[versions.length - 1];
    if (v === undefined) throw new UnknownSchemaError(`no schema for ${recordType} in the registry`);
    const latest = this.get(recordType, v);
    this.latestByType.set(recordType, latest);
    return latest;
  }

  /** Resolver reading data written with `writer` as `reader` (Avro schema resolution; cached). */
  resolver(reader: RegisteredSchema, writer: RegisteredSchema): AvroResolver {
    const k = `${reader.id}<${writer.id}`;
    let r = this.resolvers.get(k);
    if (!r) {
      r = reader.eventType.createResolver(writer.eventType);
      this.resolvers.set(k, r);
    }
    return r;
  }
}

function loadEntry(dir: string, entry: RegistryEntry): RegisteredSchema {
  const envelope = JSON.parse(readFileSync(join(dir, entry.envelope), 'utf8')) as object;
  const payload = JSON.parse(readFileSync(join(dir, entry.path), 'utf8')) as object;
  const eventSchema = composeEventSchema(envelope, payload);
  const eventType = avro.Type.forSchema(eventSchema as AvroSchema);
  const payloadType = avro.Type.forSchema(payload as AvroSchema);
  return {
    id: entry.id,
    recordType: entry.name as RecordType,
    version: entry.version,
    eventType,
    payloadType,
    eventSchema,
    payloadSchema: payload,
    fingerprint: fingerprintOf(eventSchema),
  };
}
