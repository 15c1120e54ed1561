export { KafkaEventLog, createKafkaEventLog, sessionTimings, type KafkaEventLogOptions, type KafkaConsumerSettings } from './kafka-event-log.js';
export { toEventLogError } from './kafka.errors.js';
export { encodedHeaders } from './encoded-headers.js';
export { produceRecords, readTopicsUpTo, RecordDigest, type RawRecord, type TopicCopyOptions, type TopicCut } from './topic.copy.js';
