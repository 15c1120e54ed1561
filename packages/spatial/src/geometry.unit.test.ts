import { describe, expect, it } from 'vitest';
import { haversineMeters, populationWeightedCentre } from './distance.js';
import { areaM2, bboxOf, centroidOf, containsPoint, interiorPoint, toMultiPolygon, type MultiPolygon } from './geometry.js';

const square = (x0: number, y0: number, x1: number, y1: number) => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
  [x0, y0],
];

describe('containsPoint', () => {
  const withHole: MultiPolygon = toMultiPolygon({ type: 'Polygon', coordinates: [square(0, 0, 10, 10), square(4, 4, 6, 6)] });
  const multi: MultiPolygon = { type: 'MultiPolygon', coordinates: [[square(0, 0, 1, 1)], [square(5, 5, 6, 6)]] };

  it('excludes points inside a hole and includes the ring around it', () => {
    expect(containsPoint(withHole, 5, 5)).toBe(false);
    expect(containsPoint(withHole, 2, 2)).toBe(true);
    expect(containsPoint(withHole, 5, 8)).toBe(true);
    expect(containsPoint(withHole, 11, 5)).toBe(false);
  });

  it('finds points in any part of a MultiPolygon', () => {
    expect(containsPoint(multi, 0.5, 0.5)).toBe(true);
    expect(containsPoint(multi, 5.5, 5.5)).toBe(true);
    expect(containsPoint(multi, 3, 3)).toBe(false);
  });

  it('handles a concave polygon (U shape) where the centroid falls outside', () => {
    const u = toMultiPolygon({
      type: 'Polygon',
      coordinates: [
        [
          [0, 0],
          [3, 0],
          [3, 3],
          [2, 3],
          [2, 1],
          [1, 1],
          [1, 3],
          [0, 3],
          [0, 0],
        ],
      ],
    });
    expect(containsPoint(u, 2, 1.5)).toBe(false); // inside the notch
    expect(containsPoint(u, 2, 0.5)).toBe(true);
    const p = interiorPoint(u);
    expect(containsPoint(u, p.lat, p.lon)).toBe(true);
  });
});

describe('area, centroid, bbox', () => {
  it('computes the spherical area of a 1°×1° cell at the equator', () => {
    const R = 6_378_137;
    const expected = R * R * (Math.PI / 180) * Math.sin(Math.PI / 180);
    expect(areaM2(toMultiPolygon({ type: 'Polygon', coordinates: [square(0, 0, 1, 1)] }))).toBeCloseTo(expected, -3);
  });

  it('subtracts holes and does not depend on ring orientation', () => {
    const outerCw = [...square(0, 0, 1, 1)].reverse();
    const full = areaM2(toMultiPolygon({ type: 'Polygon', coordinates: [outerCw] }));
    const holed = areaM2(toMultiPolygon({ type: 'Polygon', coordinates: [outerCw, square(0.25, 0.25, 0.75, 0.75)] }));
    expect(holed / full).toBeCloseTo(0.75, 3);
  });

  it('puts the centroid of a symmetric shape in its middle and the bbox around it', () => {
    const g = toMultiPolygon({ type: 'Polygon', coordinates: [square(6, 50, 8, 52), square(6.5, 50.5, 7.5, 51.5)] });
    const c = centroidOf(g);
    expect(c.lat).toBeCloseTo(51, 9);
    expect(c.lon).toBeCloseTo(7, 9);
    expect(bboxOf(g)).toEqual({ minLon: 6, minLat: 50, maxLon: 8, maxLat: 52 });
  });
});

describe('distance', () => {
  it('measures one degree of longitude on the equator and Köln Dom → Düsseldorf Hbf', () => {
    expect(haversineMeters({ lat: 0, lon: 0 }, { lat: 0, lon: 1 })).toBeCloseTo((2 * Math.PI * 6_371_008.8) / 360, 3);
    // Dom 50.9413/6.9583, Düsseldorf Hbf 51.2199/6.7942 — about 33.4 km as the crow flies
    const d = haversineMeters({ lat: 50.9413, lon: 6.9583 }, { lat: 51.2199, lon: 6.7942 });
    expect(d).toBeGreaterThan(33_000);
    expect(d).toBeLessThan(34_000);
  });

  it('weights centres by population and ignores zero weights', () => {
    const c = populationWeightedCentre([
      { lat: 50, lon: 7, weight: 3 },
      { lat: 51, lon: 8, weight: 1 },
      { lat: 80, lon: 80, weight: 0 },
    ]);
    expect(c).toEqual({ lat: 50.25, lon: 7.25 });
    expect(populationWeightedCentre([{ lat: 1, lon: 1, weight: 0 }])).toBeUndefined();
  });
});
