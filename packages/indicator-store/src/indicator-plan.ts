// How the store evaluates an indicator: the plan compiled by @sp/indicators' catalogue, the
// periodicity of each dataset so that a monthly numerator meets its yearly denominator, and each
// dataset's confidentiality.
import type { Catalogue, Component, IndicatorPlan, InputVersion, Periodicity } from '@sp/indicators';
import { ExpectedError } from '@sp/ports';

export interface PlanResolver {
  /** the plan for an indicator code (the latest version, or `version`), or undefined when the catalogue has no such (non-index) indicator */
  plan(code: string, version?: number): IndicatorPlan | undefined;
  /** periodicity of a dataset; undefined = the period is read as asked */
  periodicity?(dataset: string): Periodicity | undefined;
  /** whether the public sees a dataset's figures only protected; undefined = confidential */
  confidential?(dataset: string): boolean;
  /** the versions of the indicators a version of an index reads now (Catalogue.inputVersions); undefined for an index it does not know */
  inputVersions?(index: string, version: number): readonly InputVersion[] | undefined;
}

/**
 * Where the projected values of an observed dataset live: the tenant's catalogue declares one
 * prognose dataset per (observed dataset, scenario). Read with the source's confidentiality and
 * periodicity, so projected values fall under the same disclosure rules as what they project.
 */
export interface ScenarioDatasets {
  /** the prognose dataset holding `scenario` of `dataset`, or undefined when there is none */
  datasetFor(dataset: string, scenario: string): string | undefined;
  /** every scenario declared for any dataset (for the error that names the accepted ones) */
  scenarios(): readonly string[];
}

export class UnknownScenarioError extends ExpectedError {
  override readonly name = 'UnknownScenarioError';
  constructor(
    readonly scenario: string,
    readonly accepted: readonly string[],
    detail = '',
  ) {
    super('UNKNOWN_SCENARIO', `unknown scenario "${scenario}"${detail}; scenarios with projected values: ${accepted.join(', ') || 'none'}`, 'scenario');
  }
}

export function planResolverFromCatalogue(catalogue: Catalogue): PlanResolver {
  return {
    plan(code, version) {
      const i = catalogue.get(code, version);
      return i && i.kind !== 'index' ? catalogue.compile(code, version) : undefined;
    },
    periodicity(dataset) {
      return catalogue.datasets[dataset]?.periodicity;
    },
    confidential(dataset) {
      return catalogue.datasets[dataset]?.confidentiality !== 'public';
    },
    inputVersions(index, version) {
      return catalogue.get(index, version)?.kind === 'index' ? catalogue.inputVersions(index, version) : undefined;
    },
  };
}

export function componentsOf(plan: IndicatorPlan): Component[] {
  switch (plan.kind) {
    case 'count':
      return [plan.component];
    case 'ratio':
      return [plan.numerator, plan.denominator];
    case 'change':
      return componentsOf(plan.base);
    case 'delivered':
      return [plan.value, plan.denominator];
  }
}
