// @ts-check
// The page's reads, each cached per page load under its arguments: a later render with the same
// arguments asks nothing. A failed read is forgotten, so the next render asks again.
import { gql, isDataGap, pageSizes, queries } from './api.js';
import { coarseLevel, meta } from './state.js';

/** @import { ApiArea, ApiError, IndexValue, IndicatorValue, Measure, MeasuresPage, NeedsRow, Offer, OffersPage } from './api.js' */
/** @import { Area, AreaSet } from './state.js' */

/** @type {Map<string, Promise<unknown>>} */
const cache = new Map();

/**
 * @template T
 * @param {string} key
 * @param {() => Promise<T>} load
 * @returns {Promise<T>}
 */
function cached(key, load) {
  if (!cache.has(key)) {
    const p = load().catch((e) => {
      cache.delete(key);
      throw e;
    });
    cache.set(key, p);
  }
  return /** @type {Promise<T>} */ (cache.get(key));
}

/**
 * The areas of a level with their boundaries: without `at` those valid today (asked once per level);
 * with `at` (an ISO date, the last day of the period shown) those valid on that day — after a
 * boundary reform the ended areas before it, their successors after it. Per (level, date) only the
 * areas' codes and versions are asked; their boundaries are asked once per set of versions, so
 * periods with the same areas (every period of a reference without reforms) share one AreaSet and
 * its geometry is not asked again.
 * @param {string} level
 * @param {string | null} [at]
 * @returns {Promise<AreaSet>}
 */
export function loadAreas(level, at = null) {
  if (!at) return cached(`areas:${level}`, async () => areaSet(level, (await gql(queries.areas, { level })).areas));
  return cached(`areas:${level}@${at}`, async () => {
    const versions = (await gql(queries.areaVersions, { level, at })).areas;
    const signature = versions.map((a) => `${a.code}@${a.validFrom ?? ''}`).join(',');
    return cached(`areas:${level}#${signature}`, async () => areaSet(level, (await gql(queries.areasAt, { level, at })).areas));
  });
}

/**
 * @param {string} level
 * @param {ApiArea[]} list
 * @returns {AreaSet}
 */
function areaSet(level, list) {
  const areas = list.map((a) => ({
    code: a.code,
    name: a.name,
    level,
    parent: a.parent,
    // the area of the first level below the city it lies in, whatever its level (Köln: Stadtviertel → Stadtteil → Bezirk)
    bezirk: a.parent?.level === coarseLevel() ? a.parent : a.parent?.parent?.level === coarseLevel() ? a.parent.parent : null,
    geometry: a.geometry,
  }));
  return { areas, byCode: new Map(areas.map((a) => [a.code, a])) };
}

/**
 * @param {string} indicator
 * @param {string} level
 * @param {string} period
 * @returns {Promise<Map<string, IndicatorValue>>} by area code
 */
export function loadValues(indicator, level, period) {
  return cached(`values:${indicator}:${level}:${period}`, async () => {
    const data = await gql(queries.values, { indicator, level, period });
    return new Map(data.indicatorValues.map((v) => [v.area.code, v]));
  });
}

/**
 * The typology of a level by an indicator profile (k types).
 * @param {string} level
 * @param {string[]} indicators
 * @param {string} period
 * @param {number} k
 */
export function loadTypology(level, indicators, period, k) {
  return cached(`typology:${level}:${indicators.join(',')}:${period}:${k}`, async () => (await gql(queries.typology, { level, indicators, period, k })).typology);
}

/**
 * The areas most similar to one area by an indicator profile.
 * @param {{ level: string, code: string }} area
 * @param {string[]} indicators
 * @param {string} period
 */
export function loadSimilar(area, indicators, period) {
  return cached(
    `similar:${area.level}:${area.code}:${indicators.join(',')}:${period}`,
    async () => (await gql(queries.similar, { area: { level: area.level, code: area.code }, indicators, period })).similarAreas,
  );
}

/**
 * @param {string} index
 * @param {string} level
 * @param {string} period
 * @returns {Promise<Map<string, IndexValue>>} by area code
 */
export function loadIndex(index, level, period) {
  return cached(`index:${index}:${level}:${period}`, async () => {
    const data = await gql(queries.indexValues, { index, level, period });
    return new Map(data.indexValues.map((v) => [v.area.code, v]));
  });
}

/** @typedef {{ rows: Map<string, NeedsRow> } | { gap: ApiError }} Need */

