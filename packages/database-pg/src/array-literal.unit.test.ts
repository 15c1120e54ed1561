// The array parameters the adapter writes itself are the text pg would send for them.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { arrayLiteral } from './pg.database.js';

const require = createRequire(import.meta.url);
const { prepareValue } = require('pg/lib/utils') as { prepareValue: (v: unknown) => unknown };

describe('arrayLiteral', () => {
  it('is what pg makes of the same array', () => {
    const cases: unknown[][] = [
      [],
      ['a', 'b'],
      ['bevoelkerung|05315000|STADTTEIL|101|2001-01', 'Köln, Ehrenfeld', '', ' {x} ', 'NULL', 'a,b'],
      [1, 2, -3, 0.5, 1e21, -0],
      [true, false],
      ['123', 4, true],
      Array.from({ length: 1000 }, (_, i) => `key-${i}`),
    ];
    for (const c of cases) expect(arrayLiteral(c)).toBe(prepareValue(c));
  });

  it('leaves to pg what needs escaping or is not a plain value', () => {
    for (const c of [['a"b'], ['a\\b'], [null, 'a'], ['a', undefined], [new Date(0)], [['nested']], [Buffer.from('x')], [1n]]) expect(arrayLiteral(c)).toBeUndefined();
  });
});
