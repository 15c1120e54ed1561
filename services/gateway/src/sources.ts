// What the gateway reads besides indicators: the spatial reference, the indicator catalogue, the
// registry and controlling, each as the narrow read model a reader of the API needs. The packages
// that own these (@sp/spatial, @sp/indicators, @sp/registry, @sp/controlling) are adapted to these
// shapes in src/adapters/; the schema and the services depend on nothing but these interfaces and
// on @sp/indicator-store's IndicatorReader.

/**
 * One level of the spatial reference: the city's own names (Stadtbezirk, Stadtteil, Ortsteil …) and
 * planning levels (Sozialräume) made of areas of the hierarchy. Levels are data, never a compiled list.
 */
export interface AreaLevelView {
  level: string;
  /** the readers' word for it, e.g. "Stadtteil" */
  label: string;
  /** the hierarchical level it nests in; null for the root and planning levels */
  parentLevel: string | null;
  /** a planning level: its areas are unions of hierarchical areas */
  planning: boolean;
  /** its areas have boundaries (it can be drawn on a map) */
  hasGeometry: boolean;
  /** the level figures are delivered at (the finest that partitions the root, Köln: Stadtteil) */
  basis: boolean;
}

export interface AreaRef {
  level: string;
  code: string;
}

export interface AreaView {
  level: string;
  code: string;
  name: string;
  /** the area this one nests in (Köln: Stadtteil → Stadtbezirk → Stadt); planning areas → the root */
  parent: AreaRef | null;
  validFrom?: string | null;
  validTo?: string | null;
  /** the ISO date this view was read at (`areas(at:)`): its parent, children and boundary are those valid then */
  at?: string;
}

/** GeoJSON geometry (Polygon or MultiPolygon, WGS84). */
export interface GeoJsonGeometry {
  type: string;
  coordinates: unknown;
}

export interface AreaSource {
  /** the levels of the reference: root, hierarchy coarse → fine, then planning levels */
  levels(): readonly AreaLevelView[];
  /** every area of a level valid at the ISO date `at` (default: those still valid today), in code order */
  areas(level: string, at?: string): readonly AreaView[];
  /** the version valid at `at` (default: the latest version) */
  area(level: string, code: string, at?: string): AreaView | undefined;
  /** the boundary of the version valid at `at` (default: the latest version) */
  geometry(level: string, code: string, at?: string): GeoJsonGeometry | null;
  /** for planning areas: the areas (Stadtteile/Stadtviertel) the version valid at `at` (default: the latest) is made of */
  members?(level: string, code: string, at?: string): readonly AreaRef[];
}

export type Polarity = 'POSITIVE' | 'NEGATIVE' | 'NEUTRAL';

export interface IndicatorMeta {
  code: string;
  name: string;
  description: string;
  /** how it is computed, in words (e.g. "SGB-II-Empfänger unter 65 / Einwohner unter 65 × 100") */
  definition: string;
  unit: string;
  kind: string;
  sourceAmt: string;
  polarity: Polarity;
  updateInterval: string;
  version: number;
  /** every version of the definition, ascending (their values stay queryable); absent = [version] */
  versions?: readonly number[];
  synthetic: boolean;
  /** published indicators are visible to the public; the rest only to planners, admins and their Amt */
  published: boolean;
  /** codes of DataSource entries the values derive from */
  sources: readonly string[];
  /** how the public sees its figures (docs/disclosure.md) */
  protection: ProtectionMeta;
  /** how its figures' uncertainty is stated (docs/uncertainty-and-typology.md) */
  uncertainty: UncertaintyMeta;
}

export interface UncertaintyMeta {
  /** a ratio's factor (100 for %): its figures carry a Wilson interval and a small-number flag; null for counts and changes */
  factor: number | null;
  /** confidence level of the interval */
  level: number;
  /** a rate with a numerator below this is flagged "kleine Fallzahl" */
  minNumerator: number;
  /** a rate with a denominator below this is flagged "kleine Fallzahl" */
  minDenominator: number;
}

