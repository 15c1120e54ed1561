import { Taxonomy } from '@sp/feeds';
import { describe, expect, it } from 'vitest';
import { loadRichtwerte, parseRichtwerte } from './richtwerte.catalogue.js';

describe('Richtwerte catalogue', () => {
  const catalogue = loadRichtwerte();

  it('ships the norms the needs analysis and the demo questions use', () => {
    expect(catalogue.version).toBeGreaterThanOrEqual(1);
    expect(catalogue.norms.map((n) => n.code)).toEqual(
      expect.arrayContaining(['kita_plaetze_1_6', 'pflegeheim_plaetze_80', 'ambulante_pflege_mmb', 'spielplaetze_kinder', 'offener_treff_einwohner', 'offener_treff_pflegende_angehoerige']),
    );
    const kita = catalogue.norms.find((n) => n.code === 'kita_plaetze_1_6')!;
    // children aged 1 to under 6 from the bands 0-3 and 3-6: two thirds of 0-3 plus all of 3-6
    expect(kita.targetPopulation.ageBands).toEqual({ '0-3': 2 / 3, '3-6': 1 });
    expect(kita).toMatchObject({ per: 100, supply: { measure: 'capacity', unit: 'plaetze' } });
  });

  it('speaks the taxonomy of @sp/feeds: offer types, target groups and capacity units exist', () => {
    const taxonomy = Taxonomy.load();
    for (const n of catalogue.norms) {
      for (const t of n.offerTypes) expect(taxonomy.offerTypes.find(t)?.code, `${n.code}: ${t}`).toBe(t);
      for (const g of n.targetGroups ?? []) expect(taxonomy.targetGroups.find(g)?.code, `${n.code}: ${g}`).toBe(g);
      for (const s of n.subtypes ?? [])
        expect(
          n.offerTypes.some((t) => taxonomy.offerTypes.find(t)?.subtypes?.some((x) => x.code === s)),
          `${n.code}: ${s}`,
        ).toBe(true);
      if (n.supply.measure === 'capacity') expect(taxonomy.capacityUnits.find(n.supply.unit)?.code, n.code).toBe(n.supply.unit);
    }
  });

  it('uses only age bands of the area statistics (einwohner_alter)', () => {
    const bands = new Set(['0-3', '3-6', '6-10', '6-15', '15-18', '18-21', '21-35', '35-60', '60-65', '65-75', '75-80', '80+']);
    for (const n of catalogue.norms) for (const b of Object.keys(n.targetPopulation.ageBands ?? {})) expect(bands.has(b), `${n.code}: ${b}`).toBe(true);
  });

  it('refuses duplicate codes, unknown fields and a capacity norm without unit', () => {
    const norm = `{ code: a, name: A, offerTypes: [kita], supply: { measure: count }, targetPopulation: { label: x }, per: 100, value: 1 }`;
    expect(() => parseRichtwerte(`version: 1\nvalidFrom: "2025-01-01"\nnorms: [${norm}, ${norm}]`)).toThrow(/duplicate norm code a/);
    expect(() =>
      parseRichtwerte(`version: 1\nvalidFrom: "2025-01-01"\nnorms: [{ code: a, name: A, offerTypes: [kita], supply: { measure: capacity }, targetPopulation: { label: x }, per: 100, value: 1 }]`),
    ).toThrow(/unit/);
    expect(() =>
      parseRichtwerte(
        `version: 1\nvalidFrom: "2025-01-01"\nnorms: [{ code: a, name: A, offerTypes: [kita], supply: { measure: count }, targetPopulation: { label: x }, per: 100, value: 1, typo: 1 }]`,
      ),
    ).toThrow(/typo/);
  });
});
