// Test helpers for other packages' tests (test/ runs the contract against the running platform).
export { checkContract, type ContractFailure } from './contract.js';
export { clientFor, testAudience, testAuth, testIssuer, testKeyPair, testKid, tokenFor, type GraphQLClient, type GraphQLResult } from './gateway.fixture.js';
export { indicatorMeta } from './koeln.fixture.js';
export { MemoryIndicatorReader, type MemoryCell, type ReaderCall } from './memory-indicator-reader.js';
