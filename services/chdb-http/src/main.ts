// DEV-ONLY — NOT FOR PRODUCTION. Entry of the chDB HTTP endpoint (see chdb-http.server.ts and
// README.md): opens the process's one chDB data directory and serves ClickHouse's HTTP interface
// on it so several local service processes can share one warehouse.
import { createWriteStream, mkdirSync } from 'node:fs';
import { z } from 'zod';
import { drainChdb, openChdbSession } from '@sp/warehouse-chdb';
import { createChdbHttpServer } from './chdb-http.server.js';

const env = z
  .object({
    CHDB_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8123),
    CHDB_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
    CHDB_PATH: z.string().min(1, 'CHDB_PATH must name the chDB data directory'),
    // a ClickHouse configuration file for the session (a test's cluster: @sp/testing's oneShardClusterConfig)
    CHDB_CONFIG_FILE: z.string().min(1).optional(),
    // a file to append one JSON line per statement to (lane, wait for its turn, engine time, its start): the freshness bench's --statement-log
    CHDB_HTTP_STATEMENT_LOG: z.string().min(1).optional(),
  })
  .parse(process.env);

mkdirSync(env.CHDB_PATH, { recursive: true });
const session = openChdbSession(env.CHDB_PATH, env.CHDB_CONFIG_FILE);
const statementLog = env.CHDB_HTTP_STATEMENT_LOG ? createWriteStream(env.CHDB_HTTP_STATEMENT_LOG, { flags: 'a' }) : undefined;
const { server, shutdown } = createChdbHttpServer({ session, ...(statementLog ? { onStatement: (s) => statementLog.write(`${JSON.stringify(s)}\n`) } : {}) });

server.listen(env.CHDB_HTTP_PORT, env.CHDB_HTTP_HOST, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : env.CHDB_HTTP_PORT;
  console.log(`chdb-http (DEV ONLY, not for production) listening on http://${env.CHDB_HTTP_HOST}:${port} data=${env.CHDB_PATH}`);
});

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`chdb-http: ${signal}, finishing running queries`);
  const force = setTimeout(() => {
    console.error('chdb-http: shutdown took longer than 10 s, exiting');
    process.exit(1);
  }, 10_000);
  force.unref();
  await shutdown();
  session.close();
  await drainChdb();
  if (statementLog) await new Promise<void>((resolve) => statementLog.end(resolve));
  console.log('chdb-http: stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
// started by a platform as a tenant's warehouse (an IPC channel): stop when that platform is gone
if (process.send) process.on('disconnect', () => void stop('parent gone'));
