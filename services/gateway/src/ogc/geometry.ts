// The geometry the OGC API filters with: a feature's envelope, whether an area's boundary meets a
// bbox (exactly, not only by envelope, so a client's tile gets no neighbour it does not touch),
// and whether a validity span meets a datetime interval.
import { containsPoint, geoJsonGeometrySchema, toMultiPolygon } from '@sp/spatial';
import type { GeoJsonGeometry } from '../sources.js';

/** WGS84 longitude/latitude box (CRS84 axis order). */
export interface Envelope {
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
}

/** A closed instant or interval of ISO date-times; null ends are open (".."). */
export interface Interval {
  start: number | null;
  end: number | null;
}

type Position = readonly number[];

/** Rings of a (Multi)Polygon, or null for anything else. */
function polygonsOf(geometry: GeoJsonGeometry | null): number[][][][] | null {
  const parsed = geoJsonGeometrySchema.safeParse(geometry);
  return parsed.success ? toMultiPolygon(parsed.data).coordinates : null;
}

export function envelopeOf(geometry: GeoJsonGeometry | null): Envelope | null {
  if (!geometry) return null;
  if (geometry.type === 'Point') {
    const [lon, lat] = geometry.coordinates as Position;
    return { minLon: lon!, minLat: lat!, maxLon: lon!, maxLat: lat! };
  }
  const polygons = polygonsOf(geometry);
  if (!polygons) return null;
  let minLon = Infinity;
  let minLat = Infinity;
  let maxLon = -Infinity;
  let maxLat = -Infinity;
  for (const polygon of polygons) {
    for (const [lon, lat] of polygon[0] ?? []) {
      minLon = Math.min(minLon, lon!);
      maxLon = Math.max(maxLon, lon!);
      minLat = Math.min(minLat, lat!);
      maxLat = Math.max(maxLat, lat!);
    }
  }
  return Number.isFinite(minLon) ? { minLon, minLat, maxLon, maxLat } : null;
}

const envelopesMeet = (a: Envelope, b: Envelope) => a.minLon <= b.maxLon && b.minLon <= a.maxLon && a.minLat <= b.maxLat && b.minLat <= a.maxLat;

const inBox = (box: Envelope, lon: number, lat: number) => lon >= box.minLon && lon <= box.maxLon && lat >= box.minLat && lat <= box.maxLat;

/** Orientation sign of c relative to the line a→b. */
function orient(a: Position, b: Position, c: Position): number {
  return Math.sign((b[0]! - a[0]!) * (c[1]! - a[1]!) - (b[1]! - a[1]!) * (c[0]! - a[0]!));
}

function onSegment(a: Position, b: Position, p: Position): boolean {
  return Math.min(a[0]!, b[0]!) <= p[0]! && p[0]! <= Math.max(a[0]!, b[0]!) && Math.min(a[1]!, b[1]!) <= p[1]! && p[1]! <= Math.max(a[1]!, b[1]!);
}

function segmentsCross(p1: Position, p2: Position, q1: Position, q2: Position): boolean {
  const d1 = orient(q1, q2, p1);
  const d2 = orient(q1, q2, p2);
  const d3 = orient(p1, p2, q1);
  const d4 = orient(p1, p2, q2);
  if (d1 !== d2 && d3 !== d4) return true;
  return (d1 === 0 && onSegment(q1, q2, p1)) || (d2 === 0 && onSegment(q1, q2, p2)) || (d3 === 0 && onSegment(p1, p2, q1)) || (d4 === 0 && onSegment(p1, p2, q2));
}

/**
 * Whether a geometry (with its precomputed envelope) meets the box: a vertex inside the box, a
 * box corner inside the polygon, or an edge crossing a box edge.
 */
export function intersects(box: Envelope, envelope: Envelope, geometry: GeoJsonGeometry | null): boolean {
  if (!envelopesMeet(box, envelope)) return false;
  if (!geometry || geometry.type === 'Point') return true;
  const polygons = polygonsOf(geometry);
  if (!polygons) return true;
  const corners: Position[] = [
    [box.minLon, box.minLat],
    [box.maxLon, box.minLat],
    [box.maxLon, box.maxLat],
    [box.minLon, box.maxLat],
  ];
  const multi = { type: 'MultiPolygon' as const, coordinates: polygons };
  if (corners.some(([lon, lat]) => containsPoint(multi, lat!, lon!))) return true;
  for (const polygon of polygons) {
    for (const ring of polygon) {
      for (let i = 0; i < ring.length; i++) {
        const a = ring[i]!;
        if (inBox(box, a[0]!, a[1]!)) return true;
        const b = ring[(i + 1) % ring.length]!;
        for (let k = 0; k < 4; k++) if (segmentsCross(a, b, corners[k]!, corners[(k + 1) % 4]!)) return true;
      }
    }
  }
  return false;
}

/** Whether the validity span [from, to] (ISO dates, to inclusive; null open) meets the interval. */
export function overlaps(interval: Interval, from: string | null, to: string | null): boolean {
  const start = from ? Date.parse(from) : null;
  const end = to ? Date.parse(to.length === 10 ? `${to}T23:59:59.999Z` : to) : null;
  if (interval.end !== null && start !== null && !Number.isNaN(start) && start > interval.end) return false;
  if (interval.start !== null && end !== null && !Number.isNaN(end) && end < interval.start) return false;
  return true;
}
