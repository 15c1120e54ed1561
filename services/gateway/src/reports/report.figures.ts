// The pictures of a Gebietsprofil — the map with the area highlighted and the time-series charts —
// described once, as vector shapes (SVG path data) and text labels in points, from the profile
// model. profile.pdf.ts draws the description with pdfkit (vector, sharp at any print size);
// profile.docx.ts rasterises its SVG form (report.raster.ts) into PNGs for Word. Both read the same
// figures the model holds for this viewer, so a chart never shows what the table withholds.
import type { GeoJsonGeometry } from '../sources.js';
import { type GebietsProfil, type ProfileIndicator, syntheticLabel } from './profile.model.js';
import { type Bbox, bboxOf } from './profile.service.js';
import { formatFigure, formatNumber, formatPeriod } from './report.format.js';

export const figureColours = {
  text: '#1a1a1a',
  muted: '#5a5a5a',
  accent: '#0b5394',
  highlight: '#d9480f',
  context: '#d0d7de',
  contextFill: '#f4f6f8',
  grid: '#c8c8c8',
} as const;

export interface FigureShape {
  /** SVG path data in the figure's coordinates (points, origin top left) */
  d: string;
  fill?: string;
  fillOpacity?: number;
  fillRule?: 'nonzero' | 'evenodd';
  stroke?: string;
  strokeWidth?: number;
}

export interface FigureLabel {
  text: string;
  /** anchor point; y is the baseline */
  x: number;
  y: number;
  size: number;
  bold?: boolean;
  color: string;
  anchor: 'start' | 'end';
}

export interface Figure {
  /** what a screen reader says instead of the picture */
  alt: string;
  /** short name (Word's selection pane) */
  name: string;
  width: number;
  height: number;
  shapes: FigureShape[];
  labels: FigureLabel[];
}

export interface ProfileFigures {
  map: Figure | null;
  charts: Figure[];
}

export const mapSize = { width: 240, height: 180 } as const;
export const chartSize = { width: 235, height: 95 } as const;

/** The map and one chart per indicator with at least two figures the viewer may see. */
export function profileFigures(p: GebietsProfil): ProfileFigures {
  return {
    map: p.map.area ? mapFigure(p.area.name, p.map.context, p.map.area, mapSize.width, mapSize.height) : null,
    charts: p.indicators.filter(isCharted).map((i) => chartFigure(p.area.name, i, chartSize.width, chartSize.height)),
  };
}

export function isCharted(i: ProfileIndicator): boolean {
  return i.series.filter((s) => s.value != null && !s.suppressed).length >= 2;
}

const n = (v: number) => (Math.round(v * 100) / 100).toString();
const q = (v: number) => (Math.round(v * 4) / 4).toString();

/** Equirectangular projection scaled by cos(latitude): fine for a city's extent. */
export function mapFigure(areaName: string, context: readonly GeoJsonGeometry[], area: GeoJsonGeometry, width: number, height: number): Figure {
  let box: Bbox = [...bboxOf(area)];
  for (const g of context) {
    const b = bboxOf(g);
    box = [Math.min(box[0], b[0]), Math.min(box[1], b[1]), Math.max(box[2], b[2]), Math.max(box[3], b[3])];
  }
  const k = Math.cos((((box[1] + box[3]) / 2) * Math.PI) / 180);
  const scale = Math.min(width / ((box[2] - box[0]) * k || 1), height / (box[3] - box[1] || 1));
  const ox = (width - (box[2] - box[0]) * k * scale) / 2;
  const oy = (height - (box[3] - box[1]) * scale) / 2;
  const trace = (g: GeoJsonGeometry): string => {
    const polygons = (g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : []) as number[][][][];
    const parts: string[] = [];
    for (const polygon of polygons)
      for (const ring of polygon) {
        // vertices on a grid of a quarter point (0.09 mm; 0.7 px at 200 dpi): a surveyed boundary
        // has far more than a 240-point map can show, and each one costs the PDF bytes and resvg time
        let d = '';
        let last = '';
        for (const [lon, lat] of ring) {
          const at = `${q(ox + (lon! - box[0]) * k * scale)} ${q(oy + (box[3] - lat!) * scale)}`;
          if (at === last) continue;
          d += `${d ? 'L' : 'M'}${at}`;
          last = at;
        }
        if (d) parts.push(`${d}Z`);
      }
    return parts.join('');
  };
  const shapes: FigureShape[] = [{ d: `M0 0H${width}V${height}H0Z`, fill: '#ffffff', stroke: figureColours.grid, strokeWidth: 0.5 }];
  const others = context.map(trace).join('');
  if (others) shapes.push({ d: others, fill: figureColours.contextFill, stroke: figureColours.context, strokeWidth: 0.4 });
  shapes.push({ d: trace(area), fill: figureColours.highlight, fillOpacity: 0.55, fillRule: 'evenodd', stroke: figureColours.highlight, strokeWidth: 1.2 });
  return { alt: `Karte: ${areaName} hervorgehoben zwischen den benachbarten Gebieten derselben Ebene`, name: `Karte ${areaName}`, width, height, shapes, labels: [] };
}

/**
 * DejaVu Sans averages about 0.6 em a character, its bold about 0.66 em: enough to keep a title
 * inside its chart in both outputs.
 */
