// Test helpers of @sp/feeds (import '@sp/feeds/testing').
export * from './spatial.fixture.js';
