// A small stand-in for Köln's spatial reference in unit tests: the real Stadtteil codes, Bezirke 1–9,
// the city "0", a few Stadtviertel, one planning-area level, and the city's bounding box as its
// outline (good enough for points clearly inside or outside).
import type { SpatialChecks } from '../spatial-checks.js';

const stadtteile =
  '101 102 103 104 105 201 202 203 204 205 206 207 208 209 210 211 212 213 301 302 303 304 305 306 307 308 309 401 402 403 404 405 406 501 502 503 504 505 506 507 601 602 603 604 605 606 607 608 609 610 611 612 701 702 703 704 705 706 707 708 709 710 711 712 713 714 715 716 801 802 803 804 805 806 807 808 809 901 902 903 904 905 906 907 908 909'.split(
    ' ',
  );

const areas: Record<string, ReadonlySet<string>> = {
  STADT: new Set(['0']),
  STADTBEZIRK: new Set(['1', '2', '3', '4', '5', '6', '7', '8', '9']),
  STADTTEIL: new Set(stadtteile),
  STADTVIERTEL: new Set(['10101', '10102', '10201', '60901', '60902', '80501', '90901']),
  SOZIALRAUM: new Set(['chorweiler', 'kalk']),
};

export function fixtureSpatialChecks(): SpatialChecks {
  return {
    cityName: 'Köln',
    levels: () => Object.keys(areas),
    hasArea: (level, code) => areas[level]?.has(code) ?? false,
    // the Sozialraum "chorweiler" of the fixture is one of the 2006–2019 areas; every other area is valid since 1975
    validity: (level, code) =>
      areas[level]?.has(code) ? [level === 'SOZIALRAUM' && code === 'chorweiler' ? { validFrom: '2006-04-01', validTo: '2019-12-31' } : { validFrom: '1975-01-01', validTo: null }] : [],
    insideCity: (lat, lon) => lat >= 50.8304 && lat <= 51.085 && lon >= 6.7725 && lon <= 7.1621,
  };
}
