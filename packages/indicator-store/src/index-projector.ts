// Composite indices (e.g. "Statusindex Soziale Lage") materialised per level and year, for every
// version of every index definition at the levels it names (its `levels`), recomputed only for the years whose reads a batch touched —
// which includes later years: a change over 12 months makes the Dynamikindex of Y+1 read December
// of Y, so a correction of Y recomputes Y+1 too. Two variants (docs/disclosure.md): the exact one
// from the true inputs (index_values, for privileged readers) and the public one from the inputs as
// the public sees them, protected (protected_index_values): scores of exact inputs would let anyone
// solve for a confidential input from the scores and the other inputs. Each result row keeps the
// definition version that made it and the versions of the indicators it read (input_versions:
// a new version of an input, even one a ratio reads, writes new rows beside those of the old
// version, which stay as they were computed last; docs/indicators.md §8), and carries the latest
// known_at of its inputs, so a replay produces identical scores. A recomputed year replaces all
// of its rows of the current input versions: the version column (computed_from_ms) never goes
// below the rows it replaces (a withdrawal can leave the remaining inputs older than the last
// computation), and an area that dropped out of the result (its population withdrawn) gets an
// unscored row instead of keeping its old score.
import { alignPeriod, computeCompositeIndex, formatInputVersions, type Catalogue, type ResolvedIndex } from '@sp/indicators';
import type { Warehouse } from '@sp/ports';
import { RowBinaryWriter } from './row-binary.js';
import { type IndexInput, SharedReads, type WarehouseIndicatorReader } from './warehouse-indicator-reader.js';

/** reads of one recompute() call: "indicator|level|period|privileged" → values */
type Reads = Map<string, Promise<IndexInput[]>>;

/** one row of index_values or protected_index_values */
interface IndexRow {
  index_code: string;
  definition_version: number;
  input_versions: string;
  area_level: string;
  area_code: string;
  period: string;
  score: number | null;
  class: string | null;
  scored: 0 | 1;
  computed_from_ms: number;
}

/** rows to insert at the end of one recompute() call, per table */
type Written = Map<string, IndexRow[]>;

/** the columns of both index tables in the order indexRowsRowBinary writes them */
const indexColumns = ['index_code', 'definition_version', 'input_versions', 'area_level', 'area_code', 'period', 'score', 'class', 'scored', 'computed_from_ms'] as const;

/** Index rows as RowBinary in indexColumns' order (a Nullable: 1 for null, else 0 and the value); the same values as the JSON insert before. */
function indexRowsRowBinary(rows: readonly IndexRow[]): Uint8Array {
  const w = new RowBinaryWriter(Math.max(1 << 16, rows.length * 96));
  for (const r of rows) {
    w.string(r.index_code);
    w.uint32(r.definition_version);
    w.string(r.input_versions);
    w.string(r.area_level);
    w.string(r.area_code);
    w.string(r.period);
    // as the JSON insert stored it: a score that is not a finite number is null
    if (r.score === null || !Number.isFinite(r.score)) w.uint8(1);
    else {
      w.uint8(0);
      w.float64(r.score);
    }
    if (r.class === null) w.uint8(1);
    else {
      w.uint8(0);
      w.string(r.class);
    }
    w.uint8(r.scored);
    w.uint64(r.computed_from_ms);
  }
  return w.bytes();
}

/** Where each variant of the indices lives and how its inputs are read. */
const variants = [
  { table: 'index_values', privileged: true },
  { table: 'protected_index_values', privileged: false },
] as const;
type Variant = (typeof variants)[number];

/** the rows of one index year stored before a recompute() call: their newest version and areas */
interface StoredYear {
  computedFromMs: number;
  areas: Set<string>;
}
/** "table|index|version|input versions|level|year" → StoredYear */
type Stored = Map<string, StoredYear>;

