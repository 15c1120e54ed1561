// IndicatorReader over the warehouse. Counts are rolled up at query time by joining leaf cells
// with area_map (summing numerators and denominators, never averaging rates); the arithmetic is
// @sp/indicators' evaluatePlan, the SQL comes from indicator-sql.ts.
// Datenschutz (docs/disclosure.md): every observation of a confidential dataset has a protected
// value (cell-key method, written by the projector). A reader without the privileged role gets,
// for every figure that involves a confidential dataset, the sum of protected values — at every
// level, planning area, period and as-of date alike — so no two public figures combine into an
// unprotected one; rates, changes and index inputs are computed from these protected counts. It
// learns nothing more about such a figure: no knownAt, and a figure it may not see is only
// "geschützt" (PROTECTED). Privileged readers get the true values, marked confidential.
import {
  alignPeriod,
  type DeliveredValue,
  deliveredValueHidden,
  type Evaluation,
  evaluatePlan,
  formatInputVersions,
  type IndicatorPlan,
  parseInputVersions,
  loadProtection,
  periodRange,
  periodStart,
  shiftPeriod,
  deliveredThreshold,
  type Component,
  type Protection,
} from '@sp/indicators';
import { ExpectedError, type ReadOptions, type Warehouse } from '@sp/ports';
import {
  type AskedCounts,
  areaRelationsStatement,
  areaValidityStatement,
  type CountRow,
  countsStatement,
  type DeliveredRow,
  deliveredStatement,
  indexResultsStatement,
  indexValuesStatement,
  type Only,
  periodsStatement,
  sourceCountsOfStatement,
  sourceCountsStatement,
} from './indicator-sql.js';
import { componentsOf, type PlanResolver, type ScenarioDatasets, UnknownScenarioError } from './indicator-plan.js';
import type { IndexResult, IndexValue, IndexValuesQuery, IndicatorReader, IndicatorValue, IndicatorValueKind, IndicatorValuesQuery, SuppressionReason } from './indicator-reader.js';

type DeliveredPlan = Extract<IndicatorPlan, { kind: 'delivered' }>;

/** An indicator the plans do not know: the caller asked for it, so the gateway shows the error. */
export class UnknownIndicatorError extends ExpectedError {
  override readonly name = 'UnknownIndicatorError';
  override readonly code = 'UNKNOWN_INDICATOR';
  constructor(
    readonly indicator: string,
    readonly version?: number,
  ) {
    super('UNKNOWN_INDICATOR', version === undefined ? `unknown indicator "${indicator}"` : `unknown indicator "${indicator}" version ${version}`);
  }
}

export interface WarehouseIndicatorReaderOptions {
  plans: PlanResolver;
  /** the levels of the nested hierarchy, coarsest first (the spatial reference's hierarchyLevels) */
  hierarchyLevels: readonly string[];
  /** the tenant's protection (default: @sp/indicators' catalogue/protection.yaml); only suppressBelow is read here */
  protection?: Protection;
  /** the tenant's prognose datasets (none: a read with a scenario is refused) */
  scenarios?: ScenarioDatasets;
}

/** What the composite indices read of one figure (WarehouseIndicatorReader.indexInputs). */
export interface IndexInput {
  areaCode: string;
  period: string;
  /** as values() gives it: null when suppressed or not computable */
  value: number | null;
  /** when it became known, ms; 0 where values() gives no knownAt */
  knownAtMs: number;
}

interface Count {
  /** the true value, or for the public's read of a confidential component the protected one; null when some observation has none (shown as "geschützt") */
  value: number | null;
  knownAt: number;
  synthetic: boolean;
}
/** period → "level|code" → count */
type Counts = Map<string, Map<string, Count>>;

interface AreaRelation {
  child_level: string;
  child_code: string;
  level: string;
  code: string;
}

/** The asker's budget for one warehouse query (issue #13): its abort signal, the time left, the rows it may scan. */
function readOptions(q: IndicatorValuesQuery): ReadOptions {
  return {
    ...(q.signal ? { signal: q.signal } : {}),
    // a deadline already passed still gets the engine's smallest limit rather than none
    ...(q.deadline !== undefined ? { maxExecutionMs: Math.max(1, q.deadline - Date.now()) } : {}),
    ...(q.maxRowsToRead !== undefined ? { maxRowsToRead: q.maxRowsToRead } : {}),
  };
}

