// The dashboard's projection and SVG path building (public/js/geo.js).
import { describe, expect, it } from 'vitest';
import { mapFrame } from '../public/js/areas.svg.js';
import { bounds, fitProjection, labelPoint, pathData } from '../public/js/geo.js';

// a 0.2° × 0.1° rectangle at Köln's latitude with a square hole
const square = {
  type: 'Polygon',
  coordinates: [
    [
      [6.8, 50.9],
      [7.0, 50.9],
      [7.0, 51.0],
      [6.8, 51.0],
      [6.8, 50.9],
    ],
    [
      [6.85, 50.92],
      [6.87, 50.92],
      [6.87, 50.94],
      [6.85, 50.94],
      [6.85, 50.92],
    ],
  ],
};

describe('geo', () => {
  it('finds the bounding box of polygons and multipolygons', () => {
    const multi = {
      type: 'MultiPolygon',
      coordinates: [
        [
          [
            [7.1, 50.8],
            [7.2, 50.8],
            [7.2, 50.85],
            [7.1, 50.8],
          ],
        ],
      ],
    };
    expect(bounds([square, multi, null])).toEqual([6.8, 50.8, 7.2, 51.0]);
  });

  it('scales longitude by cos(latitude) and puts north up', () => {
    const { project } = fitProjection([6.8, 50.9, 7.0, 51.0], 1000, 1000, 0);
    const [x0, y0] = project(6.8, 51.0);
    const [x1, y1] = project(7.0, 50.9);
    const k = Math.cos((50.95 * Math.PI) / 180);
    // 0.2° of longitude is 0.2·cos(50.95°) ≈ 0.126 "degrees of latitude" wide: wider than tall
    expect((x1 - x0) / (y1 - y0)).toBeCloseTo((0.2 * k) / 0.1, 6);
    expect(y0).toBeLessThan(y1); // north (51.0) is at the top
    expect(Math.max(x1 - x0, y1 - y0)).toBeCloseTo(1000, 6); // fills the box
  });

  it('writes one closed subpath per ring and drops sub-pixel vertices', () => {
    const { project } = fitProjection(bounds([square]), 400, 300);
    const d = pathData(square, project);
    expect(d.match(/M/g)).toHaveLength(2);
    expect(d.match(/Z/g)).toHaveLength(2);
    const dense = {
      type: 'Polygon',
      coordinates: [
        [
          [6.8, 50.9],
          [6.800001, 50.9],
          [6.800002, 50.9],
          [7.0, 50.9],
          [7.0, 51.0],
          [6.8, 51.0],
          [6.8, 50.9],
        ],
      ],
    };
    expect(pathData(dense, project).match(/L/g)).toHaveLength(4);
  });

  it('puts the label point inside the largest ring', () => {
    const { project } = fitProjection(bounds([square]), 400, 300);
    const [cx, cy] = labelPoint(square, project)!;
    const [x0, y0] = project(6.8, 51.0);
    const [x1, y1] = project(7.0, 50.9);
    expect(cx).toBeCloseTo((x0 + x1) / 2, 6);
    expect(cy).toBeCloseTo((y0 + y1) / 2, 6);
  });

  it('frames a map by the outlines when no area of its level has a boundary in the period, never by infinite bounds', () => {
    const area = (geometry: unknown) => ({ code: 'x', name: 'x', level: 'L', parent: null, bezirk: null, geometry }) as never;
    const set = (...geometries: unknown[]) => ({ areas: geometries.map(area), byCode: new Map() });
    expect(mapFrame(set(square), null)).toEqual(bounds([square]));
    // Musterstadt's Fördergebiet in 2012: no area valid then; before, every outline was drawn as "MNaN NaN…"
    expect(mapFrame(set(), set(square))).toEqual(bounds([square]));
    expect(mapFrame(set(null), null)).toEqual([0, 0, 1, 1]);
    const { project } = fitProjection(mapFrame(set(), set(square)), 400, 300);
    expect(pathData(square, project)).not.toMatch(/NaN/);
  });
});
