import { describe, expect, it } from 'vitest';
import { parseCatalogue } from './catalogue.js';
import { indicatorSchema, type Indicator } from './catalogue.schema.js';
import { canonicalDefinition, checkDefinition, overlayDefinitions } from './delivered-definitions.js';

const pack = () =>
  parseCatalogue(`
catalogueVersion: 1
datasets:
  bevoelkerung: { name: Bevölkerung, periodicity: year, amt: statistik, synthetic: false, confidentiality: public }
indicators:
  - { code: einwohner, version: 1, kind: count, name: Einwohner, definition: alle, unit: Personen, amt: statistik, polarity: 0, updateInterval: jährlich, synthetic: false, dataset: bevoelkerung, measure: einwohner, sourceLevel: SOZIALRAUM }
  - { code: kinder, version: 1, kind: count, name: Kinder, definition: "0-6", unit: Personen, amt: statistik, polarity: 0, updateInterval: jährlich, synthetic: false, dataset: bevoelkerung, measure: einwohner_alter, dimensions: { alter: ["0-3", "3-6"] }, sourceLevel: SOZIALRAUM }
`);
const common = { amt: 'statistik', polarity: 1, updateInterval: 'jährlich', synthetic: false, unit: '%', name: 'x', definition: 'x' };
const entry = (e: Record<string, unknown>): Indicator => indicatorSchema.parse({ ...common, ...e });
const anteil = entry({ code: 'kinderanteil', version: 1, kind: 'ratio', numerator: 'kinder', denominator: 'einwohner', factor: 100 });
const index = entry({
  code: 'index_kinder',
  version: 1,
  kind: 'index',
  unit: 'SD',
  inputs: [{ indicator: 'kinderanteil' }],
  levels: ['SOZIALRAUM'],
  classes: [
    { code: 'a', label: 'A', from: null },
    { code: 'b', label: 'B', from: 0 },
  ],
});
const levels = ['GEMEINDE', 'SOZIALRAUM'];

