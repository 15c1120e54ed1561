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

  it('says in German that the browser asked too much too quickly (the gateway’s budget, 429)', () => {
    // the sweep clicking through Köln's indicators met it; the map said "this client is over its budget: …"
    const e = new ApiError('this client is over its budget: more than 2000 cost per second (burst 10000; cost = cells + 200 per read); try again in 1 s', 'RATE_LIMITED');
    expect(describeError(e)).toBe('Gerade kamen zu viele Anfragen von diesem Browser. Bitte in einigen Sekunden erneut versuchen.');
  });

  it('keeps the API’s message of other refusals (the gateway names the field and what it accepts)', () => {
    expect(describeError(new ApiError('k must be between 2 and 10', 'BAD_USER_INPUT', 'k'))).toBe('k must be between 2 and 10');
    expect(describeError(new ApiError('x', 'TIMEOUT'))).toBe('Die Anfrage hat zu lange gedauert.');
  });
});
