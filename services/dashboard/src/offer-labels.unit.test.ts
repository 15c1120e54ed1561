// The kind of an offer as the Sozialatlas and the dashboard's facility table write it: the
// taxonomy's German labels of the offer type and its subtype, never the subtype's code (the QA sweep
// found „Schule (zweiter_bildungsweg)“ and „Schule (grundschule)“ in the Sozialatlas).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { offerKindLabel, subtypeLabels } from '../public/js/format.js';

const taxonomyYaml = readFileSync(fileURLToPath(new URL('../../../packages/feeds/catalogue/taxonomy.yaml', import.meta.url)), 'utf8');
/** the subtypes of the taxonomy (items at six spaces), code → label */
const taxonomySubtypes = new Map([...taxonomyYaml.matchAll(/^ {6}- \{ code: (\w+), label: "([^"]+)" \}/gm)].map((m) => [m[1]!, m[2]!]));

describe('offer kinds in words', () => {
  it('labels every subtype of the taxonomy with its German label', () => {
    expect(taxonomySubtypes.size).toBeGreaterThanOrEqual(10);
    expect(Object.fromEntries(taxonomySubtypes)).toEqual(subtypeLabels);
  });

  it('writes type and subtype in words, never the codes', () => {
    expect(offerKindLabel('schule', 'zweiter_bildungsweg')).toBe('Schule (2. Bildungsweg)');
    expect(offerKindLabel('schule', 'grundschule')).toBe('Schule (Grundschule)');
    expect(offerKindLabel('kita', null)).toBe('Kita');
    expect(offerKindLabel('schule', 'foerderschule', (type, sub) => `${type} – ${sub}`)).toBe('Schule – Förderschule');
    // a subtype the page does not know yet: its letters, without the code's underscores
    expect(offerKindLabel('schule', 'neue_schulform')).toBe('Schule (neue schulform)');
  });
});