const cellKey = (level: string, code: string) => `${level}|${code}`;

/** area code → the spans (ISO dates, valid_to '' = open) in which the area is valid */
type Validity = Map<string, { from: string; to: string }[]>;

/** Whether the area is valid on the day `start` (as area_map's join condition: valid_from ≤ start ≤ valid_to). */
function validAt(validity: Validity, code: string, start: string): boolean {
  return validity.get(code)?.some((v) => v.from <= start && (v.to === '' || start <= v.to)) ?? false;
}

/** One area's count from a counts statement's columns: none (null, "geschützt") when some present observation has no protected value. */
function countOf(value: number | string, unkeyed: number | string, knownAtMs: number | string, synthetic: number | string): Count {
  return { value: Number(unkeyed) > 0 ? null : Number(value), knownAt: Number(knownAtMs), synthetic: Number(synthetic) === 1 };
}

/** Counts of the rows of a counts statement; with `validity` (a source-level read), only of areas valid in their period. */
function toCounts(rows: readonly CountRow[], periods: readonly string[], starts: readonly string[], validity: Validity | undefined): Counts {
  const startOf = new Map(periods.map((p, i) => [p, starts[i]!]));
  const out: Counts = new Map();
  for (const r of rows) {
    if (validity && !validAt(validity, r.code, startOf.get(r.period) ?? periodStart(r.period))) continue;
    const byCell = out.get(r.period) ?? new Map<string, Count>();
    byCell.set(cellKey(r.level, r.code), countOf(r.value, r.unkeyed, r.known_at_ms, r.synthetic));
    out.set(r.period, byCell);
  }
  return out;
}

/** One statement of SharedReads: the components (and their values kinds) and periods asked of it, and their counts once sent. */
interface SharedRead {
  components: Map<string, AskedCounts>;
  periods: Set<string>;
  counts: Promise<Map<string, Counts>>;
  sent: boolean;
}

/**
 * Counts shared by several WarehouseIndicatorReader.values() or indexInputs() calls (one
 * recomputation of the composite indices). The reads of one group (as of the same time, of the
 * same areas, true or protected; at the source level, every component of one dataset, with its
 * true and its protected sums alike) asked before the first of them is sent — the calls a
 * recomputation makes one after the other, before it awaits any — go out as one statement with
 * every component and period asked, not as one per call: a rebuild's index years read a share's
 * numerator for each year and again for its change over 12 months, the population in several age
 * bands, the population for every share, and several measures of one dataset. Each call gets its
 * component's counts of every period read, and looks up only its own. A read asked after its
 * statement was sent joins it when that statement covers its component and periods, otherwise it
 * starts the next one. A failed statement is forgotten, so a later call reads again.
 */
export class SharedReads {
  private readonly reads = new Map<string, SharedRead[]>();

  /**
   * The counts of component `id` for at least `periods`; `run` reads a group's components for the
   * periods it is given, by id.
   */
  read(
    group: string,
    id: string,
    asked: AskedCounts,
    periods: readonly string[],
    run: (components: ReadonlyMap<string, AskedCounts>, periods: string[]) => Promise<Map<string, Counts>>,
  ): Promise<Counts> {
    const list = this.reads.get(group) ?? [];
    this.reads.set(group, list);
    let read = list.find((r) => r.sent && r.components.has(id) && periods.every((p) => r.periods.has(p)));
    if (!read) {
      read = list.find((r) => !r.sent);
      if (!read) {
        const open: SharedRead = { components: new Map(), periods: new Set(), counts: Promise.resolve(new Map()), sent: false };
        // sent once the calls asked in the same turn have added their components and periods
        open.counts = new Promise<void>((resolve) => queueMicrotask(resolve)).then(() => {
          open.sent = true;
          return run(open.components, [...open.periods].sort()).catch((error: unknown) => {
            list.splice(list.indexOf(open), 1);
            throw error;
          });
        });
        list.push(open);
        read = open;
      }
      read.components.set(id, asked);
      for (const p of periods) read.periods.add(p);
    }
    return read.counts.then((byId) => byId.get(id) ?? new Map());
  }
}

