// TEST HELPER: an IndicatorReader over a list of cells in memory, for schema-level tests of the
// gateway. It is a read model, not an engine: which cells are suppressed is given by the fixture
// (`suppress`), as the warehouse reader would have decided, and applied unless privileged.
// It records every call so tests can count warehouse round trips.
import type { IndexValue, IndicatorReader, IndicatorValue, IndicatorValuesQuery, SuppressionReason } from '@sp/indicator-store';

export interface MemoryCell {
  indicator: string;
  level: string;
  areaCode: string;
  period: string;
  value: number | null;
  numerator?: number | null;
  denominator?: number | null;
  /** ISO date-time the value became known; later cells with the same key replace earlier ones */
  knownAt?: string;
  synthetic?: boolean;
  /** suppressed for readers without privilege, for this reason */
  suppress?: SuppressionReason;
  /** the figure involves confidential data (perturbed for readers without privilege) */
  confidential?: boolean;
}

export type ReaderCall =
  | { method: 'values'; query: IndicatorValuesQuery }
  | { method: 'periods'; indicator: string }
  | { method: 'indexValues'; query: { index: string; level: string; period: string; privileged?: boolean } };

export class MemoryIndicatorReader implements IndicatorReader {
  readonly calls: ReaderCall[] = [];

  constructor(
    private readonly cells: readonly MemoryCell[],
    private readonly index: readonly (IndexValue & { suppress?: boolean })[] = [],
  ) {}

  async values(q: IndicatorValuesQuery): Promise<IndicatorValue[]> {
    this.calls.push({ method: 'values', query: q });
    const latest = new Map<string, MemoryCell>();
    for (const c of this.cells) {
      if (c.indicator !== q.indicator || c.level !== q.level) continue;
      if (q.areaCodes && !q.areaCodes.includes(c.areaCode)) continue;
      if (q.periods && !q.periods.includes(c.period)) continue;
      if (q.periodFrom && c.period < q.periodFrom) continue;
      if (q.periodTo && c.period > q.periodTo) continue;
      const knownAt = c.knownAt ?? '2000-01-01T00:00:00.000Z';
      if (q.asOf && knownAt > q.asOf) continue;
      const k = `${c.areaCode}|${c.period}`;
      const prev = latest.get(k);
      if (!prev || (prev.knownAt ?? '') <= knownAt) latest.set(k, c);
    }
    return [...latest.values()].map((c) => {
      const hide = !!c.suppress && !q.privileged;
      return {
        indicator: c.indicator,
        areaLevel: c.level,
        areaCode: c.areaCode,
        period: c.period,
        value: hide ? null : c.value,
        numerator: hide ? null : (c.numerator ?? null),
        denominator: hide ? null : (c.denominator ?? null),
        suppressed: hide,
        suppressionReason: hide ? c.suppress! : null,
        knownAt: c.knownAt ?? '2000-01-01T00:00:00.000Z',
        synthetic: c.synthetic ?? false,
        definitionVersion: 1,
        confidential: c.confidential ?? false,
        perturbed: (c.confidential ?? false) && !q.privileged,
      };
    });
  }

  async periods(indicator: string): Promise<string[]> {
    this.calls.push({ method: 'periods', indicator });
    return [...new Set(this.cells.filter((c) => c.indicator === indicator).map((c) => c.period))].sort();
  }

  async indexValues(query: { index: string; level: string; period: string; privileged?: boolean }): Promise<IndexValue[]> {
    this.calls.push({ method: 'indexValues', query });
    return this.index
      .filter((v) => v.index === query.index && v.areaLevel === query.level && v.period === query.period)
      .map(({ suppress, ...v }) => (suppress && !query.privileged ? { ...v, score: null, class: null, scored: false } : v));
  }
}
