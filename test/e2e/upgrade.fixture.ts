// The data of the upgrade fixture (test/e2e/fixtures/data-format-1.tar.xz): what was delivered to
// the previous release to write it, and the read models' answers it gave, so the upgrade test can
// check the current code finds every record and the same values after migrating the directory.
// upgrade-fixture.make.e2e.test.ts writes the fixture by running the previous release.
import { populationRecords } from '@sp/demo';
import { aGoal, aMeasure, anOffer } from '@sp/events/testing';

export interface FixtureDelivery {
  amt: string;
  recordType: string;
  records: unknown[];
}

/** 172 population records (2011, 2012), 12 offers, 2 goals, 3 measures: about two hundred records in five deliveries. */
export function fixtureDeliveries(): FixtureDelivery[] {
  const population = populationRecords().filter((r) => r.period === '2011' || r.period === '2012');
  const offers = Array.from({ length: 12 }, (_, i) => anOffer({ key: `syn:kita:fixture:${i}`, name: `Kita Fixture ${i}` }));
  const goals = [aGoal(), aGoal({ key: 'goal:fixture-2', title: 'Spielplätze erhalten' })];
  const measures = [
    aMeasure({ status: 'in_progress', actualStart: '2025-02-01' }),
    aMeasure({ key: 'measure:fixture-2', title: 'Spielplatz Altstadt', goalKeys: ['goal:fixture-2'] }),
    aMeasure({ key: 'measure:fixture-3', title: 'Kita Deutz', goalKeys: ['goal:kita-versorgung'] }),
  ];
  return [
    { amt: 'statistik', recordType: 'area-statistic', records: population },
    { amt: 'jugendamt', recordType: 'offer', records: offers },
    { amt: 'planung', recordType: 'goal', records: goals },
    { amt: 'planung', recordType: 'measure', records: measures },
  ];
}

/** What the read models answer: indicator values (warehouse, two periods and a roll-up), offers (registry), measures (controlling). */
export const readModelsQuery = `{
  y2011: indicatorValues(indicator: "einwohner", level: STADTTEIL, period: "2011") { area { code } value }
  y2012: indicatorValues(indicator: "einwohner", level: STADTTEIL, period: "2012") { area { code } value }
  bezirke: indicatorValues(indicator: "einwohner", level: STADTBEZIRK, period: "2012") { area { code } value }
  offers(first: 50) { totalCount edges { node { key name version } } }
  measures(first: 10) { edges { node { key title status goalKeys controlling { budgetPlanned } } } }
}`;

export interface ReadModels {
  y2011: { area: { code: string }; value: number | null }[];
  y2012: { area: { code: string }; value: number | null }[];
  bezirke: { area: { code: string }; value: number | null }[];
  offers: { totalCount: number };
  measures: { edges: unknown[] };
}

/** The read models have caught up with the fixture's deliveries. */
export function complete(m: ReadModels): boolean {
  return m.y2011.length > 0 && m.y2012.length === m.y2011.length && m.bezirke.length > 0 && m.offers.totalCount === 12 && m.measures.edges.length > 0 && m.y2012.every((v) => v.value !== null);
}

export function summary(m: ReadModels | undefined): string {
  return m ? `2011: ${m.y2011.length} values, 2012: ${m.y2012.length}, Bezirke: ${m.bezirke.length}, offers: ${m.offers.totalCount}, measures: ${m.measures.edges.length}` : 'no answer';
}