export class WarehouseIndicatorReader implements IndicatorReader {
  private readonly suppressBelow: number;
  /** delivered shares, rates, means and changes standing on a smaller count are withheld from the public */
  private readonly deliveredThreshold: number;
  private relations: Promise<AreaRelation[]> | undefined;
  private readonly validity = new Map<string, Promise<Validity>>();

  constructor(
    private readonly warehouse: Warehouse,
    private readonly options: WarehouseIndicatorReaderOptions,
  ) {
    const protection = (options.protection ?? loadProtection()).config;
    this.suppressBelow = protection.suppressBelow;
    this.deliveredThreshold = deliveredThreshold(protection);
  }

  /** Forget the cached area relations (after the area map was reloaded). */
  clearCache(): void {
    this.relations = undefined;
    this.validity.clear();
  }

  /** Whether the public sees a component's counts only protected. Unknown datasets are confidential. */
  private confidential(c: Component): boolean {
    return this.options.plans.confidential?.(c.dataset) ?? true;
  }

  /** Whether the public sees some of a computed plan's counts only protected (values(), indexInputs(), samePublicValues()). */
  private hasConfidential(plan: Exclude<IndicatorPlan, DeliveredPlan>): boolean {
    return componentsOf(plan).some((c) => this.confidential(c));
  }

  /**
   * The values of an indicator. `shared`: counts read once for several calls (the composite
   * indices' definitions and variants read the same components), for calls without a signal, a
   * deadline or a row budget of their own; the same statement gives the same counts.
   */
  async values(q: IndicatorValuesQuery, shared?: SharedReads): Promise<IndicatorValue[]> {
    const plan = this.options.plans.plan(q.indicator, q.definitionVersion);
    if (!plan) throw new UnknownIndicatorError(q.indicator, q.definitionVersion);
    const { periods, restrict } = await this.scope(q);
    if (plan.kind === 'delivered') {
      if (q.scenario !== undefined) throw new UnknownScenarioError(q.scenario, this.options.scenarios?.scenarios() ?? [], ` for the delivered values of ${plan.code}`);
      return this.deliveredValues(plan, q, periods, restrict);
    }
    const valueKind: IndicatorValueKind = plan.kind === 'count' ? 'COUNT' : plan.kind === 'change' ? 'CHANGE' : plan.factor === 100 ? 'SHARE' : 'RATE';
    const privileged = q.privileged === true;
    const confidential = this.hasConfidential(plan);
    const out: IndicatorValue[] = [];
    await this.evaluate(plan, q, periods, restrict, shared, (area, period, e, hidden, knownAt, synthetic) => {
      const reason: SuppressionReason | null = hidden ? 'PROTECTED' : null;
      out.push({
        indicator: plan.code,
        areaLevel: q.level,
        areaCode: area,
        period,
        value: reason ? null : e.value,
        numerator: reason ? null : e.numerator,
        denominator: reason ? null : e.denominator,
        suppressed: reason !== null,
        suppressionReason: reason,
        // when a confidential figure changed says which cell a correction touched
        knownAt: knownAt && (privileged || !confidential) ? new Date(knownAt).toISOString() : null,
        synthetic: synthetic || plan.synthetic,
        definitionVersion: plan.version,
        confidential,
        perturbed: confidential && !privileged,
        ...(q.scenario === undefined ? {} : { scenario: q.scenario }),
        origin: 'COMPUTED',
        valueKind,
      });
    });
    return out;
  }

