import { describe, expect, it } from 'vitest';
import { rollUp, type AreaRef, type AreaValue } from './compute.js';
import { hierarchyGroups, protectRatio, suppressCounts, type ProtectedCell, type SuppressionGroup } from './suppression.js';

// Köln-like codes: Stadtteil 101 → Bezirk 1 → Stadt 0
const parentOf = (a: AreaRef): AreaRef | undefined => (a.level === 'STADTTEIL' ? { level: 'STADTBEZIRK', code: a.code[0]! } : a.level === 'STADTBEZIRK' ? { level: 'STADT', code: '0' } : undefined);
const stt = (values: Record<string, number>): AreaValue[] => Object.entries(values).map(([code, value]) => ({ level: 'STADTTEIL', code, value }));

/** No group may have exactly one hidden cell: otherwise total − parts gives it back. */
function assertNotRecoverable(cells: ProtectedCell[], groups: SuppressionGroup[]) {
  const hidden = new Set(cells.filter((c) => c.suppressed).map((c) => `${c.level}|${c.code}`));
  for (const g of groups) {
    const n = [g.total, ...g.parts].filter((r) => hidden.has(`${r.level}|${r.code}`)).length;
    expect(n, `group ${g.total.level} ${g.total.code}`).not.toBe(1);
  }
}
const find = (cells: ProtectedCell[], level: string, code: string) => cells.find((c) => c.level === level && c.code === code)!;

describe('suppressCounts', () => {
  const all = rollUp(stt({ 101: 2, 102: 50, 103: 40, 104: 100, 201: 30, 202: 25, 301: 60, 302: 80 }), parentOf);
  const groups = hierarchyGroups(all, parentOf);

  it('suppresses counts below the threshold and the next-smallest sibling, as null, never 0', () => {
    const out = suppressCounts(all, { groups });
    expect(find(out, 'STADTTEIL', '101')).toMatchObject({ value: null, suppressed: true, reason: 'PRIMARY' });
    expect(find(out, 'STADTTEIL', '103')).toMatchObject({ value: null, suppressed: true, reason: 'SECONDARY' });
    expect(find(out, 'STADTTEIL', '102')).toMatchObject({ value: 50, suppressed: false, reason: null });
    expect(find(out, 'STADTBEZIRK', '1')).toMatchObject({ value: 192, suppressed: false });
    expect(out.filter((c) => c.suppressed)).toHaveLength(2);
    for (const c of out) if (c.suppressed) expect(c.value).toBeNull();
    assertNotRecoverable(out, groups);
  });

  it('shows privileged readers every value but marks the confidential ones', () => {
    const out = suppressCounts(all, { groups, privileged: true });
    expect(find(out, 'STADTTEIL', '101')).toMatchObject({ value: 2, suppressed: false, confidential: true, reason: 'PRIMARY' });
    expect(find(out, 'STADTTEIL', '103')).toMatchObject({ value: 40, suppressed: false, confidential: true });
    expect(out.every((c) => !c.suppressed)).toBe(true);
  });

  it('treats 0 as below the threshold and honours a configured threshold', () => {
    const cells = rollUp(stt({ 101: 0, 102: 4, 103: 9 }), parentOf);
    const g = hierarchyGroups(cells, parentOf);
    expect(find(suppressCounts(cells, { groups: g }), 'STADTTEIL', '101').reason).toBe('PRIMARY');
    const t5 = suppressCounts(cells, { groups: g, threshold: 5 });
    expect(t5.filter((c) => c.reason === 'PRIMARY').map((c) => c.code)).toEqual(['101', '102']);
    expect(find(t5, 'STADTTEIL', '103').suppressed).toBe(false); // two unknowns in the group already
  });

  it('carries suppression across levels: a small Bezirk hides another Bezirk and one of its Stadtteile', () => {
    // Bezirk 2 has 1 + 1 = 2 → both its Stadtteile and the Bezirk itself are primary. In the city group
    // the Bezirk is the only unknown → the smallest other Bezirk (3: 90) is suppressed. Bezirk 3 is now
    // hidden while all its Stadtteile are shown (their sum would reveal it) → its smallest Stadtteil too.
    const cells = rollUp(stt({ 101: 100, 102: 120, 201: 1, 202: 1, 301: 40, 302: 50, 401: 300 }), parentOf);
    const g = hierarchyGroups(cells, parentOf);
    const out = suppressCounts(cells, { groups: g });
    expect(find(out, 'STADTBEZIRK', '2').reason).toBe('PRIMARY');
    expect(find(out, 'STADTBEZIRK', '3').reason).toBe('SECONDARY');
    expect(find(out, 'STADTTEIL', '301').reason).toBe('SECONDARY');
    expect(find(out, 'STADTTEIL', '302').suppressed).toBe(false);
    expect(find(out, 'STADT', '0')).toMatchObject({ suppressed: false, value: 612 });
    assertNotRecoverable(out, g);
  });

  it('suppresses the parent when a suppressed cell is an only child', () => {
    const cells = rollUp(stt({ 101: 2, 201: 50, 202: 60 }), parentOf);
    const g = hierarchyGroups(cells, parentOf);
    const out = suppressCounts(cells, { groups: g });
    expect(find(out, 'STADTBEZIRK', '1').suppressed).toBe(true); // Bezirk 1 = 101 would reveal it
    assertNotRecoverable(out, g);
  });

  it('includes planning areas as groups so Sozialraum minus published members reveals nothing', () => {
    const cells: AreaValue[] = [...rollUp(stt({ 101: 2, 102: 50, 103: 40, 104: 100 }), parentOf), { level: 'SOZIALRAUM', code: 'sr', value: 102 }];
    const sr: SuppressionGroup = {
      total: { level: 'SOZIALRAUM', code: 'sr' },
      parts: [
        { level: 'STADTTEIL', code: '101' },
        { level: 'STADTTEIL', code: '104' },
      ],
    };
    const g = [...hierarchyGroups(cells, parentOf), sr];
    const out = suppressCounts(cells, { groups: g });
    expect(find(out, 'STADTTEIL', '104').reason).toBe('SECONDARY'); // 101's only partner in the Sozialraum
    assertNotRecoverable(out, g);
  });

  it('keeps every group safe on random hierarchies (property check)', () => {
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let run = 0; run < 200; run++) {
      const values: Record<string, number> = {};
      for (let b = 1; b <= 4; b++) for (let t = 1; t <= 1 + Math.floor(rnd() * 4); t++) values[`${b}0${t}`] = rnd() < 0.3 ? Math.floor(rnd() * 3) : Math.floor(rnd() * 200);
      const cells = rollUp(stt(values), parentOf);
      const g = hierarchyGroups(cells, parentOf);
      assertNotRecoverable(suppressCounts(cells, { groups: g }), g);
    }
  });
});

describe('protectRatio', () => {
  const shown = { level: 'STADTTEIL', code: '101', value: 50, suppressed: false, reason: null, confidential: false } as const;
  const hidden = { ...shown, value: null, suppressed: true, reason: 'PRIMARY', confidential: true } as const;
  it('suppresses a rate whose numerator or denominator is suppressed', () => {
    expect(protectRatio(shown, 12.5, hidden, shown)).toMatchObject({ value: null, suppressed: true, reason: 'DERIVED' });
    expect(protectRatio(shown, 12.5, shown, hidden)).toMatchObject({ value: null, suppressed: true, reason: 'DERIVED' });
    expect(protectRatio(shown, 12.5, shown, shown)).toMatchObject({ value: 12.5, suppressed: false, reason: null });
  });
});
