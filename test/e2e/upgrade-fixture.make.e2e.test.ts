// Writes the upgrade fixture by running the PREVIOUS release (not a test of this code; skipped
// unless SP_PREV_RELEASE names a built checkout of it):
//   git worktree add /work/prev-release 9264b7a && (cd /work/prev-release && pnpm install && pnpm build)
//   SP_PREV_RELEASE=/work/prev-release flock /tmp/sp-heavy.lock pnpm vitest run test/e2e/upgrade-fixture.make.e2e.test.ts
// It delivers upgrade.fixture.ts's records, waits for the read models, saves their answers
// (fixtures/data-format-1.expected.json), stops the platform and packs its data directory
// (fixtures/data-format-1.tar.xz).
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { clientFor } from '@sp/gateway/testing';
import { freePort, startNodeService, tempDir, waitFor } from '@sp/testing';
import { describe, expect, it } from 'vitest';
import { complete, fixtureDeliveries, type ReadModels, readModelsQuery, summary } from './upgrade.fixture.js';

const previous = process.env.SP_PREV_RELEASE;
const repoRoot = resolve(import.meta.dirname, '../..');
const fixtures = join(import.meta.dirname, 'fixtures');

describe.skipIf(!previous)('writes the upgrade fixture with the previous release', () => {
  it('delivers, saves the answers and packs the data directory', async () => {
    const dataDir = join(tempDir('sp-fixture-'), 'data');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const entry = relative(repoRoot, join(previous!, 'services/platform/dist/main.js'));
    const platform = await startNodeService(entry, { env: { SP_DEMO: '0', SP_DATA_DIR: dataDir, SP_PORT: String(port), SP_HOST: '127.0.0.1' }, ready: /Dashboard:/, timeoutMs: 180_000 });
    try {
      const keys = JSON.parse(readFileSync(join(dataDir, 'api-keys.json'), 'utf8')) as Record<string, string>;
      for (const d of fixtureDeliveries()) {
        const res = await fetch(`${url}/v1/deliveries/${d.recordType}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${keys[d.amt]}`, 'content-type': 'application/json' },
          body: JSON.stringify({ records: d.records }),
        });
        expect(res.status, await res.clone().text()).toBe(200);
      }
      const gql = clientFor((u, init) => fetch(u, init), url);
      let answers: ReadModels | undefined;
      let previousAnswer = '';
      // complete, and the same answer twice in a row two seconds apart (the projections are idle)
      await waitFor(
        async () => {
          const r = await gql<ReadModels>(readModelsQuery);
          expect(r.errors).toBeUndefined();
          answers = r.data!;
          const same = JSON.stringify(answers) === previousAnswer;
          previousAnswer = JSON.stringify(answers);
          return complete(answers) && same;
        },
        { timeoutMs: 120_000, intervalMs: 2000 },
      ).catch((error: Error) => {
        throw new Error(`${error.message}: ${summary(answers)}`);
      });
      writeFileSync(join(fixtures, 'data-format-1.expected.json'), `${JSON.stringify(answers, null, 2)}\n`);
    } finally {
      await platform.stop();
    }
    // xz -9e: PGlite's catalogue files make gzip's archive 5.2 MB, xz's 1.3 MB
    const tar = join(fixtures, 'data-format-1.tar.xz');
    const packed = spawnSync('sh', ['-c', `tar -cf - -C '${dataDir}' . | xz -9e -T1 > '${tar}'`], { encoding: 'utf8' });
    expect(packed.status, packed.stderr).toBe(0);
    expect(statSync(tar).size).toBeLessThan(2 * 1024 * 1024);
  }, 400_000);
});
