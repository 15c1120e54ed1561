// Fresh, isolated engine instances for one test file, the way testcontainers would give them:
// each call starts its own Kafka broker / PostgreSQL cluster / chDB HTTP endpoint in a new temp
// directory on free loopback ports, and everything started is torn down when the process exits.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

const cleanups = new Set<() => void>();
let exitHookInstalled = false;
function onExit(fn: () => void): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of cleanups) {
        try {
          c();
        } catch {
          /* best effort at exit */
        }
      }
    });
  }
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/** A new empty directory, deleted at process exit unless `keep`. */
export function tempDir(prefix = 'sp-test-', keep = false): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (!keep) onExit(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Binds `port` on 127.0.0.1 and closes it again: whether it was free this moment. */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolveBind) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolveBind(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolveBind(true)));
  });
}

/** The kernel's range of ephemeral ports (outgoing connections and `listen(0)` take theirs from it). */
function ephemeralPorts(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low && high) return [low, high];
  } catch {
    /* not Linux: the IANA range */
  }
  return [49152, 65535];
}

const handedOut = new Set<number>();

/**
 * A TCP port that is free on 127.0.0.1 right now, for a child process to listen on. Taken below the
 * kernel's ephemeral range: a port from `listen(0)` is free only until it is closed, and any outgoing
 * connection of the machine (a Kafka client, a pg pool) may take it as its local port before the child
 * binds it — the `EADDRINUSE` start failures seen when several test files ran at once. Ports below the
 * range are never given to outgoing connections; one process never hands out the same port twice.
 */
