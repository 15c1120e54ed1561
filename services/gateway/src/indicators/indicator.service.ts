// Indicator reads for one request: the only place GraphQL resolvers and CSV exports get indicator
// values from. It checks access, decides whether suppression may be lifted, and batches reads
// through per-request DataLoaders so one query costs a bounded number of warehouse round trips:
// one reader call per (indicator, level, asOf) for period slices, one per (indicator, level, asOf,
// range) for series, one per (index, level) for composite indices.
import DataLoader from 'dataloader';
import type { IndexResult, IndexValue, IndicatorReader, IndicatorValue } from '@sp/indicator-store';
import { formatInputVersions, type InputVersion, rateUncertainty, type RateUncertainty } from '@sp/indicators';
import { canReadIndex, canReadIndicator, privilegedFor, privilegedForIndex } from '../auth/access.js';
import type { Viewer } from '../auth/viewer.js';
import { PortError } from '@sp/ports';
import type { GraphQLError } from 'graphql';
import { expectedError, isExpected } from '../errors.js';
import type { RequestBudget } from '../fairness/request-budget.js';
import type { Limits } from '../limits.js';
import type { AreaRef, AreaSource, AreaView, CatalogueSource, IndexMeta, IndicatorMeta } from '../sources.js';
import { checkPeriod, checkPeriodRange, normaliseAsOf } from './periods.js';

export interface IndicatorDeps {
  areas: AreaSource;
  catalogue: CatalogueSource;
  indicators: IndicatorReader;
}

export interface ValuesArgs {
  indicator: string;
  level: string;
  period?: string | null;
  periods?: readonly string[] | null;
  from?: string | null;
  to?: string | null;
  parent?: AreaRef | null;
  areas?: readonly string[] | null;
  asOf?: string | null;
  /** a projection scenario ("basis"): the projected values instead of the observed ones */
  scenario?: string | null;
  /** an earlier version of the definition (its values stay queryable); absent = the latest */
  definitionVersion?: number | null;
}

export type RankingOrder = 'HIGHEST_FIRST' | 'LOWEST_FIRST';

export interface RankedValue {
  rank: number;
  value: IndicatorValue;
}

export interface Comparison {
  indicator: string;
  period: string;
  area: IndicatorValue;
  parent: IndicatorValue | null;
  city: IndicatorValue | null;
}

interface SliceKey {
  indicator: string;
  level: string;
  asOf: string | undefined;
  scenario: string | undefined;
  period: string;
  definitionVersion?: number | undefined;
}

interface IndexKey {
  index: string;
  level: string;
  period: string;
  definitionVersion?: number | undefined;
  /** exactly these input versions (one of the stored result sets); absent = the current ones */
  inputVersions?: readonly InputVersion[] | undefined;
}

interface RangeKey {
  indicator: string;
  level: string;
  asOf: string | undefined;
  scenario: string | undefined;
  from: string;
  to: string;
  /** null: every area of the level */
  areaCode: string | null;
  definitionVersion?: number | undefined;
}

// one collator for every sort: localeCompare with options builds a new one per call
const byCode = new Intl.Collator('de', { numeric: true }).compare;

const groupKey = (...parts: (string | undefined | null)[]) => parts.map((p) => p ?? '').join('\u0000');

export class IndicatorService {
  private readonly sliceLoader: DataLoader<SliceKey, readonly IndicatorValue[], string>;
  private readonly rangeLoader: DataLoader<RangeKey, readonly IndicatorValue[], string>;
  private readonly indexLoader: DataLoader<IndexKey, readonly IndexValue[], string>;
  /** the stored result sets of each index, read once per request */
  private readonly indexResultsOf = new Map<string, Promise<readonly IndexResult[]>>();
  private readonly periodsLoader: DataLoader<string, readonly string[]>;
  private readonly metaByCode: Map<string, IndicatorMeta>;
  /** reads already charged to the budget in this request */
  private readonly charged = new Set<string>();
  private readonly indexByCode: Map<string, IndexMeta>;

