// Datasets as delivered data (docs/indicators.md §9): a dataset record declares a dataset and its
// feed grant; it is checked against the tenant's Ämter, levels, delivered versions and the
// indicators that read it, and the delivered datasets overlay the pack's feed catalogue (grants
// included) and the indicator catalogue's datasets.
import { aDataset } from '@sp/events/testing';
import { loadCatalogue } from '@sp/indicators';
import { describe, expect, it } from 'vitest';
import { FeedCatalogue } from './catalogue.js';
import { overlayDatasets } from './delivered-datasets.js';
import { validateRecords, type ValidationContext } from './record.validators.js';
import { Taxonomy } from './taxonomy.js';
import { fixtureSpatialChecks } from './testing/spatial.fixture.js';

const levels = ['STADT', 'STADTBEZIRK', 'STADTTEIL'];
const ctx = (versions: Record<string, number> = {}): ValidationContext => ({
  amt: 'statistik',
  catalogue: FeedCatalogue.load(),
  taxonomy: Taxonomy.load(),
  spatial: fixtureSpatialChecks(),
  now: new Date('2025-06-15T00:00:00Z'),
  datasets: { indicators: loadCatalogue(), levels, versions: new Map(Object.entries(versions)) },
});
const rows = (...values: unknown[]) => values.map((value, row) => ({ row, value }));
/** a dataset as an office writes it: no key (the code is), measures as in feeds.yaml */
const kita = {
  code: 'kitaplaetze',
  version: 1,
  label: 'Kita-Plätze',
  periodicity: 'year',
  synthetic: true,
  confidentiality: 'public',
  levels: ['STADTTEIL'],
  measures: { plaetze: {} },
  amts: ['jugendamt'],
};
const errorsOf = (r: ReturnType<typeof validateRecords>) => (r.ok ? [] : r.errors.map((e) => [e.row, e.field, e.code]));

describe('dataset records', () => {
  it('takes the declaration with its code as key; absent optionals are null, a measure is a count without dimensions', () => {
    const r = validateRecords('dataset', rows(kita), ctx());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.records[0]!.record).toEqual({ ...kita, key: 'kitaplaetze', stichtag: null, source: null, measures: { plaetze: { kind: 'count', unit: null, dimensions: {} } } });
  });

  it('refuses an unknown level, an Amt the tenant does not have, a version gap, a key that is not the code, no measures and an unstated confidentiality', () => {
    const { confidentiality: _, ...unstated } = kita;
    const r = validateRecords(
      'dataset',
      rows(
        { ...kita, levels: ['SOZIALRAUM'] },
        { ...kita, code: 'kita2', amts: ['jugendamt', 'kitaamt'] },
        { ...kita, code: 'kita3', version: 3 },
        { ...kita, code: 'kita4', key: 'kita' },
        { ...kita, code: 'kita5', measures: {} },
        { ...unstated, code: 'kita6' },
      ),
      ctx({ kita3: 1 }),
    );
    expect(errorsOf(r)).toEqual([
      [0, 'levels[0]', 'UNKNOWN_AREA_LEVEL'],
      [1, 'amts[1]', 'UNKNOWN_AMT'],
      [2, 'version', 'VERSION_GAP'],
      [3, 'key', 'KEY_MISMATCH'],
      [4, 'measures', 'OUT_OF_RANGE'],
      [5, 'confidentiality', 'INVALID_VALUE'],
    ]);
    if (r.ok) return;
    expect(r.errors[0]).toMatchObject({ accepted: 'a level of the reference: STADT | STADTBEZIRK | STADTTEIL' });
    expect(r.errors[1]).toMatchObject({ value: 'kitaamt', message: 'Amt kitaamt is not an Amt of the tenant', accepted: expect.stringContaining('jugendamt') });
    expect(r.errors[2]).toMatchObject({ message: 'kita3 is at version 1: the next version is 2', accepted: 'version 2' });
    expect(r.errors[5]).toMatchObject({ accepted: 'one of public | confidential' });
  });

  it("refuses a version of a pack dataset its indicators could no longer read: a measure or level dropped, the synthetic flag turned; a projected dataset's code", () => {
    const bevoelkerung = { ...kita, code: 'bevoelkerung', label: 'Bevölkerung', synthetic: false, measures: { einwohner: {} } };
    const r = validateRecords(
      'dataset',
      rows({ ...bevoelkerung, amts: ['statistik'] }, { ...kita, code: 'schueler', synthetic: true, measures: { schueler: {} } }, { ...kita, code: 'bevoelkerungsprognose_basis' }),
      ctx(),
    );
    const errors = errorsOf(r);
    expect(errors).toContainEqual([0, 'measures', 'INVALID_VALUE']);
    expect(errors).toContainEqual([1, 'synthetic', 'INVALID_VALUE']);
    expect(errors).toContainEqual([2, 'code', 'INVALID_VALUE']);
  });
});

