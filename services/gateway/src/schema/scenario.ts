// Planning scenarios (docs/projection.md §8): `saveScenario` delivers one scenario record through
// the ingestion path (like saveGoal: the feed's validation, versions and durability, the signed-in
// person as author); its projection computes the scenario's population, which `indicatorValues`,
// `timeSeries` and `needs` return with `scenario: "<key>"`, labelled PROGNOSE. `scenarios` lists
// them with whether their projection succeeded. Planning staff (role planner) and admins only.
import type { GatewayContext } from '../context.js';
import { expectedError } from '../errors.js';
import type { PlanningAuthor, PlanningFieldError, PlanningWriteResult } from '../planning/planning.writer.js';
import type { ScenarioView } from '../sources.js';
import { builder } from './builder.js';

const AgeShareInput = builder.inputType('ScenarioAgeShareInput', {
  fields: (t) => ({ band: t.string({ required: false, description: 'e.g. "0-6" (6 exclusive), "65+"' }), share: t.float({ required: false }) }),
});

const HousingAreaInput = builder.inputType('ScenarioHousingAreaInput', {
  description: 'New dwellings in an area of the projection (a Stadtteil): their first occupants move in in the completion year.',
  fields: (t) => ({
    areaCode: t.string({ required: false }),
    dwellings: t.int({ required: false }),
    occupancy: t.float({ required: false, description: 'persons per dwelling' }),
    completionYear: t.int({ required: false }),
    ageProfile: t.field({ type: [AgeShareInput], required: false, description: "the movers' shares per age band, adding up to 1" }),
  }),
});

const NormChangeInput = builder.inputType('ScenarioNormInput', {
  description: 'A changed Richtwert of a norm (places per 100 of its target population, as the norm counts).',
  fields: (t) => ({ norm: t.string({ required: false }), value: t.float({ required: false }) }),
});

const FacilityChangeInput = builder.inputType('ScenarioFacilityInput', {
  description: 'A facility opened or closed from a year on: its places count for the norm in its area.',
  fields: (t) => ({
    change: t.string({ required: false, description: 'open | close' }),
    norm: t.string({ required: false }),
    offerKey: t.string({ required: false, description: 'close: the registry offer (its capacity)' }),
    capacity: t.float({ required: false }),
    areaCode: t.string({ required: false }),
    year: t.int({ required: false }),
  }),
});

const ScenarioInput = builder.inputType('ScenarioInput', {
  description: 'A planning scenario: changes to the base scenario. `key` is its code (lower-case letters, digits, _); `version`: 1 when new, the current version + 1 for a change.',
  fields: (t) => ({
    key: t.string({ required: false }),
    version: t.int({ required: false }),
    name: t.string({ required: false }),
    baseScenario: t.string({ required: false, description: 'default "basis"' }),
    housingAreas: t.field({ type: [HousingAreaInput], required: false }),
    norms: t.field({ type: [NormChangeInput], required: false }),
    facilities: t.field({ type: [FacilityChangeInput], required: false }),
  }),
});

const ScenarioFieldErrorRef = builder.objectRef<PlanningFieldError>('ScenarioFieldError').implement({
  description: 'What the domain refused, at the field of the scenario.',
  fields: (t) => ({
    field: t.string({ nullable: true, resolve: (e) => e.field }),
    code: t.exposeString('code'),
    message: t.exposeString('message'),
    accepted: t.exposeString('accepted'),
    value: t.field({ type: 'JSON', nullable: true, resolve: (e) => e.value ?? null }),
  }),
});

type ScenarioSave = Exclude<PlanningWriteResult, { kind: 'unavailable' }>;

const ScenarioSaveRef = builder.objectRef<ScenarioSave>('ScenarioSave').implement({
  description: 'The answer to saveScenario: the saved version, or the errors per field (nothing changed). The projection follows within seconds (see `scenarios`).',
  fields: (t) => ({
    saved: t.boolean({ resolve: (s) => s.kind === 'accepted' }),
    key: t.string({ nullable: true, resolve: (s) => (s.kind === 'accepted' ? s.key : null) }),
    version: t.int({ nullable: true, resolve: (s) => (s.kind === 'accepted' ? s.version : null) }),
    author: t.string({ nullable: true, resolve: (s) => (s.kind === 'accepted' ? s.author : null) }),
    currentVersion: t.int({ nullable: true, resolve: (s) => (s.kind === 'rejected' ? s.currentVersion : null) }),
    errors: t.field({ type: [ScenarioFieldErrorRef], resolve: (s) => (s.kind === 'rejected' ? s.errors : []) }),
  }),
});

