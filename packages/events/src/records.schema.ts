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
    budget: z.array(obj({ year: z.number().int().min(-AVRO_INT_MAX).max(AVRO_INT_MAX), planned: z.number(), spent: z.number() })),
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

  return {
    'area-statistic': areaStatistic,
    offer,
    goal,
    measure,
    milestone,
    'status-report': statusReport,
    'area-level': areaLevel,
    area,
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
export type AreaLevelRecord = z.output<(typeof strictRecordSchemas)['area-level']>;
export type AreaRecord = z.output<(typeof strictRecordSchemas)['area']>;

export interface RecordPayloads {
  'area-statistic': AreaStatistic;
  offer: Offer;
  goal: Goal;
  measure: Measure;
  milestone: Milestone;
  'status-report': StatusReport;
  'area-level': AreaLevelRecord;
  area: AreaRecord;
}
export type AnyRecord = RecordPayloads[RecordType];
