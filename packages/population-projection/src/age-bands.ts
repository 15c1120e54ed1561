// Age bands as the data name them ("0-3" = 0 to under 3, "75+" = 75 and older): the one parser of
// such labels in this package, and the two conversions between bands and single years of age.
// The bands of a city's statistics are data (they differ between cities and even between files of
// one city), so every function takes them as an argument.

export interface AgeBand {
  readonly label: string;
  /** first single year of age in the band */
  readonly from: number;
  /** first single year of age no longer in the band; null = open band ("75+") */
  readonly to: number | null;
}

export class AgeBandError extends Error {
  override readonly name = 'AgeBandError';
  constructor(
    readonly code: 'BAND_LABEL' | 'BAND_GAP' | 'BAND_OPEN_END' | 'BAND_BEYOND_MODEL',
    message: string,
  ) {
    super(message);
  }
}

const CLOSED = /^(\d{1,3})-(\d{1,3})$/;
const OPEN = /^(\d{1,3})\+$/;

/** "0-3" → [0, 3); "75+" → [75, ∞). */
export function parseAgeBand(label: string): AgeBand {
  const closed = CLOSED.exec(label);
  if (closed) {
    const from = Number(closed[1]);
    const to = Number(closed[2]);
    if (to > from) return { label, from, to };
  }
  const open = OPEN.exec(label);
  if (open) return { label, from: Number(open[1]), to: null };
  throw new AgeBandError('BAND_LABEL', `age band "${label}" is not understood; accepted: "a-b" (a to under b, b > a) or "a+" (a and older), e.g. "0-3", "75+"`);
}

/**
 * Bands that cover every age from 0 exactly once, in order, the last one open. The order of the
 * labels does not matter; gaps, overlaps and a missing open band are errors.
 */
export function ageBands(labels: readonly string[]): AgeBand[] {
  const bands = labels.map(parseAgeBand).sort((a, b) => a.from - b.from);
  let next = 0;
  bands.forEach((b, i) => {
    if (b.from !== next) throw new AgeBandError('BAND_GAP', `age bands ${labels.join(', ')} do not cover age ${next} exactly once (next band starts at ${b.from}); accepted: contiguous bands from 0`);
    if (b.to === null && i !== bands.length - 1) throw new AgeBandError('BAND_GAP', `open band "${b.label}" must be the last one`);
    next = b.to ?? Number.POSITIVE_INFINITY;
  });
  if (next !== Number.POSITIVE_INFINITY) throw new AgeBandError('BAND_OPEN_END', `age bands ${labels.join(', ')} end at ${next}; accepted: the last band open ("${next}+")`);
  return bands;
}

/** Sum single years of age (index = age, the last index the open age ω+) into bands. */
export function toBands(singleYears: readonly number[], bands: readonly AgeBand[]): number[] {
  const omega = singleYears.length - 1;
  return bands.map((b) => {
    if (b.from > omega) throw new AgeBandError('BAND_BEYOND_MODEL', `band "${b.label}" starts above the model's open age ${omega}+`);
    const to = b.to === null ? omega + 1 : b.to;
    if (b.to !== null && b.to > omega) throw new AgeBandError('BAND_BEYOND_MODEL', `band "${b.label}" ends above the model's open age ${omega}+; accepted: bands closed below ${omega}`);
    let s = 0;
    for (let x = b.from; x < to; x++) s += singleYears[x]!;
    return s;
  });
}

/** Index of the band holding each single year of age 0..omega (omega = open age). */
export function bandOfAge(bands: readonly AgeBand[], omega: number): number[] {
  return Array.from({ length: omega + 1 }, (_, x) => {
    const i = bands.findIndex((b) => x >= b.from && (b.to === null || x < b.to));
    if (i < 0) throw new AgeBandError('BAND_GAP', `no band holds age ${x}`);
    if (x === omega && bands[i]!.to !== null) throw new AgeBandError('BAND_BEYOND_MODEL', `the model's open age ${omega}+ falls into the closed band "${bands[i]!.label}"`);
    return i;
  });
}
