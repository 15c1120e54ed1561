// The goal system is a tree (docs/controlling.md, "Zielsystem"): a goal names at most one
// superordinate goal (parentKey). A new version whose parent chain leads back to the goal itself
// would close a cycle, over any number of levels (A → B → A, A → B → C → A); such a version is
// refused. Self-parenting is the decider's GOAL_PARENT_IS_SELF; this looks further up.
//
// Pure: the caller says what each goal's parent is as it would stand after the delivery (the
// delivery's own versions first, then the current goals), and gathers the ancestors it needs with
// goalAncestorsToLookUp before.

/** a goal's parent as it would stand; undefined: none, withdrawn, or not a goal known here */
export type ParentOf = (goalKey: string) => string | undefined;

/** more levels than any goal system has; a longer chain is not followed further */
const maxLevels = 1_000;

/**
 * For each changed goal whose parent chain leads back to it, the chain from the goal to itself
 * (e.g. ["A", "B", "C", "A"]); goals without a cycle are absent. A cycle further up that does not
 * pass through a changed goal is not this delivery's doing and is not reported here.
 */
export function goalParentCycles(changedKeys: readonly string[], parentOf: ParentOf): Map<string, string[]> {
  const cycles = new Map<string, string[]>();
  for (const key of changedKeys) {
    const chain = [key];
    const seen = new Set(chain);
    let at = parentOf(key);
    while (at !== undefined && chain.length <= maxLevels) {
      chain.push(at);
      if (at === key) {
        cycles.set(key, chain);
        break;
      }
      if (seen.has(at)) break; // a cycle above, not through this goal
      seen.add(at);
      at = parentOf(at);
    }
  }
  return cycles;
}

/**
 * The goals whose parents `parentOf` does not know yet but a chain from the changed goals reaches:
 * ask the store for them, add them to what is known, and ask again until none is left.
 */
export function goalAncestorsToLookUp(changedKeys: readonly string[], known: ReadonlyMap<string, string | undefined>): string[] {
  const missing = new Set<string>();
  for (const key of changedKeys) {
    const seen = new Set<string>();
    let at: string | undefined = key;
    while (at !== undefined && !seen.has(at) && seen.size <= maxLevels) {
      seen.add(at);
      if (!known.has(at)) {
        missing.add(at);
        break;
      }
      at = known.get(at);
    }
  }
  return [...missing];
}

/** the message of a refused cycle, with the chain as the planner would read it */
export function goalCycleMessage(chain: readonly string[]): string {
  return `the parent goals would form a cycle: ${chain.join(' → ')}; a goal system is a tree — give a parentKey whose own chain of parents does not lead back to "${chain[0]}", or none`;
}
