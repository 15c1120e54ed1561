// The budget of one request as the services see it: who pays, and a charge that refuses reading
// work beyond the client's budget with RATE_LIMITED (HTTP 429 with Retry-After).
import type { GraphQLError } from 'graphql';
import { expectedError } from '../errors.js';

export interface RequestBudget {
  client: string;
  /** charges a read of this many estimated cells before it starts; throws RATE_LIMITED when over budget */
  charge(cells: number): void;
  /** runs one warehouse read in this client's turn (see fair-scheduler.ts) */
  run<T>(read: () => Promise<T>): Promise<T>;
}

export function rateLimited(reason: string, retryAfterSeconds: number): GraphQLError {
  // a request no budget could ever pay for is the caller's to narrow, not to retry
  if (retryAfterSeconds === 0) return expectedError('RESULT_TOO_LARGE', `${reason}; narrow the query (fewer areas, periods or aliases)`, { http: { status: 400 } });
  const retry = Math.max(1, retryAfterSeconds);
  return expectedError('RATE_LIMITED', `this client is over its budget: ${reason}; try again in ${retry} s`, { retryAfter: retry, http: { status: 429, headers: { 'Retry-After': String(retry) } } });
}
