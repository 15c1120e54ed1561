// Planning scenarios as a read model (docs/projection.md §8): when a scenario record arrives from the
// event log, its population is computed — the base projection with the scenario's housing areas
// (withHousingArea: the movers age, bear children and migrate with the area's rates) — and written
// to the warehouse as the records of its own prognose dataset `<prefix>_<scenario key>`, version =
// the scenario's version, through the same projector as every delivered area statistic (so the
// indicator reader, roll-ups and disclosure rules treat them like the base scenario's). The
// scenario itself (name, changed norms, facilities, and whether its projection succeeded) is kept
// in the database for the gateway's needs analysis and the list of scenarios. Deterministic from
// the event and the warehouse's population: a replay writes the same records again (idempotent).
import type { RecordEvent, ScenarioRecord } from '@sp/events';
import type { ScenarioSource, ScenarioView } from '@sp/gateway';
import type { IndicatorProjector, ScenarioDatasets } from '@sp/indicator-store';
import type { Database, Warehouse } from '@sp/ports';
import { HousingAreaError, prognoseRecords, prognoseRun, withHousingArea, type ProjectedYear } from '@sp/population-projection';
import { type CalibratedBase, calibratedBase, datasetPrefixOf, type PrognoseJobConfig, PrognoseJobError, prognoseOutputOf } from './population-prognose.job.js';

export type ScenarioStatus = 'projected' | 'failed' | 'withdrawn';

export interface StoredScenario {
  key: string;
  version: number;
  name: string;
  baseScenario: string;
  createdBy: string;
  /** the prognose dataset holding its population */
  dataset: string;
  status: ScenarioStatus;
  /** why its projection failed (a completion year outside the projected years, …) */
  error: string | null;
  record: ScenarioRecord | null;
}

/** The scenarios' read model (PostgreSQL/PGlite): one row per scenario, its latest version. */
export class ScenarioStore {
  constructor(private readonly db: Database) {}

  async migrate(): Promise<void> {
    await this.db.exec(`CREATE TABLE IF NOT EXISTS planning_scenarios (
      key text PRIMARY KEY,
      version integer NOT NULL,
      name text NOT NULL,
      base_scenario text NOT NULL,
      created_by text NOT NULL,
      dataset text NOT NULL,
      status text NOT NULL,
      error text,
      record jsonb
    )`);
  }

  /** stores a version unless a later one is stored (events of one key arrive in order; a replay repeats them) */
  async put(s: StoredScenario): Promise<void> {
    await this.db.query(
      `INSERT INTO planning_scenarios (key, version, name, base_scenario, created_by, dataset, status, error, record)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (key) DO UPDATE SET version = EXCLUDED.version, name = EXCLUDED.name, base_scenario = EXCLUDED.base_scenario,
         created_by = EXCLUDED.created_by, dataset = EXCLUDED.dataset, status = EXCLUDED.status, error = EXCLUDED.error, record = EXCLUDED.record
       WHERE planning_scenarios.version <= EXCLUDED.version`,
      [s.key, s.version, s.name, s.baseScenario, s.createdBy, s.dataset, s.status, s.error, s.record === null ? null : JSON.stringify(s.record)],
    );
  }

  async list(): Promise<StoredScenario[]> {
    const { rows } = await this.db.query<{
      key: string;
      version: number;
      name: string;
      base_scenario: string;
      created_by: string;
      dataset: string;
      status: ScenarioStatus;
      error: string | null;
      record: ScenarioRecord | string | null;
    }>('SELECT * FROM planning_scenarios ORDER BY key');
    return rows.map((r) => ({
      key: r.key,
      version: r.version,
      name: r.name,
      baseScenario: r.base_scenario,
      createdBy: r.created_by,
      dataset: r.dataset,
      status: r.status,
      error: r.error,
      record: typeof r.record === 'string' ? (JSON.parse(r.record) as ScenarioRecord) : r.record,
    }));
  }

  async get(key: string): Promise<StoredScenario | undefined> {
    return (await this.list()).find((s) => s.key === key);
  }
}

/**
 * The catalogue's scenario datasets plus the planners' scenarios projected so far: the indicator
 * reader asks it synchronously, so the projection tells it of every scenario it has written.
 */
export class PlanningScenarioDatasets implements ScenarioDatasets {
  private readonly planned = new Map<string, { dataset: string; label: string }>();

  constructor(
    private readonly catalogue: ScenarioDatasets & { labelOf?(scenario: string): string | undefined },
    /** the observed dataset the scenarios project (e.g. bevoelkerung); null: no projection configured */
    private readonly observed: string | null,
  ) {}

  set(scenario: string, entry: { dataset: string; label: string } | null): void {
    if (entry) this.planned.set(scenario, entry);
    else this.planned.delete(scenario);
  }

