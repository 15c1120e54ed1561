// The controlling deciders as the ingestion service's PlanningTransitionCheck: a new version of a
// goal, measure, milestone or status report is checked against its previous version (and, for
// milestones and status reports, against the current version of their measure). A withdrawal is
// checked too: a goal that current measures still serve is not withdrawn (GOAL_HAS_MEASURES).
// The composition roots (the platform, the standalone ingestion) inject it.
import { createPlanningTransitionCheck, measureFactsFromRecord } from '@sp/controlling';
import type { AnyRecord, Measure } from '@sp/events';
import type { PlanningFinding, PlanningTransitionCheck } from './planning-transition.check.js';

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
    return findings;
  };
}
