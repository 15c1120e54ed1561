// zod schemas of the record payloads, field for field the Avro schemas under schemas/ (a test in
// @sp/feeds compares them). Structure only: codes, periods and dates are checked semantically by
// @sp/feeds, which knows the taxonomy, the catalogue and the spatial reference.
// `strict` rejects unknown fields (HTTP input: a misspelt column must not vanish silently);
// `loose` keeps them (decoding: a newer schema version may carry fields this code does not know).
import { z } from 'zod';
import type { RecordType } from './record-types.js';

export type Strictness = 'strict' | 'loose';

/** Optional in Avro = union with null, default null. Absent input becomes null. */
const opt = <T extends z.ZodType>(schema: T) => schema.nullable().default(null);

const text = () => z.string().min(1);

/** Avro `int` is 32-bit signed: a larger version or year cannot be encoded (issue 13: 3000000000 gave a 500). */
export const AVRO_INT_MAX = 2_147_483_647;

/** What an area-statistic observation's value is (area-statistic v3; docs/records.md). */
export const valueKinds = ['COUNT', 'SHARE', 'RATE', 'MEAN', 'CHANGE'] as const;
export type ValueKind = (typeof valueKinds)[number];

export function recordSchemasFor(mode: Strictness) {
  const obj = mode === 'strict' ? z.strictObject : z.looseObject;
  const key = text();
  const version = z.number().int().min(1).max(AVRO_INT_MAX);

  const observation = obj({
    measure: text(),
    dimensions: z.record(z.string(), z.string()),
    value: z.number(),
    /** since v2: the record key the ingestion assigned (cell-key method); an Amt never sends it. Absent = null. */
    recordKey: z.number().min(0).lt(1).nullable().optional(),
    /** since v3: what the value is. COUNT (absent = COUNT) is summed up the hierarchy; the others are values the source published and are never summed */
    valueKind: z.enum(valueKinds).optional(),
    /** since v3: the unit of a value that is no count (SHARE: '%' or 'fraction'); null for counts */
    unit: z.string().nullable().optional(),
    /** since v3: where known, the count a SHARE, RATE or MEAN refers to, or the base count (earlier period) of a CHANGE */
    denominator: z.number().nullable().optional(),
  });
  const areaStatistic = obj({
    key,
    version,
    dataset: text(),
    areaLevel: text(),
    areaCode: text(),
    period: text(),
    observations: z.array(observation).min(1),
    synthetic: z.boolean(),
    source: opt(z.string()),
  });

  const offer = obj({
    key,
    version,
    name: text(),
    offerType: text(),
    subtype: opt(z.string()),
    provider: text(),
    amt: text(),
    targetGroups: z.array(text()),
    address: obj({ street: opt(z.string()), postcode: opt(z.string()), city: text() }),
    location: obj({ lat: z.number(), lon: z.number() }),
    capacity: opt(obj({ value: z.number(), unit: text() })),
    reach: z.enum(['STADTVIERTEL', 'STADTTEIL', 'STADTBEZIRK', 'STADT']),
    validFrom: text(),
    validTo: opt(z.string()),
    source: text(),
    attribution: opt(z.string()),
    synthetic: z.boolean(),
    // since v2: what a citizen needs to use the offer (the Sozialatlas shows them); absent = not stated
    openingHours: opt(z.string()),
    languages: z.array(text()).default([]),
    accessibility: opt(obj({ wheelchair: z.enum(['yes', 'limited', 'no']), note: opt(z.string()) })),
    contact: opt(obj({ phone: opt(z.string()), email: opt(z.string()), website: opt(z.string()) })),
  });

  const areaRef = obj({ level: text(), code: text() });
  const goal = obj({
    key,
    version,
    parentKey: opt(z.string()),
    title: text(),
    description: opt(z.string()),
    areas: z.array(areaRef),
    targetGroups: z.array(text()),
    indicator: opt(z.string()),
    baselineValue: opt(z.number()),
    baselinePeriod: opt(z.string()),
    targetValue: opt(z.number()),
    /** since v2: which way the indicator should move. Absent = null. */
    targetDirection: opt(z.enum(['increase', 'decrease'])),
    /** since v2: target values of the indicator per area and year. Absent = none. */
    targets: z.array(obj({ area: areaRef, year: z.number().int().min(-AVRO_INT_MAX).max(AVRO_INT_MAX), value: z.number() })).default([]),
    deadline: opt(z.string()),
    adoptedBy: opt(obj({ body: text(), decision: text(), date: text() })),
    status: z.enum(['draft', 'adopted', 'achieved', 'missed', 'revised', 'retired']),
    revisionReason: opt(z.string()),
    example: z.boolean(),
  });

  const measure = obj({
    key,
    version,
    title: text(),
    description: opt(z.string()),
    goalKeys: z.array(text()),
    areas: z.array(areaRef),
    targetGroups: z.array(text()),
    leadAmt: text(),
    participants: z.array(text()),
    /** `approved` since v2 (EUR approved for the year); absent = null */
    budget: z.array(obj({ year: z.number().int().min(-AVRO_INT_MAX).max(AVRO_INT_MAX), planned: z.number(), spent: z.number(), approved: opt(z.number()) })),
    plannedStart: text(),
    plannedEnd: text(),
    actualStart: opt(z.string()),
    actualEnd: opt(z.string()),
    status: z.enum(['proposed', 'decided', 'in_progress', 'completed', 'cancelled']),
    fundingSource: opt(z.string()),
    example: z.boolean(),
  });

  const milestone = obj({
    key,
    version,
    measureKey: text(),
    title: text(),
    plannedDate: opt(z.string()),
    plannedQuarter: opt(z.string()),
    actualDate: opt(z.string()),
    reached: z.boolean(),
  });

  const statusReport = obj({
    key,
    version,
    measureKey: text(),
    reportedBy: text(),
    reportedAt: text(),
    progressPercent: z.number().min(0).max(100),
    narrative: z.string(),
    trafficLight: opt(z.enum(['green', 'yellow', 'red'])),
  });

  // a topic found in a Sozialraum and its path to a decision (docs/controlling.md, "Themes"); dates and
  // outcome rules are the theme decider's
  const theme = obj({
    key,
    version,
    area: areaRef,
    origin: z.enum(['bottom_up', 'top_down']),
    title: text(),
    description: opt(z.string()),
    foundDate: text(),
    foundBy: text(),
    assessment: opt(obj({ date: text(), assessedBy: text(), text: text(), priority: z.enum(['high', 'medium', 'low']) })),
    decision: opt(
      obj({
        date: text(),
        decidedBy: text(),
        outcome: z.enum(['project', 'measure', 'closed']),
        measureKey: opt(z.string()),
        projectTitle: opt(z.string()),
        reason: opt(z.string()),
      }),
    ),
    example: z.boolean().default(false),
  });

  // a planning scenario (docs/projection.md §8); semantic checks (areas, norms, years) in @sp/feeds
  const year = z.number().int().min(1900).max(2200);
  const scenario = obj({
    key: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'a code: a lower-case letter, then up to 39 lower-case letters, digits or _'),
    version,
    name: text(),
    baseScenario: text(),
    createdBy: text(),
    housingAreas: z.array(
      obj({
        areaCode: text(),
        dwellings: z.number().int().min(1).max(100_000),
        occupancy: z.number().gt(0).max(10),
        completionYear: year,
        ageProfile: z.array(obj({ band: text(), share: z.number().min(0).max(1) })).min(1),
      }),
    ),
    norms: z.array(obj({ norm: text(), value: z.number().gt(0).max(100_000) })),
    facilities: z.array(
      obj({
        change: z.enum(['open', 'close']),
        norm: text(),
        offerKey: opt(z.string()),
        capacity: opt(z.number().gt(0).max(100_000)),
        areaCode: text(),
        year,
      }),
    ),
  });

  // the spatial reference as delivered data (docs/spatial-reference.md)
  const areaLevel = obj({
    key,
    version,
    level: text(),
    label: text(),
    parentLevel: opt(z.string()),
    kind: z.enum(['hierarchy', 'union']),
    coverage: z.enum(['complete', 'partial']),
    source: opt(z.string()),
  });

  const area = obj({
    key,
    version,
    level: text(),
    code: text(),
    name: text(),
    parent: opt(z.string()),
    members: z.array(areaRef).default([]),
    validFrom: text(),
    validTo: opt(z.string()),
    geometry: opt(z.string()),
    source: opt(z.string()),
  });

  // an indicator or index definition of the tenant's catalogue as delivered data (docs/indicators.md §8):
  // the catalogue entry travels as JSON text, checked against the catalogue's schema by @sp/feeds
  const indicatorDefinition = obj({
    key,
    version,
    code: text(),
    kind: text(),
    spec: text(),
    source: opt(z.string()),
  });

  // a dataset of the tenant and its feed grant as delivered data (docs/indicators.md §9): what the
  // indicator catalogue says of it and what the feed catalogue says (levels, measures, which Ämter deliver it)
  const dataset = obj({
    key,
    version,
    code: text(),
    label: text(),
    periodicity: z.enum(['year', 'quarter', 'month']),
    synthetic: z.boolean(),
    confidentiality: z.enum(['public', 'confidential']),
    stichtag: opt(z.string()),
    levels: z.array(text()).min(1),
    measures: z.record(
      z.string(),
      obj({ kind: z.enum(['count', 'amount', 'share', 'rate', 'mean', 'change']).default('count'), unit: opt(z.string()), dimensions: z.record(z.string(), z.array(text()).min(1)).default({}) }),
    ),
    amts: z.array(text()).min(1),
    source: opt(z.string()),
  });

  return {
    'area-statistic': areaStatistic,
    offer,
    goal,
    measure,
    milestone,
    'status-report': statusReport,
    theme,
    scenario,
    'area-level': areaLevel,
    area,
    'indicator-definition': indicatorDefinition,
    dataset,
  } as const satisfies Record<RecordType, z.ZodType>;
}

