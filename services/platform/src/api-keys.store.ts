// API keys of the one-process platform: one per Amt of the feed catalogue, generated on the first
// start and kept (0600) in the data directory so the demo loader and the Ämter' tools can use them.
// The ingestion service only ever sees their hashes.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateApiKey, hashApiKey, type ApiKeyEntry } from '@sp/ingestion';

export interface PlatformKeys {
  /** Amt code → API key (secret) */
  keys: Record<string, string>;
  entries: ApiKeyEntry[];
  file: string;
}

export function loadOrCreateApiKeys(dataDir: string, amts: readonly string[]): PlatformKeys {
  const file = join(dataDir, 'api-keys.json');
  const keys: Record<string, string> = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
  let changed = false;
  for (const amt of amts) {
    if (!keys[amt]) {
      keys[amt] = generateApiKey(`${amt.replace(/_/g, '-')}-1`);
      changed = true;
    }
  }
  if (changed) writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  const entries = Object.entries(keys).map(([amt, key]) => ({ id: key.split('_')[1]!, amt, hash: hashApiKey(key) }));
  return { keys, entries, file };
}

/** A secret kept (0600) in the data directory: the token secret, the record-key secret. */
export function loadOrCreateSecret(dataDir: string, name = 'jwt-secret'): string {
  const file = join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = generateApiKey('jwt').slice(7);
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
