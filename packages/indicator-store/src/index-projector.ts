// Composite indices (e.g. "Statusindex Soziale Lage") materialised per level and year, for every
// version of every index definition, recomputed only for the years a batch touched. Inputs are
// read privileged (the index is computed on true values; it publishes only standardised scores
// and classes). Each result row keeps the definition version that made it, and carries the latest
// known_at of its inputs, so a replay produces identical rows.
import { alignPeriod, computeCompositeIndex, type Catalogue } from '@sp/indicators';
import type { Warehouse } from '@sp/ports';
import type { IndicatorValue } from './indicator-reader.js';
import type { WarehouseIndicatorReader } from './warehouse-indicator-reader.js';

/** reads of one recompute() call: "indicator|level|period" → values */
type Reads = Map<string, Promise<IndicatorValue[]>>;

export interface IndexProjectorOptions {
  /** levels to score (default: STADTTEIL) */
  levels?: readonly string[];
}

export class IndexProjector {
  private readonly levels: readonly string[];

  constructor(
    private readonly warehouse: Warehouse,
    private readonly reader: WarehouseIndicatorReader,
    private readonly catalogue: Catalogue,
    options: IndexProjectorOptions = {},
  ) {
    this.levels = options.levels ?? ['STADTTEIL'];
  }

  /** Index codes and versions defined in the catalogue. */
  definitions(): { code: string; version: number }[] {
    return this.catalogue
      .latest()
      .filter((i) => i.kind === 'index')
      .flatMap((i) => this.catalogue.versions(i.code).map((v) => ({ code: v.code, version: v.version })));
  }

  /**
   * Recomputes every index for the years of the given periods ("2012", "2012-07", "2012-Q3").
   * A year is recomputed only when one of the given periods is among the periods its inputs and
   * population are read from (a monthly input at December, a change also n periods back):
   * otherwise they are unchanged and it would write the rows it wrote before. Each of those reads
   * runs once per call, however many definitions share it.
   */
  async recompute(periods: readonly string[]): Promise<number> {
    const touched = new Set(periods);
    const years = [...new Set(periods.map((p) => p.slice(0, 4)))].sort();
    const reads: Reads = new Map();
    let rows = 0;
    for (const { code, version } of this.definitions()) {
      const def = this.catalogue.resolveIndex(code, version);
      for (const year of years) {
        const asked = [...def.inputs.map((i) => ({ indicator: i.indicator, period: this.periodOf(i.indicator, year) })), { indicator: def.population, period: year }];
        if (!asked.some((a) => this.reader.readPeriods(a.indicator, [a.period]).some((p) => touched.has(p)))) continue;
        for (const level of this.levels) rows += await this.computeOne(def, level, year, reads);
      }
    }
    return rows;
  }

  /** The period of an input indicator that serves an index year (the year's last period of its periodicity). */
  private periodOf(indicator: string, year: string): string {
    const dataset = this.catalogue.datasetsOf(indicator)[0];
    const periodicity = dataset ? this.catalogue.datasets[dataset]?.periodicity : undefined;
    return periodicity ? alignPeriod(year, periodicity) : year;
  }

  private async computeOne(def: ReturnType<Catalogue['resolveIndex']>, level: string, year: string, reads: Reads): Promise<number> {
    const read = (indicator: string, period: string) => {
      const key = `${indicator}|${level}|${period}`;
      let values = reads.get(key);
      if (!values) reads.set(key, (values = this.reader.values({ indicator, level, periods: [period], privileged: true })));
      return values;
    };
    const inputs: Record<string, Map<string, number | null>> = {};
    let knownAt = 0;
    for (const input of def.inputs) {
      // an index is yearly; a monthly input (SGB II) is read at its Stichtag, December of the year,
      // so that a change over 12 months means twelve months, not twelve years
      const values = await read(input.indicator, this.periodOf(input.indicator, year));
      inputs[input.indicator] = new Map(values.map((v) => [v.areaCode, v.value]));
      for (const v of values) knownAt = Math.max(knownAt, v.knownAt ? Date.parse(v.knownAt) : 0);
    }
    const pop = await read(def.population, year);
    const population = new Map(pop.map((v) => [v.areaCode, v.value]));
    if (![...population.values()].some((v) => v !== null) || Object.values(inputs).every((m) => m.size === 0)) return 0;
    const result = computeCompositeIndex(def, { inputs, population });
    const rows = result.areas.map((a) => ({
      index_code: def.code,
      definition_version: result.definitionVersion,
      area_level: level,
      area_code: a.areaCode,
      period: year,
      score: a.value,
      class: a.classLabel,
      scored: a.scored ? 1 : 0,
      computed_from_ms: knownAt,
    }));
    if (rows.length > 0) await this.warehouse.insert('index_values', rows);
    return rows.length;
  }
}