  constructor(
    private readonly deps: IndicatorDeps,
    readonly viewer: Viewer,
    private readonly limits: Limits,
    /**
     * the request's budget (each values read is charged its estimated cells), its abort signal
     * (timeout, client gone) and its deadline (epoch ms; each warehouse query is stopped there)
     */
    private readonly request: { budget?: RequestBudget; abort?: AbortController; deadline?: number } = {},
  ) {
    this.metaByCode = new Map(deps.catalogue.indicators().map((m) => [m.code, m]));
    this.indexByCode = new Map(deps.catalogue.indices().map((m) => [m.code, m]));
    this.sliceLoader = new DataLoader((keys) => this.loadSlices(keys), {
      cacheKeyFn: (k) => groupKey(k.indicator, k.level, k.asOf, k.scenario, k.period, version(k.definitionVersion)),
    });
    this.rangeLoader = new DataLoader((keys) => this.loadRanges(keys), {
      cacheKeyFn: (k) => groupKey(k.indicator, k.level, k.asOf, k.scenario, k.from, k.to, k.areaCode ?? '*', version(k.definitionVersion)),
    });
    this.indexLoader = new DataLoader((keys) => this.loadIndex(keys), {
      cacheKeyFn: (k) => groupKey(k.index, k.level, k.period, version(k.definitionVersion), k.inputVersions === undefined ? '*' : formatInputVersions(k.inputVersions)),
    });
    this.periodsLoader = new DataLoader(async (codes) => Promise.all(codes.map((c) => deps.indicators.periods(c))));
  }

  // ---- catalogue -------------------------------------------------------------------------------

  /** Indicators this viewer may read. */
  indicators(): IndicatorMeta[] {
    return [...this.metaByCode.values()].filter((m) => canReadIndicator(this.viewer, m));
  }

  indices(): IndexMeta[] {
    return [...this.indexByCode.values()].filter((m) => canReadIndex(this.viewer, m));
  }

  /** The indicator's metadata, or NOT_FOUND / FORBIDDEN. */
  indicator(code: string): IndicatorMeta {
    const meta = this.metaByCode.get(code);
    if (!meta) {
      throw expectedError('NOT_FOUND', `indicator "${code}" is not in the catalogue; query { indicators { code } } lists the accepted codes`, { argument: 'indicator' });
    }
    if (!canReadIndicator(this.viewer, meta)) {
      throw expectedError('FORBIDDEN', `indicator "${code}" is not published; it needs a planner token or one of Amt ${meta.sourceAmt}`, { argument: 'indicator' });
    }
    return meta;
  }

  index(code: string): IndexMeta {
    const meta = this.indexByCode.get(code);
    if (!meta) throw expectedError('NOT_FOUND', `index "${code}" is not in the catalogue; query { indices { code } } lists the accepted codes`, { argument: 'index' });
    if (!canReadIndex(this.viewer, meta)) throw expectedError('FORBIDDEN', `index "${code}" is not published; it needs a planner token`, { argument: 'index' });
    return meta;
  }

  periods(indicator: string): Promise<readonly string[]> {
    this.indicator(indicator);
    return this.periodsLoader.load(indicator);
  }

  // ---- values ----------------------------------------------------------------------------------

