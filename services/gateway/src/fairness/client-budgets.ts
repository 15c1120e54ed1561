// Per-client budgets: how many requests a client may start, how many it may have running at once,
// how much reading work (cost = estimated cells, areas × periods, plus a fixed cost per read,
// summed over every field and alias of a request) it may ask of the warehouse, and how much
// warehouse time its reads may use, each refilled over time (token buckets). A client
// over a budget is told to come back later (429 with Retry-After) instead of taking the warehouse
// from everybody else. A client is its token's subject (or role and Amt), else its IP address.
import { z } from 'zod';

export const budgetsSchema = z.object({
  /** requests a client may start per second, sustained */
  requestsPerSecond: z.number().positive().default(50),
  /** requests a client may start at once after being idle */
  requestBurst: z.number().int().positive().default(200),
  /** requests of one client running at the same time (a browser opens up to 6 connections) */
  maxInFlight: z.number().int().positive().default(16),
  /**
   * cost a client may spend per second, sustained. Cost of a request = for each field and alias
   * that reads values: its estimated cells (areas × periods) + costPerRead. A dashboard view
   * (a choropleth, a series, a comparison) costs 200–1 000.
   */
  costPerSecond: z.number().positive().default(2_000),
  /** cost a client may spend at once after being idle; one request may not cost more */
  costBurst: z.number().int().positive().default(10_000),
  /** fixed cost of each warehouse read (a field or alias with its own arguments), beside its cells */
  costPerRead: z.number().int().min(0).default(200),
  /**
   * time (milliseconds its warehouse reads ran, plus its requests' own time in the gateway:
   * parsing, validating, executing) a client may use per second, sustained: the cost that cells
   * only estimate (an as-of read of the same cells takes several times longer). A client in debt
   * is refused at the door until it has paid off. The default (3 s per second, 120 s at once)
   * stops a client that keeps the gateway busy for minutes; it was 1 s/s, burst 10 s, until the
   * dashboard's own browser test, one person clicking through every view on a loaded machine, met
   * it ("Ähnliche Gebiete: this client is over its budget"). A public deployment sets it lower
   * (the abuse test and bench use 300 ms/s, burst 1 s).
   */
  warehouseMsPerSecond: z.number().positive().default(3_000),
  /** time a client may use at once after being idle (a dashboard session's reads) */
  warehouseMsBurst: z.number().positive().default(120_000),
  /**
   * Behind a reverse proxy every anonymous client has the proxy's address: then set this and the
   * first X-Forwarded-For address is the client's (only behind a proxy that sets it, or anyone can
   * pick a fresh budget per request).
   */
  trustForwardedFor: z.boolean().default(false),
  /**
   * warehouse reads running at once for all clients together, handed out fairly by client
   * (fair-scheduler.ts). About the engine's cores: more at once only share the same CPUs and each
   * takes longer; a ClickHouse server with many cores and replicas takes more.
   */
  concurrentReads: z.number().int().positive().default(2),
  /** warehouse reads of one client running at once; its further reads wait for its turn */
  readsPerClient: z.number().int().positive().default(1),
  /**
   * A client refused at the door that asks again before the Retry-After it was told has its next
   * refusals held this long (at most until its Retry-After, at most maxInFlight of them at once):
   * a client ignoring Retry-After then asks about once a second per connection instead of hundreds
   * of times, each costing the gateway's event loop a request (issue #13). 0: refuse at once.
   */
  holdRefusalsMs: z.number().int().min(0).default(1_000),
  /**
   * A client refused for its budget, or asking again before its Retry-After, yields for this long:
   * while another client within its budget has been let in during the last `activeWindowMs`, it
   * is refused at the door and its waiting reads do not start (it is served when the others are
   * quiet). On the embedded chDB, which runs one bound query at a time, an abuser's read in the
   * engine held up every normal read that arrived meanwhile (issue #13). 0: never yield.
   */
  yieldForMs: z.number().int().min(0).default(10_000),
  /** how recently a client within its budget must have been let in to count as active (see yieldForMs) */
  activeWindowMs: z.number().int().positive().default(2_000),
  /** clients remembered; the least recently seen are forgotten beyond this (they start full) */
  maxClients: z.number().int().positive().default(10_000),
});

export type Budgets = z.infer<typeof budgetsSchema>;
export type BudgetsInput = z.input<typeof budgetsSchema>;

/** `yielded`: refused only because the client yields to others (see yieldForMs), not for its budget */
export type Verdict = { ok: true } | { ok: false; retryAfterSeconds: number; reason: string; yielded?: true };

interface Bucket {
  tokens: number;
  at: number;
}

