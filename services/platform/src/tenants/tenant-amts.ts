// The catalogues of a tenant created with Ämter of its own (docs/tenants.md "The tenant's Ämter"):
// the pack's feed catalogue with the tenant's Ämter instead of the pack's, and the pack's indicator
// catalogue with every Amt it names that the tenant does not have named by the tenant's Amt that
// now delivers it — so that GraphQL `authorities`, the sources' attribution and the Amt that may
// read an unpublished indicator (sourceAmt) are the tenant's Ämter, never a pack's. Pure.
import type { FeedCatalogue } from '@sp/feeds';
import { Catalogue } from '@sp/indicators';
import { statisticsOfficeRecordTypes, type TenantAmt } from '@sp/tenancy';

export interface TenantAmtsCatalogues {
  feeds: FeedCatalogue;
  catalogue: Catalogue | undefined;
}

/**
 * `feeds` with `amts` instead of its Ämter; `catalogue`'s datasets named by the first of `amts` that
 * names them (else by their pack Amt if the tenant has its code, else by the statistics office, who
 * grants them by `dataset` records), and its indicators, where they name an Amt the tenant does not
 * have, by the Amt of their first dataset.
 */
export function withTenantAmts(feeds: FeedCatalogue, catalogue: Catalogue | undefined, amts: readonly TenantAmt[]): TenantAmtsCatalogues {
  const tenantFeeds = feeds.withAmts(amts);
  if (!catalogue) return { feeds: tenantFeeds, catalogue };
  const office = amts.find((a) => statisticsOfficeRecordTypes.every((t) => a.recordTypes.includes(t)))?.code;
  if (!office) throw new Error(`the tenant's Ämter have no statistics office (an Amt that delivers ${statisticsOfficeRecordTypes.join(', ')})`);
  // a dataset is named by the Amt that delivers it, else by its pack Amt if the tenant has it, else by the statistics office
  const amtOfDataset = (code: string): string => {
    const pack = catalogue.datasets[code]?.amt;
    return amts.find((a) => a.datasets?.includes(code))?.code ?? (pack !== undefined && tenantFeeds.hasAmt(pack) ? pack : office);
  };
  const datasets = Object.fromEntries(Object.entries(catalogue.datasets).map(([code, d]) => [code, { ...d, amt: amtOfDataset(code) }]));
  const indicators = catalogue.indicators.map((i) => {
    if (tenantFeeds.hasAmt(i.amt)) return i;
    const first = catalogue.datasetsOf(i.code, i.version)[0];
    return { ...i, amt: first === undefined ? office : amtOfDataset(first) };
  });
  return { feeds: tenantFeeds, catalogue: new Catalogue(catalogue.version, datasets, indicators, catalogue.uncertainty) };
}
