// What a member of the public can do against the running platform: GraphQL and CSV without a
// token. Collects published figures, reads the publication mechanism the platform declares, and
// turns figures into sums of leaves (the delivered observations of one Stadtteil, period and
// data version) for the audit. The truth is known to the test, never to these queries.
import { periodStart, recordKeyOf, type Component, type PerturbationParams, buildPerturbationTable, perturbCount } from '@sp/indicators';
import type { AreaMapRow } from '@sp/indicator-store';
import type { Figure, Leaf, Mechanism } from './audit.js';

export type Gql = <T>(query: string, variables?: Record<string, unknown>) => Promise<T>;

export interface PublicValue {
  area: { code: string };
  period: string;
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  suppressed: boolean;
  suppressionReason: string | null;
  knownAt: string | null;
}

const valueFields = 'area { code } period value numerator denominator suppressed suppressionReason knownAt';

export async function publicValues(gql: Gql, args: { indicator: string; level: string; period?: string; from?: string; to?: string; asOf?: string }): Promise<PublicValue[]> {
  const r = await gql<{ indicatorValues: PublicValue[] }>(
    `query($i: String!, $l: AreaLevel!, $p: String, $f: String, $t: String, $a: String) {
       indicatorValues(indicator: $i, level: $l, period: $p, from: $f, to: $t, asOf: $a) { ${valueFields} } }`,
    { i: args.indicator, l: args.level, p: args.period ?? null, f: args.from ?? null, t: args.to ?? null, a: args.asOf ?? null },
  );
  return r.indicatorValues;
}

/** The mechanism the API declares for an indicator; an API that declares none publishes exact figures with primary suppression below 3 (docs). */
export async function declaredMechanism(gql: Gql, indicator: string): Promise<Mechanism> {
  try {
    const r = await gql<{ indicator: { protection: { perturbed: boolean; maxNoise: number; variance: number; blockedUpTo: number; suppressBelow: number } | null } }>(
      `query($c: String!) { indicator(code: $c) { protection { perturbed maxNoise variance blockedUpTo suppressBelow } } }`,
      { c: indicator },
    );
    const p = r.indicator.protection;
    if (p?.perturbed) return { kind: 'perturbed', params: { maxNoise: p.maxNoise, variance: p.variance, blockedUpTo: p.blockedUpTo }, suppressBelow: p.suppressBelow };
  } catch {
    // no such field: the API says nothing about perturbation
  }
  return { kind: 'exact', primaryBelow: 3 };
}

/** CSV rows of /export/indicator-values.csv as objects keyed by the German header. */
export async function publicCsv(baseUrl: string, query: Record<string, string>): Promise<Record<string, string>[]> {
  const res = await fetch(`${baseUrl}/export/indicator-values.csv?${new URLSearchParams(query)}`);
  if (res.status !== 200) throw new Error(`CSV ${res.status}: ${await res.text()}`);
  const text = (await res.text()).replace(/^\uFEFF/, '');
  const [head, ...lines] = text.split('\r\n').filter((l) => l.length > 0);
  const header = head!.split(';');
  return lines.map((l) => Object.fromEntries(splitCsvLine(l).map((c, i) => [header[i]!, c])));
}

function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '',
    quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ';') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export const germanNumber = (s: string | undefined) => (s === undefined || s === '' ? null : Number(s.replace(',', '.')));

// ── the truth side: leaves from the delivered records ────────────────────────────────────────

export interface DeliveredObservation {
  dataset: string;
  areaCode: string;
  period: string;
  measure: string;
  dimensions: Record<string, string>;
  value: number;
}

export interface Versioned {
  /** observations as currently delivered */
  current: DeliveredObservation[];
  /** observations a correction replaced (as they were before it) */
  before: DeliveredObservation[];
}

const obsId = (o: Pick<DeliveredObservation, 'dataset' | 'areaCode' | 'period' | 'measure' | 'dimensions'>) =>
  `${o.dataset}|${o.areaCode}|${o.period}|${o.measure}|${Object.keys(o.dimensions)
    .sort()
    .map((k) => `${k}=${o.dimensions[k]}`)
    .join(';')}`;

/** Leaves of both data versions: a corrected observation has a second leaf `…@before` linked to its current one. */
export function buildLeaves(data: Versioned, mechanism: Mechanism, secret: string): Map<string, Leaf> {
  const table = mechanism.kind === 'perturbed' ? buildPerturbationTable(mechanism.params) : undefined;
  const publishedOf = (o: DeliveredObservation) => {
    if (!table) return { published: o.value };
    const key = recordKeyOf(secret, { dataset: o.dataset, areaLevel: 'STADTTEIL', areaCode: o.areaCode, period: o.period, measure: o.measure, dimensions: o.dimensions });
    return { published: perturbCount(o.value, key, table), key };
  };
  const leaves = new Map<string, Leaf>();
  for (const o of data.current) leaves.set(obsId(o), { id: obsId(o), block: `${o.dataset}|${o.period}`, truth: o.value, ...publishedOf(o) });
  for (const o of data.before) {
    const id = `${obsId(o)}@before`;
    leaves.set(id, { id, block: `${o.dataset}|${o.period}`, truth: o.value, ...publishedOf(o), otherVersion: obsId(o) });
    leaves.get(obsId(o))!.otherVersion = id;
  }
  return leaves;
}

/** Stadtteile of an area valid at a period's start (hierarchy and planning areas alike). */
export function stadtteileOf(map: readonly AreaMapRow[], level: string, code: string, period: string): string[] {
  const at = periodStart(period);
  return map.filter((r) => r.childLevel === 'STADTTEIL' && r.level === level && r.code === code && (r.validFrom ?? '0000') <= at && (r.validTo == null || at <= r.validTo)).map((r) => r.childCode);
}

/** The leaves behind a published count: the matching observations of the area's Stadtteile, in the version it shows. */
export function leavesOf(data: Versioned, leaves: ReadonlyMap<string, Leaf>, c: Component, stadtteile: readonly string[], period: string, version: 'current' | 'before'): string[] {
  const inArea = new Set(stadtteile);
  const matches = (o: DeliveredObservation) =>
    o.dataset === c.dataset && o.period === period && o.measure === c.measure && inArea.has(o.areaCode) && Object.entries(c.dims).every(([k, vs]) => vs.includes(o.dimensions[k] ?? ''));
  return data.current.filter(matches).map((o) => {
    const id = obsId(o);
    const before = leaves.get(id)?.otherVersion;
    return version === 'before' && before ? before : id;
  });
}

export function figureOf(id: string, block: string, leaves: readonly string[], v: Pick<PublicValue, 'value' | 'suppressed' | 'suppressionReason'>): Figure {
  return { id, block, leaves, value: v.value, suppressed: v.suppressed, reason: v.suppressionReason };
}

export type { PerturbationParams };
