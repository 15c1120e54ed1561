// The gateway's sources list: a dataset without a recorded licence names the attribution it carries
// (a delivered dataset's `source`, docs/indicators.md §9), else its name and Amt; the list follows
// the catalogue when a delivered dataset replaced its content.
import { Catalogue } from '@sp/indicators';
import { describe, expect, it } from 'vitest';
import { catalogueSource } from './indicators.catalogue.js';

const dataset = { periodicity: 'year', amt: 'Jugendamt', synthetic: false, confidentiality: 'public' } as const;

describe('catalogueSource().sources()', () => {
  it("names a dataset's own attribution where no licence is recorded, and follows the catalogue's replacement", () => {
    const catalogue = new Catalogue(1, { hze: { ...dataset, name: 'Hilfen zur Erziehung' } }, []);
    const source = catalogueSource(catalogue, { licences: {} });
    expect(source.sources()).toEqual([{ code: 'hze', name: 'Hilfen zur Erziehung', licence: 'unbekannt', attribution: 'Hilfen zur Erziehung (Jugendamt)', url: null, synthetic: false }]);
    catalogue.replaceWith(new Catalogue(1, { ...catalogue.datasets, kitaplaetze: { ...dataset, name: 'Kita-Plätze', attribution: 'Jugendamt Beispielstadt, Kita-Bedarfsplanung' } }, []));
    expect(source.sources()).toContainEqual({
      code: 'kitaplaetze',
      name: 'Kita-Plätze',
      licence: 'unbekannt',
      attribution: 'Jugendamt Beispielstadt, Kita-Bedarfsplanung',
      url: null,
      synthetic: false,
    });
  });

  it("gives a tenant's bevoelkerung no other city's licence: what a dataset says of itself, else unknown", () => {
    // the gateway held Köln's licence for the code bevoelkerung as the default of every tenant
    const own = new Catalogue(1, { bevoelkerung: { ...dataset, amt: 'statistik', name: 'Einwohner' } }, []);
    expect(catalogueSource(own).sources()).toEqual([{ code: 'bevoelkerung', name: 'Einwohner', licence: 'unbekannt', attribution: 'Einwohner (statistik)', url: null, synthetic: false }]);
    const published = new Catalogue(
      1,
      { bevoelkerung: { ...dataset, amt: 'statistik', name: 'Einwohner', licence: 'dl-de/by-2-0', attribution: 'Stadt Haan, Statistik', url: 'https://www.haan.de' } },
      [],
    );
    expect(catalogueSource(published).sources()).toEqual([
      { code: 'bevoelkerung', name: 'Einwohner', licence: 'dl-de/by-2-0', attribution: 'Stadt Haan, Statistik', url: 'https://www.haan.de', synthetic: false },
    ]);
  });

  it('lists the Ämter of the feed catalogue with their names, not the names a delivered dataset carries', () => {
    const catalogue = new Catalogue(1, { kita: { ...dataset, amt: 'Amt für Kinder, Jugend und Familie', name: 'Kita-Plätze' }, hze: { ...dataset, amt: 'jugendamt', name: 'HzE' } }, []);
    const names = { amtCodes: () => ['jugendamt', 'statistik'], amtName: (c: string) => ({ jugendamt: 'Amt für Kinder, Jugend und Familie', statistik: 'Statistikstelle' })[c] };
    expect(catalogueSource(catalogue, { authorities: names }).authorities()).toEqual([
      { code: 'jugendamt', name: 'Amt für Kinder, Jugend und Familie' },
      { code: 'statistik', name: 'Statistikstelle' },
    ]);
    // without a feed catalogue: the datasets' Ämter, by what they say
    expect(
      catalogueSource(catalogue)
        .authorities()
        .map((a) => a.code),
    ).toEqual(['Amt für Kinder, Jugend und Familie', 'jugendamt']);
  });
});
