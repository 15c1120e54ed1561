// The abuse scenario of issue #13 (deliver 5), shared by the bounded test
// (abuse.int.test.ts) and the benchmark (bench/gateway/abuse.sh): a normal client's latency idle
// and while four abusive clients (own tokens, three connections each, ignoring Retry-After) send
// 20-alias as-of queries and 300-period ranges, in alternating phases so that the machine's other
// load falls on both alike.
import { spawn } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** The budgets the scenario runs with: the defaults, with the time budget of a public deployment. */
export const abuseBudgets = { warehouseMsPerSecond: 300, warehouseMsBurst: 1_000 } as const;

export const normalQuery = '{ indicatorValues(indicator: "einwohner", level: STADTBEZIRK, period: "2012") { area { code } value } }';

// the abusers' loop, run in a child process at the lowest CPU priority until it is killed — other
// machines in real life: on this machine's two shared cores the load generator's own CPU would
// otherwise be counted against the gateway. Each token three connections, alternating the two
// patterns; the answers by status are printed as one JSON line each second.
const abuserCode = `
const [url, ...tokens] = process.argv.slice(1);
const alias = (n) => '{ ' + Array.from({ length: 20 }, (_, i) => 'a' + i + ': indicatorValues(indicator: "einwohner", level: STADTTEIL, period: "2012", asOf: "2020-' + String((n % 12) + 1).padStart(2, '0') + '-' + String(i + 1).padStart(2, '0') + '") { value }').join(' ') + ' }';
const range = '{ indicatorValues(indicator: "einwohner", level: STADTTEIL, from: "1900", to: "2199") { period value } }';
const counts = [0, 0, 0, 0];
setInterval(() => process.stdout.write(JSON.stringify(counts) + '\\n'), 250);
for (const [i, token] of tokens.entries()) for (const j of [0, 1, 2]) (async () => {
  for (let n = 0; ; n++) {
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token }, body: JSON.stringify({ query: (n + j) % 2 === 0 ? alias(n * 3 + j + i) : range }) });
      await res.arrayBuffer();
      counts[res.status === 200 ? 0 : res.status === 429 ? 1 : res.status === 400 ? 2 : 3]++;
    } catch { counts[3]++; }
  }
})();
`;

/** Starts the abusers; `stop` kills them (their open requests are given up) and returns the counts so far. */
function startAbusers(url: string, tokens: string[]): { stop(): Promise<number[]> } {
  const child = spawn('nice', ['-n', '19', process.execPath, '-e', abuserCode, url, ...tokens], { stdio: ['ignore', 'pipe', 'inherit'] });
  let last = [0, 0, 0, 0];
  let buffer = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    if (lines.length > 0) last = JSON.parse(lines.at(-1)!) as number[];
  });
  return {
    stop: async () => {
      await new Promise((resolve) => setTimeout(resolve, 300)); // one more report
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      return last;
    },
  };
}

async function ask(url: string, query: string, token: string): Promise<{ status: number; ms: number }> {
  const t = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - t };
}

export const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.95) - 1]!;

/** a busy dashboard user: one request, a pause of 300 ms, the next */
async function normalRun(url: string, token: string, count: number): Promise<{ ms: number[]; failed: number }> {
  const ms: number[] = [];
  let failed = 0;
  for (let i = 0; i < count; i++) {
    const r = await ask(url, normalQuery, token);
    if (r.status !== 200) failed++;
    ms.push(r.ms);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return { ms, failed };
}

export interface AbuseResult {
  idle: number[];
  abused: number[];
  /** normal requests that did not answer 200 */
  failed: number;
  /** abusive requests by answer: 200, 429, 400, other */
  abusive: { ok: number; limited: number; tooLarge: number; other: number };
  /** per abused phase: the event loop's delay p99 and max in ms */
  eventLoop: { p99: number; max: number }[];
}

/** Runs `rounds` × (idle phase, abused phase) of `perPhase` normal requests each against the gateway at `url`. */
export async function runAbuseScenario(
  url: string,
  normalToken: string,
  abuserTokens: string[],
  { rounds, perPhase, settleMs = 3_000 }: { rounds: number; perPhase: number; settleMs?: number },
): Promise<AbuseResult> {
  await normalRun(url, normalToken, 10); // warm-up: plans, area relations, JIT
  const result: AbuseResult = { idle: [], abused: [], failed: 0, abusive: { ok: 0, limited: 0, tooLarge: 0, other: 0 }, eventLoop: [] };
  for (let round = 0; round < rounds; round++) {
    const quiet = await normalRun(url, normalToken, perPhase);
    const abusers = startAbusers(url, abuserTokens);
    // the abusers have spent their bursts (each may use 1 s of time at once after being idle)
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const loud = await normalRun(url, normalToken, perPhase);
    lag.disable();
    const [ok = 0, limited = 0, tooLarge = 0, other = 0] = await abusers.stop(); // their open requests are given up: their work is cancelled
    result.idle.push(...quiet.ms);
    result.abused.push(...loud.ms);
    result.failed += quiet.failed + loud.failed;
    result.abusive.ok += ok;
    result.abusive.limited += limited;
    result.abusive.tooLarge += tooLarge;
    result.abusive.other += other;
    result.eventLoop.push({ p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 });
  }
  return result;
}

export function describeAbuse(r: AbuseResult): string {
  const ratio = p95(r.abused) / p95(r.idle);
  const loop = r.eventLoop.map((e) => `${e.p99.toFixed(0)}/${e.max.toFixed(0)}`).join(' ');
  return `normal p95 idle ${p95(r.idle).toFixed(1)} ms (max ${Math.max(...r.idle).toFixed(1)}), under abuse ${p95(r.abused).toFixed(1)} ms (max ${Math.max(...r.abused).toFixed(1)}), ratio ${ratio.toFixed(2)} (${r.idle.length} + ${r.abused.length} requests); abusive requests: ${r.abusive.ok} answered, ${r.abusive.limited} got 429, ${r.abusive.tooLarge} got 400, ${r.abusive.other} other; event loop delay p99/max per abused phase ${loop} ms`;
}
