// TEST HELPER: the contract every identity state adapter keeps (identity-state.ts) — files, PGlite,
// a PostgreSQL server — and, for a shared one, what two processes on it see of each other. `open`
// gives a state on the same storage each time it is called (two processes, or one restarted).
import { describe, expect, it } from 'vitest';
import { type IdentityState, sharedSecret, updateDocument } from '../identity-state.js';

export function identityStateContract(name: string, open: () => Promise<IdentityState>, options: { shared: boolean }): void {
  describe(`identity state: ${name}`, () => {
    it('writes a document only against the version read: the second of two writers from the same read is refused', async () => {
      const state = await open();
      const doc = `doc-${Math.random().toString(36).slice(2)}`;
      expect(await state.documents.read(doc)).toBeUndefined();
      expect(await state.documents.version(doc)).toBeUndefined();
      expect(await state.documents.write(doc, [{ a: 1 }], undefined)).toBe(true);
      // created once: a second creation is refused
      expect(await state.documents.write(doc, [{ a: 2 }], undefined)).toBe(false);
      const read = await state.documents.read<{ a: number }[]>(doc);
      expect(read?.value).toEqual([{ a: 1 }]);
      expect(await state.documents.version(doc)).toBe(read!.version);
      expect(await state.documents.write(doc, [{ a: 3 }], read!.version)).toBe(true);
      expect(await state.documents.write(doc, [{ a: 4 }], read!.version)).toBe(false);
      expect((await state.documents.read(doc))?.value).toEqual([{ a: 3 }]);
    });

    it('keeps every change of concurrent read-modify-writes (updateDocument)', async () => {
      const [a, b] = [await open(), await open()];
      const doc = `list-${Math.random().toString(36).slice(2)}`;
      await Promise.all(
        Array.from({ length: 12 }, (_, i) => updateDocument<number[], void>(i % 2 ? a.documents : b.documents, doc, (current) => ({ value: [...(current ?? []), i], result: undefined }))),
      );
      expect(((await a.documents.read<number[]>(doc))?.value ?? []).sort((x, y) => x - y)).toEqual([...Array(12).keys()]);
    });

    it('makes a secret once: every caller gets the first one written', async () => {
      const [a, b] = [await open(), await open()];
      const name = 'dashboard-client-secret';
      const secrets = await Promise.all([sharedSecret(a.documents, name), sharedSecret(b.documents, name), sharedSecret(a.documents, name)]);
      expect(new Set(secrets).size).toBe(1);
      expect(secrets[0]).toMatch(/^[\w-]{43}$/);
    });

    it('answers an entry until it expires, and finds and deletes entries by their references', async () => {
      const entries = (await open()).entries(`kind-${Math.random().toString(36).slice(2)}`);
      await entries.set('s1', { n: 1 }, Date.now() + 60_000, { grantId: 'g1', uid: 'u1' });
      await entries.set('s2', { n: 2 }, Date.now() + 60_000, { grantId: 'g1' });
      await entries.set('s3', { n: 3 }, Date.now() + 60_000, { grantId: 'g2', userCode: 'c3' });
      await entries.set('gone', { n: 4 }, Date.now() - 1);
      expect(await entries.get('s1')).toEqual({ n: 1 });
      expect(await entries.get('gone')).toBeUndefined();
      expect(await entries.count()).toBe(3);
      expect(await entries.findBy('uid', 'u1')).toEqual({ id: 's1', value: { n: 1 } });
      expect(await entries.findBy('userCode', 'c3')).toEqual({ id: 's3', value: { n: 3 } });
      await entries.deleteBy('grantId', 'g1');
      expect(await entries.get('s1')).toBeUndefined();
      expect(await entries.get('s2')).toBeUndefined();
      expect(await entries.get('s3')).toEqual({ n: 3 });
      // a new value replaces the old one with its expiry and references
      await entries.set('s3', { n: 5 }, Date.now() - 1);
      expect(await entries.get('s3')).toBeUndefined();
      await entries.delete('s3');
      expect(await entries.count()).toBe(0);
    });

    it("stores a copy: changing the caller's object afterwards changes no entry", async () => {
      const entries = (await open()).entries('copies');
      const value = { list: [1] };
      await entries.set('c', value, Date.now() + 60_000);
      value.list.push(2);
      expect(await entries.get('c')).toEqual({ list: [1] });
    });

    it('takes an entry once: of callers at once only one gets it', async () => {
      const [a, b] = options.shared ? [await open(), await open()] : [await open(), undefined];
      const kind = `take-${Math.random().toString(36).slice(2)}`;
      const ea = a.entries(kind);
      const eb = (b ?? a).entries(kind);
      await ea.set('state', { verifier: 'v' }, Date.now() + 60_000);
      const got = await Promise.all([ea.take('state'), eb.take('state'), ea.take('state'), eb.take('state')]);
      expect(got.filter((g) => g !== undefined)).toEqual([{ verifier: 'v' }]);
      await ea.set('old', { x: 1 }, Date.now() - 1);
      expect(await ea.take('old')).toBeUndefined();
    });

    it('gives a lease to one claimer until it expires or its owner lets it go, and to no one by a lapsed owner letting go', async () => {
      const [a, b] = options.shared ? [await open(), await open()] : [await open(), undefined];
      const kind = `lease-${Math.random().toString(36).slice(2)}`;
      const ea = a.entries(kind);
      const eb = (b ?? a).entries(kind);
      const claims = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? eb : ea).claim('session-1', `owner-${i}`, Date.now() + 60_000)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      // only its owner lets it go
      await ea.release('session-1', 'someone-else');
      expect(await eb.claim('session-1', 'someone-else', Date.now() + 60_000)).toBe(false);
      await ea.release('session-1', `owner-${claims.indexOf(true)}`);
      expect(await eb.claim('session-1', 'slow', Date.now() + 200)).toBe(true);
      expect(await ea.claim('session-1', 'other', Date.now() + 60_000)).toBe(false);
      await new Promise((r) => setTimeout(r, 300));
      // an expired lease is free again (its holder died, or is slower than its lease)
      expect(await ea.claim('session-1', 'next', Date.now() + 60_000)).toBe(true);
      // the slow holder, done at last, lets go of its own lease: the next one's stands
      await eb.release('session-1', 'slow');
      expect(await ea.claim('session-1', 'third', Date.now() + 60_000)).toBe(false);
      expect(await eb.get('session-1')).toEqual({ owner: 'next' });
    });

    it('counts under concurrent updates without losing one (update)', async () => {
      const [a, b] = options.shared ? [await open(), await open()] : [await open(), undefined];
      const kind = `count-${Math.random().toString(36).slice(2)}`;
      await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          (i % 2 && b ? b : a).entries(kind).update<{ n: number }>('counter', (current) => ({ value: { n: (current?.n ?? 0) + 1 }, expiresAt: Date.now() + 60_000 })),
        ),
      );
      expect(await a.entries(kind).get('counter')).toEqual({ n: 16 });
      // an expired value counts as absent; undefined from the change deletes the entry
      await a.entries(kind).set('old', { n: 7 }, Date.now() - 1);
      expect(await a.entries(kind).update<{ n: number }>('old', (current) => ({ value: { n: (current?.n ?? 0) + 1 }, expiresAt: Date.now() + 60_000 }))).toEqual({ n: 1 });
      expect(await a.entries(kind).update('old', () => undefined)).toBeUndefined();
      expect(await a.entries(kind).get('old')).toBeUndefined();
    });

    it('keeps entries across a restart: a new state on the same storage finds what the old one set, not what expired, was taken or deleted', async () => {
      const kind = `reopen-${Math.random().toString(36).slice(2)}`;
      const before = (await open()).entries(kind);
      await before.set('kept', { n: 1 }, Date.now() + 60_000, { uid: 'u-kept' });
      await before.set('short', { n: 2 }, Date.now() + 150);
      await before.set('taken', { n: 3 }, Date.now() + 60_000);
      await before.set('deleted', { n: 4 }, Date.now() + 60_000);
      await before.set('revoked', { n: 5 }, Date.now() + 60_000, { grantId: 'g-revoked' });
      await before.update<{ n: number }>('counted', (current) => ({ value: { n: (current?.n ?? 0) + 6 }, expiresAt: Date.now() + 60_000 }));
      await before.set('replaced', { n: 7 }, Date.now() + 60_000, { uid: 'u-old' });
      await before.set('replaced', { n: 8 }, Date.now() + 60_000);
      expect(await before.claim('lease', 'before', Date.now() + 60_000)).toBe(true);
      expect(await before.take('taken')).toEqual({ n: 3 });
      await before.delete('deleted');
      await before.deleteBy('grantId', 'g-revoked');
      await new Promise((r) => setTimeout(r, 300));
      const after = (await open()).entries(kind);
      expect(await after.get('kept')).toEqual({ n: 1 });
      expect(await after.findBy('uid', 'u-kept')).toEqual({ id: 'kept', value: { n: 1 } });
      expect(await after.get('counted')).toEqual({ n: 6 });
      expect(await after.get('replaced')).toEqual({ n: 8 });
      expect(await after.findBy('uid', 'u-old')).toBeUndefined();
      // the lease is still held: no second holder after a restart
      expect(await after.claim('lease', 'after', Date.now() + 60_000)).toBe(false);
      for (const gone of ['short', 'taken', 'deleted', 'revoked']) expect(await after.get(gone), gone).toBeUndefined();
      expect(await after.take('taken')).toBeUndefined();
      expect(await after.count()).toBe(4);
    });

    if (options.shared) {
      it('shares documents and entries between two processes on it', async () => {
        const [a, b] = [await open(), await open()];
        await a.entries('sessions').set('shared-1', { who: 'a' }, Date.now() + 60_000);
        expect(await b.entries('sessions').get('shared-1')).toEqual({ who: 'a' });
        await updateDocument(a.documents, 'users', (current: unknown[] | undefined) => ({ value: [...(current ?? []), { id: 'x' }], result: undefined }));
        expect((await b.documents.read<unknown[]>('users'))?.value).toContainEqual({ id: 'x' });
      });
    }
  });
}
