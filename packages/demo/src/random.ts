// Seeded, order-independent randomness: every (seed, stream, area, period) gets its own generator, so
// adding an area or a month never changes the numbers of the others.
import { mulberry32 } from '@sp/indicators';
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32 (from @sp/indicators) seeded by the hash of (seed, keys): good enough for demo figures. */
export function rng(seed: number, ...keys: (string | number)[]): () => number {
  return mulberry32(hashString(`${seed}|${keys.join('|')}`));
}

/** Standard normal deviate (Box–Muller). */
export function normal(r: () => number): number {
  const u = Math.max(r(), 1e-12),
    v = r();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