  /**
   * What the composite indices read of an indicator: per area and period the value values() gives
   * (null when suppressed or not computable) and when it became known in ms (0 where values() gives
   * no knownAt), without the rest of an IndicatorValue: a rebuild's index years read ≈ 100,000
   * values, each of which values() makes a full IndicatorValue with its knownAt as ISO text, only
   * for the projector to parse it back (bench/indicators/README.md §4, session 21). Delivered
   * values come from values().
   */
  async indexInputs(q: IndicatorValuesQuery, shared?: SharedReads): Promise<IndexInput[]> {
    const plan = this.options.plans.plan(q.indicator, q.definitionVersion);
    if (!plan) throw new UnknownIndicatorError(q.indicator, q.definitionVersion);
    if (plan.kind === 'delivered') return (await this.values(q, shared)).map((v) => ({ areaCode: v.areaCode, period: v.period, value: v.value, knownAtMs: v.knownAt ? Date.parse(v.knownAt) : 0 }));
    const { periods, restrict } = await this.scope(q);
    const shown = q.privileged === true || !this.hasConfidential(plan);
    const out: IndexInput[] = [];
    await this.evaluate(plan, q, periods, restrict, shared, (areaCode, period, e, hidden, knownAt) => {
      out.push({ areaCode, period, value: hidden ? null : e.value, knownAtMs: shown ? knownAt : 0 });
    });
    return out;
  }

  /** The periods a query asks for and the areas it is restricted to (none: every area of its level). */
  private async scope(q: IndicatorValuesQuery): Promise<{ periods: string[]; restrict: Set<string> | undefined }> {
    const periods = q.periods ? [...q.periods] : q.periodFrom && q.periodTo ? periodRange(q.periodFrom, q.periodTo) : await this.periods(q.indicator);
    const restrict = q.areaCodes ? new Set(q.areaCodes) : q.parentCode ? await this.childrenOf(q.parentCode, q.level) : undefined;
    return { periods, restrict };
  }

  /**
   * The one evaluation of a count, ratio or change from the warehouse's counts: reads the counts of
   * its components and calls `emit` per area and period that has a value, in period and area order,
   * with whether the figure is hidden from this reader (a protected count it may not see), the
   * latest knownAt (ms) of the counts read and whether any is synthetic.
   */
  private async evaluate(
    plan: Exclude<IndicatorPlan, DeliveredPlan>,
    q: IndicatorValuesQuery,
    periods: readonly string[],
    restrict: Set<string> | undefined,
    shared: SharedReads | undefined,
    emit: (area: string, period: string, e: Evaluation, hidden: boolean, knownAt: number, synthetic: boolean) => void,
  ): Promise<void> {
    const asked = new Set(periods);
    if (plan.kind === 'change') for (const p of periods) asked.add(shiftPeriod(p, -plan.periods));
    const only: Only = { level: q.level, ...(restrict ? { codes: [...restrict] } : {}) };
    const components = new Map(componentsOf(plan).map((c) => [JSON.stringify(c), c]));
    const counts = new Map<string, Counts>();
    const asOf = q.asOf ? Date.parse(q.asOf) : undefined;
    const privileged = q.privileged === true;
    // a scenario reads each component from its prognose dataset; confidentiality and periodicity stay the source's
    const read = new Map([...components].map(([id, c]) => [id, q.scenario === undefined ? c : this.inScenario(c, q.scenario)]));
    // the components (a rate's numerator and denominator) are read side by side: each is one
    // warehouse round trip whose fixed cost (several ms in chDB) would otherwise add up
    q.signal?.throwIfAborted();
    await Promise.all(
      [...components].map(async ([id, c]) => {
        const readPeriods = [...new Set([...asked].map((p) => this.readPeriod(c, p)))];
        const component = read.get(id)!;
        const kind = privileged || !this.confidential(c) ? 'true' : 'protected';
        const sharing = shared && q.signal === undefined && q.deadline === undefined && q.maxRowsToRead === undefined;
        // at the source level, the current cells of every component of one dataset are read in one
        // statement (countsOf), true and protected sums alike
        const ofDataset = asOf === undefined && only.level === component.sourceLevel;
        const group = JSON.stringify([ofDataset ? [component.dataset, component.sourceLevel] : component, asOf ?? null, only, ofDataset ? null : kind]);
        const read1 = sharing
          ? shared.read(group, JSON.stringify([component, kind]), { component, values: kind }, readPeriods, (cs, periods) => this.countsOf(cs, periods, asOf, only))
          : this.counts(component, readPeriods, asOf, only, kind, readOptions(q));
        counts.set(id, await read1);
      }),
    );
    // looked up per area, period and component below (a rebuild's index years read tens of
    // thousands of values per call): each component's counts and whether its true values are read,
    // by the component object evaluatePlan hands over (the plan's own), and each component's read
    // period per asked period, computed once per call instead of per lookup
    const byComponent = new Map<Component, { counts: Counts | undefined; open: boolean }>();
    for (const [id, c] of components) byComponent.set(c, { counts: counts.get(id), open: privileged || !this.confidential(c) });
    const componentEntry = (c: Component) => byComponent.get(c) ?? { counts: counts.get(JSON.stringify(c)), open: privileged || !this.confidential(c) };
    const aligned = new Map<Component, Map<string, string>>();
    const readPeriod = (c: Component, p: string): string => {
      let byPeriod = aligned.get(c);
      if (!byPeriod) aligned.set(c, (byPeriod = new Map()));
      let r = byPeriod.get(p);
      if (r === undefined) byPeriod.set(p, (r = this.readPeriod(c, p)));
      return r;
    };
    const levelPrefix = cellKey(q.level, '');
    for (const period of periods) {
      const areas = new Set<string>();
      for (const [id, c] of components) {
        for (const k of counts.get(id)?.get(readPeriod(c, period))?.keys() ?? []) if (k.startsWith(levelPrefix)) areas.add(k.slice(levelPrefix.length));
      }
      for (const area of [...areas].sort()) {
        if (restrict && !restrict.has(area)) continue;
        let hidden = false;
        let knownAt = 0;
        let synthetic = false;
        const key = cellKey(q.level, area);
        const lookup = (c: Component, p: string): number | undefined => {
          const entry = componentEntry(c);
          const v = entry.counts?.get(p)?.get(key);
          if (!v) return undefined;
          knownAt = Math.max(knownAt, v.knownAt);
          synthetic ||= v.synthetic;
          if (entry.open) return v.value ?? undefined;
          // the public sees the protected value; one it may not see hides the figure
          if (v.value === null || v.value < this.suppressBelow) {
            hidden = true;
            return v.value ?? 0;
          }
          return v.value;
        };
        const e = evaluatePlan(plan, period, lookup, readPeriod);
        if (e) emit(area, period, e, hidden, knownAt, synthetic);
      }
    }
  }

