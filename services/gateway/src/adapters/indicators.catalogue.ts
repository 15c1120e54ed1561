// @sp/indicators' Catalogue as the gateway's CatalogueSource (metadata for readers, attribution of
// every dataset), and as the PlanResolver the warehouse reader needs in a standalone gateway.
import { expectedAbsoluteDeviation, loadProtection, type Catalogue, type Indicator, type Protection } from '@sp/indicators';
import type { AuthorityMeta, CatalogueSource, DataSourceMeta, IndexMeta, IndicatorMeta, Polarity, ProtectionMeta } from '../sources.js';

const polarity = (p: 1 | -1 | 0): Polarity => (p === 1 ? 'POSITIVE' : p === -1 ? 'NEGATIVE' : 'NEUTRAL');

/**
 * The tenant's Ämter with their names (its feed catalogue, FeedCatalogue of @sp/feeds, which a
 * delivered dataset may change: asked on every read).
 */
export interface AuthorityNames {
  amtCodes(): readonly string[];
  amtName(code: string): string | undefined;
}

/**
 * Licence and attribution per dataset code, over what the catalogue's datasets say of themselves
 * (licence, attribution, url); a dataset neither names is listed with licence „unbekannt“.
 */
export type DatasetLicences = Record<string, { licence: string; attribution: string; url?: string }>;

const syntheticLicence: DatasetLicences[string] = { licence: 'CC0-1.0', attribution: 'Synthetische Demodaten, kein amtlicher Wert (Modell: docs/synthetic-model.md)' };

/** The sentence dashboards, CSV files and reports show beside perturbed figures. */
export const perturbationNote = 'Zum Schutz der Betroffenen sind veröffentlichte Zahlen leicht verändert (Cell-Key-Verfahren), daher können Summen von der Summe ihrer Teile abweichen.';

function protectionMeta(catalogue: Catalogue, code: string, protection: Protection): ProtectionMeta {
  if (!catalogue.confidential(code)) {
    return { confidential: false, perturbed: false, maxNoise: null, variance: null, blockedUpTo: null, suppressBelow: null, expectedAbsoluteDeviation: null, note: null };
  }
  const p = protection.config;
  return {
    confidential: true,
    perturbed: true,
    maxNoise: p.perturbation.maxNoise,
    variance: p.perturbation.variance,
    blockedUpTo: p.perturbation.blockedUpTo,
    suppressBelow: p.suppressBelow,
    expectedAbsoluteDeviation: expectedAbsoluteDeviation(protection.table, 1),
    note: perturbationNote,
  };
}

type CatalogueSourceOptions = { licences?: DatasetLicences; extraSources?: readonly DataSourceMeta[]; protection?: Protection; authorities?: AuthorityNames };

export function catalogueSource(catalogue: Catalogue, options: CatalogueSourceOptions = {}): CatalogueSource {
  // a tenant's delivered definition replaces the catalogue's content (replaceWith): the lists follow its revision
  let built: { revision: number; source: Omit<CatalogueSource, 'authorities'> } | undefined;
  const current = () => {
    if (built?.revision !== catalogue.revision) built = { revision: catalogue.revision, source: catalogueLists(catalogue, options) };
    return built.source;
  };
  return {
    indicators: () => current().indicators(),
    indices: () => current().indices(),
    sources: () => current().sources(),
    authorities: () => authoritiesOf(catalogue, options.authorities),
  };
}

/**
 * The Ämter of the feed catalogue; without one, the Ämter the indicator catalogue's datasets name,
 * by their code. (A delivered dataset's entry names its Ämter by their names, docs/indicators.md §9:
 * with a feed catalogue those are not listed again as codes.)
 */
function authoritiesOf(catalogue: Catalogue, names: AuthorityNames | undefined): AuthorityMeta[] {
  const codes = names ? names.amtCodes() : [...new Set(Object.values(catalogue.datasets).map((d) => d.amt))];
  return [...codes].sort().map((code) => ({ code, name: names?.amtName(code) ?? code }));
}

function catalogueLists(catalogue: Catalogue, options: CatalogueSourceOptions): Omit<CatalogueSource, 'authorities'> {
  const licences = options.licences ?? {};
  const protection = options.protection ?? loadProtection();
  const sources: DataSourceMeta[] = [
    ...Object.entries(catalogue.datasets).map(([code, d]) => {
      const l: DatasetLicences[string] = d.synthetic
        ? syntheticLicence
        : (licences[code] ?? { licence: d.licence ?? 'unbekannt', attribution: d.attribution ?? `${d.name} (${d.amt})`, ...(d.url ? { url: d.url } : {}) });
      return { code, name: d.name, licence: l.licence, attribution: l.attribution, url: l.url ?? null, synthetic: d.synthetic } satisfies DataSourceMeta;
    }),
    ...(options.extraSources ?? []),
  ];
  const latest = catalogue.latest();
  const indicators: IndicatorMeta[] = latest
    .filter((i): i is Exclude<Indicator, { kind: 'index' }> => i.kind !== 'index')
    .map((i) => ({
      code: i.code,
      name: i.name,
      description: i.description ?? i.definition,
      definition: i.definition,
      unit: i.unit,
      kind: i.kind,
      sourceAmt: i.amt,
      polarity: polarity(i.polarity),
      updateInterval: i.updateInterval,
      version: i.version,
      versions: catalogue.versions(i.code).map((v) => v.version),
      synthetic: i.synthetic,
      published: i.published,
      sources: catalogue.datasetsOf(i.code),
      protection: protectionMeta(catalogue, i.code, protection),
      uncertainty: { factor: i.kind === 'ratio' ? i.factor : null, ...catalogue.uncertainty },
    }));
  const indices: IndexMeta[] = latest
    .filter((i) => i.kind === 'index')
    .map((i) => {
      const r = catalogue.resolveIndex(i.code);
      return {
        code: r.code,
        name: r.name,
        description: r.description ?? r.definition,
        inputs: r.inputs.map((x) => ({ indicator: x.indicator, polarity: polarity(x.polarity) })),
        classes: r.classes.map((c) => ({ label: c.label, from: c.from })),
        minPopulation: r.minPopulation,
        version: r.version,
        versions: catalogue.versions(r.code).map((v) => v.version),
        synthetic: r.synthetic,
        published: r.published,
      };
    });
  return { indicators: () => indicators, indices: () => indices, sources: () => sources };
}
