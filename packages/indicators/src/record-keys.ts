// Record keys of the cell-key method (docs/disclosure.md). Every observation an Amt delivers (one
// measure and dimension combination of one area and period) gets a key in [0, 1) when it is
// ingested; the key is written into the event and so kept in the history. It is a keyed hash of
// the observation's identity under the tenant's secret: the same observation gets the same key in
// every version and every re-delivery (so a correction to the same value publishes the same
// figure, and an identical re-delivery stays byte-identical), and nobody without the secret can
// compute it. The key of a published leaf cell is the sum of its observations' keys mod 1.
import { createHmac } from 'node:crypto';

export interface ObservationIdentity {
  dataset: string;
  areaLevel: string;
  areaCode: string;
  period: string;
  measure: string;
  dimensions: Readonly<Record<string, string>>;
}

/** "k=v;k2=v2", keys sorted: one spelling per dimension combination. */
export function dimensionsKey(dims: Readonly<Record<string, string>>): string {
  return Object.keys(dims)
    .sort()
    .map((k) => `${k}=${dims[k]}`)
    .join(';');
}

/** The record key of one observation: HMAC-SHA256(secret, identity), its first 48 bits as a fraction of 2^48. */
export function recordKeyOf(secret: string, o: ObservationIdentity): number {
  if (secret.length < 16) throw new RangeError('the record-key secret needs at least 16 characters');
  const digest = createHmac('sha256', secret)
    .update(`${o.dataset}|${o.areaLevel}|${o.areaCode}|${o.period}|${o.measure}|${dimensionsKey(o.dimensions)}`)
    .digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/** The cell key of a cell made of these records: Σ keys mod 1. */
export function cellKeyOf(keys: readonly number[]): number {
  const s = keys.reduce((a, k) => a + k, 0);
  return s - Math.floor(s);
}