export async function freePort(): Promise<number> {
  const [low] = ephemeralPorts();
  const from = Math.max(10_000, low - 12_000);
  const to = low - 1;
  for (let attempt = 0; to > from && attempt < 200; attempt++) {
    const port = from + Math.floor(Math.random() * (to - from + 1));
    if (handedOut.has(port)) continue;
    handedOut.add(port); // before the await: a concurrent call must not pick it too
    if (await canBind(port)) return port;
    handedOut.delete(port);
  }
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolvePort(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * An engine run by one of the infra scripts (`SCRIPT start DIR ARGS…`, `SCRIPT stop DIR`,
 * `SCRIPT wipe DIR`) on its own data directory: what Kafka and PostgreSQL instances share.
 */
interface ScriptEngine {
  readonly dir: string;
  /** graceful stop, data kept */
  stop(): Promise<void>;
  /** start again on the same data and port */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** stop and delete the data */
  wipe(): Promise<void>;
}

/**
 * Starts `script` on `dir` and returns its controls. `killAtExit` runs synchronously at process
 * exit (no awaiting there) unless the engine was wiped before.
 */
async function scriptEngine(script: string, dir: string, startArgs: readonly string[], options: { env?: NodeJS.ProcessEnv; killAtExit: () => void }): Promise<ScriptEngine> {
  const start = async () => {
    await run(script, ['start', dir, ...startArgs], { env: options.env ?? process.env, timeout: 120_000 });
  };
  await start();
  const unregister = onExit(options.killAtExit);
  const stop = async () => {
    await run(script, ['stop', dir], { timeout: 60_000 });
  };
  return {
    dir,
    stop,
    start,
    restart: async () => {
      await stop();
      await start();
    },
    wipe: async () => {
      await run(script, ['wipe', dir], { timeout: 60_000 });
      unregister();
    },
  };
}

export interface KafkaInstance extends ScriptEngine {
  readonly brokers: string[];
}

const kafkaScript = join(repoRoot, 'infra/kafka/kafka.sh');

/** Starts a real single-node KRaft Kafka broker from the Maven Central jars. */
export async function startKafka(options: { partitions?: number } = {}): Promise<KafkaInstance> {
  const dir = tempDir('sp-kafka-', true);
  const port = await freePort();
  const ctrl = await freePort();
  const engine = await scriptEngine(kafkaScript, dir, [String(port), String(ctrl)], {
    env: { ...process.env, KAFKA_PARTITIONS: String(options.partitions ?? 4) },
    killAtExit: () => {
      // synchronous best effort: SIGKILL the broker and remove its data
      try {
        const pid = Number(readFileSync(join(dir, 'kafka.pid'), 'utf8'));
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already stopped */
      }
      rmSync(dir, { recursive: true, force: true });
    },
  });
  return { ...engine, brokers: [`127.0.0.1:${port}`] };
}

export interface PostgresInstance extends ScriptEngine {
  readonly url: string;
}

const pgScript = join(repoRoot, 'infra/postgres/pg.sh');

/** Starts a throwaway PostgreSQL cluster (Debian's postgresql package) on a free port. */
export async function startPostgres(): Promise<PostgresInstance> {
  const dir = tempDir('sp-pg-', true);
  const port = await freePort();
  const engine = await scriptEngine(pgScript, dir, [String(port)], {
    killAtExit: () => {
      try {
        execFileSync(pgScript, ['wipe', dir], { timeout: 30_000 });
      } catch {
        /* best effort */
      }
    },
  });
  return { ...engine, url: `postgres://postgres@127.0.0.1:${port}/postgres` };
}

export interface ChildService {
  readonly url: string;
  readonly process: ChildProcess;
  /** SIGTERM and wait */
  stop(): Promise<void>;
  /** SIGKILL, no cleanup: simulates a crash */
  kill(): Promise<void>;
}

/**
 * Starts a Node service from the built workspace (`dist/`) as a child process, waits until it
 * prints a line matching `ready`, and returns it. Used for the dev chDB HTTP endpoint and for
 * crash tests of services.
 */
export async function startNodeService(
  entry: string,
  options: {
    env?: Record<string, string>;
    args?: string[];
    ready: RegExp;
    timeoutMs?: number;
    url?: string;
    /** the service leads a process group of its own (with its children), as a terminal's or a service manager's job does: signalGroup() then reaches them all */
    ownGroup?: boolean;
  },
): Promise<ChildService & { output: () => string; signalGroup: (signal: NodeJS.Signals) => void }> {
  const child = spawn(process.execPath, [join(repoRoot, entry), ...(options.args ?? [])], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.ownGroup ?? false,
  });
  let out = '';
  const signalGroup = (signal: NodeJS.Signals) => process.kill(-child.pid!, signal);
  const unregister = onExit(() => (options.ownGroup ? signalGroup('SIGKILL') : child.kill('SIGKILL')));
  await new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => {
      // a start that hangs must not keep holding what it opened (a data directory's lock, a port)
      child.kill('SIGKILL');
      reject(new Error(`${entry} not ready in ${options.timeoutMs ?? 60_000} ms; its output ends:\n${out.slice(-4000)}`));
    }, options.timeoutMs ?? 60_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (options.ready.test(out)) {
        clearTimeout(timer);
        resolveReady();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code ?? child.signalCode} before ready; its output ends:\n${out.slice(-4000)}`));
    });
  });
  const waitExit = () => new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
  return {
    url: options.url ?? '',
    process: child,
    output: () => out,
    signalGroup,
    stop: async () => {
      child.kill('SIGTERM');
      await waitExit();
      unregister();
    },
    kill: async () => {
      child.kill('SIGKILL');
      await waitExit();
      unregister();
    },
  };
}

/**
 * Starts the dev-only ClickHouse HTTP endpoint over chDB (services/chdb-http) on its own data
 * directory, so `@clickhouse/client` can be tested against the real ClickHouse engine.
 */
export async function startChdbHttp(options: { configFile?: string; statementLog?: string } = {}): Promise<ChildService & { dataDir: string }> {
  const dataDir = tempDir('sp-chdb-http-');
  const port = await freePort();
  const svc = await startNodeService('services/chdb-http/dist/main.js', {
    env: {
      CHDB_HTTP_PORT: String(port),
      CHDB_HTTP_HOST: '127.0.0.1',
      CHDB_PATH: dataDir,
      ...(options.configFile ? { CHDB_CONFIG_FILE: options.configFile } : {}),
      ...(options.statementLog ? { CHDB_HTTP_STATEMENT_LOG: options.statementLog } : {}),
    },
    ready: /listening/,
    url: `http://127.0.0.1:${port}`,
  });
  return Object.assign(svc, { url: `http://127.0.0.1:${port}`, dataDir });
}

