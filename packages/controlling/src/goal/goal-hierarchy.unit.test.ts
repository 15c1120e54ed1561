// The goal system stays a tree: a chain of parents that leads back to a changed goal is found over any
// number of levels, a cycle above that does not pass through it is not its doing, and the ancestors to
// look up are asked for level by level.
import { describe, expect, it } from 'vitest';
import { goalAncestorsToLookUp, goalCycleMessage, goalParentCycles } from './goal-hierarchy.js';

const parents = (edges: Record<string, string | undefined>) => (key: string) => edges[key];

describe('goal hierarchy', () => {
  it('finds the cycle a new parent closes, over two and three levels, with its chain', () => {
    expect(goalParentCycles(['A'], parents({ A: 'B', B: 'A' }))).toEqual(new Map([['A', ['A', 'B', 'A']]]));
    expect(goalParentCycles(['A'], parents({ A: 'C', C: 'B', B: 'A' }))).toEqual(new Map([['A', ['A', 'C', 'B', 'A']]]));
    expect(goalCycleMessage(['A', 'C', 'B', 'A'])).toContain('A → C → B → A');
  });

  it('lets a tree be: chains that end, a goal moved under another branch', () => {
    expect(goalParentCycles(['C'], parents({ C: 'B', B: 'A' })).size).toBe(0);
    expect(goalParentCycles(['B', 'C'], parents({ B: 'X', C: 'B', X: undefined })).size).toBe(0);
  });

  it('does not blame a goal for a cycle above it that does not pass through it', () => {
    expect(goalParentCycles(['D'], parents({ D: 'A', A: 'B', B: 'A' })).size).toBe(0);
  });

  it('asks for the ancestors it does not know, one level at a time', () => {
    const known = new Map<string, string | undefined>([['A', 'B']]);
    expect(goalAncestorsToLookUp(['A'], known)).toEqual(['B']);
    known.set('B', 'C');
    expect(goalAncestorsToLookUp(['A'], known)).toEqual(['C']);
    known.set('C', undefined);
    expect(goalAncestorsToLookUp(['A'], known)).toEqual([]);
    // a cycle among the known ends the walk
    expect(goalAncestorsToLookUp(['X'], new Map([['X', 'Y'], ['Y', 'X']]))).toEqual([]);
  });
});
