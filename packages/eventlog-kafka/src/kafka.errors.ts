// Maps kafkajs failures to the port's EventLogError, so callers react to the kind of failure
// (retry later, fix the topic name, stop using a closed log) without knowing kafkajs.
import { EventLogError } from '@sp/ports';

interface KafkaJSLike {
  name?: string;
  type?: string;
  code?: number;
  retriable?: boolean;
  message?: string;
  cause?: unknown;
  originalError?: unknown;
}

const unavailableNames = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSBrokerNotFound',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSLockTimeout',
  'KafkaJSTimeout',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
]);

/**
 * The idempotent producer's state out of step with the broker's (after a request whose answer was
 * lost). The adapter replaces its producer after any failed request, so the same append succeeds
 * when sent again: not a bug in the caller's data but a retry-later.
 */
const producerStateTypes = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'DUPLICATE_SEQUENCE_NUMBER', 'INVALID_PRODUCER_EPOCH', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_ID_MAPPING']);

/** Walks an error and its causes (kafkajs wraps the first failure in retry errors). */
function* chain(error: unknown): Generator<KafkaJSLike> {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current && typeof current === 'object'; depth++) {
    const e = current as KafkaJSLike;
    yield e;
    current = e.cause ?? e.originalError;
  }
}

export function toEventLogError(error: unknown, doing: string): EventLogError {
  if (error instanceof EventLogError) return error;
  const errors = [...chain(error)];
  const engineCode = errors.find((e) => e.type)?.type;
  const message = `${doing} failed: ${(error as Error)?.message ?? String(error)}`;
  if (errors.some((e) => e.type === 'UNKNOWN_TOPIC_OR_PARTITION')) {
    return new EventLogError('UNKNOWN_TOPIC', `${doing} failed: the topic does not exist; create it with ensureTopics`, engineCode, { cause: error });
  }
  if (errors.some((e) => e.type === 'INVALID_TOPIC_EXCEPTION')) {
    return new EventLogError('BAD_PARAMETER', `${doing} failed: invalid topic name`, engineCode, { cause: error });
  }
  if (errors.some((e) => (e.name && unavailableNames.has(e.name)) || e.retriable === true || (e.type !== undefined && producerStateTypes.has(e.type)))) {
    return new EventLogError('UNAVAILABLE', `${message}; the Kafka broker is not reachable right now`, engineCode, { cause: error });
  }
  return new EventLogError('INTERNAL', message, engineCode, { cause: error });
}
