// What a rebuild does with one event of the log before it is staged, on the main thread or in the
// rebuild's decoding worker (rebuild.worker.ts), so both paths take and refuse the same events:
// decoded without zod (the ingestion validated every record at the door), other record types
// skipped, and a period the index computation cannot take refused as a poison event (the caller
// dead-letters what this throws).
import type { AnyRecordEvent, EventCodec, RecordEvent } from '@sp/events';
import { assertPeriod } from '@sp/indicators';

/** The area-statistic event in `bytes`, or undefined for another record type; throws on a poison event. */
export function decodeForRebuild(codec: EventCodec, bytes: Uint8Array): RecordEvent<'area-statistic'> | undefined {
  const event: AnyRecordEvent = codec.decodeTrusted(bytes);
  if (event.recordType !== 'area-statistic') return undefined;
  if (event.payload) assertPeriod(event.payload.period);
  return event;
}
