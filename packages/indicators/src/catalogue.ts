// Loads and checks the indicator catalogue, and compiles an indicator into the base counts it needs
// (the "plan" an aggregator evaluates). Everything here is pure apart from reading the YAML file.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { defaultUncertaintySettings, type UncertaintySettings } from './uncertainty.js';
import { catalogueFileSchema, type CountIndicator, type Dataset, type DeliveredValueKind, type IndexIndicator, type Indicator, type Polarity } from './catalogue.schema.js';

export class CatalogueError extends Error {
  override readonly name = 'CatalogueError';
  constructor(
    readonly code: 'CATALOGUE_INVALID' | 'UNKNOWN_INDICATOR' | 'UNKNOWN_DATASET' | 'WRONG_KIND' | 'DUPLICATE_VERSION' | 'SYNTHETIC_FLAG' | 'POLARITY_MISSING',
    message: string,
  ) {
    super(message);
  }
}

export const defaultCataloguePath = fileURLToPath(new URL('../catalogue/indicators.yaml', import.meta.url));

/** A base count an aggregator reads: one measure of one dataset, summed over the selected dimension values. */
export interface Component {
  dataset: string;
  measure: string;
  dims: Record<string, readonly string[]>;
  sourceLevel: string;
}

/** Where a delivered value's denominator is stored: beside its value, under a name no feed catalogue measure can have. */
export function denominatorMeasure(measure: string): string {
  return `${measure}.denominator`;
}

export type IndicatorPlan =
  | { kind: 'count'; code: string; version: number; synthetic: boolean; component: Component }
  | {
      kind: 'delivered';
      code: string;
      version: number;
      synthetic: boolean;
      valueKind: DeliveredValueKind;
      /** the delivered values (a share in %) and, where delivered, their denominators (a change's base counts) */
      value: Component;
      denominator: Component;
      /** per how many a share (100) or rate is; undefined for means and changes */
      factor: number | undefined;
      mode: 'absolute' | 'relative';
    }
  | { kind: 'ratio'; code: string; version: number; synthetic: boolean; numerator: Component; denominator: Component; factor: number }
  | { kind: 'change'; code: string; version: number; synthetic: boolean; base: IndicatorPlan; periods: number; mode: 'absolute' | 'relative' };

/** An index definition with every input's polarity resolved. */
export type ResolvedIndex = Omit<IndexIndicator, 'inputs'> & { inputs: { indicator: string; polarity: 1 | -1 }[] };

export class Catalogue {
  private readonly byCode = new Map<string, Indicator[]>();

  constructor(
    readonly version: number,
    readonly datasets: Readonly<Record<string, Dataset>>,
    readonly indicators: readonly Indicator[],
    /** confidence level and small-number thresholds of rates */
    readonly uncertainty: UncertaintySettings = defaultUncertaintySettings,
  ) {
    for (const i of indicators) {
      const list = this.byCode.get(i.code) ?? [];
      if (list.some((x) => x.version === i.version)) throw new CatalogueError('DUPLICATE_VERSION', `indicator ${i.code} version ${i.version} defined twice`);
      list.push(i);
      list.sort((a, b) => a.version - b.version);
      this.byCode.set(i.code, list);
    }
    for (const i of indicators) this.check(i);
  }

  /** 0 when built; +1 with every replaceWith, so caches over this catalogue know when to rebuild */
  revision = 0;

  /**
   * Takes over another catalogue's datasets and definitions in one step (a tenant delivered a
   * definition, docs/indicators.md §8): every part of the runtime that holds this object — reader,
   * index projection, gateway — sees the new definitions at once.
   */
  replaceWith(next: Catalogue): void {
    const revision = this.revision + 1;
    Object.assign(this, next);
    this.revision = revision;
  }

  /** The latest version of every indicator. */
  latest(): Indicator[] {
    return [...this.byCode.values()].map((l) => l[l.length - 1]!);
  }

  /** An indicator by code; without `version` the latest. */
  get(code: string, version?: number): Indicator | undefined {
    const list = this.byCode.get(code);
    if (!list) return undefined;
    return version === undefined ? list[list.length - 1] : list.find((i) => i.version === version);
  }

  require(code: string, version?: number): Indicator {
    const i = this.get(code, version);
    if (!i) throw new CatalogueError('UNKNOWN_INDICATOR', `no indicator ${code}${version ? ` version ${version}` : ''}; accepted: ${[...this.byCode.keys()].join(', ')}`);
    return i;
  }

  versions(code: string): Indicator[] {
    return [...(this.byCode.get(code) ?? [])];
  }

