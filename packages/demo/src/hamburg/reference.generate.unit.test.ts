import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defaultDataRoot, loadReference } from '@sp/spatial';
import { describe, expect, it } from 'vitest';
import { hamburgReferencePath } from './hamburg.catalogues.js';
import { generateHamburgReferenceYaml, hamburgFiles, namedFeatures, statisticalUnits, UnitResolutionError } from './reference.generate.js';
import { parseStadtteilProfile } from './stadtteilprofile.parser.js';

const root = defaultDataRoot();
const read = (p: string) => readFileSync(resolve(root, p), 'utf8');

describe("Hamburg's spatial reference", () => {
  it('is the generated file, unchanged (pnpm hamburg:reference writes it)', () => {
    expect(readFileSync(hamburgReferencePath, 'utf8')).toBe(generateHamburgReferenceYaml(root));
  });

  const ref = loadReference(hamburgReferencePath);

  it('loads with 7 Bezirke, 104 Stadtteile and 181 Ortsteile, nested by the shared data', () => {
    expect(ref.hierarchyLevels).toEqual(['STADT', 'BEZIRK', 'STADTTEIL', 'ORTSTEIL']);
    expect(ref.areas('BEZIRK')).toHaveLength(7);
    expect(ref.areas('STADTTEIL')).toHaveLength(104);
    expect(ref.areas('ORTSTEIL')).toHaveLength(181);
    expect(ref.get('STADTTEIL', '0101')).toMatchObject({ name: 'Hamburg-Altstadt', parent: { level: 'BEZIRK', code: '01' } });
    expect(ref.get('ORTSTEIL', '142')).toMatchObject({ name: 'Neuwerk', parent: { level: 'STADTTEIL', code: '0121' } });
    expect(ref.get('BEZIRK', '03')!.children).toHaveLength(ref.areas('STADTTEIL').filter((s) => s.parent?.code === '03').length);
    expect(ref.attribution).toMatch(/Landesbetrieb Geoinformation und Vermessung \(dl-de\/by-2-0\)/);
  });

  it('holds the four joined statistical units as unions of their Stadtteile, with the joint geometry', () => {
    const units = ref.areas('STADTTEILVERBUND');
    expect(units.map((u) => [u.code, u.name])).toEqual([
      ['0117-0118', 'Kleiner Grasbrook und Steinwerder'],
      ['0119-0120', 'Waltershof und Finkenwerder'],
      ['0702-0703', 'Neuland und Gut Moor'],
      ['0711-0712', 'Moorburg und Altenwerder'],
    ]);
    const kg = units[0]!;
    expect(kg.members).toEqual([
      { level: 'STADTTEIL', code: '0117' },
      { level: 'STADTTEIL', code: '0118' },
    ]);
    const parts = kg.members.map((m) => ref.get('STADTTEIL', m.code)!.areaM2);
    expect(kg.areaM2).toBeCloseTo(parts[0]! + parts[1]!, -3);
  });

  it('resolves every profile unit to Stadtteile: 95 alone, 4 joined; Neuwerk has no row', () => {
    const bezirke = namedFeatures(read(hamburgFiles.bezirke)).map((b) => b.name);
    const units = statisticalUnits(parseStadtteilProfile(read(hamburgFiles.profile), { bezirke }), namedFeatures(read(hamburgFiles.stadtteile)));
    expect(units.filter((u) => u.members.length === 1)).toHaveLength(95);
    const covered = new Set(units.flatMap((u) => u.members));
    expect(covered.size).toBe(103);
    expect(
      ref
        .areas('STADTTEIL')
        .filter((s) => !covered.has(s.code))
        .map((s) => s.name),
    ).toEqual(['Neuwerk']);
  });

  it('refuses a unit that names no Stadtteil of the geometry', () => {
    const profile = parseStadtteilProfile(read(hamburgFiles.profile), { bezirke: namedFeatures(read(hamburgFiles.bezirke)).map((b) => b.name) });
    const withoutSteinwerder = namedFeatures(read(hamburgFiles.stadtteile)).filter((s) => s.name !== 'Steinwerder');
    expect(() => statisticalUnits(profile, withoutSteinwerder)).toThrow(UnitResolutionError);
    expect(() => statisticalUnits(profile, withoutSteinwerder)).toThrow(/line 16: "Kleiner Grasbrook und Steinwerder" names no Stadtteil of the geometry \("Steinwerder"\)/);
  });
});
