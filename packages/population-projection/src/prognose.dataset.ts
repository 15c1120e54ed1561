// Results as a versioned dataset per scenario, labelled "Prognose": one area-statistic-like record
// per area and projected year (key dataset|areaLevel|areaCode|period, like every delivered
// statistic), so the normal path (record events → warehouse → indicators) can carry them. The
// dataset is the scenario's own (prefix + scenario code): a new scenario never touches another's
// records, and a new run of a scenario is the next version of each of its records. Measures and
// dimensions mirror the observed dataset's, so an indicator defined on the observed population can
// be read on a scenario by naming the scenario's dataset.
import { z } from 'zod';
import { type AgeBand, toBands } from './age-bands.js';
import type { Calibration, CalibrationOptions } from './calibration.model.js';
import type { Population, ProjectedYear } from './cohort-component.model.js';
import type { PopulationMapping } from './observed.parser.js';

/** Bumped whenever the method changes what a run produces for the same input. */
export const MODEL_VERSION = 1;

export const scenarioSchema = z.strictObject({
  /** part of the dataset code: lower case letters, digits, underscores */
  code: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'lower case letters, digits and _ (start with a letter, at most 40)'),
  label: z.string().min(1),
});
export type Scenario = z.infer<typeof scenarioSchema>;

/** The base scenario: the calibrated rates held constant. Every other scenario is compared with it. */
export const BASE_SCENARIO: Scenario = { code: 'basis', label: 'Basisszenario' };

export interface PrognoseRun {
  scenario: Scenario;
  /** version of the scenario's dataset (1, 2, …): every record of this run carries it */
  version: number;
  areaLevel: string;
  baseYear: number;
  /** last projected year */
  horizon: number;
  method: { model: 'kohorten-komponenten'; modelVersion: number; standard: string; calibration: CalibrationOptions };
  /** areaCode → projected years baseYear+1 … horizon */
  areas: Map<string, ProjectedYear[]>;
}

export function prognoseRun(input: { scenario: Scenario; version: number; areaLevel: string; calibration: Calibration; standard: string; areas: Map<string, ProjectedYear[]> }): PrognoseRun {
  const scenario = scenarioSchema.parse(input.scenario);
  if (!Number.isInteger(input.version) || input.version < 1) throw new RangeError(`version ${input.version}; accepted: an integer ≥ 1`);
  const projectedYears = [...input.areas.values()].flatMap((ys) => ys.map((y) => y.year));
  if (projectedYears.length === 0) throw new RangeError('a run needs at least one projected year');
  const horizon = Math.max(...projectedYears);
  return {
    scenario,
    version: input.version,
    areaLevel: input.areaLevel,
    baseYear: input.calibration.options.to,
    horizon,
    method: { model: 'kohorten-komponenten', modelVersion: MODEL_VERSION, standard: input.standard, calibration: input.calibration.options },
    areas: input.areas,
  };
}

export interface PrognoseOutput {
  /** the scenario's dataset is `${datasetPrefix}_${scenario.code}` */
  datasetPrefix: string;
  total: { measure: string } | null;
  /** one or more band sets, e.g. the observed bands and finer ones for care planning (80+) */
  ages: { measure: string; dimension: string; bands: readonly AgeBand[] }[];
  sex: { measure: string; dimension: string; male: string; female: string } | null;
  /**
   * births, deaths and net migration of the year, or null to leave them out. Values of a record are
   * counts ≥ 0, so net migration is two additive measures, gain and loss (net = gain − loss at every level).
   */
  components: { births: string; deaths: string; migrationGain: string; migrationLoss: string } | null;
}

/** Output named like the observed dataset the projection was calibrated on. */
export function outputLike(mapping: PopulationMapping, bands: readonly AgeBand[], datasetPrefix = `${mapping.dataset}sprognose`): PrognoseOutput {
  return {
    datasetPrefix,
    total: mapping.total,
    ages: [{ measure: mapping.age.measure, dimension: mapping.age.dimension, bands }],
    sex: mapping.sex,
    components: { births: 'geburten', deaths: 'sterbefaelle', migrationGain: 'wanderungsgewinn', migrationLoss: 'wanderungsverlust' },
  };
}

