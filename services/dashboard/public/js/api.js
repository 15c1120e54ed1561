// @ts-check
// Everything the dashboard reads, as GraphQL operations against the GraphQL endpoint of the tenant the
// page is served under (base.js: /graphql, or /t/{id}/graphql), on the same origin.
// Nothing else is fetched (besides session/me, the tenant list, the admins' user API and the
// Sozialbericht's jobs, below): no tile server, no CDN. docs/dashboard.md lists these operations.
// Each operation carries the types of its answer and its variables (`Query<Data, Vars>`), so the
// page is type-checked against what it asks for; src/graphql-queries.unit.test.ts validates every
// operation `gql()` is called with against the gateway's schema.graphql, and these types against
// the operations.

import { tenantUrl } from './base.js';

/** @import { Geometry } from './geo.js' */

/**
 * A GraphQL operation: at run time its document (a string); for the type checker also the shape of
 * its `data` and of its variables.
 * @template Data, Vars
 * @typedef {string & { readonly __data?: Data, readonly __vars?: Vars }} Query
 */

/** @typedef {{ code: string }} AreaCode */
/** @typedef {{ level: string, code: string }} AreaInput */
/** @typedef {{ hasNextPage: boolean, endCursor: string | null }} PageInfo */
/** @typedef {{ code: string, name: string, description: string, definition: string, unit: string, kind: string, polarity: string, synthetic: boolean, published: boolean, sourceAmt: string, periods: string[], sources: { code: string }[], protection: { perturbed: boolean, note: string | null } }} Indicator */
/** @typedef {{ code: string, name: string, description: string, synthetic: boolean, minPopulation: number, classes: IndexClass[], inputs: { indicatorCode: string, polarity: string }[] }} CompositeIndex */
/** @typedef {{ label: string, from: number | null }} IndexClass */
/** @typedef {{ code: string, name: string, licence: string, attribution: string, url: string | null, synthetic: boolean }} DataSource */
/** @typedef {{ code: string, name: string, offerType: string, unit: string, description: string, supplyNote: string | null }} PlanningNorm */
/** @typedef {{ level: string, code: string, name: string }} AreaRef */
/** @typedef {{ name: string, label: string, parentLevel: string | null, hasGeometry: boolean, planning: boolean, basis: boolean }} AreaLevelInfo */
/** @typedef {{ code: string, name: string, parent: (AreaRef & { parent: AreaRef | null }) | null, geometry: Geometry | null }} ApiArea */
/** @typedef {{ lower: number, upper: number, level: number }} Interval */
/** @typedef {{ area: AreaCode, value: number | null, suppressed: boolean, suppressionReason: string | null, synthetic: boolean, interval: Interval | null, smallNumber: boolean | null }} IndicatorValue */
/** @typedef {{ area: AreaCode, score: number | null, class: string | null, scored: boolean }} IndexValue */
/** @typedef {{ cluster: number, size: number, centre: number[] }} TypologyCluster */
/** @typedef {{ k: number, withinSs: number, totalSs: number, perturbed: boolean, excluded: AreaCode[], areas: { area: AreaCode, cluster: number }[], clusters: TypologyCluster[] }} Typology */
/** @typedef {{ area: { code: string, name: string }, distance: number, contributions: { indicator: { code: string }, value: number, share: number }[] }} SimilarArea */
/** @typedef {{ compared: number, perturbed: boolean, values: number[], similar: SimilarArea[] }} SimilarAreas */
/** @typedef {{ period: string, value: number | null, suppressed: boolean, interval: Interval | null, smallNumber: boolean | null }} SeriesPoint */
/** @typedef {{ key: string, name: string, offerType: string, subtype: string | null, targetGroups: string[], location: { lat: number, lon: number }, address: { street: string | null, postcode: string | null } }} Offer */
/** @typedef {{ norm: string, area: AreaCode, supply: number, demand: number | null, coverage: number | null, gap: number | null, suppressed: boolean }} NeedsRow */
/** @typedef {{ title: string, plannedDate: string | null, plannedQuarter: string | null, actualDate: string | null, reached: boolean }} Milestone */
/** @typedef {{ key: string, title: string, status: string, leadAmt: string, plannedStart: string, plannedEnd: string, example: boolean, controlling: { trafficLight: string, budgetPlanned: number, budgetSpent: number } | null, milestones: Milestone[] }} Measure */
/** @typedef {{ offers: { totalCount: number, pageInfo: PageInfo, edges: { node: Offer }[] } }} OffersPage */
/** @typedef {{ groupId: string, deadLettered: number, retries: number, failing: string | null }} ConsumerStatus */
/** @typedef {{ groupId: string, topic: string, partition: number, offset: string, key: string, error: string, eventAt: string, deadAt: string }} DeadLetter */
/** @typedef {{ operations: { deadLetterCount: number, consumers: ConsumerStatus[], deadLetters: DeadLetter[] } }} Operations */
/** @typedef {{ measures: { pageInfo: PageInfo, edges: { node: Measure }[] } }} MeasuresPage */
/** @typedef {{ wheelchair: string, note: string | null }} Accessibility */
/** @typedef {{ phone: string | null, email: string | null, website: string | null }} Contact */
/**
 * An offer as the Sozialatlas shows it (offer v2: opening hours, languages, accessibility, contact).
 * @typedef {{ key: string, name: string, offerType: string, subtype: string | null, provider: string, targetGroups: string[], address: { street: string | null, postcode: string | null, city: string }, location: { lat: number, lon: number }, openingHours: string | null, languages: string[], accessibility: Accessibility | null, contact: Contact | null, distanceMeters: number | null, synthetic: boolean, attribution: string | null }} AtlasOffer
 */