export interface ProtectionMeta {
  /** the figures involve a confidential dataset */
  confidential: boolean;
  /** the public sees them computed from perturbed counts (cell-key method) */
  perturbed: boolean;
  /** parameters of the perturbation table (null when not perturbed) */
  maxNoise: number | null;
  variance: number | null;
  blockedUpTo: number | null;
  suppressBelow: number | null;
  /** expected absolute deviation of one published observation (count) from its true value */
  expectedAbsoluteDeviation: number | null;
  /** one sentence for readers */
  note: string | null;
}

export interface IndexClassMeta {
  label: string;
  /** lower bound in standard deviations; null for the open lowest class */
  from: number | null;
}

export interface IndexMeta {
  code: string;
  name: string;
  description: string;
  inputs: readonly { indicator: string; polarity: Polarity }[];
  classes: readonly IndexClassMeta[];
  minPopulation: number;
  version: number;
  /** every version of the definition, ascending (their scores stay queryable); absent = [version] */
  versions?: readonly number[];
  synthetic: boolean;
  published: boolean;
}

export interface DataSourceMeta {
  code: string;
  name: string;
  licence: string;
  attribution: string;
  url?: string | null;
  synthetic: boolean;
}

export interface CatalogueSource {
  indicators(): readonly IndicatorMeta[];
  indices(): readonly IndexMeta[];
  sources(): readonly DataSourceMeta[];
  /** the tenant's Ämter that deliver data (its feed catalogue), by code with their names */
  authorities(): readonly AuthorityMeta[];
}

/** An Amt of the tenant: the code the API names it by (sourceAmt, leadAmt, amt) and its name. */
export interface AuthorityMeta {
  code: string;
  name: string;
}

// ---- registry -------------------------------------------------------------------------------

export interface OfferView {
  key: string;
  version: number;
  name: string;
  offerType: string;
  subtype?: string | null;
  provider: string;
  amt: string;
  targetGroups: readonly string[];
  address: { street?: string | null; postcode?: string | null; city: string };
  location: { lat: number; lon: number };
  capacity?: { value: number; unit: string } | null;
  reach: string;
  /** the areas it lies in, every level */
  areas: readonly AreaRef[];
  validFrom: string;
  validTo?: string | null;
  source: string;
  attribution?: string | null;
  synthetic: boolean;
  /** offer v2; absent or null = not stated */
  openingHours?: string | null;
  languages?: readonly string[];
  accessibility?: { wheelchair: 'yes' | 'limited' | 'no'; note: string | null } | null;
  contact?: { phone: string | null; email: string | null; website: string | null } | null;
  /** metres from the query's `near` point, when searched by radius */
  distanceMeters?: number;
}

export interface OfferQuery {
  offerTypes?: readonly string[];
  targetGroups?: readonly string[];
  /** ISO 639-1 codes: offers stating at least one */
  languages?: readonly string[];
  /** the area and everything below it */
  area?: AreaRef;
  provider?: string;
  amt?: string;
  text?: string;
  near?: { lat: number; lon: number; radiusMeters: number };
  bbox?: { minLat: number; minLon: number; maxLat: number; maxLon: number };
  offset: number;
  limit: number;
}

export interface NormView {
  code: string;
  name: string;
  offerType: string;
  unit: string;
  description: string;
  /** what the supply's figures are when they are not official capacities (an estimate); absent or null otherwise */
  supplyNote?: string | null;
}

export interface NeedsRowView {
  norm: string;
  area: AreaRef;
  period: string;
  supply: number;
  demand: number | null;
  coverage: number | null;
  gap: number | null;
  /** distance in metres from the area's population-weighted centre to the nearest offer */
  nearestDistanceMeters?: number | null;
  /** true when the demand rests on a suppressed population figure */
  suppressed: boolean;
  /** the projection scenario the demand rests on (projected residents), or absent for observed residents */
  scenario?: string;
  /** the Richtwert the demand was computed with (the catalogue's, or the asked one) */
  normValue?: number;
}

// ---- planning scenarios (docs/projection.md §8) ------------------------------------------------

export interface ScenarioView {
  key: string;
  version: number;
  name: string;
  baseScenario: string;
  createdBy: string;
  /** projected: its population is queryable as scenario `key`; failed: see error; withdrawn */
  status: 'projected' | 'failed' | 'withdrawn';
  error: string | null;
  housingAreas: readonly { areaCode: string; dwellings: number; occupancy: number; completionYear: number; ageProfile: readonly { band: string; share: number }[] }[];
  norms: readonly { norm: string; value: number }[];
  facilities: readonly { change: 'open' | 'close'; norm: string; offerKey: string | null; capacity: number | null; areaCode: string; year: number }[];
}

