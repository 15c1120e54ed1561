import { describe, expect, it } from 'vitest';
import { admissibleTargets, buildPerturbationTable, expectedAbsoluteDeviation, perturbCount, perturbationParamsSchema, preimage } from './perturbation.js';
import { loadProtection, protectionFrom } from './protection.js';
import { cellKeyOf, recordKeyOf } from './record-keys.js';

const params = { maxNoise: 4, variance: 2, blockedUpTo: 2 };
const table = buildPerturbationTable(params);

describe('perturbation table (maximum entropy, as the ptable package builds it)', () => {
  it('has one row per count up to D + js + 1, each a distribution over its admissible targets', () => {
    expect(table.rows.map((r) => r.original)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const r of table.rows) {
      expect(r.targets.map((t) => t.value)).toEqual(admissibleTargets(r.original, params));
      expect(r.targets.reduce((s, t) => s + t.p, 0)).toBeCloseTo(1, 12);
      // unbiased: the expected published value is the count
      expect(r.mean).toBeCloseTo(0, 9);
      // every admissible target is possible (an attacker cannot rule any out), and the intervals tile [0, 1)
      for (const t of r.targets) expect(t.upper - t.lower).toBeGreaterThan(0);
      expect(r.targets[0]!.lower).toBe(0);
      expect(r.targets.at(-1)!.upper).toBe(1);
    }
  });

  it('meets the variance where the targets allow it, and is symmetric for large counts', () => {
    for (const r of table.rows.slice(3)) expect(r.variance).toBeCloseTo(2, 9);
    const last = table.rows.at(-1)!;
    expect(last.targets.map((t) => t.noise)).toEqual([-4, -3, -2, -1, 0, 1, 2, 3, 4]);
    for (let k = 0; k < 4; k++) expect(last.targets[k]!.p).toBeCloseTo(last.targets[8 - k]!.p, 9);
  });

  it('never publishes 1..js nor a negative value, keeps 0, and never moves a count by more than D', () => {
    for (let count = 0; count < 60; count++) {
      for (let key = 0; key < 1; key += 0.013) {
        const out = perturbCount(count, key, table);
        expect(out).toBeGreaterThanOrEqual(0);
        expect(out === 0 || out > 2).toBe(true);
        expect(Math.abs(out - count)).toBeLessThanOrEqual(4);
        if (count === 0) expect(out).toBe(0);
      }
    }
  });

  it('gives the same value for the same count and key, and the key decides the noise', () => {
    expect(perturbCount(120, 0.5, table)).toBe(perturbCount(120, 0.5, table));
    const noises = new Set([0.01, 0.2, 0.4, 0.5, 0.6, 0.8, 0.99].map((k) => perturbCount(120, k, table) - 120));
    expect(noises.size).toBeGreaterThan(3);
    // large counts share one row: the same key moves them by the same amount
    expect(perturbCount(1000, 0.73, table) - 1000).toBe(perturbCount(57, 0.73, table) - 57);
  });

  it('is unbiased over uniform keys (empirically, 20,000 keys)', () => {
    for (const count of [1, 2, 3, 5, 40]) {
      let sum = 0;
      for (let k = 0; k < 20_000; k++) sum += perturbCount(count, (k + 0.5) / 20_000, table);
      expect(sum / 20_000).toBeCloseTo(count, 3);
    }
  });

  it('a published value stands for at least D + 1 counts (what the public can infer from one cell)', () => {
    expect(preimage(0, params)).toEqual([0, 1, 2, 3, 4]);
    expect(preimage(1, params)).toEqual([]);
    expect(preimage(3, params)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    for (let p = 3; p < 40; p++) expect(preimage(p, params).length).toBeGreaterThanOrEqual(5);
  });

  it('reports the expected absolute deviation of one cell and of sums of cells', () => {
    const one = expectedAbsoluteDeviation(table, 1);
    const exact = table.rows.at(-1)!.targets.reduce((s, t) => s + t.p * Math.abs(t.noise), 0);
    expect(one).toBeCloseTo(exact, 12);
    expect(expectedAbsoluteDeviation(table, 30)).toBeGreaterThan(one);
    // a sum of many cells is close to normal: E|X| = sd·√(2/π)
    expect(expectedAbsoluteDeviation(table, 300)).toBeCloseTo(Math.sqrt((2 / Math.PI) * 300 * 2), 0);
  });

  it('refuses parameters that cannot be unbiased', () => {
    expect(perturbationParamsSchema.safeParse({ maxNoise: 2, variance: 1, blockedUpTo: 2 }).success).toBe(false);
    expect(perturbationParamsSchema.safeParse({ maxNoise: 2, variance: 5, blockedUpTo: 1 }).success).toBe(false);
    expect(() => protectionFrom({ protectionVersion: 1, perturbation: { maxNoise: 1, variance: 0.5, blockedUpTo: 3 } })).toThrow(/perturbation.maxNoise/);
  });

  it('loads the default configuration file', () => {
    const p = loadProtection();
    expect(p.config.perturbation).toEqual(params);
    expect(p.table.rows).toHaveLength(8);
  });
});

describe('record keys', () => {
  const secret = 'a-secret-of-the-tenant-0123456789';
  const o = { dataset: 'sgb2', areaLevel: 'STADTTEIL', areaCode: '101', period: '2012-12', measure: 'sgb2_personen', dimensions: { alter: '65+' } };

  it('are keyed hashes of the observation in [0, 1): stable, different per observation and per secret', () => {
    const k = recordKeyOf(secret, o);
    expect(k).toBeGreaterThanOrEqual(0);
    expect(k).toBeLessThan(1);
    expect(recordKeyOf(secret, { ...o })).toBe(k);
    expect(recordKeyOf(secret, { ...o, dimensions: { alter: 'u15' } })).not.toBe(k);
    expect(recordKeyOf(secret, { ...o, period: '2012-11' })).not.toBe(k);
    expect(recordKeyOf(`${secret}x`, o)).not.toBe(k);
    // dimension order does not matter
    const two = { ...o, dimensions: { b: '1', a: '2' } };
    expect(recordKeyOf(secret, two)).toBe(recordKeyOf(secret, { ...o, dimensions: { a: '2', b: '1' } }));
  });

  it('are roughly uniform (the noise distribution relies on it)', () => {
    const bins = new Array(10).fill(0);
    for (let i = 0; i < 5000; i++) bins[Math.floor(recordKeyOf(secret, { ...o, areaCode: String(i) }) * 10)]++;
    for (const b of bins) expect(b).toBeGreaterThan(400);
  });

  it('refuse a short secret; a cell key is the sum of record keys mod 1', () => {
    expect(() => recordKeyOf('short', o)).toThrow(RangeError);
    expect(cellKeyOf([0.75, 0.5])).toBeCloseTo(0.25, 12);
    expect(cellKeyOf([])).toBe(0);
  });
});
