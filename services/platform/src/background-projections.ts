// The projections' consumers join their groups in the background, so the ingestion API and the
// HTTP server are ready without waiting for them (issue 14): after a crash on Kafka, a new member
// waits out the dead member's session timeout (30 s) before its group is assigned, and ingestion
// needs no consumer. A start that fails is tried again with backoff until the platform stops;
// deliveries accepted meanwhile are in the log and projected once the consumers are in.
import type { Projections } from './projections.js';

export interface BackgroundProjections {
  /** resolves with the running projections once every consumer has joined */
  readonly started: Promise<Projections>;
  /** the running projections, once every consumer has joined */
  current(): Projections | undefined;
  /** waits for the start, then for every consumer to catch up with the log */
  caughtUp(timeoutMs?: number): Promise<void>;
  /** stops the consumers, or the start still under way */
  stop(): Promise<void>;
}

export interface BackgroundOptions {
  /** first pause after a failed start; doubles up to maxBackoffMs; default 1000 */
  backoffMs?: number;
  /** default 30000 */
  maxBackoffMs?: number;
  /** where a failed start is reported; default stderr */
  report?: (line: string) => void;
}

export function startProjectionsInBackground(start: () => Promise<Projections>, options: BackgroundOptions = {}): BackgroundProjections {
  const report = options.report ?? ((line: string) => process.stderr.write(`${line}\n`));
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  let stopped = false;
  let wake: (() => void) | undefined;
  let running: Projections | undefined;

  const started = (async () => {
    let backoffMs = options.backoffMs ?? 1000;
    for (let attempt = 1; ; attempt++) {
      if (stopped) throw new Error('the platform stopped before its projections started');
      try {
        running = await start();
        if (stopped) await running.stop().catch(() => undefined);
        return running;
      } catch (error) {
        if (stopped) throw error;
        report(`[projections] start ${attempt} failed, next try in ${Math.round(backoffMs / 1000)} s: ${error instanceof Error ? error.message : String(error)}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, backoffMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        backoffMs = Math.min(backoffMs * 2, maxBackoffMs);
      }
    }
  })();
  // nobody may be waiting for the start; its failure after stop() is expected
  started.catch(() => undefined);

  return {
    started,
    current: () => running,
    async caughtUp(timeoutMs = 300_000) {
      const deadline = Date.now() + timeoutMs;
      let timer: NodeJS.Timeout | undefined;
      const projections = await Promise.race([
        started,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`the projections did not start within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]).finally(() => clearTimeout(timer));
      await projections.caughtUp(Math.max(1, deadline - Date.now()));
    },
    async stop() {
      stopped = true;
      wake?.();
      // a start under way ends with the event log's close (its subscriptions are closed with it)
      // and stops what it started itself; a running one is stopped here
      if (running) await running.stop();
    },
  };
}
