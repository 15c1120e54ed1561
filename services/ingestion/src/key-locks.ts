// In-process locks per key: deliveries of one process that share a key take turns for the whole
// delivery — decide, reserve, append, record — so the same record sent five times at once is
// appended once. Across processes the advisory locks of ingest.repository.ts order the decisions,
// and a resend racing an unanswered delivery of another process may append the identical event
// twice (harmless: projections are idempotent per key@version).
export class KeyLocks {
  private readonly tails = new Map<string, Promise<void>>();

  /**
   * Waits for every key, in ascending order (no deadlock between two sets of keys); returns the
   * release. All keys of one call are held by one promise (they are released together): a promise
   * and two closures per key were ≈ 2 % of the service's thread for deliveries of 1,000 records
   * (bench/ingestion, issue 17.3, session 16).
   */
  async acquire(keys: readonly string[]): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    // no key held or waited for (the usual delivery): all are taken at once, without a wait, so
    // in any order — a caller that never waits closes no circle of waits. The set and the sort of a
    // delivery's 1,000 keys were over half of the locks' ≈ 1.4 ms per delivery (issue 17.3, session 19).
    if (!keys.some((key) => this.tails.has(key))) {
      for (const key of keys) this.tails.set(key, held);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        release();
        for (const key of keys) if (this.tails.get(key) === held) this.tails.delete(key);
      };
    }
    const sorted = [...new Set(keys)].sort();
    const tails: Promise<void>[] = [];
    for (const key of sorted) {
      const before = this.tails.get(key);
      const tail = before ? before.then(() => held) : held;
      this.tails.set(key, tail);
      tails.push(tail);
      if (before) await before;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
      for (let i = 0; i < sorted.length; i++) if (this.tails.get(sorted[i]!) === tails[i]) this.tails.delete(sorted[i]!);
    };
  }

  /** keys held or waited for (tests) */
  get size(): number {
    return this.tails.size;
  }
}
