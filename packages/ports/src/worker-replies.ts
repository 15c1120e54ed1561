// Requests to a worker thread (node:worker_threads) and its replies matched to them by id, for the
// services that move work off their thread (exported as @sp/ports/worker-replies; the ingestion's
// delivery readers and the aggregator's rebuild decoder use it). The worker answers each request with
// one message that carries the request's id, in any order. Idle, the worker does not keep the process
// alive; with a request in hand it does (an answer is awaited). When the worker fails (an error it
// did not catch, or it exits), every request in hand is rejected with that failure and later ones
// are refused. Pure code, no engine.
import type { TransferListItem, Worker } from 'node:worker_threads';

interface Pending<Reply> {
  resolve: (reply: Reply) => void;
  reject: (error: unknown) => void;
}

export class WorkerReplies<Reply extends { id: number }> {
  readonly worker: Worker;
  private readonly pending = new Map<number, Pending<Reply>>();
  private nextId = 0;
  private failed: unknown;
  private answeredOnce = false;

  /** `name` names the worker in the failure when it exits: "`name` exited (code N)". */
  constructor(worker: Worker, name: string) {
    this.worker = worker;
    worker.on('message', (reply: Reply) => {
      this.answeredOnce = true;
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      p?.resolve(reply);
    });
    const fail = (error: unknown) => {
      this.failed ??= error;
      for (const p of this.pending.values()) p.reject(this.failed);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`${name} exited (code ${code})`)));
    // after the listeners: a 'message' listener takes a reference of its own, which would keep an
    // idle worker that never answered holding the process
    worker.unref();
  }

  /** why the worker takes no more requests (it failed, or was terminated with a reason); undefined while it does */
  get failure(): unknown {
    return this.failed;
  }

  /** the requests awaiting their reply */
  get inHand(): number {
    return this.pending.size;
  }

  /** it has replied once: it started */
  get answered(): boolean {
    return this.answeredOnce;
  }

  /**
   * Posts the message made with the request's id (its `transfer` moved, not copied) and resolves
   * with the reply of that id; rejected at once when the worker failed.
   */
  request<Message>(message: (id: number) => Message, transfer: readonly TransferListItem[] = []): Promise<Reply> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    const id = this.nextId++;
    const posted = message(id);
    return new Promise<Reply>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref(); // an answer is awaited: the process waits for it
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(posted, transfer);
    });
  }

  /** Posts a message that gets no reply (e.g. state the worker holds for the next requests). */
  post(message: unknown, transfer: readonly TransferListItem[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  /**
   * Ends the worker; the requests in hand are rejected with `reason` when given (else with its
   * exit), and so are later ones.
   */
  async terminate(reason?: unknown): Promise<void> {
    if (reason !== undefined) this.failed ??= reason;
    await this.worker.terminate();
  }
}
