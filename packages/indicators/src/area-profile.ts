// Indicator profiles of the areas of one level at one period: z-standardised like the composite
// index's inputs (unweighted mean, population SD across the areas), and the most similar areas of
// one area by Euclidean distance in that space, with each indicator's part of the distance
// (docs/uncertainty-and-typology.md). Pure: the values come in as arguments — for the public they
// are the published (protected) values.
import { meanAndPopulationSd } from './composite-index.js';

/** One area's values of the chosen indicators, in the order of the indicator list. */
export interface AreaProfile {
  code: string;
  values: readonly number[];
}

export interface StandardisedProfiles {
  /** per indicator, across the areas */
  stats: { mean: number; sd: number }[];
  /** area code → z-scores in indicator order; an indicator with sd 0 gives 0 for every area */
  z: Map<string, number[]>;
  /** the areas in code order */
  codes: string[];
}

export class ProfileError extends RangeError {
  override readonly name = 'ProfileError';
  constructor(
    readonly code: 'TOO_FEW_AREAS' | 'TOO_FEW_INDICATORS' | 'PROFILE_LENGTH' | 'DUPLICATE_AREA' | 'NOT_FINITE' | 'UNKNOWN_AREA' | 'BAD_K',
    message: string,
  ) {
    super(message);
  }
}

const byCode = (a: string, b: string) => a.localeCompare(b, 'de', { numeric: true });

/** z-standardise the profiles per indicator. Requires ≥ 2 areas, ≥ 1 indicator, finite values of equal length. */
export function standardiseProfiles(profiles: readonly AreaProfile[]): StandardisedProfiles {
  if (profiles.length < 2) throw new ProfileError('TOO_FEW_AREAS', `${profiles.length} area(s) with a complete profile; at least 2 are needed`);
  const m = profiles[0]!.values.length;
  if (m < 1) throw new ProfileError('TOO_FEW_INDICATORS', 'a profile needs at least one indicator');
  for (const p of profiles) {
    if (p.values.length !== m) throw new ProfileError('PROFILE_LENGTH', `area ${p.code}: ${p.values.length} values, expected ${m}`);
    if (p.values.some((v) => !Number.isFinite(v))) throw new ProfileError('NOT_FINITE', `area ${p.code}: a value is not a finite number`);
  }
  // in code order, so that the sums (and every figure after them) do not depend on the input order
  const sorted = [...profiles].sort((a, b) => byCode(a.code, b.code));
  const stats = Array.from({ length: m }, (_, j) => meanAndPopulationSd(sorted.map((p) => p.values[j]!)));
  const z = new Map<string, number[]>();
  for (const p of sorted)
    z.set(
      p.code,
      p.values.map((v, j) => (stats[j]!.sd > 0 ? (v - stats[j]!.mean) / stats[j]!.sd : 0)),
    );
  if (z.size !== sorted.length) throw new ProfileError('DUPLICATE_AREA', 'an area is listed twice; accepted: one profile per area');
  return { stats, z, codes: sorted.map((p) => p.code) };
}

export interface Contribution {
  /** index into the indicator list */
  indicator: number;
  /** z(other) − z(area) */
  zDifference: number;
  /** (z difference)²: the parts add up to distance² */
  squared: number;
  /** squared / distance² (0 when the distance is 0) */
  share: number;
}

export interface SimilarArea {
  code: string;
  /** Euclidean distance of the z-profiles */
  distance: number;
  contributions: Contribution[];
}

/**
 * The `first` areas most similar to `code` (smallest distance first; ties by area code), the area
 * itself excluded, each with every indicator's contribution to its distance.
 */
export function similarAreas(profiles: readonly AreaProfile[], code: string, first: number): { standardised: StandardisedProfiles; similar: SimilarArea[] } {
  const standardised = standardiseProfiles(profiles);
  const own = standardised.z.get(code);
  if (!own) throw new ProfileError('UNKNOWN_AREA', `area ${code} has no complete profile; areas with one: ${standardised.codes.slice(0, 10).join(', ')}${standardised.codes.length > 10 ? ', …' : ''}`);
  const similar = standardised.codes
    .filter((c) => c !== code)
    .map((c) => {
      const diffs = standardised.z.get(c)!.map((v, j) => v - own[j]!);
      const d2 = diffs.reduce((s, d) => s + d * d, 0);
      return {
        code: c,
        distance: Math.sqrt(d2),
        contributions: diffs.map((d, j) => ({ indicator: j, zDifference: d, squared: d * d, share: d2 > 0 ? (d * d) / d2 : 0 })),
      };
    })
    .sort((a, b) => a.distance - b.distance || byCode(a.code, b.code));
  return { standardised, similar: similar.slice(0, Math.max(0, first)) };
}