/** The planners' scenarios as their projection stored them. */
export interface ScenarioSource {
  list(): Promise<readonly ScenarioView[]>;
  get(key: string): Promise<ScenarioView | undefined>;
}

export interface RegistrySource {
  searchOffers(query: OfferQuery): Promise<{ items: readonly OfferView[]; total: number }>;
  offerHistory(key: string): Promise<readonly OfferView[]>;
  norms(): Promise<readonly NormView[]>;
  needs(query: { norm: string; level: string; period: string; parentCode?: string; privileged: boolean; scenario?: string; normValue?: number }): Promise<readonly NeedsRowView[]>;
}

// ---- controlling ----------------------------------------------------------------------------

export interface GoalView {
  key: string;
  version: number;
  parentKey?: string | null;
  title: string;
  description?: string | null;
  areas: readonly AreaRef[];
  targetGroups: readonly string[];
  indicator?: string | null;
  baselineValue?: number | null;
  baselinePeriod?: string | null;
  targetValue?: number | null;
  /** increase | decrease (goal v2); null: implied by baseline and target value, if at all */
  targetDirection?: string | null;
  /** target values of the indicator per area and year (goal v2) */
  targets?: readonly GoalTargetView[];
  deadline?: string | null;
  adoptedBy?: { body: string; decision: string; date: string } | null;
  status: string;
  revisionReason?: string | null;
  example: boolean;
  /** the Amt that owns the goal (delivered it first); null when unknown. Drafts are visible to it and planners/admins only. */
  ownerAmt?: string | null;
}

export interface GoalTargetView {
  area: AreaRef;
  year: number;
  value: number;
}

export interface BudgetLineView {
  year: number;
  planned: number;
  spent: number;
  /** EUR approved for the year (measure v2); null: not approved (yet) */
  approved?: number | null;
}

export interface MeasureView {
  key: string;
  version: number;
  title: string;
  description?: string | null;
  goalKeys: readonly string[];
  areas: readonly AreaRef[];
  targetGroups: readonly string[];
  leadAmt: string;
  participants: readonly string[];
  budget: readonly BudgetLineView[];
  plannedStart: string;
  plannedEnd: string;
  actualStart?: string | null;
  actualEnd?: string | null;
  status: string;
  fundingSource?: string | null;
  example: boolean;
}

export interface MilestoneView {
  key: string;
  version: number;
  measureKey: string;
  title: string;
  plannedDate?: string | null;
  plannedQuarter?: string | null;
  actualDate?: string | null;
  reached: boolean;
}

export interface StatusReportView {
  key: string;
  measureKey: string;
  reportedBy: string;
  reportedAt: string;
  progressPercent: number;
  narrative: string;
  trafficLight?: string | null;
}

/** One measure as a controller sees it on a given day. */
export interface MeasureControllingView {
  measureKey: string;
  budgetPlanned: number;
  budgetSpent: number;
  /** spent / planned; null without a plan */
  budgetUse: number | null;
  /** EUR approved up to the day's year (measure v2); null when no year has an approval */
  budgetApproved: number | null;
  /** spent / approved over the years with an approval; null without approval or when 0 was approved */
  approvedBudgetUse: number | null;
  /** days the start (or end) runs behind plan; 0 when on time */
  startSlippageDays: number | null;
  endSlippageDays: number | null;
  milestonesDue: number;
  milestonesOverdue: number;
  trafficLight: string;
}

export interface EvaluationView {
  goalKey: string;
  indicator: string;
  before: string;
  after: string;
  treatedBefore: number | null;
  treatedAfter: number | null;
  cityBefore: number | null;
  cityAfter: number | null;
  comparisonBefore: number | null;
  comparisonAfter: number | null;
  /** (treatedAfter − treatedBefore) − (comparisonAfter − comparisonBefore) */
  differenceInDifferences: number | null;
}

export interface GoalFilter {
  area?: AreaRef;
  status?: readonly string[];
  includeExamples?: boolean;
}

