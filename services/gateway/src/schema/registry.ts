// Social infrastructure: offer search (paginated), an offer's version history, planning norms and
// the needs analysis (supply, demand, coverage, gap per area).
import { resolveOffsetConnection } from '@pothos/plugin-relay';
import type { GatewayContext } from '../context.js';
import { expectedError } from '../errors.js';
import type { RegistrySource } from '../sources.js';
import { builder } from './builder.js';
import { AreaInput, AreaLevelRef, AreaRef, NeedsRowRef, NormRef, OfferRef, ValueKindEnum } from './refs.js';

export function registryOf(ctx: GatewayContext): RegistrySource {
  if (!ctx.registry) throw expectedError('NOT_AVAILABLE', 'the registry is not connected to this gateway');
  return ctx.registry;
}

const AddressRef = builder.objectRef<{ street?: string | null; postcode?: string | null; city: string }>('Address').implement({
  fields: (t) => ({
    street: t.string({ nullable: true, resolve: (a) => a.street ?? null }),
    postcode: t.string({ nullable: true, resolve: (a) => a.postcode ?? null }),
    city: t.exposeString('city'),
  }),
});

const PointRef = builder.objectRef<{ lat: number; lon: number }>('Point').implement({
  fields: (t) => ({ lat: t.exposeFloat('lat'), lon: t.exposeFloat('lon') }),
});

const CapacityRef = builder.objectRef<{ value: number; unit: string }>('Capacity').implement({
  fields: (t) => ({ value: t.exposeFloat('value'), unit: t.exposeString('unit') }),
});

const WheelchairEnum = builder.enumType('Wheelchair', {
  description: "Wheelchair access, as OpenStreetMap's wheelchair tag.",
  values: { YES: { value: 'yes' }, LIMITED: { value: 'limited', description: 'partly: some rooms, or with help' }, NO: { value: 'no' } } as const,
});

const AccessibilityRef = builder.objectRef<{ wheelchair: 'yes' | 'limited' | 'no'; note: string | null }>('Accessibility').implement({
  fields: (t) => ({
    wheelchair: t.field({ type: WheelchairEnum, resolve: (a) => a.wheelchair }),
    note: t.string({ nullable: true, description: 'What else helps, in plain words (lift, induction loop, …).', resolve: (a) => a.note }),
  }),
});

const ContactRef = builder.objectRef<{ phone: string | null; email: string | null; website: string | null }>('Contact').implement({
  fields: (t) => ({
    phone: t.string({ nullable: true, resolve: (c) => c.phone }),
    email: t.string({ nullable: true, resolve: (c) => c.email }),
    website: t.string({ nullable: true, description: 'An http(s) URL.', resolve: (c) => c.website }),
  }),
});

OfferRef.implement({
  description: 'An offer of social infrastructure (Kita, Schule, Beratungsstelle, …).',
  fields: (t) => ({
    key: t.exposeString('key'),
    version: t.exposeInt('version'),
    name: t.exposeString('name'),
    offerType: t.exposeString('offerType'),
    subtype: t.string({ nullable: true, resolve: (o) => o.subtype ?? null }),
    provider: t.exposeString('provider'),
    amt: t.exposeString('amt'),
    targetGroups: t.stringList({ resolve: (o) => [...o.targetGroups] }),
    address: t.field({ type: AddressRef, resolve: (o) => o.address }),
    location: t.field({ type: PointRef, resolve: (o) => o.location }),
    capacity: t.field({ type: CapacityRef, nullable: true, resolve: (o) => o.capacity ?? null }),
    reach: t.exposeString('reach'),
    areas: t.field({
      type: [AreaRef],
      description: 'The areas the offer lies in, every level.',
      resolve: (o, _a, ctx) => o.areas.map((r) => ctx.indicators.areaOf(r.level, r.code)),
    }),
    validFrom: t.exposeString('validFrom'),
    validTo: t.string({ nullable: true, resolve: (o) => o.validTo ?? null }),
    source: t.exposeString('source'),
    attribution: t.string({ nullable: true, description: 'Attribution the source licence requires wherever the offer is shown.', resolve: (o) => o.attribution ?? null }),
    synthetic: t.exposeBoolean('synthetic'),
    openingHours: t.string({ nullable: true, description: 'Opening hours in plain words; null when the provider has not stated them.', resolve: (o) => o.openingHours ?? null }),
    languages: t.stringList({ description: 'Languages spoken (ISO 639-1 codes); empty when not stated.', resolve: (o) => [...(o.languages ?? [])] }),
    accessibility: t.field({ type: AccessibilityRef, nullable: true, description: 'Null when not stated.', resolve: (o) => o.accessibility ?? null }),
    contact: t.field({ type: ContactRef, nullable: true, description: 'Null when not stated.', resolve: (o) => o.contact ?? null }),
    distanceMeters: t.float({ nullable: true, description: 'Metres from the point of a radius search (offers(near: …)); null otherwise.', resolve: (o) => o.distanceMeters ?? null }),
  }),
});

