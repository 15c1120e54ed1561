// The zod validators of @sp/feeds and the Avro schemas under schemas/ describe the same records:
// same fields, same optionality, same types, for the latest version of every record type.
import { SchemaRegistry, strictRecordSchemas, recordTypes } from '@sp/events';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

type Json = Record<string, unknown>;

/** A type-shape both sides can be reduced to. */
type Shape = string | { array: Shape } | { map: Shape } | { record: Record<string, { shape: Shape; optional: boolean; nullable: boolean }> };

function fromAvro(t: unknown, named = new Map<string, Shape>()): { shape: Shape; nullable: boolean } {
  if (Array.isArray(t)) {
    const rest = t.filter((x) => x !== 'null');
    expect(rest).toHaveLength(1);
    return { shape: fromAvro(rest[0], named).shape, nullable: t.includes('null') };
  }
  if (typeof t === 'string') {
    const primitive = { int: 'integer', long: 'integer', double: 'number', float: 'number', string: 'string', boolean: 'boolean' }[t];
    // a name refers to a record defined earlier in the schema (goal v2's targets reuse AreaRef)
    return { shape: primitive ?? named.get(t) ?? `?${t}`, nullable: false };
  }
  const o = t as Json;
  switch (o.type) {
    case 'array':
      return { shape: { array: fromAvro(o.items, named).shape }, nullable: false };
    case 'map':
      return { shape: { map: fromAvro(o.values, named).shape }, nullable: false };
    case 'record': {
      const shape: Shape = {
        record: Object.fromEntries(
          (o.fields as Json[]).map((f) => {
            const { shape, nullable } = fromAvro(f.type, named);
            return [f.name as string, { shape, nullable, optional: 'default' in f }];
          }),
        ),
      };
      named.set(o.name as string, shape);
      return { shape, nullable: false };
    }
    default:
      return fromAvro(o.type, named);
  }
}

function fromJsonSchema(s: Json): { shape: Shape; nullable: boolean } {
  const variants = (s.anyOf as Json[] | undefined) ?? (Array.isArray(s.type) ? (s.type as string[]).map((type): Json => ({ ...s, type })) : [s]);
  const nonNull = variants.filter((v) => v.type !== 'null');
  const nullable = nonNull.length < variants.length;
  expect(nonNull).toHaveLength(1);
  const v = nonNull[0]!;
  if (v.type === 'array') return { shape: { array: fromJsonSchema(v.items as Json).shape }, nullable };
  if (v.type === 'object' && v.properties) {
    const required = new Set((v.required as string[] | undefined) ?? []);
    return {
      shape: {
        record: Object.fromEntries(
          Object.entries(v.properties as Record<string, Json>).map(([k, p]) => {
            const { shape, nullable: n } = fromJsonSchema(p);
            return [k, { shape, nullable: n, optional: !required.has(k) }];
          }),
        ),
      },
      nullable,
    };
  }
  if (v.type === 'object') return { shape: { map: fromJsonSchema(v.additionalProperties as Json).shape }, nullable };
  if (v.enum) return { shape: 'string', nullable };
  return { shape: v.type as string, nullable };
}

describe('zod validators match the Avro schemas', () => {
  const registry = SchemaRegistry.load();
  it.each(recordTypes)('%s: same fields, optionality and types as the latest Avro version', (t) => {
    const avro = registry.latest(t).payloadSchema;
    const zodSide = fromJsonSchema(z.toJSONSchema(strictRecordSchemas[t], { io: 'input', unrepresentable: 'any' }) as Json);
    expect(zodSide.shape).toEqual(fromAvro(avro).shape);
  });
});
