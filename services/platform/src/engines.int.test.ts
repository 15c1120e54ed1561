// The embedded engines' start on a data directory whose event log holds events but which has no
// database (a backup laid down by hand, or postgres/ removed): the database is created empty and
// marked for the rebuild from the log (startPlatform then rebuilds it before ingestion accepts a
// delivery), instead of starting as if nothing had ever been delivered.
import { join } from 'node:path';
import { openEmbeddedEventLog } from '@sp/eventlog-embedded';
import { tempDir } from '@sp/testing';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { openEngines } from './engines.js';

describe('embedded engines', () => {
  it('rebuild a missing database when the log holds events', async () => {
    const dataDir = join(tempDir('sp-engines-'), 'data');
    const log = await openEmbeddedEventLog({ dir: join(dataDir, 'eventlog') });
    await log.ensureTopics([{ name: 'records.offer', partitions: 1 }]);
    await log.append('records.offer', [{ key: 'k', value: new TextEncoder().encode('v') }]);
    await log.close();
    const engines = await openEngines(loadConfig({ SP_DATA_DIR: dataDir }));
    try {
      expect(engines.repair).toEqual({ reason: expect.stringMatching(/there is no database .* but the event log holds 1 events/), movedTo: null });
      expect(engines.formatBefore).toBe(1);
    } finally {
      await engines.close();
    }
  }, 60_000);
});
