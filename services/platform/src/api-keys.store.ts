// API keys of the one-process platform: one per Amt of the feed catalogue, generated on the first
// start and kept (0600) in the data directory so the demo loader and the Ämter' tools can use them.
// The ingestion service only ever sees their hashes.
//
// In servers mode the platform runs as several replicas, each with a data directory of its own that
// a restart may empty (k8s: an emptyDir): keys and the record-key secret that the operator did not
// give are then kept in the deployment's PostgreSQL (the documents of the identity state), so every
// replica — and every restart — has the same ones; the data directory gets a copy.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DocumentStore, sharedSecret, updateDocument } from '@sp/identity';
import { generateApiKey, hashApiKey, type ApiKeyEntry } from '@sp/ingestion';

export interface PlatformKeys {
  /** Amt code → API key (secret) */
  keys: Record<string, string>;
  entries: ApiKeyEntry[];
  file: string;
}

export function loadOrCreateApiKeys(dataDir: string, amts: readonly string[]): PlatformKeys {
  const file = join(dataDir, 'api-keys.json');
  const keys = keysIn(file);
  if (addMissingKeys(keys, amts)) writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return platformKeys(keys, file);
}

const keysIn = (file: string): Record<string, string> => (existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {});

/** a key for every Amt of `amts` that has none; true when one was made */
function addMissingKeys(keys: Record<string, string>, amts: readonly string[]): boolean {
  let changed = false;
  for (const amt of amts) {
    if (!keys[amt]) {
      keys[amt] = generateApiKey(`${amt.replace(/_/g, '-')}-1`);
      changed = true;
    }
  }
  return changed;
}

function platformKeys(keys: Record<string, string>, file: string): PlatformKeys {
  const entries = Object.entries(keys).map(([amt, key]) => ({ id: key.split('_')[1]!, amt, hash: hashApiKey(key) }));
  return { keys, entries, file };
}

/**
 * Servers mode: the keys are the document `api-keys` of the deployment's database. A key file in the
 * data directory names the operator's keys (k8s: mounted from the Secret) and decides for the Ämter
 * it names, as in the embedded default; a missing Amt's key is made by the first replica to write the
 * document. The data directory gets a copy when its file lacks a key of the document — a copy, so a
 * later start still takes a new Amt's key from the document, not from this pod's file. (A read-only
 * file that lacks an Amt stops the start, as in the embedded default.)
 */
export async function loadOrCreateSharedApiKeys(documents: DocumentStore, dataDir: string, amts: readonly string[]): Promise<PlatformKeys> {
  const file = join(dataDir, 'api-keys.json');
  const given = keysIn(file);
  const keys = await updateDocument<Record<string, string>, Record<string, string>>(documents, 'api-keys', (current) => {
    const next = { ...current, ...given };
    addMissingKeys(next, amts);
    return { value: next, result: next };
  });
  if (amts.some((amt) => given[amt] !== keys[amt])) writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return platformKeys(keys, file);
}

/**
 * Servers mode: the record-key secret (the cell-key method's, docs/disclosure.md) as the document
 * `record-key-secret` of the deployment's database, the first replica's, seeded from a file an
 * earlier version kept in the data directory. One secret for every replica and every restart: two
 * would publish two perturbations of the same count, and their mean comes closer to the truth.
 */
export async function loadOrCreateSharedSecret(documents: DocumentStore, dataDir: string, name: string): Promise<string> {
  const file = join(dataDir, name);
  const before = existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
  const secret = await sharedSecret(documents, name, before || undefined);
  if (secret !== before) writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** A secret kept (0600) in the data directory: the token secret, the record-key secret. */
export function loadOrCreateSecret(dataDir: string, name = 'jwt-secret'): string {
  const file = join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = generateApiKey('jwt').slice(7);
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
