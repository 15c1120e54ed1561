// What readers (the GraphQL gateway, exports, the needs analysis) ask of the indicator warehouse.
// Disclosure control is applied here, before any value leaves the store, so no read path can bypass
// it: readers without the privileged role get protected values of confidential data (docs/disclosure.md).
import type { InputVersion } from '@sp/indicators';

export interface IndicatorValuesQuery {
  indicator: string;
  /** area level, e.g. STADT | STADTBEZIRK | STADTTEIL | STADTVIERTEL | SOZIALRAUM */
  level: string;
  /** restrict to these areas of the level */
  areaCodes?: readonly string[];
  /** restrict to the children (at `level`) of this area */
  parentCode?: string;
  /** exact periods ("2012", "2012-Q3", "2012-07") */
  periods?: readonly string[];
  /** inclusive period range (same period type) */
  periodFrom?: string;
  periodTo?: string;
  /** ISO date-time: values as they were known then (what a dashboard showed on that date) */
  asOf?: string;
  /** privileged readers see the true values of confidential data */
  privileged?: boolean;
  /** aborted when the asker gave up (request timeout, client gone): no further warehouse query starts, running ones are cancelled */
  signal?: AbortSignal;
  /** epoch ms after which the asker no longer waits: each warehouse query is stopped by the engine there (max_execution_time) */
  deadline?: number;
  /** rows one warehouse query may scan (max_rows_to_read); more is LIMIT_EXCEEDED */
  maxRowsToRead?: number;
  /**
   * a projection scenario ("basis"): every dataset the indicator reads is read from that scenario's
   * prognose dataset instead (docs/projection.md §7); absent = the observed values
   */
  scenario?: string;
  /** an earlier version of the indicator's definition (its results stay queryable); absent = the latest */
  definitionVersion?: number;
}

/**
 * Why a value is withheld. The reader gives only PROTECTED (a confidential figure the reader may
 * not see: no protected value known, or below the office's minimum); the others are kept for
 * readers written against the group-wise suppression this replaced.
 */
export type SuppressionReason = 'PROTECTED' | 'PRIMARY' | 'SECONDARY' | 'DERIVED';

export interface IndicatorValue {
  indicator: string;
  areaLevel: string;
  areaCode: string;
  period: string;
  /** null when suppressed or not computable (e.g. denominator 0) */
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  suppressed: boolean;
  suppressionReason: SuppressionReason | null;
  /** ISO date-time when the value became known (latest contributing delivery); null for a confidential figure shown to the public */
  knownAt: string | null;
  synthetic: boolean;
  definitionVersion: number;
  /** the figure involves a confidential dataset */
  confidential: boolean;
  /** the value is computed from protected (perturbed) counts: what the public sees of confidential data */
  perturbed: boolean;
  /** set on projected values: the scenario they were read from (always shown as "Prognose – <scenario>") */
  scenario?: string;
  /** DELIVERED: the value as the source published it (area-statistic v3); COMPUTED: computed here from counts (absent = COMPUTED) */
  origin?: ValueOrigin;
  /** what the value is: a count, share, rate, mean or change (absent: as the indicator's kind says) */
  valueKind?: IndicatorValueKind;
}

export type ValueOrigin = 'DELIVERED' | 'COMPUTED';
export type IndicatorValueKind = 'COUNT' | 'SHARE' | 'RATE' | 'MEAN' | 'CHANGE';

export interface IndexValue {
  index: string;
  areaLevel: string;
  areaCode: string;
  period: string;
  /** standardised score; null when the area is below the minimum population or an input is missing */
  score: number | null;
  /** class label from the definition's SD thresholds */
  class: string | null;
  scored: boolean;
  definitionVersion: number;
  /**
   * the version of every indicator the score was made from, directly or through a ratio, change or
   * the population (Catalogue.inputVersions); [] for a score stored before they were recorded;
   * absent where a reader does not know them (test doubles)
   */
  inputVersions?: readonly InputVersion[];
}

/** One set of stored results of a composite index: a definition version and the input versions its scores were made from. */
export interface IndexResult {
  definitionVersion: number;
  /** [] for scores stored before input versions were recorded */
  inputVersions: readonly InputVersion[];
  /** what a read without inputVersions answers: the input versions the catalogue has now */
  current: boolean;
  /** the periods with scores, ascending */
  periods: readonly string[];
}

export interface IndexValuesQuery {
  index: string;
  level: string;
  period: string;
  privileged?: boolean;
  /** the scores of that version of the index definition; absent = the latest version computed */
  definitionVersion?: number;
  /**
   * the scores made from exactly these input versions (one of indexResults()'s); absent = the
   * input versions the catalogue has now (scores stored before input versions were recorded
   * answer until their year is recomputed)
   */
  inputVersions?: readonly InputVersion[];
}

export interface IndicatorReader {
  values(query: IndicatorValuesQuery): Promise<IndicatorValue[]>;
  /** periods that have data for an indicator, ascending */
  periods(indicator: string, scenario?: string): Promise<string[]>;
  indexValues(query: IndexValuesQuery): Promise<IndexValue[]>;
  /** every set of stored results of an index (the privileged or the public variant), by definition version and input versions; absent: the reader keeps none apart */
  indexResults?(query: { index: string; privileged?: boolean }): Promise<IndexResult[]>;
}
