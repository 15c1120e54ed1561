// Age-specific fertility: a schedule of births per woman by single year of age of the mother. Only
// the shape comes from here (a shifted gamma density with a given mean age at childbearing and
// spread); its level is fitted per area from the observed children (calibration.model.ts).

export interface FertilityShape {
  /** total fertility rate: children per woman over the schedule */
  tfr: number;
  /** mean age of mothers at birth (completed years + ½) */
  meanAge: number;
  /** standard deviation of the age of mothers at birth */
  sd: number;
  /** youngest and oldest age (completed years) with births */
  minAge: number;
  maxAge: number;
}

/**
 * f[x] = births per woman aged x (completed years) per year, for x = 0..omega; zero outside
 * minAge..maxAge; Σ f = tfr. The density of a gamma distribution shifted to start at minAge, with
 * the given mean and SD, evaluated at x + ½.
 */
export function fertilitySchedule(shape: FertilityShape, omega: number): number[] {
  const shift = shape.minAge;
  const m = shape.meanAge - shift;
  const k = (m * m) / (shape.sd * shape.sd);
  const theta = (shape.sd * shape.sd) / m;
  const density = (x: number) => (x <= 0 ? 0 : Math.exp((k - 1) * Math.log(x) - x / theta));
  const raw = Array.from({ length: omega + 1 }, (_, x) => (x >= shape.minAge && x <= shape.maxAge ? density(x + 0.5 - shift) : 0));
  const sum = raw.reduce((s, v) => s + v, 0);
  return raw.map((v) => (v / sum) * shape.tfr);
}

/** Mean age of the schedule (x + ½ weighted by f). */
export function meanAgeOf(f: readonly number[]): number {
  const total = f.reduce((s, v) => s + v, 0);
  return f.reduce((s, v, x) => s + v * (x + 0.5), 0) / total;
}