  /** Values of one indicator for the areas of a level (optionally below a parent or a list) × periods. */
  async values(args: ValuesArgs): Promise<IndicatorValue[]> {
    const meta = this.indicator(args.indicator);
    this.checkLevel(args.level, 'level');
    const asOf = normaliseAsOf(args.asOf);
    const scenario = args.scenario ?? undefined;
    const definitionVersion = checkVersion(meta, args.definitionVersion, 'indicator');
    const filter = this.areaFilter(args);
    let rows: IndicatorValue[];
    if (args.from != null || args.to != null) {
      if (args.from == null || args.to == null) throw expectedError('BAD_USER_INPUT', 'from and to go together: give both or neither', { argument: args.from == null ? 'from' : 'to' });
      if (args.period != null || args.periods != null) throw expectedError('BAD_USER_INPUT', 'give either period/periods or from/to, not both', { argument: 'period' });
      this.checkEstimate(args, checkPeriodRange(args.from, args.to, this.limits));
      const codes = args.areas?.length ? args.areas : null;
      const slices = await Promise.all(
        (codes ?? [null]).map((areaCode) => this.rangeLoader.load({ indicator: args.indicator, level: args.level, asOf, scenario, from: args.from!, to: args.to!, areaCode, definitionVersion })),
      );
      rows = slices.flat();
    } else {
      const periods = [...(args.period != null ? [args.period] : []), ...(args.periods ?? [])];
      if (periods.length === 0) throw expectedError('BAD_USER_INPUT', 'give a period ("2012"), periods (["2011","2012"]) or from/to', { argument: 'period' });
      periods.forEach((p) => {
        checkPeriod(p, 'period', this.limits);
      });
      this.checkEstimate(args, new Set(periods).size);
      const slices = await Promise.all([...new Set(periods)].map((period) => this.sliceLoader.load({ indicator: args.indicator, level: args.level, asOf, scenario, period, definitionVersion })));
      rows = slices.flat();
    }
    const out = rows.filter(filter);
    if (out.length > this.limits.maxRows) {
      throw expectedError('RESULT_TOO_LARGE', `${out.length} values exceed the limit of ${this.limits.maxRows}; narrow the areas or the periods`, { limit: this.limits.maxRows });
    }
    return out.sort((a, b) => (a.period === b.period ? byCode(a.areaCode, b.areaCode) : a.period < b.period ? -1 : 1));
  }

  /** One value of one area (batched with every other value of the same level and period). */
  async value(indicator: string, area: AreaRef, period: string, asOf?: string | null): Promise<IndicatorValue | null> {
    const rows = await this.values({ indicator, level: area.level, period, asOf: asOf ?? null });
    return rows.find((r) => r.areaCode === area.code) ?? null;
  }

  /**
   * The uncertainty of a figure as this viewer was shown it: a function of the shown value,
   * numerator and denominator only (protected counts for the public), nothing for a withheld figure.
   */
  uncertainty(v: IndicatorValue): RateUncertainty | undefined {
    const u = this.metaByCode.get(v.indicator)?.uncertainty;
    return u ? rateUncertainty(v, u.factor, u) : undefined;
  }

  /** A time series of one area, ascending by period. */
  async series(indicator: string, area: AreaRef, from: string, to: string, asOf?: string | null, scenario?: string | null): Promise<IndicatorValue[]> {
    this.area(area);
    return this.values({ indicator, level: area.level, areas: [area.code], from, to, asOf: asOf ?? null, scenario: scenario ?? null });
  }

  async ranking(args: ValuesArgs & { period: string; order: RankingOrder; first?: number | null }): Promise<RankedValue[]> {
    const first = this.pageSize(args.first, 'first', this.limits.maxPageSize);
    const rows = await this.values({ ...args, periods: null, from: null, to: null });
    // suppressed or not computable values take no place in a ranking: their position would tell
    // where the hidden value lies
    const ranked = rows.filter((r) => !r.suppressed && r.value != null);
    const dir = args.order === 'LOWEST_FIRST' ? 1 : -1;
    ranked.sort((a, b) => dir * (a.value! - b.value!) || byCode(a.areaCode, b.areaCode));
    const out: RankedValue[] = [];
    for (let i = 0; i < ranked.length && out.length < first; i++) {
      const prev = out[out.length - 1];
      const rank = prev && prev.value.value === ranked[i]!.value ? prev.rank : i + 1;
      out.push({ rank, value: ranked[i]! });
    }
    return out;
  }

