// GET /export/<name>.csv: every indicator query of the GraphQL API as CSV, with the same
// arguments as query parameters, through the same IndicatorService (same reader, same role and
// suppression rules). Lists are comma-separated (periods=2011,2012), a parent is parentLevel +
// parentCode.
import type { IndicatorValue } from '@sp/indicator-store';
import { z } from 'zod';
import type { GatewayContext } from '../context.js';
import { expectedError } from '../errors.js';
import { levelNamePattern, requireLevel } from '../area-levels.js';
import { perturbationNote } from '../adapters/indicators.catalogue.js';
import { type Cell, toCsv } from './csv.js';
import { statisticKindOf } from '../statistic-kind.js';

/** a level name; whether the spatial reference has it is checked in parse() against the request's reference */
const level = z.string().regex(levelNamePattern, 'an area level in upper case, e.g. STADTTEIL');
const list = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
  )
  .optional();
/** opt-in: the existing column layout stays as consumers know it unless uncertainty=true is asked */
const optIn = z
  .enum(['true', 'false'])
  .default('false')
  .transform((v) => v === 'true');
/** the definitionVersion argument of GraphQL: one of Indicator.versions / CompositeIndex.versions (an unknown one is refused there, naming them) */
const definitionVersion = z
  .string()
  .regex(/^[1-9][0-9]*$/, 'a version of the definition, a whole number from 1 (one of the versions of the indicator or index)')
  .transform(Number)
  .optional();
/** inputVersions=kinder:1,kinderanteil:2 — as the Eingangsversionen column writes them */
const inputVersions = z
  .string()
  .transform((s) => s.split(',').map((p) => p.trim()))
  .pipe(z.array(z.string().regex(/^.+:[1-9][0-9]*$/, 'a comma-separated list of indicator:version, e.g. kinder:1,kinderanteil:2 (as in the column Eingangsversionen)')).min(1))
  .transform((items) =>
    items.map((item) => {
      const at = item.lastIndexOf(':');
      return { indicator: item.slice(0, at), version: Number(item.slice(at + 1)) };
    }),
  )
  .optional();
/** the Eingangsversionen cell: the form inputVersions= takes */
const inputVersionsCell = (versions: readonly { indicator: string; version: number }[] | undefined) => (versions ?? []).map((v) => `${v.indicator}:${v.version}`).join(',');
const parentOf = (q: { parentLevel?: string | undefined; parentCode?: string | undefined }) => (q.parentLevel && q.parentCode ? { level: q.parentLevel, code: q.parentCode } : null);

const valuesParams = z.object({
  indicator: z.string().min(1),
  level,
  period: z.string().optional(),
  periods: list,
  from: z.string().optional(),
  to: z.string().optional(),
  parentLevel: level.optional(),
  parentCode: z.string().optional(),
  areas: list,
  asOf: z.string().optional(),
  uncertainty: optIn,
  definitionVersion,
});
const seriesParams = z.object({ indicator: z.string().min(1), level, code: z.string().min(1), from: z.string(), to: z.string(), asOf: z.string().optional(), uncertainty: optIn });
const rankingParams = z.object({
  indicator: z.string().min(1),
  level,
  period: z.string(),
  parentLevel: level.optional(),
  parentCode: z.string().optional(),
  order: z.enum(['HIGHEST_FIRST', 'LOWEST_FIRST']).default('HIGHEST_FIRST'),
  first: z.coerce.number().int().optional(),
  asOf: z.string().optional(),
  uncertainty: optIn,
});
const comparisonParams = z.object({ indicator: z.string().min(1), level, code: z.string().min(1), period: z.string(), asOf: z.string().optional(), uncertainty: optIn });
const indexParams = z.object({ index: z.string().min(1), level, period: z.string(), parentLevel: level.optional(), parentCode: z.string().optional(), definitionVersion, inputVersions });

const valueHeader = [
  'Indikator',
  'Indikatorname',
  'Einheit',
  'Ebene',
  'Gebietsschlüssel',
  'Gebiet',
  'Zeitraum',
  'Wert',
  'Zähler',
  'Nenner',
  'Gesperrt',
  'Sperrgrund',
  'Synthetisch',
  'Stand',
  'Definitionsversion',
  'Quelle',
  'Hinweis',
];

/** always the last two columns (issue 15.3): appended, so that the columns before keep their places */
const originHeader = ['Herkunft', 'Werttyp'];

/** DELIVERED/COMPUTED (GraphQL origin) in the CSV's words */
const originDe = { DELIVERED: 'geliefert', COMPUTED: 'berechnet' } as const;
/** GraphQL valueKind in the CSV's words */
const valueKindDe = { COUNT: 'Anzahl', SHARE: 'Anteil', RATE: 'Rate', MEAN: 'Mittelwert', CHANGE: 'Veränderung' } as const;

/** appended with uncertainty=true (docs/uncertainty-and-typology.md) */
const uncertaintyHeader = ['KI unten', 'KI oben', 'KI Niveau', 'Kleine Fallzahl'];

const reasonDe: Record<string, string> = { PROTECTED: 'geschützt', PRIMARY: 'Fallzahl unter Schwelle', SECONDARY: 'Sekundärsperrung', DERIVED: 'abgeleitet aus gesperrtem Wert' };

/** What a row says about its disclosure control: perturbed for the public, true and confidential for privileged readers. */
export function noteOf(v: IndicatorValue): string | null {
  if (v.perturbed) return perturbationNote;
  if (v.confidential) return 'Vertraulich: wahrer Wert, nicht zur Veröffentlichung.';
  return null;
}

