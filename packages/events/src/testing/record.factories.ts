// Small factories of valid records and events for tests of the feeds, the codec and the ingestion
// service. Override any field; the defaults lie in Köln (Stadtteil 101 Altstadt-Süd) and in the past.
import type {
  AreaLevelRecord,
  AreaRecord,
  AreaStatistic,
  DatasetRecord,
  Goal,
  IndicatorDefinitionRecord,
  Measure,
  Milestone,
  Offer,
  RecordPayloads,
  ScenarioRecord,
  StatusReport,
  Theme,
} from '../records.schema.js';
import type { RecordEvent } from '../envelope.schema.js';
import type { RecordType } from '../record-types.js';

export function anAreaStatistic(overrides: Partial<AreaStatistic> = {}): AreaStatistic {
  const base = { dataset: 'bevoelkerung', areaLevel: 'STADTTEIL', areaCode: '101', period: '2012', ...overrides };
  return {
    key: `${base.dataset}|${base.areaLevel}|${base.areaCode}|${base.period}`,
    version: 1,
    observations: [
      { measure: 'einwohner', dimensions: {}, value: 27515 },
      { measure: 'einwohner_alter', dimensions: { alter: '0-3' }, value: 521 },
    ],
    synthetic: false,
    source: 'Stadt Köln, Amt für Stadtentwicklung und Statistik',
    ...base,
  };
}

export function anOffer(overrides: Partial<Offer> = {}): Offer {
  return {
    key: 'syn:kita:altstadt-sued:1',
    version: 1,
    name: 'Kita Sonnenschein',
    offerType: 'kita',
    subtype: null,
    provider: 'Stadt Köln',
    amt: 'jugendamt',
    targetGroups: ['familien_mit_kindern'],
    address: { street: 'Severinstraße 1', postcode: '50678', city: 'Köln' },
    location: { lat: 50.9285, lon: 6.9573 },
    capacity: { value: 60, unit: 'plaetze' },
    reach: 'STADTTEIL',
    validFrom: '2020-08-01',
    validTo: null,
    source: 'synthetic demo data',
    attribution: null,
    synthetic: true,
    // v2 fields at their defaults, so a v1 round trip gives the same record
    openingHours: null,
    languages: [],
    accessibility: null,
    contact: null,
    ...overrides,
  };
}

export function aGoal(overrides: Partial<Goal> = {}): Goal {
  return {
    key: 'goal:kita-versorgung',
    version: 1,
    parentKey: null,
    title: 'Kita-Versorgung verbessern',
    description: null,
    areas: [{ level: 'STADTTEIL', code: '101' }],
    targetGroups: ['familien_mit_kindern'],
    indicator: 'einwohner_0_3',
    baselineValue: 38,
    baselinePeriod: '2020',
    targetValue: 45,
    targetDirection: null,
    targets: [],
    deadline: '2030-12-31',
    adoptedBy: null,
    status: 'draft',
    revisionReason: null,
    example: true,
    ...overrides,
  };
}

export function aMeasure(overrides: Partial<Measure> = {}): Measure {
  return {
    key: 'measure:kita-neubau-101',
    version: 1,
    title: 'Kita-Neubau Altstadt-Süd',
    description: null,
    goalKeys: ['goal:kita-versorgung'],
    areas: [{ level: 'STADTTEIL', code: '101' }],
    targetGroups: ['familien_mit_kindern'],
    leadAmt: 'jugendamt',
    participants: ['planung'],
    budget: [{ year: 2025, planned: 1_500_000, spent: 0, approved: null }],
    plannedStart: '2025-01-01',
    plannedEnd: '2026-12-31',
    actualStart: null,
    actualEnd: null,
    status: 'proposed',
    fundingSource: null,
    example: true,
    ...overrides,
  };
}

export function aMilestone(overrides: Partial<Milestone> = {}): Milestone {
  return {
    key: 'milestone:kita-neubau-101:baubeginn',
    version: 1,
    measureKey: 'measure:kita-neubau-101',
    title: 'Baubeginn',
    plannedDate: null,
    plannedQuarter: '2025-Q3',
    actualDate: null,
    reached: false,
    ...overrides,
  };
}

export function aStatusReport(overrides: Partial<StatusReport> = {}): StatusReport {
  return {
    key: 'status:kita-neubau-101:2025-03',
    version: 1,
    measureKey: 'measure:kita-neubau-101',
    reportedBy: 'jugendamt',
    reportedAt: '2025-03-31T12:00:00Z',
    progressPercent: 10,
    narrative: 'Planung abgeschlossen, Ausschreibung läuft.',
    trafficLight: 'green',
    ...overrides,
  };
}

