// The dashboard's projection and SVG path building (public/js/geo.js).
import { describe, expect, it } from 'vitest';
import { mapFrame } from '../public/js/areas.svg.js';
import { bounds, fitFrame, fitProjection, frameOf, labelPoint, pathData } from '../public/js/geo.js';

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
    expect(mapFrame(set(square), null).bbox).toEqual(bounds([square]));
    // Musterstadt's Fördergebiet in 2012: no area valid then; before, every outline was drawn as "MNaN NaN…"
    expect(mapFrame(set(), set(square)).bbox).toEqual(bounds([square]));
    expect(mapFrame(set(null), null).bbox).toEqual([0, 0, 1, 1]);
    const { project } = fitFrame(mapFrame(set(), set(square)), 400, 300);
    expect(pathData(square, project)).not.toMatch(/NaN/);
  });

  // A city of 10 × 10 square areas of 0.04° (about 2.7 × 4.4 km) near Hamburg, and its island 100 km
  // out in the North Sea (Neuwerk: a Stadtteil of Hamburg-Mitte, 3 km across).
  const box = (lon: number, lat: number, w: number, h = w) => ({
    type: 'Polygon',
    coordinates: [
      [
        [lon, lat],
        [lon + w, lat],
        [lon + w, lat + h],
        [lon, lat + h],
        [lon, lat],
      ],
    ],
  });
  const city = Array.from({ length: 100 }, (_, i) => box(9.8 + (i % 10) * 0.04, 53.4 + Math.floor(i / 10) * 0.04, 0.04));
  const island = box(8.49, 53.91, 0.035, 0.02);
  // the map's height follows the frame's shape, as drawAreaShapes makes it
  const heightFor = (b: number[]) => Math.round((1000 * (b[3]! - b[1]!)) / ((b[2]! - b[0]!) * Math.cos((((b[1]! + b[3]!) / 2) * Math.PI) / 180)));
  const area = (geometry: unknown, code: string) => ({ code, name: code, level: 'L', parent: null, bezirk: null, geometry }) as never;

  it('frames the bulk of the areas and leaves a far-off small island to an inset: the city fills the map', () => {
    const frame = mapFrame({ areas: [...city, island].map((g, i) => area(g, String(i))), byCode: new Map() } as never, null);
    expect(frame.bbox).toEqual(bounds(city));
    expect(frame.outliers).toEqual(bounds([island]));
    const fitted = fitFrame(frame, 1000, heightFor(frame.bbox), 10);
    // before, the frame held the island too: the city took under a quarter of the width
    const [left] = fitted.project(9.8, 53.6);
    const [right] = fitted.project(10.2, 53.6);
    expect(right - left).toBeGreaterThan(950);
    // the island is drawn inside the inset, at the map's scale, in the corner towards it (north-west)
    const inset = fitted.inset!;
    expect(inset).toMatchObject({ x: 10, y: 10, reduced: false });
    for (const [lon, lat] of island.coordinates[0]!) {
      const [x, y] = fitted.project(lon!, lat!);
      expect(x).toBeGreaterThanOrEqual(inset.x);
      expect(x).toBeLessThanOrEqual(inset.x + inset.width);
      expect(y).toBeGreaterThanOrEqual(inset.y);
      expect(y).toBeLessThanOrEqual(inset.y + inset.height);
    }
    // a click (the Sozialatlas) finds its place again, on the island as in the city
    for (const [lon, lat] of [
      [8.5, 53.92],
      [10.0, 53.5],
    ] as const) {
      const [ulon, ulat] = fitted.unproject(...fitted.project(lon, lat));
      expect(ulon).toBeCloseTo(lon, 9);
      expect(ulat).toBeCloseTo(lat, 9);
    }
  });

  it('puts the inset in the corner that hides no area, towards the island only on a tie', () => {
    // the city without its north-west block of 3 × 3 areas: the north-west corner is empty
    const open = city.filter((_, i) => !(i % 10 < 3 && Math.floor(i / 10) >= 7));
    const fitted = fitFrame(frameOf([...open, island]), 1000, heightFor(bounds(city)), 10);
    expect(fitted.inset).toMatchObject({ x: 10, y: 10 });
    // without the north-east block instead, the island's corner is taken: the inset moves there
    const eastOpen = city.filter((_, i) => !(i % 10 >= 7 && Math.floor(i / 10) >= 7));
    const moved = fitFrame(frameOf([...eastOpen, island]), 1000, heightFor(bounds(city)), 10);
    expect(moved.inset!.y).toBe(10);
    expect(moved.inset!.x + moved.inset!.width).toBeCloseTo(990, 6);
  });

  it('keeps everything in the frame when nothing is far off, or when the far part is no small one', () => {
    expect(frameOf(city)).toMatchObject({ bbox: bounds(city), outliers: null });
    // a compact city with areas of very different sizes: the large ones at the edge are not far off
    expect(frameOf([...city, box(10.2, 53.4, 0.3)]).outliers).toBeNull();
    // a far part with a tenth of the land is part of the city's picture, not an inset
    const big = box(8.5, 53.9, 0.2, 0.2);
    expect(frameOf([...city, big])).toMatchObject({ bbox: bounds([...city, big]), outliers: null });
    // one island of a MultiPolygon counts as a part of its own (Hamburg-Mitte with Neuwerk, as a Bezirk)
    const mitte = { type: 'MultiPolygon', coordinates: [city[0]!.coordinates, island.coordinates] };
    expect(frameOf([mitte, ...city.slice(1)]).outliers).toEqual(bounds([island]));
    expect(fitFrame(frameOf(city), 400, 300).inset).toBeNull();
  });
});
