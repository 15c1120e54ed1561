// Composite indices off the hot path of the batches (issue 17.2): a live batch only notes the
// periods it touched in index_pending (in the warehouse, before its offsets are committed) and
// goes on; one loop recomputes the indices of everything due, coalescing what many batches and
// both partitions noted meanwhile into one recompute() call, then deletes what it did. A crash
// between a batch and its recomputation leaves the periods in index_pending, and the next start
// recomputes them. A recomputation that fails is retried with a growing pause (the periods stay
// due); batches are never held up by it. A period already noted and not yet picked up by the loop
// is not written again: at 10 deliveries/s small batches back to back touch the same months, and the
// note was a fourth statement in most batches (87 of 106 in the freshness bench's trace). That is
// safe only while the row stays until a read issued after the skipping batch: a pass deletes only
// rows noted before it issued its read (not those noted while its read ran, which it may or may
// not have seen: the next pass reads them again), and a period counts as noted only until the loop
// issues its next read. (Until issue 17.5 a pass deleted up to the newest row it read, and the note
// counted from when its insert returned: a row a pass read and deleted could still stand for a
// later batch's cells, which were then missed — most likely why a two-process bench run ended 47
// index rows short.)
// The notes go through `notes` (the batches' warehouse, the projection's lane); the loop reads and
// writes through its own (embedded: the background lane, below the GraphQL reads).
//
// Several aggregator processes in one consumer group (issue 17.5) share one index_pending; only one
// of them recomputes (`role`: the member holding partition 0 of the aggregator's topic) — with
// every member recomputing the whole queue, two members did the same work twice. The others only
// note; their notes do not reach the owner's loop, so the owner also looks at index_pending every
// `pollMs`, and after each pass that left a backlog at its newest note (whether the others still
// note: the pause and the growth of the passes, `pauseMs`, `maxPassPeriods`). A member that
// becomes the owner (a rebalance, the owner stopped or crashed) starts the loop within `pollMs`
// and recomputes whatever is due, as does an owner the other members left. A process alone in its
// group (the embedded default) does not poll: it recomputes on its own notes, as before. Two
// processes may both recompute for a moment (one expelled from the group without noticing yet); a
// recomputation is idempotent, so that costs work, not correctness.
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
   * whether this process recomputes, asked on every note and every `pollMs`: 'alone' (no other
   * member notes: recompute on its own notes only), 'owner' (others note too: also look at
   * index_pending every `pollMs`), 'member' (only note; the owner recomputes). Default 'alone'.
   */
  role?: () => RecomputationRole;
  /** how often the owner looks for periods other members noted, and a member whether it became the owner (default 1000 ms) */
  pollMs?: number;
  /**
   * after a recomputation, wait this long before looking for what is due again (default 0). The
   * embedded platform's one chDB engine otherwise spent the time the projection left free on
   * recomputations back to back (58 of 2 s each in a 2-minute run at 10 deliveries/s), and every
   * statement of theirs that runs is one a projection or a GraphQL read that arrives waits for.
   * What is noted meanwhile is recomputed in the next pass, together. Not taken while a bounded
   * pass (`passPeriods`) left periods due and no batch noted anything during it — the owner of a
   * group also asks index_pending whether another member noted since the second before the pass's
   * read: a backlog nobody adds to — a first load, a reference or definition delivered, what two
   * members projected from a backlog — has nothing to gather and no projection to let through, and
   * is worked off pass after pass (the servers-mode Köln demo's first start waited 71 s for 30-odd
   * passes of 0.5 s, each followed by 2 s of pause; two members' 1 M-event backlog had its indices
   * 69 s after its last offset, one process 16.5 s: bench/indicators/README.md §5, session 21).
   */
  pauseMs?: number;
  /**
   * at most this many due periods per pass (default: all that are due), the longest-waiting first;
   * the rest stay due in index_pending for the next pass. Each of a pass's statements reads the
   * inputs of every year its periods make due, and chDB runs one statement at a time: a pass over
   * everything due grew with what was due (1.1 → 4.0 s in the freshness bench) and a projection or
   * a GraphQL read that arrived waited behind its statements. Bounded passes keep them short.
   */
  passPeriods?: number;
  /**
   * while a backlog is worked off that no batch adds to (a first load, a backlog after a restart,
   * a tenant's history) — no batch of this process noted anything during the last pass nor in the
   * second before its end, nor (the owner of a group) another member since the second before its
   * read — each pass takes twice as many due periods as the one before, up to this many; a pass
   * during which a batch noted anything puts it back to `passPeriods` (default: `passPeriods`, no
   * growth). Two periods a pass kept each statement short beside live batches,
   * but worked a 1 M-event backlog's indices off in 5,161 passes, 583 s after its last event was
   * projected (bench/indicators/README.md §5, session 20); one pass over every year takes about a
   * second (the rebuild's). The second without notes: at a live rate a batch notes every few
   * hundred ms, but not during every short pass, and without it passes grew there too (§1,
   * session 20's fifteenth pass).
   */
  maxPassPeriods?: number;
  /**
   * the rows of index_pending a pass recomputed are left out of what is due at once and deleted at
   * most this often (default 10,000 ms), and when nothing is due any more or the loop stops
   */
  deleteEveryMs?: number;
}

