import { databaseContract } from '@sp/port-contracts';
import { DatabaseError } from '@sp/ports';
import { tempDir } from '@sp/testing';
import { describe, expect, it } from 'vitest';
import { openPgliteDatabase } from './pglite.database.js';

const dataDir = tempDir('sp-pglite-');

databaseContract('PGlite embedded', {
  open: () => openPgliteDatabase({ dataDir }),
});

describe('PgliteDatabase specifics', () => {
  it('fails fast instead of deadlocking when the database itself is used inside its transaction', async () => {
    const db = await openPgliteDatabase({ dataDir }); // the contract has closed it; reopening skips initdb
    try {
      const error = await db.transaction(async () => db.query('SELECT 1')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseError);
      expect((error as DatabaseError).message).toMatch(/use the tx passed to transaction/);
      expect((await db.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
    } finally {
      await db.close();
    }
  });
});
