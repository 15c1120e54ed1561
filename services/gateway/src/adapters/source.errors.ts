// Expected errors of the gateway's sources over the real packages: what a caller can cause with a
// query (an unknown norm, a period without population, comparison areas overlapping the treated
// ones). Each has a machine-readable code, the gateway argument it is about, and says what is accepted.
import { ExpectedError } from '@sp/ports';

export type SourceErrorCode =
  | 'UNKNOWN_NORM'
  | 'UNKNOWN_AREA'
  | 'UNKNOWN_STATUS'
  | 'POPULATION_NOT_AVAILABLE'
  | 'AGE_BAND_NOT_AVAILABLE'
  | 'GOAL_NOT_FOUND'
  | 'GOAL_INDICATOR_MISSING'
  | 'EVALUATION_NO_AREAS'
  | 'EVALUATION_COMPARISON_OVERLAPS_TREATED'
  | 'EVALUATION_INDICATOR_NOT_ADDITIVE';

export class SourceError extends ExpectedError {
  override readonly name = 'SourceError';
  constructor(
    override readonly code: SourceErrorCode,
    message: string,
    /** the gateway argument the error is about (norm, period, goalKey, comparisonAreas, …) */
    override readonly argument: string,
  ) {
    super(code, message, argument);
  }
}