/**
 * A chDB configuration file (openChdbWarehouse's `configFile`, chdb-http's CHDB_CONFIG_FILE) with
 * the cluster `cluster` of one shard whose address is this node (its tcp_port: ClickHouse runs the
 * shard's part locally, nothing listens there), the macros and the settings profile the services
 * use on a cluster (docs/operations.md, "Clustered warehouse"): where the clustered layout's DDL
 * (@sp/indicator-store's applyClusteredMigrations) runs on a real engine.
 */
export function oneShardClusterConfig(cluster = 'sp'): string {
  const file = join(tempDir('sp-cluster-config-'), 'config.xml');
  writeFileSync(
    file,
    `<clickhouse>
  <tcp_port>9000</tcp_port>
  <macros><cluster>${cluster}</cluster><shard>01</shard><replica>r1</replica></macros>
  <remote_servers><${cluster}><shard><replica><host>127.0.0.1</host><port>9000</port></replica></shard></${cluster}></remote_servers>
  <profiles><default>
    <distributed_foreground_insert>1</distributed_foreground_insert>
    <distributed_product_mode>global</distributed_product_mode>
  </default></profiles>
</clickhouse>
`,
  );
  return file;
}

export interface KeycloakInstance {
  /** the realm's issuer, http://127.0.0.1:PORT/realms/sozialplanung */
  readonly issuer: string;
  readonly dir: string;
  /**
   * Keycloak's admin REST API (`/admin/realms/…` below the server's root) as its bootstrap admin of
   * the master realm: what a test changes in the realm (refresh-token rotation, lifespans) or reads
   * back (a user's sessions there).
   */
  admin(path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

const keycloakScript = join(repoRoot, 'infra/keycloak/keycloak.sh');

/**
 * Starts a real Keycloak (infra/keycloak/keycloak.sh: the Maven Central distribution, dev mode,
 * in-memory database) with infra/keycloak/sozialplanung-realm.json imported; its dashboard client
 * redirects to `publicUrl` and has `clientSecret`. The first start builds for minutes.
 */
export async function startKeycloak(options: { publicUrl: string; clientSecret: string }): Promise<KeycloakInstance> {
  const dir = tempDir('sp-keycloak-', true);
  const port = await freePort();
  const mgmt = await freePort();
  // a temporary admin of the master realm (Keycloak 26's bootstrap admin) for the admin REST API
  const adminPassword = randomBytes(12).toString('base64url');
  const env = {
    ...process.env,
    SP_PUBLIC_URL: options.publicUrl,
    SP_KEYCLOAK_CLIENT_SECRET: options.clientSecret,
    KC_BOOTSTRAP_ADMIN_USERNAME: 'sp-test-admin',
    KC_BOOTSTRAP_ADMIN_PASSWORD: adminPassword,
  };
  const unregister = onExit(() => {
    try {
      process.kill(Number(readFileSync(join(dir, 'keycloak.pid'), 'utf8')), 'SIGKILL');
    } catch {
      /* already stopped */
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const { stdout } = await run(keycloakScript, ['start', dir, String(port), String(mgmt)], { env, timeout: 480_000 });
  const issuer = stdout.trim().split('\n').pop()!;
  const root = issuer.replace(/\/realms\/[^/]+$/, '');
  return {
    issuer,
    dir,
    admin: async (path, init = {}) => {
      const answer = await fetch(`${root}/realms/master/protocol/openid-connect/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', username: 'sp-test-admin', password: adminPassword }),
      });
      if (!answer.ok) throw new Error(`Keycloak's admin token: ${answer.status} ${await answer.text()}`);
      const { access_token } = (await answer.json()) as { access_token: string };
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${access_token}`);
      if (init.body && !headers.has('content-type')) headers.set('content-type', 'application/json');
      return fetch(`${root}${path}`, { ...init, headers });
    },
    stop: async () => {
      await run(keycloakScript, ['wipe', dir], { timeout: 60_000 });
      unregister();
    },
  };
}
