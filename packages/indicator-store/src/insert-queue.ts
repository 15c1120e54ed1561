// The inserts of a rebuild's blocks, one after another in the order they were handed over, while
// the caller builds the next block. A rebuild reads the partitions side by side, so two
// partitions' batches can hand over a block at the same time; the queue is extended before
// anything is awaited, so no insert is left out of what drained() waits for, and a later block
// never lands before an earlier one (rows of equal version: the one inserted last wins).

export class InsertQueue {
  private last: Promise<void> = Promise.resolve();
  private error: { cause: unknown } | undefined;

  /** the first insert that failed; every insert after it is skipped */
  get failure(): { cause: unknown } | undefined {
    return this.error;
  }

  /**
   * Queues `insert` after every insert queued before it. Resolves when the insert before it has
   * landed (one insert in flight while the next block is built); throws the first failure.
   */
  async push(insert: () => Promise<void>): Promise<void> {
    const previous = this.last;
    this.last = previous.then(async () => {
      if (this.error) return;
      try {
        await insert();
      } catch (cause) {
        this.error ??= { cause };
      }
    });
    await previous;
    if (this.error) throw this.error.cause;
  }

  /** Resolves when every queued insert has landed, also those queued while it waited; throws the first failure. */
  async drained(): Promise<void> {
    let last: Promise<void>;
    do {
      last = this.last;
      await last;
    } while (last !== this.last);
    if (this.error) throw this.error.cause;
  }
}
