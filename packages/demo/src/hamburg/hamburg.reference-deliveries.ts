// Hamburg's spatial reference as the deliveries its statistics office sends through the ingestion
// API (docs/spatial-reference.md), made from the same description as the built-in pack
// (hamburgReferenceDescription, so levels, codes, parents and validity are the pack's): the levels,
// each hierarchy level's areas as a GeoJSON FeatureCollection straight from the published geometry
// (each feature's properties mapped to the area record's fields by the level's code, name and
// parent rule), the statistical units that join two Stadtteile as union areas, and last the root —
// the delivered reference replaces the tenant's pack only once its root area is there, so it takes
// over complete.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type ParentRule, referenceDescriptionSchema } from '@sp/spatial';
import { hamburgFiles, hamburgReferenceDescription, namedFeatures, statisticalUnits } from './reference.generate.js';
import { parseStadtteilProfile } from './stadtteilprofile.parser.js';

export interface ReferenceDelivery {
  recordType: 'area-level' | 'area';
  contentType: 'application/json' | 'application/geo+json';
  /** what it is (a level's label), for messages */
  what: string;
  body: string;
}

const geometrySource = 'Landesbetrieb Geoinformation und Vermessung Hamburg (ALKIS), aufbereitet von Open Data Product';
const joinedSource = 'Statistikamt Nord, Hamburger Stadtteil-Profile 2014 (zusammengefasste Stadtteile)';

interface Feature {
  type: 'Feature';
  properties: Record<string, unknown>;
  geometry: unknown;
}

function parentOf(rule: ParentRule, code: string, properties: Record<string, unknown>, rootCode: string): string {
  if (rule.rule === 'root') return rootCode;
  if (rule.rule === 'prefix') return code.slice(0, rule.length);
  return String(properties[rule.property]);
}

/** The deliveries in the order they are sent. */
export function hamburgReferenceDeliveries(dataRoot: string): ReferenceDelivery[] {
  const read = (p: string) => readFileSync(resolve(dataRoot, p), 'utf8');
  const bezirke = namedFeatures(read(hamburgFiles.bezirke)).map((b) => b.name);
  const profile = parseStadtteilProfile(read(hamburgFiles.profile), { bezirke });
  const d = referenceDescriptionSchema.parse(hamburgReferenceDescription(statisticalUnits(profile, namedFeatures(read(hamburgFiles.stadtteile)))));
  const json = (what: string, recordType: ReferenceDelivery['recordType'], records: unknown[]): ReferenceDelivery => ({
    recordType,
    contentType: 'application/json',
    what,
    body: JSON.stringify({ records }),
  });
  const rootLabel = d.root.label ?? 'Stadt';
  const levels = [
    { version: 1, level: d.root.level, label: rootLabel, parentLevel: null, kind: 'hierarchy', coverage: 'complete', source: geometrySource },
    ...d.levels.map((l, i) => ({
      version: 1,
      level: l.level,
      label: l.label,
      parentLevel: i === 0 ? d.root.level : d.levels[i - 1]!.level,
      kind: 'hierarchy',
      coverage: l.coverage,
      source: geometrySource,
    })),
    ...d.planningLevels.map((l) => ({ version: 1, level: l.level, label: l.label, parentLevel: null, kind: 'union', coverage: 'partial', source: geometrySource })),
  ];
  const hierarchy = d.levels.map((l): ReferenceDelivery => {
    const fc = JSON.parse(read(l.file)) as { features: Feature[] };
    const features = fc.features.map((f) => {
      const code = String(f.properties[l.codeProperty]);
      const properties = {
        version: 1,
        level: l.level,
        code,
        name: String(f.properties[l.nameProperty]),
        parent: parentOf(l.parent, code, f.properties, d.root.code),
        validFrom: l.validFrom,
        validTo: l.validTo,
        source: geometrySource,
      };
      return { type: 'Feature', properties, geometry: f.geometry };
    });
    return { recordType: 'area', contentType: 'application/geo+json', what: l.label, body: JSON.stringify({ type: 'FeatureCollection', features }) };
  });
  const unions = d.planningLevels.map((l) =>
    json(
      l.label,
      'area',
      l.areas.map((a) => ({
        version: 1,
        level: l.level,
        code: a.code,
        name: a.name,
        parent: null,
        members: a.members.flatMap((m) => m.codes.map((code) => ({ level: m.level, code }))),
        validFrom: a.validFrom,
        validTo: a.validTo,
        source: joinedSource,
      })),
    ),
  );
  const root = json(rootLabel, 'area', [{ version: 1, level: d.root.level, code: d.root.code, name: d.root.name, parent: null, validFrom: d.root.validFrom, source: geometrySource }]);
  return [json('Ebenen', 'area-level', levels), ...hierarchy, ...unions, root];
}
