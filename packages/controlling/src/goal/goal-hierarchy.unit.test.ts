// The goal system stays a tree: a chain of parents that leads back to a changed goal is found over any
// number of levels, a cycle above that does not pass through it is not its doing, and the ancestors to
// look up are asked for level by level.
import { describe, expect, it } from 'vitest';
import { goalAncestorsToLookUp, goalCycleMessage, goalParentCycles } from './goal-hierarchy.js';

const parents = (edges: Record<string, string | undefined>) => (key: string) => (edges[key] === undefined ? [] : [edges[key]!]);

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

  it('counts every parent a goal may have: the stored one and one reserved by a delivery not yet in the log', () => {
    // B's stored parent is none, a delivery in flight gives it A: A under B would close a cycle
    const edges: Record<string, string[]> = { A: ['B'], B: ['A'] };
    expect(goalParentCycles(['A'], (k) => edges[k] ?? [])).toEqual(new Map([['A', ['A', 'B', 'A']]]));
    const either: Record<string, string[]> = { A: ['C'], C: ['X', 'D'], D: ['A'] };
    expect(goalParentCycles(['A'], (k) => either[k] ?? [])).toEqual(new Map([['A', ['A', 'C', 'D', 'A']]]));
  });

  it('asks for the ancestors it does not know, one level at a time', () => {
    const known = new Map<string, readonly string[]>([['A', ['B']]]);
    expect(goalAncestorsToLookUp(['A'], known)).toEqual(['B']);
    known.set('B', ['C', 'E']);
    expect(goalAncestorsToLookUp(['A'], known)).toEqual(['C', 'E']);
    known.set('C', []);
    known.set('E', []);
    expect(goalAncestorsToLookUp(['A'], known)).toEqual([]);
    // a cycle among the known ends the search
    expect(
      goalAncestorsToLookUp(
        ['X'],
        new Map([
          ['X', ['Y']],
          ['Y', ['X']],
        ]),
      ),
    ).toEqual([]);
  });
});
