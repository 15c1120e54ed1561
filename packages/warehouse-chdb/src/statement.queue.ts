// The statements of one chDB session, one at a time, in two lanes. chDB runs the statements of a
// process one after the other anyway (four `SELECT sleep(0.5)` side by side take 2 s); queueing
// them here instead of in the engine lets a projection's few statements go before the readers'
// queries that wait (the `urgent` lane: its batch is what makes new figures readable at all), and
// lets a read whose caller gave up while it waited be dropped without the engine ever running it.
// The urgent lane goes first for at most `burst` statements in a row (default 3, one live batch:
// look-up, versions, cells) while normal ones wait; then one normal statement runs. Strictly first,
// a projection busy without pause (small batches back to back, two partitions) starved every read
// (the freshness bench at 10 deliveries/s: 82 GraphQL answers in 2 minutes).
// Below both, the `background` lane (the composite indices' recomputation: derived results that may
// follow a little later) runs only when no normal statement waits and the urgent lane is empty or
// has had its burst. In the normal lane, the recomputation's ≈ 30 reads at a time stood in front of
// every GraphQL read, each behind a burst of the projection: a GraphQL read waited 12–15 s at
// 10 deliveries/s (statement trace, bench/indicators/README.md). A background statement also gets a
// turn after 16 normal ones in a row, so reads that never stop cannot keep the indices from ever
// being recomputed.
// Pure code, no engine.

export type Lane = 'urgent' | 'normal' | 'background';

export class StatementQueue {
  private readonly waiting: Record<Lane, (() => void)[]> = { urgent: [], normal: [], background: [] };
  private busy = false;
  /** urgent statements started in a row while normal or background ones waited */
  private urgentInARow = 0;
  /** normal statements started in a row while background ones waited */
  private normalInARow = 0;

  /**
   * @param burst urgent statements in a row before a waiting normal or background one gets a turn
   * @param backgroundEvery normal statements in a row before a waiting background one gets a turn:
   *   a dashboard that never stops asking must not keep the composite indices from ever being recomputed
   */
  constructor(
    private readonly burst = 3,
    private readonly backgroundEvery = 16,
  ) {}

  /** how many statements wait in each lane (not counting the one running) */
  get depth(): Record<Lane, number> {
    return { urgent: this.waiting.urgent.length, normal: this.waiting.normal.length, background: this.waiting.background.length };
  }

  /**
   * Runs `start` when its turn comes: after the statement running now and every statement that
   * waits in its lane, the urgent ones before the others (at most `burst` in a row while another
   * waits), the normal ones before the background ones. Whatever `start` throws is passed on; the
   * turn goes on.
   */
  async run<R>(lane: Lane, start: () => Promise<R>): Promise<R> {
    if (this.busy) await new Promise<void>((resolve) => this.waiting[lane].push(resolve));
    else this.busy = true;
    try {
      return await start();
    } finally {
      // the turn is handed on directly, so nothing can slip in between
      const next = this.next();
      if (next) next();
      else this.busy = false;
    }
  }

  private next(): (() => void) | undefined {
    const { urgent, normal, background } = this.waiting;
    const below = normal.length + background.length;
    if (urgent.length > 0 && (below === 0 || this.urgentInARow < this.burst)) {
      if (below > 0) this.urgentInARow++;
      return urgent.shift();
    }
    this.urgentInARow = 0;
    if (normal.length > 0 && (background.length === 0 || this.normalInARow < this.backgroundEvery)) {
      if (background.length > 0) this.normalInARow++;
      return normal.shift();
    }
    this.normalInARow = 0;
    return background.shift();
  }
}
