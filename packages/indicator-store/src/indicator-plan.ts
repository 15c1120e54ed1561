// How the store evaluates an indicator: a small plan compiled from the declarative catalogue.
// A component is a base count: a measure (optionally of one dataset) summed over the dimension
// values the definition selects, taken from one source level and rolled up by summing.

export interface Component {
  measure: string;
  dataset?: string;
  /** dimension name → accepted values (all listed values are summed) */
  dims?: Record<string, readonly string[]>;
  /** level the feed delivers this measure at; roll-ups start there (default STADTTEIL) */
  sourceLevel?: string;
}

export type IndicatorPlan =
  | { kind: 'count'; code: string; version: number; synthetic: boolean; component: Component }
  | { kind: 'ratio'; code: string; version: number; synthetic: boolean; numerator: Component; denominator: Component; factor: number }
  | { kind: 'change'; code: string; version: number; synthetic: boolean; base: IndicatorPlan; periods: number; mode: 'absolute' | 'relative' };

export interface PlanResolver {
  /** the plan for an indicator code, or undefined when the catalogue has no such indicator */
  plan(code: string): IndicatorPlan | undefined;
}

export function componentsOf(plan: IndicatorPlan): Component[] {
  switch (plan.kind) {
    case 'count':
      return [plan.component];
    case 'ratio':
      return [plan.numerator, plan.denominator];
    case 'change':
      return componentsOf(plan.base);
  }
}

export function componentId(c: Component): string {
  const dims = Object.keys(c.dims ?? {})
    .sort()
    .map((k) => `${k}=${[...c.dims![k]!].sort().join(',')}`)
    .join(';');
  return `${c.dataset ?? '*'}:${c.measure}:${dims}:${c.sourceLevel ?? 'STADTTEIL'}`;
}