export interface IndexProjectorOptions {
  /**
   * Only these levels (e.g. the levels of the tenant's spatial reference); default: every level an
   * index definition names. Each definition is scored at the levels it names (its `levels`). A
   * function is asked on every use: a tenant's delivered reference may replace its levels.
   */
  levels?: readonly string[] | (() => readonly string[]);
}

export class IndexProjector {
  private readonly only: (() => ReadonlySet<string>) | undefined;
  /** the year lags and the catalogue revision they were derived from (a delivered definition changes them) */
  private lags: { revision: number; lags: number[] } | undefined;

  constructor(
    private readonly warehouse: Warehouse,
    private readonly reader: WarehouseIndicatorReader,
    private readonly catalogue: Catalogue,
    options: IndexProjectorOptions = {},
  ) {
    const levels = options.levels;
    if (typeof levels === 'function') this.only = () => new Set(levels());
    else if (levels) {
      const fixed = new Set(levels);
      this.only = () => fixed;
    }
  }

  /** The levels a definition is scored at: those it names (within `options.levels` when given). */
  private levelsOf(def: ResolvedIndex): string[] {
    const only = this.only?.();
    return def.levels.filter((l) => !only || only.has(l));
  }

  /** Every level some definition is scored at. */
  private allLevels(): string[] {
    return [...new Set(this.definitions().flatMap(({ code, version }) => this.levelsOf(this.catalogue.resolveIndex(code, version))))];
  }

  /** Index codes and versions defined in the catalogue. */
  definitions(): { code: string; version: number }[] {
    return this.catalogue
      .latest()
      .filter((i) => i.kind === 'index')
      .flatMap((i) => this.catalogue.versions(i.code).map((v) => ({ code: v.code, version: v.version })));
  }

  /**
   * Recomputes every index for the years that read any of the given periods ("2012", "2012-07",
   * "2012-Q3"): the periods' own years and the later years that reach back to them (see
   * yearLags). A year is recomputed only when one of the given periods is among the periods its
   * inputs and population are read from (a monthly input at December, a change also n periods
   * back): otherwise they are unchanged and it would write the rows it wrote before. Each of those
   * reads runs once per call, however many definitions share it.
   */
  async recompute(periods: readonly string[]): Promise<number> {
    const { years, due } = this.dueYears(periods);
    // read before the inputs: the version of what is about to be read (see knownAtOfPeriods)
    const knownAtOf = await this.knownAtOfPeriods(due);
    const reads = this.prefetch(due, new SharedReads());
    // every year's rows go in one insert per table at the end: one insert per (definition, year,
    // variant) was 462 round trips and most of the recomputation in a rebuild of 77 years
    const out: Written = new Map();
    let rows = 0;
    for (const variant of variants) {
      const stored = await this.storedRows(variant, years);
      for (const { def, years: dueYears } of due) {
        // the versions of what this definition reads now: only these rows are recomputed, those of earlier input versions stay
        const inputs = formatInputVersions(this.catalogue.inputVersions(def.code, def.version));
        for (const year of dueYears) {
          const seen = Math.max(0, ...this.periodsRead(def, year).map((p) => knownAtOf.get(p) ?? 0));
          for (const level of this.levelsOf(def))
            rows += await this.computeOne(variant, { def, inputs }, level, year, reads, out, seen, stored.get(`${def.code}|${def.version}|${inputs}|${level}|${year}`));
        }
      }
    }
    // both tables at once, as RowBinary: a rebuild writes every year's rows here (39,656 in the replay bench), where
    // encoding them as JSON and the engine parsing it again took ≈ 0.2 s (bench/indicators/README.md §4, session 19)
    await Promise.all(
      [...out]
        .filter(([, tableRows]) => tableRows.length > 0)
        .map(([table, tableRows]) => this.warehouse.insertFormatted(table, { format: 'RowBinary', columns: indexColumns, data: indexRowsRowBinary(tableRows) })),
    );
    return rows;
  }

