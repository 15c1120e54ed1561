// chDB keeps one current database per session, and `USE` changes it for every query that starts
// after it. A ClickHouse server takes the database per request (?database=…), so a client of one
// tenant's database and one of another's can run side by side. The stand-in serialises the switch:
// queries for the current database run together; a query for another database waits until those
// running have finished, then the session switches and its queries run. Waiters are served in
// arrival order, so a switch is not starved by a stream of queries for the current database (they
// queue behind it). Dev-only like the rest of chdb-http: a real server has no such gate.

/** A database name the gate takes (it is written into `USE`): letters, digits and underscores. */
export const isDatabaseName = (name: string): boolean => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);

export class DatabaseGate {
  private current = 'default';
  private running = 0;
  private switching = false;
  private readonly waiting: { database: string; admit: () => void; fail: (error: unknown) => void }[] = [];

  /** `use` switches the session (e.g. runs `USE db`); it fails with the engine's error for an unknown database */
  constructor(private readonly use: (database: string) => Promise<void>) {}

  /** Runs `work` with the session's current database set to `database`. */
  async run<T>(database: string, work: () => Promise<T>): Promise<T> {
    if (!isDatabaseName(database)) throw new Error(`database name ${JSON.stringify(database)} is not accepted; use letters, digits and underscores`);
    await new Promise<void>((admit, fail) => {
      this.waiting.push({ database, admit, fail });
      this.pump();
    });
    try {
      return await work();
    } finally {
      this.running -= 1;
      this.pump();
    }
  }

  private pump(): void {
    while (!this.switching && this.waiting.length > 0) {
      const next = this.waiting[0]!;
      if (next.database === this.current) {
        this.waiting.shift();
        this.running += 1;
        next.admit();
        continue;
      }
      if (this.running > 0) return;
      this.switching = true;
      this.use(next.database).then(
        () => {
          this.switching = false;
          this.current = next.database;
          this.pump();
        },
        (error: unknown) => {
          this.switching = false;
          this.waiting.shift();
          next.fail(error);
          this.pump();
        },
      );
      return;
    }
  }
}