export const strictRecordSchemas = recordSchemasFor('strict');
export const looseRecordSchemas = recordSchemasFor('loose');

export type AreaStatistic = z.output<(typeof strictRecordSchemas)['area-statistic']>;
export type Observation = AreaStatistic['observations'][number];
export type Offer = z.output<(typeof strictRecordSchemas)['offer']>;
export type Goal = z.output<(typeof strictRecordSchemas)['goal']>;
export type Measure = z.output<(typeof strictRecordSchemas)['measure']>;
export type Milestone = z.output<(typeof strictRecordSchemas)['milestone']>;
export type StatusReport = z.output<(typeof strictRecordSchemas)['status-report']>;
export type Theme = z.output<(typeof strictRecordSchemas)['theme']>;
export type ScenarioRecord = z.output<(typeof strictRecordSchemas)['scenario']>;
export type AreaLevelRecord = z.output<(typeof strictRecordSchemas)['area-level']>;
export type AreaRecord = z.output<(typeof strictRecordSchemas)['area']>;
export type IndicatorDefinitionRecord = z.output<(typeof strictRecordSchemas)['indicator-definition']>;
export type DatasetRecord = z.output<(typeof strictRecordSchemas)['dataset']>;

export interface RecordPayloads {
  'area-statistic': AreaStatistic;
  offer: Offer;
  goal: Goal;
  measure: Measure;
  milestone: Milestone;
  'status-report': StatusReport;
  theme: Theme;
  scenario: ScenarioRecord;
  'area-level': AreaLevelRecord;
  area: AreaRecord;
  'indicator-definition': IndicatorDefinitionRecord;
  dataset: DatasetRecord;
}
export type AnyRecord = RecordPayloads[RecordType];