  /**
   * A delivered share, rate, mean or change (docs/indicators.md §3, docs/disclosure.md §8): at
   * each area of the asked level where it was delivered, the delivered value (origin DELIVERED).
   * Never a sum, never a mean of means: an area where nothing was delivered has no value. The
   * public never sees such values of a confidential dataset (no protected value exists), and sees
   * one of a public dataset only when it and every value delivered inside its area pass
   * deliveredValueHidden — so that no difference of a parent and its visible parts gives a
   * withheld part away.
   */
  private async deliveredValues(plan: DeliveredPlan, q: IndicatorValuesQuery, periods: readonly string[], restrict: Set<string> | undefined): Promise<IndicatorValue[]> {
    const privileged = q.privileged === true;
    const confidential = this.confidential(plan.value);
    const asOf = q.asOf ? Date.parse(q.asOf) : undefined;
    const readPeriods = [...new Set(periods.map((p) => this.readPeriod(plan.value, p)))];
    const starts = readPeriods.map(periodStart);
    const read = async (c: Component) => {
      const { sql, params } = deliveredStatement(c, readPeriods, starts, asOf);
      const byCell = new Map<string, DeliveredRow>();
      for (const r of await this.warehouse.query<DeliveredRow>(sql, params, readOptions(q))) byCell.set(`${r.period}|${r.level}|${r.code}`, r);
      return byCell;
    };
    q.signal?.throwIfAborted();
    const [values, denominators, relations] = await Promise.all([read(plan.value), read(plan.denominator), this.loadRelations()]);
    const delivered = (period: string, level: string, code: string): (DeliveredValue & { row: DeliveredRow }) | undefined => {
      const row = values.get(`${period}|${level}|${code}`);
      if (!row) return undefined;
      const d = denominators.get(`${period}|${level}|${code}`);
      return { value: Number(row.value), denominator: d ? Number(d.value) : null, row };
    };
    const hidden = (v: DeliveredValue) => !privileged && (confidential || deliveredValueHidden(plan, v, this.deliveredThreshold));
    // the areas inside each area of the asked level (any finer or member level), from area_map
    const inside = new Map<string, AreaRelation[]>();
    for (const r of relations) {
      if (r.level !== q.level || r.child_level === q.level) continue;
      inside.set(r.code, [...(inside.get(r.code) ?? []), r]);
    }

    const out: IndicatorValue[] = [];
    for (const asked of periods) {
      const period = this.readPeriod(plan.value, asked);
      const areas = [...values.values()].filter((r) => r.period === period && r.level === q.level).map((r) => r.code);
      for (const area of areas.sort()) {
        if (restrict && !restrict.has(area)) continue;
        const v = delivered(period, q.level, area)!;
        // withheld when it, or any value delivered inside its area, may not be shown (differencing)
        const withheld =
          hidden(v) ||
          (inside.get(area) ?? []).some((r) => {
            const part = delivered(period, r.child_level, r.child_code);
            return part !== undefined && hidden(part);
          });
        const knownAt = Number(v.row.known_at_ms);
        out.push({
          indicator: plan.code,
          areaLevel: q.level,
          areaCode: area,
          period: asked,
          value: withheld ? null : v.value,
          numerator: null,
          denominator: withheld ? null : v.denominator,
          suppressed: withheld,
          suppressionReason: withheld ? 'PROTECTED' : null,
          knownAt: knownAt && (privileged || !confidential) ? new Date(knownAt).toISOString() : null,
          synthetic: Number(v.row.synthetic) === 1 || plan.synthetic,
          definitionVersion: plan.version,
          confidential,
          perturbed: false,
          origin: 'DELIVERED',
          valueKind: plan.valueKind,
        });
      }
    }
    return out;
  }

