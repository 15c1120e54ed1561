// The open tenant runtimes of a deployment: a registered tenant's runtime (its stores, projections,
// gateway; tenant-engines.ts) is opened by the first request that needs it and closed when it has been
// idle for a while or when more than a maximum are open (least recently used first). Every user of a
// runtime holds a lease: a leased runtime is never closed, and a second request for a tenant that is
// being opened waits for that one opening. docs/tenants.md ("Open on demand") says why and how.
export interface TenantLease<R> {
  runtime: R;
  /** gives the lease back (idempotent); the runtime may be closed once no lease holds it */
  release(): void;
}

export interface TenantPoolOptions<R> {
  open(id: string): Promise<R>;
  /** stops the runtime and its stores; the pool has taken it out already */
  close(id: string, runtime: R): Promise<void>;
  /** at most this many open at once; more only while more tenants than that have leases at the same time */
  maxOpen: number;
  /** a runtime unleased for this long is closed (0: never) */
  idleMs: number;
  /**
   * whether an idle runtime may close now (e.g. its projections have caught up with its log); an idle
   * close waits for it up to 4 × idleMs, an eviction at the cap does not ask
   */
  settled?(runtime: R): Promise<boolean>;
  report?(line: string): void;
  now?(): number;
}

interface Entry<R> {
  state: 'opening' | 'open' | 'closing';
  ready: Promise<R>;
  runtime?: R;
  leases: number;
  lastUsed: number;
  /** resolves when a closing runtime is closed */
  closed?: Promise<void>;
}

export class TenantPool<R> {
  private readonly entries = new Map<string, Entry<R>>();
  private readonly timer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private opened = 0;
  private closed = 0;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly options: TenantPoolOptions<R>) {
    this.now = options.now ?? Date.now;
    if (options.idleMs > 0) {
      this.timer = setInterval(() => void this.sweep(), Math.max(200, Math.min(30_000, Math.floor(options.idleMs / 4))));
      this.timer.unref();
    }
  }

  /** the runtime of a tenant, opened when it is not; the caller must release the lease */
  async acquire(id: string): Promise<TenantLease<R>> {
    for (;;) {
      if (this.stopped) throw new Error(`the deployment is closing; tenant "${id}" is not opened`);
      const entry = this.entries.get(id);
      if (entry?.state === 'closing') {
        await entry.closed;
        continue;
      }
      if (entry) return this.lease(entry);
      this.opened++;
      const opening: Entry<R> = { state: 'opening', ready: this.options.open(id), leases: 0, lastUsed: this.now() };
      this.entries.set(id, opening);
      opening.ready.then(
        (runtime) => {
          opening.state = 'open';
          opening.runtime = runtime;
        },
        () => {
          if (this.entries.get(id) === opening) this.entries.delete(id);
        },
      );
      // make room before the new one holds its memory: the least recently used unleased runtimes go
      this.evict();
      return this.lease(opening);
    }
  }

  private async lease(entry: Entry<R>): Promise<TenantLease<R>> {
    entry.leases++;
    let runtime: R;
    try {
      runtime = await entry.ready;
    } catch (error) {
      entry.leases--;
      throw error;
    }
    let released = false;
    return {
      runtime,
      release: () => {
        if (released) return;
        released = true;
        entry.leases--;
        entry.lastUsed = this.now();
        if (entry.leases === 0) this.evict();
      },
    };
  }

  /** the open runtimes (not those opening or closing) */
  open(): ReadonlyMap<string, R> {
    const open = new Map<string, R>();
    for (const [id, e] of this.entries) if (e.state === 'open' && e.runtime !== undefined) open.set(id, e.runtime);
    return open;
  }

  /** how many runtimes hold memory now: open, opening and closing */
  size(): number {
    return this.entries.size;
  }

  /** runtimes opened and closed since the pool was made */
  stats(): { opened: number; closed: number; open: number } {
    return { opened: this.opened, closed: this.closed, open: this.entries.size };
  }

  isOpen(id: string): boolean {
    return this.entries.get(id)?.state === 'open';
  }

  /** open or opening: a request to it now is served without opening anything */
  isAwake(id: string): boolean {
    const state = this.entries.get(id)?.state;
    return state === 'open' || state === 'opening';
  }

  /** closes a tenant's runtime now, leased or not (a tenant undone at creation) */
  async close(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) return;
    if (entry.state === 'closing') return entry.closed;
    await entry.ready.catch(() => undefined);
    if (this.entries.get(id) !== entry || entry.state !== 'open') return this.close(id);
    return this.startClosing(id, entry);
  }

  /** closes every runtime (the deployment stops); no new one opens */
  async closeAll(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.entries.keys()].map((id) => this.close(id)));
  }

  /** closes the least recently used unleased runtimes while more than maxOpen are open or opening */
  private evict(): void {
    let holding = [...this.entries.values()].filter((e) => e.state !== 'closing').length;
    if (holding <= this.options.maxOpen) return;
    const candidates = [...this.entries].filter(([, e]) => e.state === 'open' && e.leases === 0).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [id, entry] of candidates) {
      if (holding <= this.options.maxOpen) break;
      void this.startClosing(id, entry);
      holding--;
    }
  }

  private startClosing(id: string, entry: Entry<R>): Promise<void> {
    entry.state = 'closing';
    this.closed++;
    const runtime = entry.runtime as R;
    entry.closed = this.options
      .close(id, runtime)
      .catch((error: unknown) => this.options.report?.(`tenant ${id}: closing its runtime failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        if (this.entries.get(id) === entry) this.entries.delete(id);
      });
    return entry.closed;
  }

  /** closes runtimes unleased for idleMs whose projections have settled (after 4 × idleMs regardless) */
  private async sweep(): Promise<void> {
    if (this.sweeping || this.stopped) return;
    this.sweeping = true;
    try {
      const now = this.now();
      for (const [id, entry] of [...this.entries]) {
        if (entry.state !== 'open' || entry.leases > 0 || now - entry.lastUsed < this.options.idleMs) continue;
        const overdue = now - entry.lastUsed >= 4 * this.options.idleMs;
        const settled = overdue || !this.options.settled || (await this.options.settled(entry.runtime as R).catch(() => false));
        // a request may have come in while we asked
        if (settled && entry.state === 'open' && entry.leases === 0 && this.entries.get(id) === entry) void this.startClosing(id, entry);
      }
    } finally {
      this.sweeping = false;
    }
  }
}
