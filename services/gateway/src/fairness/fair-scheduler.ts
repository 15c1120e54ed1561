// Warehouse reads of all clients share a few slots (`slots`, about the engine's cores: more reads at
// once only share the same CPUs and each takes longer), and one client holds at most `perClient`
// of them. A free slot goes to the waiting client with the fewest reads running, then with the
// fewest reads waiting, then with the least warehouse time used lately (read milliseconds,
// halved every `halfLifeMs`), then served longest ago: a client that sends one request at a time
// is served before one with twenty aliases queued, so a normal request waits for the shortest read
// already running, never behind another client's queue.
// The last free slot is kept for a client asking a single read (none of its reads running, no
// other waiting): clients with queues (twenty aliases, many requests at once) share the other
// slots, so a dashboard user's read starts at once instead of waiting for an abuser's read to end
// (issue #13: with both slots held by abusers a normal read waited up to 260 ms at p95).
export class FairScheduler {
  private running = 0;
  /** clients with waiting reads; each with its reads in arrival order */
  private readonly queues = new Map<string, (() => void)[]>();
  /** reads running per client */
  private readonly active = new Map<string, number>();
  /** when each client last started a read (a counter, not a clock) */
  private readonly served = new Map<string, number>();
  /** warehouse milliseconds each client used, decayed to `at` */
  private readonly usage = new Map<string, { ms: number; at: number }>();
  private turn = 0;
  private picking = false;

  constructor(
    private readonly slots: number,
    private readonly perClient: number = slots,
    private readonly halfLifeMs = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  run<T>(client: string, read: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.running++;
        this.active.set(client, (this.active.get(client) ?? 0) + 1);
        const began = this.now();
        // a read that throws at once (a request cut off while it waited) frees its slot too
        new Promise<T>((settle) => settle(read())).then(resolve, reject).finally(() => {
          this.running--;
          const t = this.now();
          this.usage.set(client, { ms: this.used(client, t) + (t - began), at: t });
          const left = this.active.get(client)! - 1;
          if (left === 0) this.active.delete(client);
          else this.active.set(client, left);
          this.next();
        });
      };
      const queue = this.queues.get(client);
      if (queue) queue.push(start);
      else this.queues.set(client, [start]);
      this.soon();
    });
  }

  /**
   * Hands out slots once the reads asked in this turn of the event loop are all queued: the
   * aliases of one request ask their reads in the same turn, and the first of twenty must not pass
   * for a single read.
   */
  private soon(): void {
    if (this.picking) return;
    this.picking = true;
    setImmediate(() => {
      this.picking = false;
      this.next();
    });
  }

  /** reads waiting for a slot, all clients together */
  get waiting(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  private next(): void {
    while (this.running < this.slots) {
      const client = this.pick();
      if (client === undefined) return;
      const queue = this.queues.get(client)!;
      const start = queue.shift()!;
      if (queue.length === 0) this.queues.delete(client);
      this.served.set(client, ++this.turn);
      // a client without reads is forgotten once there are many: it comes back as a newcomer
      if (this.served.size > 10_000) this.forgetIdle();
      start();
    }
  }

  /** the waiting client under its own limit with the fewest reads running, then the fewest waiting, then the least time used */
  private pick(): string | undefined {
    const t = this.now();
    const lastSlot = this.slots > 1 && this.running === this.slots - 1;
    let best: string | undefined;
    let bestKey: [number, number, number] = [Infinity, Infinity, Infinity];
    let bestServed = Infinity;
    for (const client of this.queues.keys()) {
      const active = this.active.get(client) ?? 0;
      if (active >= this.perClient) continue;
      const waiting = this.queues.get(client)!.length;
      if (lastSlot && (active > 0 || waiting > 1)) continue;
      const key: [number, number, number] = [active, waiting, this.used(client, t)];
      const served = this.served.get(client) ?? 0;
      if (key[0] < bestKey[0] || (key[0] === bestKey[0] && (key[1] < bestKey[1] || (key[1] === bestKey[1] && (key[2] < bestKey[2] || (key[2] === bestKey[2] && served < bestServed)))))) {
        best = client;
        bestKey = key;
        bestServed = served;
      }
    }
    return best;
  }

  private used(client: string, t: number): number {
    const u = this.usage.get(client);
    return u ? u.ms * 2 ** (-(t - u.at) / this.halfLifeMs) : 0;
  }

  private forgetIdle(): void {
    for (const c of this.served.keys()) {
      if (!this.queues.has(c) && !this.active.has(c)) {
        this.served.delete(c);
        this.usage.delete(c);
      }
    }
  }
}
