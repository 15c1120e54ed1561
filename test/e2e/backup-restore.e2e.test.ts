// Online backup and restore of the embedded default (issue 21.3, docs/backup.md). Deliveries run
// under steady load while `pnpm data:backup` takes its cut; every answer is logged with the time it
// came. The backup is restored into a new data directory (`pnpm data:restore`), the platform
// starts on it, and: every record acknowledged before the backup started is there (delivered
// again it is `unchanged`), none sent after the backup finished is (delivered again it is
// `created`), and the indicator values (GraphQL) are the source's for every record the cut holds.
// A damaged, an incomplete backup and a non-empty target are refused and change nothing.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { populationRecords } from '@sp/demo';
import { anOffer } from '@sp/events/testing';
import { clientFor, type GraphQLClient } from '@sp/gateway/testing';
import { freePort, runNodeScript, startNodeService, tempDir, waitFor } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Service = Awaited<ReturnType<typeof startNodeService>>;

interface Answer {
  recordType: string;
  amt: string;
  record: { key: string };
  status: number;
  sentAt: number;
  answeredAt: number;
}

interface Value {
  area: { code: string };
  value: number | null;
}

const valuesQuery = (period: string) => `{ indicatorValues(indicator: "einwohner", level: STADTTEIL, period: "${period}") { area { code } value } }`;

