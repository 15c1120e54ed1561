// Expected errors: what a caller can cause. They carry extensions.code, name the argument and say
// what is accepted. Everything else is masked by graphql-yoga as "Unexpected error."
// createGraphQLError (re-exported by yoga) makes errors of the same graphql module instance yoga
// and Pothos use, whatever module format a test runner picked for this file.
import { ExpectedError } from '@sp/ports';
import type { GraphQLError } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';

export type GatewayErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'UNKNOWN_AREA_LEVEL'
  | 'PAGE_SIZE_EXCEEDED'
  | 'RESULT_TOO_LARGE'
  | 'TIMEOUT'
  | 'NOT_AVAILABLE'
  | 'PAYLOAD_TOO_LARGE'
  | 'NOT_ACCEPTABLE'
  | 'RATE_LIMITED';

const httpStatus: Record<GatewayErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_USER_INPUT: 400,
  UNKNOWN_AREA_LEVEL: 400,
  PAGE_SIZE_EXCEEDED: 400,
  RESULT_TOO_LARGE: 400,
  TIMEOUT: 504,
  NOT_AVAILABLE: 501,
  PAYLOAD_TOO_LARGE: 413,
  NOT_ACCEPTABLE: 406,
  RATE_LIMITED: 429,
};

export function expectedError(code: GatewayErrorCode, message: string, details: Record<string, unknown> = {}): GraphQLError {
  return createGraphQLError(message, { extensions: { code, ...details } });
}

/** Status for the CSV routes and for errors raised before execution (authentication). */
export function httpStatusFor(code: string): number {
  return httpStatus[code as GatewayErrorCode] ?? 500;
}

/** Errors with an HTTP status yoga should answer with (authentication happens before execution). */
export function unauthenticated(message: string): GraphQLError {
  return createGraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

export function isExpected(error: unknown): error is GraphQLError {
  return error instanceof Error && error.name === 'GraphQLError' && typeof (error as GraphQLError).extensions?.code === 'string';
}

/**
 * Errors of the sources behind the gateway that a caller causes (an unknown indicator or norm, a
 * period without population, an evaluation that cannot be computed) are `ExpectedError`s of
 * @sp/ports: they keep their code, argument and message. Everything else stays masked as
 * "Unexpected error." so no engine detail leaks, whatever its class is called.
 */
export function userCausedSourceError(error: unknown): GraphQLError | undefined {
  const original = (error as { originalError?: unknown }).originalError ?? error;
  if (!(original instanceof ExpectedError)) return undefined;
  return createGraphQLError(original.message, { extensions: { code: original.code, ...(original.argument !== undefined ? { argument: original.argument } : {}) } });
}
