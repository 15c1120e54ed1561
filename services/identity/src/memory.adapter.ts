// Storage of the embedded provider's short-lived state (sessions, interactions, authorization codes,
// grants, access-token records) in this process's memory, by design: it all lives minutes to hours,
// a restart only means signing in again, and the platform is one process (docs/auth.md). Expired
// entries are dropped when read and swept every minute.
import type { Adapter, AdapterPayload } from 'oidc-provider';

const stores = new Map<string, Map<string, { payload: AdapterPayload; expiresAt: number }>>();

function sweep(): void {
  const now = Date.now();
  for (const store of stores.values()) for (const [id, e] of store) if (e.expiresAt <= now) store.delete(id);
}
setInterval(sweep, 60_000).unref();

export class MemoryAdapter implements Adapter {
  private readonly store: Map<string, { payload: AdapterPayload; expiresAt: number }>;

  constructor(name: string) {
    this.store = stores.get(name) ?? new Map();
    stores.set(name, this.store);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    this.store.set(id, { payload, expiresAt: Date.now() + expiresIn * 1000 });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const e = this.store.get(id);
    if (!e) return undefined;
    if (e.expiresAt <= Date.now()) {
      this.store.delete(id);
      return undefined;
    }
    return e.payload;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    for (const [id, e] of this.store) if (e.payload.userCode === userCode) return this.find(id);
    return undefined;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    for (const [id, e] of this.store) if (e.payload.uid === uid) return this.find(id);
    return undefined;
  }

  async consume(id: string): Promise<void> {
    const e = this.store.get(id);
    if (e) e.payload = { ...e.payload, consumed: Math.floor(Date.now() / 1000) };
  }

  async destroy(id: string): Promise<void> {
    this.store.delete(id);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const [id, e] of this.store) if (e.payload.grantId === grantId) this.store.delete(id);
  }
}
