// How kafkajs failures reach callers: a retry-later is UNAVAILABLE (answered 503 by the ingestion),
// whatever kafkajs calls retriable.
import { describe, expect, it } from 'vitest';
import { toEventLogError } from './kafka.errors.js';

/** what kafkajs throws once its retries are spent: the broker's error as the cause */
const afterRetries = (type: string, retriable: boolean) => {
  const protocol = Object.assign(new Error(`broker said ${type}`), { name: 'KafkaJSProtocolError', type, retriable });
  return Object.assign(new Error(protocol.message), { name: 'KafkaJSNonRetriableError', retriable: false, cause: protocol });
};

describe('toEventLogError', () => {
  it('takes the producer state out of step with the broker (an answer lost on the way) as a retry-later, not a bug (issue 14)', () => {
    for (const type of ['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH']) {
      expect(toEventLogError(afterRetries(type, false), 'appending'), type).toMatchObject({ code: 'UNAVAILABLE', transient: true, engineCode: type });
    }
  });

  it('keeps a missing topic and an invalid name apart from an outage', () => {
    expect(toEventLogError(afterRetries('UNKNOWN_TOPIC_OR_PARTITION', true), 'appending').code).toBe('UNKNOWN_TOPIC');
    expect(toEventLogError(afterRetries('INVALID_TOPIC_EXCEPTION', false), 'appending').code).toBe('BAD_PARAMETER');
    expect(toEventLogError(afterRetries('MESSAGE_TOO_LARGE', false), 'appending').code).toBe('INTERNAL');
  });
});