export interface MeasureFilter {
  area?: AreaRef;
  goalKey?: string;
  amt?: string;
  status?: readonly string[];
}

export interface ControllingSource {
  goals(filter: GoalFilter): Promise<readonly GoalView[]>;
  goalHistory(key: string): Promise<readonly GoalView[]>;
  measures(filter: MeasureFilter): Promise<readonly MeasureView[]>;
  /** batched: milestones of several measures */
  milestones(measureKeys: readonly string[]): Promise<readonly MilestoneView[]>;
  statusReports(measureKeys: readonly string[]): Promise<readonly StatusReportView[]>;
  /** controlling figures for several measures on a given day (ISO date) */
  controlling(measureKeys: readonly string[], today: string): Promise<readonly MeasureControllingView[]>;
  evaluation(query: { goalKey: string; before: string; after: string; comparisonAreas?: readonly AreaRef[]; privileged: boolean }): Promise<EvaluationView>;
  /** who changed what: the audit trail of one planning record (a measure's with its milestones' and status reports' when includeRelated) */
  changes?(recordType: 'goal' | 'measure' | 'milestone' | 'status-report' | 'theme', key: string, includeRelated: boolean): Promise<readonly PlanningChangeView[]>;
  /** topics of the Sozialräume (internal working data: the service lets planners only read them) */
  themes?(filter: ThemeFilter): Promise<readonly ThemeView[]>;
  /** core-process indicators per area and year of finding over the topics matching the filter, on a given day */
  coreProcess?(filter: ThemeFilter, today: string): Promise<readonly CoreProcessView[]>;
}

export interface ThemeFilter {
  area?: AreaRef;
  level?: string;
  year?: number;
}

/** A topic found in a Sozialraum and its path (docs/controlling.md, "Themes"). */
export interface ThemeView {
  key: string;
  version: number;
  area: AreaRef;
  origin: 'bottom_up' | 'top_down';
  title: string;
  description: string | null;
  foundDate: string;
  foundBy: string;
  assessment: { date: string; assessedBy: string; text: string; priority: string } | null;
  decision: { date: string; decidedBy: string; outcome: 'project' | 'measure' | 'closed'; measureKey: string | null; projectTitle: string | null; reason: string | null } | null;
  status: 'found' | 'assessed' | 'decided';
  updatedAt: string;
  updatedBy: string;
}

/** The core-process indicators of one area and year of finding. */
export interface CoreProcessView {
  area: AreaRef;
  year: number;
  found: number;
  foundBottomUp: number;
  foundTopDown: number;
  assessed: number;
  decided: number;
  turnedIntoMeasures: number;
  turnedIntoProjects: number;
  closed: number;
  medianDaysToDecision: number | null;
  linkedMeasures: number;
  linkedMeasuresOnTime: number;
  shareOnTime: number | null;
}

/** One change of a planning record: the domain event a delivered version made, with its author and time. */
export interface PlanningChangeView {
  recordType: 'goal' | 'measure' | 'milestone' | 'status-report' | 'theme';
  key: string;
  measureKey: string | null;
  version: number;
  /** the domain event, e.g. MeasureRescheduled, MilestoneReached */
  eventType: string;
  data: unknown;
  /** who: the API key id of an Amt's feed, or `person:<sub>` for a save in the workspace */
  actor: string;
  /** ISO timestamp */
  at: string;
  deliveryId: string;
}

/** A consumer of the event log (a projection), as admins see it. */
export interface ConsumerStatus {
  groupId: string;
  /** events dead-lettered since this process started */
  deadLettered: number;
  /** batches retried after a transient error since this process started */
  retries: number;
  /** the transient error it is retrying right now, if any */
  failing: string | null;
}

/** An event a projection could not apply on its own (docs/engineering.md, "Poison events"). */
export interface DeadLetterView {
  groupId: string;
  topic: string;
  partition: number;
  offset: string;
  key: string;
  error: string;
  eventAt: Date;
  deadAt: Date;
}

/** Operations of the platform for admins: its consumers and their dead letters. */
export interface OperationsSource {
  consumers(): Promise<readonly ConsumerStatus[]>;
  deadLetterCount(): Promise<number>;
  /** newest first */
  deadLetters(limit: number): Promise<readonly DeadLetterView[]>;
}
