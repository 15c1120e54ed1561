// Datenschutz for counts of one level: primary suppression of small counts and secondary
// suppression among the children of one parent, so that no suppressed count can be recovered as
// parent total minus its published siblings. Pure, so every read path shares it.

export interface CountCell {
  areaCode: string;
  /** parent area used for differencing (Bezirk of a Stadtteil …); undefined at the top level */
  parentCode: string | undefined;
  value: number;
}

export type Suppression = 'PRIMARY' | 'SECONDARY';

/**
 * Returns the suppressed areas of one period and one count.
 * Primary: value below the threshold (0 included: "nobody" is information too).
 * Secondary: in every parent group where exactly one child is suppressed, the smallest
 * published sibling is suppressed too (ties broken by area code, so the pattern is stable).
 */
export function suppressCounts(cells: readonly CountCell[], threshold: number): Map<string, Suppression> {
  const out = new Map<string, Suppression>();
  for (const c of cells) if (c.value < threshold) out.set(c.areaCode, 'PRIMARY');
  const groups = new Map<string, CountCell[]>();
  for (const c of cells) {
    if (c.parentCode === undefined) continue;
    const g = groups.get(c.parentCode) ?? [];
    g.push(c);
    groups.set(c.parentCode, g);
  }
  for (const g of groups.values()) {
    const suppressed = g.filter((c) => out.has(c.areaCode));
    if (suppressed.length !== 1) continue;
    const candidates = g
      .filter((c) => !out.has(c.areaCode))
      .sort((a, b) => a.value - b.value || a.areaCode.localeCompare(b.areaCode));
    if (candidates[0]) out.set(candidates[0].areaCode, 'SECONDARY');
  }
  return out;
}
