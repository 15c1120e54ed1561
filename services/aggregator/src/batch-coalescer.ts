// Group commit for the live projection (issue 17.2): the batches the partitions' consumers hand in
// while a projection is running are projected together in the next one, so the fixed statements of
// a projection (look-up, versions, cells, the note of due indices) are paid once for all of them
// instead of once per partition and batch. A batch that finds the projection idle (no round for
// `pauseMs`) starts one at once. A busy projection pauses `pauseMs` after each round (the platform: 100 ms embedded):
// without it two partitions took turns, one batch per round, since a partition's consumer commits
// and reads on for a few ms after its round, by which time the other's batch had started alone. At
// 10 deliveries/s on two partitions the embedded platform projected ≈ 11 batches of 90 events a
// second before, their statements interleaved in the one chDB engine; with the pause ≈ 4 rounds of
// ≈ 250 events (bench/indicators/README.md, fourth pass). A round that starts at once still lets the
// current turn of the event loop end first, so that batches handed in together (Kafka's partitions
// of one fetch, consumed concurrently: SubscribeOptions.partitionsConcurrently) go in one round.
// Every caller's promise resolves only after the round that contains its batch has been projected,
// so a consumer commits its offsets only once its events are stored (crash safety unchanged). A
// round of several batches that fails is applied again batch by batch, each alone, and every caller
// gets the outcome of its own batch: a poison event of one partition must not make the batch of
// another fail (the runner would split that one down and dead-letter innocent events).
// Pure code, no engine.

interface Waiting<T> {
  item: T;
  size: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface BatchCoalescerOptions {
  /** at most this much (in the callers' units, e.g. events) in one round; a single larger item still goes alone */
  maxSize?: number;
  /**
   * an error that is no single item's fault (the engine is away: a transient error): every caller of
   * the round gets it at once, instead of each being applied alone against an engine that is not there
   */
  shared?: (error: unknown) => boolean;
  /**
   * a round starts no sooner than this after the previous one ended (default 0). An idle
   * projection still starts at once; one that runs round after round pauses this long between
   * them, so that the callers of the round just done hand in their next items (a partition's
   * consumer commits, then reads on: a few ms) and what arrives meanwhile goes in the same round.
   * Without a pause two partitions take turns, one batch per round.
   */
  pauseMs?: number;
  /** waits (tests) */
  sleep?: (ms: number) => Promise<void>;
}

export class BatchCoalescer<T> {
  private readonly waiting: Waiting<T>[] = [];
  private draining = false;
  /** performance.now() when the last round ended */
  private lastEnd = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly apply: (items: readonly T[]) => Promise<void>,
    private readonly options: BatchCoalescerOptions = {},
  ) {}

  /** how many items wait for the next round (not counting the round running) */
  get depth(): number {
    return this.waiting.length;
  }

  /**
   * Resolves once `item` has been applied (in a round with the items that waited beside it, or
   * alone after such a round failed); rejects with the error it fails with alone.
   */
  submit(item: T, size = 1): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ item, size, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.waiting.length > 0) {
        const wait = this.lastEnd + (this.options.pauseMs ?? 0) - performance.now();
        if (wait > 0) await (this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))))(wait);
        // the batches handed in at the same moment go in together: Kafka hands the partitions of
        // one fetch to their handlers one after another in the same turn of the event loop (the
        // partitions' decoding runs in between), so a round taken at once held only the first
        // (servers mode: 710 projections of one partition's batch in 2 minutes, session 11)
        else await new Promise<void>((r) => setImmediate(r));
        const round = this.take();
        try {
          await this.apply(round.map((w) => w.item));
          for (const w of round) w.resolve();
        } catch (error) {
          if (round.length === 1 || this.options.shared?.(error)) {
            for (const w of round) w.reject(error);
            continue;
          }
          // whose fault was it: each alone, in the order they came
          for (const w of round) {
            try {
              await this.apply([w.item]);
              w.resolve();
            } catch (alone) {
              w.reject(alone);
            }
          }
        } finally {
          this.lastEnd = performance.now();
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /** the next round: the oldest item, and those after it while they fit in maxSize */
  private take(): Waiting<T>[] {
    const max = this.options.maxSize ?? Number.POSITIVE_INFINITY;
    let size = this.waiting[0]!.size;
    let n = 1;
    while (n < this.waiting.length && size + this.waiting[n]!.size <= max) size += this.waiting[n++]!.size;
    return this.waiting.splice(0, n);
  }
}
