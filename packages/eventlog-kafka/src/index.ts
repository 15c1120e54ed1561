export { KafkaEventLog, createKafkaEventLog, sessionTimings, type KafkaEventLogOptions, type KafkaConsumerSettings } from './kafka-event-log.js';
export { toEventLogError } from './kafka.errors.js';
export { encodedHeaders } from './encoded-headers.js';
