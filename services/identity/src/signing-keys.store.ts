// The embedded provider's signing keys (ES256), kept in <data>/identity/signing-keys.json (0600).
// Rotation: a new key is made when the newest is older than the rotation period (on start, or with
// the CLI's rotate-keys); it signs from then on, and the keys it replaces stay in the JWKS until every
// token they signed has expired (retired + the longest token lifetime), then they are dropped.
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { readJson, writeJson } from './file.store.js';

export interface StoredKey {
  /** the private JWK with kid, alg and use */
  jwk: JWK;
  createdAt: string;
  /** set when a newer key took over signing */
  retiredAt?: string;
}

export interface SigningKeysOptions {
  /** days a key signs before a new one takes over (default 90) */
  rotationDays?: number;
  /** seconds a retired key stays published: at least the longest token lifetime (default 12 h) */
  retainSeconds?: number;
  now?: () => number;
}

export class SigningKeyStore {
  constructor(
    private readonly file: string,
    private readonly options: SigningKeysOptions = {},
  ) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  list(): StoredKey[] {
    return readJson<StoredKey[]>(this.file) ?? [];
  }

  /** Keys ready for use: one is made on first start, a due rotation happens, expired retired keys go. */
  async ensure(): Promise<StoredKey[]> {
    const keys = this.list();
    const rotationMs = (this.options.rotationDays ?? 90) * 86_400_000;
    const newest = keys[0];
    if (!newest || this.now() - Date.parse(newest.createdAt) >= rotationMs) return this.rotate();
    return this.prune(keys);
  }

  /** A new signing key; the current one is retired but stays published until its tokens expired. */
  async rotate(): Promise<StoredKey[]> {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'ES256', use: 'sig' };
    const at = new Date(this.now()).toISOString();
    const keys = [{ jwk, createdAt: at }, ...this.list().map((k) => (k.retiredAt ? k : { ...k, retiredAt: at }))];
    return this.prune(keys);
  }

  private prune(keys: StoredKey[]): StoredKey[] {
    const retainMs = (this.options.retainSeconds ?? 12 * 3600) * 1000;
    const kept = keys.filter((k) => !k.retiredAt || this.now() - Date.parse(k.retiredAt) < retainMs);
    writeJson(this.file, kept);
    return kept;
  }
}

/** the public halves, as a JWKS */
export function publicJwks(keys: StoredKey[]): { keys: JWK[] } {
  return { keys: keys.map(({ jwk: { d: _d, ...pub } }) => pub) };
}
