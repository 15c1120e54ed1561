// The documented SYNTHETIC model for social figures that are not public per Stadtteil (SGB II,
// Grundsicherung, Wohngeld, Hilfen zur Erziehung, Schuleingangsuntersuchung). Driven by the REAL
// population structure; deterministic for a seed. Method and parameters: docs/synthetic-model.md.
// Every record it makes has synthetic: true.
import { periodRange } from '@sp/indicators';
import { areaStatistic, type AreaStatisticRecord, type Observation } from './area-statistic.js';
import { normal, rng } from './random.js';

export const SYNTHETIC_MODEL_VERSION = 1;
export const SYNTHETIC_SOURCE = `Synthetisches Demo-Modell v${SYNTHETIC_MODEL_VERSION} (docs/synthetic-model.md) – keine amtlichen Daten`;

/** City totals the model is calibrated to (plausible orders of magnitude for Köln, not official figures). */
export const CITY_TARGETS = {
  /** SGB-II persons under 65, December of each year (Dec 2007 anchors the months of 2008) */
  sgb2U65: { 2007: 124_000, 2008: 121_500, 2009: 122_800, 2010: 121_000, 2011: 117_600, 2012: 118_300 } as Record<number, number>,
  grundsicherungAlter: { 2008: 9_800, 2009: 10_300, 2010: 10_900, 2011: 11_600, 2012: 12_400 } as Record<number, number>,
  grundsicherungEm: { 2008: 5_000, 2009: 5_200, 2010: 5_450, 2011: 5_700, 2012: 5_950 } as Record<number, number>,
  wohngeldHaushalte: { 2008: 9_000, 2009: 11_500, 2010: 12_500, 2011: 11_000, 2012: 9_800 } as Record<number, number>,
  hzeFaelle: { 2008: 4_600, 2009: 4_800, 2010: 5_000, 2011: 5_150, 2012: 5_300 } as Record<number, number>,
};

export const MODEL_PARAMETERS = {
  /** weights of the latent deprivation score D (before re-standardising) */
  weightAuslaender: 0.55,
  weightAussiedler: 0.35,
  weightSozialraum: 0.6,
  /** affluence proxies in Köln (a Catholic city): married and Protestant shares are higher in villa suburbs */
  weightVerheiratet: -0.3,
  weightEvangelisch: -0.35,
  noiseSd: 0.35,
  /** SGB-II rate u65 = q0 · exp(beta · D), capped */
  beta: 0.62,
  rateCap: 0.45,
  /** age-band multipliers of the SGB-II rate */
  u15Factor: 1.6,
  band15to65Factor: 0.9,
  /** SGB II at 65+ is rare (only until the Regelaltersgrenze): tiny counts, so suppression matters */
  over65Factor: 0.012,
  /** month-to-month persistence and shock of the area's own deviation, and yearly drift SD */
  ar: 0.85,
  shockSd: 0.02,
  driftSd: 0.04,
  /** seasonal factor of SGB-II counts by month (winter a little higher) */
  seasonal: [1.006, 1.008, 1.006, 1.002, 0.998, 0.995, 0.996, 0.997, 0.997, 0.998, 0.999, 1.0],
};

/** What the model needs per Stadtteil and year from the real population. */
export interface StadtteilStructure {
  code: string;
  year: number;
  einwohner: number;
  u15: number;
  u18: number;
  a15to65: number;
  a18to65: number;
  a3to10: number;
  over65: number;
  auslaender: number;
  aussiedler: number;
  verheiratet: number;
  evangelisch: number;
}

