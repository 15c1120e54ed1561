// A hand-made city for tests: rectangles instead of real geometries, so expected placements are
// obvious. Latitude bands 50.0–50.1 (Bezirk 1) and 50.1–50.2 (Bezirk 2), longitude 7.0–7.2:
//   Bezirk 1: Stadtteil 101 (lon 7.0–7.1) with Stadtviertel 10101 (lat 50.00–50.05) and 10102
//             (50.05–50.1); Stadtteil 102 (lon 7.1–7.2) without Stadtviertel (unsettled).
//   Bezirk 2: Stadtteil 201 (whole Bezirk) with Stadtviertel 20101 (lon 7.0–7.1); the rest of 201 has none.
//   Planning area SOZIALRAUM SR1 = Stadtteil 101 + Stadtviertel 20101.
import type { AreaLocator, AreaRef } from '../area.locator.js';

interface Box {
  area: AreaRef;
  s: number;
  n: number;
  w: number;
  e: number;
}
const A = (level: string, code: string): AreaRef => ({ level, code });
const boxes: Box[] = [
  { area: A('STADT', '0'), s: 50.0, n: 50.2, w: 7.0, e: 7.2 },
  { area: A('STADTBEZIRK', '1'), s: 50.0, n: 50.1, w: 7.0, e: 7.2 },
  { area: A('STADTBEZIRK', '2'), s: 50.1, n: 50.2, w: 7.0, e: 7.2 },
  { area: A('STADTTEIL', '101'), s: 50.0, n: 50.1, w: 7.0, e: 7.1 },
  { area: A('STADTTEIL', '102'), s: 50.0, n: 50.1, w: 7.1, e: 7.2 },
  { area: A('STADTTEIL', '201'), s: 50.1, n: 50.2, w: 7.0, e: 7.2 },
  { area: A('STADTVIERTEL', '10101'), s: 50.0, n: 50.05, w: 7.0, e: 7.1 },
  { area: A('STADTVIERTEL', '10102'), s: 50.05, n: 50.1, w: 7.0, e: 7.1 },
  { area: A('STADTVIERTEL', '20101'), s: 50.1, n: 50.2, w: 7.0, e: 7.1 },
];
const planning: { area: AreaRef; members: AreaRef[] }[] = [{ area: A('SOZIALRAUM', 'SR1'), members: [A('STADTTEIL', '101'), A('STADTVIERTEL', '20101')] }];
const inBox = (b: Box, lat: number, lon: number) => lat >= b.s && lat < b.n && lon >= b.w && lon < b.e;
const levels = ['STADT', 'STADTBEZIRK', 'STADTTEIL', 'STADTVIERTEL'];
const isBelow = (inner: AreaRef, outer: AreaRef): boolean => {
  if (levels.indexOf(inner.level) <= levels.indexOf(outer.level)) return false;
  if (outer.level === 'STADT') return true;
  return inner.code.startsWith(outer.code);
};

export const gridCityLocator: AreaLocator = {
  locate(lat, lon) {
    const hits = boxes.filter((b) => inBox(b, lat, lon)).map((b) => b.area);
    if (hits.length === 0) return null;
    const pl = planning.filter((p) => p.members.some((m) => hits.some((h) => h.level === m.level && h.code === m.code))).map((p) => p.area);
    return [...hits, ...pl];
  },
  areasWithin(area) {
    const p = planning.find((x) => x.area.code === area.code && x.area.level === area.level);
    if (p) return p.members.flatMap((m) => [m, ...boxes.map((b) => b.area).filter((b) => isBelow(b, m))]);
    const inside = boxes.map((b) => b.area).filter((b) => isBelow(b, area));
    const ids = new Set([area, ...inside].map((a) => `${a.level}:${a.code}`));
    const wholly = planning.filter((x) => x.members.every((m) => ids.has(`${m.level}:${m.code}`))).map((x) => x.area);
    return [...inside, ...wholly];
  },
};
