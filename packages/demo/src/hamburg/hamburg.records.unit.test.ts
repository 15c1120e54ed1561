import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { computeCompositeIndex, loadCatalogue } from '@sp/indicators';
import { defaultDataRoot } from '@sp/spatial';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { hamburgFeedCataloguePath, hamburgIndicatorCataloguePath } from './hamburg.catalogues.js';
import { hamburgIndexCode, hamburgIndexFromRecords, ratioValues } from './hamburg.index.js';
import { hamburgRecords } from './hamburg.records.js';
import { hamburgFiles, namedFeatures, statisticalUnits } from './reference.generate.js';
import { parseStadtteilProfile, type ProfileField } from './stadtteilprofile.parser.js';

const read = (p: string) => readFileSync(resolve(defaultDataRoot(), p), 'utf8');
const profile = parseStadtteilProfile(read(hamburgFiles.profile), { bezirke: namedFeatures(read(hamburgFiles.bezirke)).map((b) => b.name) });
const units = statisticalUnits(profile, namedFeatures(read(hamburgFiles.stadtteile)));
const records = hamburgRecords(profile, units);
const catalogue = loadCatalogue(hamburgIndicatorCataloguePath);
/** the 95 units that are one Stadtteil: code → profile row */
const single = new Map(
  profile.rows.flatMap((r) => {
    const u = units.find((x) => x.name === r.name && r.kind === 'stadtteil');
    return u && u.members.length === 1 ? [[u.members[0]!, r] as const] : [];
  }),
);
const published = (f: ProfileField) => new Map([...single].map(([code, r]) => [code, r.values[f]]));

describe("Hamburg's catalogues", () => {
  it('name only datasets, measures and dimension values the feed catalogue accepts', () => {
    const feeds = parseYaml(readFileSync(hamburgFeedCataloguePath, 'utf8')) as { datasets: Record<string, { measures: Record<string, { dimensions?: Record<string, string[]> }> }> };
    for (const i of catalogue.latest()) {
      if (i.kind !== 'count') continue;
      const m = feeds.datasets[i.dataset]?.measures[i.measure];
      expect(m, `${i.code}: ${i.dataset}/${i.measure}`).toBeDefined();
      for (const [d, vs] of Object.entries(i.dimensions)) for (const v of vs) expect(m!.dimensions?.[d]).toContain(v);
    }
  });
  it('mark every Hamburg figure real and public', () => {
    expect(catalogue.latest().every((i) => !i.synthetic)).toBe(true);
    expect(catalogue.confidential(hamburgIndexCode)).toBe(false);
  });
});

describe("Hamburg's records from the profile", () => {
  it('are 5 datasets × 99 units: 95 Stadtteile and 4 unions, with the joint figures at the union', () => {
    expect(records).toHaveLength(495);
    expect(new Set(records.filter((r) => r.areaLevel === 'STADTTEIL').map((r) => r.areaCode)).size).toBe(95);
    const kg = records.find((r) => r.areaLevel === 'STADTTEILVERBUND' && r.areaCode === '0117-0118' && r.dataset === 'mindestsicherung')!;
    expect(kg.observations).toContainEqual({ measure: 'sgb2_leistungsempfaenger', dimensions: {}, value: 244 });
    expect(records.every((r) => !r.synthetic && r.source === 'Statistikamt Nord, Hamburger Stadtteil-Profile 2014 (dl-de/by-2-0)')).toBe(true);
  });
  it('split the population into age groups that add up (18–65 = total − under 18 − 65+)', () => {
    const altstadt = records.find((r) => r.key === 'bevoelkerung|STADTTEIL|0101|2013')!;
    expect(altstadt.observations.map((o) => [o.dimensions.alter ?? '', o.value])).toEqual([
      ['', 1675],
      ['u18', 162],
      ['18-65', 1294],
      ['65+', 219],
    ]);
  });
  it('reproduce the published SGB II share and single-parent share of every Stadtteil from counts and denominators', () => {
    for (const [indicator, field] of [
      ['sgb2_anteil', 'sgb2Anteil'],
      ['anteil_alleinerziehende', 'anteilAlleinerziehende'],
      ['anteil_u18', 'anteilUnter18'],
    ] as const) {
      const computed = ratioValues(catalogue, records, 'STADTTEIL', indicator);
      for (const [code, pub] of published(field)) expect(Math.abs(computed.get(code)! - pub!), `${indicator} ${code}`).toBeLessThanOrEqual(0.05 + 1e-9);
    }
  });
});

describe("Hamburg's status index", () => {
  const result = hamburgIndexFromRecords(catalogue, records);
  const cls = (code: string) => result.areas.find((a) => a.areaCode === code)?.classCode;

  it('scores the 95 Stadtteile that are units of their own into four classes', () => {
    const counts: Record<string, number> = {};
    for (const a of result.areas) counts[a.classCode ?? 'none'] = (counts[a.classCode ?? 'none'] ?? 0) + 1;
    expect(counts).toEqual({ hoch: 16, mittel: 64, niedrig: 5, sehr_niedrig: 10 });
    expect(cls('0112')).toBe('sehr_niedrig'); // Billstedt
    expect(cls('0115')).toBe('sehr_niedrig'); // Veddel
    expect(cls('0101')).toBe('mittel'); // Hamburg-Altstadt
    expect(cls('0117')).toBeUndefined(); // Kleiner Grasbrook: only joined with Steinwerder
  });

  it('puts every Stadtteil in the same class as an index of the published shares would (the approximated denominators change no class)', () => {
    const def = catalogue.resolveIndex(hamburgIndexCode);
    const fromPublished = computeCompositeIndex(def, {
      inputs: { sgb2_anteil: published('sgb2Anteil'), mindestsicherung_u15_anteil: published('u15MindestsicherungAnteil'), arbeitslosenanteil: published('arbeitslosenanteil') },
      population: published('bevoelkerung'),
    });
    const differing = result.areas.filter((a) => fromPublished.areas.find((b) => b.areaCode === a.areaCode)!.classCode !== a.classCode);
    expect(differing).toEqual([]);
  });
});