  /**
   * The newest known_at of every cell of the measures and periods the due years read, withdrawn
   * cells included. A result row's version (computed_from_ms) is at least this: a withdrawal
   * leaves the remaining inputs' known_at as it was, so two recomputations of a year — one that
   * read before the withdrawal and one after — wrote the same version, and the one inserted last
   * won even when it was the stale one (two members of a consumer group;
   * index-projector.concurrent.int.test.ts). Read before the inputs, so a version never claims
   * more than what was read; from the cells alone, so a replay writes the same version as the live
   * path. By measure and period, the prefix of the cells' sorting key: by period alone the
   * statement read the period column of the whole table in every pass, so it grew with the
   * warehouse (bench/indicators/README.md §1, eighteenth pass); a measure no definition reads
   * cannot move a score.
   */
  private async knownAtOfPeriods(due: readonly { def: ResolvedIndex; years: readonly string[] }[]): Promise<Map<string, number>> {
    const periods = [...new Set(due.flatMap(({ def, years }) => years.flatMap((year) => this.periodsRead(def, year))))];
    if (periods.length === 0) return new Map();
    const measures = [
      ...new Set(due.filter(({ years }) => years.length > 0).flatMap(({ def }) => [def.population, ...def.inputs.map((i) => i.indicator)].flatMap((indicator) => this.reader.readMeasures(indicator)))),
    ];
    const rows = await this.warehouse.query<{ period: string; known_at_ms: string }>(
      'SELECT period, max(known_at_ms) AS known_at_ms FROM cells WHERE measure IN {measures:Array(String)} AND period IN {periods:Array(String)} GROUP BY period',
      { measures, periods },
    );
    return new Map(rows.map((r) => [r.period, Number(r.known_at_ms)]));
  }

  /**
   * Every read the due years need, one reader call per (indicator, level, variant) with all of its
   * periods: a rebuild recomputes every year of the log, and one reader query per (indicator,
   * year) made that 45 of 81 s of a replay (issue 17). The reader (indexInputs: what values() gives,
   * without the rest of an IndicatorValue) evaluates each period on its own, so the values are the
   * same as read one period at a time. An input the public sees unprotected (samePublicValues) is
   * read once for both variants, and the components these reads share (a population denominator
   * of several shares, in both variants; several measures of one dataset) once for all (SharedReads).
   */
  private prefetch(due: readonly { def: ResolvedIndex; years: readonly string[] }[], shared: SharedReads): Reads {
    const wanted = new Map<string, { indicator: string; level: string; privileged: boolean; periods: Set<string> }>();
    // an input without confidential components gives the public exactly the privileged values: read once for both variants
    const same = new Map<string, boolean>();
    const samePublic = (indicator: string) => {
      let s = same.get(indicator);
      if (s === undefined) same.set(indicator, (s = this.reader.samePublicValues(indicator)));
      return s;
    };
    const want = (indicator: string, level: string, period: string, asked: boolean) => {
      const privileged = asked || samePublic(indicator);
      const id = `${indicator}|${level}|${privileged}`;
      const entry = wanted.get(id) ?? { indicator, level, privileged, periods: new Set<string>() };
      entry.periods.add(period);
      wanted.set(id, entry);
    };
    for (const { def, years } of due) {
      for (const year of years) {
        for (const level of this.levelsOf(def)) {
          for (const variant of variants) {
            want(def.population, level, year, variant.privileged);
            for (const input of def.inputs) {
              want(input.indicator, level, this.periodOf(input.indicator, year), variant.privileged);
              if (!variant.privileged) want(input.indicator, level, this.periodOf(input.indicator, year), true);
            }
          }
        }
      }
    }
    const reads: Reads = new Map();
    for (const w of wanted.values()) {
      const periods = [...w.periods].sort();
      const byPeriod = this.reader.indexInputs({ indicator: w.indicator, level: w.level, periods, privileged: w.privileged }, shared).then((values) => {
        const out = new Map<string, IndexInput[]>();
        for (const v of values) {
          const list = out.get(v.period);
          if (list) list.push(v);
          else out.set(v.period, [v]);
        }
        return out;
      });
      // a failed read fails the computeOne that awaits it; the others must not be unhandled rejections
      byPeriod.catch(() => {});
      for (const period of periods) {
        const values = byPeriod.then((m) => m.get(period) ?? []);
        reads.set(`${w.indicator}|${w.level}|${period}|${w.privileged}`, values);
        if (samePublic(w.indicator)) reads.set(`${w.indicator}|${w.level}|${period}|false`, values);
      }
    }
    for (const r of reads.values()) r.catch(() => {});
    return reads;
  }

