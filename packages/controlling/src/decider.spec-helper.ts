// Given/when/then for deciders (after Emmett's DeciderSpecification): given past events, when a
// command, then the expected events (or nothing) — or the expected PlanningDomainError code. Test-only.
import { expect } from 'vitest';
import { fold, type Decider, type PlanningMetadata } from './decider.js';
import { PlanningDomainError, type PlanningErrorCode } from './planning.errors.js';

export interface DeciderThen<S, E> {
  /** Asserts the decided events (one, or a list) and returns the state after them, for assertions on evolve. */
  then(expected: E | readonly E[]): S;
  /** Asserts that the command changes nothing: no events. */
  thenNothingHappened(): S;
  thenThrows(code: PlanningErrorCode, message?: RegExp): PlanningDomainError;
}

export function deciderSpec<S, C, E>(decider: Decider<S, C, E>) {
  return {
    given(events: readonly E[]) {
      return {
        when(command: C): DeciderThen<S, E> {
          const state = fold(decider, events);
          const decided = (expected: readonly E[]) => {
            const events = decider.decide(command, state);
            expect(events).toEqual(expected);
            return fold(decider, events, state);
          };
          return {
            then: (expected) => decided(Array.isArray(expected) ? expected : [expected as E]),
            thenNothingHappened: () => decided([]),
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
