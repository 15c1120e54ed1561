// @ts-check
// The GraphQL operations of the scenario form (scenario.view.js, docs/projection.md §8): save a
// planning scenario, list the scenarios with the state of their projection, and the needs analysis
// of one norm under a scenario (asked for "basis" and the scenario, side by side).

/** @import { Query } from './api.js' */
/** @import { FieldError } from './workspace.api.js' */

/** @typedef {{ saved: boolean, key: string | null, version: number | null, author: string | null, currentVersion: number | null, errors: FieldError[] }} ScenarioSave */
/** @typedef {{ key: string, version: number, name: string, status: string, error: string | null }} ScenarioListed */
/** @typedef {{ area: { code: string, name: string }, supply: number, demand: number | null, gap: number | null, normValue: number | null, scenario: string | null, suppressed: boolean }} ScenarioNeedsRow */

export const scenarioQueries = {
  save: /** @type {Query<{ saveScenario: ScenarioSave }, { input: Record<string, unknown> }>} */ (
    /* GraphQL */ `
    mutation ScenarioSave($input: ScenarioInput!) { saveScenario(input: $input) { saved key version author currentVersion errors { field code message accepted } } }`
  ),
  list: /** @type {Query<{ scenarios: ScenarioListed[] }, {}>} */ (
    /* GraphQL */ `
    query ScenarioList { scenarios { key version name status error } }`
  ),
  needs: /** @type {Query<{ needs: ScenarioNeedsRow[] }, { norm: string, level: string, period: string, scenario: string }>} */ (
    /* GraphQL */ `
    query ScenarioNeeds($norm: String!, $level: AreaLevel!, $period: String!, $scenario: String!) {
      needs(norm: $norm, level: $level, period: $period, scenario: $scenario) { area { code name } supply demand gap normValue scenario suppressed }
    }`
  ),
};
