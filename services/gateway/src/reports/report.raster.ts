// Figures (report.figures.ts) as PNG for the DOCX: their SVG rasterised by resvg (Rust, in libuv's
// thread pool, so the gateway keeps answering while a Sozialbericht's pictures are drawn) with the
// reports' DejaVu Sans and no system fonts, so a picture looks the same on every host.
import { renderAsync } from '@resvg/resvg-js';
import { fontFiles, fontPath } from './report.fonts.js';
import { type Figure, toSvg } from './report.figures.js';

/** Print resolution of the pictures: 200 dpi at the figure's size in points. */
export const rasterDpi = 200;

export interface Raster {
  png: Uint8Array;
  /** pixels of the PNG */
  width: number;
  height: number;
}

export async function rasterise(f: Figure, dpi = rasterDpi): Promise<Raster> {
  const image = await renderAsync(toSvg(f), {
    fitTo: { mode: 'zoom', value: dpi / 72 },
    background: '#ffffff',
    // loading the two fonts takes about 30 ms a picture, most of a chart's time: the map, without text, skips it
    font: f.labels.length ? { fontFiles: [fontPath(fontFiles.body), fontPath(fontFiles.bold)], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' } : { loadSystemFonts: false },
  });
  return { png: new Uint8Array(image.asPng()), width: image.width, height: image.height };
}
