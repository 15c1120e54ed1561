// The registry's PopulationSource over the indicator warehouse: residents per area and per age band
// of the planning norms (Richtwerte), read through the IndicatorReader so that Datenschutz
// suppression applies exactly as for any other reader.
//
// The Richtwerte name age bands of Köln's statistics ("0-3", "3-6", "6-15", "15-18", "18-21", "80+");
// the indicator catalogue publishes cumulative groups (einwohner_u6, einwohner_u15, einwohner_u18,
// einwohner_80plus). Each band is therefore a weighted sum of catalogue indicators (a recipe). Two
// recipes are approximations and say so; a band no recipe can give ("18-21") is refused with
// AGE_BAND_NOT_AVAILABLE rather than estimated silently.
import { UnknownIndicatorError, type IndicatorReader, type IndicatorValue } from '@sp/indicator-store';
import type { AreaPopulation, PopulationSource } from '@sp/registry';
import { SourceError } from './source.errors.js';

export interface AgeBandRecipe {
  /** band = Σ weight × value of the indicator */
  terms: readonly { indicator: string; weight: number }[];
  /** why the recipe is not exact, when it is not */
  approximation?: string;
}

/** Indicator holding all residents (AreaPopulation.total). */
export const totalPopulationIndicator = 'einwohner';

/** The bands of the shipped Richtwerte catalogue, from the indicators of the shipped indicator catalogue. */
export const catalogueAgeBands: Readonly<Record<string, AgeBandRecipe>> = {
  '0-3': { terms: [{ indicator: 'einwohner_0_3', weight: 1 }] },
  '3-6': { terms: [{ indicator: 'einwohner_3_6', weight: 1 }] },
  '6-10': { terms: [{ indicator: 'einwohner_6_10', weight: 1 }] },
  '6-15': {
    terms: [
      { indicator: 'einwohner_u15', weight: 1 },
      { indicator: 'einwohner_u6', weight: -1 },
    ],
  },
  '15-18': {
    terms: [
      { indicator: 'einwohner_u18', weight: 1 },
      { indicator: 'einwohner_u15', weight: -1 },
    ],
  },
  '80+': { terms: [{ indicator: 'einwohner_80plus', weight: 1 }] },
};

export interface IndicatorPopulationOptions {
  /** the period the residents are counted for ("2012") */
  period: string;
  /** read unsuppressed counts (planners and admins with the privileged claim) */
  privileged: boolean;
  /** the age bands the caller needs (a norm's ageBands); none = residents only */
  ageBands?: readonly string[];
  /** a projection scenario ("basis"): the projected residents of the period instead of the observed ones */
  scenario?: string;
  recipes?: Readonly<Record<string, AgeBandRecipe>>;
}

export class IndicatorPopulationSource implements PopulationSource {
  private readonly recipes: Readonly<Record<string, AgeBandRecipe>>;
  private readonly suppressed = new Map<string, Set<string>>();

  constructor(
    private readonly reader: IndicatorReader,
    private readonly options: IndicatorPopulationOptions,
  ) {
    this.recipes = options.recipes ?? catalogueAgeBands;
    for (const band of options.ageBands ?? []) {
      if (!this.recipes[band]) {
        throw new SourceError('AGE_BAND_NOT_AVAILABLE', `the age band "${band}" cannot be derived from the indicator catalogue; bands available: ${Object.keys(this.recipes).join(', ')}`, 'norm');
      }
    }
  }

  /**
   * Residents of every area of `level` with figures for the period. An area whose figure for a
   * needed band (or its total) is suppressed for this reader lacks that band, so the needs analysis
   * leaves its demand empty; suppressedAreas(level) names those areas.
   */
  async populationByArea(level: string): Promise<ReadonlyMap<string, AreaPopulation>> {
    const bands = this.options.ageBands ?? [];
    const indicators = [...new Set([totalPopulationIndicator, ...bands.flatMap((b) => this.recipes[b]!.terms.map((t) => t.indicator))])];
    const read = await Promise.all(
      indicators.map(async (indicator) => {
        try {
          return [indicator, await this.reader.values({ indicator, level, periods: [this.options.period], privileged: this.options.privileged, ...this.scenario() })] as const;
        } catch (e) {
          // a tenant whose catalogue lacks the band's indicator (Hamburg publishes no 0–3-year-olds):
          // the norm cannot be computed there, a data gap like a band without recipe, not a failure
          const band = bands.find((b) => this.recipes[b]!.terms.some((t) => t.indicator === indicator));
          if (e instanceof UnknownIndicatorError && band !== undefined)
            throw new SourceError('AGE_BAND_NOT_AVAILABLE', `the age band "${band}" needs the indicator ${indicator}, which this catalogue does not have`, 'norm');
          throw e;
        }
      }),
    );
    const byIndicator = new Map(read.map(([indicator, rows]) => [indicator, new Map(rows.map((r) => [r.areaCode, r]))]));
    const totals = byIndicator.get(totalPopulationIndicator)!;
    if (totals.size === 0) {
      await this.requirePeriod();
      return new Map(); // the level holds no population figures (e.g. Stadtviertel): no demand anywhere
    }
    for (const [indicator, rows] of byIndicator) {
      if (rows.size === 0) {
        const periods = await this.reader.periods(indicator, this.options.scenario);
        throw new SourceError(
          'AGE_BAND_NOT_AVAILABLE',
          `the norm's age bands need ${indicator}, which has no values for ${this.options.period} at ${level}; periods with values: ${periods.join(', ') || 'none'}`,
          'period',
        );
      }
    }

    const suppressed = new Set<string>();
    const out = new Map<string, AreaPopulation>();
    for (const [code, total] of totals) {
      if (!usable(total)) {
        if (total.suppressed) suppressed.add(code);
        continue;
      }
      const byAge: Record<string, number> = {};
      for (const band of bands) {
        let sum = 0;
        let complete = true;
        for (const t of this.recipes[band]!.terms) {
          const v = byIndicator.get(t.indicator)!.get(code);
          if (!v || !usable(v)) {
            if (v?.suppressed) suppressed.add(code);
            complete = false;
            break;
          }
          sum += t.weight * v.value;
        }
        if (complete) byAge[band] = sum;
      }
      out.set(code, { total: total.value, byAge });
    }
    this.suppressed.set(level, suppressed);
    return out;
  }

  private scenario(): { scenario?: string } {
    return this.options.scenario === undefined ? {} : { scenario: this.options.scenario };
  }

  /** Areas of `level` whose needed population figures were suppressed in the last read of that level. */
  suppressedAreas(level: string): ReadonlySet<string> {
    return this.suppressed.get(level) ?? new Set();
  }

  private async requirePeriod(): Promise<void> {
    const periods = await this.reader.periods(totalPopulationIndicator, this.options.scenario);
    // the reader aligns a month or quarter to the population's year, so compare years
    if (!periods.some((p) => p.slice(0, 4) === this.options.period.slice(0, 4))) {
      throw new SourceError('POPULATION_NOT_AVAILABLE', `no population (${totalPopulationIndicator}) for ${this.options.period}; periods with values: ${periods.join(', ') || 'none'}`, 'period');
    }
  }
}

function usable(v: IndicatorValue): v is IndicatorValue & { value: number } {
  return !v.suppressed && v.value !== null;
}