export type RecomputationRole = 'alone' | 'owner' | 'member';

/** how long no batch may have noted anything before a backlog's passes grow (maxPassPeriods) */
const quietGrowthMs = 1000;

export class IndexRecomputation {
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private failures = 0;
  /**
   * periods this process wrote to index_pending, with the count of reads the loop had issued when
   * the row's time was taken: the row stands for a later batch only while no read was issued since
   * (and while a read of its own loop is sure to follow: cleared when none is, a member's loop does
   * not run)
   */
  private readonly noted = new Map<string, number>();
  /** reads of index_pending this process's loop has issued */
  private reads = 0;
  /** note() calls with periods so far: whether batches noted anything while a pass ran */
  private notes = 0;
  /** when the last of them was made (performance.now()) */
  private lastNoteAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  /** the role at the last poll: a member that became the owner, or an owner left alone, looks once */
  private lastRole: RecomputationRole | undefined;
  /** per period recomputed by this process: its rows in index_pending noted before this time are done, not deleted yet */
  private readonly done = new Map<string, number>();
  private lastFlush = performance.now();
  /** what the last delete that did not wait for its mutation covered (left in `done` until the next) */
  private deleting = new Map<string, number>();
  /** due periods the next pass takes (passPeriods, grown by maxPassPeriods' rule) */
  private passSize: number | undefined;
  /** cuts the pause after a recomputation short (stop) */
  private wake: (() => void) | undefined;

  constructor(
    private readonly warehouse: Warehouse,
    private readonly indices: IndexProjector,
    private readonly options: IndexRecomputationOptions = {},
  ) {}

  /** Notes periods a batch touched as due; resolves once that is stored, not when the indices are recomputed. */
  async note(periods: readonly string[]): Promise<void> {
    if (periods.length === 0) return;
    this.notes++;
    this.lastNoteAt = performance.now();
    if (!this.indices.affects(periods)) return;
    // a row for it is in index_pending and the loop has not read it yet: it will recompute from
    // cells projected before that read, which include this batch's
    const unique = [...new Set(periods)];
    const fresh = unique.filter((p) => this.noted.get(p) !== this.reads);
    if (fresh.length > 0) {
      const reads = this.reads; // with the rows' time, before anything is awaited
      await this.write(fresh);
      for (const p of fresh) this.noted.set(p, reads);
    }
    if (!this.kick()) {
      // a member's loop does not run: no read of its own follows, so a member notes every period
      // every time (the owner reads and deletes the rows; one it read before this batch's cells
      // may be gone) — also those skipped just now if this process lost the recomputation meanwhile
      this.noted.clear();
      const skipped = unique.filter((p) => !fresh.includes(p));
      if (skipped.length > 0) await this.write(skipped);
    }
  }

  private async write(periods: readonly string[]): Promise<void> {
    const at = (this.options.now ?? Date.now)();
    await (this.options.notes ?? this.warehouse).insert(
      'index_pending',
      periods.map((period) => ({ period, noted_at_ms: at })),
    );
  }

