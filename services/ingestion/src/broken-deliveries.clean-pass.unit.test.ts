// The regression corpus of broken deliveries against the one-pass check of clean area statistics
// (@sp/feeds CleanAreaStatistics): every area-statistic delivery of broken-deliveries.corpus.ts, good
// and broken, JSON and CSV, validated as the service validates it — against the Köln reference and
// the feed catalogue — gets the same records and the same errors with that pass as with the full
// checks alone. (The e2e test plays the same corpus against the HTTP API.)
import { FeedCatalogue, parseCsvDelivery, parseJsonDelivery, Taxonomy, validateRecords, type ValidationContext } from '@sp/feeds';
import { loadReference } from '@sp/spatial';
import { describe, expect, it } from 'vitest';
import { brokenDeliveries, goodDeliveries } from './broken-deliveries.corpus.js';
import { spatialChecksFrom } from './spatial-checks.adapter.js';

const catalogue = FeedCatalogue.load();
const spatial = spatialChecksFrom(loadReference('koeln'));

function bodyOf(body: unknown): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
}

describe('the broken-deliveries corpus with and without the one-pass check of clean area statistics', () => {
  const deliveries = [...goodDeliveries.map((d) => ({ ...d, good: true })), ...brokenDeliveries.map((d) => ({ ...d, good: false }))].filter((d) => d.path === 'area-statistic');

  it.each(deliveries.map((d) => [d.name, d] as const))('%s', (_name, d) => {
    const parse = () => (d.contentType === 'text/csv' ? parseCsvDelivery('area-statistic', bodyOf(d.body)) : parseJsonDelivery(bodyOf(d.body)));
    const parsed = parse();
    if (!parsed.ok) return; // refused before validation: the pass is not reached
    const ctx: ValidationContext = { amt: d.amt, catalogue, taxonomy: Taxonomy.load(), spatial, now: new Date() };
    const rows = () => {
      const again = parse();
      if (!again.ok) throw new Error('parsed once, refused the second time');
      return again.rows;
    };
    const full = validateRecords('area-statistic', rows(), ctx, { cleanPass: false });
    const clean = validateRecords('area-statistic', rows(), ctx);
    expect(clean).toEqual(full);
    expect(JSON.stringify(clean)).toBe(JSON.stringify(full));
    // the good ones are accepted (so the comparison is not of two refusals only)
    if (d.good) expect(clean.ok).toBe(true);
  });

  it('holds area-statistic deliveries of both kinds', () => {
    expect(deliveries.filter((d) => d.good).length).toBeGreaterThanOrEqual(2);
    expect(deliveries.filter((d) => !d.good).length).toBeGreaterThan(20);
  });
});
