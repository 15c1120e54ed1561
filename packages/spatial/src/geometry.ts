// Planar-enough geometry for city-scale WGS84 polygons: bounding boxes, spherical area, centroids and
// point-in-polygon by ray casting. Kept dependency-free so the registry and the aggregator can share it.
import { z } from 'zod';

/** [lon, lat] as in GeoJSON. */
export const positionSchema = z.array(z.number()).min(2);
/** One polygon: outer ring first, then holes. */
export const polygonCoordsSchema = z.array(z.array(positionSchema));
export const multiPolygonSchema = z.object({
  type: z.literal('MultiPolygon'),
  coordinates: z.array(polygonCoordsSchema),
});
export const geoJsonGeometrySchema = z.discriminatedUnion('type', [z.object({ type: z.literal('Polygon'), coordinates: polygonCoordsSchema }), multiPolygonSchema]);
export const bboxSchema = z.object({ minLon: z.number(), minLat: z.number(), maxLon: z.number(), maxLat: z.number() });
export const latLonSchema = z.object({ lat: z.number(), lon: z.number() });

export type MultiPolygon = z.infer<typeof multiPolygonSchema>;
export type GeoJsonGeometry = z.infer<typeof geoJsonGeometrySchema>;
export type BBox = z.infer<typeof bboxSchema>;
export type LatLon = z.infer<typeof latLonSchema>;
type Ring = number[][];

const EARTH_RADIUS_M = 6_378_137; // WGS84 semi-major axis, as used by GeoJSON area tools

export function toMultiPolygon(g: GeoJsonGeometry): MultiPolygon {
  return g.type === 'MultiPolygon' ? g : { type: 'MultiPolygon', coordinates: [g.coordinates] };
}

export function mergeMultiPolygons(parts: readonly MultiPolygon[]): MultiPolygon {
  return { type: 'MultiPolygon', coordinates: parts.flatMap((p) => p.coordinates) };
}

export function bboxOf(g: MultiPolygon): BBox {
  let minLon = Infinity,
    minLat = Infinity,
    maxLon = -Infinity,
    maxLat = -Infinity;
  for (const poly of g.coordinates) {
    // holes lie inside the outer ring, so the outer ring alone bounds the polygon
    for (const p of poly[0] ?? []) {
      const lon = p[0]!,
        lat = p[1]!;
      if (lon < minLon) minLon = lon;
      if (lon > maxLon) maxLon = lon;
      if (lat < minLat) minLat = lat;
      if (lat > maxLat) maxLat = lat;
    }
  }
  return { minLon, minLat, maxLon, maxLat };
}

export function unionBBox(boxes: readonly BBox[]): BBox {
  return boxes.reduce(
    (a, b) => ({
      minLon: Math.min(a.minLon, b.minLon),
      minLat: Math.min(a.minLat, b.minLat),
      maxLon: Math.max(a.maxLon, b.maxLon),
      maxLat: Math.max(a.maxLat, b.maxLat),
    }),
    { minLon: Infinity, minLat: Infinity, maxLon: -Infinity, maxLat: -Infinity },
  );
}

export function bboxContains(b: BBox, lat: number, lon: number): boolean {
  return lon >= b.minLon && lon <= b.maxLon && lat >= b.minLat && lat <= b.maxLat;
}

/** Signed spherical ring area in m² (Chamberlain & Duquette 2007, the formula used by d3/turf). */
function ringAreaM2(ring: Ring): number {
  const n = ring.length;
  if (n < 3) return 0;
  let total = 0;
  const rad = Math.PI / 180;
  for (let i = 0; i < n; i++) {
    const p1 = ring[i]!,
      p2 = ring[(i + 1) % n]!,
      p3 = ring[(i + 2) % n]!;
    total += (p3[0]! * rad - p1[0]! * rad) * Math.sin(p2[1]! * rad);
  }
  return (total * EARTH_RADIUS_M * EARTH_RADIUS_M) / 2;
}

/** Area in m²: outer rings minus holes, orientation-independent. */
export function areaM2(g: MultiPolygon): number {
  let sum = 0;
  for (const poly of g.coordinates) {
    poly.forEach((ring, i) => {
      const a = Math.abs(ringAreaM2(ring));
      sum += i === 0 ? a : -a;
    });
  }
  return sum;
}

