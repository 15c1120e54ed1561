// The catalogues of a tenant with Ämter of its own, over Musterstadt's pack: its Ämter replace the
// pack's in the feed catalogue, and the indicator catalogue names them wherever it named a pack Amt.
import { describe, expect, it } from 'vitest';
import { withTenantAmts } from './tenant-amts.js';
import { tenantPacks } from './tenant-packs.js';

const pack = tenantPacks.musterstadt!;
const amts = [
  { code: 'jugendamt', name: 'Kreisjugendamt (gleicher Code)', recordTypes: ['offer' as const] },
  { code: 'kreisstatistik', name: 'Kreisstatistik', recordTypes: ['area-level', 'area', 'indicator-definition', 'dataset', 'area-statistic'] as const, datasets: ['bevoelkerung'] },
  { code: 'fb_jugend', name: 'Fachbereich Jugend', recordTypes: ['area-statistic' as const], datasets: ['hze'] },
].map((a) => ({ ...a, recordTypes: [...a.recordTypes] }));

describe('withTenantAmts', () => {
  const { feeds, catalogue } = withTenantAmts(pack.feeds()!, pack.catalogue(), amts);

  it("gives the feed catalogue the tenant's Ämter only", () => {
    expect(feeds.amtCodes()).toEqual(['jugendamt', 'kreisstatistik', 'fb_jugend']);
    expect(feeds.datasetsOf('fb_jugend')).toEqual(['hze']);
    expect(feeds.datasetsOf('jugendamt')).toEqual([]);
    expect(feeds.hasAmt('statistik')).toBe(false);
  });

  it('names the Amt that delivers a dataset, else the statistics office', () => {
    expect(catalogue!.datasets.hze!.amt).toBe('fb_jugend');
    expect(catalogue!.datasets.bevoelkerung!.amt).toBe('kreisstatistik');
    expect(catalogue!.datasets.sgb2!.amt).toBe('kreisstatistik');
    expect(new Set(Object.values(catalogue!.datasets).map((d) => d.amt))).toEqual(new Set(['fb_jugend', 'kreisstatistik']));
  });

  it("keeps an indicator's Amt the tenant has, and names the Amt of its data for one it has not", () => {
    // the pack's jugendamt is also a code of the tenant: it stays
    expect(catalogue!.get('hze_faelle')!.amt).toBe('jugendamt');
    expect(catalogue!.get('index_sozialstruktur')!.amt).toBe('kreisstatistik');
    for (const i of catalogue!.indicators) expect(feeds.hasAmt(i.amt), i.code).toBe(true);
    // definitions and datasets otherwise unchanged
    expect(catalogue!.indicators.map((i) => i.code)).toEqual(pack.catalogue()!.indicators.map((i) => i.code));
  });

  it('leaves the pack alone when it has no indicator catalogue of its own', () => {
    expect(withTenantAmts(pack.feeds()!, undefined, amts).catalogue).toBeUndefined();
  });
});
