// The shared figures of a Gebietsprofil: a chart plots only what the model gives the viewer (a
// withheld period is a gap, never a point), its alternative text lists every period as the tables
// print it, and the SVG form rasterises to a PNG of the figure's size at 200 dpi.
import { describe, expect, it } from 'vitest';
import type { ProfileFigure, ProfileIndicator } from './profile.model.js';
import { chartFigure, isCharted, mapFigure, toSvg } from './report.figures.js';
import { rasterise } from './report.raster.js';
import { pngSize } from '../testing/docx.fixture.js';

const figure = (period: string, value: number | null, extra: Partial<ProfileFigure> = {}): ProfileFigure => ({
  period,
  value,
  suppressed: false,
  suppressionReason: null,
  perturbed: false,
  ...extra,
});

const indicator = (series: ProfileFigure[], extra: Partial<ProfileIndicator> = {}): ProfileIndicator => ({
  code: 'sgb2_personen',
  name: 'Personen in SGB-II-Bedarfsgemeinschaften',
  unit: 'Personen',
  kind: 'count',
  polarity: 'NEGATIVE',
  synthetic: false,
  period: series.at(-1)?.period ?? '2012',
  area: series.at(-1) ?? null,
  parent: null,
  city: null,
  series,
  forbidden: false,
  ...extra,
});

/** The y coordinates of the points a chart plots (its filled circles). */
const plotted = (d: string) => [...d.matchAll(/M[\d.]+ ([\d.]+)A/g)].map((m) => Number(m[1]));

describe('chartFigure', () => {
  it('plots the public, perturbed figures and leaves a suppressed period out, saying so in the alt text', () => {
    const series = [
      figure('2010', 14, { perturbed: true }),
      // the cell the API withholds from the public: the model carries no value for it
      figure('2011', null, { suppressed: true, suppressionReason: 'Fallzahl unter 3' }),
      figure('2012', 17, { perturbed: true }),
    ];
    const chart = chartFigure('Altstadt/Süd', indicator(series), 235, 95);
    expect(isCharted(indicator(series))).toBe(true);
    const points = chart.shapes.find((s) => s.fill === '#0b5394')!;
    expect(plotted(points.d)).toHaveLength(2);
    // the line breaks at the gap: two moves, no line segment across 2011
    const line = chart.shapes.find((s) => s.stroke === '#0b5394' && !s.fill)!;
    expect(line.d.match(/M/g)).toHaveLength(2);
    expect(line.d).not.toContain('L');
    const texts = chart.labels.map((l) => l.text);
    expect(texts).toEqual(expect.arrayContaining(['14', '17', '2010', '2012', '○ gesperrt']));
    expect(chart.alt).toBe('Zeitreihe Personen in SGB-II-Bedarfsgemeinschaften für Altstadt/Süd: 2010: 14*; 2011: gesperrt (Fallzahl unter 3); 2012: 17*');
  });

  it('does not chart an indicator with fewer than two figures the viewer may see', () => {
    expect(isCharted(indicator([figure('2011', null, { suppressed: true }), figure('2012', 5)]))).toBe(false);
  });

  it('keeps a long title inside the chart and the full name in the alt text', () => {
    const long = 'Anteil der Haushalte mit Kindern unter 18 Jahren an allen Haushalten mit mindestens einer Person';
    const chart = chartFigure('Porz', indicator([figure('2011', 1), figure('2012', 2)], { name: long, kind: 'rate', unit: '%' }), 235, 95);
    expect(chart.labels[0]!.text.length).toBeLessThan(long.length);
    expect(chart.labels[0]!.text.endsWith('…')).toBe(true);
    expect(chart.alt).toContain(long);
  });
});

describe('toSvg and rasterise', () => {
  it('draw the map with the area highlighted as a PNG of the figure’s size at 200 dpi', async () => {
    const square = (x: number, y: number) => ({
      type: 'Polygon',
      coordinates: [
        [
          [x, y],
          [x + 0.01, y],
          [x + 0.01, y + 0.01],
          [x, y + 0.01],
          [x, y],
        ],
      ],
    });
    const map = mapFigure('Altstadt/Süd', [square(6.95, 50.93), square(6.97, 50.93)], square(6.96, 50.93), 240, 180);
    expect(map.alt).toBe('Karte: Altstadt/Süd hervorgehoben zwischen den benachbarten Gebieten derselben Ebene');
    const svg = toSvg(map);
    expect(svg).toContain('fill="#d9480f"');
    const r = await rasterise(map);
    expect(pngSize(r.png)).toEqual({ width: Math.round((240 * 200) / 72), height: Math.round((180 * 200) / 72) });
    expect({ width: r.width, height: r.height }).toEqual(pngSize(r.png));
  });

  it('keeps one vertex per quarter point of the map: a densely surveyed boundary does not bloat the PDF or the PNG', () => {
    // 2,000 vertices along a 0.001° edge of a 0.01° square: about 24 points of the map's width
    const edge = Array.from({ length: 2000 }, (_, i) => [6.95 + (i / 2000) * 0.01, 50.93]);
    const ring = [...edge, [6.96, 50.93], [6.96, 50.94], [6.95, 50.94], [6.95, 50.93]];
    const map = mapFigure('Dicht', [], { type: 'Polygon', coordinates: [ring] }, 240, 180);
    const area = map.shapes.at(-1)!.d;
    const vertices = area.match(/[ML]/g)!.length;
    expect(vertices).toBeLessThan(800);
    expect(vertices).toBeGreaterThan(3);
    // every vertex on the quarter-point grid
    for (const v of area.matchAll(/[ML]([\d.]+) ([\d.]+)/g)) for (const c of [v[1]!, v[2]!]) expect((Number(c) * 4) % 1).toBe(0);
  });

  it('escapes text so a name with markup characters stays text', () => {
    const chart = chartFigure('A & B <Süd>', indicator([figure('2011', 1), figure('2012', 2)], { name: 'x<y' }), 235, 95);
    const svg = toSvg(chart);
    expect(svg).toContain('x&lt;y');
    expect(svg).toContain('A &amp; B &lt;Süd&gt;');
    expect(svg).not.toContain('<Süd>');
  });
});
