import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CatalogueError, defaultCataloguePath, formatInputVersions, loadCatalogue, parseCatalogue, parseInputVersions } from './catalogue.js';

const catalogue = loadCatalogue();

describe('the shipped catalogue', () => {
  it('loads, and marks every indicator that reads a synthetic dataset as synthetic', () => {
    expect(catalogue.latest().length).toBeGreaterThan(30);
    for (const i of catalogue.latest()) {
      const synthetic = catalogue.datasetsOf(i.code).some((d) => catalogue.datasets[d]!.synthetic);
      expect(i.synthetic, i.code).toBe(synthetic);
    }
    expect(catalogue.require('sgb2_quote').synthetic).toBe(true);
    expect(catalogue.require('einwohner').synthetic).toBe(false);
  });

  it('defines the SGB-II-Quote as recipients under 65 over residents under 65 × 100', () => {
    const plan = catalogue.compile('sgb2_quote');
    expect(plan).toMatchObject({
      kind: 'ratio',
      factor: 100,
      synthetic: true,
      numerator: { dataset: 'sgb2', measure: 'sgb2_personen', dims: { alter: ['u15', '15-65'] } },
      denominator: { dataset: 'bevoelkerung', measure: 'einwohner_alter' },
    });
    if (plan.kind === 'ratio') expect(plan.denominator.dims.alter).toHaveLength(11); // 0–65 in 11 bands
  });

  it('keeps index versions and resolves input polarity from the inputs', () => {
    expect(catalogue.versions('index_soziale_lage').map((v) => v.version)).toEqual([1, 2]);
    const idx = catalogue.resolveIndex('index_soziale_lage');
    expect(idx.version).toBe(2);
    expect(idx.inputs.every((i) => i.polarity === -1)).toBe(true);
    expect(catalogue.resolveIndex('index_soziale_lage', 1).inputs).toHaveLength(3);
    expect(idx.classes.map((c) => c.from)).toEqual([null, -1, 1, 1.5]);
    expect(catalogue.resolveIndex('index_dynamik').classes.map((c) => c.from)).toEqual([null, -1, 1]);
    expect(catalogue.compile('sgb2_quote_veraenderung_12m')).toMatchObject({ kind: 'change', periods: 12, base: { code: 'sgb2_quote' } });
  });

  it('has every required metadata field for every indicator', () => {
    for (const i of catalogue.latest()) {
      expect(i.name.length).toBeGreaterThan(2);
      expect(['statistik', 'jobcenter', 'sozialamt', 'wohnungsamt', 'jugendamt', 'gesundheitsamt']).toContain(i.amt);
      expect([1, -1, 0]).toContain(i.polarity);
    }
  });
});

describe('catalogue errors', () => {
  const base = readFileSync(defaultCataloguePath, 'utf8');
  const codeOf = (text: string) => {
    try {
      parseCatalogue(text);
    } catch (e) {
      return e instanceof CatalogueError ? e.code : String(e);
    }
    return 'no error';
  };
  const head = `catalogueVersion: 1\ndatasets:\n  d: { name: d, periodicity: year, amt: statistik, synthetic: true }\n  r: { name: r, periodicity: year, amt: statistik, synthetic: false }\nindicators:\n`;
  const count = (code: string, extra = '') =>
    `  - { code: ${code}, version: 1, kind: count, name: n, definition: d, unit: u, amt: statistik, polarity: -1, updateInterval: jährlich, synthetic: true, dataset: d, measure: m${extra} }\n`;

  it('rejects a lost synthetic flag, unknown references, wrong kinds and duplicate versions', () => {
    expect(codeOf(base)).toBe('no error');
    expect(codeOf(head + count('a').replace('synthetic: true', 'synthetic: false'))).toBe('SYNTHETIC_FLAG');
    expect(
      codeOf(
        head +
          count('a') +
          `  - { code: q, version: 1, kind: ratio, name: n, definition: d, unit: u, amt: statistik, polarity: -1, updateInterval: jährlich, synthetic: true, numerator: a, denominator: zz, factor: 100 }\n`,
      ),
    ).toBe('UNKNOWN_INDICATOR');
    expect(
      codeOf(
        head +
          count('a') +
          `  - { code: q, version: 1, kind: ratio, name: n, definition: d, unit: u, amt: statistik, polarity: -1, updateInterval: jährlich, synthetic: true, numerator: a, denominator: a, factor: 100 }\n` +
          `  - { code: q2, version: 1, kind: ratio, name: n, definition: d, unit: u, amt: statistik, polarity: -1, updateInterval: jährlich, synthetic: true, numerator: q, denominator: a, factor: 100 }\n`,
      ),
    ).toBe('WRONG_KIND');
    expect(codeOf(head + count('a') + count('a'))).toBe('DUPLICATE_VERSION');
    expect(codeOf(head + count('a').replace('dataset: d', 'dataset: nope'))).toBe('UNKNOWN_DATASET');
    expect(codeOf(head + count('a').replace('kind: count', 'kind: sum'))).toBe('CATALOGUE_INVALID');
  });
});

