// Hamburg's spatial reference as the deliveries its statistics office sends through the ingestion
// API (docs/spatial-reference.md): the levels, the Bezirke, Stadtteile and Ortsteile as GeoJSON
// FeatureCollections straight from the published geometry (each feature's properties mapped to the
// area record's fields), the statistical units of the Stadtteil-Profile that join two Stadtteile as
// union areas, and last the root — the delivered reference replaces the tenant's pack only once its
// root area is there, so it takes over complete. The same levels, codes and validity as the pack
// (reference.generate.ts), so figures validate alike before and after.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { hamburgFiles, joinedUnitLevel, namedFeatures, statisticalUnits, unitCode } from './reference.generate.js';
import { parseStadtteilProfile } from './stadtteilprofile.parser.js';

export interface ReferenceDelivery {
  recordType: 'area-level' | 'area';
  contentType: 'application/json' | 'application/geo+json';
  /** what it is, for messages */
  what: string;
  body: string;
}

const validFrom = '2008-03-01';
const source = 'Landesbetrieb Geoinformation und Vermessung Hamburg (ALKIS), aufbereitet von Open Data Product';

interface Feature {
  type: 'Feature';
  properties: Record<string, unknown>;
  geometry: unknown;
}

/** The deliveries in the order they are sent. */
export function hamburgReferenceDeliveries(dataRoot: string): ReferenceDelivery[] {
  const read = (p: string) => readFileSync(resolve(dataRoot, p), 'utf8');
  const json = (what: string, recordType: ReferenceDelivery['recordType'], records: unknown[]): ReferenceDelivery => ({
    recordType,
    contentType: 'application/json',
    what,
    body: JSON.stringify({ records }),
  });
  const geo = (what: string, file: string, fields: (p: Record<string, unknown>) => { level: string; code: string; name: string; parent: string }): ReferenceDelivery => {
    const fc = JSON.parse(read(file)) as { features: Feature[] };
    const features = fc.features.map((f) => ({ type: 'Feature', properties: { version: 1, ...fields(f.properties), validFrom, source }, geometry: f.geometry }));
    return { recordType: 'area', contentType: 'application/geo+json', what, body: JSON.stringify({ type: 'FeatureCollection', features }) };
  };
  const bezirke = namedFeatures(read(hamburgFiles.bezirke)).map((b) => b.name);
  const profile = parseStadtteilProfile(read(hamburgFiles.profile), { bezirke });
  const joined = statisticalUnits(profile, namedFeatures(read(hamburgFiles.stadtteile))).filter((u) => u.members.length > 1);
  const level = (name: string, label: string, parentLevel: string | null, kind: 'hierarchy' | 'union', coverage: 'complete' | 'partial') => ({
    version: 1,
    level: name,
    label,
    parentLevel,
    kind,
    coverage,
    source,
  });
  return [
    json('Ebenen', 'area-level', [
      level('STADT', 'Stadt', null, 'hierarchy', 'complete'),
      level('BEZIRK', 'Bezirk', 'STADT', 'hierarchy', 'complete'),
      level('STADTTEIL', 'Stadtteil', 'BEZIRK', 'hierarchy', 'complete'),
      level('ORTSTEIL', 'Ortsteil', 'STADTTEIL', 'hierarchy', 'complete'),
      level(joinedUnitLevel, 'Zusammengefasste Stadtteile (statistische Einheit der Stadtteil-Profile)', null, 'union', 'partial'),
    ]),
    geo('Bezirke', hamburgFiles.bezirke, (p) => ({ level: 'BEZIRK', code: String(p.id), name: String(p.name), parent: '0' })),
    geo('Stadtteile', hamburgFiles.stadtteile, (p) => ({ level: 'STADTTEIL', code: String(p.id), name: String(p.name), parent: String(p.id).slice(0, 2) })),
    geo('Ortsteile', hamburgFiles.ortsteile, (p) => ({ level: 'ORTSTEIL', code: String(p.quarter_id_3), name: String(p.name), parent: String(p.district_region_id) })),
    json(
      'zusammengefasste Stadtteile',
      'area',
      joined.map((u) => ({
        version: 1,
        level: joinedUnitLevel,
        code: unitCode(u),
        name: u.name,
        parent: null,
        members: u.members.map((code) => ({ level: 'STADTTEIL', code })),
        validFrom,
        source: 'Statistikamt Nord, Hamburger Stadtteil-Profile 2014 (zusammengefasste Stadtteile)',
      })),
    ),
    json('Stadt', 'area', [{ version: 1, level: 'STADT', code: '0', name: 'Hamburg', parent: null, validFrom, source }]),
  ];
}
