import { describe, expect, it } from 'vitest';
import { AgeBandError, ageBands, bandOfAge, parseAgeBand, toBands } from './age-bands.js';

describe('age bands', () => {
  it('parses "a-b" as a to under b and "a+" as open', () => {
    expect(parseAgeBand('0-3')).toEqual({ label: '0-3', from: 0, to: 3 });
    expect(parseAgeBand('75+')).toEqual({ label: '75+', from: 75, to: null });
  });

  it.each(['3-3', '5-2', 'x', '0 - 3', '-1+', ''])('rejects "%s" with BAND_LABEL', (label) => {
    expect(() => parseAgeBand(label)).toThrow(expect.objectContaining({ code: 'BAND_LABEL' }));
  });

  it('orders bands and insists on contiguous cover from 0 with an open last band', () => {
    expect(ageBands(['3-6', '6+', '0-3']).map((b) => b.label)).toEqual(['0-3', '3-6', '6+']);
    expect(() => ageBands(['0-3', '4-6', '6+'])).toThrow(expect.objectContaining({ code: 'BAND_GAP' }));
    expect(() => ageBands(['0-3', '2-6', '6+'])).toThrow(expect.objectContaining({ code: 'BAND_GAP' }));
    expect(() => ageBands(['0-3', '3-6'])).toThrow(expect.objectContaining({ code: 'BAND_OPEN_END' }));
    expect(() => ageBands(['1-3', '3+'])).toThrow(AgeBandError);
  });

  it('sums single years into bands, the open age into the open band', () => {
    const bands = ageBands(['0-2', '2-3', '3+']);
    expect(toBands([1, 2, 3, 4, 5], bands)).toEqual([3, 3, 9]);
    expect(bandOfAge(bands, 4)).toEqual([0, 0, 1, 2, 2]);
  });

  it('refuses bands the model cannot resolve: a closed band above the open age, an open age inside a closed band', () => {
    expect(() => toBands([1, 2, 3], ageBands(['0-5', '5+']))).toThrow(expect.objectContaining({ code: 'BAND_BEYOND_MODEL' }));
    expect(() => bandOfAge(ageBands(['0-5', '5+']), 3)).toThrow(expect.objectContaining({ code: 'BAND_BEYOND_MODEL' }));
  });
});