  /** The area's value beside its parent's and the city's. */
  async comparison(indicator: string, ref: AreaRef, period: string, asOf?: string | null): Promise<Comparison> {
    const area = this.area(ref);
    // the root of the reference (the city), whatever its level is called
    const rootLevel = this.deps.areas.levels().find((l) => !l.parentLevel && !l.planning)?.level;
    const city = rootLevel ? this.deps.areas.areas(rootLevel)[0] : undefined;
    const [own, parent, cityValue] = await Promise.all([
      this.value(indicator, ref, period, asOf),
      area.parent ? this.value(indicator, area.parent, period, asOf) : Promise.resolve(null),
      city ? this.value(indicator, city, period, asOf) : Promise.resolve(null),
    ]);
    return {
      indicator,
      period,
      area: own ?? this.missing(indicator, ref, period),
      parent,
      city: cityValue,
    };
  }

  /**
   * `inputVersions`: the scores made from these versions of the indicators the index reads (only
   * those named; a result set stored for the definition version that has all of them). Absent: the
   * current ones. The public reads every set in its protected variant (docs/disclosure.md §5).
   */
  async indexValues(index: string, level: string, period: string, parent?: AreaRef | null, definitionVersion?: number | null, inputVersions?: readonly InputVersion[] | null): Promise<IndexValue[]> {
    const meta = this.index(index);
    this.checkLevel(level, 'level');
    checkPeriod(period, 'period', this.limits);
    const asked = checkVersion(meta, definitionVersion, 'index');
    const made = inputVersions == null ? undefined : await this.resultSet(meta, asked ?? meta.version, inputVersions);
    const rows = await this.indexLoader.load({
      index,
      level,
      period,
      definitionVersion: made ? made.definitionVersion : asked,
      ...(made ? { inputVersions: made.inputVersions } : {}),
    });
    const filter = this.areaFilter({ indicator: index, level, parent: parent ?? null });
    return rows.filter((r) => filter({ areaCode: r.areaCode })).sort((a, b) => byCode(a.areaCode, b.areaCode));
  }

  /** The stored result sets of an index (definition version × input versions) in the variant this viewer reads. */
  async indexResults(index: string): Promise<readonly IndexResult[]> {
    this.index(index);
    let results = this.indexResultsOf.get(index);
    if (!results) {
      const reader = this.deps.indicators;
      const privileged = privilegedForIndex(this.viewer);
      results = reader.indexResults ? this.read(() => reader.indexResults!({ index, privileged })) : Promise.resolve([]);
      this.indexResultsOf.set(index, results);
    }
    return results;
  }

  /** The one stored result set of a definition version whose inputs include every asked version, or BAD_USER_INPUT naming what there is. */
  private async resultSet(meta: IndexMeta, definitionVersion: number, asked: readonly InputVersion[]): Promise<IndexResult> {
    const fail = (message: string, accepted: unknown): never => {
      throw expectedError('BAD_USER_INPUT', message, { argument: 'inputVersions', accepted });
    };
    const sets = (await this.indexResults(meta.code)).filter((r) => r.definitionVersion === definitionVersion && r.inputVersions.length > 0);
    const listOf = (r: IndexResult) => r.inputVersions.map((v) => `${v.indicator} ${v.version}`).join(', ');
    const codes = [...new Set(sets.flatMap((r) => r.inputVersions.map((v) => v.indicator)))].sort();
    for (const a of asked) {
      if (!codes.includes(a.indicator))
        fail(
          `inputVersions: the stored scores of index "${meta.code}" version ${definitionVersion} read no indicator "${a.indicator}"; accepted: ${codes.join(', ') || 'none (no scores stored yet)'}`,
          codes,
        );
    }
    const matching = sets.filter((r) => asked.every((a) => r.inputVersions.some((v) => v.indicator === a.indicator && v.version === a.version)));
    // several sets have the asked versions: the current one, if it is among them
    const chosen = matching.length > 1 ? matching.filter((r) => r.current) : matching;
    if (matching.length === 0)
      fail(
        `inputVersions: index "${meta.code}" version ${definitionVersion} has no scores made from ${asked.map((a) => `${a.indicator} ${a.version}`).join(', ')}; accepted: ${sets.map((r) => `[${listOf(r)}]`).join(' or ')} (CompositeIndex.results lists them)`,
        sets.map((r) => r.inputVersions),
      );
    if (chosen.length !== 1)
      fail(
        `inputVersions: several stored scores of index "${meta.code}" version ${definitionVersion} were made from these versions; name more of: ${matching.map((r) => `[${listOf(r)}]`).join(' or ')}`,
        matching.map((r) => r.inputVersions),
      );
    return chosen[0]!;
  }

