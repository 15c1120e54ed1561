// Withdrawals: the Amt names keys to withdraw; each becomes a tombstone event with a new version.
import { z } from 'zod';
import { AVRO_INT_MAX, type RecordType } from '@sp/events';
import { parseCsvTable } from './csv.parser.js';
import { feedError, type FeedError } from './feed-error.js';
import { parseJsonBody } from './json.parser.js';

export const withdrawalSchema = z.strictObject({
  key: z.string().min(1),
  /** version of the tombstone; default: current version + 1 */
  version: z.number().int().min(1).max(AVRO_INT_MAX).optional(),
});
export type Withdrawal = z.infer<typeof withdrawalSchema>;

export type ParsedWithdrawals = { ok: true; withdrawals: { row: number; withdrawal: Withdrawal }[] } | { ok: false; errors: FeedError[] };

export function parseWithdrawals(_recordType: RecordType, body: Buffer | string, format: 'json' | 'csv'): ParsedWithdrawals {
  let rows: { row: number; value: unknown }[];
  if (format === 'json') {
    const parsed = parseJsonBody(body, 'withdrawals');
    if (!parsed.ok) return parsed;
    rows = parsed.items.map((value, row) => ({ row, value }));
  } else {
    const parsed = parseCsvTable(body);
    if (!parsed.ok) return parsed;
    rows = parsed.rows;
  }
  const errors: FeedError[] = [];
  const withdrawals: { row: number; withdrawal: Withdrawal }[] = [];
  const keys = new Set<string>();
  if (rows.length === 0) errors.push(feedError({ row: null, field: null, value: [], code: 'EMPTY_BATCH', message: 'no withdrawals', accepted: 'at least one {"key": …}' }));
  for (const { row, value } of rows) {
    const r = withdrawalSchema.safeParse(value);
    if (!r.success) {
      for (const issue of r.error.issues) {
        const field = issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(',') : null);
        const missing = issue.code === 'invalid_type' && (value as Record<string, unknown> | null)?.[String(issue.path[0])] === undefined;
        errors.push(
          feedError({
            row,
            field,
            value: issue.path.length ? (value as Record<string, unknown>)[String(issue.path[0])] : value,
            code: issue.code === 'unrecognized_keys' ? 'UNKNOWN_FIELD' : missing ? 'MISSING_FIELD' : issue.code === 'invalid_type' ? 'WRONG_TYPE' : 'OUT_OF_RANGE',
            message: issue.message,
            accepted: `{"key": string, "version"?: integer 1..${AVRO_INT_MAX}}`,
          }),
        );
      }
      continue;
    }
    if (keys.has(r.data.key)) {
      errors.push(feedError({ row, field: 'key', value: r.data.key, code: 'DUPLICATE_KEY', message: `key ${r.data.key} appears twice`, accepted: 'each key once per delivery' }));
      continue;
    }
    keys.add(r.data.key);
    withdrawals.push({ row, withdrawal: r.data });
  }
  return errors.length ? { ok: false, errors } : { ok: true, withdrawals };
}
