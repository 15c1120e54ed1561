export { KafkaEventLog, createKafkaEventLog, type KafkaEventLogOptions, type KafkaConsumerSettings } from './kafka-event-log.js';
export { toEventLogError } from './kafka.errors.js';