describe('overlayDatasets', () => {
  const pack = { feeds: FeedCatalogue.load(), catalogue: loadCatalogue() };

  it('adds a new dataset with its grant, and a delivered pack dataset replaces the pack grant', () => {
    expect(pack.feeds.datasetsOf('statistik')).toContain('arbeitslose');
    const arbeitslose = aDataset({ code: 'arbeitslose', key: 'arbeitslose', label: 'Arbeitslose', amts: ['jobcenter'], measures: { arbeitslose: { kind: 'count', unit: null, dimensions: {} } } });
    const { feeds, datasets } = overlayDatasets(pack, [aDataset({ amts: ['jugendamt', 'sozialamt'], confidentiality: 'confidential', source: 'Kita-Bedarfsplanung' }), arbeitslose]);
    expect(feeds.datasetsOf('jugendamt')).toEqual(['hze', 'kitaplaetze']);
    expect(feeds.datasetsOf('sozialamt')).toContain('kitaplaetze');
    expect(feeds.datasetsOf('statistik')).not.toContain('arbeitslose');
    expect(feeds.datasetsOf('jobcenter')).toContain('arbeitslose');
    expect(feeds.dataset('kitaplaetze')).toEqual({ label: 'Kita-Plätze', levels: ['SOZIALRAUM'], measures: { plaetze: { kind: 'count', dimensions: { alter: ['u3', 'ue3'] } } }, kind: 'beobachtung' });
    expect(datasets.kitaplaetze).toEqual({
      name: 'Kita-Plätze',
      periodicity: 'year',
      amt: 'Amt für Kinder, Jugend und Familie, Amt für Soziales, Arbeit und Senioren',
      synthetic: true,
      confidentiality: 'confidential',
      stichtag: '01.03.',
      attribution: 'Kita-Bedarfsplanung',
    });
    expect(datasets.bevoelkerung).toEqual(pack.catalogue.datasets.bevoelkerung);
    // the pack's objects are not touched
    expect(pack.feeds.dataset('kitaplaetze')).toBeUndefined();
    expect(pack.catalogue.datasets.kitaplaetze).toBeUndefined();
  });

  it('leaves out and names a delivered dataset that no longer fits the indicators, keeping the rest', () => {
    const skipped: string[] = [];
    const { feeds, datasets } = overlayDatasets(pack, [aDataset({ code: 'bevoelkerung', key: 'bevoelkerung', synthetic: true }), aDataset()], (r, reason) => skipped.push(`${r.code}: ${reason}`));
    expect(skipped).toEqual([expect.stringMatching(/^bevoelkerung: .*synthetic is false but its datasets say true/)]);
    expect(datasets.bevoelkerung).toEqual(pack.catalogue.datasets.bevoelkerung);
    expect(feeds.hasDataset('kitaplaetze')).toBe(true);
  });
});

describe('FeedCatalogue and delivered datasets', () => {
  it('grants dataset only beside indicator-definition (the statistics office), and is replaced in place', () => {
    const yaml = (types: string) => `version: 1\ndatasets: {}\namts:\n  statistik:\n    name: Statistik\n    recordTypes: { ${types} }\n`;
    expect(() => FeedCatalogue.parse(yaml('dataset: {}'))).toThrow(/may deliver dataset but not indicator-definition/);
    const live = FeedCatalogue.parse(yaml('dataset: {}, indicator-definition: {}'));
    live.replaceWith(overlayDatasets({ feeds: live, catalogue: loadCatalogue() }, [aDataset({ amts: ['statistik'] })]).feeds);
    expect(live.datasetsOf('statistik')).toEqual(['kitaplaetze']);
    expect(live.mayDeliver('statistik', 'area-statistic')).toBe(true);
  });
});
