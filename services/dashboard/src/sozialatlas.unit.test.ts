// The Sozialatlas' plain-language search (public/js/lebenslagen.js): every life situation names
// target groups and offer types the registry taxonomy has, every language code is one the API
// accepts, and the form's choices become the search's variables as documented.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatDistance, languageLabels, lebenslagen, searchVariables } from '../public/js/lebenslagen.js';

const taxonomyYaml = readFileSync(fileURLToPath(new URL('../../../packages/feeds/catalogue/taxonomy.yaml', import.meta.url)), 'utf8');
/** the codes of a top-level list of the taxonomy (its items at two spaces, not their subtypes) */
const codesOf = (section: string) => {
  const body = taxonomyYaml.split(new RegExp(`^${section}:$`, 'm'))[1]!.split(/^\w+:$/m)[0]!;
  return new Set([...body.matchAll(/^ {2}- \{? ?code: (\w+)/gm)].map((m) => m[1]!));
};

const none = { lebenslage: '', targetGroup: '', offerType: '', language: '', area: null, point: null, radius: 0 };

describe('Sozialatlas search', () => {
  it('names only target groups and offer types of the taxonomy, and language codes the API accepts', () => {
    const groups = codesOf('targetGroups');
    const types = codesOf('offerTypes');
    expect([groups.size, types.has('schuldnerberatung'), types.has('grundschule')]).toEqual([18, true, false]);
    expect(lebenslagen.flatMap((l) => l.targetGroups).filter((g) => !groups.has(g))).toEqual([]);
    expect(lebenslagen.flatMap((l) => l.offerTypes ?? []).filter((t) => !types.has(t))).toEqual([]);
    expect(Object.keys(languageLabels).filter((c) => !/^[a-z]{2,3}$/.test(c))).toEqual([]);
    expect(new Set(lebenslagen.map((l) => l.code)).size).toBe(lebenslagen.length);
  });

  it('turns the choices into the variables of SozialatlasOffers', () => {
    expect(searchVariables(none)).toEqual({ offerTypes: null, targetGroups: null, languages: null, area: null, near: null });
    expect(searchVariables({ ...none, lebenslage: 'alleinerziehend', area: { level: 'STADTTEIL', code: '609' }, language: 'tr' })).toEqual({
      offerTypes: null,
      targetGroups: ['alleinerziehende'],
      languages: ['tr'],
      area: { level: 'STADTTEIL', code: '609' },
      near: null,
    });
    // a target group chosen by hand narrows the Lebenslage
    expect(searchVariables({ ...none, lebenslage: 'pflege', targetGroup: 'pflegende_angehoerige' }).targetGroups).toEqual(['pflegende_angehoerige']);
    // a point with a radius searches by distance instead of by area; a point without radius does not
    const point = { lat: 51.02, lon: 6.9 };
    expect(searchVariables({ ...none, area: { level: 'STADTTEIL', code: '609' }, point, radius: 1000 })).toMatchObject({ area: null, near: { lat: 51.02, lon: 6.9, radiusMeters: 1000 } });
    expect(searchVariables({ ...none, area: { level: 'STADTTEIL', code: '609' }, point, radius: 0 })).toMatchObject({ area: { code: '609' }, near: null });
  });

  it('says distances in plain German', () => {
    expect([formatDistance(347), formatDistance(1000), formatDistance(1249)]).toEqual(['350 m', '1 km', '1,2 km']);
  });
});
