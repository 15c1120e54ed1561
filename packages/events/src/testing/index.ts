// Test helpers of @sp/events (import '@sp/events/testing'): record and event factories.
export * from './record.factories.js';