  async periods(indicator: string, scenario?: string): Promise<string[]> {
    const plan = this.options.plans.plan(indicator);
    if (!plan) throw new UnknownIndicatorError(indicator);
    // the periods of the indicator's first component (a rate's numerator) define its series
    const first = componentsOf(plan)[0]!;
    const { sql, params } = periodsStatement(scenario === undefined ? first : this.inScenario(first, scenario));
    const periods = (await this.warehouse.query<{ period: string }>(sql, params)).map((r) => r.period);
    return plan.kind === 'change' ? periods.filter((p) => periods.includes(shiftPeriod(p, -plan.periods))) : periods;
  }

  /**
   * A composite index: the exact scores for privileged readers, the variant computed from protected
   * inputs for everyone else. Of the input versions asked for, or else of those the catalogue has
   * now; a year stored before input versions were recorded answers with its old rows until it is
   * recomputed. Scores of earlier input versions answer only when asked for (indexResults lists them).
   */
  async indexValues(query: IndexValuesQuery): Promise<IndexValue[]> {
    const asked = query.inputVersions === undefined ? undefined : formatInputVersions(query.inputVersions);
    const { inputVersions: _asked, ...rest } = query;
    const { sql, params } = indexValuesStatement({ ...rest, ...(asked === undefined ? {} : { inputVersions: asked }) }, query.privileged ? 'exact' : 'protected');
    const rows = await this.warehouse.query<{
      area_code: string;
      score: number | null;
      class: string | null;
      scored: number;
      definition_version: number;
      input_versions: string;
      computed_from_ms: string;
    }>(sql, params);
    let picked = rows;
    if (asked === undefined && rows.length > 0) {
      // one definition version (the statement's); its rows of the input versions there are now
      const version = Number(rows[0]!.definition_version);
      const known = this.options.plans.inputVersions?.(query.index, version);
      // a resolver that knows no input versions: those of the newest computation
      const newest = () =>
        rows.reduce((a, b) => (Number(b.computed_from_ms) > Number(a.computed_from_ms) || (b.computed_from_ms === a.computed_from_ms && b.input_versions > a.input_versions) ? b : a));
      const current = known ? formatInputVersions(known) : newest().input_versions;
      picked = rows.filter((r) => r.input_versions === current);
      if (picked.length === 0) picked = rows.filter((r) => r.input_versions === '');
    }
    return picked.map((r) => ({
      index: query.index,
      areaLevel: query.level,
      areaCode: r.area_code,
      period: query.period,
      score: r.score === null ? null : Number(r.score),
      class: r.class,
      scored: Number(r.scored) === 1,
      definitionVersion: Number(r.definition_version),
      inputVersions: parseInputVersions(r.input_versions),
    }));
  }