  /**
   * Starts recomputing whatever is due (also what a crashed process left behind), unless this
   * process is a member that does not own the recomputation. True when a read of index_pending by
   * this process's loop will follow.
   */
  kick(): boolean {
    this.stopped = false;
    // a loop still running finishes its pass and ends (below); the owner covers what is due
    if (this.role() === 'member') return false;
    if (this.running) {
      this.again = true;
      return true;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
    return true;
  }

  /**
   * Follows the group from now on: recomputes what is due if this process owns the recomputation,
   * and every `pollMs` looks whether it became the owner, and as the owner of a group with other
   * members what they noted.
   */
  follow(): void {
    this.lastRole = this.role();
    this.kick();
    if (this.timer) return;
    this.timer = setInterval(() => this.poll(), this.options.pollMs ?? 1000);
    this.timer.unref();
  }

  private poll(): void {
    const role = this.role();
    // became the owner, or the other members left: what they noted last is due with no note to come
    const changed = role !== this.lastRole;
    this.lastRole = role;
    if (role === 'owner' || (changed && role === 'alone')) this.kick();
  }

  /**
   * Resolves when nothing is due any more (for caughtUp()); rejects after `timeoutMs`. On a member
   * that does not own the recomputation: when the owner recomputed what is due.
   */
  async idle(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.running || (await this.due()).length > 0) {
      if (Date.now() > deadline) throw new Error(`composite indices still due after ${timeoutMs} ms${this.role() === 'member' ? ' (recomputed by the member of the group holding partition 0)' : ''}`);
      if (!this.running) this.kick();
      await Promise.race([this.running, new Promise((r) => setTimeout(r, 50))]);
    }
  }

  /** Lets a recomputation in progress finish; starts no further one, and stops following the group. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    this.wake?.();
    await this.running;
    // what this process recomputed leaves index_pending (not deleting it costs a recomputation, not correctness)
    await this.flush(true).catch((error) =>
      (this.options.log ?? ((line: string) => process.stderr.write(`${line}\n`)))(`[indices] could not delete recomputed periods (${error instanceof Error ? error.message : String(error)})`),
    );
  }

  private role(): RecomputationRole {
    return this.options.role?.() ?? 'alone';
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

  /**
   * what is due, the longest-waiting period first (at most `limit` periods): the rows of
   * index_pending this process has not recomputed yet (`done`; the rows it did are deleted later)
   */
  private async due(limit?: number): Promise<string[]> {
    const done = [...this.done];
    const rows = await this.warehouse.query<{ period: string }>(
      `SELECT period, min(noted_at_ms) AS since FROM index_pending WHERE noted_at_ms >= transform(period, {done:Array(String)}, {doneBefore:Array(UInt64)}, toUInt64(0)) GROUP BY period ORDER BY since, period${limit ? ' LIMIT {limit:UInt32}' : ''}`,
      { done: done.map(([period]) => period), doneBefore: done.map(([, before]) => before), ...(limit ? { limit } : {}) },
    );
    return rows.map((r) => r.period);
  }

  /**
   * When the latest note in index_pending was made (ms, the noting process's clock; 0 for none).
   * Rows a pass covered stay until a delete after it, and a note made during a pass is due for the
   * next one, so what was noted since a pass's read is there when the pass ends.
   */
  private async newestNote(): Promise<number> {
    const [row] = await this.warehouse.query<{ newest: string }>('SELECT max(noted_at_ms) AS newest FROM index_pending');
    return Number(row?.newest ?? 0);
  }

