// Distances and centres on the sphere, for "nearest offer" and accessibility questions.
import type { LatLon } from './geometry.js';

const MEAN_EARTH_RADIUS_M = 6_371_008.8;

/** Great-circle distance in metres (haversine). */
export function haversineMeters(a: LatLon, b: LatLon): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * MEAN_EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

export interface WeightedPoint extends LatLon {
  weight: number;
}

/**
 * Population-weighted centre of weighted points (e.g. Stadtviertel centroids weighted by residents).
 * Averaging lat/lon directly is accurate to metres at city scale. Returns undefined when no point has
 * a positive weight, so callers fall back to the geometric centroid deliberately.
 */
export function populationWeightedCentre(points: readonly WeightedPoint[]): LatLon | undefined {
  let w = 0,
    lat = 0,
    lon = 0;
  for (const p of points) {
    if (!(p.weight > 0)) continue;
    w += p.weight;
    lat += p.lat * p.weight;
    lon += p.lon * p.weight;
  }
  return w > 0 ? { lat: lat / w, lon: lon / w } : undefined;
}