function valueRow(ctx: GatewayContext, v: IndicatorValue, withUncertainty = false): Cell[] {
  const meta = ctx.indicators.indicator(v.indicator);
  const u = withUncertainty ? ctx.indicators.uncertainty(v) : undefined;
  const extra: Cell[] = withUncertainty ? [u?.interval?.lower ?? null, u?.interval?.upper ?? null, u?.interval?.level ?? null, u ? u.smallNumber : null] : [];
  return [
    v.indicator,
    meta.name,
    meta.unit,
    v.areaLevel,
    v.areaCode,
    ctx.indicators.areaOf(v.areaLevel, v.areaCode).name,
    v.period,
    v.value,
    v.numerator,
    v.denominator,
    v.suppressed,
    v.suppressionReason ? reasonDe[v.suppressionReason] : null,
    v.synthetic,
    v.knownAt,
    v.definitionVersion,
    attribution(ctx, meta.sources),
    noteOf(v),
    ...extra,
    originDe[v.origin ?? 'COMPUTED'],
    valueKindDe[v.valueKind ?? statisticKindOf(meta)],
  ];
}

const headerOf = (withUncertainty: boolean) => [...valueHeader, ...(withUncertainty ? uncertaintyHeader : []), ...originHeader];

function attribution(ctx: GatewayContext, codes: readonly string[]): string {
  return ctx.catalogue
    .sources()
    .filter((s) => codes.includes(s.code))
    .map((s) => (s.synthetic ? `${s.attribution} (synthetisch)` : s.attribution))
    .join(' | ');
}

type Exporter = (ctx: GatewayContext, params: Record<string, string>) => Promise<{ csv: string; filename: string }>;

function parse<T extends z.ZodType>(ctx: GatewayContext, schema: T, params: Record<string, string>): z.infer<T> {
  const r = schema.safeParse(params);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw expectedError('BAD_USER_INPUT', `query parameter ${issue.path.join('.') || '?'}: ${issue.message}`, { argument: issue.path.join('.') });
  }
  const q = r.data as { level?: string; parentLevel?: string };
  if (q.level) requireLevel(ctx.areas, q.level, 'level');
  if (q.parentLevel) requireLevel(ctx.areas, q.parentLevel, 'parentLevel');
  return r.data;
}

export const exporters: Record<string, Exporter> = {
  'indicator-values': async (ctx, params) => {
    const q = parse(ctx, valuesParams, params);
    const rows = await ctx.indicators.values({ ...q, parent: parentOf(q), periods: q.periods ?? null, areas: q.areas ?? null });
    return {
      csv: toCsv(
        headerOf(q.uncertainty),
        rows.map((v) => valueRow(ctx, v, q.uncertainty)),
      ),
      filename: `${q.indicator}_${q.level}.csv`,
    };
  },
  'time-series': async (ctx, params) => {
    const q = parse(ctx, seriesParams, params);
    const rows = await ctx.indicators.series(q.indicator, { level: q.level, code: q.code }, q.from, q.to, q.asOf);
    return {
      csv: toCsv(
        headerOf(q.uncertainty),
        rows.map((v) => valueRow(ctx, v, q.uncertainty)),
      ),
      filename: `${q.indicator}_${q.level}_${q.code}.csv`,
    };
  },
  ranking: async (ctx, params) => {
    const q = parse(ctx, rankingParams, params);
    const rows = await ctx.indicators.ranking({ ...q, parent: parentOf(q) });
    return {
      csv: toCsv(
        ['Rang', ...headerOf(q.uncertainty)],
        rows.map((r) => [r.rank, ...valueRow(ctx, r.value, q.uncertainty)]),
      ),
      filename: `${q.indicator}_${q.level}_rang.csv`,
    };
  },
  comparison: async (ctx, params) => {
    const q = parse(ctx, comparisonParams, params);
    const c = await ctx.indicators.comparison(q.indicator, { level: q.level, code: q.code }, q.period, q.asOf);
    const row = (label: string, v: IndicatorValue) => [label, ...valueRow(ctx, v, q.uncertainty)];
    const rows = [row('Gebiet', c.area), ...(c.parent ? [row('Übergeordnetes Gebiet', c.parent)] : []), ...(c.city ? [row('Stadt', c.city)] : [])];
    return { csv: toCsv(['Vergleich', ...headerOf(q.uncertainty)], rows), filename: `${q.indicator}_${q.level}_${q.code}_vergleich.csv` };
  },
  'index-values': async (ctx, params) => {
    const q = parse(ctx, indexParams, params);
    const meta = ctx.indicators.index(q.index);
    const rows = await ctx.indicators.indexValues(q.index, q.level, q.period, parentOf(q), q.definitionVersion, q.inputVersions);
    return {
      csv: toCsv(
        // Eingangsversionen appended (issue 15.3): the columns before keep their places
        ['Index', 'Indexname', 'Ebene', 'Gebietsschlüssel', 'Gebiet', 'Zeitraum', 'Wert', 'Klasse', 'Bewertet', 'Synthetisch', 'Definitionsversion', 'Eingangsversionen'],
        rows.map((v) => [
          v.index,
          meta.name,
          v.areaLevel,
          v.areaCode,
          ctx.indicators.areaOf(v.areaLevel, v.areaCode).name,
          v.period,
          v.score,
          v.class,
          v.scored,
          meta.synthetic,
          v.definitionVersion,
          inputVersionsCell(v.inputVersions),
        ]),
      ),
      filename: `${q.index}_${q.level}.csv`,
    };
  },
};