  /**
   * Deletes the rows this process recomputed (those in `done`) from index_pending. A lightweight
   * delete is a mutation of the table's parts (164 → 341 ms in a 5-minute servers-mode bench run,
   * one per pass); one every `deleteEveryMs` instead, and when nothing is due any more. In the loop
   * it does not wait for its mutation (`lightweight_deletes_sync = 0`): waiting, it held the
   * warehouse's one statement at a time for 244–451 ms (chDB, chdb-http) while the mutation waited
   * for the merges of the live tables, and every live batch that came meanwhile waited behind it.
   * Until the mutation is applied its rows are still there, so their periods stay in `done` (left
   * out of what is due) until the next delete, issued `deleteEveryMs` later; a row the mutation has
   * still not removed by then is due again and recomputed once more (idempotent: work, not
   * correctness). At `stop()` (`wait`) the delete waits for its mutation, and all of `done` goes.
   */
  private async flush(wait = false): Promise<void> {
    if (this.done.size === 0) return;
    const done = [...this.done];
    await this.warehouse.command(
      `DELETE FROM index_pending WHERE noted_at_ms < transform(period, {done:Array(String)}, {doneBefore:Array(UInt64)}, toUInt64(0))${wait ? '' : ' SETTINGS lightweight_deletes_sync = 0'}`,
      {
        done: done.map(([period]) => period),
        doneBefore: done.map(([, before]) => before),
      },
    );
    // what the delete before this one covered (and nothing recomputed since) has gone by now
    const covered = wait ? new Map(done) : this.deleting;
    for (const [period, before] of covered) if (this.done.get(period) === before) this.done.delete(period);
    this.deleting = wait ? new Map() : new Map(done);
    this.lastFlush = performance.now();
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        // what was noted before this read may have been read and deleted by it: written again
        this.noted.clear();
        this.reads++;
        const before = (this.options.now ?? Date.now)();
        const notes = this.notes;
        const limit = this.options.passPeriods ? (this.passSize ??= this.options.passPeriods) : undefined;
        // one more than a pass takes: whether a backlog is left after it
        const due = await this.due(limit ? limit + 1 : undefined);
        if (due.length === 0) {
          await this.flush();
          continue;
        }
        const backlog = !!limit && due.length > limit;
        // one pass recomputes its periods in their order (the years of a pass are computed together)
        const periods = (backlog ? due.slice(0, limit) : due).sort();
        const started = performance.now();
        await this.indices.recompute(periods);
        // the owner of a group with a backlog left: whether the other members noted nothing since
        // the second before this pass's read (their notes reach this process only through
        // index_pending, where they stay until a pass after them; asked before this pass's rows
        // are marked done and deleted). Without a backlog nothing below asks it.
        const othersQuiet = !backlog || this.role() !== 'owner' || (await this.newestNote()) < before - quietGrowthMs;
        // only what this pass covered: rows noted before its read was issued (their batches' cells
        // were written before, so the recomputation read them); a row noted while the read ran
        // stays due, whether or not the read saw it, and the next pass recomputes it; so do the
        // periods a bounded pass did not take (`passPeriods`). Those rows count as deleted from
        // now on (`done`, which due() leaves out) and are deleted in one statement later: a crash
        // before that leaves them due, and the next start recomputes them, as the owner does that
        // takes over from this process (a recomputation is idempotent)
        for (const period of periods) this.done.set(period, Math.max(before, this.done.get(period) ?? 0));
        if (performance.now() - this.lastFlush >= (this.options.deleteEveryMs ?? 10_000)) await this.flush();
        this.failures = 0;
        await this.options.recomputed?.(periods, (performance.now() - started) / 1000);
        this.again = true; // look once more: batches may have noted periods meanwhile
        // a backlog none of this process's batches added to during the pass, nor another member's
        const quiet = backlog && this.notes === notes && othersQuiet;
        // …nor for a second: the next pass takes more (maxPassPeriods)
        const idle = quiet && performance.now() - this.lastNoteAt >= quietGrowthMs;
        if (limit) this.passSize = idle ? Math.max(limit, Math.min(2 * limit, this.options.maxPassPeriods ?? limit)) : this.options.passPeriods;
        // no pause while a backlog is worked off that no batch adds to (pauseMs): no batch to let through
        if (this.options.pauseMs && !this.stopped && !quiet) await this.pause(this.options.pauseMs);
      } catch (error) {
        this.failures++;
        const pause = Math.min(30_000, 100 * 2 ** Math.min(10, this.failures - 1));
        (this.options.log ?? ((line: string) => process.stderr.write(`${line}\n`)))(
          `[indices] recomputation failed (${error instanceof Error ? error.message : String(error)}); retrying in ${pause} ms`,
        );
        await new Promise((r) => setTimeout(r, pause));
        this.again = true;
      }
      // a member that lost the recomputation to another (a rebalance) leaves what is due to it
    } while (this.again && !this.stopped && this.role() !== 'member');
    // what was noted since the last read no longer stands for a read to come (the new owner may
    // have deleted its rows before a later batch of this process): noted again next time
    this.noted.clear();
  }
}
