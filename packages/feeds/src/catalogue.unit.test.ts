import { buildKoelnDemo } from '@sp/demo';
import { loadCatalogue } from '@sp/indicators';
import { describe, expect, it } from 'vitest';
import { FeedCatalogue } from './catalogue.js';
import { validateRecords } from './record.validators.js';
import { Taxonomy } from './taxonomy.js';
import { fixtureSpatialChecks } from './testing/spatial.fixture.js';

describe('feed catalogue', () => {
  const catalogue = FeedCatalogue.load();
  it('says which Amt may deliver which record types and datasets', () => {
    expect(catalogue.version).toBeGreaterThanOrEqual(1);
    expect(catalogue.mayDeliver('statistik', 'area-statistic')).toBe(true);
    expect(catalogue.mayDeliver('statistik', 'offer')).toBe(false);
    expect(catalogue.mayDeliver('planung', 'goal')).toBe(true);
    expect(catalogue.mayDeliver('jobcenter', 'goal')).toBe(false);
    expect(catalogue.datasetsOf('jobcenter')).toContain('sgb2');
    expect(catalogue.datasetsOf('statistik')).not.toContain('sgb2');
    for (const amt of ['statistik', 'jobcenter', 'sozialamt', 'gesundheitsamt', 'jugendamt', 'wohnungsamt', 'planung']) expect(catalogue.hasAmt(amt)).toBe(true);
  });

  it("takes a tenant's own Ämter instead of its own, keeping its datasets and limits", () => {
    const tenant = catalogue.withAmts([
      { code: 'kreisstatistik', name: 'Kreisstatistik', recordTypes: ['area-level', 'area', 'indicator-definition', 'dataset', 'area-statistic'], datasets: ['bevoelkerung'] },
      { code: 'kreisjugendamt', name: 'Kreisjugendamt', recordTypes: ['offer', 'area-statistic'] },
    ]);
    expect(tenant.amtCodes()).toEqual(['kreisstatistik', 'kreisjugendamt']);
    expect(tenant.amtName('kreisjugendamt')).toBe('Kreisjugendamt');
    expect(tenant.hasAmt('statistik')).toBe(false);
    expect(tenant.mayDeliver('kreisjugendamt', 'offer')).toBe(true);
    expect(tenant.mayDeliver('kreisjugendamt', 'goal')).toBe(false);
    expect(tenant.datasetsOf('kreisstatistik')).toEqual(['bevoelkerung']);
    expect(tenant.datasetsOf('kreisjugendamt')).toEqual([]);
    expect(tenant.hasDataset('sgb2')).toBe(true);
    expect(tenant.limits).toEqual(catalogue.limits);
    // the original is untouched
    expect(catalogue.hasAmt('statistik')).toBe(true);
    expect(() => catalogue.withAmts([{ code: 'a', name: 'A', recordTypes: ['area-statistic'], datasets: ['kein_datensatz'] }])).toThrow(/unknown dataset kein_datensatz/);
    expect(() => catalogue.withAmts([{ code: 'a', name: 'A', recordTypes: ['dataset'] }])).toThrow(/indicator-definition/);
  });
  it('refuses a catalogue naming an unknown dataset or record type', () => {
    expect(() => FeedCatalogue.parse('version: 1\ndatasets: {}\namts:\n  x:\n    name: X\n    recordTypes:\n      area-statistic: { datasets: [nope] }\n')).toThrow(/unknown dataset/);
    expect(() => FeedCatalogue.parse('version: 1\ndatasets: {}\namts:\n  x:\n    name: X\n    recordTypes:\n      pizza: {}\n')).toThrow();
  });
});

describe('prognose datasets', () => {
  it('maps an observed dataset and a scenario to the prognose dataset that holds it', () => {
    const s = FeedCatalogue.load().scenarioDatasets();
    expect(s.datasetFor('bevoelkerung', 'basis')).toBe('bevoelkerungsprognose_basis');
    expect(s.datasetFor('bevoelkerung', 'wachstum')).toBeUndefined();
    expect(s.datasetFor('sgb2', 'basis')).toBeUndefined();
    expect(s.scenarios()).toEqual(['basis']);
    expect(s.labelOf('basis')).toBe('Basisszenario');
    expect(FeedCatalogue.load().datasetsOf('prognose')).toEqual(['bevoelkerungsprognose_basis']);
  });

  it('refuses of/scenario without kind prognose, and a prognose of no observed dataset', () => {
    const file = (d: string) => `version: 1\ndatasets:\n  a: { label: A }\n  p: { label: P, ${d} }\namts: {}\n`;
    expect(() => FeedCatalogue.parse(file('of: a, scenario: { code: basis, label: B }'))).toThrow(/go with kind: prognose/);
    expect(() => FeedCatalogue.parse(file('kind: prognose, of: a'))).toThrow(/go with kind: prognose/);
    expect(() => FeedCatalogue.parse(file('kind: prognose, of: nope, scenario: { code: basis, label: B }'))).toThrow(/no observed dataset/);
    expect(FeedCatalogue.parse(file('kind: prognose, of: a, scenario: { code: basis, label: B }')).scenarioDatasets().datasetFor('a', 'basis')).toBe('p');
  });
});

