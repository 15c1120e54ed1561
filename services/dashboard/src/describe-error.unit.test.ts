// What the page says when the API refuses: German sentences for the refusals a reader meets on the
// way (the QA sweep found the gateway's English "0 area(s) with a complete profile; at least 2 are
// needed" under the similar areas of a Stadtviertel and over its typology map).
import { describe, expect, it } from 'vitest';
import { ApiError, describeError } from '../public/js/api.js';

describe('describeError', () => {
  it('says in German that a level has too few areas with a complete profile', () => {
    const e = new ApiError('0 area(s) with a complete profile; at least 2 are needed', 'BAD_USER_INPUT', 'indicators', 'TOO_FEW_AREAS');
    expect(describeError(e)).toBe('Zu wenige Gebiete dieser Ebene haben Werte für alle Indikatoren des Profils (mindestens zwei nötig).');
  });

  it('keeps the API’s message of other refusals (the gateway names the field and what it accepts)', () => {
    expect(describeError(new ApiError('k must be between 2 and 10', 'BAD_USER_INPUT', 'k'))).toBe('k must be between 2 and 10');
    expect(describeError(new ApiError('x', 'TIMEOUT'))).toBe('Die Anfrage hat zu lange gedauert.');
  });
});
