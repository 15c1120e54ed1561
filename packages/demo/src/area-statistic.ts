// The area-statistic record as docs/records.md defines it (the Avro schema in schemas/ and the
// validators of @sp/feeds are the source of truth; this mirror keeps the demo builders typed).
import { z } from 'zod';

export const observationSchema = z.object({
  measure: z.string().min(1),
  dimensions: z.record(z.string(), z.string()),
  value: z.number().nonnegative(),
});

export const areaStatisticRecordSchema = z.object({
  key: z.string(),
  version: z.number().int().positive(),
  dataset: z.string(),
  areaLevel: z.string(),
  areaCode: z.string(),
  period: z.string().regex(/^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$/),
  observations: z.array(observationSchema).min(1),
  synthetic: z.boolean(),
  source: z.string().optional(),
});

export type Observation = z.infer<typeof observationSchema>;
export type AreaStatisticRecord = z.infer<typeof areaStatisticRecordSchema>;

export function areaStatistic(r: Omit<AreaStatisticRecord, 'key' | 'version'> & { version?: number }): AreaStatisticRecord {
  return { key: `${r.dataset}|${r.areaLevel}|${r.areaCode}|${r.period}`, version: r.version ?? 1, ...r };
}
