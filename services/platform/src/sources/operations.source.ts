// The gateway's OperationsSource over the running projections: their counters and the dead
// letters kept in the database.
import type { OperationsSource } from '@sp/gateway';
import type { Projections } from '../projections.js';

export function operationsSourceFrom(projections: Pick<Projections, 'stats' | 'deadLetters'>): OperationsSource {
  return {
    consumers: async () => projections.stats(),
    deadLetterCount: () => projections.deadLetters.count(),
    deadLetters: (limit) => projections.deadLetters.list(limit),
  };
}
