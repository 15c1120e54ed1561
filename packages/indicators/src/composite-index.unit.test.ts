import { describe, expect, it } from 'vitest';
import { classify, computeCompositeIndex, meanAndPopulationSd, type IndexDefinition } from './composite-index.js';

const classes = [
  { code: 'hoch', label: 'Status hoch', from: null },
  { code: 'mittel', label: 'Status mittel', from: -1 },
  { code: 'niedrig', label: 'Status niedrig', from: 1 },
  { code: 'sehr_niedrig', label: 'Status sehr niedrig', from: 1.5 },
];
const def: IndexDefinition = {
  code: 'idx',
  version: 7,
  polarity: -1,
  minPopulation: 300,
  classes,
  inputs: [
    { indicator: 'a', polarity: -1 },
    { indicator: 'b', polarity: 1 },
  ],
};

describe('computeCompositeIndex on a hand-computed 5-area fixture', () => {
  // Scored areas A1..A5. Input a (higher is worse): 2,4,6,8,10 → mean 6, population SD √8.
  // Input b (higher is better): 10,30,20,50,40 → mean 30, population SD √200.
  // z(a) = −√2, −1/√2, 0, 1/√2, √2;  z(b) = −√2, 0, −1/√2, √2, 1/√2.
  // Burden index (polarity −1): contribution a = +z(a), b = −z(b) → sums 0, −h, h, −h, h with h = 1/√2.
  // Mean of sums 0, population SD √(4h²/5) = √0.4 → index = sum/√0.4 = 0, −√5/2, √5/2, −√5/2, √5/2.
  // Two more areas must not be scored nor influence mean/SD: X (200 inhabitants, extreme values) and
  // Y (input b missing).
  const pop = new Map<string, number>([
    ['A1', 1000],
    ['A2', 800],
    ['A3', 5000],
    ['A4', 300],
    ['A5', 12000],
    ['X', 200],
    ['Y', 900],
  ]);
  const a = new Map<string, number | null>([
    ['A1', 2],
    ['A2', 4],
    ['A3', 6],
    ['A4', 8],
    ['A5', 10],
    ['X', 1000],
    ['Y', 5],
  ]);
  const b = new Map<string, number | null>([
    ['A1', 10],
    ['A2', 30],
    ['A3', 20],
    ['A4', 50],
    ['A5', 40],
    ['X', -1000],
    ['Y', null],
  ]);
  const result = computeCompositeIndex(def, { inputs: { a, b }, population: pop });
  const byCode = new Map(result.areas.map((r) => [r.areaCode, r]));
  const r5 = Math.sqrt(5) / 2;

  it('matches the closed-form values to 1e-9', () => {
    const expected: Record<string, number> = { A1: 0, A2: -r5, A3: r5, A4: -r5, A5: r5 };
    for (const [code, v] of Object.entries(expected)) expect(Math.abs(byCode.get(code)!.value! - v)).toBeLessThan(1e-9);
    expect(Math.abs(byCode.get('A2')!.z.a! + 1 / Math.SQRT2)).toBeLessThan(1e-9);
    expect(Math.abs(byCode.get('A4')!.z.b! - Math.SQRT2)).toBeLessThan(1e-9);
    expect(Math.abs(result.inputStats[0]!.sd - Math.sqrt(8))).toBeLessThan(1e-12);
    expect(Math.abs(result.inputStats[1]!.sd - Math.sqrt(200))).toBeLessThan(1e-12);
    expect(Math.abs(result.sumStats.sd - Math.sqrt(0.4))).toBeLessThan(1e-12);
  });

  it('classifies by SD thresholds and carries the definition version', () => {
    expect(byCode.get('A1')!.classCode).toBe('mittel');
    expect(byCode.get('A2')!.classCode).toBe('hoch'); // −1.118 < −1
    expect(byCode.get('A3')!.classCode).toBe('niedrig'); // 1 ≤ 1.118 < 1.5
    expect(result.definitionVersion).toBe(7);
    expect(result.code).toBe('idx');
  });

  it('leaves small and incomplete areas unscored, outside mean and SD', () => {
    expect(byCode.get('X')).toMatchObject({ scored: false, reason: 'BELOW_MIN_POPULATION', value: null, classCode: null });
    expect(byCode.get('Y')).toMatchObject({ scored: false, reason: 'MISSING_INPUT', value: null });
    expect(result.inputStats[0]!.mean).toBe(6); // X's 1000 would have moved it
    expect(byCode.get('A4')!.scored).toBe(true); // exactly the minimum population is enough
  });

  it('flips the sign of an input when its polarity flips', () => {
    const flipped = computeCompositeIndex(
      {
        ...def,
        inputs: [
          { indicator: 'a', polarity: -1 },
          { indicator: 'b', polarity: -1 },
        ],
      },
      { inputs: { a, b }, population: pop },
    );
    // sums z(a)+z(b) = −2√2, −h, −h, 3h, 3h → mean 0, SD √((8 + 0.5 + 0.5 + 4.5 + 4.5)/5) = √3.6
    const v = new Map(flipped.areas.map((r) => [r.areaCode, r.value]));
    expect(Math.abs(v.get('A1')! - (-2 * Math.SQRT2) / Math.sqrt(3.6))).toBeLessThan(1e-9);
    expect(Math.abs(v.get('A5')! - 3 / Math.SQRT2 / Math.sqrt(3.6))).toBeLessThan(1e-9);
  });

  it('gives z = 0 when an input does not vary', () => {
    const same = new Map([
      ['A1', 5],
      ['A2', 5],
    ]);
    const r = computeCompositeIndex(
      { ...def, inputs: [{ indicator: 's', polarity: -1 }] },
      {
        inputs: { s: same },
        population: new Map([
          ['A1', 500],
          ['A2', 500],
        ]),
      },
    );
    expect(r.areas.map((x) => x.value)).toEqual([0, 0]);
  });
});

describe('helpers', () => {
  it('uses the population SD (divisor n)', () => {
    expect(meanAndPopulationSd([1, 3])).toEqual({ mean: 2, sd: 1 });
  });
  it('classifies bounds inclusively from below', () => {
    expect(classify(-1, classes).code).toBe('mittel');
    expect(classify(-1.0000001, classes).code).toBe('hoch');
    expect(classify(1.5, classes).code).toBe('sehr_niedrig');
    expect(classify(99, classes).code).toBe('sehr_niedrig');
  });
});
