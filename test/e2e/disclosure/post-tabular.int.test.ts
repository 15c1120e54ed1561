// Why docs/disclosure.md perturbs observations and sums them rather than perturbing every
// published cell on its own (post-tabular, as the census does): the same exhaustive audit over the
// same public figures of the Köln demo (December 2012 SGB II and the yearly datasets of 2012, at
// every level and planning area, with every complement of the dimension filters), once with each
// figure perturbed by its own cell key (Σ record keys mod 1) and once as the platform publishes
// them, for the default table and a narrower one. Same keys. In memory: no engines, only the
// integer programme. It asserts the platform's guarantee (every observation keeps at least D + 1
// values, whatever the data) and reports what post-tabular perturbation leaves on these data,
// where protection depends on how the noises of overlapping cells happen to fall.
import { buildKoelnDemo } from '@sp/demo';
import { areaMapRows } from '@sp/indicator-store';
import { buildPerturbationTable, cellKeyOf, loadCatalogue, loadProtection, perturbCount, recordKeyOf } from '@sp/indicators';
import { loadReference } from '@sp/spatial';
import { describe, expect, it } from 'vitest';
import { buildLeaves, leavesOf, stadtteileOf, type Versioned } from './attacker.js';
import { audit, type Figure, type Mechanism, type Target } from './audit.js';

const SECRET = 'post-tabular-comparison-record-keys';
const COUNTS = ['sgb2_personen', 'sgb2_personen_u65', 'sgb2_personen_u15', 'sgb2_personen_15_65', 'grundsicherung_alter', 'grundsicherung_em', 'hze_faelle', 'hze_stationaer'];
const LEVELS = ['STADTTEIL', 'STADTBEZIRK', 'STADT', 'SOZIALRAUM'];

// post-tabular is solved (30 s of MILP) for the narrower table only; with the default one it kept
// every observation at ≥ 5 values on these data too (measured once, docs/disclosure.md)
const TABLES = [
  { ...loadProtection().config.perturbation, postTabular: false },
  { maxNoise: 3, variance: 1.5, blockedUpTo: 2, postTabular: true },
];

describe('perturbing every published cell on its own (post-tabular) vs. summing perturbed observations', () => {
  it.each(TABLES)(
    'D = $maxNoise, V = $variance: every observation the platform publishes keeps D + 1 values (post-tabular reported: $postTabular)',
    async ({ postTabular: solvePostTabular, ...params }) => {
      const reference = loadReference('koeln');
      const catalogue = loadCatalogue();
      const protection = { config: { ...loadProtection().config, perturbation: params } };
      const table = buildPerturbationTable(params);
      const minValues = params.maxNoise + 1;
      const areaMap = areaMapRows(reference);
      const demo = buildKoelnDemo({ reference, from: '2012-12', to: '2012-12' });
      const data: Versioned = { current: [], before: [] };
      for (const r of demo.synthetic) {
        if (!['sgb2', 'grundsicherung', 'hze'].includes(r.dataset)) continue;
        for (const o of r.observations) data.current.push({ dataset: r.dataset, areaCode: r.areaCode, period: r.period, measure: o.measure, dimensions: o.dimensions, value: o.value });
      }
      const perturbed: Mechanism = { kind: 'perturbed', params: protection.config.perturbation, suppressBelow: 0 };
      const leaves = buildLeaves(data, perturbed, SECRET);
      const keyOf = new Map(
        data.current.map((o) => [
          `${o.dataset}|${o.areaCode}|${o.period}|${o.measure}|${Object.keys(o.dimensions)
            .sort()
            .map((k) => `${k}=${o.dimensions[k]}`)
            .join(';')}`,
          o,
        ]),
      );
      const recordKey = (id: string) => {
        const o = keyOf.get(id)!;
        return recordKeyOf(SECRET, { dataset: o.dataset, areaLevel: 'STADTTEIL', areaCode: o.areaCode, period: o.period, measure: o.measure, dimensions: o.dimensions });
      };
      const platform: Figure[] = [];
      const postTabular: Figure[] = [];
      const targets: Target[] = [];
      for (const code of COUNTS) {
        const plan = catalogue.compile(code);
        if (plan.kind !== 'count') throw new Error(code);
        const period = plan.component.dataset === 'sgb2' ? '2012-12' : '2012';
        for (const level of LEVELS) {
          for (const area of reference.areas(level, { at: '2012-12-31' })) {
            const ls = leavesOf(data, leaves, plan.component, stadtteileOf(areaMap, level, area.code, period), period, 'current');
            if (ls.length === 0) continue;
            const id = `${code} ${level} ${area.code}`;
            const block = `${plan.component.dataset}|${period}`;
            const truth = ls.reduce((s, l) => s + leaves.get(l)!.truth, 0);
            platform.push({ id, block, leaves: ls, value: ls.reduce((s, l) => s + leaves.get(l)!.published, 0), suppressed: false, reason: null });
            postTabular.push({ id, block, leaves: ls, value: perturbCount(truth, cellKeyOf(ls.map(recordKey)), table), suppressed: false, reason: null });
          }
        }
      }
      for (const leaf of leaves.values()) targets.push({ id: leaf.id, block: leaf.block, leaves: [leaf.id], truth: leaf.truth });

      const ours = await audit(leaves, platform, targets, perturbed, { minValues });
      expect(ours.violations).toEqual([]);
      expect(ours.provenByPublishedValues).toBe(targets.length);
      if (!solvePostTabular) return;
      const cells = await audit(leaves, postTabular, targets, { kind: 'cell', params: protection.config.perturbation }, { minValues });
      const pinned = cells.violations.filter((v) => v.lo === v.hi);
      console.log(
        `D = ${params.maxNoise}, V = ${params.variance}: ${platform.length} figures over ${leaves.size} observations (${targets.length} targets).\n` +
          `  post-tabular: ${cells.violations.length} observations narrowed below ${minValues} values, ${pinned.length} pinned exactly ` +
          `(${pinned.filter((v) => v.truth <= 2).length} of them true counts 0–2); ${cells.solvedByMilp} MILP targets, ${cells.ms} ms\n` +
          `  platform:     ${ours.violations.length} narrowed; ${ours.provenByPublishedValues} proven by the published values, ${ours.ms} ms`,
      );
      // the model of post-tabular publication is exact, so the truth is always feasible
      for (const v of cells.violations) expect(v.lo <= v.truth && v.truth <= v.hi).toBe(true);
    },
    600_000,
  );
});