/** @typedef {{ offers: { totalCount: number, pageInfo: PageInfo, edges: { node: AtlasOffer }[] } }} AtlasOffersPage */
/** @typedef {{ lat: number, lon: number, radiusMeters: number }} RadiusInput */

export class ApiError extends Error {
  /**
   * @param {string} message
   * @param {string} code
   * @param {string | null} [argument]
   * @param {string | null} [reason]
   */
  constructor(message, code, argument = null, reason = null) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    /** the argument the error is about (extensions.argument), when the API names it */
    this.argument = argument;
    /** why, more precisely than the code (extensions.reason, e.g. TOO_FEW_AREAS of a BAD_USER_INPUT), when the API says */
    this.reason = reason;
  }
}

let endpoint = tenantUrl('graphql');
/** @param {string} url */
export function setEndpoint(url) {
  endpoint = url;
}

/**
 * POSTs one operation; throws ApiError with the first error's message, extensions.code and argument.
 * @template Data, Vars
 * @param {Query<Data, Vars>} query
 * @param {Vars} [variables]
 * @param {{ token?: string }} [auth] a bearer token; without one the page asks with the signed-in person's rights (the platform adds the session's token, docs/auth.md) or as the public
 * @returns {Promise<Data>}
 */
export async function gql(query, variables = /** @type {Vars} */ ({}), auth = {}) {
  let res;
  try {
    res = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(auth.token ? { authorization: `Bearer ${auth.token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError('Die GraphQL-API ist nicht erreichbar.', 'NETWORK');
  }
  let body;
  try {
    body = await res.json();
  } catch {
    throw new ApiError(`Unerwartete Antwort der API (HTTP ${res.status}).`, 'BAD_RESPONSE');
  }
  if (body.errors?.length) {
    const e = body.errors[0];
    throw new ApiError(e.message, e.extensions?.code ?? 'ERROR', e.extensions?.argument ?? null, e.extensions?.reason ?? null);
  }
  return body.data;
}

/**
 * Page sizes that keep a page under the gateway's cost limit (5000; a connection multiplies its
 * selection by `first`, and `edges` and nested lists by 10 again).
 */
export const pageSizes = { offers: 30, measures: 5 };

export const queries = {
  init: /** @type {Query<{ indicators: Indicator[], indices: CompositeIndex[], sources: DataSource[], areaLevels: AreaLevelInfo[], authorities: { code: string, name: string }[] }, {}>} */ (
    /* GraphQL */ `
    query DashboardInit {
      indicators { code name description definition unit kind polarity synthetic published sourceAmt periods sources { code } protection { perturbed note } }
      indices { code name description synthetic minPopulation classes { label from } inputs { indicatorCode polarity } }
      sources { code name licence attribution url synthetic }
      areaLevels { name label parentLevel hasGeometry planning basis }
      authorities { code name }
    }`
  ),
  offersSynthetic: /** @type {Query<{ offers: { edges: { node: { synthetic: boolean } }[] } }, { offerTypes: string[] }>} */ (
    /* GraphQL */ `
    query DashboardOffersSynthetic($offerTypes: [String!]) { offers(offerTypes: $offerTypes, first: 50) { edges { node { synthetic } } } }`
  ),
  root: /** @type {Query<{ areas: { level: string, code: string, name: string }[] }, { level: string }>} */ (
    /* GraphQL */ `
    query DashboardRoot($level: AreaLevel!) { areas(level: $level) { level code name } }`
  ),
  norms: /** @type {Query<{ planningNorms: PlanningNorm[] }, {}>} */ (
    /* GraphQL */ `
    query DashboardNorms { planningNorms { code name offerType unit description supplyNote } }`
  ),
  areas: /** @type {Query<{ areas: ApiArea[] }, { level: string }>} */ (
    /* GraphQL */ `
    query DashboardAreas($level: AreaLevel!) {
      areas(level: $level) { code name parent { level code name parent { level code name } } geometry }
    }`
  ),
  areaVersions: /** @type {Query<{ areas: { code: string, validFrom: string | null }[] }, { level: string, at: string }>} */ (
    /* GraphQL */ `
    query DashboardAreaVersions($level: AreaLevel!, $at: String!) { areas(level: $level, at: $at) { code validFrom } }`
  ),
  areasAt: /** @type {Query<{ areas: ApiArea[] }, { level: string, at: string }>} */ (
    /* GraphQL */ `
    query DashboardAreasAt($level: AreaLevel!, $at: String!) {
      areas(level: $level, at: $at) { code name parent { level code name parent { level code name } } geometry }
    }`
  ),
  values: /** @type {Query<{ indicatorValues: IndicatorValue[] }, { indicator: string, level: string, period: string }>} */ (
    /* GraphQL */ `
    query DashboardValues($indicator: String!, $level: AreaLevel!, $period: String!) {
      indicatorValues(indicator: $indicator, level: $level, period: $period) {
        area { code } value suppressed suppressionReason synthetic interval { lower upper level } smallNumber
      }
    }`
  ),
  indexValues: /** @type {Query<{ indexValues: IndexValue[] }, { index: string, level: string, period: string }>} */ (
    /* GraphQL */ `
    query DashboardIndex($index: String!, $level: AreaLevel!, $period: String!) {
      indexValues(index: $index, level: $level, period: $period) { area { code } score class scored }
    }`
  ),
  series:
    /** @type {Query<{ area: SeriesPoint[], bezirk?: SeriesPoint[], city: SeriesPoint[] }, { indicator: string, area: AreaInput, bezirk: AreaInput, city: AreaInput, withBezirk: boolean, from: string, to: string }>} */ (
      /* GraphQL */ `
    query DashboardSeries($indicator: String!, $area: AreaInput!, $bezirk: AreaInput!, $city: AreaInput!, $withBezirk: Boolean!, $from: String!, $to: String!) {
      area: timeSeries(indicator: $indicator, area: $area, from: $from, to: $to) { period value suppressed interval { lower upper level } smallNumber }
      bezirk: timeSeries(indicator: $indicator, area: $bezirk, from: $from, to: $to) @include(if: $withBezirk) { period value suppressed interval { lower upper level } smallNumber }
      city: timeSeries(indicator: $indicator, area: $city, from: $from, to: $to) { period value suppressed interval { lower upper level } smallNumber }
    }`
    ),
  typology: /** @type {Query<{ typology: Typology }, { level: string, indicators: string[], period: string, k: number }>} */ (
    /* GraphQL */ `
    query DashboardTypology($level: AreaLevel!, $indicators: [String!]!, $period: String!, $k: Int!) {
      typology(level: $level, indicators: $indicators, period: $period, k: $k) {
        k withinSs totalSs perturbed excluded { code } areas { area { code } cluster } clusters { cluster size centre }
      }
    }`
  ),
  similar: /** @type {Query<{ similarAreas: SimilarAreas }, { area: AreaInput, indicators: string[], period: string }>} */ (
    /* GraphQL */ `
    query DashboardSimilar($area: AreaInput!, $indicators: [String!]!, $period: String!) {
      similarAreas(area: $area, indicators: $indicators, period: $period, first: 5) {
        compared perturbed values similar { area { code name } distance contributions { indicator { code } value share } }
      }
    }`
  ),
  offers: /** @type {Query<OffersPage, { offerTypes: string[] | null, targetGroups: string[] | null, first: number, after: string | null }>} */ (
    /* GraphQL */ `
    query DashboardOffers($offerTypes: [String!], $targetGroups: [String!], $first: Int!, $after: String) {
      offers(offerTypes: $offerTypes, targetGroups: $targetGroups, first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { node { key name offerType subtype targetGroups location { lat lon } address { street postcode } } }
      }
    }`
  ),
  // one norm per request: `needs` is a non-null list, so one norm the API cannot compute would
  // void every other alias of a combined query
  needs: /** @type {Query<{ needs: NeedsRow[] }, { norm: string, level: string, period: string }>} */ (
    /* GraphQL */ `
    query DashboardNeeds($norm: String!, $level: AreaLevel!, $period: String!) {
      needs(norm: $norm, level: $level, period: $period) { norm area { code } supply demand coverage gap suppressed }
    }`
  ),
  measures: /** @type {Query<MeasuresPage, { area: AreaInput, first: number, after: string | null }>} */ (
    /* GraphQL */ `
    query DashboardMeasures($area: AreaInput!, $first: Int!, $after: String) {
      measures(area: $area, first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node {
          key title status leadAmt plannedStart plannedEnd example
          controlling { trafficLight budgetPlanned budgetSpent }
          milestones { title plannedDate plannedQuarter actualDate reached }
        } }
      }
    }`
  ),
  // the Sozialatlas (sozialatlas.html): the public search of offers. `first` is written into the
  // document: the cost limit counts a page size given as a variable as 20, and 20 offers with all
  // their details cost more than 5000
  atlasInit: /** @type {Query<{ sources: DataSource[], areaLevels: AreaLevelInfo[] }, {}>} */ (
    /* GraphQL */ `
    query SozialatlasInit {
      sources { code name licence attribution url synthetic }
      areaLevels { name label parentLevel hasGeometry planning basis }
    }`
  ),
  atlasOffers:
    /** @type {Query<AtlasOffersPage, { offerTypes: string[] | null, targetGroups: string[] | null, languages: string[] | null, area: AreaInput | null, near: RadiusInput | null, after: string | null }>} */ (
      /* GraphQL */ `
    query SozialatlasOffers($offerTypes: [String!], $targetGroups: [String!], $languages: [String!], $area: AreaInput, $near: RadiusInput, $after: String) {
      offers(offerTypes: $offerTypes, targetGroups: $targetGroups, languages: $languages, area: $area, near: $near, first: 15, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { node {
          key name offerType subtype provider targetGroups
          address { street postcode city } location { lat lon }
          openingHours languages accessibility { wheelchair note } contact { phone email website }
          distanceMeters synthetic attribution
        } }
      }
    }`
    ),
  operations: /** @type {Query<Operations, { limit: number }>} */ (
    /* GraphQL */ `
    query DashboardOperations($limit: Int!) {
      operations {
        deadLetterCount
        consumers { groupId deadLettered retries failing }
        deadLetters(limit: $limit) { groupId topic partition offset key error eventAt deadAt }
      }
    }`
  ),
};

/**
 * Errors that say a figure does not exist rather than that something broke: a norm whose age band
 * the population statistics do not have, a period without population figures. The page shows them
 * as a note next to the norm, not as a failure.
 */
const dataGapCodes = new Set(['AGE_BAND_NOT_AVAILABLE', 'POPULATION_NOT_AVAILABLE']);
/**
 * @param {unknown} error
 * @returns {error is ApiError}
 */
export function isDataGap(error) {
  return error instanceof ApiError && dataGapCodes.has(error.code);
}

/**
 * The German text of an API error for the page (the API answers in English, with a code).
 * @param {unknown} error
 * @returns {string}
 */
export function describeError(error) {
  if (!(error instanceof ApiError)) return String(/** @type {{ message?: unknown } | null | undefined} */ (error)?.message ?? error);
  switch (error.code) {
    case 'AGE_BAND_NOT_AVAILABLE': {
      if (error.argument === 'period') return 'Für diesen Zeitraum fehlen die Einwohnerzahlen der Altersgruppen, nach denen der Richtwert rechnet.';
      // the band is named in the message (the code alone does not say which)
      const band = /age band "([^"]+)"/.exec(error.message)?.[1];
      return `Die Bevölkerungsstatistik hat ${band ? `keine Altersgruppe ${band.replace('-', '–')} Jahre` : 'nicht alle Altersgruppen dieses Richtwerts'}; der Bedarf ist nicht berechenbar.`;
    }
    case 'BAD_USER_INPUT':
      // the typology and the similar areas need at least two areas with a figure for every indicator of the profile
      if (error.reason === 'TOO_FEW_AREAS') return 'Zu wenige Gebiete dieser Ebene haben Werte für alle Indikatoren des Profils (mindestens zwei nötig).';
      return error.message;
    case 'POPULATION_NOT_AVAILABLE':
      return 'Für diesen Zeitraum liegen keine Einwohnerzahlen vor; der Bedarf ist nicht berechenbar.';
    case 'NOT_AVAILABLE':
      return 'Dieser Teil der Plattform ist nicht angeschlossen.';
    case 'TIMEOUT':
      return 'Die Anfrage hat zu lange gedauert.';
    case 'RATE_LIMITED':
      // the gateway's per-client budget (docs/graphql.md): quick clicking through many maps can reach it
      return 'Gerade kamen zu viele Anfragen von diesem Browser. Bitte in einigen Sekunden erneut versuchen.';
    case 'INTERNAL_SERVER_ERROR':
      return 'Unerwarteter Fehler der API.';
    default:
      return error.message;
  }
}

/**
 * Who is signed in: the platform's session routes (docs/auth.md).
 * @typedef {object} Me
 * @property {boolean} signedIn
 * @property {string} role public | planner | amt | admin
 * @property {string} [name]
 * @property {string | null} [amt]
 * @property {string | null} [tenant]
 */

/**
 * The signed-in person, or the public when nobody is (or the page is served without session routes).
 * @returns {Promise<Me>}
 */
export async function whoAmI() {
  try {
    const res = await fetch(tenantUrl('session/me'), { headers: { accept: 'application/json' }, cache: 'no-store' });
    if (!res.ok) return { signedIn: false, role: 'public' };
    return /** @type {Me} */ (await res.json());
  } catch {
    return { signedIn: false, role: 'public' };
  }
}

/** @typedef {{ id: string, name: string, kind: string, path: string }} TenantEntry */
/** @typedef {{ default: string, tenants: TenantEntry[] }} TenantDirectory */

/**
 * The deployment's tenants (public fields only; GET tenants, docs/tenants.md), or null when the page
 * is served without them.
 * @returns {Promise<TenantDirectory | null>}
 */
export async function tenants() {
  try {
    const res = await fetch(tenantUrl('tenants'), { headers: { accept: 'application/json' }, cache: 'no-store' });
    if (!res.ok) return null;
    return /** @type {TenantDirectory} */ (await res.json());
  } catch {
    return null;
  }
}

/**
 * One call of the embedded sign-in's admin API for users (`auth/users…`, docs/auth.md), with the
 * session; its refusal's message (the API names what it accepts) as the error.
 * @param {'GET' | 'POST' | 'PATCH' | 'DELETE'} method
 * @param {string} path `auth/users` or below it
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function usersApi(method, path, body) {
  /** @type {RequestInit} */
  const init = { method, cache: 'no-store', headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(tenantUrl(path), init);
  if (res.status === 204) return {};
  const data = await res.json().catch(() => ({}));
  if (res.ok) return data;
  throw new Error(
    res.status === 404 && path === 'auth/users' ? 'Die Benutzer verwaltet der Anmeldedienst der Stadt (externer Anbieter), nicht diese Plattform.' : (data.message ?? `HTTP ${res.status}`),
  );
}

/** @typedef {{ id: string, state: 'queued' | 'running' | 'done' | 'failed', done: number, total: number, download?: string, error?: string }} ReportJob */

/**
 * Starts the Sozialbericht of every area of a level as a job of the gateway (docs/reports.md).
 * @param {'pdf' | 'docx'} format
 * @param {{ level: string, period?: string }} query
 * @returns {Promise<{ job?: ReportJob, retryAfter?: string, error?: string }>}
 */
export async function startSozialbericht(format, query) {
  const params = new URLSearchParams({ level: query.level, ...(query.period ? { period: query.period } : {}) });
  const res = await fetch(`${tenantUrl(`reports/sozialbericht.${format}`)}?${params}`, { method: 'POST', headers: { accept: 'application/json' } });
  const body = await res.json().catch(() => ({}));
  if (res.status === 429) return { retryAfter: res.headers.get('retry-after') ?? '' };
  if (!res.ok) return { error: body.errors?.[0]?.message ?? `HTTP ${res.status}` };
  return { job: /** @type {ReportJob} */ (body) };
}

/**
 * A report job's state, or undefined when the gateway no longer knows it.
 * @param {string} id
 * @returns {Promise<ReportJob | undefined>}
 */
export async function reportJob(id) {
  const res = await fetch(tenantUrl(`reports/jobs/${encodeURIComponent(id)}`), { headers: { accept: 'application/json' }, cache: 'no-store' });
  return res.ok ? /** @type {ReportJob} */ (await res.json()) : undefined;
}

/** @param {string} id the download URL of a finished report job */
export const reportDownloadUrl = (id) => tenantUrl(`reports/jobs/${encodeURIComponent(id)}/download`);
