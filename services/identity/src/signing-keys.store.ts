// The embedded provider's signing keys (ES256), the document `signing-keys` of the identity state
// (<data>/identity/signing-keys.json, 0600, in the embedded default; PostgreSQL in servers mode).
// Rotation: a new key is made when the newest is older than the rotation period (on start, or with
// the CLI's rotate-keys); it signs from then on, and the keys it replaces stay in the JWKS until every
// token they signed has expired (retired + the longest token lifetime), then they are dropped.
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { type DocumentStore, updateDocument } from './identity-state.js';

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
    private readonly documents: DocumentStore,
    private readonly options: SigningKeysOptions = {},
  ) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /** the keys as stored now, newest first */
  async list(): Promise<StoredKey[]> {
    return (await this.documents.read<StoredKey[]>('signing-keys'))?.value ?? [];
  }

  private due(keys: StoredKey[]): boolean {
    const newest = keys[0];
    return !newest || this.now() - Date.parse(newest.createdAt) >= (this.options.rotationDays ?? 90) * 86_400_000;
  }

  /**
   * Keys ready for use: one is made on first start, a due rotation happens, expired retired keys go.
   * Processes starting together rotate once: the key of the first to write is the one all use.
   */
  async ensure(): Promise<StoredKey[]> {
    const next = this.due(await this.list()) ? await newKey() : undefined;
    return this.write((keys) => (next && this.due(keys) ? this.retireFor(keys, next) : keys));
  }

  /** A new signing key; the current one is retired but stays published until its tokens expired. */
  async rotate(): Promise<StoredKey[]> {
    const next = await newKey();
    return this.write((keys) => this.retireFor(keys, next));
  }

  private retireFor(keys: StoredKey[], next: JWK): StoredKey[] {
    const at = new Date(this.now()).toISOString();
    return [{ jwk: next, createdAt: at }, ...keys.map((k) => (k.retiredAt ? k : { ...k, retiredAt: at }))];
  }

  private write(change: (keys: StoredKey[]) => StoredKey[]): Promise<StoredKey[]> {
    const retainMs = (this.options.retainSeconds ?? 12 * 3600) * 1000;
    return updateDocument<StoredKey[], StoredKey[]>(this.documents, 'signing-keys', (current) => {
      const kept = change(current ?? []).filter((k) => !k.retiredAt || this.now() - Date.parse(k.retiredAt) < retainMs);
      return { value: kept, result: kept };
    });
  }
}

async function newKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'ES256', use: 'sig' };
}

/** the public halves, as a JWKS */
export function publicJwks(keys: StoredKey[]): { keys: JWK[] } {
  return { keys: keys.map(({ jwk: { d: _d, ...pub } }) => pub) };
}