describe('taxonomy', () => {
  const taxonomy = Taxonomy.load();
  it('has the offer types, target groups and capacity units the city asked for, with German labels', () => {
    const offerLabels = [
      'Kita',
      'Spielplatz',
      'Schule',
      'Jugendzentrum',
      'Hochschule',
      'Krankenhaus',
      'Seniorenheim',
      'Ambulanter Pflegedienst',
      'Kinderheim',
      'Frauenhaus',
      'Bürgerzentrum',
      'Offener Treff',
      'Bücherei',
      'Museum',
      'Park',
      'Sportanlage',
      'Sportverein',
      'Religionsgemeinschaft',
      'Verbraucherzentrale',
      'Verein',
      'Selbsthilfegruppe',
      'Arbeitslosenberatung',
      'Schuldnerberatung',
      'Familienberatung',
      'Sexualberatung',
      'Obdachlosenhilfe',
      'Hilfetelefon',
      'Integrationsangebot',
    ];
    const labels = taxonomy.file.offerTypes.map((t) => t.label);
    for (const l of offerLabels)
      expect(
        labels.some((x) => x.includes(l)),
        l,
      ).toBe(true);
    const groups = taxonomy.file.targetGroups.map((t) => t.label);
    for (const l of [
      'Familien mit Kindern',
      'Alleinerziehende',
      'Senior*innen',
      'Menschen mit Behinderung',
      'Kinder und Jugendliche',
      'Geflüchtete',
      'Pflegende Angehörige',
      'Arbeitslose',
      'Wohnungslose',
    ])
      expect(groups).toContain(l);
    for (const u of ['plaetze', 'stunden', 'betten']) expect(taxonomy.capacityUnits.find(u)).toBeDefined();
    const schule = taxonomy.offerTypes.find('schule')!;
    expect(taxonomy.subtypes(schule).codes()).toEqual(expect.arrayContaining(['grundschule', 'gymnasium', 'gesamtschule', 'foerderschule', 'berufskolleg']));
  });
  it('finds entries by code or German label', () => {
    expect(taxonomy.offerTypes.find('Offener Treff')?.code).toBe('offener_treff');
    expect(taxonomy.targetGroups.find('pflegende angehörige')?.code).toBe('pflegende_angehoerige');
    expect(taxonomy.offerTypes.find('pizzeria')).toBeUndefined();
  });
});

describe('feed catalogue and indicator catalogue agree', () => {
  const feeds = FeedCatalogue.load();
  const indicators = loadCatalogue();

  it('accepts every dataset, measure, dimension value and level an indicator reads', () => {
    const missing: string[] = [];
    for (const i of indicators.latest()) {
      if (i.kind !== 'count') continue;
      const dataset = feeds.dataset(i.dataset);
      const measure = dataset?.measures[i.measure];
      if (!dataset || !measure) {
        missing.push(`${i.code}: ${i.dataset}.${i.measure}`);
        continue;
      }
      if (!dataset.levels.includes(i.sourceLevel)) missing.push(`${i.code}: level ${i.sourceLevel}`);
      for (const [name, values] of Object.entries(i.dimensions)) for (const v of values) if (!measure.dimensions[name]?.includes(v)) missing.push(`${i.code}: ${name}=${v}`);
    }
    expect(missing).toEqual([]);
  });

  it('lists as levels of a dataset only levels an indicator reads it at', () => {
    for (const [code, dataset] of Object.entries(feeds.file.datasets)) {
      const read = new Set(indicators.latest().flatMap((i) => (i.kind === 'count' && i.dataset === code ? [i.sourceLevel] : [])));
      if (read.size > 0)
        expect(
          dataset.levels.filter((l) => !read.has(l)),
          code,
        ).toEqual([]);
    }
  });

  it('keeps the Köln demo delivery valid (every record of every dataset, per delivering Amt)', () => {
    const demo = buildKoelnDemo();
    const taxonomy = Taxonomy.load();
    const byAmt = new Map<string, unknown[]>();
    for (const r of [...demo.real, ...demo.synthetic]) {
      const amt = feeds.amtCodes().find((a) => feeds.datasetsOf(a).includes(r.dataset))!;
      byAmt.set(amt, [...(byAmt.get(amt) ?? []), r]);
    }
    for (const [amt, records] of byAmt) {
      const result = validateRecords(
        'area-statistic',
        records.map((value, row) => ({ row, value: structuredClone(value) })),
        { amt, catalogue: feeds, taxonomy, spatial: fixtureSpatialChecks(), now: new Date('2025-06-15T00:00:00Z') },
      );
      expect(result.ok ? [] : result.errors.slice(0, 5), amt).toEqual([]);
    }
  }, 60_000);
});
