// The exhaustive audit of #12: given every public figure an attacker collected (each the sum of
// some leaves — one observation of one Stadtteil, period and data version), and the publication
// mechanism the platform declares, how far can the true value of each confidential leaf and each
// published confidential cell be narrowed? A target passes when its feasibility interval holds at
// least `minValues` values.
//
// The attacker's model (an integer program): unknown true leaves t ≥ 0; under an exact mechanism
// every published figure is Σ t and a cell suppressed as PRIMARY has Σ t < threshold; under the
// cell-key mechanism every leaf is published as π ∈ S(t) (the perturbation table's admissible
// targets: |π − t| ≤ D, π ≥ 0, π ∉ 1..js, t = 0 ⇒ π = 0) and every figure is Σ π.
// Proofs come two ways: a target passes outright when the leaves' published values (computed from
// the truth and the record keys the test knows) leave enough values for it — every t with π ∈ S(t)
// is consistent with every figure, since the figures only see π; for two data versions of a
// corrected leaf, both values must come from the same record key. A target that does not pass this
// way is solved exactly: minimum and maximum of its true value by MILP (HiGHS) over its block
// (one dataset and period, both versions).
import { admissibleTargets, buildPerturbationTable, preimage, type PerturbationParams } from '@sp/indicators';
import highsModule from 'highs';

// highs ships ESM and CJS builds under CJS typings: its default export is the loader either way
type HighsLoader = typeof highsModule.default;
const loadHighs: HighsLoader = (highsModule as unknown as { default?: HighsLoader }).default ?? (highsModule as unknown as HighsLoader);

export interface Leaf {
  id: string;
  /** dataset|period: leaves of different blocks share no figure */
  block: string;
  truth: number;
  /** the published (perturbed) value of the leaf under the declared mechanism, computed by the test */
  published: number;
  /** the record key of the leaf (perturbed mechanism) */
  key?: number;
  /** id of the same leaf in the other data version, when a correction changed it */
  otherVersion?: string;
}

export interface Figure {
  id: string;
  block: string;
  leaves: readonly string[];
  value: number | null;
  suppressed: boolean;
  reason: string | null;
}

/**
 * exact: figures are Σ t (primary suppression below a threshold); perturbed: every observation is
 * perturbed and figures are sums of perturbed observations (what the platform does); cell: every
 * figure is perturbed on its own, post-tabular (the census way; modelled for docs/disclosure.md).
 */
export type Mechanism = { kind: 'exact'; primaryBelow: number } | { kind: 'perturbed'; params: PerturbationParams; suppressBelow: number } | { kind: 'cell'; params: PerturbationParams };

export interface Target {
  id: string;
  block: string;
  leaves: readonly string[];
  truth: number;
}

export interface Finding {
  target: string;
  truth: number;
  lo: number;
  hi: number;
  /** how it was decided */
  by: 'published-exactly' | 'milp';
}

export interface AuditResult {
  targets: number;
  provenByPublishedValues: number;
  solvedByMilp: number;
  /** targets narrowed to fewer than minValues values */
  violations: Finding[];
  /** targets the time budget left unsolved (only ever on a failing run) */
  unsolved: number;
  ms: number;
}

/** Checks that every published figure is what the declared mechanism makes of the truth (otherwise the model would be wrong). */
export function inconsistentFigures(leaves: ReadonlyMap<string, Leaf>, figures: readonly Figure[]): string[] {
  const bad: string[] = [];
  for (const f of figures) {
    if (f.suppressed || f.value === null) continue;
    const sum = f.leaves.reduce((s, id) => s + leaves.get(id)!.published, 0);
    if (Math.abs(sum - f.value) > 1e-6) bad.push(`${f.id}: published ${f.value}, mechanism gives ${sum}`);
  }
  return bad;
}

/** For each leaf, the true values that the published figures cannot tell apart from its truth (a lower bound of its feasibility set). */
export function witnessCounts(leaves: ReadonlyMap<string, Leaf>, mechanism: Mechanism): Map<string, number> {
  const out = new Map<string, number>();
  if (mechanism.kind !== 'perturbed') {
    for (const id of leaves.keys()) out.set(id, 1);
    return out;
  }
  const table = buildPerturbationTable(mechanism.params);
  const intervals = (t: number, pub: number): [number, number][] => {
    const row = table.rows[Math.min(Math.max(0, t), table.rows.length - 1)]!;
    return row.targets.filter((x) => Math.max(0, t) + x.noise === pub || (t === 0 && pub === 0)).map((x) => [x.lower, x.upper]);
  };
  for (const [id, leaf] of leaves) {
    const other = leaf.otherVersion ? leaves.get(leaf.otherVersion) : undefined;
    const candidates = preimage(leaf.published, mechanism.params);
    if (!other) {
      out.set(id, candidates.length);
      continue;
    }
    // both versions come from the same record key: a candidate counts only if some value of the
    // other version and one key produce both published values
    const otherCandidates = preimage(other.published, mechanism.params);
    const ok = candidates.filter((a) =>
      otherCandidates.some((b) => intervals(a, leaf.published).some(([l1, u1]) => intervals(b, other.published).some(([l2, u2]) => Math.max(l1, l2) < Math.min(u1, u2)))),
    );
    out.set(id, ok.length);
  }
  return out;
}

export interface AuditOptions {
  minValues: number;
  /** give up solving after this long (a failing run need not find every violation) */
  budgetMs?: number;
}

