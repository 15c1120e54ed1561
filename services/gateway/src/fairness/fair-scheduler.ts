// Warehouse reads of all clients share a few slots, handed out round-robin by client: a client with
// a hundred reads waiting gets one slot in turn like a client with one, so a normal request waits
// for at most the reads already running, never behind another client's queue.
export class FairScheduler {
  private running = 0;
  /** clients with waiting reads, in turn order; each with its reads in arrival order */
  private readonly queues = new Map<string, (() => void)[]>();

  constructor(private readonly slots: number) {}

  run<T>(client: string, read: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.running++;
        // a read that throws at once (a request cut off while it waited) frees its slot too
        new Promise<T>((settle) => settle(read())).then(resolve, reject).finally(() => {
          this.running--;
          this.next();
        });
      };
      const queue = this.queues.get(client);
      if (queue) queue.push(start);
      else this.queues.set(client, [start]);
      this.next();
    });
  }

  private next(): void {
    while (this.running < this.slots && this.queues.size > 0) {
      const [client, queue] = this.queues.entries().next().value as [string, (() => void)[]];
      const start = queue.shift()!;
      // the client goes to the back of the turn order
      this.queues.delete(client);
      if (queue.length > 0) this.queues.set(client, queue);
      start();
    }
  }
}
