// Hamburg's area-statistic records from the parsed Stadtteil-Profile, as the Statistikamt Nord
// would deliver them (catalogue/hamburg/feeds.yaml): one record per statistical unit and dataset.
// A unit that is one Stadtteil is delivered at STADTTEIL; a unit that joins several at
// STADTTEILVERBUND (the union in the reference). "." (no value) is no observation — never 0.
// Bezirk and city rows are not delivered: the platform rolls the units up itself.
import { type AreaStatisticRecord, areaStatistic, type Observation } from '../area-statistic.js';
import { joinedUnitLevel, profileAttribution, type StatisticalUnit, unitCode } from './reference.generate.js';
import type { ProfileValues, StadtteilProfile } from './stadtteilprofile.parser.js';

/** Periods of the Stadtteil-Profile 2014: population and social figures 31.12.2013, income tax 2010. */
export const profilePeriods = { stand: '2013', einkommen: '2010' } as const;

type Obs = { measure: string; dimensions?: Record<string, string>; value: number | null };

function observationsOf(v: ProfileValues): Record<string, { period: string; obs: Obs[] }> {
  const u18 = v.unter18;
  const a65 = v.ab65;
  const a18to65 = v.bevoelkerung !== null && u18 !== null && a65 !== null ? v.bevoelkerung - u18 - a65 : null;
  return {
    bevoelkerung: {
      period: profilePeriods.stand,
      obs: [
        { measure: 'einwohner', value: v.bevoelkerung },
        { measure: 'einwohner_alter', dimensions: { alter: 'u18' }, value: u18 },
        { measure: 'einwohner_alter', dimensions: { alter: '18-65' }, value: a18to65 },
        { measure: 'einwohner_alter', dimensions: { alter: '65+' }, value: a65 },
      ],
    },
    haushalte: {
      period: profilePeriods.stand,
      obs: [
        { measure: 'haushalte', value: v.haushalte },
        { measure: 'haushalte_mit_kindern', value: v.haushalteMitKindern },
        { measure: 'haushalte_alleinerziehend', value: v.alleinerziehende },
      ],
    },
    mindestsicherung: {
      period: profilePeriods.stand,
      obs: [
        { measure: 'sgb2_leistungsempfaenger', value: v.sgb2Empfaenger },
        { measure: 'sgb2_bedarfsgemeinschaften', value: v.bedarfsgemeinschaften },
        { measure: 'mindestsicherung_u15', value: v.u15Mindestsicherung },
      ],
    },
    arbeitslose: { period: profilePeriods.stand, obs: [{ measure: 'arbeitslose', value: v.arbeitslose }] },
    einkommen: { period: profilePeriods.einkommen, obs: [{ measure: 'steuerpflichtige', value: v.steuerpflichtige }] },
  };
}

/** Where a unit is delivered: a Stadtteil of its own, or the union of several. */
export function unitArea(u: StatisticalUnit): { areaLevel: string; areaCode: string } {
  return u.members.length === 1 ? { areaLevel: 'STADTTEIL', areaCode: u.members[0]! } : { areaLevel: joinedUnitLevel, areaCode: unitCode(u) };
}

export function hamburgRecords(profile: StadtteilProfile, units: readonly StatisticalUnit[]): AreaStatisticRecord[] {
  const rows = profile.rows.filter((r) => r.kind === 'stadtteil');
  const byName = new Map(units.map((u) => [u.name, u]));
  const records: AreaStatisticRecord[] = [];
  for (const row of rows) {
    const unit = byName.get(row.name);
    if (!unit) throw new Error(`no statistical unit for profile row ${row.name} (line ${row.line})`);
    for (const [dataset, { period, obs }] of Object.entries(observationsOf(row.values))) {
      const observations: Observation[] = obs.flatMap((o) => (o.value === null ? [] : [{ measure: o.measure, dimensions: o.dimensions ?? {}, value: o.value }]));
      if (observations.length === 0) continue;
      records.push(areaStatistic({ dataset, ...unitArea(unit), period, observations, synthetic: false, source: profileAttribution }));
    }
  }
  return records;
}
