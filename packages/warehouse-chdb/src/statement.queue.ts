// The statements of one chDB session, one at a time, in two lanes. chDB runs the statements of a
// process one after the other anyway (four `SELECT sleep(0.5)` side by side take 2 s); queueing
// them here instead of in the engine lets a projection's few statements go before the readers'
// queries that wait (the `urgent` lane: its batch is what makes new figures readable at all), and
// lets a read whose caller gave up while it waited be dropped without the engine ever running it.
// Pure code, no engine.

export type Lane = 'urgent' | 'normal';

export class StatementQueue {
  private readonly waiting: Record<Lane, (() => void)[]> = { urgent: [], normal: [] };
  private busy = false;

  /** how many statements wait in each lane (not counting the one running) */
  get depth(): Record<Lane, number> {
    return { urgent: this.waiting.urgent.length, normal: this.waiting.normal.length };
  }

  /**
   * Runs `start` when its turn comes: after the statement running now and every statement that
   * waits in its lane or a more urgent one. Whatever `start` throws is passed on; the turn goes on.
   */
  async run<R>(lane: Lane, start: () => Promise<R>): Promise<R> {
    if (this.busy) await new Promise<void>((resolve) => this.waiting[lane].push(resolve));
    else this.busy = true;
    try {
      return await start();
    } finally {
      // the turn is handed on directly, so nothing can slip in between
      const next = this.waiting.urgent.shift() ?? this.waiting.normal.shift();
      if (next) next();
      else this.busy = false;
    }
  }
}
