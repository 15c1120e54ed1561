// Target populations come from the indicator warehouse; the registry only needs plain numbers per area.
// The gateway/platform implements PopulationSource over the warehouse (einwohner, einwohner_alter);
// tests and the demo use staticPopulationSource.

export interface AreaPopulation {
  /** all residents */
  total: number;
  /** residents per age band, keyed as the `alter` dimension of `einwohner_alter` ("0-3", "3-6", …, "80+") */
  byAge: Readonly<Record<string, number>>;
}

export interface PopulationSource {
  /** Residents of every area of one level (keyed by area code), for the period the caller chose. */
  populationByArea(level: string): Promise<ReadonlyMap<string, AreaPopulation>>;
}

export function staticPopulationSource(data: Readonly<Record<string, Readonly<Record<string, AreaPopulation>>>>): PopulationSource {
  return {
    populationByArea: async (level) => new Map(Object.entries(data[level] ?? {})),
  };
}