/**
 * Area-weighted centroid in lon/lat degrees, with longitudes scaled by cos(latitude) so that the
 * weights are proportional to true area at city scale. May lie outside a concave polygon.
 */
export function centroidOf(g: MultiPolygon): LatLon {
  let ax = 0,
    ay = 0,
    aw = 0;
  const b = bboxOf(g);
  const k = Math.cos((((b.minLat + b.maxLat) / 2) * Math.PI) / 180);
  for (const poly of g.coordinates) {
    poly.forEach((ring, ri) => {
      let a = 0,
        cx = 0,
        cy = 0;
      for (let i = 0, n = ring.length; i < n; i++) {
        const p = ring[i]!,
          q = ring[(i + 1) % n]!;
        const x0 = p[0]! * k,
          y0 = p[1]!,
          x1 = q[0]! * k,
          y1 = q[1]!;
        const f = x0 * y1 - x1 * y0;
        a += f;
        cx += (x0 + x1) * f;
        cy += (y0 + y1) * f;
      }
      a /= 2;
      if (a === 0) return;
      // holes subtract: force sign by role, not by ring orientation
      const w = (ri === 0 ? 1 : -1) * Math.abs(a);
      ax += (cx / (6 * a)) * w;
      ay += (cy / (6 * a)) * w;
      aw += w;
    });
  }
  if (aw === 0) return { lat: (b.minLat + b.maxLat) / 2, lon: (b.minLon + b.maxLon) / 2 };
  return { lat: ay / aw, lon: ax / aw / k };
}

/** Even-odd ray casting on one ring (points exactly on an edge may go either way). */
function inRing(ring: Ring, lon: number, lat: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const xi = ring[i]![0]!,
      yi = ring[i]![1]!,
      xj = ring[j]![0]!,
      yj = ring[j]![1]!;
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Inside the outer ring of some polygon and outside all of that polygon's holes. */
export function containsPoint(g: MultiPolygon, lat: number, lon: number): boolean {
  for (const poly of g.coordinates) {
    const outer = poly[0];
    if (!outer || !inRing(outer, lon, lat)) continue;
    let inHole = false;
    for (let h = 1; h < poly.length; h++) {
      if (inRing(poly[h]!, lon, lat)) {
        inHole = true;
        break;
      }
    }
    if (!inHole) return true;
  }
  return false;
}

/**
 * A point guaranteed inside the geometry (for labels and tests): the centroid when it lies inside,
 * otherwise the middle of the widest inside stretch of a horizontal scan line through the largest polygon.
 */
export function interiorPoint(g: MultiPolygon): LatLon {
  const c = centroidOf(g);
  if (containsPoint(g, c.lat, c.lon)) return c;
  let best: { poly: number[][][]; a: number } | undefined;
  for (const poly of g.coordinates) {
    const a = areaM2({ type: 'MultiPolygon', coordinates: [poly] });
    if (!best || a > best.a) best = { poly, a };
  }
  if (!best) return c;
  const b = bboxOf({ type: 'MultiPolygon', coordinates: [best.poly] });
  let winner: LatLon | undefined,
    width = -1;
  // several scan lines so that a hole at the middle latitude cannot defeat us
  for (const f of [0.5, 0.37, 0.63, 0.25, 0.75, 0.13, 0.87]) {
    const lat = b.minLat + (b.maxLat - b.minLat) * f;
    const xs: number[] = [];
    for (const ring of best.poly) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const xi = ring[i]![0]!,
          yi = ring[i]![1]!,
          xj = ring[j]![0]!,
          yj = ring[j]![1]!;
        if (yi > lat !== yj > lat) xs.push(((xj - xi) * (lat - yi)) / (yj - yi) + xi);
      }
    }
    xs.sort((x, y) => x - y);
    for (let i = 0; i + 1 < xs.length; i += 2) {
      const w = xs[i + 1]! - xs[i]!;
      const lon = (xs[i]! + xs[i + 1]!) / 2;
      if (w > width && containsPoint(g, lat, lon)) {
        width = w;
        winner = { lat, lon };
      }
    }
    if (winner) return winner;
  }
  return c;
}