  // ---- areas -----------------------------------------------------------------------------------

  area(ref: AreaRef): AreaView {
    this.checkLevel(ref.level, 'level');
    const area = this.deps.areas.area(ref.level, ref.code);
    if (!area) throw expectedError('NOT_FOUND', `no ${ref.level} with code "${ref.code}"; query { areas(level: ${ref.level}) { code } } lists them`, { argument: 'code' });
    return area;
  }

  /** The area a value belongs to (areas unknown to the reference still show their code). */
  areaOf(level: string, code: string): AreaView {
    return this.deps.areas.area(level, code) ?? { level, code, name: code, parent: null };
  }

  pageSize(requested: number | null | undefined, argument: string, max: number, fallback = this.limits.defaultPageSize): number {
    if (requested == null) return Math.min(fallback, max);
    if (requested < 0) throw expectedError('BAD_USER_INPUT', `${argument} must not be negative`, { argument });
    if (requested > max) throw expectedError('PAGE_SIZE_EXCEEDED', `${argument} ${requested} exceeds the maximum page size of ${max}; page with after/cursor`, { argument, max });
    return requested;
  }

  /**
   * Cells (areas × periods) a values read will produce at most, from the arguments alone. A read
   * whose estimate exceeds maxRows is refused before the warehouse is asked.
   */
  private checkEstimate(args: ValuesArgs, periods: number): number {
    const areas = args.areas?.length ? new Set(args.areas).size : this.deps.areas.areas(args.level).length;
    const cells = areas * periods;
    if (cells > this.limits.maxRows) {
      throw expectedError('RESULT_TOO_LARGE', `${periods} periods × ${areas} areas = ${cells} values exceed the limit of ${this.limits.maxRows}; narrow the areas or the periods`, {
        limit: this.limits.maxRows,
      });
    }
    // every field and alias pays for what it asks, once (the loaders read a repeated ask once too),
    // before anything is read: reads start on the next tick, so a refusal here stops the whole
    // request and no alias of it reads
    const key = groupKey(
      args.indicator,
      args.level,
      args.asOf,
      args.scenario,
      args.from,
      args.to,
      [...(args.periods ?? []), args.period ?? ''].sort().join(','),
      [...(args.areas ?? [])].sort().join(','),
      args.definitionVersion == null ? '' : String(args.definitionVersion),
    );
    if (this.charged.has(key)) return cells;
    this.charged.add(key);
    try {
      this.request.budget?.charge(cells);
    } catch (error) {
      this.request.abort?.abort(error);
      throw error;
    }
    return cells;
  }

