// The controlling deciders as the ingestion service's PlanningTransitionCheck: a new version of a
// goal, measure, milestone or status report is checked against its previous version (and, for
// milestones and status reports, against the current version of their measure). A withdrawal is
// checked too: a goal that current measures still serve is not withdrawn (GOAL_HAS_MEASURES). A goal
// whose chain of parents would lead back to it, over any number of levels, is refused
// (GOAL_PARENT_CYCLE): its ancestors are looked up level by level, the delivery's own versions first,
// a stored goal with its current parent and the parent of a version another delivery has reserved.
// The composition roots (the platform, the standalone ingestion) inject it.
import { createPlanningTransitionCheck, goalAncestorsToLookUp, goalCycleMessage, goalParentCycles, measureFactsFromRecord } from '@sp/controlling';
import type { AnyRecord, Measure } from '@sp/events';
import type { PlanningChange, PlanningFinding, PlanningLookups, PlanningTransitionCheck } from './planning-transition.check.js';

/** the measure a record names: a milestone's or report's, or the one a topic was turned into */
function measureKeyOf(next: AnyRecord | null): string[] {
  if (next === null) return [];
  if ('measureKey' in next) return [next.measureKey];
  if ('decision' in next && next.decision?.measureKey) return [next.decision.measureKey];
  return [];
}

export function controllingPlanningCheck(): PlanningTransitionCheck {
  return async (input, lookups) => {
    const measureKeys = [...new Set(input.changes.flatMap((c) => measureKeyOf(c.next)))];
    const measures = measureKeys.length ? await lookups.measures(measureKeys) : new Map<string, Measure>();
    // withdrawing a goal: the measures still serving it
    const withdrawnGoals = input.recordType === 'goal' ? input.changes.filter((c) => c.next === null && c.previous !== undefined).map((c) => c.key) : [];
    const serving = withdrawnGoals.length ? await lookups.measuresServingGoals(withdrawnGoals) : new Map<string, readonly string[]>();
    const check = createPlanningTransitionCheck(
      (measureKey) => {
        const m = measures.get(measureKey);
        return m ? measureFactsFromRecord({ key: m.key, status: m.status, ...(m.actualStart ? { actualStart: m.actualStart } : {}) }) : undefined;
      },
      (goalKey) => serving.get(goalKey) ?? [],
    );
    const findings: PlanningFinding[] = [];
    for (const change of input.changes) {
      const issues = check({
        recordType: input.recordType,
        previous: change.previous,
        next: change.next,
        ...(change.next === null ? { withdrawal: { key: change.key, version: change.version } } : {}),
        deliveryId: input.deliveryId,
        actor: input.actor,
        at: input.at,
      });
      for (const issue of issues) findings.push({ change, issue });
    }
    if (input.recordType === 'goal') findings.push(...(await parentCycles(input.changes, lookups)));
    return findings;
  };
}

const parentOfRecord = (record: AnyRecord | null): string | undefined => (record !== null && 'parentKey' in record && typeof record.parentKey === 'string' ? record.parentKey : undefined);

/** the goals of the delivery whose new parent closes a cycle, each with the chain */
async function parentCycles(changes: readonly PlanningChange[], lookups: PlanningLookups): Promise<PlanningFinding[]> {
  const withParent = changes.filter((c) => parentOfRecord(c.next) !== undefined);
  if (withParent.length === 0) return [];
  const changedKeys = withParent.map((c) => c.key);
  // the delivery's versions first (a withdrawal: no parent), then the stored goals, level by level
  const known = new Map<string, readonly string[]>(
    changes.map((c) => {
      const parent = parentOfRecord(c.next);
      return [c.key, parent === undefined ? [] : [parent]];
    }),
  );
  for (let missing = goalAncestorsToLookUp(changedKeys, known); missing.length > 0; missing = goalAncestorsToLookUp(changedKeys, known)) {
    const parents = await lookups.goalParents(missing);
    for (const key of missing) known.set(key, parents.get(key) ?? []);
  }
  const cycles = goalParentCycles(changedKeys, (key) => known.get(key) ?? []);
  return withParent.flatMap((change) => {
    const chain = cycles.get(change.key);
    return chain
      ? [
          {
            change,
            issue: { field: 'parentKey', code: 'GOAL_PARENT_CYCLE', message: goalCycleMessage(chain), accepted: 'a parentKey whose chain of parent goals does not lead back to this goal, or none' },
          },
        ]
      : [];
  });
}