NormRef.implement({
  description: 'A planning norm (Richtwert), e.g. Kita places per 100 children aged 1 to under 6.',
  fields: (t) => ({
    code: t.exposeString('code'),
    name: t.exposeString('name'),
    offerType: t.exposeString('offerType'),
    unit: t.exposeString('unit'),
    description: t.exposeString('description'),
    supplyNote: t.string({
      nullable: true,
      description: 'What the supply figures of this norm are when they are not official capacities, e.g. "Kapazität geschätzt aus Schülerzahl 2012 …". Show it wherever the supply is shown.',
      resolve: (n) => n.supplyNote ?? null,
    }),
  }),
});

NeedsRowRef.implement({
  description: 'Supply and demand of one norm in one area.',
  fields: (t) => ({
    norm: t.exposeString('norm'),
    area: t.field({ type: AreaRef, resolve: (r, _a, ctx) => ctx.indicators.areaOf(r.area.level, r.area.code) }),
    period: t.exposeString('period'),
    supply: t.exposeFloat('supply'),
    demand: t.float({ nullable: true, resolve: (r) => r.demand }),
    coverage: t.float({ nullable: true, description: 'supply / demand', resolve: (r) => r.coverage }),
    gap: t.float({ nullable: true, description: 'demand − supply (positive: too little)', resolve: (r) => r.gap }),
    nearestDistanceMeters: t.float({ nullable: true, resolve: (r) => r.nearestDistanceMeters ?? null }),
    suppressed: t.exposeBoolean('suppressed'),
    kind: t.field({
      type: ValueKindEnum,
      description: 'PROGNOSE when the demand rests on projected residents ("Prognose – <scenario>").',
      resolve: (r) => (r.scenario === undefined ? 'OBSERVED' : 'PROGNOSE'),
    }),
    scenario: t.string({ nullable: true, description: 'The projection scenario of the residents behind the demand; null for observed residents.', resolve: (r) => r.scenario ?? null }),
    normValue: t.float({ nullable: true, description: 'The Richtwert the demand was computed with: the catalogue value, or the normValue asked for.', resolve: (r) => r.normValue ?? null }),
  }),
});

const PointInput = builder.inputType('RadiusInput', {
  fields: (t) => ({
    lat: t.float({ required: true }),
    lon: t.float({ required: true }),
    radiusMeters: t.float({ required: true }),
  }),
});

const BboxInput = builder.inputType('BoundingBoxInput', {
  fields: (t) => ({
    minLat: t.float({ required: true }),
    minLon: t.float({ required: true }),
    maxLat: t.float({ required: true }),
    maxLon: t.float({ required: true }),
  }),
});

