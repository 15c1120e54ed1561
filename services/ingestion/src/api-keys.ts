// API keys of the Ämter. A key looks like `sp_<id>_<secret>`; only its hash is configured (sha256 of
// the whole key — enough for 256-bit random secrets — or scrypt). The id finds the entry without
// trying every hash; comparison is constant-time.
import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type { ApiKeyEntry } from './ingestion.config.js';

const KEY_PATTERN = /^sp_([a-z0-9-]{2,64})_([A-Za-z0-9_-]{32,})$/;
const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;

export interface Principal {
  keyId: string;
  amt: string;
  /** the signed-in person, when the delivery came with their access token instead of an API key */
  user?: { subject: string; name: string; role: string };
}

export function generateApiKey(id: string): string {
  return `sp_${id}_${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(key: string, algorithm: 'sha256' | 'scrypt' = 'sha256'): string {
  if (algorithm === 'sha256') return `sha256:${createHash('sha256').update(key).digest('hex')}`;
  const salt = randomBytes(16);
  const hash = scryptSync(key, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return `scrypt:${salt.toString('base64url')}:${hash.toString('base64url')}`;
}

function matches(key: string, stored: string): boolean {
  if (stored.startsWith('sha256:')) {
    const expected = Buffer.from(stored.slice(7), 'hex');
    return timingSafeEqual(createHash('sha256').update(key).digest(), expected);
  }
  const [, salt, hash] = stored.split(':');
  const expected = Buffer.from(hash!, 'base64url');
  const actual = scryptSync(key, Buffer.from(salt!, 'base64url'), expected.length, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return timingSafeEqual(actual, expected);
}

export class ApiKeyRing {
  private readonly byId = new Map<string, ApiKeyEntry>();
  /** sha256 of keys already verified against a scrypt hash, so scrypt runs once per key and process */
  private readonly verified = new Map<string, string>();

  constructor(entries: readonly ApiKeyEntry[]) {
    for (const e of entries) {
      if (this.byId.has(e.id)) throw new Error(`API key id ${e.id} is configured twice`);
      this.byId.set(e.id, e);
    }
  }

  /** The key from `Authorization: Bearer …` or `X-API-Key`, or undefined. */
  static keyFromHeaders(headers: Record<string, string | string[] | undefined>): string | undefined {
    const auth = headers.authorization;
    const a = Array.isArray(auth) ? auth[0] : auth;
    if (a && /^Bearer\s+/i.test(a)) return a.replace(/^Bearer\s+/i, '').trim();
    const x = headers['x-api-key'];
    return (Array.isArray(x) ? x[0] : x)?.trim() || undefined;
  }

  authenticate(key: string | undefined): Principal | undefined {
    if (!key) return undefined;
    const m = KEY_PATTERN.exec(key);
    if (!m) return undefined;
    const entry = this.byId.get(m[1]!);
    if (!entry) return undefined;
    const fingerprint = createHash('sha256').update(key).digest('hex');
    if (this.verified.get(fingerprint) === entry.id || matches(key, entry.hash)) {
      if (entry.hash.startsWith('scrypt:')) this.verified.set(fingerprint, entry.id);
      return { keyId: entry.id, amt: entry.amt };
    }
    return undefined;
  }
}