function fit(text: string, size: number, width: number, bold = false): string {
  const max = Math.floor(width / (size * (bold ? 0.66 : 0.6)));
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

/**
 * A small line chart of the area's series (oldest first): first and last period, minimum and
 * maximum labelled. Only figures this viewer may see are plotted; a withheld ("gesperrt") period
 * is a gap with an open marker on the axis, and the alternative text lists every period as the
 * tables print it.
 */
export function chartFigure(areaName: string, i: ProfileIndicator, width: number, height: number): Figure {
  const points = i.series.flatMap((s, k) => (s.value != null && !s.suppressed ? [{ k, v: s.value }] : []));
  const withheld = i.series.flatMap((s, k) => (s.suppressed ? [k] : []));
  const title = `${i.name}${i.synthetic ? ` (${syntheticLabel})` : ''}`;
  const labels: FigureLabel[] = [{ text: fit(title, 8, width, true), x: 0, y: 9, size: 8, bold: true, color: figureColours.text, anchor: 'start' }];
  const top = 14;
  const h = height - 28;
  const left = 30;
  const right = width - 10;
  const shapes: FigureShape[] = [{ d: `M${left} ${top}V${top + h}H${right}`, stroke: figureColours.grid, strokeWidth: 0.4 }];
  const values = points.map((s) => s.v);
  const min = values.length ? Math.min(...values) : 0;
  const max = values.length ? Math.max(...values) : 0;
  const span = max - min || Math.abs(max) || 1;
  const steps = Math.max(1, i.series.length - 1);
  const px = (k: number) => left + (k / steps) * (right - left);
  const py = (v: number) => top + h - ((v - min) / span) * h;
  if (points.length) {
    // a withheld period breaks the line instead of bridging it
    let d = '';
    points.forEach((s, idx) => {
      const joined = idx > 0 && points[idx - 1]!.k === s.k - 1;
      d += `${joined ? 'L' : 'M'}${n(px(s.k))} ${n(py(s.v))}`;
    });
    shapes.push({ d, stroke: figureColours.accent, strokeWidth: 1.2 });
    shapes.push({ d: points.map((s) => circle(px(s.k), py(s.v), 1.6)).join(''), fill: figureColours.accent });
    labels.push({ text: formatNumber(max, i.kind), x: left - 2, y: top + 3, size: 6.5, color: figureColours.muted, anchor: 'end' });
    labels.push({ text: formatNumber(min, i.kind), x: left - 2, y: top + h, size: 6.5, color: figureColours.muted, anchor: 'end' });
  }
  if (withheld.length) {
    shapes.push({ d: withheld.map((k) => circle(px(k), top + h, 2)).join(''), fill: '#ffffff', stroke: figureColours.muted, strokeWidth: 0.6 });
    labels.push({ text: '○ gesperrt', x: right, y: top + 6, size: 6.5, color: figureColours.muted, anchor: 'end' });
  }
  const first = i.series[0];
  const last = i.series.at(-1);
  if (first) labels.push({ text: formatPeriod(first.period), x: left - 8, y: top + h + 10, size: 6.5, color: figureColours.muted, anchor: 'start' });
  if (last && last !== first) labels.push({ text: formatPeriod(last.period), x: right, y: top + h + 10, size: 6.5, color: figureColours.muted, anchor: 'end' });
  const listed = i.series.map((s) => `${formatPeriod(s.period)}: ${formatFigure(s, i)}`).join('; ');
  return { alt: `Zeitreihe ${title} für ${areaName}: ${listed}`, name: `Zeitreihe ${i.name}`, width, height, shapes, labels };
}

function circle(cx: number, cy: number, r: number): string {
  return `M${n(cx - r)} ${n(cy)}A${r} ${r} 0 1 0 ${n(cx + r)} ${n(cy)}A${r} ${r} 0 1 0 ${n(cx - r)} ${n(cy)}Z`;
}

const escapeXml = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

/** The figure as a standalone SVG document (DejaVu Sans, white background), for rasterising. */
export function toSvg(f: Figure): string {
  const shapes = f.shapes.map(
    (s) =>
      `<path d="${s.d}" fill="${s.fill ?? 'none'}"${s.fillOpacity != null ? ` fill-opacity="${s.fillOpacity}"` : ''}${s.fillRule ? ` fill-rule="${s.fillRule}"` : ''}${
        s.stroke ? ` stroke="${s.stroke}" stroke-width="${s.strokeWidth ?? 1}" stroke-linejoin="round"` : ''
      }/>`,
  );
  const labels = f.labels.map(
    (l) =>
      `<text x="${n(l.x)}" y="${n(l.y)}" font-size="${l.size}"${l.bold ? ' font-weight="bold"' : ''} fill="${l.color}"${l.anchor === 'end' ? ' text-anchor="end"' : ''}>${escapeXml(l.text)}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${f.width}" height="${f.height}" viewBox="0 0 ${f.width} ${f.height}" font-family="DejaVu Sans">`,
    `<title>${escapeXml(f.alt)}</title>`,
    `<rect width="${f.width}" height="${f.height}" fill="#ffffff"/>`,
    ...shapes,
    ...labels,
    '</svg>',
  ].join('\n');
}