  /** Every set of stored results of an index, in the variant this reader may see; `current` marks those a read without inputVersions answers. */
  async indexResults(query: { index: string; privileged?: boolean }): Promise<IndexResult[]> {
    const { sql, params } = indexResultsStatement(query.index, query.privileged ? 'exact' : 'protected');
    const rows = await this.warehouse.query<{ definition_version: number; input_versions: string; periods: string[] }>(sql, params);
    return rows.map((r) => {
      const definitionVersion = Number(r.definition_version);
      const known = this.options.plans.inputVersions?.(query.index, definitionVersion);
      return {
        definitionVersion,
        inputVersions: parseInputVersions(r.input_versions),
        current: known !== undefined && r.input_versions !== '' && formatInputVersions(known) === r.input_versions,
        periods: [...r.periods],
      };
    });
  }

  /**
   * The periods of stored cells that values() reads to answer these periods of an indicator: each
   * component's dataset aligned (a year of a monthly dataset reads its December), and for a change
   * also the periods n back. Results for other periods cannot change when only these did not.
   */
  readPeriods(indicator: string, periods: readonly string[]): string[] {
    const plan = this.options.plans.plan(indicator);
    if (!plan) throw new UnknownIndicatorError(indicator);
    const asked = new Set(periods);
    if (plan.kind === 'change') for (const p of periods) asked.add(shiftPeriod(p, -plan.periods));
    return [...new Set(componentsOf(plan).flatMap((c) => [...asked].map((p) => this.readPeriod(c, p))))];
  }

  /** The measures values() reads of an indicator (its components'): cells of no other measure can change its values. */
  readMeasures(indicator: string): string[] {
    const plan = this.options.plans.plan(indicator);
    if (!plan) throw new UnknownIndicatorError(indicator);
    return [...new Set(componentsOf(plan).map((c) => c.measure))];
  }

  /**
   * Whether values() gives the public exactly what it gives a privileged reader for this indicator:
   * a count, ratio or change none of whose components is confidential (no protected values, no
   * withheld delivered figures). The composite indices read such an input once for both variants.
   */
  samePublicValues(indicator: string): boolean {
    const plan = this.options.plans.plan(indicator);
    return plan !== undefined && plan.kind !== 'delivered' && !this.hasConfidential(plan);
  }

  /** The component read from the scenario's prognose dataset; UNKNOWN_SCENARIO when its dataset has none. */
  private inScenario(c: Component, scenario: string): Component {
    const dataset = this.options.scenarios?.datasetFor(c.dataset, scenario);
    if (!dataset) throw new UnknownScenarioError(scenario, this.options.scenarios?.scenarios() ?? [], ` for the dataset ${c.dataset}`);
    return { ...c, dataset };
  }

  /** The period of the component's dataset that serves an asked period (a month reads its year's population). */
  private readPeriod(c: Component, period: string): string {
    const periodicity = this.options.plans.periodicity?.(c.dataset);
    return periodicity ? alignPeriod(period, periodicity) : period;
  }

  private async counts(c: Component, periods: string[], asOf: number | undefined, only: Only, values: 'true' | 'protected', options: ReadOptions): Promise<Counts> {
    const starts = periods.map(periodStart);
    // at the source level nothing is rolled up: one GROUP BY, and the areas' validity checked here
    // (the join with area_map that does both for coarser levels costs several times the read)
    const atSource = only.level === c.sourceLevel;
    const { sql, params } = atSource ? sourceCountsStatement(c, periods, starts, asOf, only.codes, values) : countsStatement(c, periods, starts, asOf, only, values);
    const [rows, validity] = await Promise.all([this.warehouse.query<CountRow>(sql, params, options), atSource ? this.validityOf(c.sourceLevel) : undefined]);
    return toCounts(rows, periods, starts, validity);
  }

