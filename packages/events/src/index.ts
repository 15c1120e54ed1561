// @sp/events: the record events of the Fachamt feeds — Avro schemas from schemas/, the schema
// registry, the Confluent-style wire format, and zod validation of every decoded event.
export * from './record-types.js';
export * from './records.schema.js';
export * from './envelope.schema.js';
export * from './schema-registry.js';
export * from './wire-format.js';
export * from './event-codec.js';
export { readLong, type Tap as AvroTap } from './avro-reader.js';
