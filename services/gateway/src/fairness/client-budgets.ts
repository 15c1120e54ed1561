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
  /** clients remembered; the least recently seen are forgotten beyond this (they start full) */
  maxClients: z.number().int().positive().default(10_000),
});

export type Budgets = z.infer<typeof budgetsSchema>;
export type BudgetsInput = z.input<typeof budgetsSchema>;

export type Verdict = { ok: true } | { ok: false; retryAfterSeconds: number; reason: string };

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
}

export class ClientBudgets {
  readonly budgets: Budgets;
  private readonly clients = new Map<string, ClientState>();

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
    const time = this.mayRead(client);
    if (!time.ok) return time;
    const tokens = refill(this.state(client).cost, b.costPerSecond, b.costBurst, this.now());
    if (tokens < b.costPerRead)
      return {
        ok: false,
        retryAfterSeconds: Math.ceil((b.costPerRead - tokens) / b.costPerSecond),
        reason: `this client has spent its reading budget (${b.costPerSecond} cost per second, burst ${b.costBurst})`,
      };
    return { ok: true };
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
      state = { requests: { tokens: this.budgets.requestBurst, at: t }, cost: { tokens: this.budgets.costBurst, at: t }, time: { tokens: this.budgets.warehouseMsBurst, at: t }, inFlight: 0 };
      if (this.clients.size >= this.budgets.maxClients) {
        for (const [key, s] of this.clients) {
          if (s.inFlight === 0) {
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
