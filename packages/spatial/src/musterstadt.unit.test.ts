// A second, fictional city loaded through the same loader: other level names, a parent rule by
// property, a hole filled by an enclave, a partial finer level and planning areas from CSV and inline.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SpatialReferenceError } from './area.js';
import { loadReference } from './reference.loader.js';

const fixture = fileURLToPath(new URL('../reference/fixtures/musterstadt.yaml', import.meta.url));
const ref = loadReference(fixture, { dataRoot: '/nonexistent' }); // ./ paths never touch the data root
const LON0 = 6.99,
  LAT0 = 51.18;
const at = (dx: number, dy: number) => ref.locate(LAT0 + dy, LON0 + dx);

describe('Musterstadt reference', () => {
  it('has the root, 7 Sozialräume and 4 Wohnplätze with parents from a property', () => {
    expect(ref.hierarchyLevels).toEqual(['STADT', 'SOZIALRAUM', 'WOHNPLATZ']);
    expect(ref.areas('SOZIALRAUM').map((a) => a.code)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expect(ref.get('WOHNPLATZ', '701')?.parent).toEqual({ level: 'SOZIALRAUM', code: '7' });
    expect(ref.get('SOZIALRAUM', '7')?.children.map((c) => c.code)).toEqual(['701', '702']);
    expect(ref.root.children).toHaveLength(7);
  });

  it('locates a point in the enclave hole of Sozialraum 1 in Sozialraum 7', () => {
    const inHole = at(0.008, 0.0075);
    expect(inHole?.byLevel.SOZIALRAUM?.code).toBe('7');
    expect(inHole?.byLevel.WOHNPLATZ?.code).toBe('701');
    expect(inHole?.byLevel.STADT?.code).toBe('0');
    const beside = at(0.002, 0.0075);
    expect(beside?.byLevel.SOZIALRAUM?.code).toBe('1');
    expect(beside?.byLevel.WOHNPLATZ).toBeUndefined(); // partial level: not every point has one
  });

  it('returns undefined outside the town and for non-finite input', () => {
    expect(at(0.07, 0.015)).toBeUndefined(); // gap between the two eastern parts of Sozialraum 7
    expect(at(-0.01, 0.01)).toBeUndefined();
    expect(ref.locate(Number.NaN, 7)).toBeUndefined();
  });

  it('keeps planning areas by validity period (CSV 2020–2022, inline from 2023)', () => {
    expect(ref.areas('FOERDERGEBIET', { at: '2021-06-30' }).map((a) => a.code)).toEqual(['F1', 'F2']);
    expect(ref.areas('FOERDERGEBIET', { at: '2024-01-01' }).map((a) => a.code)).toEqual(['F9']);
    expect(ref.areas('FOERDERGEBIET').map((a) => a.code)).toEqual(['F9']); // currently valid
    // "7 (teilweise …)" is not a member: only Sozialraum 3
    expect(ref.get('FOERDERGEBIET', 'F2')?.members).toEqual([{ level: 'SOZIALRAUM', code: '3' }]);
    expect(ref.get('FOERDERGEBIET', 'F1')?.metadata).toEqual({ status: 'beschlossen' });
    expect(at(0.03, 0.01)?.planning).toEqual([]);
    expect(ref.locate(LAT0 + 0.0075, LON0 + 0.025, { at: '2021-01-01' })?.planning.map((p) => p.code)).toEqual(['F1']);
    expect(ref.locate(LAT0 + 0.003, LON0 + 0.067, { at: '2024-01-01' })?.planning.map((p) => p.code)).toEqual(['F9']);
  });

  it('sums member geometry into planning-area geometry', () => {
    const f1 = ref.get('FOERDERGEBIET', 'F1')!;
    const sum = ref.require('SOZIALRAUM', '1').areaM2 + ref.require('SOZIALRAUM', '2').areaM2;
    expect(f1.areaM2).toBeCloseTo(sum, 3);
  });
});

describe('loader errors name the problem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sp-spatial-'));
  const write = (name: string, body: string) => {
    const p = join(dir, name);
    writeFileSync(p, body);
    return p;
  };
  const geo = write(
    'a.geojson',
    JSON.stringify({
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { C: '11', P: '9' },
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [0, 0],
                [1, 0],
                [1, 1],
                [0, 0],
              ],
            ],
          },
        },
      ],
    }),
  );
  const yaml = (extra: string) =>
    `id: x\nname: X\nroot: { level: STADT, code: "0", name: X, validFrom: "2000-01-01" }\nlevels:\n  - { level: BEZIRK, label: B, file: ${geo}, codeProperty: C, nameProperty: C, parent: ${extra}, validFrom: "2000-01-01" }\n`;
  const codeOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return e instanceof SpatialReferenceError ? e.code : String(e);
    }
    return 'no error';
  };

  it('rejects an invalid description, an orphan, a missing file and an unknown member', () => {
    expect(codeOf(() => loadReference(write('bad.yaml', 'id: X\n')))).toBe('DESCRIPTION_INVALID');
    expect(codeOf(() => loadReference(write('orphan.yaml', yaml('{ rule: property, property: P }'))))).toBe('ORPHAN_AREA');
    expect(codeOf(() => loadReference(write('ok.yaml', yaml('{ rule: root }'))))).toBe('no error');
    expect(codeOf(() => loadReference(write('missing.yaml', yaml('{ rule: root }').replace(geo, '/nope.geojson'))))).toBe('FILE_UNREADABLE');
    const withPlanning = `${yaml('{ rule: root }')}planningLevels:\n  - { level: P, label: P, areas: [{ code: p1, name: P1, validFrom: "2000-01-01", members: [{ level: BEZIRK, codes: ["12"] }] }] }\n`;
    expect(codeOf(() => loadReference(write('member.yaml', withPlanning)))).toBe('UNKNOWN_MEMBER');
  });
});

describe('Musterstadt levels (readers read them from the reference, not from code)', () => {
  it('lists root, hierarchy and planning levels with labels, parents and whether they can be drawn', () => {
    expect(ref.levels).toEqual([
      { level: 'STADT', label: 'STADT', parentLevel: null, planning: false, hasGeometry: true },
      { level: 'SOZIALRAUM', label: 'Sozialraum', parentLevel: 'STADT', planning: false, hasGeometry: true },
      { level: 'WOHNPLATZ', label: 'Wohnplatz', parentLevel: 'SOZIALRAUM', planning: false, hasGeometry: true },
      { level: 'FOERDERGEBIET', label: 'Fördergebiet', parentLevel: null, planning: true, hasGeometry: true },
    ]);
    expect(ref.hasLevel('FOERDERGEBIET')).toBe(true);
    expect(ref.hasLevel('STADTTEIL')).toBe(false);
  });

  it('takes the finest complete level as the basis level (the partial Wohnplätze are not)', () => {
    expect(ref.basisLevel).toBe('SOZIALRAUM');
  });
});
