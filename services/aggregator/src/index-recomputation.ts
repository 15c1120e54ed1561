// Composite indices off the hot path of the batches (issue 17.2): a live batch only notes the
// periods it touched in index_pending (in the warehouse, before its offsets are committed) and
// goes on; one loop recomputes the indices of everything due, coalescing what many batches and
// both partitions noted meanwhile into one recompute() call, then deletes what it did. A crash
// between a batch and its recomputation leaves the periods in index_pending, and the next start
// recomputes them. A recomputation that fails is retried with a growing pause (the periods stay
// due); batches are never held up by it. A period already noted and not yet picked up by the loop
// is not written again: at 10 deliveries/s small batches back to back touch the same months, and the
// note was a fourth statement in most batches (87 of 106 in the freshness bench's trace).
// The notes go through `notes` (the batches' warehouse, the projection's lane); the loop reads and
// writes through its own (embedded: the background lane, below the GraphQL reads).
import type { IndexProjector } from '@sp/indicator-store';
import type { Warehouse } from '@sp/ports';

export interface IndexRecomputationOptions {
  /** where a batch's note of due periods is written (default: the recomputation's warehouse) */
  notes?: Warehouse;
  /** told after each recomputation with the periods it covered (drop read caches) */
  recomputed?: (periods: string[], seconds: number) => Promise<void> | void;
  log?: (line: string) => void;
  now?: () => number;
  /**
   * after a recomputation, wait this long before looking for what is due again (default 0). The
   * embedded platform's one chDB engine otherwise spent the time the projection left free on
   * recomputations back to back (58 of 2 s each in a 2-minute run at 10 deliveries/s), and every
   * statement of theirs that runs is one a projection or a GraphQL read that arrives waits for.
   * What is noted meanwhile is recomputed in the next pass, together.
   */
  pauseMs?: number;
}

export class IndexRecomputation {
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private failures = 0;
  /** cuts the pause after a recomputation short (stop) */
  private wake: (() => void) | undefined;
  /** periods this process wrote to index_pending since the loop last read what is due */
  private readonly noted = new Set<string>();

  constructor(
    private readonly warehouse: Warehouse,
    private readonly indices: IndexProjector,
    private readonly options: IndexRecomputationOptions = {},
  ) {}

  /** Notes periods a batch touched as due; resolves once that is stored, not when the indices are recomputed. */
  async note(periods: readonly string[]): Promise<void> {
    if (periods.length === 0 || !this.indices.affects(periods)) return;
    // a row for it is in index_pending and the loop has not read it yet: it will recompute from
    // cells projected before that read, which include this batch's
    const fresh = [...new Set(periods)].filter((p) => !this.noted.has(p));
    if (fresh.length > 0) {
      const at = (this.options.now ?? Date.now)();
      await (this.options.notes ?? this.warehouse).insert(
        'index_pending',
        fresh.map((period) => ({ period, noted_at_ms: at })),
      );
      for (const p of fresh) this.noted.add(p);
    }
    this.kick();
  }

  /** Starts recomputing whatever is due (also what a crashed process left behind). */
  kick(): void {
    this.stopped = false;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves when nothing is due any more (for caughtUp()); rejects after `timeoutMs`. */
  async idle(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.running || (await this.due()).length > 0) {
      if (Date.now() > deadline) throw new Error(`composite indices still due after ${timeoutMs} ms`);
      if (!this.running) this.kick();
      await Promise.race([this.running, new Promise((r) => setTimeout(r, 50))]);
    }
  }

  /** Lets a recomputation in progress finish; starts no further one. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).finally(() => {
      this.wake = undefined;
    });
  }

  private async due(): Promise<{ period: string; noted_at_ms: string }[]> {
    return this.warehouse.query<{ period: string; noted_at_ms: string }>('SELECT period, max(noted_at_ms) AS noted_at_ms FROM index_pending GROUP BY period ORDER BY period');
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        // whatever is noted from here on may be missed by this read: written again
        this.noted.clear();
        const due = await this.due();
        if (due.length === 0) continue;
        const periods = due.map((d) => d.period);
        const upTo = due.reduce((m, d) => Math.max(m, Number(d.noted_at_ms)), 0);
        const started = performance.now();
        await this.indices.recompute(periods);
        // only what this pass covered: a period noted again meanwhile stays due
        await this.warehouse.command('DELETE FROM index_pending WHERE period IN {periods:Array(String)} AND noted_at_ms <= {upTo:UInt64}', { periods, upTo });
        this.failures = 0;
        await this.options.recomputed?.(periods, (performance.now() - started) / 1000);
        this.again = true; // look once more: batches may have noted periods meanwhile
        if (this.options.pauseMs && !this.stopped) await this.pause(this.options.pauseMs);
      } catch (error) {
        this.failures++;
        const pause = Math.min(30_000, 100 * 2 ** Math.min(10, this.failures - 1));
        (this.options.log ?? ((line: string) => process.stderr.write(`${line}\n`)))(
          `[indices] recomputation failed (${error instanceof Error ? error.message : String(error)}); retrying in ${pause} ms`,
        );
        await new Promise((r) => setTimeout(r, pause));
        this.again = true;
      }
    } while (this.again && !this.stopped);
  }
}