  /** Whether any index year reads one of these periods (a monthly batch off December changes none). */
  affects(periods: readonly string[]): boolean {
    return this.dueYears(periods).due.some((d) => d.years.length > 0);
  }

  private dueYears(periods: readonly string[]): { years: string[]; due: { def: ResolvedIndex; years: string[] }[] } {
    const touched = new Set(periods);
    const periodYears = new Set(periods.map((p) => Number(p.slice(0, 4))));
    const years = [...new Set([...periodYears].flatMap((y) => this.yearLags().map((lag) => String(y + lag))))].sort();
    const due = this.definitions().map(({ code, version }) => {
      const def = this.catalogue.resolveIndex(code, version);
      return { def, years: years.filter((year) => this.periodsRead(def, year).some((p) => touched.has(p))) };
    });
    return { years, due };
  }

  private async storedRows(variant: Variant, years: readonly string[]): Promise<Stored> {
    const stored: Stored = new Map();
    const levels = this.allLevels();
    if (years.length === 0 || levels.length === 0) return stored;
    const rows = await this.warehouse.query<{
      index_code: string;
      definition_version: number;
      input_versions: string;
      area_level: string;
      period: string;
      area_code: string;
      computed_from_ms: string;
    }>(
      `SELECT index_code, definition_version, input_versions, area_level, period, area_code, computed_from_ms FROM ${variant.table} FINAL
       WHERE period IN {years:Array(String)} AND area_level IN {levels:Array(String)}`,
      { years: [...years], levels },
    );
    for (const r of rows) {
      const key = `${r.index_code}|${r.definition_version}|${r.input_versions}|${r.area_level}|${r.period}`;
      const entry = stored.get(key) ?? { computedFromMs: 0, areas: new Set<string>() };
      entry.computedFromMs = Math.max(entry.computedFromMs, Number(r.computed_from_ms));
      entry.areas.add(r.area_code);
      stored.set(key, entry);
    }
    return stored;
  }

  /**
   * How many years after a period's year an index year can read it, over all definitions: 0 for
   * the year's own periods, 1 when a change over 12 months (or 4 quarters, or 1 year) reaches back
   * into the year before, 2 for a change over 24 months… Derived from what each definition reads
   * for one year, so a new definition needs no change here.
   */
  private yearLags(): number[] {
    if (this.lags?.revision !== this.catalogue.revision) {
      const lags = new Set([0]);
      for (const { code, version } of this.definitions()) {
        const def = this.catalogue.resolveIndex(code, version);
        for (const p of this.periodsRead(def, '2000')) lags.add(2000 - Number(p.slice(0, 4)));
      }
      this.lags = { revision: this.catalogue.revision, lags: [...lags].sort((a, b) => a - b) };
    }
    return this.lags.lags;
  }

  /** Every period the index of one year reads: each input at its aligned period (and n periods back for a change), and the population. */
  private periodsRead(def: ResolvedIndex, year: string): string[] {
    const asked = [...def.inputs.map((i) => ({ indicator: i.indicator, period: this.periodOf(i.indicator, year) })), { indicator: def.population, period: year }];
    return asked.flatMap((a) => this.reader.readPeriods(a.indicator, [a.period]));
  }