describe('confidentiality of datasets', () => {
  it('makes every figure that involves a confidential dataset confidential; absent means confidential', () => {
    const cat = loadCatalogue();
    expect(cat.datasets.bevoelkerung!.confidentiality).toBe('public');
    expect(cat.confidential('einwohner')).toBe(false);
    expect(cat.confidential('anteil_65plus')).toBe(false);
    for (const code of ['sgb2_personen', 'sgb2_quote', 'sgb2_quote_veraenderung_12m', 'hze_quote', 'index_soziale_lage', 'grundsicherung_alter_quote']) expect(cat.confidential(code)).toBe(true);
    const parsed = parseCatalogue(`catalogueVersion: 1
datasets:
  d: { name: d, periodicity: year, amt: statistik, synthetic: false }
indicators:
  - { code: n, version: 1, kind: count, name: n, definition: n, unit: P, amt: statistik, polarity: 0, updateInterval: jährlich, synthetic: false, dataset: d, measure: n }
`);
    expect(parsed.confidential('n')).toBe(true);
  });
});

describe('catalogue uncertainty settings', () => {
  const head = 'catalogueVersion: 1\ndatasets:\n  r: { name: r, periodicity: year, amt: statistik, synthetic: false }\n';
  const body =
    'indicators:\n  - { code: n, version: 1, kind: count, name: n, definition: n, unit: P, amt: statistik, polarity: 0, updateInterval: jährlich, synthetic: false, dataset: r, measure: n }\n';
  it('defaults to 95 %, 20 cases and 100 persons when the section is absent', () => {
    expect(parseCatalogue(head + body).uncertainty).toEqual({ level: 0.95, minNumerator: 20, minDenominator: 100 });
  });
  it('reads a configured section and refuses a level outside 0.5 … 0.999 naming the field', () => {
    expect(parseCatalogue(`${head}uncertainty: { level: 0.9, minNumerator: 5 }\n${body}`).uncertainty).toEqual({ level: 0.9, minNumerator: 5, minDenominator: 100 });
    expect(() => parseCatalogue(`${head}uncertainty: { level: 95 }\n${body}`)).toThrow(/field uncertainty\.level/);
  });
  it('the shipped catalogue declares the defaults', () => {
    expect(loadCatalogue().uncertainty).toEqual({ level: 0.95, minNumerator: 20, minDenominator: 100 });
  });
});

describe('the input versions of an index', () => {
  const head = `catalogueVersion: 1
datasets:
  d: { name: d, periodicity: year, amt: statistik, synthetic: false }
indicators:
  - { code: e, version: 1, kind: count, name: e, definition: e, unit: P, amt: statistik, polarity: 0, updateInterval: jährlich, synthetic: false, dataset: d, measure: e }
  - { code: k, version: 1, kind: count, name: k, definition: k, unit: P, amt: statistik, polarity: 0, updateInterval: jährlich, synthetic: false, dataset: d, measure: k }
  - { code: q, version: 1, kind: ratio, name: q, definition: q, unit: "%", amt: statistik, polarity: 1, updateInterval: jährlich, synthetic: false, numerator: k, denominator: e, factor: 100 }
  - { code: c, version: 1, kind: change, name: c, definition: c, unit: pp, amt: statistik, polarity: 1, updateInterval: jährlich, synthetic: false, of: q, periods: 1, mode: absolute }
  - { code: i, version: 1, kind: index, name: i, definition: i, unit: SD, amt: statistik, polarity: 1, updateInterval: jährlich, synthetic: false, inputs: [{ indicator: c }], population: e, minPopulation: 0, classes: [{ code: a, label: a, from: null }] }
`;

  it('lists every indicator the index reads, through changes and ratios, at its latest version, sorted by code', () => {
    const v1 = parseCatalogue(head);
    expect(v1.inputVersions('i')).toEqual([
      { indicator: 'c', version: 1 },
      { indicator: 'e', version: 1 },
      { indicator: 'k', version: 1 },
      { indicator: 'q', version: 1 },
    ]);
    // a new version of a count two steps down changes the list of the unchanged index definition
    const v2 = parseCatalogue(
      `${head}  - { code: k, version: 2, kind: count, name: k, definition: k, unit: P, amt: statistik, polarity: 0, updateInterval: jährlich, synthetic: false, dataset: d, measure: k2 }\n`,
    );
    expect(v2.inputVersions('i', 1).find((v) => v.indicator === 'k')).toEqual({ indicator: 'k', version: 2 });
    expect(formatInputVersions(v2.inputVersions('i'))).not.toBe(formatInputVersions(v1.inputVersions('i')));
    expect(() => v1.inputVersions('q')).toThrow(CatalogueError);
  });

  it('stores a list as one string, the same in any order, and reads it back', () => {
    const list = [
      { indicator: 'b,@"x', version: 2 },
      { indicator: 'a', version: 1 },
    ];
    const stored = formatInputVersions(list);
    expect(stored).toBe(formatInputVersions([...list].reverse()));
    expect(parseInputVersions(stored)).toEqual([list[1], list[0]]);
    expect(formatInputVersions([])).toBe('');
    expect(parseInputVersions('')).toEqual([]);
    expect(parseInputVersions('not json')).toEqual([]);
  });
});