export interface SyntheticOptions {
  seed?: number;
  /** first and last month of the SGB-II series, e.g. "2008-01".."2012-12"; yearly datasets cover the same years */
  from?: string;
  to?: string;
  /** Stadtteile (whole or partly) in a Sozialraumgebiet of the time: a known signal of disadvantage */
  sozialraumStadtteile?: ReadonlySet<string>;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const standardise = (xs: number[]) => {
  const m = sum(xs) / xs.length;
  const sd = Math.sqrt(sum(xs.map((x) => (x - m) ** 2)) / xs.length) || 1;
  return xs.map((x) => (x - m) / sd);
};

/** Structure of every Stadtteil and year from population records (dataset "bevoelkerung"). */
export function structureFromPopulation(records: readonly AreaStatisticRecord[]): StadtteilStructure[] {
  const age = (obs: Observation[], bands: string[]) => sum(obs.filter((o) => o.measure === 'einwohner_alter' && bands.includes(o.dimensions.alter!)).map((o) => o.value));
  const one = (obs: Observation[], measure: string, dim?: [string, string]) => sum(obs.filter((o) => o.measure === measure && (!dim || o.dimensions[dim[0]] === dim[1])).map((o) => o.value));
  return records
    .filter((r) => r.dataset === 'bevoelkerung' && r.areaLevel === 'STADTTEIL')
    .map((r) => {
      const o = r.observations;
      return {
        code: r.areaCode,
        year: Number(r.period),
        einwohner: one(o, 'einwohner'),
        u15: age(o, ['0-3', '3-6', '6-10', '10-15']),
        u18: age(o, ['0-3', '3-6', '6-10', '10-15', '15-18']),
        a15to65: age(o, ['15-18', '18-25', '25-35', '35-45', '45-55', '55-60', '60-65']),
        a18to65: age(o, ['18-25', '25-35', '35-45', '45-55', '55-60', '60-65']),
        a3to10: age(o, ['3-6', '6-10']),
        over65: age(o, ['65-75', '75+']),
        auslaender: one(o, 'einwohner_migration', ['status', 'auslaendisch']),
        aussiedler: one(o, 'aussiedler'),
        verheiratet: one(o, 'einwohner_familienstand', ['familienstand', 'verheiratet']),
        evangelisch: one(o, 'einwohner_konfession', ['konfession', 'evangelisch']),
      };
    });
}

/**
 * Latent deprivation score per Stadtteil (mean 0, SD 1 across Stadtteile), from the latest year's
 * shares of foreigners, Aussiedler, married and Protestant residents, Sozialraum membership and seeded noise.
 */
export function latentDeprivation(structure: readonly StadtteilStructure[], opts: { seed: number; sozialraumStadtteile: ReadonlySet<string> }): Map<string, number> {
  const latestYear = Math.max(...structure.map((s) => s.year));
  const latest = structure.filter((s) => s.year === latestYear).sort((a, b) => a.code.localeCompare(b.code));
  const p = MODEL_PARAMETERS;
  const za = standardise(latest.map((s) => s.auslaender / Math.max(1, s.einwohner)));
  const zs = standardise(latest.map((s) => s.aussiedler / Math.max(1, s.einwohner)));
  const zv = standardise(latest.map((s) => s.verheiratet / Math.max(1, s.einwohner)));
  const ze = standardise(latest.map((s) => s.evangelisch / Math.max(1, s.einwohner)));
  const raw = latest.map(
    (s, i) =>
      p.weightAuslaender * za[i]! +
      p.weightAussiedler * zs[i]! +
      p.weightVerheiratet * zv[i]! +
      p.weightEvangelisch * ze[i]! +
      (opts.sozialraumStadtteile.has(s.code) ? p.weightSozialraum : 0) +
      p.noiseSd * normal(rng(opts.seed, 'latent', s.code)),
  );
  const d = standardise(raw);
  return new Map(latest.map((s, i) => [s.code, d[i]!]));
}

/** Scale factor so that Σ min(cap, base·k·w_i)·n_i = target (bisection; the cap makes it non-linear). */
function calibrate(target: number, items: { base: number; n: number }[], cap: number): number {
  let lo = 0,
    hi = 10;
  for (let i = 0; i < 60; i++) {
    const k = (lo + hi) / 2;
    const total = sum(items.map((it) => Math.min(cap, it.base * k) * it.n));
    if (total < target) lo = k;
    else hi = k;
  }
  return (lo + hi) / 2;
}

const round = (x: number) => Math.max(0, Math.round(x));

/** Build every synthetic record (SGB II monthly; the others yearly). Pure given its inputs. */
export function syntheticRecords(population: readonly AreaStatisticRecord[], options: SyntheticOptions = {}): AreaStatisticRecord[] {
  const seed = options.seed ?? 2012;
  const from = options.from ?? '2008-01',
    to = options.to ?? '2012-12';
  const p = MODEL_PARAMETERS;
  const structure = structureFromPopulation(population);
  const byYear = new Map<number, StadtteilStructure[]>();
  for (const s of structure) byYear.set(s.year, [...(byYear.get(s.year) ?? []), s]);
  const D = latentDeprivation(structure, { seed, sozialraumStadtteile: options.sozialraumStadtteile ?? new Set() });
  const codes = [...D.keys()];
  const out: AreaStatisticRecord[] = [];
  const rec = (dataset: string, code: string, period: string, observations: Observation[]) =>
    out.push(areaStatistic({ dataset, areaLevel: 'STADTTEIL', areaCode: code, period, observations, synthetic: true, source: SYNTHETIC_SOURCE }));
  const yearsOf = (y: number) => byYear.get(y) ?? byYear.get(Math.max(...byYear.keys()))!;
  const ofYear = (y: number) => new Map(yearsOf(y).map((s) => [s.code, s]));

  // ── SGB II, monthly ───────────────────────────────────────────────────────────────────────────
  const drift = new Map(codes.map((c) => [c, p.driftSd * normal(rng(seed, 'drift', c))]));
  const ar = new Map(codes.map((c) => [c, 0]));
  const months = periodRange(from, to);
  const firstYear = Number(from.slice(0, 4));
  for (const month of months) {
    const y = Number(month.slice(0, 4)),
      m = Number(month.slice(5, 7));
    // the city target moves linearly from December of the previous year to December of this year
    const prev = CITY_TARGETS.sgb2U65[y - 1] ?? CITY_TARGETS.sgb2U65[y]!,
      cur = CITY_TARGETS.sgb2U65[y] ?? prev;
    const target = (prev + ((cur - prev) * m) / 12) * p.seasonal[m - 1]!;
    const st = ofYear(y);
    const t = y - firstYear + (m - 1) / 12;
    const weight = (c: string) => Math.exp(p.beta * D.get(c)! + drift.get(c)! * t);
    const items = codes.map((c) => ({ base: weight(c), n: st.get(c)!.u15 * p.u15Factor + st.get(c)!.a15to65 * p.band15to65Factor }));
    const q0 = calibrate(target, items, p.rateCap);
    for (const c of codes) {
      const s = st.get(c)!;
      const shock = ar.get(c)! * p.ar + p.shockSd * normal(rng(seed, 'sgb2', c, month));
      ar.set(c, shock);
      const q = Math.min(p.rateCap, q0 * weight(c)) * Math.exp(shock);
      const u15 = round(Math.min(0.8, q * p.u15Factor) * s.u15);
      const mid = round(q * p.band15to65Factor * s.a15to65);
      const old = round(q * p.over65Factor * s.over65);
      const persons = u15 + mid + old;
      const bgSize = 1.75 + 1.1 * (persons > 0 ? u15 / persons : 0);
      const bg = round(persons / bgSize);
      const aeShare = Math.min(0.3, Math.max(0.05, 0.16 + 0.03 * D.get(c)! + 0.02 * normal(rng(seed, 'ae', c))));
      rec('sgb2', c, month, [
        { measure: 'sgb2_personen', dimensions: { alter: 'u15' }, value: u15 },
        { measure: 'sgb2_personen', dimensions: { alter: '15-65' }, value: mid },
        { measure: 'sgb2_personen', dimensions: { alter: '65+' }, value: old },
        { measure: 'sgb2_bedarfsgemeinschaften', dimensions: {}, value: bg },
        { measure: 'sgb2_bg_alleinerziehend', dimensions: {}, value: Math.min(bg, round(bg * aeShare)) },
      ]);
    }
  }

  // ── yearly datasets ───────────────────────────────────────────────────────────────────────────
  const years = [...new Set(months.map((mo) => Number(mo.slice(0, 4))))];
  const noisy = (x: number, sd: number, ...k: (string | number)[]) => x * Math.exp(sd * normal(rng(seed, ...k)));
  const yearly = (target: number, n: (s: StadtteilStructure) => number, beta: number, st: Map<string, StadtteilStructure>, cap = 0.5) => {
    const items = codes.map((c) => ({ base: Math.exp(beta * D.get(c)!), n: n(st.get(c)!) }));
    const k = calibrate(target, items, cap);
    return new Map(codes.map((c) => [c, Math.min(cap, k * Math.exp(beta * D.get(c)!)) * n(st.get(c)!)]));
  };
  for (const y of years) {
    const st = ofYear(y);
    const gA = yearly(CITY_TARGETS.grundsicherungAlter[y]!, (s) => s.over65, 0.5, st);
    const gE = yearly(CITY_TARGETS.grundsicherungEm[y]!, (s) => s.a18to65, 0.4, st);
    const wg = yearly(CITY_TARGETS.wohngeldHaushalte[y]!, (s) => s.einwohner, 0.35, st);
    const hze = yearly(CITY_TARGETS.hzeFaelle[y]!, (s) => s.u18, 0.6, st);
    for (const c of codes) {
      const d = D.get(c)!,
        s = st.get(c)!;
      rec('grundsicherung', c, String(y), [
        { measure: 'grundsicherung_alter', dimensions: {}, value: round(noisy(gA.get(c)!, 0.05, 'gA', c, y)) },
        { measure: 'grundsicherung_em', dimensions: {}, value: round(noisy(gE.get(c)!, 0.08, 'gE', c, y)) },
      ]);
      rec('wohngeld', c, String(y), [{ measure: 'wohngeld_haushalte', dimensions: {}, value: round(noisy(wg.get(c)!, 0.08, 'wg', c, y)) }]);
      const cases = noisy(hze.get(c)!, 0.1, 'hze', c, y);
      const stationaer = Math.min(0.6, Math.max(0.2, 0.38 + 0.04 * d));
      rec('hze', c, String(y), [
        { measure: 'hze_faelle', dimensions: { hilfeart: 'ambulant' }, value: round(cases * (1 - stationaer)) },
        { measure: 'hze_faelle', dimensions: { hilfeart: 'stationaer' }, value: round(cases * stationaer) },
      ]);
      // one birth cohort ≈ children aged 3 to under 10 / 7
      const examined = round(noisy(s.a3to10 / 7, 0.03, 'se', c, y));
      const share = (base: number, beta: number, key: string) => Math.min(0.6, base * Math.exp(beta * d) * Math.exp(0.08 * normal(rng(seed, key, c, y))));
      rec('schuleingang', c, String(y), [
        { measure: 'schuleingang_untersucht', dimensions: {}, value: examined },
        { measure: 'schuleingang_befund', dimensions: { befund: 'sprache' }, value: round(examined * share(0.22, 0.35, 'sp')) },
        { measure: 'schuleingang_befund', dimensions: { befund: 'uebergewicht' }, value: round(examined * share(0.1, 0.3, 'ue')) },
        { measure: 'schuleingang_befund', dimensions: { befund: 'motorik' }, value: round(examined * share(0.15, 0.2, 'mo')) },
      ]);
    }
  }
  return out;
}