  /** The period of an input indicator that serves an index year (the year's last period of its periodicity). */
  private periodOf(indicator: string, year: string): string {
    const dataset = this.catalogue.datasetsOf(indicator)[0];
    const periodicity = dataset ? this.catalogue.datasets[dataset]?.periodicity : undefined;
    return periodicity ? alignPeriod(year, periodicity) : year;
  }

  private async computeOne(
    variant: Variant,
    made: { def: ResolvedIndex; inputs: string },
    level: string,
    year: string,
    reads: Reads,
    out: Written,
    seen: number,
    stored?: StoredYear,
  ): Promise<number> {
    const { def } = made;
    const read = (indicator: string, period: string, privileged: boolean = variant.privileged) => {
      const key = `${indicator}|${level}|${period}|${privileged}`;
      let values = reads.get(key);
      if (!values) reads.set(key, (values = this.reader.indexInputs({ indicator, level, periods: [period], privileged })));
      return values;
    };
    // population first: a year without it (one a lag reached that has no data yet) costs one read
    const pop = await read(def.population, year);
    const population = new Map(pop.map((v) => [v.areaCode, v.value]));
    if (![...population.values()].some((v) => v !== null)) return this.write(out, variant, made, level, year, [], seen, stored);
    const inputs: Record<string, Map<string, number | null>> = {};
    let knownAt = seen;
    for (const input of def.inputs) {
      // an index is yearly; a monthly input (SGB II) is read at its Stichtag, December of the year,
      // so that a change over 12 months means twelve months, not twelve years
      const values = await read(input.indicator, this.periodOf(input.indicator, year));
      inputs[input.indicator] = new Map(values.map((v) => [v.areaCode, v.value]));
      // the public's inputs carry no knownAt: the row version comes from the true inputs (read by the exact variant already)
      knownAt = Math.max(knownAt, latestKnownAt(variant.privileged ? values : await read(input.indicator, this.periodOf(input.indicator, year), true)));
    }
    if (Object.values(inputs).every((m) => m.size === 0)) return this.write(out, variant, made, level, year, [], knownAt, stored);
    const result = computeCompositeIndex(def, { inputs, population });
    return this.write(
      out,
      variant,
      made,
      level,
      year,
      result.areas.map((a) => ({ areaCode: a.areaCode, score: a.value, class: a.classLabel, scored: a.scored })),
      knownAt,
      stored,
    );
  }

  /** Adds a year's result to what recompute() inserts; areas stored before and missing now become unscored. */
  private write(
    out: Written,
    variant: Variant,
    made: { def: ResolvedIndex; inputs: string },
    level: string,
    year: string,
    areas: readonly { areaCode: string; score: number | null; class: string | null; scored: boolean }[],
    knownAt: number,
    stored?: StoredYear,
  ): number {
    // equal versions: the row inserted last wins (ReplacingMergeTree), so these replace the stored ones
    const computedFrom = Math.max(knownAt, stored?.computedFromMs ?? 0);
    const present = new Set(areas.map((a) => a.areaCode));
    const dropped = [...(stored?.areas ?? [])].filter((code) => !present.has(code)).map((areaCode) => ({ areaCode, score: null, class: null, scored: false }));
    const rows = [...areas, ...dropped].map(
      (a): IndexRow => ({
        index_code: made.def.code,
        definition_version: made.def.version,
        input_versions: made.inputs,
        area_level: level,
        area_code: a.areaCode,
        period: year,
        score: a.score,
        class: a.class,
        scored: a.scored ? 1 : 0,
        computed_from_ms: computedFrom,
      }),
    );
    const table = out.get(variant.table) ?? [];
    table.push(...rows);
    out.set(variant.table, table);
    return rows.length;
  }
}

/** The latest knownAt of the values in ms, 0 for none. */
function latestKnownAt(values: readonly IndexInput[]): number {
  let latest = 0;
  for (const v of values) if (v.knownAtMs > latest) latest = v.knownAtMs;
  return latest;
}
