// Datenschutz for published counts: primary suppression of small counts, secondary suppression so
// that no suppressed cell can be recovered by differencing a total and its published parts (across
// hierarchy levels and planning areas), and derived suppression of rates. Suppressed cells carry
// value null and a reason — never 0.
import type { AreaRef, ParentOf } from './compute.js';

export type SuppressionReason = 'PRIMARY' | 'SECONDARY' | 'DERIVED';

export interface CountCell extends AreaRef {
  value: number;
}

export interface ProtectedCell extends AreaRef {
  /** null when suppressed for this reader */
  value: number | null;
  suppressed: boolean;
  reason: SuppressionReason | null;
  /** true when the cell is suppressed for non-privileged readers (privileged readers see the value) */
  confidential: boolean;
}

/** An additive relation the reader knows: total = sum of parts (Bezirk = its Stadtteile, Sozialraum = its members). */
export interface SuppressionGroup {
  total: AreaRef;
  parts: readonly AreaRef[];
}

export interface SuppressionOptions {
  /** counts below this are suppressed (default 3: 0, 1 and 2 — "nobody" is information too) */
  threshold?: number;
  privileged?: boolean;
  groups: readonly SuppressionGroup[];
}

const keyOf = (a: AreaRef) => `${a.level}|${a.code}`;

/** Groups parent = Σ children for every parent among the cells whose children are among the cells. */
export function hierarchyGroups(cells: readonly AreaRef[], parentOf: ParentOf): SuppressionGroup[] {
  const present = new Set(cells.map(keyOf));
  const groups = new Map<string, { total: AreaRef; parts: AreaRef[] }>();
  for (const c of cells) {
    const p = parentOf(c);
    if (!p || !present.has(keyOf(p))) continue;
    const g = groups.get(keyOf(p)) ?? { total: { level: p.level, code: p.code }, parts: [] };
    g.parts.push({ level: c.level, code: c.code });
    groups.set(keyOf(p), g);
  }
  return [...groups.values()];
}

/**
 * 1. Primary: value < threshold.
 * 2. Secondary, repeated until nothing changes: in every group (total = Σ parts) with exactly one
 *    suppressed cell, that cell could be recovered by subtraction, so one more is suppressed —
 *    the smallest published part other than it (ties by code); if the suppressed cell is the total,
 *    the smallest published part; if no part is left, the total. Each new suppression may open a
 *    1-unknown situation in another group (a Bezirk suppressed here is a part of the city group), so
 *    the loop runs over all groups again until it is stable.
 * Groups are evaluated only over cells that exist; an absent cell is not published and not differenced.
 */
export function suppressCounts(cells: readonly CountCell[], opts: SuppressionOptions): ProtectedCell[] {
  const threshold = opts.threshold ?? 3;
  const byKey = new Map(cells.map((c) => [keyOf(c), c]));
  const reason = new Map<string, SuppressionReason>();
  for (const c of cells) if (c.value < threshold) reason.set(keyOf(c), 'PRIMARY');
  // secondary suppression only ever protects a suppressed cell: with none, nothing is hidden (the
  // usual case for a period of large counts, and a long series has hundreds of periods)
  if (reason.size === 0) return cells.map((c) => ({ level: c.level, code: c.code, value: c.value, suppressed: false, reason: null, confidential: false }));

  const groups = opts.groups
    .map((g) => ({ total: keyOf(g.total), parts: g.parts.map(keyOf).filter((k) => byKey.has(k)) }))
    .filter((g) => byKey.has(g.total) && g.parts.length > 0)
    .sort((a, b) => a.total.localeCompare(b.total));
  const smallest = (keys: string[]) => keys.filter((k) => !reason.has(k)).sort((a, b) => byKey.get(a)!.value - byKey.get(b)!.value || a.localeCompare(b))[0];

  for (let changed = true, guard = 0; changed && guard < 10_000; guard++) {
    changed = false;
    for (const g of groups) {
      const unknown = [g.total, ...g.parts].filter((k) => reason.has(k));
      if (unknown.length !== 1) continue;
      const u = unknown[0]!;
      const pick = u === g.total ? smallest(g.parts) : (smallest(g.parts.filter((k) => k !== u)) ?? g.total);
      if (pick !== undefined && !reason.has(pick)) {
        reason.set(pick, 'SECONDARY');
        changed = true;
      }
    }
  }

  return cells.map((c) => {
    const r = reason.get(keyOf(c)) ?? null;
    const hide = r !== null && !opts.privileged;
    return { level: c.level, code: c.code, value: hide ? null : c.value, suppressed: hide, reason: r, confidential: r !== null };
  });
}

export interface ProtectedRatio extends AreaRef {
  value: number | null;
  suppressed: boolean;
  reason: SuppressionReason | null;
}

/**
 * A rate is suppressed whenever its numerator or denominator is suppressed (reason DERIVED), since
 * rate × denominator would give the numerator back. `value` is the rate computed by the caller.
 */
export function protectRatio(area: AreaRef, value: number | null, numerator: ProtectedCell | undefined, denominator: ProtectedCell | undefined): ProtectedRatio {
  const hidden = (c: ProtectedCell | undefined) => c === undefined || c.suppressed;
  if (hidden(numerator) || hidden(denominator)) return { level: area.level, code: area.code, value: null, suppressed: true, reason: 'DERIVED' };
  return { level: area.level, code: area.code, value, suppressed: false, reason: null };
}
