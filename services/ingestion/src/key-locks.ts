// In-process locks per key: deliveries of one process that share a key take turns for the whole
// delivery — decide, reserve, append, record — so the same record sent five times at once is
// appended once. Across processes the advisory locks of ingest.repository.ts order the decisions,
// and a resend racing an unanswered delivery of another process may append the identical event
// twice (harmless: projections are idempotent per key@version).
export class KeyLocks {
  private readonly tails = new Map<string, Promise<void>>();

  /** Waits for every key, in ascending order (no deadlock between two sets of keys); returns the release. */
  async acquire(keys: readonly string[]): Promise<() => void> {
    const releases: (() => void)[] = [];
    for (const key of [...new Set(keys)].sort()) {
      const before = this.tails.get(key);
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const tail = before ? before.then(() => held) : held;
      this.tails.set(key, tail);
      releases.push(() => {
        release();
        if (this.tails.get(key) === tail) this.tails.delete(key);
      });
      if (before) await before;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const r of releases) r();
    };
  }

  /** keys held or waited for (tests) */
  get size(): number {
    return this.tails.size;
  }
}
