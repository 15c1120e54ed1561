// @sp/controlling — goals, measures, milestones and status reports of integrated social planning as
// event-sourced aggregates (pure deciders), the mapping from the Ämter's planning records to their
// events, controlling and evaluation figures, and the PostgreSQL read model with its audit trail.

// deciders
export * from './decider.js';
export * from './planning.errors.js';
export * from './goal/goal.decider.js';
export * from './goal/goal-hierarchy.js';
export * from './measure/measure.decider.js';
export * from './milestone/milestone.decider.js';
export * from './status-report/status-report.decider.js';
export * from './theme/theme.decider.js';

// planning records (schemas, one RecordMapping per aggregate and the generic records → commands/events, in-memory replay)
export * from './records/planning-records.schema.js';
export * from './records/record-mapping.js';
export * from './records/goal.record-mapping.js';
export * from './records/measure.record-mapping.js';
export * from './records/milestone.record-mapping.js';
export * from './records/status-report.record-mapping.js';
export * from './records/theme.record-mapping.js';
export * from './records/planning-records.replay.js';
export * from './records/planning-transition.check.js';

// controlling and evaluation
export * from './controlling/controlling.compute.js';
export * from './controlling/evaluation.compute.js';
export * from './controlling/goal-targets.compute.js';
export * from './controlling/core-process.compute.js';

// PostgreSQL read model
export * from './projection/planning.projection.js';
export { controllingMigrations, migrateControlling, type Migration } from './projection/controlling.migrations.js';
export { applyEvents, type ApplyResult } from './projection/controlling.projector.js';
export { projectPlanningRecordEvents, PlanningOutOfOrderError, type PlanningRecordEvent } from './projection/planning-records.projector.js';
export * from './projection/controlling.queries.js';
export { themeStatus, type ThemeRow } from './projection/controlling.rows.js';

// demo
export { haanExamplePath, koelnDemoPath, koelnThemesPath, readKoelnDemo, type PlanningDemo } from './demo/koeln-demo.loader.js';