export function aTheme(overrides: Partial<Theme> = {}): Theme {
  return {
    key: 'thema:kalk:spielplatz',
    version: 1,
    area: { level: 'SOZIALRAUM', code: 'kalk' },
    origin: 'bottom_up',
    title: 'Fehlender Spielplatz',
    description: null,
    foundDate: '2025-02-03',
    foundBy: 'Sozialraumkoordination Kalk',
    assessment: null,
    decision: null,
    example: false,
    ...overrides,
  };
}

export function aScenario(overrides: Partial<ScenarioRecord> = {}): ScenarioRecord {
  return {
    key: 'neubau_sued',
    version: 1,
    name: 'Neubaugebiet Süd',
    baseScenario: 'basis',
    createdBy: 'planer@stadt.example',
    housingAreas: [
      {
        areaCode: '101',
        dwellings: 400,
        occupancy: 2.5,
        completionYear: 2016,
        ageProfile: [
          { band: '0-6', share: 0.3 },
          { band: '25-45', share: 0.7 },
        ],
      },
    ],
    norms: [],
    facilities: [],
    ...overrides,
  };
}

export function anAreaLevel(overrides: Partial<AreaLevelRecord> = {}): AreaLevelRecord {
  const level = overrides.level ?? 'GEMEINDE';
  return { key: level, version: 1, level, label: 'Gemeinde', parentLevel: null, kind: 'hierarchy', coverage: 'complete', source: null, ...overrides };
}

export function anArea(overrides: Partial<AreaRecord> = {}): AreaRecord {
  const base = { level: 'GEMEINDE', code: '1', validFrom: '2000-01-01', ...overrides };
  return {
    key: `${base.level}|${base.code}|${base.validFrom}`,
    version: 1,
    name: 'Haan',
    parent: null,
    members: [],
    validTo: null,
    geometry: null,
    source: null,
    ...base,
  };
}

export function anIndicatorDefinition(overrides: Partial<IndicatorDefinitionRecord> = {}): IndicatorDefinitionRecord {
  const code = overrides.code ?? 'einwohner_gesamt';
  const spec = {
    code,
    version: overrides.version ?? 1,
    kind: 'count',
    name: 'Einwohner',
    definition: 'Einwohner insgesamt am 31.12.',
    unit: 'Personen',
    amt: 'statistik',
    polarity: 0,
    updateInterval: 'jährlich',
    synthetic: false,
    dataset: 'bevoelkerung',
    measure: 'einwohner',
  };
  return { key: code, version: spec.version, code, kind: 'count', spec: JSON.stringify(spec), source: null, ...overrides };
}

export function aDataset(overrides: Partial<DatasetRecord> = {}): DatasetRecord {
  const code = overrides.code ?? 'kitaplaetze';
  return {
    key: code,
    version: 1,
    code,
    label: 'Kita-Plätze',
    periodicity: 'year',
    synthetic: true,
    confidentiality: 'public',
    stichtag: '01.03.',
    levels: ['SOZIALRAUM'],
    measures: { plaetze: { kind: 'count', unit: null, dimensions: { alter: ['u3', 'ue3'] } } },
    amts: ['jugendamt'],
    source: null,
    ...overrides,
  };
}

export const recordFactories: { [R in RecordType]: (o?: Partial<RecordPayloads[R]>) => RecordPayloads[R] } = {
  'area-statistic': anAreaStatistic,
  offer: anOffer,
  goal: aGoal,
  measure: aMeasure,
  milestone: aMilestone,
  'status-report': aStatusReport,
  theme: aTheme,
  scenario: aScenario,
  'area-level': anAreaLevel,
  area: anArea,
  'indicator-definition': anIndicatorDefinition,
  dataset: aDataset,
};

export function anEvent<R extends RecordType>(recordType: R, payload: RecordPayloads[R] | null, overrides: Partial<RecordEvent<R>> = {}): RecordEvent<R> {
  return {
    key: payload?.key ?? 'withdrawn:1',
    version: payload?.version ?? 2,
    recordType,
    amt: 'statistik',
    deliveryId: '00000000-0000-4000-8000-000000000001',
    deliveredAt: Date.UTC(2025, 0, 15, 10, 0, 0),
    deliveredBy: 'key-statistik-1',
    tombstone: payload === null,
    payload,
    ...overrides,
  };
}
