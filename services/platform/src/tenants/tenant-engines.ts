// The stores of one tenant other than the default, each its own by construction: an embedded event
// log and a PGlite database in the tenant's directory (<data>/tenants/<id>/), and a chDB warehouse
// in a child process of its own. chDB binds one data directory per process, and the default tenant's
// warehouse already holds this process's; so a tenant's warehouse runs in services/chdb-http on
// 127.0.0.1 and is reached through the ClickHouse adapter like a server. Nothing names a table,
// topic or schema of another tenant: there is no other tenant in these stores.
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openPgliteDatabase } from '@sp/database-pglite';
import { openEmbeddedEventLog } from '@sp/eventlog-embedded';
import type { Warehouse } from '@sp/ports';
import { createClickHouseWarehouse } from '@sp/warehouse-clickhouse';
import type { Engines } from '../engines.js';

/** services/chdb-http's entry, from this file in src/ or dist/ */
const chdbHttpMain = fileURLToPath(new URL('../../../chdb-http/dist/main.js', import.meta.url));

export function tenantDir(dataDir: string, id: string): string {
  return join(dataDir, 'tenants', id);
}

export interface TenantEnginesOptions {
  startTimeoutMs?: number;
  /** a new tenant's PGlite cluster is a copy of this initialised one instead of an initdb of its own */
  pgliteTemplate?: () => Promise<string>;
}

export async function openTenantEngines(dir: string, options: TenantEnginesOptions = {}): Promise<Engines> {
  mkdirSync(dir, { recursive: true });
  const postgres = join(dir, 'postgres');
  // a log laid down without its read models (a restored backup, or postgres/ or warehouse/ removed):
  // the runtime's start rebuilds them from it, as the default tenant's does (engines.ts)
  const hadDatabase = existsSync(postgres);
  const hadWarehouse = existsSync(join(dir, 'warehouse'));
  if (options.pgliteTemplate && !hadDatabase) cpSync(await options.pgliteTemplate(), postgres, { recursive: true });
  // the warehouse's child process starts while this process opens the log and PGlite (≈ 2 s saved per open)
  const [started, stores] = await Promise.allSettled([
    startWarehouseProcess(join(dir, 'warehouse'), options.startTimeoutMs ?? 60_000),
    (async () => {
      const eventLog = await openEmbeddedEventLog({ dir: join(dir, 'eventlog') });
      try {
        return { eventLog, database: await openPgliteDatabase({ dataDir: postgres }) };
      } catch (error) {
        await eventLog.close().catch(() => undefined);
        throw error;
      }
    })(),
  ]);
  if (started.status === 'rejected' || stores.status === 'rejected') {
    if (started.status === 'fulfilled') await started.value.stop();
    if (stores.status === 'fulfilled') {
      await stores.value.eventLog.close().catch(() => undefined);
      await stores.value.database.close().catch(() => undefined);
    }
    throw started.status === 'rejected' ? started.reason : (stores as PromiseRejectedResult).reason;
  }
  const warehouseProcess = started.value;
  const { eventLog, database } = stores.value;
  const warehouse = createClickHouseWarehouse({ url: warehouseProcess.url });
  const logEvents = [...eventLog.recovery.values()].reduce((n, r) => n + r.records, 0);
  return {
    eventLog,
    warehouse,
    database,
    ...(!hadDatabase && logEvents > 0 ? { repair: { reason: `there is no database (${postgres}) but the event log holds ${logEvents} events`, movedTo: null } } : {}),
    ...(!hadWarehouse && logEvents > 0 ? { warehouseRepair: { reason: `there is no warehouse (${join(dir, 'warehouse')}) but the event log holds ${logEvents} events`, movedTo: null } } : {}),
    describe: `embedded (event log, PGlite) in ${dir}, chDB in process ${warehouseProcess.child.pid}`,
    async close() {
      await eventLog.close();
      await warehouse.close();
      await database.close();
      await warehouseProcess.stop();
    },
  };
}

/**
 * An initialised, empty PGlite cluster in <data>/tenants/.template/postgres, made once (the first
 * tenant created pays its initdb, ≈ 10 s on this machine) and copied for every new tenant (≈ 0.1 s).
 * It is a cluster as initdb leaves it, before any migration: each tenant's runtime migrates its own
 * database on start as before. Made in a directory of its own and renamed into place, so a crash
 * leaves no half template; a template PGlite cannot open is remade.
 */
export class PgliteTemplate {
  private making: Promise<string> | undefined;
  constructor(private readonly dataDir: string) {}

  path(): Promise<string> {
    this.making ??= this.make().catch((error: unknown) => {
      this.making = undefined;
      throw error;
    });
    return this.making;
  }