export interface PrognoseObservation {
  measure: string;
  dimensions: Record<string, string>;
  value: number;
}

/** Field for field an area-statistic record (docs/records.md). */
export interface PrognoseRecord {
  key: string;
  version: number;
  dataset: string;
  areaLevel: string;
  areaCode: string;
  period: string;
  observations: PrognoseObservation[];
  synthetic: false;
  source: string;
}

/** What a catalogue entry for the scenario's dataset says: readers show `label` with every value. */
export interface PrognoseDataset {
  dataset: string;
  label: string;
  kind: 'prognose';
  scenario: Scenario;
  version: number;
  baseYear: number;
  periods: { from: string; to: string };
  method: PrognoseRun['method'];
}

export const datasetOf = (run: PrognoseRun, out: Pick<PrognoseOutput, 'datasetPrefix'>) => `${out.datasetPrefix}_${run.scenario.code}`;

export function prognoseDataset(run: PrognoseRun, out: Pick<PrognoseOutput, 'datasetPrefix'>): PrognoseDataset {
  return {
    dataset: datasetOf(run, out),
    label: `Prognose – ${run.scenario.label}`,
    kind: 'prognose',
    scenario: run.scenario,
    version: run.version,
    baseYear: run.baseYear,
    periods: { from: String(run.baseYear + 1), to: String(run.horizon) },
    method: run.method,
  };
}

const both = (p: Population) => p.m.map((v, x) => v + p.f[x]!);

/** One record per area and projected year. Values are expected persons, not rounded. */
export function prognoseRecords(run: PrognoseRun, out: PrognoseOutput): PrognoseRecord[] {
  const dataset = datasetOf(run, out);
  const c = run.method.calibration;
  const source = `Prognose – ${run.scenario.label} (Kohorten-Komponenten-Modell v${run.method.modelVersion}, Basisjahr ${run.baseYear}, Stützzeitraum ${c.from}–${c.to}, Standard ${run.method.standard})`;
  const records: PrognoseRecord[] = [];
  for (const [areaCode, years] of [...run.areas].sort(([a], [b]) => a.localeCompare(b))) {
    for (const y of years) {
      const all = both(y.population);
      const observations: PrognoseObservation[] = out.total ? [{ measure: out.total.measure, dimensions: {}, value: all.reduce((a, v) => a + v, 0) }] : [];
      for (const set of out.ages) {
        toBands(all, set.bands).forEach((value, g) => {
          observations.push({ measure: set.measure, dimensions: { [set.dimension]: set.bands[g]!.label }, value });
        });
      }
      if (out.sex) {
        observations.push({ measure: out.sex.measure, dimensions: { [out.sex.dimension]: out.sex.male }, value: y.population.m.reduce((a, v) => a + v, 0) });
        observations.push({ measure: out.sex.measure, dimensions: { [out.sex.dimension]: out.sex.female }, value: y.population.f.reduce((a, v) => a + v, 0) });
      }
      if (out.components) {
        observations.push({ measure: out.components.births, dimensions: {}, value: y.births });
        observations.push({ measure: out.components.deaths, dimensions: {}, value: y.deaths });
        observations.push({ measure: out.components.migrationGain, dimensions: {}, value: Math.max(0, y.netMigration) });
        observations.push({ measure: out.components.migrationLoss, dimensions: {}, value: Math.max(0, -y.netMigration) });
      }
      const period = String(y.year);
      records.push({ key: `${dataset}|${run.areaLevel}|${areaCode}|${period}`, version: run.version, dataset, areaLevel: run.areaLevel, areaCode, period, observations, synthetic: false, source });
    }
  }
  return records;
}