  datasetFor(dataset: string, scenario: string): string | undefined {
    const declared = this.catalogue.datasetFor(dataset, scenario);
    if (declared) return declared;
    return dataset === this.observed ? this.planned.get(scenario)?.dataset : undefined;
  }

  scenarios(): string[] {
    return [...new Set([...this.catalogue.scenarios(), ...this.planned.keys()])].sort();
  }

  labelOf(scenario: string): string | undefined {
    return this.catalogue.labelOf?.(scenario) ?? this.planned.get(scenario)?.label;
  }
}

export interface ScenarioProjectionDeps {
  warehouse: Warehouse;
  store: ScenarioStore;
  /** the indicator projector (the tenant's protection and record-key secret) */
  projector: IndicatorProjector;
  datasets: PlanningScenarioDatasets;
  /** the tenant's base projection; null: scenarios are stored as failed */
  config: PrognoseJobConfig | null;
}

/** Applies a batch of scenario events: projects each scenario's population into its dataset and stores the scenario. */
export async function applyScenarioEvents(deps: ScenarioProjectionDeps, events: readonly RecordEvent<'scenario'>[]): Promise<void> {
  let base: CalibratedBase | undefined;
  for (const e of events) {
    const existing = await deps.store.get(e.key);
    if (existing && existing.version > e.version) continue;
    const prefix = deps.config ? datasetPrefixOf(deps.config) : 'bevoelkerungsprognose';
    const dataset = `${prefix}_${e.key}`;
    if (e.tombstone || !e.payload) {
      deps.datasets.set(e.key, null);
      await deps.store.put({ ...(existing ?? { name: e.key, baseScenario: '', createdBy: '', record: null }), key: e.key, version: e.version, dataset, status: 'withdrawn', error: null });
      continue;
    }
    const r = e.payload;
    const stored: StoredScenario = { key: r.key, version: r.version, name: r.name, baseScenario: r.baseScenario, createdBy: r.createdBy, dataset, status: 'projected', error: null, record: r };
    const failed = async (error: string) => {
      deps.datasets.set(r.key, null);
      await deps.store.put({ ...stored, status: 'failed', error });
    };
    if (!deps.config) {
      await failed('no population projection is configured for this tenant');
      continue;
    }
    if (r.baseScenario !== deps.config.scenario.code) {
      await failed(`base scenario "${r.baseScenario}" is unknown; accepted: ${deps.config.scenario.code}`);
      continue;
    }
    try {
      base ??= await calibratedBase(deps.warehouse, deps.config);
    } catch (error) {
      if (!(error instanceof PrognoseJobError)) throw error;
      await failed(error.message);
      continue;
    }
    let areas: Map<string, ProjectedYear[]> = new Map([...base.areas].map(([code, ys]) => [code, [...ys]]));
    try {
      for (const h of r.housingAreas) {
        const ageProfile = Object.fromEntries(h.ageProfile.map((a) => [a.band, a.share]));
        areas = withHousingArea(areas, base.calibration.areas, base.baseYear, { areaCode: h.areaCode, dwellings: h.dwellings, occupancy: h.occupancy, completionYear: h.completionYear, ageProfile });
      }
    } catch (error) {
      if (!(error instanceof HousingAreaError)) throw error;
      await failed(`housingAreas.${error.field}: ${error.message}`);
      continue;
    }
    const run = prognoseRun({ scenario: { code: r.key, label: r.name }, version: r.version, areaLevel: deps.config.mapping.areaLevel, calibration: base.calibration, standard: base.standard, areas });
    const records = prognoseRecords(run, prognoseOutputOf(deps.config, base.observed.bands));
    await deps.projector.apply(records.map((p) => ({ key: p.key, version: p.version, tombstone: false, deliveredAt: e.deliveredAt, amt: e.amt, deliveryId: e.deliveryId, payload: p })));
    await deps.store.put(stored);
    deps.datasets.set(r.key, { dataset, label: r.name });
  }
}

/** Tells the datasets of every scenario projected before this start (the read model survives restarts). */
export async function loadScenarioDatasets(store: ScenarioStore, datasets: PlanningScenarioDatasets): Promise<void> {
  for (const s of await store.list()) if (s.status === 'projected') datasets.set(s.key, { dataset: s.dataset, label: s.name });
}

/** The gateway's ScenarioSource over the store. */
export function scenarioSourceFrom(store: ScenarioStore): ScenarioSource {
  const view = (s: StoredScenario): ScenarioView => ({
    key: s.key,
    version: s.version,
    name: s.name,
    baseScenario: s.baseScenario,
    createdBy: s.createdBy,
    status: s.status,
    error: s.error,
    housingAreas: s.record?.housingAreas ?? [],
    norms: s.record?.norms ?? [],
    facilities: s.record?.facilities ?? [],
  });
  return {
    list: async () => (await store.list()).map(view),
    get: async (key) => {
      const s = await store.get(key);
      return s && s.status === 'projected' ? view(s) : undefined;
    },
  };
}