/**
 * One norm's needs analysis: { rows: area code → row }, or { gap: ApiError } when the API says the
 * figures do not exist (a norm's age band the statistics lack, a period without population). Such an
 * answer is kept like data; any other error is thrown and asked again next time.
 * @param {string} norm
 * @param {string} level
 * @param {string} period
 * @returns {Promise<Need>}
 */
export function loadNeed(norm, level, period) {
  return cached(`needs:${norm}:${level}:${period}`, async () => {
    try {
      const data = await gql(queries.needs, { norm, level, period });
      return { rows: new Map(data.needs.map((r) => [r.area.code, r])) };
    } catch (e) {
      if (isDataGap(e)) return { gap: e };
      throw e;
    }
  });
}

/**
 * Every norm, each asked on its own so that one the API cannot compute leaves the others.
 * @param {string} level
 * @param {string} period
 * @returns {Promise<Map<string, Need | { error: unknown }>>} by norm code
 */
export async function loadAllNeeds(level, period) {
  const settled = await Promise.allSettled(meta.norms.map((n) => loadNeed(n.code, level, period)));
  return new Map(
    meta.norms.map((n, i) => {
      const s = /** @type {PromiseSettledResult<Need>} */ (settled[i]);
      return [n.code, s.status === 'fulfilled' ? s.value : { error: s.reason }];
    }),
  );
}

/**
 * Facilities of a type and target group ('' for all), page by page up to a cap.
 * @param {string} offerType
 * @param {string} targetGroup
 * @returns {Promise<{ offers: Offer[], total: number }>}
 */
export function loadOffers(offerType, targetGroup) {
  return cached(`offers:${offerType}:${targetGroup}`, async () => {
    /** @type {Offer[]} */
    const out = [];
    /** @type {string | null} */
    let after = null;
    let total = 0;
    // a cap keeps "alle Arten" from loading thousands of points page by page
    for (let page = 0; page < 40; page++) {
      /** @type {OffersPage} */
      const data = await gql(queries.offers, {
        offerTypes: offerType ? [offerType] : null,
        targetGroups: targetGroup ? [targetGroup] : null,
        first: pageSizes.offers,
        after,
      });
      total = data.offers.totalCount;
      out.push(...data.offers.edges.map((e) => e.node));
      if (!data.offers.pageInfo.hasNextPage) break;
      after = data.offers.pageInfo.endCursor;
    }
    return { offers: out, total };
  });
}

/**
 * An indicator's series for an area, its Stadtbezirk (unless it is one) and the city, in one request.
 * @param {string} indicator
 * @param {Area} area
 * @param {string} from
 * @param {string} to
 */
export function loadSeries(indicator, area, from, to) {
  const coarse = coarseLevel();
  const bezirk = area.level === coarse ? null : area.bezirk;
  return cached(`series:${indicator}:${area.level}:${area.code}:${from}:${to}`, () =>
    gql(queries.series, {
      indicator,
      area: { level: area.level, code: area.code },
      bezirk: bezirk && coarse ? { level: coarse, code: bezirk.code } : { level: meta.city.level, code: meta.city.code },
      withBezirk: !!bezirk,
      city: { level: meta.city.level, code: meta.city.code },
      from,
      to,
    }),
  );
}

/**
 * The measures of an area, page by page up to a cap.
 * @param {Area} area
 * @returns {Promise<Measure[]>}
 */
export function loadMeasures(area) {
  return cached(`measures:${area.level}:${area.code}`, async () => {
    /** @type {Measure[]} */
    const out = [];
    /** @type {string | null} */
    let after = null;
    for (let page = 0; page < 6; page++) {
      /** @type {MeasuresPage} */
      const data = await gql(queries.measures, { area: { level: area.level, code: area.code }, first: pageSizes.measures, after });
      out.push(...data.measures.edges.map((e) => e.node));
      if (!data.measures.pageInfo.hasNextPage) break;
      after = data.measures.pageInfo.endCursor;
    }
    return out;
  });
}

/**
 * Whether the offers of a type the needs analysis counts as supply are synthetic (the demo's
 * generated Kita capacities): a map computed from them must say so.
 * @param {string} offerType
 * @returns {Promise<boolean>}
 */
export function loadSupplySynthetic(offerType) {
  return cached(`offers-synthetic:${offerType}`, async () => {
    const data = await gql(queries.offersSynthetic, { offerTypes: [offerType] });
    return data.offers.edges.some((e) => e.node.synthetic);
  });
}
