// @ts-check
// The GraphQL operations of the scenario form (scenario.view.js, docs/projection.md §8): save a
// planning scenario, list the scenarios with the state of their projection, and the needs analysis
// of one norm under a scenario (asked for "basis" and the scenario, side by side); for the scenario
// maps and charts (scenario.maps.view.js) both in one request per year, and the population series
// of one area under both.

import { meta } from './state.js';

/** @import { Query } from './api.js' */
/** @import { FieldError } from './workspace.api.js' */

/** @typedef {{ saved: boolean, key: string | null, version: number | null, author: string | null, currentVersion: number | null, errors: FieldError[] }} ScenarioSave */
/** @typedef {{ key: string, version: number, name: string, status: string, error: string | null }} ScenarioListed */
/** @typedef {{ areaCode: string, dwellings: number, occupancy: number, completionYear: number }} ScenarioHousingArea */
/** @typedef {ScenarioListed & { createdBy: string | null, changes: { housingAreas?: ScenarioHousingArea[], norms?: { norm: string, value: number }[], facilities?: { change: string, norm: string, capacity: number | null, areaCode: string, year: number }[] } }} ScenarioSaved */
/** @typedef {{ area: { code: string, name: string }, supply: number, demand: number | null, gap: number | null, normValue: number | null, scenario: string | null, suppressed: boolean }} ScenarioNeedsRow */
/** @typedef {{ period: string, value: number | null, suppressed: boolean }} ScenarioPoint */

/**
 * The level the scenarios are projected at and compared on (the projection's level, docs/projection.md
 * §8): the tenant's basis level, the finest its figures are delivered for (Köln: Stadtteil).
 */
export const scenarioLevel = () => meta.levels.find((l) => l.basis)?.name ?? '';

export const scenarioQueries = {
  save: /** @type {Query<{ saveScenario: ScenarioSave }, { input: Record<string, unknown> }>} */ (
    /* GraphQL */ `
    mutation ScenarioSave($input: ScenarioInput!) { saveScenario(input: $input) { saved key version author currentVersion errors { field code message accepted } } }`
  ),
  list: /** @type {Query<{ scenarios: ScenarioListed[] }, {}>} */ (
    /* GraphQL */ `
    query ScenarioList { scenarios { key version name status error } }`
  ),
  saved: /** @type {Query<{ scenarios: ScenarioSaved[] }, {}>} */ (
    /* GraphQL */ `
    query ScenarioSaved { scenarios { key version name status error createdBy changes } }`
  ),
  needs: /** @type {Query<{ needs: ScenarioNeedsRow[] }, { norm: string, level: string, period: string, scenario: string }>} */ (
    /* GraphQL */ `
    query ScenarioNeeds($norm: String!, $level: AreaLevel!, $period: String!, $scenario: String!) {
      needs(norm: $norm, level: $level, period: $period, scenario: $scenario) { area { code name } supply demand gap normValue scenario suppressed }
    }`
  ),
  needsPair: /** @type {Query<{ basis: ScenarioNeedsRow[], planned: ScenarioNeedsRow[] }, { norm: string, level: string, period: string, scenario: string }>} */ (
    /* GraphQL */ `
    query ScenarioNeedsPair($norm: String!, $level: AreaLevel!, $period: String!, $scenario: String!) {
      basis: needs(norm: $norm, level: $level, period: $period, scenario: "basis") { area { code name } supply demand gap normValue scenario suppressed }
      planned: needs(norm: $norm, level: $level, period: $period, scenario: $scenario) { area { code name } supply demand gap normValue scenario suppressed }
    }`
  ),
  population: /** @type {Query<{ basis: ScenarioPoint[], planned: ScenarioPoint[] }, { indicator: string, area: { level: string, code: string }, from: string, to: string, scenario: string }>} */ (
    /* GraphQL */ `
    query ScenarioPopulation($indicator: String!, $area: AreaInput!, $from: String!, $to: String!, $scenario: String!) {
      basis: timeSeries(indicator: $indicator, area: $area, from: $from, to: $to, scenario: "basis") { period value suppressed }
      planned: timeSeries(indicator: $indicator, area: $area, from: $from, to: $to, scenario: $scenario) { period value suppressed }
    }`
  ),
};
