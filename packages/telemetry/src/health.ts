// Liveness and readiness of a service (issue 21). Liveness says the process answers; readiness asks
// each dependency (event log, database, warehouse) through its port, each with a deadline, and
// names the ones that do not answer. A load balancer or Kubernetes sends traffic only while ready;
// the service itself keeps running and answers deliveries with 503 meanwhile (it never exits
// because a dependency restarts, STYLE.md 15).
import type { Database, EventLog, TopicSpec, Warehouse } from '@sp/ports';

/** a probe of one dependency: resolves when the dependency answers, rejects (or hangs) when not */
export type HealthCheck = () => Promise<void>;

export interface DependencyState {
  state: 'up' | 'down';
  /** how long the probe took (the deadline when it timed out) */
  ms: number;
  /** why it is down: the port's error or "no answer within … ms" */
  error?: string;
}

export interface Readiness {
  status: 'ready' | 'not-ready';
  service: string;
  /** the dependencies that are down, by name */
  down: string[];
  checks: Record<string, DependencyState>;
  /** facts that do not decide readiness (e.g. whether the projections' consumers have joined) */
  info?: Record<string, unknown>;
}

export interface HealthOptions {
  service: string;
  checks: Record<string, HealthCheck>;
  /** a probe without an answer within this is reported down; default 2000 */
  timeoutMs?: number;
  info?: () => Record<string, unknown>;
}

export class Health {
  private readonly timeoutMs: number;

  constructor(private readonly options: HealthOptions) {
    this.timeoutMs = options.timeoutMs ?? 2000;
  }

  get service(): string {
    return this.options.service;
  }

  /** every probe at once, each bounded by the deadline */
  async readiness(): Promise<Readiness> {
    const names = Object.keys(this.options.checks);
    const states = await Promise.all(names.map((name) => this.probe(this.options.checks[name]!)));
    const checks: Record<string, DependencyState> = {};
    names.forEach((name, i) => {
      checks[name] = states[i]!;
    });
    const down = names.filter((name) => checks[name]!.state === 'down');
    const info = this.options.info?.();
    return { status: down.length ? 'not-ready' : 'ready', service: this.options.service, down, checks, ...(info ? { info } : {}) };
  }

  private async probe(check: HealthCheck): Promise<DependencyState> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        check(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
        }),
      ]);
      return { state: 'up', ms: Math.round(performance.now() - started) };
    } catch (error) {
      return { state: 'down', ms: Math.round(performance.now() - started), error: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** the database answers a query */
export function databaseCheck(database: Database): HealthCheck {
  return async () => {
    await database.query('SELECT 1');
  };
}

/** the warehouse answers a query */
export function warehouseCheck(warehouse: Warehouse): HealthCheck {
  return async () => {
    await warehouse.query('SELECT 1');
  };
}

/**
 * the event log answers for one of the service's topics (its end offsets). The topic is created
 * first if need be (idempotent, once), so the probe works before the first delivery.
 */
export function eventLogCheck(eventLog: EventLog, topic: TopicSpec): HealthCheck {
  let ensured = false;
  return async () => {
    if (!ensured) {
      await eventLog.ensureTopics([topic]);
      ensured = true;
    }
    await eventLog.endOffsets(topic.name);
  };
}