describe('online backup of the embedded data directory and restore into a new one', () => {
  const root = tempDir('sp-backup-');
  const sourceDir = join(root, 'source');
  const backupDir = join(root, 'backup');
  const restoredDir = join(root, 'restored');
  let platform: Service | undefined;
  let url = '';
  let gql: GraphQLClient;
  const answers: Answer[] = [];
  let backupStarted = 0;
  let backupFinished = 0;
  let backupOut = '';
  let source2011: Value[] = [];
  let source2012: Value[] = [];

  const start = async (dataDir: string) => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    gql = clientFor((u, init) => fetch(u, init), url);
    platform = await startNodeService('services/platform/dist/main.js', {
      env: { SP_DEMO: '0', SP_DATA_DIR: dataDir, SP_PORT: String(port), SP_HOST: '127.0.0.1' },
      ready: /Dashboard:/,
      timeoutMs: 180_000,
    });
  };
  const stop = async () => {
    await platform?.stop();
    platform = undefined;
  };
  const keysOf = (dataDir: string) => JSON.parse(readFileSync(join(dataDir, 'api-keys.json'), 'utf8')) as Record<string, string>;
  const deliver = (dataDir: string, amt: string, recordType: string, records: unknown[]) =>
    fetch(`${url}/v1/deliveries/${recordType}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keysOf(dataDir)[amt]}`, 'content-type': 'application/json' },
      body: JSON.stringify({ records }),
    });
  // waits out the per-client budget (429 RATE_LIMITED) as a client would
  const values = async (period: string): Promise<Value[]> => {
    for (;;) {
      const r = await gql<{ indicatorValues: Value[] }>(valuesQuery(period));
      const limited = r.errors?.find((e) => (e.extensions as { code?: string } | undefined)?.code === 'RATE_LIMITED');
      if (limited) {
        await new Promise((done) => setTimeout(done, 1000 * Number((limited.extensions as { retryAfter?: number }).retryAfter ?? 1)));
        continue;
      }
      expect(r.errors).toBeUndefined();
      return r.data!.indicatorValues;
    }
  };
  const command = (script: string, args: string[], env: Record<string, string> = {}) => runNodeScript(`services/platform/dist/${script}`, args, env);

  const population = populationRecords();
  const load2011 = population.filter((r) => r.period === '2011');

  beforeAll(async () => {
    await start(sourceDir);
    // what stays still during the load: 2012's population
    expect(
      (
        await deliver(
          sourceDir,
          'statistik',
          'area-statistic',
          population.filter((r) => r.period === '2012'),
        )
      ).status,
    ).toBe(200);
    await waitFor(async () => (await values('2012')).every((v) => v.value !== null) && (await values('2012')).length > 0, { timeoutMs: 120_000, intervalMs: 500 });

    // the steady load: two senders, one record per delivery, alternating 2011 population records and offers
    const work: Omit<Answer, 'status' | 'sentAt' | 'answeredAt'>[] = [];
    for (let i = 0; i < 400; i++) {
      const area = load2011[i];
      if (area) work.push({ recordType: 'area-statistic', amt: 'statistik', record: area });
      work.push({ recordType: 'offer', amt: 'jugendamt', record: anOffer({ key: `syn:kita:load:${i}`, name: `Kita Last ${i}` }) });
    }
    let stopLoad = false;
    const sender = async () => {
      while (!stopLoad) {
        const item = work.shift();
        if (!item) return;
        const sentAt = Date.now();
        const res = await deliver(sourceDir, item.amt, item.recordType, [item.record]);
        await res.arrayBuffer();
        answers.push({ ...item, status: res.status, sentAt, answeredAt: Date.now() });
      }
    };
    const senders = [sender(), sender()];
    await waitFor(() => answers.length >= 40, { timeoutMs: 60_000, intervalMs: 50 });
    backupStarted = Date.now();
    const backup = await command('backup.main.js', [backupDir], { SP_DATA_DIR: sourceDir });
    backupFinished = Date.now();
    backupOut = backup.out;
    expect(backup.status, backup.out).toBe(0);
    const afterBackup = answers.length;
    await waitFor(() => answers.length >= afterBackup + 20, { timeoutMs: 60_000, intervalMs: 50 });
    stopLoad = true;
    await Promise.all(senders);
    writeFileSync(join(root, 'answers.json'), JSON.stringify({ backupStarted, backupFinished, answers }, null, 1));

    // the source's values once everything landed; 2011 holds what the load delivered
    const delivered2011 = answers.filter((a) => a.recordType === 'area-statistic' && a.status === 200).length;
    await waitFor(async () => (await values('2011')).filter((v) => v.value !== null).length >= delivered2011, { timeoutMs: 120_000, intervalMs: 500 });
    source2011 = await values('2011');
    source2012 = await values('2012');
    await stop();
  }, 600_000);

  afterAll(stop);

  it('logged every answer; all were 200 while the backup ran', () => {
    expect(answers.length).toBeGreaterThan(60);
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    expect(answers.some((a) => a.sentAt >= backupStarted && a.answeredAt <= backupFinished) || backupFinished - backupStarted < 2000).toBe(true);
    expect(backupOut).toMatch(/Ereignisse bis zum Schnitt/);
    const manifest = JSON.parse(readFileSync(join(backupDir, 'manifest.json'), 'utf8')) as { files: { path: string }[]; records: number };
    expect(manifest.files.map((f) => f.path)).toEqual(expect.arrayContaining(['eventlog/topics.json', 'eventlog/commits.log', 'api-keys.json', 'record-key-secret']));
    expect(manifest.records).toBeGreaterThan(0);
    const during = answers.filter((a) => a.answeredAt >= backupStarted && a.answeredAt <= backupFinished).length;
    // the figures docs/backup.md quotes
    console.info(`backup: ${backupOut.trim().split('\n')[0]}; command ran ${backupFinished - backupStarted} ms; ${during} deliveries answered meanwhile, ${answers.length} in all`);
  });

  it('refuses a damaged backup, an incomplete one and a non-empty target, and writes nothing', async () => {
    const damaged = join(root, 'damaged');
    cpSync(backupDir, damaged, { recursive: true });
    const topic = readdirSync(join(damaged, 'eventlog', 'topics')).find((t) => t.includes('offer'))!;
    const segment = join(damaged, 'eventlog', 'topics', topic, '0.log');
    const bytes = readFileSync(segment);
    bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0xff;
    writeFileSync(segment, bytes);
    const target = join(root, 'never');
    const d = await command('restore.main.js', [damaged, target]);
    expect(d.status).toBe(2);
    expect(d.out).toMatch(/Wiederherstellung abgelehnt \(DAMAGED_BACKUP\): .*0\.log does not match its SHA-256/);
    expect(existsSync(target)).toBe(false);

    rmSync(join(damaged, 'manifest.json'));
    const i = await command('restore.main.js', [damaged, target]);
    expect(i.status).toBe(2);
    expect(i.out).toMatch(/INCOMPLETE_BACKUP.*has no manifest\.json/);
    expect(existsSync(target)).toBe(false);

    const occupied = join(root, 'occupied');
    mkdirSync(occupied);
    writeFileSync(join(occupied, 'something'), 'x');
    const o = await command('restore.main.js', [backupDir, occupied]);
    expect(o.status).toBe(2);
    expect(o.out).toMatch(/TARGET_NOT_EMPTY/);
    expect(readdirSync(occupied)).toEqual(['something']);
  }, 120_000);

  it('restores into a new directory: every record acknowledged before the cut, the same indicator values', async () => {
    const restored = await command('restore.main.js', [backupDir, restoredDir]);
    expect(restored.status, restored.out).toBe(0);
    console.info(`restore: ${restored.out.trim().split('\n').slice(-3).join(' | ')}`);
    expect(restored.out).toMatch(/Datensatzversionen aus \d+ Ereignissen/);
    await start(restoredDir);
    // the read models were rebuilt by the restore; the platform serves them at once
    expect(await values('2012')).toEqual(source2012);
    const restored2011 = await values('2011');
    const sourceByArea = new Map(source2011.map((v) => [v.area.code, v.value]));
    const present = restored2011.filter((v) => v.value !== null);
    for (const v of present) expect(v.value, `2011 value of ${v.area.code}`).toBe(sourceByArea.get(v.area.code));

    const before = answers.filter((a) => a.answeredAt < backupStarted);
    const after = answers.filter((a) => a.sentAt > backupFinished);
    expect(before.length).toBeGreaterThan(20);
    expect(after.length).toBeGreaterThan(10);
    const codeOf = (key: string) => key.split('|')[2]!;
    const presentAreas = new Set(present.map((v) => v.area.code));
    for (const a of before.filter((x) => x.recordType === 'area-statistic')) expect(presentAreas.has(codeOf(a.record.key)), `${a.record.key} acknowledged before the backup`).toBe(true);
    for (const a of after.filter((x) => x.recordType === 'area-statistic')) expect(presentAreas.has(codeOf(a.record.key)), `${a.record.key} sent after the backup`).toBe(false);

    // every record acknowledged before the cut has its version record: delivered again it is unchanged
    for (const a of before) {
      const res = await deliver(restoredDir, a.amt, a.recordType, [a.record]);
      const body = (await res.json()) as { records: { status: string }[] };
      expect(`${a.record.key}: ${res.status} ${body.records?.[0]?.status}`).toBe(`${a.record.key}: 200 unchanged`);
    }
    // and one sent after the backup finished is new to the restored directory
    for (const a of after.slice(0, 10)) {
      const res = await deliver(restoredDir, a.amt, a.recordType, [a.record]);
      const body = (await res.json()) as { records: { status: string }[] };
      expect(`${a.record.key}: ${res.status} ${body.records?.[0]?.status}`).toBe(`${a.record.key}: 200 created`);
    }
  }, 400_000);
});
