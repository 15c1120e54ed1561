// The embedded provider's signing keys (ES256), the document `signing-keys` of the identity state
// (<data>/identity/signing-keys.json, 0600, in the embedded default; PostgreSQL in servers mode).
// Rotation: a new key is made when the newest is older than the rotation period (checked on start and
// then periodically by the running platform, identity.ts), or with the CLI's `keys rotate`; it signs
// from then on, and the keys it replaces stay in the JWKS until every token they signed has expired
// (retired + retainSeconds), then they are dropped.
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
  /**
   * seconds a retired key stays published: at least the longest token lifetime, plus the time a
   * replica that has not seen the rotation yet may still sign with it (default 12 h)
   */
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

  /** the keys to publish and verify with, newest first: the stored ones but those whose tokens have all expired */
  async list(): Promise<StoredKey[]> {
    return (await this.stored()).filter((k) => !this.expired(k));
  }

  private async stored(): Promise<StoredKey[]> {
    return (await this.documents.read<StoredKey[]>('signing-keys'))?.value ?? [];
  }

  private expired(key: StoredKey): boolean {
    return key.retiredAt !== undefined && this.now() - Date.parse(key.retiredAt) >= (this.options.retainSeconds ?? 12 * 3600) * 1000;
  }

  private due(keys: StoredKey[]): boolean {
    const newest = keys[0];
    return !newest || this.now() - Date.parse(newest.createdAt) >= (this.options.rotationDays ?? 90) * 86_400_000;
  }

  /**
   * Keys ready for use: one is made on first start, a due rotation happens, expired retired keys go
   * (written only when one of these is to be done, so that the periodic check costs one read).
   * Processes checking together rotate once: the write is against the version read, the second
   * writer reads again, finds the first one's key not due and keeps it.
   */
  async ensure(): Promise<StoredKey[]> {
    const stored = await this.stored();
    if (!this.due(stored) && !stored.some((k) => this.expired(k))) return stored;
    const next = this.due(stored) ? await newKey() : undefined;
    return this.write((keys) => {
      const kept = keys.filter((k) => !this.expired(k));
      return next && this.due(kept) ? this.retireFor(kept, next) : kept;
    });
  }

  /**
   * A new signing key; the current one is retired but stays published until its tokens expired.
   * Nothing is dropped here: the CLI does not know the platform's token lifetimes; the platform's
   * next check (ensure) drops what has expired.
   */
  async rotate(): Promise<StoredKey[]> {
    const next = await newKey();
    return this.write((keys) => this.retireFor(keys, next));
  }

  private retireFor(keys: StoredKey[], next: JWK): StoredKey[] {
    const at = new Date(this.now()).toISOString();
    return [{ jwk: next, createdAt: at }, ...keys.map((k) => (k.retiredAt ? k : { ...k, retiredAt: at }))];
  }

  private write(change: (keys: StoredKey[]) => StoredKey[]): Promise<StoredKey[]> {
    return updateDocument<StoredKey[], StoredKey[]>(this.documents, 'signing-keys', (current) => {
      const next = change(current ?? []);
      return { value: next, result: next };
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
