// The projection job (docs/projection.md §7): reads the latest delivered population of one level
// from the warehouse, calibrates the cohort-component model on the last years, and delivers the
// scenario's records through the ingestion API as the Amt "prognose" — the normal event path, so
// they are versioned, audited, projected and protected like every delivery. Works against any
// warehouse and any ingestion URL: the one-process platform calls it after loading its data, a
// deployment of the standalone services calls it with the ClickHouse server and the ingestion's URL.
import { latestAreaStatistics, latestDatasetVersion } from '@sp/indicator-store';
import type { Warehouse } from '@sp/ports';
import { postDelivery } from '../http-delivery.js';
import {
  type AgeBand,
  calibrate,
  DEFAULT_METHOD,
  type DemographicStandard,
  GERMANY_2008_2010,
  observedFromAreaStatistics,
  outputLike,
  parseAgeBand,
  type PopulationMapping,
  type PrognoseDataset,
  type PrognoseOutput,
  type PrognoseRecord,
  prognoseDataset,
  prognoseRecords,
  prognoseRun,
  projectCalibrated,
  type Scenario,
  standardSchedules,
} from '@sp/population-projection';

export interface PrognoseJobConfig {
  /** where the tenant's observed population is (dataset, level, measures) */
  mapping: PopulationMapping;
  scenario: Scenario;
  /** the catalogue's prognose dataset of this scenario (`<prefix>_<scenario>`) */
  dataset: string;
  /** years projected after the last observed year */
  horizonYears: number;
  /** observed years the rates are calibrated on, ending with the last observed year */
  calibrationYears: number;
  standard?: DemographicStandard;
  /**
   * Further band sets the records carry beside the observed bands, e.g. 80+ for care planning (the
   * care norms read residents aged 80 and over, which the observed bands of every year do not give).
   * Each must be a measure of the prognose dataset in the feed catalogue.
   */
  extraAges?: readonly { measure: string; dimension: string; bands: readonly string[] }[];
}

export interface PrognoseJobDeps {
  warehouse: Warehouse;
  /** delivers area-statistic records (e.g. httpDelivery: POST /v1/deliveries/area-statistic) */
  deliver(records: readonly PrognoseRecord[]): Promise<void>;
}

export interface PrognoseJobResult {
  dataset: PrognoseDataset;
  records: number;
  areas: number;
}

export class PrognoseJobError extends Error {
  readonly code = 'PROGNOSE_NOT_POSSIBLE';
}

export async function runPopulationPrognose(deps: PrognoseJobDeps, config: PrognoseJobConfig): Promise<PrognoseJobResult> {
  const suffix = `_${config.scenario.code}`;
  if (!config.dataset.endsWith(suffix)) throw new PrognoseJobError(`dataset ${config.dataset} does not end with the scenario's code (${suffix})`);
  const base = await calibratedBase(deps.warehouse, config);
  const version = (await latestDatasetVersion(deps.warehouse, config.dataset)) + 1;
  const run = prognoseRun({ scenario: config.scenario, version, areaLevel: config.mapping.areaLevel, calibration: base.calibration, standard: base.standard, areas: base.areas });
  const out = prognoseOutputOf(config, base.observed.bands);
  const records = prognoseRecords(run, out);
  await deps.deliver(records);
  return { dataset: prognoseDataset(run, out), records: records.length, areas: base.areas.size };
}

/** The records' measures: named like the observed dataset, plus the configured further band sets. */
export function prognoseOutputOf(config: PrognoseJobConfig, observedBands: readonly AgeBand[]): PrognoseOutput {
  const out = outputLike(config.mapping, observedBands, datasetPrefixOf(config));
  return { ...out, ages: [...out.ages, ...(config.extraAges ?? []).map((a) => ({ measure: a.measure, dimension: a.dimension, bands: a.bands.map(parseAgeBand) }))] };
}

/** `bevoelkerungsprognose` of `bevoelkerungsprognose_basis`: the prefix every scenario's dataset shares. */
export function datasetPrefixOf(config: PrognoseJobConfig): string {
  return config.dataset.slice(0, -(config.scenario.code.length + 1));
}

export interface CalibratedBase {
  observed: ReturnType<typeof observedFromAreaStatistics>;
  calibration: ReturnType<typeof calibrate>;
  /** the base scenario's projection, per area */
  areas: ReturnType<typeof projectCalibrated>;
  /** the last observed year */
  baseYear: number;
  standard: string;
}

/** The base scenario computed from the warehouse's latest observed population: calibration and projection (what every scenario changes). */
export async function calibratedBase(warehouse: Warehouse, config: PrognoseJobConfig): Promise<CalibratedBase> {
  const stored = await latestAreaStatistics(warehouse, { dataset: config.mapping.dataset, areaLevel: config.mapping.areaLevel });
  if (stored.length === 0) throw new PrognoseJobError(`no ${config.mapping.dataset} records at ${config.mapping.areaLevel} in the warehouse yet`);
  const observed = observedFromAreaStatistics(stored, config.mapping);
  const years = [...new Set([...observed.areas.values()].flatMap((byYear) => [...byYear.keys()]))].sort((a, b) => a - b);
  const to = years.at(-1)!;
  const from = Math.max(years[0]!, to - config.calibrationYears + 1);
  if (to - from < 2) throw new PrognoseJobError(`calibration needs at least three observed years; ${config.mapping.dataset} has ${years.join(', ')}`);
  const standard = config.standard ?? GERMANY_2008_2010;
  const calibration = calibrate(observed, standardSchedules(standard), { ...DEFAULT_METHOD, from, to });
  const areas = projectCalibrated(calibration, to + config.horizonYears);
  return { observed, calibration, areas, baseYear: to, standard: standard.code };
}

/** Delivers records to an ingestion API in batches, as the Amt whose key is given; a lost connection or a 503 is tried again (deliveries are idempotent). */
export function httpDelivery(options: { baseUrl: string; apiKey: string; batch?: number }): PrognoseJobDeps['deliver'] {
  const batch = options.batch ?? 500;
  return async (records) => {
    for (let i = 0; i < records.length; i += batch) {
      const res = await postDelivery(options.baseUrl, 'area-statistic', options.apiKey, JSON.stringify({ records: records.slice(i, i + batch) }));
      if (!res.ok) throw new PrognoseJobError(`delivery of the prognose records failed with ${res.status}: ${(await res.text()).slice(0, 2000)}`);
    }
  };
}
