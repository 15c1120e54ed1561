// Fair under abuse (issue #13, deliver 5), bounded: the real gateway over HTTP on loopback, the real
// warehouse reader on chDB, both caches off so every request reaches the warehouse (the worst case
// for the normal client); the scenario is abuse.scenario.ts (three rounds of an idle and an abused
// phase, 20 normal requests each; the abusers run in a child process at the lowest CPU priority —
// other machines in real life — so the load generator's own CPU is not counted against the gateway).
// Asserted: the normal client never fails, the abusers are refused (429 over budget, 400 for a
// range no budget pays for), nothing answers 5xx, and the normal client's p95 under abuse stays
// within 2× its idle p95 (issue #13). Budgets: the defaults with a public deployment's time budget
// (abuseBudgets). What bounds it: clients refused for their budget yield to clients within theirs
// (refused at the door while those are active: the embedded chDB runs one bound query at a time),
// budgets checked at the door (time and cost, by a token seen before without checking its
// signature again; a client whose last request was refused half-way waits until it could pay for
// as much), refusals of a client that ignores Retry-After held for up to a second, reads booked at
// their share of the warehouse, and the fair scheduler (two warehouse slots, one per client, the
// last free one kept for a client asking a single read).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFor } from '../testing/gateway.fixture.js';
import { type ServedGateway, servedChdbGateway } from '../testing/chdb-gateway.fixture.js';
import { abuseBudgets, describeAbuse, describeBreakdown, p95, runAbuseScenario } from './abuse.scenario.js';

let gw: ServedGateway;

beforeAll(async () => {
  gw = await servedChdbGateway({ prefix: 'sp-gw-abuse-', gateway: { cache: false, responseCache: false, budgets: abuseBudgets, serverTiming: true } });
});
afterAll(async () => {
  await gw?.close();
});

describe('fair under abuse', () => {
  it("keeps a normal client's p95 within 2× idle while four abusive clients are refused (ratio printed)", { timeout: 120_000 }, async () => {
    const normal = await tokenFor({ role: 'planner', sub: 'normal' });
    const abusers = await Promise.all([1, 2, 3, 4].map((i) => tokenFor({ role: 'planner', sub: `abuser-${i}` })));
    const r = await runAbuseScenario(gw.url, normal, abusers, { rounds: Number(process.env.SP_ABUSE_ROUNDS ?? 3), perPhase: 20 });
    console.log(`[abuse] ${describeAbuse(r)}\n${describeBreakdown(r)}`);
    expect(r.errors).toEqual([]);
    expect(r.abusive.limited).toBeGreaterThan(0);
    expect(r.abusive.tooLarge).toBeGreaterThan(0);
    expect(r.abusive.other).toBe(0);
    expect(p95(r.abused) / p95(r.idle)).toBeLessThanOrEqual(2);
  });
});