  /** A warehouse read in this client's turn (fair scheduling) when budgets are on; the engine's limits as the caller's errors. */
  private async read<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await (this.request.budget ? this.request.budget.run(fn) : fn());
    } catch (error) {
      throw this.asRequestError(error);
    }
  }

  /**
   * No read starts after the request was cut off (timeout, client gone) or refused (budget); a
   * read that starts carries the signal, the request's deadline and the rows one query may scan,
   * so the warehouse stops its work too (issue #13).
   */
  private live(): { signal?: AbortSignal; deadline?: number; maxRowsToRead: number } {
    const signal = this.request.abort?.signal;
    if (signal?.aborted) throw this.cutOff();
    return { ...(signal ? { signal } : {}), ...(this.request.deadline !== undefined ? { deadline: this.request.deadline } : {}), maxRowsToRead: this.limits.maxRowsToRead };
  }

  private cutOff(): GraphQLError {
    const reason: unknown = this.request.abort?.signal.reason;
    return isExpected(reason) ? reason : expectedError('TIMEOUT', 'the request was cut off (time limit or client gone); this read was stopped');
  }

  /** The warehouse stopped a read at the request's limits: the caller's to narrow or retry, not a fault. */
  private asRequestError(error: unknown): unknown {
    if (!(error instanceof PortError)) return error;
    if (error.code === 'CANCELLED' || (error.code === 'TIMEOUT' && this.request.abort?.signal.aborted)) return this.cutOff();
    if (error.code === 'TIMEOUT' && this.request.deadline !== undefined && Date.now() >= this.request.deadline - 50) {
      return expectedError('TIMEOUT', `the request took longer than ${this.limits.requestTimeoutMs} ms and was cut off; narrow the query`);
    }
    if (error.code === 'LIMIT_EXCEEDED') {
      return expectedError('RESULT_TOO_LARGE', `a read would scan more than ${this.limits.maxRowsToRead} warehouse rows; narrow the areas, periods or as-of dates`, {
        limit: this.limits.maxRowsToRead,
      });
    }
    return error;
  }

  private checkLevel(level: string, argument: string): void {
    if (this.deps.areas.areas(level).length === 0) {
      throw expectedError('BAD_USER_INPUT', `level ${level} has no areas in this city's spatial reference`, { argument });
    }
  }

  private areaFilter(args: Pick<ValuesArgs, 'level' | 'parent' | 'areas'> & { indicator: string }): (row: { areaCode: string }) => boolean {
    const wanted = args.areas?.length ? new Set(args.areas) : null;
    let below: Set<string> | null = null;
    if (args.parent) {
      this.area(args.parent);
      below = new Set(
        this.deps.areas
          .areas(args.level)
          .filter((a) => this.isBelow(a, args.parent!))
          .map((a) => a.code),
      );
    }
    return (row) => (!wanted || wanted.has(row.areaCode)) && (!below || below.has(row.areaCode));
  }

  private isBelow(area: AreaView, ancestor: AreaRef): boolean {
    // planning areas are made of Stadtteile/Stadtviertel: below a parent if any member is
    const members = this.deps.areas.members?.(area.level, area.code);
    if (members?.length) {
      return members.some((m) => {
        const member = this.deps.areas.area(m.level, m.code);
        return !!member && (sameArea(member, ancestor) || this.isBelow(member, ancestor));
      });
    }
    let current: AreaRef | null = area.parent;
    for (let guard = 0; current && guard < 10; guard++) {
      if (sameArea(current, ancestor)) return true;
      current = this.deps.areas.area(current.level, current.code)?.parent ?? null;
    }
    return false;
  }

  private missing(indicator: string, ref: AreaRef, period: string): IndicatorValue {
    const meta = this.indicator(indicator);
    return {
      indicator,
      areaLevel: ref.level,
      areaCode: ref.code,
      period,
      value: null,
      numerator: null,
      denominator: null,
      suppressed: false,
      suppressionReason: null,
      knownAt: null,
      synthetic: meta.synthetic,
      definitionVersion: meta.version,
      confidential: meta.protection.confidential,
      perturbed: false,
    };
  }

  // ---- batch functions -------------------------------------------------------------------------

  private async loadSlices(keys: readonly SliceKey[]): Promise<(readonly IndicatorValue[])[]> {
    const groups = new Map<string, { key: SliceKey; periods: Set<string> }>();
    for (const k of keys) {
      const g = groupKey(k.indicator, k.level, k.asOf, k.scenario, version(k.definitionVersion));
      const group = groups.get(g) ?? { key: k, periods: new Set<string>() };
      group.periods.add(k.period);
      groups.set(g, group);
    }
    const byGroup = new Map<string, IndicatorValue[]>();
    await Promise.all(
      [...groups].map(async ([g, { key, periods }]) => {
        const rows = await this.read(() =>
          this.deps.indicators.values({
            ...this.live(),
            indicator: key.indicator,
            level: key.level,
            periods: [...periods].sort(),
            ...(key.asOf ? { asOf: key.asOf } : {}),
            ...(key.scenario ? { scenario: key.scenario } : {}),
            ...(key.definitionVersion !== undefined ? { definitionVersion: key.definitionVersion } : {}),
            privileged: privilegedFor(this.viewer, this.indicator(key.indicator)),
          }),
        );
        byGroup.set(
          g,
          rows.map((r) => this.guard(r)),
        );
      }),
    );
    return keys.map((k) => byGroup.get(groupKey(k.indicator, k.level, k.asOf, k.scenario, version(k.definitionVersion)))!.filter((r) => r.period === k.period));
  }

  private async loadRanges(keys: readonly RangeKey[]): Promise<(readonly IndicatorValue[])[]> {
    const groups = new Map<string, { key: RangeKey; codes: Set<string> | null }>();
    for (const k of keys) {
      const g = groupKey(k.indicator, k.level, k.asOf, k.scenario, k.from, k.to, version(k.definitionVersion));
      const group = groups.get(g) ?? { key: k, codes: new Set<string>() };
      if (k.areaCode === null) group.codes = null;
      else group.codes?.add(k.areaCode);
      groups.set(g, group);
    }
    const byGroup = new Map<string, IndicatorValue[]>();
    await Promise.all(
      [...groups].map(async ([g, { key, codes }]) => {
        const rows = await this.read(() =>
          this.deps.indicators.values({
            ...this.live(),
            indicator: key.indicator,
            level: key.level,
            ...(codes ? { areaCodes: [...codes].sort() } : {}),
            periodFrom: key.from,
            periodTo: key.to,
            ...(key.asOf ? { asOf: key.asOf } : {}),
            ...(key.scenario ? { scenario: key.scenario } : {}),
            ...(key.definitionVersion !== undefined ? { definitionVersion: key.definitionVersion } : {}),
            privileged: privilegedFor(this.viewer, this.indicator(key.indicator)),
          }),
        );
        byGroup.set(
          g,
          rows.map((r) => this.guard(r)),
        );
      }),
    );
    return keys.map((k) => {
      const rows = byGroup.get(groupKey(k.indicator, k.level, k.asOf, k.scenario, k.from, k.to, version(k.definitionVersion)))!;
      return k.areaCode === null ? rows : rows.filter((r) => r.areaCode === k.areaCode);
    });
  }

  private async loadIndex(keys: readonly IndexKey[]): Promise<(readonly IndexValue[])[]> {
    const privileged = privilegedForIndex(this.viewer);
    return Promise.all(
      keys.map((k) =>
        this.read(() => {
          this.live();
          return this.deps.indicators.indexValues({
            index: k.index,
            level: k.level,
            period: k.period,
            privileged,
            ...(k.definitionVersion !== undefined ? { definitionVersion: k.definitionVersion } : {}),
            ...(k.inputVersions !== undefined ? { inputVersions: k.inputVersions } : {}),
          });
        }),
      ),
    );
  }

  /** Defence in depth: a suppressed cell leaves the gateway without any figure that could reveal it. */
  private guard(row: IndicatorValue): IndicatorValue {
    return row.suppressed ? { ...row, value: null, numerator: null, denominator: null } : row;
  }
}

const version = (v: number | undefined) => (v === undefined ? '' : String(v));

/** The asked version of a definition (undefined: the latest), or BAD_USER_INPUT naming the versions there are. */
function checkVersion(meta: IndicatorMeta | IndexMeta, asked: number | null | undefined, what: 'indicator' | 'index'): number | undefined {
  if (asked == null) return undefined;
  const versions = meta.versions ?? [meta.version];
  if (!versions.includes(asked)) {
    throw expectedError('BAD_USER_INPUT', `${what} "${meta.code}" has no definition version ${asked}; accepted: ${versions.join(', ')}`, { argument: 'definitionVersion', accepted: [...versions] });
  }
  return asked;
}

function sameArea(a: AreaRef, b: AreaRef): boolean {
  return a.level === b.level && a.code === b.code;
}
