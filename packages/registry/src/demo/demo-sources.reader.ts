// Reads the public Köln infrastructure files for the demo registry from the shared data root
// (data/koeln/infrastruktur, see its SOURCE.txt).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDataRoot } from '@sp/spatial';
import { osmLayers, type DemoSources, type GeoCollection, type OsmLayer } from './demo-registry.builder.js';

export function readDemoSources(dataRoot: string = defaultDataRoot()): DemoSources {
  const dir = join(dataRoot, 'data/koeln/infrastruktur');
  const read = (file: string): GeoCollection => JSON.parse(readFileSync(join(dir, file), 'utf8')) as GeoCollection;
  return {
    schools: read('koeln_schulen_stadt_koeln.geojson'),
    playgrounds: read('koeln_spielplaetze_stadt_koeln.geojson'),
    osm: Object.fromEntries(osmLayers.map((l) => [l, read(`osm_2013/osm_amenity_${l}.geojson`)])) as Record<OsmLayer, GeoCollection>,
  };
}
