// Published reference values that the model uses where small-area data lack a component (deaths by
// age and sex, births by age of mother, the sex ratio at birth). A standard is data: a tenant may
// bring its own (its Land's tables); `demographicStandardSchema` checks one at the boundary.
// docs/projection.md says where each figure comes from and which are assumptions.
import { z } from 'zod';
import { fertilitySchedule } from './fertility.model.js';
import { fitGompertzMakeham, type LifeTable, type Sex, stationaryPopulation, type SurvivalRatios, survivalRatios } from './life-table.model.js';

const probability = z.number().min(0).max(1);
const mortalityTargets = z.strictObject({
  /** life expectancy at birth, years */
  e0: z.number().min(20).max(100),
  /** remaining life expectancy at 65, years */
  e65: z.number().min(1).max(40),
  /** infant mortality: probability of dying in the first year */
  q0: probability,
  /** probability of dying per year at ages 1–14 */
  childQ: probability,
  /** age-independent (Makeham) part of the adult hazard: accidents and the like */
  c: z.number().min(0).max(0.05),
});

export const demographicStandardSchema = z.strictObject({
  code: z.string().min(1),
  label: z.string().min(1),
  source: z.string().min(1),
  mortality: z.strictObject({ m: mortalityTargets, f: mortalityTargets }),
  /** boys per girl among live births */
  sexRatioAtBirth: z.number().min(0.9).max(1.2),
  fertility: z
    .strictObject({
      tfr: z.number().positive().max(10),
      meanAge: z.number().min(15).max(49),
      sd: z.number().positive().max(15),
      minAge: z.number().int().min(10).max(20),
      maxAge: z.number().int().min(40).max(55),
    })
    .refine((f) => f.meanAge > f.minAge && f.meanAge < f.maxAge, { message: 'meanAge must lie between minAge and maxAge' }),
});
export type DemographicStandard = z.infer<typeof demographicStandardSchema>;

/**
 * Germany, Sterbetafel 2008/2010 (Destatis): e0 77.51 (m) / 82.59 (f) years, e65 17 years 4 months
 * / 20 years 7 months. Infant and child mortality, the Makeham term, the mean age and spread of
 * childbearing are assumptions of the order of the published figures (docs/projection.md §3).
 * TFR 2009: 1.36 (Destatis); only the shape of the fertility schedule is used, its level is fitted.
 */
export const GERMANY_2008_2010: DemographicStandard = demographicStandardSchema.parse({
  code: 'de-2008-2010',
  label: 'Deutschland, Sterbetafel 2008/2010; Geburtenziffer 2009',
  source: 'Statistisches Bundesamt: Sterbetafel 2008/2010 (e0, e65), zusammengefasste Geburtenziffer 2009; übrige Werte Annahmen (docs/projection.md)',
  mortality: {
    m: { e0: 77.51, e65: 17 + 4 / 12, q0: 0.0038, childQ: 0.00012, c: 0.0004 },
    f: { e0: 82.59, e65: 20 + 7 / 12, q0: 0.0032, childQ: 0.0001, c: 0.00015 },
  },
  sexRatioAtBirth: 1.05,
  fertility: { tfr: 1.36, meanAge: 30.5, sd: 5.3, minAge: 15, maxAge: 49 },
});

/** The standard turned into the schedules of a model with open age ω. */
export interface StandardSchedules {
  readonly omega: number;
  readonly lifeTable: Record<Sex, LifeTable>;
  readonly survival: Record<Sex, SurvivalRatios>;
  /** stationary population by sex and single year (boys scaled by the sex ratio at birth) */
  readonly stationary: Record<Sex, number[]>;
  /** births per woman by single year of age of the mother, at the standard's TFR */
  readonly fertility: number[];
  /** share of boys among births */
  readonly maleShareAtBirth: number;
}

export function standardSchedules(standard: DemographicStandard, omega = 100): StandardSchedules {
  const m = fitGompertzMakeham(standard.mortality.m).table;
  const f = fitGompertzMakeham(standard.mortality.f).table;
  const srb = standard.sexRatioAtBirth;
  return {
    omega,
    lifeTable: { m, f },
    survival: { m: survivalRatios(m, omega), f: survivalRatios(f, omega) },
    stationary: { m: stationaryPopulation(m, omega).map((v) => v * srb), f: stationaryPopulation(f, omega) },
    fertility: fertilitySchedule(standard.fertility, omega),
    maleShareAtBirth: srb / (1 + srb),
  };
}
