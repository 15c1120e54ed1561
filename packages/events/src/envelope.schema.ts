// zod schema of the event envelope (schemas/envelope/v1.avsc): who delivered which version of
// which record when. Decoded events pass through it before any consumer sees them.
import { z } from 'zod';
import { looseRecordSchemas } from './records.schema.js';
import { recordTypes, type RecordType } from './record-types.js';
import type { RecordPayloads } from './records.schema.js';

export const envelopeSchema = z.looseObject({
  key: z.string().min(1),
  version: z.number().int().min(1),
  recordType: z.enum(recordTypes),
  amt: z.string().min(1),
  deliveryId: z.string().min(1),
  deliveredAt: z.number().int().nonnegative(),
  deliveredBy: z.string().min(1),
  tombstone: z.boolean(),
  payload: z.unknown(),
});

/** One record event as consumers see it: the envelope plus the typed payload (null = tombstone). */
export interface RecordEvent<R extends RecordType = RecordType> {
  key: string;
  version: number;
  recordType: R;
  amt: string;
  deliveryId: string;
  /** epoch millis */
  deliveredAt: number;
  /** API key id that authenticated the delivery */
  deliveredBy: string;
  tombstone: boolean;
  payload: RecordPayloads[R] | null;
}

export type AnyRecordEvent = { [R in RecordType]: RecordEvent<R> }[RecordType];

/** Validates a decoded envelope and its payload; throws z.ZodError on mismatch. */
export function parseRecordEvent(value: unknown): AnyRecordEvent {
  const envelope = envelopeSchema.parse(value);
  if (envelope.tombstone) {
    if (envelope.payload !== null && envelope.payload !== undefined) {
      throw new z.ZodError([{ code: 'custom', path: ['payload'], message: 'a tombstone carries no payload', input: envelope.payload }]);
    }
    return { ...envelope, payload: null } as AnyRecordEvent;
  }
  const payload = looseRecordSchemas[envelope.recordType].parse(envelope.payload);
  if (payload.key !== envelope.key || payload.version !== envelope.version) {
    throw new z.ZodError([{ code: 'custom', path: ['payload', 'key'], message: 'payload key/version differ from the envelope', input: payload.key }]);
  }
  return { ...envelope, payload } as AnyRecordEvent;
}
