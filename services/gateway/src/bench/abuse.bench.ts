// Benchmark of issue #13's "fair under abuse" (bench/gateway/abuse.sh): the default gateway (budgets
// on, both caches off so every request reaches the warehouse) over the embedded chDB warehouse with
// Köln's Stadtteile, served on loopback; abuse.scenario.ts's idle and abused phases; prints idle
// and abused p95 and their ratio and writes them to bench/gateway/results/abuse-<time>.json.
// Env: ROUNDS (5), PER_PHASE (40), RESULTS_DIR (bench/gateway/results).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tokenFor } from '../testing/gateway.fixture.js';
import { servedChdbGateway } from '../testing/chdb-gateway.fixture.js';
import { abuseBudgets, describeAbuse, describeBreakdown, p95, runAbuseScenario } from '../fairness/abuse.scenario.js';

const rounds = Number(process.env.ROUNDS ?? 5);
const perPhase = Number(process.env.PER_PHASE ?? 40);
const gw = await servedChdbGateway({ prefix: 'sp-bench-abuse-', gateway: { cache: false, responseCache: false, budgets: abuseBudgets, serverTiming: true } });
try {
  const normal = await tokenFor({ role: 'planner', sub: 'normal' });
  const abusers = await Promise.all([1, 2, 3, 4].map((i) => tokenFor({ role: 'planner', sub: `abuser-${i}` })));
  const r = await runAbuseScenario(gw.url, normal, abusers, { rounds, perPhase });
  const summary = { at: new Date().toISOString(), rounds, perPhase, idleP95: p95(r.idle), abusedP95: p95(r.abused), ratio: p95(r.abused) / p95(r.idle), ...r };
  console.log(`idle p95   ${summary.idleP95.toFixed(1)} ms`);
  console.log(`abused p95 ${summary.abusedP95.toFixed(1)} ms`);
  console.log(`ratio      ${summary.ratio.toFixed(2)}`);
  console.log(describeAbuse(r));
  console.log(describeBreakdown(r));
  const dir = process.env.RESULTS_DIR ?? 'bench/gateway/results';
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `abuse-${summary.at.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.json`);
  writeFileSync(file, JSON.stringify(summary, null, 2));
  console.log(`results: ${file}`);
} finally {
  await gw.close();
}
