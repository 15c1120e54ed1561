// What the registry needs from the spatial reference: where a point lies and which areas lie inside
// an area. @sp/spatial's AreaReference is adapted to this (spatial-locator.adapter.ts); tests may use
// small hand-made locators. Keeping the need this narrow keeps the registry's domain logic testable
// without the Köln geometries.
import type { Reach } from './offer-event.schema.js';

/** An area of any level: STADT ("0"), STADTBEZIRK ("1".."9"), STADTTEIL ("101".."909"), STADTVIERTEL (5 digits) or a planning level. */
export interface AreaRef {
  level: string;
  code: string;
}

export interface AreaLocator {
  /**
   * Every area containing the point: one per administrative level (STADTVIERTEL may be missing:
   * Köln's Stadtviertel cover only the settled area) and any planning areas. null outside the city.
   */
  locate(lat: number, lon: number): AreaRef[] | null;
  /** All areas lying wholly inside `area`, at every level below it (planning areas included when wholly inside). */
  areasWithin(area: AreaRef): AreaRef[];
}

/** Administrative levels from the widest to the narrowest. */
export const adminLevels = ['STADT', 'STADTBEZIRK', 'STADTTEIL', 'STADTVIERTEL'] as const;
export type AdminLevel = (typeof adminLevels)[number];

export const areaId = (a: AreaRef): string => `${a.level}:${a.code}`;
export const sameArea = (a: AreaRef, b: AreaRef): boolean => a.level === b.level && a.code === b.code;

export interface OfferPlacement {
  /** every area the point lies in (incl. STADT and planning areas) */
  locatedIn: AreaRef[];
  /** the area the offer serves as a whole: the located area at the reach level (one level up when the point lies in no Stadtviertel) */
  reachArea: AreaRef;
  /** the reach area and every area inside it: the offer serves all of these entirely */
  serves: AreaRef[];
  /** areas whose supply counts this offer: located areas that contain the whole reach area */
  countsFor: AreaRef[];
}

/**
 * Places an offer: reach decides the served area. An offer reaching a Stadtteil serves the Stadtteil
 * and every Stadtviertel in it, and counts toward the supply of the Stadtteil, its Bezirk, the city and
 * planning areas containing the whole Stadtteil — never toward a single Stadtviertel, which would
 * credit one Viertel with places meant for several. Returns null when the point is outside the city.
 */
export function placeOffer(locator: AreaLocator, lat: number, lon: number, reach: Reach): OfferPlacement | null {
  const locatedIn = locator.locate(lat, lon);
  if (!locatedIn || locatedIn.length === 0) return null;
  const start = adminLevels.indexOf(reach);
  let reachArea: AreaRef | undefined;
  for (let i = start; i >= 0 && !reachArea; i--) reachArea = locatedIn.find((a) => a.level === adminLevels[i]);
  if (!reachArea) return null;
  const inside = locator.areasWithin(reachArea);
  const serves = dedupe([reachArea, ...inside]);
  const ra = reachArea;
  const countsFor = locatedIn.filter((a) => sameArea(a, ra) || locator.areasWithin(a).some((b) => sameArea(b, ra)));
  return { locatedIn: dedupe(locatedIn), reachArea, serves, countsFor: dedupe(countsFor) };
}

function dedupe(areas: AreaRef[]): AreaRef[] {
  const seen = new Map<string, AreaRef>();
  for (const a of areas) if (!seen.has(areaId(a))) seen.set(areaId(a), a);
  return [...seen.values()];
}
