// A seeded random number generator for the computations that need reproducible randomness (the
// typology's k-means++ seeding) and for the demo's generated figures: the same seed, the same numbers.

/** mulberry32: a small, fast, well-distributed 32-bit generator; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
