// Everything the dashboard reads, as GraphQL operations against /graphql on the same origin.
// Nothing else is fetched: no tile server, no CDN. docs/dashboard.md lists these operations.

export class ApiError extends Error {
  constructor(message, code, argument = null) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    /** the argument the error is about (extensions.argument), when the API names it */
    this.argument = argument;
  }
}

let endpoint = '/graphql';
export function setEndpoint(url) {
  endpoint = url;
}

/** POSTs one operation; throws ApiError with the first error's message, extensions.code and argument. */
export async function gql(query, variables = {}) {
  let res;
  try {
    res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
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
    throw new ApiError(e.message, e.extensions?.code ?? 'ERROR', e.extensions?.argument ?? null);
  }
  return body.data;
}

/**
 * Page sizes that keep a page under the gateway's cost limit (5000; a connection multiplies its
 * selection by `first`, and `edges` and nested lists by 10 again).
 */
export const pageSizes = { offers: 30, measures: 5 };

export const queries = {
  init: /* GraphQL */ `
    query DashboardInit {
      indicators { code name description definition unit kind polarity synthetic published sourceAmt periods sources { code } }
      indices { code name description synthetic minPopulation classes { label from } inputs { indicatorCode polarity } }
      sources { code name licence attribution url synthetic }
      areas(level: STADT) { code name }
    }`,
  norms: /* GraphQL */ `
    query DashboardNorms { planningNorms { code name offerType unit description } }`,
  areas: /* GraphQL */ `
    query DashboardAreas($level: AreaLevel!) {
      areas(level: $level) { code name parent { level code name parent { level code name } } geometry }
    }`,
  values: /* GraphQL */ `
    query DashboardValues($indicator: String!, $level: AreaLevel!, $period: String!) {
      indicatorValues(indicator: $indicator, level: $level, period: $period) {
        area { code } value suppressed suppressionReason synthetic
      }
    }`,
  indexValues: /* GraphQL */ `
    query DashboardIndex($index: String!, $level: AreaLevel!, $period: String!) {
      indexValues(index: $index, level: $level, period: $period) { area { code } score class scored }
    }`,
  series: /* GraphQL */ `
    query DashboardSeries($indicator: String!, $area: AreaInput!, $bezirk: AreaInput!, $city: AreaInput!, $withBezirk: Boolean!, $from: String!, $to: String!) {
      area: timeSeries(indicator: $indicator, area: $area, from: $from, to: $to) { period value suppressed }
      bezirk: timeSeries(indicator: $indicator, area: $bezirk, from: $from, to: $to) @include(if: $withBezirk) { period value suppressed }
      city: timeSeries(indicator: $indicator, area: $city, from: $from, to: $to) { period value suppressed }
    }`,
  offers: /* GraphQL */ `
    query DashboardOffers($offerTypes: [String!], $targetGroups: [String!], $first: Int!, $after: String) {
      offers(offerTypes: $offerTypes, targetGroups: $targetGroups, first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { node { key name offerType subtype targetGroups location { lat lon } address { street postcode } } }
      }
    }`,
  // one norm per request: `needs` is a non-null list, so one norm the API cannot compute would
  // void every other alias of a combined query
  needs: /* GraphQL */ `
    query DashboardNeeds($norm: String!, $level: AreaLevel!, $period: String!) {
      needs(norm: $norm, level: $level, period: $period) { norm area { code } supply demand coverage gap suppressed }
    }`,
  measures: /* GraphQL */ `
    query DashboardMeasures($area: AreaInput!, $first: Int!, $after: String) {
      measures(area: $area, first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node {
          key title status leadAmt plannedStart plannedEnd example
          controlling { trafficLight budgetPlanned budgetSpent }
          milestones { title plannedDate plannedQuarter actualDate reached }
        } }
      }
    }`,
};

/**
 * Errors that say a figure does not exist rather than that something broke: a norm whose age band
 * the population statistics do not have, a period without population figures. The page shows them
 * as a note next to the norm, not as a failure.
 */
const dataGapCodes = new Set(['AGE_BAND_NOT_AVAILABLE', 'POPULATION_NOT_AVAILABLE']);
export function isDataGap(error) {
  return error instanceof ApiError && dataGapCodes.has(error.code);
}

/** The German text of an API error for the page (the API answers in English, with a code). */
export function describeError(error) {
  if (!(error instanceof ApiError)) return String(error?.message ?? error);
  switch (error.code) {
    case 'AGE_BAND_NOT_AVAILABLE': {
      if (error.argument === 'period') return 'Für diesen Zeitraum fehlen die Einwohnerzahlen der Altersgruppen, nach denen der Richtwert rechnet.';
      // the band is named in the message (the code alone does not say which)
      const band = /age band "([^"]+)"/.exec(error.message)?.[1];
      return `Die Bevölkerungsstatistik hat ${band ? `keine Altersgruppe ${band.replace('-', '–')} Jahre` : 'nicht alle Altersgruppen dieses Richtwerts'}; der Bedarf ist nicht berechenbar.`;
    }
    case 'POPULATION_NOT_AVAILABLE':
      return 'Für diesen Zeitraum liegen keine Einwohnerzahlen vor; der Bedarf ist nicht berechenbar.';
    case 'NOT_AVAILABLE':
      return 'Dieser Teil der Plattform ist nicht angeschlossen.';
    case 'TIMEOUT':
      return 'Die Anfrage hat zu lange gedauert.';
    case 'INTERNAL_SERVER_ERROR':
      return 'Unerwarteter Fehler der API.';
    default:
      return error.message;
  }
}
