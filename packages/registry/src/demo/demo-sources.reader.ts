// Reads the public Köln infrastructure files for the demo registry from the shared data root
// (data/koeln/infrastruktur, see its SOURCE.txt) and the 2012 Grundschule pupils per Stadtteil
// (data/koeln/statistik, SOURCE.txt item 3), from which the Grundschule capacities are estimated.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDataRoot } from '@sp/spatial';
import { osmLayers, type DemoSources, type GeoCollection, type OsmLayer } from './demo-registry.builder.js';

export function readDemoSources(dataRoot: string = defaultDataRoot()): DemoSources {
  const dir = join(dataRoot, 'data/koeln/infrastruktur');
  const read = (file: string): GeoCollection => JSON.parse(readFileSync(join(dir, file), 'utf8')) as GeoCollection;
  return {
    grundschulePupils2012: grundschulePupils(readFileSync(join(dataRoot, 'data/koeln/statistik/koeln_2012_schueler_allgemeinbildend_stadtteile.csv'), 'utf8')),
    schools: read('koeln_schulen_stadt_koeln.geojson'),
    playgrounds: read('koeln_spielplaetze_stadt_koeln.geojson'),
    osm: Object.fromEntries(osmLayers.map((l) => [l, read(`osm_2013/osm_amenity_${l}.geojson`)])) as Record<OsmLayer, GeoCollection>,
  };
}

/** "Nr." → "darunter Grundschule" of the pupils file (comma-separated, no quoted fields). */
function grundschulePupils(csv: string): Map<string, number> {
  const [header = '', ...rows] = csv.trim().split(/\r?\n/);
  const cols = header.split(',');
  const nr = cols.indexOf('Nr.');
  const gs = cols.indexOf('darunter Grundschule');
  if (nr < 0 || gs < 0) throw new Error('pupils file: columns "Nr." and "darunter Grundschule" expected');
  const out = new Map<string, number>();
  for (const row of rows) {
    const cells = row.split(',');
    const n = Number(cells[gs]);
    if (!Number.isInteger(n) || n < 0) throw new Error(`pupils file: "darunter Grundschule" of ${cells[nr]} is not a count: ${cells[gs]}`);
    out.set(String(cells[nr]).trim(), n);
  }
  return out;
}