export async function audit(leaves: ReadonlyMap<string, Leaf>, figures: readonly Figure[], targets: readonly Target[], mechanism: Mechanism, options: AuditOptions): Promise<AuditResult> {
  const started = Date.now();
  const witnesses = witnessCounts(leaves, mechanism);
  const violations: Finding[] = [];
  const pending: Target[] = [];
  let proven = 0;
  const exactFigures = new Map<string, Figure>();
  if (mechanism.kind === 'exact') for (const f of figures) if (!f.suppressed && f.value !== null) exactFigures.set([...f.leaves].sort().join(','), f);
  for (const t of targets) {
    const w = Math.max(...t.leaves.map((l) => witnesses.get(l) ?? 1));
    if (w >= options.minValues) {
      proven++;
      continue;
    }
    // published exactly as it is: nothing to solve
    if (exactFigures.has([...t.leaves].sort().join(','))) {
      violations.push({ target: t.id, truth: t.truth, lo: t.truth, hi: t.truth, by: 'published-exactly' });
      continue;
    }
    pending.push(t);
  }
  let solved = 0;
  let unsolved = 0;
  const highs = await loadHighs();
  const byBlock = new Map<string, Target[]>();
  for (const t of pending) byBlock.set(t.block, [...(byBlock.get(t.block) ?? []), t]);
  for (const [block, blockTargets] of byBlock) {
    if (options.budgetMs !== undefined && Date.now() - started > options.budgetMs) {
      unsolved += blockTargets.length;
      continue;
    }
    const blockLeaves = [...leaves.values()].filter((l) => l.block === block);
    const blockFigures = figures.filter((f) => f.block === block);
    const model = buildModel(highs, blockLeaves, blockFigures, mechanism);
    try {
      for (const t of blockTargets) {
        if (options.budgetMs !== undefined && Date.now() - started > options.budgetMs) {
          unsolved++;
          continue;
        }
        const range = model.range(t.leaves);
        solved++;
        if (range.hi - range.lo + 1 < options.minValues) violations.push({ target: t.id, truth: t.truth, lo: range.lo, hi: range.hi, by: 'milp' });
      }
    } finally {
      model.dispose();
    }
  }
  return { targets: targets.length, provenByPublishedValues: proven, solvedByMilp: solved, violations, unsolved, ms: Date.now() - started };
}

type Highs = Awaited<ReturnType<typeof loadHighs>>;

function buildModel(highs: Highs, leaves: readonly Leaf[], figures: readonly Figure[], mechanism: Mechanism) {
  const model = highs.createModel();
  model.options.set({ output_flag: false, mip_rel_gap: 0, time_limit: 30 });
  const inf = highs.infinity;
  const integer = highs.constants.variableType.integer;
  const tCol = new Map<string, number>();
  const piCol = new Map<string, number>();
  let cols = 0;
  const addInt = (lo: number, hi: number) => {
    model.addVars([lo], [hi]);
    model.changeColIntegrality(cols, integer);
    return cols++;
  };
  const BIG = 10_000_000;
  for (const l of leaves) {
    const t = addInt(0, BIG);
    tCol.set(l.id, t);
    if (mechanism.kind !== 'perturbed') {
      piCol.set(l.id, t);
      continue;
    }
    const { maxNoise: D, blockedUpTo: js } = mechanism.params;
    const pi = addInt(0, BIG);
    const b = addInt(0, 1);
    piCol.set(l.id, pi);
    // |π − t| ≤ D
    model.addRow(-D, D, { indices: [pi, t], values: [1, -1] });
    // π = 0 or π ≥ js + 1
    model.addRow(-inf, 0, { indices: [pi, b], values: [1, -BIG] });
    model.addRow(0, inf, { indices: [pi, b], values: [1, -(js + 1)] });
    // t = 0 ⇒ π = 0
    model.addRow(-inf, 0, { indices: [pi, t], values: [1, -BIG] });
    // a check that the relation is what the table says (the model must not be weaker than the table)
    if (admissibleTargets(1, mechanism.params).includes(1)) throw new Error('table publishes a blocked value');
  }
  for (const f of figures) {
    const cols = f.leaves.map((id) => piCol.get(id)!);
    const entries = { indices: cols, values: cols.map(() => 1) };
    if (mechanism.kind === 'cell') {
      // the figure is its own perturbed count: published p ∈ S(Σ t), i.e. Σ t within D of p, ≥ 1 unless p is 0
      if (f.value === null) continue;
      const D = mechanism.params.maxNoise;
      model.addRow(f.value > 0 ? Math.max(1, f.value - D) : 0, f.value + D, entries);
      continue;
    }
    if (!f.suppressed && f.value !== null) model.addRow(f.value, f.value, entries);
    else if (f.suppressed && mechanism.kind === 'exact' && f.reason === 'PRIMARY') {
      const t = f.leaves.map((id) => tCol.get(id)!);
      model.addRow(-inf, mechanism.primaryBelow - 1, { indices: t, values: t.map(() => 1) });
    } else if (f.suppressed && mechanism.kind === 'perturbed' && mechanism.suppressBelow > 0) model.addRow(-inf, mechanism.suppressBelow - 1, entries);
  }
  let costed: number[] = [];
  const solve = (targetLeaves: readonly string[], sense: 'min' | 'max'): number => {
    for (const c of costed) model.changeColCost(c, 0);
    costed = targetLeaves.map((id) => tCol.get(id)!);
    for (const c of costed) model.changeColCost(c, 1);
    model.changeObjectiveSense(sense === 'min' ? highs.constants.objectiveSense.minimize : highs.constants.objectiveSense.maximize);
    model.run();
    const status = model.getModelStatus();
    if (status !== highs.constants.modelStatus.optimal) throw new Error(`audit MILP ended with status ${status}`);
    return Math.round(model.getObjectiveValue());
  };
  return {
    range: (targetLeaves: readonly string[]) => ({ lo: solve(targetLeaves, 'min'), hi: solve(targetLeaves, 'max') }),
    dispose: () => model.dispose(),
  };
}