  /**
   * The counts of several components, by id (SharedReads), each with its values kind. Those of one
   * dataset and source level, read at that level from the current cells, come from one statement
   * (sourceCountsOfStatement) with the same sums per component and kind as counts() reads; any
   * other, one statement each.
   */
  private async countsOf(components: ReadonlyMap<string, AskedCounts>, periods: string[], asOf: number | undefined, only: Only): Promise<Map<string, Counts>> {
    const entries = [...components];
    const [first] = entries;
    if (!first || entries.length === 1 || asOf !== undefined || only.level !== first[1].component.sourceLevel) {
      return new Map(await Promise.all(entries.map(async ([id, { component, values }]) => [id, await this.counts(component, periods, asOf, only, values, {})] as const)));
    }
    const { sql, params } = sourceCountsOfStatement(
      entries.map(([, asked]) => asked),
      periods,
      only.codes,
    );
    const [rows, validity] = await Promise.all([this.warehouse.query<Record<string, string | number>>(sql, params), this.validityOf(first[1].component.sourceLevel)]);
    const starts = periods.map(periodStart);
    const startOf = new Map(periods.map((p, i) => [p, starts[i]!]));
    // one pass over the rows: an area outside its validity is left out for every component, as toCounts() leaves it out of each
    const columns = entries.map((_, i) => ({ present: `present_${i}`, value: `value_${i}`, unkeyed: `unkeyed_${i}`, knownAt: `known_at_ms_${i}`, synthetic: `synthetic_${i}` }));
    const out = entries.map((): Counts => new Map());
    for (const r of rows) {
      const period = String(r.period);
      const code = String(r.code);
      if (!validAt(validity, code, startOf.get(period) ?? periodStart(period))) continue;
      const key = cellKey(String(r.level), code);
      columns.forEach((col, i) => {
        if (Number(r[col.present]) === 0) return;
        const counts = out[i]!;
        let byCell = counts.get(period);
        if (!byCell) counts.set(period, (byCell = new Map()));
        byCell.set(key, countOf(r[col.value]!, r[col.unkeyed]!, r[col.knownAt]!, r[col.synthetic]!));
      });
    }
    return new Map(entries.map(([id], i) => [id, out[i]!]));
  }

  /** When the areas of a level are valid; cached like the relations (an empty area map is not cached: it is loaded at start). */
  private validityOf(level: string): Promise<Validity> {
    let cached = this.validity.get(level);
    if (!cached) {
      const { sql, params } = areaValidityStatement(level);
      cached = this.warehouse.query<{ code: string; valid_from: string; valid_to: string }>(sql, params).then((rows) => {
        if (rows.length === 0) this.validity.delete(level);
        const out: Validity = new Map();
        for (const r of rows) out.set(r.code, [...(out.get(r.code) ?? []), { from: r.valid_from, to: r.valid_to }]);
        return out;
      });
      cached.catch(() => this.validity.delete(level));
      this.validity.set(level, cached);
    }
    return cached;
  }

  private loadRelations(): Promise<AreaRelation[]> {
    this.relations ??= this.warehouse.query<AreaRelation>(areaRelationsStatement.sql, areaRelationsStatement.params).catch((e) => {
      this.relations = undefined;
      throw e;
    });
    return this.relations;
  }

  /** The areas of `level` below the area `parentCode` of the next coarser hierarchy level (any containing area for a planning level). */
  private async childrenOf(parentCode: string, level: string): Promise<Set<string>> {
    const levels = this.options.hierarchyLevels;
    const i = levels.indexOf(level);
    const parentLevel = i > 0 ? levels[i - 1] : undefined;
    const rows = await this.loadRelations();
    return new Set(rows.filter((r) => r.child_level === level && r.code === parentCode && r.level !== level && (!parentLevel || r.level === parentLevel)).map((r) => r.child_code));
  }
}
