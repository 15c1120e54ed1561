// The goal system is a tree (docs/controlling.md, "Zielsystem"): a goal names at most one
// superordinate goal (parentKey). A new version whose parent chain leads back to the goal itself
// would close a cycle, over any number of levels (A → B → A, A → B → C → A); such a version is
// refused. Self-parenting is the decider's GOAL_PARENT_IS_SELF; this looks further up.
//
// Pure: the caller says which parents each goal may have once the delivery is in — the delivery's
// own versions one each; a stored goal its current parent and, while another delivery's version of
// it is reserved but not yet in the log, that version's parent too (either may be the one that
// stands, so both count) — and gathers the ancestors it needs with goalAncestorsToLookUp before.

/** the parents a goal may have; none: no parent, withdrawn, or not a goal known here */
export type ParentsOf = (goalKey: string) => readonly string[];

/** more goals than any goal system has; a larger search is not followed further */
const maxGoals = 10_000;

/**
 * For each changed goal whose parents lead back to it, one chain from the goal to itself (e.g.
 * ["A", "B", "C", "A"]); goals without a cycle are absent. A cycle further up that does not pass
 * through a changed goal is not this delivery's doing and is not reported here.
 */
export function goalParentCycles(changedKeys: readonly string[], parentsOf: ParentsOf): Map<string, string[]> {
  const cycles = new Map<string, string[]>();
  for (const key of changedKeys) {
    // breadth first from the goal's parents, each goal reached with the goal it was reached from
    const from = new Map<string, string>();
    const queue = parentsOf(key).map((p) => {
      from.set(p, key);
      return p;
    });
    for (let i = 0; i < queue.length && i < maxGoals; i++) {
      const at = queue[i]!;
      if (at === key) {
        const chain = [key];
        for (let step = from.get(key)!; step !== key; step = from.get(step)!) chain.push(step);
        chain.push(key);
        // built from the end: the goal, then its parent, … back to the goal
        cycles.set(key, [key, ...chain.slice(1, -1).reverse(), key]);
        break;
      }
      for (const p of parentsOf(at)) {
        if (from.has(p)) continue;
        from.set(p, at);
        queue.push(p);
      }
    }
  }
  return cycles;
}

/**
 * The goals whose parents are not known yet but a search from the changed goals reaches: ask the
 * store for them, add them to what is known, and ask again until none is left.
 */
export function goalAncestorsToLookUp(changedKeys: readonly string[], known: ReadonlyMap<string, readonly string[]>): string[] {
  const missing = new Set<string>();
  const seen = new Set<string>(changedKeys);
  const queue = [...changedKeys];
  for (let i = 0; i < queue.length && i < maxGoals; i++) {
    const parents = known.get(queue[i]!);
    if (parents === undefined) {
      missing.add(queue[i]!);
      continue;
    }
    for (const p of parents) {
      if (seen.has(p)) continue;
      seen.add(p);
      queue.push(p);
    }
  }
  return [...missing];
}

/** the message of a refused cycle, with the chain as the planner would read it */
export function goalCycleMessage(chain: readonly string[]): string {
  return `the parent goals would form a cycle: ${chain.join(' → ')}; a goal system is a tree — give a parentKey whose own chain of parents does not lead back to "${chain[0]}", or none`;
}
