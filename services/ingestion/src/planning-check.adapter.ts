// The controlling decider as the ingestion service's PlanningTransitionCheck: a new version of a
// goal, measure, milestone or status report is checked against its previous version (and, for
// milestones and status reports, against the current version of their measure). A withdrawal is
// checked too: a goal that current measures still serve is not withdrawn (GOAL_HAS_MEASURES).
import { createPlanningTransitionCheck, measureFactsFromRecord } from '@sp/controlling';
import type { PlanningTransitionCheck } from './delivery.service.js';

export function controllingPlanningCheck(): PlanningTransitionCheck {
  return (input) => {
    const check = createPlanningTransitionCheck((measureKey) => {
      const m = input.measure(measureKey);
      return m ? measureFactsFromRecord({ key: m.key, status: m.status, ...(m.actualStart ? { actualStart: m.actualStart } : {}) }) : undefined;
    }, input.servingMeasures);
    return check({
      recordType: input.recordType,
      previous: input.previous,
      next: input.next,
      ...(input.withdrawal ? { withdrawal: input.withdrawal } : {}),
      deliveryId: input.deliveryId,
      actor: input.actor,
      at: input.at,
    });
  };
}