builder.queryFields((t) => ({
  offers: t.connection(
    {
      type: OfferRef,
      description: 'Search offers by type, target group, language, area (including every area below it), provider, Amt, free text, radius (ordered by distance) or bounding box.',
      complexity: (args) => ({ field: 2, multiplier: Math.max(1, args.first ?? args.last ?? 20) }),
      args: {
        offerTypes: t.arg.stringList({ required: false }),
        targetGroups: t.arg.stringList({ required: false }),
        languages: t.arg.stringList({ required: false, description: 'ISO 639-1 codes: offers stating at least one of them.' }),
        area: t.arg({ type: AreaInput, required: false }),
        provider: t.arg.string({ required: false }),
        amt: t.arg.string({ required: false }),
        text: t.arg.string({ required: false }),
        near: t.arg({ type: PointInput, required: false }),
        bbox: t.arg({ type: BboxInput, required: false }),
      },
      resolve: async (_root, args, ctx) => {
        const registry = registryOf(ctx);
        const badLanguage = args.languages?.find((l) => !/^[a-z]{2,3}$/.test(l));
        if (badLanguage !== undefined)
          throw expectedError('BAD_USER_INPUT', `languages: ${JSON.stringify(badLanguage)} is not a language code; accepted: ISO 639-1 codes in lower case (de, en, tr, ar, …)`, {
            argument: 'languages',
          });
        if (args.near && !(Math.abs(args.near.lat) <= 90 && Math.abs(args.near.lon) <= 180 && args.near.radiusMeters > 0 && args.near.radiusMeters <= 100_000)) {
          throw expectedError('BAD_USER_INPUT', 'near: accepted are lat in −90..90, lon in −180..180 (WGS84) and radiusMeters greater than 0 and at most 100000', { argument: 'near' });
        }
        ctx.indicators.pageSize(args.first ?? args.last, args.first != null ? 'first' : 'last', ctx.limits.maxPageSize);
        let total = 0;
        const connection = await resolveOffsetConnection({ args, defaultSize: ctx.limits.defaultPageSize, maxSize: ctx.limits.maxPageSize }, async ({ offset, limit }) => {
          const page = await registry.searchOffers({
            ...(args.offerTypes ? { offerTypes: args.offerTypes } : {}),
            ...(args.targetGroups ? { targetGroups: args.targetGroups } : {}),
            ...(args.languages ? { languages: args.languages } : {}),
            ...(args.area ? { area: args.area } : {}),
            ...(args.provider ? { provider: args.provider } : {}),
            ...(args.amt ? { amt: args.amt } : {}),
            ...(args.text ? { text: args.text } : {}),
            ...(args.near ? { near: args.near } : {}),
            ...(args.bbox ? { bbox: args.bbox } : {}),
            offset,
            limit,
          });
          total = page.total;
          return [...page.items];
        });
        return Object.assign(connection, { totalCount: total });
      },
    },
    {
      fields: (c) => ({ totalCount: c.int({ resolve: (conn) => (conn as unknown as { totalCount: number }).totalCount }) }),
    },
  ),
  offerHistory: t.field({
    type: [OfferRef],
    description: 'Every version of an offer, oldest first.',
    args: { key: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx) => [...(await registryOf(ctx).offerHistory(args.key))],
  }),
  planningNorms: t.field({
    type: [NormRef],
    resolve: async (_root, _args, ctx) => [...(await registryOf(ctx).norms())],
  }),
  needs: t.field({
    type: [NeedsRowRef],
    description: 'Needs analysis of one norm per area: supply, demand, coverage and gap. Largest gaps first.',
    args: {
      norm: t.arg.string({ required: true }),
      level: t.arg({ type: AreaLevelRef, required: true }),
      period: t.arg.string({ required: true }),
      parent: t.arg({ type: AreaInput, required: false }),
      scenario: t.arg.string({ required: false, description: 'A projection scenario, e.g. "basis": demand from the projected residents of the period, supply from today\'s registry.' }),
      normValue: t.arg.float({
        required: false,
        description: 'A changed Richtwert for this analysis, e.g. 90 Kita places per 100 children; the catalogue stays unchanged. Greater than 0, at most 100000.',
      }),
    },
    resolve: async (_root, args, ctx) => {
      if (args.normValue != null && !(Number.isFinite(args.normValue) && args.normValue > 0 && args.normValue <= 100_000)) {
        throw expectedError('BAD_USER_INPUT', `normValue ${args.normValue}: a Richtwert greater than 0 and at most 100000 (places per the norm's "per" persons)`, { argument: 'normValue' });
      }
      const rows = await registryOf(ctx).needs({
        ...(args.scenario != null ? { scenario: args.scenario } : {}),
        ...(args.normValue != null ? { normValue: args.normValue } : {}),
        norm: args.norm,
        level: args.level,
        period: args.period,
        ...(args.parent ? { parentCode: args.parent.code } : {}),
        // demand comes from population figures: suppression rules are the indicators' rules
        privileged: ctx.viewer.privileged && (ctx.viewer.role === 'planner' || ctx.viewer.role === 'admin'),
      });
      return [...rows].sort((a, b) => (b.gap ?? -Infinity) - (a.gap ?? -Infinity));
    },
  }),
}));
