// Storage of the embedded provider's short-lived state (sessions, interactions, authorization codes,
// grants, refresh tokens) as entries of the identity state (identity-state.ts): files of the data
// directory in the embedded default, PostgreSQL in servers mode, where every replica of the platform
// finds what another stored (a sign-in begun at one ends at another); in both a restart signs nobody out.
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { EntryRef, EntryStore, IdentityState } from './identity-state.js';

interface Stored {
  payload: AdapterPayload;
  expiresAt: number;
}

/** the provider's adapter class for `state`: one entry store per model (Session, Grant, …) */
export function stateAdapter(state: IdentityState): new (name: string) => Adapter {
  return class StateAdapter implements Adapter {
    private readonly entries: EntryStore;

    constructor(name: string) {
      this.entries = state.entries(`oidc:${name}`);
    }

    private put(id: string, payload: AdapterPayload, expiresAt: number): Promise<void> {
      const refs: Partial<Record<EntryRef, string>> = {};
      if (payload.grantId) refs.grantId = payload.grantId;
      if (payload.uid) refs.uid = payload.uid;
      if (payload.userCode) refs.userCode = payload.userCode;
      return this.entries.set(id, { payload, expiresAt } satisfies Stored, expiresAt, refs);
    }

    upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      return this.put(id, payload, Date.now() + expiresIn * 1000);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      return (await this.entries.get<Stored>(id))?.payload;
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return (await this.entries.findBy<Stored>('userCode', userCode))?.value.payload;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return (await this.entries.findBy<Stored>('uid', uid))?.value.payload;
    }

    async consume(id: string): Promise<void> {
      const stored = await this.entries.get<Stored>(id);
      if (stored) await this.put(id, { ...stored.payload, consumed: Math.floor(Date.now() / 1000) }, stored.expiresAt);
    }

    destroy(id: string): Promise<void> {
      return this.entries.delete(id);
    }

    revokeByGrantId(grantId: string): Promise<void> {
      return this.entries.deleteBy('grantId', grantId);
    }
  };
}
