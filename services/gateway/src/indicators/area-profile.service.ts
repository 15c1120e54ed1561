// Similar areas and typology for one request (docs/uncertainty-and-typology.md): the indicator
// profiles of a level's areas are read through IndicatorService.values — the same access checks,
// budgets and disclosure as every other read, so the public's profiles are the published
// (protected) values and a withheld value leaves its area out — then handed to the pure functions
// of @sp/indicators.
import { ProfileError, similarAreas, typology, type Contribution, type TypologyCluster } from '@sp/indicators';
import { expectedError } from '../errors.js';
import type { AreaRef } from '../sources.js';
import type { IndicatorService } from './indicator.service.js';

/** Indicators of one profile: at least one, at most this many, no repeats. */
export const maxProfileIndicators = 10;

export interface ProfileRead {
  indicators: string[];
  level: string;
  period: string;
  /** area code → values in indicator order (complete profiles only) */
  profiles: { code: string; values: number[] }[];
  /** areas of the level left out: a value withheld ("geschützt") or missing */
  excluded: string[];
  /** some input is perturbed (the public's view of confidential data) */
  perturbed: boolean;
}

export interface SimilarAreasResult extends ProfileRead {
  area: AreaRef;
  similar: { code: string; distance: number; contributions: (Contribution & { code: string; value: number })[] }[];
}

export interface TypologyResult extends ProfileRead {
  k: number;
  seed: number;
  assignment: { code: string; cluster: number }[];
  clusters: TypologyCluster[];
  withinSs: number;
  totalSs: number;
}

async function readProfiles(service: IndicatorService, indicators: readonly string[], level: string, period: string): Promise<ProfileRead> {
  if (indicators.length === 0 || indicators.length > maxProfileIndicators) {
    throw expectedError('BAD_USER_INPUT', `indicators: ${indicators.length} given; accepted: 1 to ${maxProfileIndicators} indicator codes`, { argument: 'indicators' });
  }
  const dup = indicators.find((c, i) => indicators.indexOf(c) !== i);
  if (dup) throw expectedError('BAD_USER_INPUT', `indicators: "${dup}" is listed twice; accepted: each indicator once`, { argument: 'indicators' });
  const columns = await Promise.all(indicators.map((indicator) => service.values({ indicator, level, period })));
  const byArea = new Map<string, (number | null)[]>();
  let perturbed = false;
  columns.forEach((rows, j) => {
    for (const r of rows) {
      perturbed ||= r.perturbed;
      const list = byArea.get(r.areaCode) ?? indicators.map(() => null);
      list[j] = r.suppressed ? null : r.value;
      byArea.set(r.areaCode, list);
    }
  });
  const profiles: ProfileRead['profiles'] = [];
  const excluded: string[] = [];
  for (const [code, values] of byArea) {
    if (values.every((v): v is number => v != null && Number.isFinite(v))) profiles.push({ code, values });
    else excluded.push(code);
  }
  const byCode = new Intl.Collator('de', { numeric: true }).compare;
  return { indicators: [...indicators], level, period, profiles: profiles.sort((a, b) => byCode(a.code, b.code)), excluded: excluded.sort(byCode), perturbed };
}

const asUserError = (e: unknown, argument: string): never => {
  if (e instanceof ProfileError) throw expectedError('BAD_USER_INPUT', e.message, { argument, reason: e.code });
  throw e;
};

export async function findSimilarAreas(service: IndicatorService, area: AreaRef, indicators: readonly string[], period: string, first: number): Promise<SimilarAreasResult> {
  service.area(area);
  if (!Number.isInteger(first) || first < 1 || first > 50) throw expectedError('BAD_USER_INPUT', `first: ${first}; accepted: 1 to 50`, { argument: 'first' });
  const read = await readProfiles(service, indicators, area.level, period);
  if (read.excluded.includes(area.code)) {
    throw expectedError('BAD_USER_INPUT', `area ${area.level} ${area.code} has no complete profile in ${period} (a value is withheld or missing); choose other indicators or another period`, {
      argument: 'area',
    });
  }
  try {
    const values = new Map(read.profiles.map((p) => [p.code, p.values]));
    const { similar } = similarAreas(read.profiles, area.code, first);
    return {
      ...read,
      area,
      similar: similar.map((s) => ({
        code: s.code,
        distance: s.distance,
        contributions: s.contributions.map((c) => ({ ...c, code: read.indicators[c.indicator]!, value: values.get(s.code)![c.indicator]! })),
      })),
    };
  } catch (e) {
    return asUserError(e, 'area');
  }
}

export async function areaTypology(service: IndicatorService, level: string, indicators: readonly string[], period: string, k: number): Promise<TypologyResult> {
  if (!Number.isInteger(k) || k < 2 || k > 10) throw expectedError('BAD_USER_INPUT', `k: ${k}; accepted: a whole number from 2 to 10`, { argument: 'k' });
  const read = await readProfiles(service, indicators, level, period);
  try {
    const t = typology(read.profiles, k);
    return { ...read, k, seed: t.seed, assignment: [...t.assignment].map(([code, cluster]) => ({ code, cluster })), clusters: t.clusters, withinSs: t.withinSs, totalSs: t.totalSs };
  } catch (e) {
    return asUserError(e, 'k');
  }
}