const ScenarioRef = builder.objectRef<ScenarioView>('Scenario').implement({
  description: 'A planning scenario and whether its projection succeeded. Show its values as "Prognose – <name>".',
  fields: (t) => ({
    key: t.exposeString('key', { description: 'the code to pass as `scenario`' }),
    version: t.exposeInt('version'),
    name: t.exposeString('name'),
    baseScenario: t.exposeString('baseScenario'),
    createdBy: t.string({ nullable: true, description: 'who saved it (person:<sub>); null for the public', resolve: (s, _a, ctx) => (ctx.viewer.role === 'public' ? null : s.createdBy) }),
    status: t.exposeString('status', { description: 'projected | failed | withdrawn' }),
    error: t.string({ nullable: true, resolve: (s) => s.error }),
    changes: t.field({ type: 'JSON', description: 'housingAreas, norms and facilities as saved', resolve: (s) => ({ housingAreas: s.housingAreas, norms: s.norms, facilities: s.facilities }) }),
  }),
});

/** Scenarios are written by the planning staff; admins may write them too (in the planning Amt's name). */
function scenarioAuthor(ctx: GatewayContext, planningAmt: string): PlanningAuthor {
  const viewer = ctx.viewer;
  if (viewer.role === 'public') throw expectedError('UNAUTHENTICATED', 'sign in to save a scenario: scenarios are written by the planning staff', { http: { status: 401 } });
  if (!viewer.subject) throw expectedError('UNAUTHENTICATED', 'this token names no person (claim "sub" missing): every saved version records its author', { http: { status: 401 } });
  if (viewer.role !== 'planner' && viewer.role !== 'admin') {
    throw expectedError('FORBIDDEN', `scenarios are written by the planning staff (role planner) or admins; Amt ${viewer.amt ?? ''} reads them`, { http: { status: 403 } });
  }
  return { author: `person:${viewer.subject}`, amt: planningAmt };
}

builder.mutationFields((t) => ({
  saveScenario: t.field({
    type: ScenarioSaveRef,
    description: 'Saves a version of a planning scenario (planning staff, admins): new housing areas, changed Richtwerte, facilities opened or closed.',
    args: { input: t.arg({ type: ScenarioInput, required: true }) },
    resolve: async (_r, args, ctx) => {
      const writer = ctx.planningWriter;
      if (!writer) throw expectedError('NOT_AVAILABLE', 'this gateway only reads; save scenarios at the platform (or deliver them to the ingestion API)');
      const by = scenarioAuthor(ctx, writer.planningAmt);
      const input = JSON.parse(JSON.stringify(args.input)) as Record<string, unknown>;
      // the norms a scenario changes or counts facilities for must exist (the feed does not know the norm catalogue)
      const known = ctx.registry ? new Set((await ctx.registry.norms()).map((n) => n.code)) : undefined;
      const unknownNorms: PlanningFieldError[] = [];
      for (const [list, items] of [
        ['norms', args.input.norms],
        ['facilities', args.input.facilities],
      ] as const) {
        (items ?? []).forEach((item, i) => {
          if (known && typeof item.norm === 'string' && !known.has(item.norm)) {
            unknownNorms.push({ field: `${list}[${i}].norm`, code: 'UNKNOWN_NORM', message: `unknown norm "${item.norm}"`, accepted: `a norm code: ${[...known].join(', ')}`, value: item.norm });
          }
        });
      }
      if (unknownNorms.length) return { kind: 'rejected' as const, errors: unknownNorms, currentVersion: null };
      const record = { baseScenario: 'basis', housingAreas: [], norms: [], facilities: [], ...input, createdBy: by.author };
      const result = await writer.save(by, 'scenario', record);
      if (result.kind === 'unavailable')
        throw expectedError('NOT_AVAILABLE', `nothing was saved: ${result.reason}; save again in ${result.retryAfterSeconds} s`, { retryAfter: result.retryAfterSeconds });
      return result;
    },
  }),
}));

builder.queryFields((t) => ({
  scenarios: t.field({
    type: [ScenarioRef],
    description: "The planners' scenarios, by key. Pass a key as `scenario` to indicatorValues, timeSeries or needs.",
    resolve: async (_r, _a, ctx) => [...((await ctx.scenarios?.list()) ?? [])],
  }),
}));
