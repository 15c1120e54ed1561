// The indicator picker (public/js/indicator.choices.js): a QA sweep found indicators nothing has
// been delivered for listed among the others, as if they could be chosen (they opened an empty
// grey map). They are listed apart, disabled, marked „keine Daten“; the map opens on one with figures.
import { describe, expect, it } from 'vitest';
import { defaultIndicator, indicatorChoices } from '../public/js/indicator.choices.js';

const indicator = (code: string, periods: string[], synthetic = false) => ({ code, name: code.toUpperCase(), synthetic, periods });

describe('the indicator picker', () => {
  const catalogue = [indicator('einwohner', ['2012']), indicator('sgb2_quote', []), indicator('hze', ['2012'], true), indicator('kita', [], true)];

  it('lists indicators without figures apart, not selectable, marked „keine Daten“', () => {
    expect(indicatorChoices(catalogue)).toEqual([
      { group: 'Amtliche Statistik', options: [{ value: 'einwohner', label: 'EINWOHNER' }] },
      { group: 'Synthetische Sozialindikatoren', options: [{ value: 'hze', label: 'HZE (synthetisch)' }] },
      {
        group: 'Noch keine Daten geliefert',
        options: [
          { value: 'sgb2_quote', label: 'SGB2_QUOTE – keine Daten', disabled: true },
          { value: 'kita', label: 'KITA (synthetisch) – keine Daten', disabled: true },
        ],
      },
    ]);
    // a catalogue with figures for everything has no such group
    expect(indicatorChoices([indicator('einwohner', ['2012'])]).map((g) => g.group)).toEqual(['Amtliche Statistik']);
  });

  it('opens the map on an indicator with figures', () => {
    expect(defaultIndicator(catalogue, 'einwohner')).toBe('einwohner');
    expect(defaultIndicator([indicator('einwohner', []), indicator('b', []), indicator('c', ['2014'])], 'einwohner')).toBe('c');
    expect(defaultIndicator([indicator('a', []), indicator('b', [])], 'einwohner')).toBe('a');
    expect(defaultIndicator([], 'einwohner')).toBeNull();
  });
});
