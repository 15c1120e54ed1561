// Given/when/then for deciders (after Emmett's DeciderSpecification): given past events, when a
// command, then the expected event — or the expected PlanningDomainError code. Test-only.
import { expect } from 'vitest';
import { fold, type Decider, type PlanningMetadata } from './decider.js';
import { PlanningDomainError, type PlanningErrorCode } from './planning.errors.js';

export interface DeciderThen<S, E> {
  /** Asserts the decided event and returns the state after it, for assertions on evolve. */
  then(expected: E): S;
  thenThrows(code: PlanningErrorCode, message?: RegExp): PlanningDomainError;
}

export function deciderSpec<S, C, E>(decider: Decider<S, C, E>) {
  return {
    given(events: readonly E[]) {
      return {
        when(command: C): DeciderThen<S, E> {
          const state = fold(decider, events);
          return {
            then(expected) {
              const event = decider.decide(command, state);
              expect(event).toEqual(expected);
              return decider.evolve(state, event);
            },
            thenThrows(code, message) {
              let thrown: unknown;
              try {
                decider.decide(command, state);
              } catch (e) {
                thrown = e;
              }
              expect(thrown, `expected ${code} to be thrown`).toBeInstanceOf(PlanningDomainError);
              const error = thrown as PlanningDomainError;
              expect(error.code).toBe(code);
              if (message) expect(error.message).toMatch(message);
              return error;
            },
          };
        },
      };
    },
  };
}

/** Metadata for test commands/events; `n` distinguishes them, `at` is the decision time. */
export function meta(n = 1, at = '2025-03-01T09:00:00Z', recordVersion = n): PlanningMetadata {
  return { eventId: `test:${n}`, deliveryId: `delivery-${n}`, actor: 'amt-50@stadt-koeln.de', at, recordKey: 'k', recordVersion };
}