interface ClientState {
  requests: Bucket;
  cost: Bucket;
  /** may go below zero: a read's time is known only when it has run */
  time: Bucket;
  inFlight: number;
  /** the cost of this client's last request refused for cost: the door holds it back until it could pay that */
  wants: number;
  /** the time its last request refused for time had used (ms): the door holds it back until its balance is that */
  wantsMs: number;
  /** when the Retry-After of its last refusal ends (this.now() time) */
  refusedUntil: number;
  /** refusals of this client being held (see holdRefusalsMs) */
  held: number;
  /** until when it yields to clients within their budgets (see yieldForMs) */
  yieldUntil: number;
}

export class ClientBudgets {
  readonly budgets: Budgets;
  private readonly clients = new Map<string, ClientState>();
  /** the two clients within their budgets let in last, and when */
  private readonly active: { client: string; at: number }[] = [];

  constructor(
    input: BudgetsInput = {},
    private readonly now: () => number = Date.now,
  ) {
    this.budgets = budgetsSchema.parse(input);
  }

  /** Starts a request for `client`, or says when it may try again. Call `release` when it ends. */
  begin(client: string): Verdict & { release: () => void } {
    const state = this.state(client);
    const b = this.budgets;
    if (state.inFlight >= b.maxInFlight) {
      return { ok: false, retryAfterSeconds: 1, reason: `${state.inFlight} requests of this client are running; at most ${b.maxInFlight} at once`, release: () => undefined };
    }
    const wait = take(state.requests, 1, b.requestsPerSecond, b.requestBurst, this.now());
    if (wait > 0) return { ok: false, retryAfterSeconds: Math.ceil(wait), reason: `more than ${b.requestsPerSecond} requests per second (burst ${b.requestBurst})`, release: () => undefined };
    state.inFlight++;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        state.inFlight--;
      },
    };
  }

  /**
   * Whether `client` can pay for any read now (its warehouse time not in debt, its cost budget
   * not below one read): checked when a request arrives, so a client that has spent its budget is
   * refused before its query is even parsed — refusing a 20-alias query after validation costs
   * the gateway 10–20 ms, enough for an abuser to take the event loop from everyone.
   */
  solvent(client: string): Verdict {
    const b = this.budgets;
    const state = this.state(client);
    // like `wants` for time: a request that ran its client into debt half-way did its parsing and
    // its first reads for nothing; the next is let in when the balance could pay for as much
    const balance = refill(state.time, b.warehouseMsPerSecond, b.warehouseMsBurst, this.now());
    const neededMs = Math.min(state.wantsMs, b.warehouseMsBurst);
    if (state.wantsMs > 0 && balance < neededMs)
      return {
        ok: false,
        retryAfterSeconds: Math.ceil((neededMs - balance) / b.warehouseMsPerSecond),
        reason: `this client's reads used more than ${b.warehouseMsPerSecond} ms of warehouse time per second (burst ${b.warehouseMsBurst} ms); its last request refused for time had used ${Math.round(state.wantsMs)} ms`,
      };
    const time = this.mayRead(client);
    if (!time.ok) return time;
    const tokens = refill(state.cost, b.costPerSecond, b.costBurst, this.now());
    // a client refused for a request of cost N sends it again (abusers ignore Retry-After): without
    // this it would pass the door as soon as one read's worth was back and be refused again after
    // parsing and executing, which under abuse took the gateway's event loop from everyone
    const needed = Math.max(b.costPerRead, Math.min(state.wants, b.costBurst));
    if (tokens < needed)
      return {
        ok: false,
        retryAfterSeconds: Math.ceil((needed - tokens) / b.costPerSecond),
        reason: `this client has spent its reading budget (${b.costPerSecond} cost per second, burst ${b.costBurst})${state.wants > 0 ? `; its last request refused cost ${state.wants}` : ''}`,
      };
    const yielding = this.yielding(client);
    if (!yielding.ok) return yielding;
    state.wants = 0;
    state.wantsMs = 0;
    if (this.now() >= state.yieldUntil) this.letIn(client);
    return { ok: true };
  }

  /** Whether `client`, yielding after a refusal, must wait because another client within its budget is active. */
  yielding(client: string): Verdict {
    const b = this.budgets;
    const now = this.now();
    if (now >= this.state(client).yieldUntil) return { ok: true };
    const other = this.active.find((a) => a.client !== client);
    if (!other || now - other.at >= b.activeWindowMs) return { ok: true };
    return {
      ok: false,
      yielded: true,
      retryAfterSeconds: Math.ceil(b.activeWindowMs / 1000),
      reason: `this client ran over its budget or ignored a Retry-After in the last ${b.yieldForMs / 1000} s; it is served when the clients within their budgets are quiet`,
    };
  }

  private letIn(client: string): void {
    const at = this.now();
    const i = this.active.findIndex((a) => a.client === client);
    if (i >= 0) this.active.splice(i, 1);
    this.active.unshift({ client, at });
    this.active.length = Math.min(this.active.length, 2);
  }

  private mustYield(client: string): void {
    if (this.budgets.yieldForMs > 0) this.state(client).yieldUntil = this.now() + this.budgets.yieldForMs;
  }

  /** `client`'s request that had used `ms` was refused for time: it is held back at the door until its balance is that (see solvent). */
  refusedForTime(client: string, ms: number): void {
    this.mustYield(client);
    const state = this.state(client);
    state.wantsMs = Math.max(state.wantsMs, ms);
  }

  /** `client`'s request of `cost` was refused for cost: it is held back at the door until it could pay that (see solvent). */
  refusedFor(client: string, cost: number): void {
    this.mustYield(client);
    const state = this.state(client);
    state.wants = Math.max(state.wants, cost);
  }

  /**
   * `client` is refused with this Retry-After: how long to hold the answer (ms, 0 = at once). Held
   * only when it came back before the Retry-After of an earlier refusal, and at most maxInFlight at
   * once; `holding(client, +1 / -1)` around the wait.
   */
  refusalDelay(client: string, retryAfterSeconds: number, yielded = false): number {
    const state = this.state(client);
    const now = this.now();
    const ignored = now < state.refusedUntil;
    if (!yielded || ignored) this.mustYield(client);
    state.refusedUntil = Math.max(state.refusedUntil, now + Math.max(1, retryAfterSeconds) * 1000);
    if (!ignored || state.held >= this.budgets.maxInFlight) return 0;
    return Math.min(this.budgets.holdRefusalsMs, state.refusedUntil - now);
  }

  holding(client: string, delta: 1 | -1): void {
    this.state(client).held += delta;
  }

  /** Charges `cost` of estimated reading work to `client`, or says when it may try again. */
  charge(client: string, cost: number): Verdict {
    const b = this.budgets;
    const state = this.state(client);
    if (cost > b.costBurst) return { ok: false, retryAfterSeconds: 0, reason: `the request costs ${cost}, more than the ${b.costBurst} one client may spend at once` };
    const time = this.mayRead(client);
    if (!time.ok) return time;
    const wait = take(state.cost, cost, b.costPerSecond, b.costBurst, this.now());
    if (wait > 0) return { ok: false, retryAfterSeconds: Math.ceil(wait), reason: `more than ${b.costPerSecond} cost per second (burst ${b.costBurst}; cost = cells + ${b.costPerRead} per read)` };
    return { ok: true };
  }

  /** Whether `client` may start another read now (not in debt of warehouse time). */
  mayRead(client: string): Verdict {
    const b = this.budgets;
    const debt = refill(this.state(client).time, b.warehouseMsPerSecond, b.warehouseMsBurst, this.now());
    if (debt >= 0) return { ok: true };
    return {
      ok: false,
      retryAfterSeconds: Math.ceil(-debt / b.warehouseMsPerSecond),
      reason: `this client's reads used more than ${b.warehouseMsPerSecond} ms of warehouse time per second (burst ${b.warehouseMsBurst} ms)`,
    };
  }

  /** Books the warehouse time a read of `client` took (after it ran; the balance may go below zero). */
  spend(client: string, ms: number): void {
    const state = this.state(client);
    refill(state.time, this.budgets.warehouseMsPerSecond, this.budgets.warehouseMsBurst, this.now());
    state.time.tokens -= ms;
  }

  private state(client: string): ClientState {
    let state = this.clients.get(client);
    if (state) {
      // most recently seen last, so the first entries are the ones to forget
      this.clients.delete(client);
    } else {
      const t = this.now();
      state = {
        requests: { tokens: this.budgets.requestBurst, at: t },
        cost: { tokens: this.budgets.costBurst, at: t },
        time: { tokens: this.budgets.warehouseMsBurst, at: t },
        inFlight: 0,
        wants: 0,
        wantsMs: 0,
        refusedUntil: 0,
        held: 0,
        yieldUntil: 0,
      };
      if (this.clients.size >= this.budgets.maxClients) {
        for (const [key, s] of this.clients) {
          if (s.inFlight === 0 && s.held === 0) {
            this.clients.delete(key);
            break;
          }
        }
      }
    }
    this.clients.set(client, state);
    return state;
  }
}

/** Refills the bucket to `now` and returns its tokens (negative: a debt). */
function refill(bucket: Bucket, perSecond: number, capacity: number, now: number): number {
  bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
  bucket.at = now;
  return bucket.tokens;
}

/** Takes `n` tokens if there are; otherwise the seconds until there will be (nothing taken). */
function take(bucket: Bucket, n: number, perSecond: number, capacity: number, now: number): number {
  bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
  bucket.at = now;
  if (bucket.tokens >= n) {
    bucket.tokens -= n;
    return 0;
  }
  return (n - bucket.tokens) / perSecond;
}
