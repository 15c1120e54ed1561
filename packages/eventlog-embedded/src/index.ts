export { EmbeddedEventLog, openEmbeddedEventLog, type EmbeddedEventLogOptions } from './embedded-event-log.js';
export type { RecoveryReport } from './partition.segment.js';
export { snapshotCommittedLog, type LogCut } from './log.snapshot.js';
