// Everything the dashboard reads, as GraphQL operations against /graphql on the same origin.
// Nothing else is fetched: no tile server, no CDN. docs/dashboard.md lists these operations.

export class ApiError extends Error {
  constructor(message, code) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }
}

let endpoint = '/graphql';
export function setEndpoint(url) {
  endpoint = url;
}

/** POSTs one operation; throws ApiError with the first error's message and extensions.code. */
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
    throw new ApiError(e.message, e.extensions?.code ?? 'ERROR');
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

/** One query asking the needs analysis for several norms at once (aliases n0, n1, …). */
export function needsQuery(norms) {
  const fields = norms
    .map(
      (_, i) =>
        `n${i}: needs(norm: $norm${i}, level: $level, period: $period) { norm area { code } supply demand coverage gap suppressed }`,
    )
    .join('\n');
  const vars = norms.map((_, i) => `$norm${i}: String!`).join(', ');
  return `query DashboardNeeds($level: AreaLevel!, $period: String!, ${vars}) {\n${fields}\n}`;
}
