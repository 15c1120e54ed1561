// The GraphQL contract dashboards and external checks rely on, as a function so it can run
// against any gateway: yoga.fetch over a fixture, or the running platform over HTTP
// (test/ calls it with clientFor(fetch, platformUrl)).
import type { GraphQLClient } from './gateway.fixture.js';

export interface ContractFailure {
  check: string;
  detail: string;
}

/** Runs the three contract queries; returns what failed (empty when the contract holds). */
export async function checkContract(gql: GraphQLClient): Promise<ContractFailure[]> {
  const failures: ContractFailure[] = [];
  const fail = (check: string, detail: string) => failures.push({ check, detail });

  const areas = await gql<{ areas: { code: string; name: string; parent: { code: string } | null }[] }>('{ areas(level: STADTTEIL) { code name parent { code } } }');
  if (areas.errors?.length || !areas.data) fail('areas', JSON.stringify(areas.errors));
  else {
    const list = areas.data.areas;
    if (list.length !== 86) fail('areas', `expected 86 Stadtteile, got ${list.length}`);
    const codes = list.map((a) => a.code);
    if (codes[0] !== '101' || codes[codes.length - 1] !== '909') fail('areas', `codes should run "101"…"909", got ${codes[0]}…${codes[codes.length - 1]}`);
    const wrong = list.filter((a) => a.parent?.code !== a.code.slice(0, 1) || !/^[1-9]$/.test(a.parent.code));
    if (wrong.length) fail('areas', `wrong Stadtbezirk parent for ${wrong.map((a) => a.code).join(', ')}`);
  }

  const values = await gql<{ indicatorValues: { area: { code: string }; value: number | null; suppressed: boolean }[] }>(
    '{ indicatorValues(indicator: "einwohner", level: STADTTEIL, period: "2012") { area { code } value suppressed } }',
  );
  if (values.errors?.length || !values.data) fail('indicatorValues STADTTEIL', JSON.stringify(values.errors));
  else {
    const rows = values.data.indicatorValues;
    if (rows.length !== 86) fail('indicatorValues STADTTEIL', `expected 86 rows, got ${rows.length}`);
    const altstadt = rows.find((r) => r.area.code === '101');
    if (altstadt?.value !== 27515) fail('indicatorValues STADTTEIL', `Altstadt-Süd (101) should have 27515, got ${altstadt?.value}`);
  }

  const city = await gql<{ indicatorValues: { value: number | null }[] }>('{ indicatorValues(indicator: "einwohner", level: STADT, period: "2012") { value } }');
  if (city.errors?.length || !city.data) fail('indicatorValues STADT', JSON.stringify(city.errors));
  else if (city.data.indicatorValues.length !== 1 || city.data.indicatorValues[0]!.value !== 1044555) {
    fail('indicatorValues STADT', `expected one row with 1044555, got ${JSON.stringify(city.data.indicatorValues)}`);
  }
  return failures;
}
