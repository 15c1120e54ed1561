// The spatial references (with their feed catalogues and map sources) a tenant can be created with.
// Demo data: Köln's real reference, Musterstadt, the fictional town with 7 Sozialräume, and Hamburg
// (real: catalogue/hamburg, docs/hamburg.md). A reference delivered through the API replaces this
// list (issue 15, deliver 2).
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hamburgFeedCataloguePath, hamburgIndicatorCataloguePath, hamburgReferencePath } from '@sp/demo';
import { FeedCatalogue } from '@sp/feeds';
import type { DatasetLicences, GatewaySourcesOptions } from '@sp/gateway';
import { loadCatalogue, type Catalogue } from '@sp/indicators';
import { builtInReferenceDir, loadReference, type AreaReference } from '@sp/spatial';

export interface TenantPack {
  reference(): AreaReference;
  /** undefined: the repository's feed catalogue */
  feeds(): FeedCatalogue | undefined;
  /** indicator and index definitions; undefined: the repository's catalogue */
  catalogue(): Catalogue | undefined;
  /** the sources the tenant's maps name besides the indicators' own */
  extraSources(attribution: string | undefined): NonNullable<GatewaySourcesOptions['extraSources']>;
  /** licence and attribution of the catalogue's datasets over what the catalogue says of them; undefined: the catalogue's alone */
  licences?: DatasetLicences;
  /** the attribution of the reference when the tenant sets none */
  attribution: string;
}

/** ../shared/data/hamburg/SOURCE.txt, docs/hamburg.md */
const hamburgGeometryAttribution = 'Freie und Hansestadt Hamburg, Landesbetrieb Geoinformation und Vermessung (dl-de/by-2-0); aufbereitet von Open Data Product (CC BY 4.0)';
export const hamburgProfileAttribution = 'Statistikamt Nord, Hamburger Stadtteil-Profile 2014 (dl-de/by-2-0)';

const packsDir = fileURLToPath(new URL('../../tenant-packs/', import.meta.url));

export const tenantPacks: Readonly<Record<string, TenantPack>> = {
  musterstadt: {
    reference: () => loadReference(resolve(builtInReferenceDir, 'fixtures/musterstadt.yaml')),
    feeds: () => FeedCatalogue.load(resolve(packsDir, 'musterstadt.feeds.yaml')),
    catalogue: () => loadCatalogue(resolve(packsDir, 'musterstadt.indicators.yaml')),
    attribution: 'Musterstadt (fiktiv, Testdaten)',
    extraSources: (attribution) => [
      { code: 'stadtgliederung', name: 'Sozialräume Musterstadt (fiktiv)', licence: 'CC0-1.0', attribution: attribution ?? 'Musterstadt (fiktiv, Testdaten)', url: null, synthetic: true },
    ],
  },
  hamburg: {
    reference: () => loadReference(hamburgReferencePath),
    feeds: () => FeedCatalogue.load(hamburgFeedCataloguePath),
    catalogue: () => loadCatalogue(hamburgIndicatorCataloguePath),
    attribution: hamburgGeometryAttribution,
    // every dataset is the Statistikamt's profile, not Köln's Offene Daten
    licences: Object.fromEntries(
      ['bevoelkerung', 'haushalte', 'mindestsicherung', 'arbeitslose', 'einkommen'].map((code) => [code, { licence: 'dl-de/by-2-0', attribution: hamburgProfileAttribution }]),
    ),
    // the boundaries' and the figures' attributions, as ../shared/data/hamburg/SOURCE.txt gives them
    extraSources: (attribution) => [
      {
        code: 'gebietsgliederung',
        name: 'Gebietsgliederung Hamburg (Bezirke, Stadtteile)',
        licence: 'dl-de/by-2-0',
        attribution: attribution ?? hamburgGeometryAttribution,
        url: null,
        synthetic: false,
      },
      { code: 'stadtteilprofile', name: 'Hamburger Stadtteil-Profile 2014', licence: 'dl-de/by-2-0', attribution: hamburgProfileAttribution, url: null, synthetic: false },
    ],
  },
};

export function referenceNames(): string[] {
  return Object.keys(tenantPacks).sort();
}