  /** The base counts and arithmetic of a count, ratio or change indicator. */
  compile(code: string, version?: number): IndicatorPlan {
    const i = this.require(code, version);
    switch (i.kind) {
      case 'count':
        return { kind: 'count', code: i.code, version: i.version, synthetic: i.synthetic, component: this.component(i) };
      case 'ratio':
        return {
          kind: 'ratio',
          code: i.code,
          version: i.version,
          synthetic: i.synthetic,
          factor: i.factor,
          numerator: this.component(this.count(i.numerator, i.code)),
          denominator: this.component(this.count(i.denominator, i.code)),
        };
      case 'change':
        return { kind: 'change', code: i.code, version: i.version, synthetic: i.synthetic, base: this.compile(i.of), periods: i.periods, mode: i.mode };
      case 'delivered': {
        const value: Component = { dataset: i.dataset, measure: i.measure, dims: Object.fromEntries(Object.entries(i.dimensions).map(([d, v]) => [d, [v]])), sourceLevel: i.sourceLevel };
        return {
          kind: 'delivered',
          code: i.code,
          version: i.version,
          synthetic: i.synthetic,
          valueKind: i.valueKind,
          value,
          denominator: { ...value, measure: denominatorMeasure(i.measure) },
          factor: i.valueKind === 'SHARE' ? 100 : i.valueKind === 'RATE' ? i.factor : undefined,
          mode: i.mode,
        };
      }
      case 'index':
        throw new CatalogueError('WRONG_KIND', `${code} is an index; use resolveIndex()`);
    }
  }

  /** An index definition with input polarities filled in from the input indicators. */
  resolveIndex(code: string, version?: number): ResolvedIndex {
    const i = this.require(code, version);
    if (i.kind !== 'index') throw new CatalogueError('WRONG_KIND', `${code} is a ${i.kind}, not an index`);
    return {
      ...i,
      inputs: i.inputs.map((inp) => {
        const p = inp.polarity ?? this.require(inp.indicator).polarity;
        if (p === 0) throw new CatalogueError('POLARITY_MISSING', `index ${code}: input ${inp.indicator} has polarity 0; accepted: polarity 1 or -1 on the input`);
        return { indicator: inp.indicator, polarity: p as 1 | -1 };
      }),
    };
  }

  /**
   * The version of every indicator an index version reads, directly or through a ratio, change
   * or its population, sorted by code: what made its scores besides its own definition. An index
   * reads each of them at its latest version (compile() resolves a ratio's counts and a change's
   * base at their latest), so a new version of any of them changes the scores, and the results of
   * the earlier versions are told apart by this list (docs/indicators.md §8).
   */
  inputVersions(code: string, version?: number): InputVersion[] {
    const index = this.require(code, version);
    if (index.kind !== 'index') throw new CatalogueError('WRONG_KIND', `${code} is a ${index.kind}, not an index`);
    const seen = new Map<string, number>();
    const visit = (c: string) => {
      if (seen.has(c)) return;
      const i = this.require(c);
      seen.set(c, i.version);
      switch (i.kind) {
        case 'ratio':
          visit(i.numerator);
          visit(i.denominator);
          break;
        case 'change':
          visit(i.of);
          break;
        case 'count':
        case 'delivered':
        case 'index':
          break;
      }
    };
    for (const input of index.inputs) visit(input.indicator);
    visit(index.population);
    return [...seen].map(([indicator, v]) => ({ indicator, version: v })).sort((a, b) => (a.indicator < b.indicator ? -1 : a.indicator > b.indicator ? 1 : 0));
  }

  /** Datasets an indicator ultimately reads. */
  datasetsOf(code: string, version?: number): string[] {
    return this.datasetsOfIndicator(this.require(code, version));
  }

  /**
   * Whether a figure of this indicator involves a confidential dataset (docs/disclosure.md): then
   * the public sees it only protected, however it is derived (rates, changes, indices included).
   */
  confidential(code: string, version?: number): boolean {
    return this.datasetsOf(code, version).some((d) => this.datasets[d]?.confidentiality !== 'public');
  }

  private datasetsOfIndicator(i: Indicator): string[] {
    switch (i.kind) {
      case 'count':
        return [i.dataset];
      case 'ratio':
        return [...new Set([...this.datasetsOf(i.numerator), ...this.datasetsOf(i.denominator)])];
      case 'change':
        return this.datasetsOf(i.of);
      case 'delivered':
        return [i.dataset];
      case 'index':
        return [...new Set([...i.inputs.flatMap((x) => this.datasetsOf(x.indicator)), ...this.datasetsOf(i.population)])];
    }
  }

  private component(c: CountIndicator): Component {
    return { dataset: c.dataset, measure: c.measure, dims: c.dimensions, sourceLevel: c.sourceLevel };
  }

