// CLI of the tenant admin API: `pnpm tenant:create --id musterstadt --name Musterstadt --reference musterstadt`
// (with `--amts amts.json`: a JSON file with the list of the tenant's own Ämter, docs/tenants.md),
// `pnpm tenant:list`, and `pnpm tenant:remove --id musterstadt --confirm musterstadt` (deletes the
// tenant's data). It only calls the running deployment's HTTP API (SP_URL, default
// http://127.0.0.1:4000) with the admin token (SP_ADMIN_TOKEN, else <SP_DATA_DIR>/admin-token).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const [command, ...rest] = process.argv.slice(2);
const { values } = parseArgs({
  args: rest,
  options: {
    id: { type: 'string' },
    name: { type: 'string' },
    kind: { type: 'string' },
    reference: { type: 'string' },
    threshold: { type: 'string' },
    attribution: { type: 'string' },
    amts: { type: 'string' },
    url: { type: 'string' },
    confirm: { type: 'string' },
  },
  strict: true,
});
const base = (values.url ?? process.env.SP_URL ?? `http://127.0.0.1:${process.env.SP_PORT ?? 4000}`).replace(/\/$/, '');
const tokenFile = join(resolve(process.env.SP_DATA_DIR ?? '.data'), 'admin-token');
const token = process.env.SP_ADMIN_TOKEN ?? (existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : undefined);
if (!token) fail(`no admin token: set SP_ADMIN_TOKEN or SP_DATA_DIR (the platform keeps it in ${tokenFile})`);

const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
let res: Response;
if (command === 'create') {
  const body = {
    id: values.id,
    name: values.name,
    reference: values.reference,
    ...(values.kind ? { kind: values.kind } : {}),
    ...(values.threshold !== undefined ? { suppressionThreshold: Number(values.threshold) } : {}),
    ...(values.attribution ? { attribution: values.attribution } : {}),
    ...(values.amts ? { amts: readAmts(values.amts) } : {}),
  };
  res = await fetch(`${base}/admin/tenants`, { method: 'POST', headers, body: JSON.stringify(body) });
} else if (command === 'list') {
  res = await fetch(`${base}/admin/tenants`, { headers });
} else if (command === 'remove' && values.id) {
  // the confirmation goes as given (none: the API answers what it wants)
  const confirm = values.confirm === undefined ? '' : `?confirm=${encodeURIComponent(values.confirm)}`;
  res = await fetch(`${base}/admin/tenants/${encodeURIComponent(values.id)}${confirm}`, { method: 'DELETE', headers });
} else {
  fail(
    'usage: tenant.main.js create --id <id> --name <Name> --reference <reference> [--kind stadt|gemeinde|kreis] [--threshold N] [--attribution …] [--amts amts.json] [--url …] | list | remove --id <id> --confirm <id>',
  );
}
const text = await res.text();
process.stdout.write(`${res.status} ${text}\n`);
process.exit(res.ok ? 0 : 1);

/** the file's list of Ämter, sent as it is: the admin API checks it and names each bad field */
function readAmts(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(resolve(file), 'utf8');
  } catch (error) {
    fail(`--amts ${file}: cannot read it (${(error as Error).message}); expected a JSON file with a list of { "code", "name", "recordTypes": [...], "datasets"?: [...] }`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    fail(`--amts ${file}: not JSON (${(error as Error).message}); expected a list of { "code", "name", "recordTypes": [...], "datasets"?: [...] }`);
  }
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}