describe('checkDefinition', () => {
  it('accepts a new code at version 1 and gives the catalogue with it, so the next definition may read it', () => {
    const first = checkDefinition(pack(), anteil, levels);
    expect(first).toMatchObject({ ok: true, unchanged: false });
    if (!first.ok) return;
    expect(first.catalogue.get('kinderanteil')?.version).toBe(1);
    expect(checkDefinition(first.catalogue, index, levels)).toMatchObject({ ok: true });
    // without the ratio, the index reads an unknown indicator
    expect(checkDefinition(pack(), index, levels)).toMatchObject({ ok: false, issues: [{ path: ['inputs', 0, 'indicator'], code: 'UNKNOWN_INDICATOR', value: 'kinderanteil' }] });
  });

  it('takes the next version of a pack code, and the same version only unchanged', () => {
    const kinder = pack().require('kinder');
    expect(checkDefinition(pack(), entry({ ...kinder, version: 2, dimensions: { alter: ['0-3'] } }), levels)).toMatchObject({ ok: true, unchanged: false });
    expect(checkDefinition(pack(), kinder, levels)).toMatchObject({ ok: true, unchanged: true });
    expect(checkDefinition(pack(), entry({ ...kinder, name: 'Andere' }), levels)).toMatchObject({ ok: false, issues: [{ path: ['version'], code: 'VERSION_CONFLICT' }] });
    expect(checkDefinition(pack(), entry({ ...kinder, version: 3 }), levels)).toMatchObject({ ok: false, issues: [{ path: ['version'], code: 'VERSION_GAP', accepted: 'version 2' }] });
    expect(checkDefinition(pack(), { ...anteil, version: 2 }, levels)).toMatchObject({ ok: false, issues: [{ code: 'VERSION_GAP', accepted: 'version 1' }] });
  });

  it('names the field of a wrong kind, an undeclared dataset and a level the reference lacks', () => {
    const onRatio = checkDefinition(pack(), { ...anteil, code: 'x', denominator: 'kinderanteil' } as Indicator, levels);
    expect(onRatio).toMatchObject({ ok: false, issues: [{ path: ['denominator'], code: 'UNKNOWN_INDICATOR' }] });
    const withRatio = checkDefinition(pack(), anteil, levels);
    if (!withRatio.ok) throw new Error('ratio refused');
    expect(checkDefinition(withRatio.catalogue, { ...anteil, code: 'y', numerator: 'kinderanteil' } as Indicator, levels)).toMatchObject({
      ok: false,
      issues: [{ path: ['numerator'], code: 'WRONG_KIND' }],
    });
    const count = entry({ code: 'schueler', version: 1, kind: 'count', unit: 'Personen', dataset: 'schule', measure: 'schueler', sourceLevel: 'STADTTEIL' });
    expect(checkDefinition(pack(), count, levels)).toMatchObject({
      ok: false,
      issues: [
        { path: ['dataset'], code: 'UNKNOWN_DATASET', accepted: 'a declared dataset: bevoelkerung' },
        { path: ['sourceLevel'], code: 'UNKNOWN_AREA_LEVEL', accepted: 'a level of the reference: GEMEINDE | SOZIALRAUM' },
      ],
    });
    expect(checkDefinition(withRatio.catalogue, { ...index, levels: ['ORTSTEIL'] } as Indicator, levels)).toMatchObject({ ok: false, issues: [{ path: ['levels', 0], code: 'UNKNOWN_AREA_LEVEL' }] });
  });

  it("refuses a new version that breaks a definition reading it (the catalogue's own check)", () => {
    const withRatio = checkDefinition(pack(), anteil, levels);
    if (!withRatio.ok) throw new Error('ratio refused');
    // kinder as a change: the ratio over it would no longer read a count
    const asChange = entry({ code: 'kinder', version: 2, kind: 'change', of: 'einwohner', periods: 1, mode: 'absolute' });
    const checked = checkDefinition(withRatio.catalogue, asChange, levels);
    expect(checked).toMatchObject({ ok: false, issues: [{ code: 'INVALID_VALUE' }] });
    expect(checked.ok ? '' : checked.issues[0]!.message).toMatch(/kinderanteil/);
  });
});

describe('overlayDefinitions', () => {
  it("adds delivered versions to the pack's and new codes, leaving the pack untouched", () => {
    const base = pack();
    const kinder2 = entry({ ...base.require('kinder'), version: 2, dimensions: { alter: ['0-3'] } });
    const c = overlayDefinitions(base, [anteil, kinder2, index]);
    expect(c.versions('kinder').map((i) => i.version)).toEqual([1, 2]);
    expect(c.get('index_kinder')?.kind).toBe('index');
    expect(base.get('kinderanteil')).toBeUndefined();
  });

  it('leaves out, and names, a delivered version that no longer fits', () => {
    const skipped: string[] = [];
    const orphan = { ...index, code: 'index_orphan', inputs: [{ indicator: 'gibt_es_nicht' }] } as Indicator;
    const c = overlayDefinitions(pack(), [anteil, orphan], (i, reason) => skipped.push(`${i.code}: ${reason}`));
    expect(c.get('kinderanteil')).toBeDefined();
    expect(c.get('index_orphan')).toBeUndefined();
    expect(skipped).toEqual([expect.stringMatching(/^index_orphan: .*gibt_es_nicht/)]);
  });

  it('replaces a catalogue in place, so every holder sees the new definitions and caches see a new revision', () => {
    const live = pack();
    live.replaceWith(overlayDefinitions(live, [anteil]));
    expect(live.revision).toBe(1);
    expect(live.get('kinderanteil')).toBeDefined();
    expect(canonicalDefinition(live.require('kinderanteil'))).toBe(canonicalDefinition({ ...anteil }));
  });
});
