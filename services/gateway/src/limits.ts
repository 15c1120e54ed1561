// Protection limits of one gateway: query shape, page sizes, result sizes and time.
import { z } from 'zod';

export const limitsSchema = z.object({
  /** deepest selection allowed (areas { parent { parent { … } } } counts each level) */
  maxDepth: z.number().int().positive().default(10),
  /** static cost estimate: each field 1, list fields multiply their selection by 10 (or by their page size) */
  maxComplexity: z.number().int().positive().default(5000),
  /** most fields selected in one operation */
  maxBreadth: z.number().int().positive().default(300),
  /** largest `first`/`last` of a connection and largest `first` of a ranking */
  maxPageSize: z.number().int().positive().default(100),
  defaultPageSize: z.number().int().positive().default(20),
  /** most indicator values one field may return (protects memory and response size) */
  maxRows: z.number().int().positive().default(50_000),
  /** largest GraphQL request body (query, variables) in bytes; larger ones get 413 PAYLOAD_TOO_LARGE */
  maxBodyBytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  /** periods outside these years are BAD_USER_INPUT (the warehouse keeps four-digit years) */
  minPeriodYear: z.number().int().min(1).max(9998).default(1900),
  maxPeriodYear: z.number().int().min(1).max(9998).default(2199),
  /** most periods one from/to range may span (50 years of months) */
  maxRangePeriods: z.number().int().positive().default(600),
  /** a whole GraphQL execution or CSV export is cut off after this; its warehouse queries are stopped then too */
  requestTimeoutMs: z.number().int().positive().default(10_000),
  /** rows one warehouse query may scan (ClickHouse max_rows_to_read); a read over it is RESULT_TOO_LARGE */
  maxRowsToRead: z.number().int().positive().default(100_000_000),
});

export type Limits = z.infer<typeof limitsSchema>;
export type LimitsInput = z.input<typeof limitsSchema>;

export function resolveLimits(input: LimitsInput = {}): Limits {
  return limitsSchema.parse(input);
}