  private count(code: string, from: string): CountIndicator {
    const i = this.get(code);
    if (!i) throw new CatalogueError('UNKNOWN_INDICATOR', `${from}: refers to unknown indicator ${code}`);
    if (i.kind !== 'count') throw new CatalogueError('WRONG_KIND', `${from}: ${code} is a ${i.kind}; accepted: a count indicator`);
    return i;
  }

  private check(i: Indicator): void {
    const where = `indicator ${i.code} v${i.version}`;
    const ref = (code: string, kinds: Indicator['kind'][]) => {
      const t = this.get(code);
      if (!t) throw new CatalogueError('UNKNOWN_INDICATOR', `${where}: refers to unknown indicator ${code}`);
      if (!kinds.includes(t.kind)) throw new CatalogueError('WRONG_KIND', `${where}: ${code} is a ${t.kind}; accepted: ${kinds.join(' or ')}`);
    };
    switch (i.kind) {
      case 'count':
        if (!this.datasets[i.dataset]) throw new CatalogueError('UNKNOWN_DATASET', `${where}: dataset ${i.dataset} not declared; accepted: ${Object.keys(this.datasets).join(', ')}`);
        break;
      case 'ratio':
        ref(i.numerator, ['count']);
        ref(i.denominator, ['count']);
        break;
      case 'change':
        ref(i.of, ['count', 'ratio']);
        break;
      case 'delivered':
        if (!this.datasets[i.dataset]) throw new CatalogueError('UNKNOWN_DATASET', `${where}: dataset ${i.dataset} not declared; accepted: ${Object.keys(this.datasets).join(', ')}`);
        if (i.valueKind === 'RATE' && i.factor === undefined) throw new CatalogueError('CATALOGUE_INVALID', `${where}: a delivered RATE needs its factor; accepted: factor: 1000 for "je 1.000"`);
        if (i.valueKind === 'SHARE' && i.unit !== '%')
          throw new CatalogueError('CATALOGUE_INVALID', `${where}: a delivered SHARE is read in % (delivered fractions are stored × 100); accepted: unit: "%"`);
        break;
      case 'index':
        i.inputs.forEach((x) => {
          ref(x.indicator, ['count', 'ratio', 'change', 'delivered']);
        });
        ref(i.population, ['count']);
        if (i.classes[0]!.from !== null || i.classes.slice(1).some((c, k) => c.from === null || c.from <= (i.classes[k]!.from ?? -Infinity))) {
          throw new CatalogueError('CATALOGUE_INVALID', `${where}: classes must ascend by "from", the first with from: null`);
        }
        break;
    }
    // the synthetic label must never be lost: an indicator reading a synthetic dataset is synthetic
    const derived = this.datasetsOfIndicator(i).some((d) => this.datasets[d]?.synthetic);
    if (derived !== i.synthetic) {
      throw new CatalogueError('SYNTHETIC_FLAG', `${where}: synthetic is ${i.synthetic} but its datasets say ${derived}; accepted: synthetic: ${derived}`);
    }
  }
}

/** One indicator at one definition version, as an index result records what it was made from. */
export interface InputVersion {
  indicator: string;
  version: number;
}

/**
 * The stored form of an index result's input versions (the warehouse's `input_versions`): one
 * string per list, the same for the same versions in any order, whatever characters a code has.
 * '' for none (results stored before input versions were recorded).
 */
export function formatInputVersions(versions: readonly InputVersion[]): string {
  if (versions.length === 0) return '';
  const sorted = [...versions].sort((a, b) => (a.indicator < b.indicator ? -1 : a.indicator > b.indicator ? 1 : 0));
  return JSON.stringify(sorted.map((v) => [v.indicator, v.version]));
}

/** The inverse of formatInputVersions; [] for '' (or anything that is not such a list). */
export function parseInputVersions(stored: string): InputVersion[] {
  if (stored === '') return [];
  try {
    const parsed: unknown = JSON.parse(stored);
    if (!Array.isArray(parsed)) return [];
    return parsed.filter((p): p is [string, number] => Array.isArray(p) && typeof p[0] === 'string' && typeof p[1] === 'number').map(([indicator, version]) => ({ indicator, version }));
  } catch {
    return [];
  }
}

export function parseCatalogue(yamlText: string, source = 'catalogue'): Catalogue {
  const parsed = catalogueFileSchema.safeParse(parseYaml(yamlText));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CatalogueError('CATALOGUE_INVALID', `${source}: field ${issue.path.join('.')}: ${issue.message}`);
  }
  return new Catalogue(parsed.data.catalogueVersion, parsed.data.datasets, parsed.data.indicators, parsed.data.uncertainty);
}

export function loadCatalogue(path: string = defaultCataloguePath): Catalogue {
  return parseCatalogue(readFileSync(path, 'utf8'), path);
}

export type { Polarity };