  private async make(): Promise<string> {
    const root = join(this.dataDir, 'tenants', '.template');
    const path = join(root, 'postgres');
    if (existsSync(path)) {
      try {
        const probe = await openPgliteDatabase({ dataDir: path });
        await probe.query('SELECT 1');
        await probe.close();
        return path;
      } catch {
        rmSync(path, { recursive: true, force: true });
      }
    }
    const making = join(root, `postgres.${process.pid}.${Date.now()}`);
    mkdirSync(root, { recursive: true });
    const database = await openPgliteDatabase({ dataDir: making });
    await database.query('SELECT 1');
    await database.close();
    renameSync(making, path);
    return path;
  }
}

/**
 * A tenant's warehouse in a chdb-http process of its own, unsupervised, for an operator's command on
 * a stopped platform (`pnpm data:verify`): the ClickHouse adapter on it, and close() stops both.
 */
export async function openWarehouseProcess(path: string, timeoutMs = 60_000): Promise<Warehouse & { close(): Promise<void> }> {
  const child = await startWarehouseChild(path, 0, timeoutMs);
  const warehouse = createClickHouseWarehouse({ url: child.url });
  return {
    command: (sql, params) => warehouse.command(sql, params),
    query: (sql, params, options) => warehouse.query(sql, params, options),
    insert: (table, rows) => warehouse.insert(table, rows),
    insertFormatted: (table, insert) => warehouse.insertFormatted(table, insert),
    async close() {
      await warehouse.close();
      await child.stop();
    },
  };
}

interface WarehouseProcess {
  url: string;
  /** the chdb-http process serving the warehouse now (a new one after a restart) */
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** one chdb-http process on a tenant's warehouse directory */
interface WarehouseChild {
  url: string;
  child: ChildProcess;
  /** resolves when the process has ended, with how */
  exited: Promise<string>;
  stop(): Promise<void>;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * The tenant's warehouse process, supervised: a chdb-http that ends while the tenant is open (killed
 * by the kernel's OOM killer, a crash) is started again on the same directory and port, so the
 * tenant's warehouse client reaches it again at the same URL — after 1 s, then with a doubling
 * pause up to 30 s while starts fail. Nothing is lost meanwhile: the aggregator keeps a batch it
 * could not write in its log (a refused connection is transient) and writes it once the warehouse
 * is back; reads fail for those seconds instead of until the platform restarts. stop() ends the
 * supervision first (a pause is cut short), so a stopped warehouse stays stopped.
 */
async function startWarehouseProcess(path: string, timeoutMs: number): Promise<WarehouseProcess> {
  let current = await startWarehouseChild(path, 0, timeoutMs);
  const { url } = current;
  const port = Number(new URL(url).port);
  let stopped = false;
  let restarting: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const restart = async () => {
    for (let pauseMs = 1000; ; pauseMs = Math.min(pauseMs * 2, 30_000)) {
      await pause(pauseMs);
      if (stopped) return;
      let next: WarehouseChild;
      try {
        next = await startWarehouseChild(path, port, timeoutMs);
      } catch (error) {
        log(`[tenant] the warehouse of ${path} did not start again (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); next try in ${Math.min(pauseMs * 2, 30_000) / 1000} s`);
        continue;
      }
      current = next;
      if (stopped) return;
      log(`[tenant] the warehouse of ${path} runs again (chdb-http, pid ${next.child.pid})`);
      supervise(next);
      return;
    }
  };
  const supervise = (proc: WarehouseChild) =>
    void proc.exited.then((how) => {
      if (stopped) return;
      log(`[tenant] the warehouse of ${path} (chdb-http, pid ${proc.child.pid}) ended (${how}); starting it again on ${url}`);
      restarting = restart().finally(() => {
        restarting = undefined;
      });
    });
  supervise(current);
  return {
    url,
    get child() {
      return current.child;
    },
    async stop() {
      stopped = true;
      wake?.();
      await restarting;
      await current.stop();
    },
  };
}

async function startWarehouseChild(path: string, port: number, timeoutMs: number): Promise<WarehouseChild> {
  mkdirSync(path, { recursive: true });
  // the IPC channel ends when this process dies: chdb-http then stops, no warehouse is left behind.
  // Its own process group: a signal to the platform's group (Ctrl+C in a terminal, a service
  // manager's stop) reaches the platform only, which closes its tenants — their last statements
  // included — and then stops this child (stop() below), instead of the warehouse going first.
  const child = spawn(process.execPath, [chdbHttpMain], {
    env: { ...process.env, CHDB_HTTP_PORT: String(port), CHDB_HTTP_HOST: '127.0.0.1', CHDB_PATH: path },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: true,
  });
  let out = '';
  const exited = new Promise<string>((r) => child.once('exit', (code, signal) => r(signal ? `signal ${signal}` : `exit code ${code}`)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the tenant's warehouse (chdb-http on ${path}) did not start in ${timeoutMs} ms:\n${out}`)), timeoutMs);
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        const m = /listening on (http:\/\/[^\s]+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          child.stdout!.off('data', onData);
          child.stderr!.off('data', onData);
          resolve(m[1]!);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the tenant's warehouse (chdb-http on ${path}) exited with ${code}:\n${out}`));
      });
    });
    child.stdout!.resume();
    child.stderr!.resume();
    return { url, child, exited, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
