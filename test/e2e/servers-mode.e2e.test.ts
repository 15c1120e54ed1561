// The one-process platform in SP_ENGINES=servers, started by its own entry point on a real Kafka
// broker, a real PostgreSQL and a ClickHouse HTTP endpoint (chdb-http, the dev stand-in for a
// ClickHouse server): deliveries through the ingestion API become queryable through GraphQL, a bad
// delivery changes nothing, and after a restart the data are still there because they live in the
// servers — the data directory only holds the API keys, the sign-in's users and keys (identity/) and the record-key secret.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { populationRecords } from '@sp/demo';
import { aGoal, aMeasure, anOffer } from '@sp/events/testing';
import { checkContract, clientFor, type GraphQLClient } from '@sp/gateway/testing';
import { tokenFromDatabase } from '@sp/identity/testing';
import { freePort, startChdbHttp, startKafka, startNodeService, startPostgres, tempDir, waitFor } from '@sp/testing';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Service = Awaited<ReturnType<typeof startNodeService>>;
type Engine = { stop(): Promise<void> } | { wipe(): Promise<void> };

describe('the platform on Kafka, PostgreSQL and ClickHouse (SP_ENGINES=servers)', () => {
  // a data directory that does not exist yet, as on a fresh machine
  const dataDir = join(tempDir('sp-servers-'), 'data');
  const engines: Engine[] = [];
  let env: Record<string, string>;
  let brokers: string[];
  let platform: Service | undefined;
  let url: string;
  let gql: GraphQLClient;
  let databaseUrl: string;

  const start = () => startNodeService('services/platform/dist/main.js', { env, ready: /Dashboard:/, timeoutMs: 120_000 });
  const keys = () => JSON.parse(readFileSync(join(dataDir, 'api-keys.json'), 'utf8')) as Record<string, string>;
  // as an Amt's feed client does: a 503 (storage busy or unavailable, nothing acknowledged) is sent
  // again after its Retry-After, a few times; seen once when the suite ran beside other work
  const deliver = async (amt: string, recordType: string, records: unknown[]) => {
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(`${url}/v1/deliveries/${recordType}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${keys()[amt]}`, 'content-type': 'application/json' },
        body: JSON.stringify({ records }),
      });
      if (res.status !== 503 || attempt === 5) return res;
      console.warn(`servers-mode.e2e: delivery answered 503 (attempt ${attempt}): ${await res.text()}`);
      await new Promise((r) => setTimeout(r, Math.min(2_000, 1_000 * Number(res.headers.get('retry-after') ?? 1))));
    }
  };
  const einwohner = async (area: string, period = '2012', asOf?: string) => {
    const r = await gql<{ indicatorValues: { value: number | null }[] }>(
      `query($p: String!, $a: String!, $asOf: String) { indicatorValues(indicator: "einwohner", level: STADTTEIL, period: $p, areas: [$a], asOf: $asOf) { value } }`,
      { variables: { p: period, a: area, asOf: asOf ?? null } },
    );
    expect(r.errors).toBeUndefined();
    return r.data!.indicatorValues[0]?.value ?? null;
  };
  const offersIn101 = async () => {
    const r = await gql<{ offers: { totalCount: number; edges: { node: { key: string; name: string; version: number } }[] } }>(
      `{ offers(area: { level: STADTTEIL, code: "101" }, first: 10) { totalCount edges { node { key name version } } } }`,
    );
    expect(r.errors).toBeUndefined();
    return r.data!.offers;
  };
  const measures = async () => {
    const r = await gql<{ measures: { edges: { node: { key: string; title: string; status: string; goalKeys: string[]; controlling: { budgetPlanned: number } | null } }[] } }>(
      `{ measures(first: 10) { edges { node { key title status goalKeys controlling { budgetPlanned } } } } }`,
    );
    expect(r.errors).toBeUndefined();
    return r.data!.measures.edges.map((e) => e.node);
  };
  const endOffsets = async (topic: string) => {
    const admin = new Kafka({ clientId: 'servers-e2e', brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      return (await admin.fetchTopicOffsets(topic))
        .map((p) => `${p.partition}:${p.high}`)
        .sort()
        .join(',');
    } finally {
      await admin.disconnect();
    }
  };

  // the real 2012 population of every Stadtteil, so the GraphQL contract holds verbatim
  const population2012 = populationRecords().filter((r) => r.period === '2012');

  beforeAll(async () => {
    const [kafka, postgres, chdb] = await Promise.all([startKafka(), startPostgres(), startChdbHttp()]);
    engines.push(kafka, postgres, chdb);
    databaseUrl = postgres.url;
    brokers = kafka.brokers;
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    gql = clientFor((u, init) => fetch(u, init), url);
    env = {
      SP_ENGINES: 'servers',
      KAFKA_BROKERS: kafka.brokers.join(','),
      DATABASE_URL: postgres.url,
      CLICKHOUSE_URL: chdb.url,
      SP_DEMO: '0',
      SP_DATA_DIR: dataDir,
      SP_PORT: String(port),
      SP_HOST: '127.0.0.1',
    };
    platform = await start();
  }, 300_000);

  afterAll(async () => {
    await platform?.stop();
    for (const e of engines) await ('wipe' in e ? e.wipe() : e.stop());
  }, 120_000);

  it('says which servers it runs on', () => {
    const out = platform!.output();
    expect(out).toContain('Engines starten (Server)');
    expect(out).toContain(`Kafka ${env.KAFKA_BROKERS}`);
    expect(out).toContain(`GraphQL:    ${url}/graphql`);
  });

  it('makes delivered area statistics queryable and answers the GraphQL contract', async () => {
    expect(population2012).toHaveLength(86);
    const res = await deliver('statistik', 'area-statistic', population2012);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { records: { status: string }[] };
    expect(body.records.map((r) => r.status)).toEqual(population2012.map(() => 'created'));
    // the four partitions are projected one batch at a time: wait for all of them
    await waitFor(async () => (await checkContract(gql)).length === 0);
    expect(await einwohner('101')).toBe(27515);
    const csv = await fetch(`${url}/export/indicator-values.csv?indicator=einwohner&level=STADTTEIL&period=2012`);
    expect(csv.status).toBe(200);
    const lines = (await csv.text()).trim().split(/\r?\n/);
    expect(lines).toHaveLength(87);
    expect(lines.find((l) => l.includes('101'))).toContain('27515');
  });

  it('shows the public a small confidential count only perturbed, a privileged planner the truth', async () => {
    const hze = {
      key: 'hze|STADTTEIL|101|2013',
      version: 1,
      dataset: 'hze',
      areaLevel: 'STADTTEIL',
      areaCode: '101',
      period: '2013',
      observations: [{ measure: 'hze_faelle', dimensions: { hilfeart: 'stationaer' }, value: 2 }],
      synthetic: true,
      source: 'e2e',
    };
    expect((await deliver('jugendamt', 'area-statistic', [hze])).status).toBe(200);
    const privileged = await tokenFromDatabase(databaseUrl, url, { role: 'planner', privileged: true });
    const q = `{ indicatorValues(indicator: "hze_stationaer", level: STADTTEIL, period: "2013", areas: ["101"]) { value suppressed perturbed } }`;
    await waitFor(async () => (await gql<{ indicatorValues: unknown[] }>(q, { token: privileged })).data?.indicatorValues.length === 1);
    expect((await gql(q, { token: privileged })).data).toEqual({ indicatorValues: [{ value: 2, suppressed: false, perturbed: false }] });
    const pub = (await gql<{ indicatorValues: { value: number; suppressed: boolean; perturbed: boolean }[] }>(q)).data!.indicatorValues[0]!;
    expect(pub).toMatchObject({ suppressed: false, perturbed: true });
    expect([0, 3, 4, 5, 6]).toContain(pub.value);
  });

  it('makes a delivered offer and a measure queryable', async () => {
    expect((await deliver('jugendamt', 'offer', [anOffer({ name: 'Kita Servermodus' })])).status).toBe(200);
    expect((await deliver('planung', 'goal', [aGoal()])).status).toBe(200);
    expect((await deliver('planung', 'measure', [aMeasure({ status: 'in_progress', actualStart: '2025-02-01' })])).status).toBe(200);
    await waitFor(async () => (await offersIn101()).totalCount === 1);
    expect((await offersIn101()).edges[0]!.node).toEqual({ key: anOffer().key, name: 'Kita Servermodus', version: 1 });
    await waitFor(async () => (await measures()).length === 1);
    expect(await measures()).toEqual([{ key: aMeasure().key, title: aMeasure().title, status: 'in_progress', goalKeys: [aGoal().key], controlling: { budgetPlanned: 1_500_000 } }]);
  });

  it('refuses a bad delivery with a clear error and changes nothing', async () => {
    const topic = 'records.area-statistic';
    const before = await endOffsets(topic);
    const good = { ...population2012.find((r) => r.areaCode === '102')!, version: 2 };
    const negative = { ...population2012.find((r) => r.areaCode === '101')!, version: 2, observations: [{ measure: 'einwohner', dimensions: {}, value: -5 }] };
    const res = await deliver('statistik', 'area-statistic', [good, negative]);
    expect(res.status).toBe(422);
    const body = (await res.json()) as { errors: { row: number; code: string; field?: string; message: string }[] };
    expect(body.errors[0]).toMatchObject({ row: 1, code: 'NEGATIVE_COUNT' });
    expect(body.errors[0]!.message.length).toBeGreaterThan(0);
    const stale = await deliver('statistik', 'area-statistic', [{ ...population2012[0]!, observations: [{ measure: 'einwohner', dimensions: {}, value: 1 }] }]);
    expect(stale.status).toBe(409);
    await new Promise((r) => setTimeout(r, 500));
    expect(await endOffsets(topic)).toBe(before);
    expect(await einwohner('101')).toBe(27515);
    expect(await checkContract(gql)).toEqual([]);
  });

  it('keeps everything in the servers across a restart of the platform', async () => {
    await platform!.stop();
    // nothing of the engines lives in the data directory, only the keys, the tenants' admin token and the record-key secret (sign-in's users and keys are in PostgreSQL)
    expect(readdirSync(dataDir).sort()).toEqual(['admin-token', 'api-keys.json', 'record-key-secret']);
    platform = await start();
    expect(await checkContract(gql)).toEqual([]);
    expect((await offersIn101()).totalCount).toBe(1);
    expect((await measures()).map((m) => m.key)).toEqual([aMeasure().key]);
    // the record versions are in PostgreSQL: the same delivery again is unchanged, not new
    const again = await deliver('statistik', 'area-statistic', population2012.slice(0, 1));
    expect(again.status).toBe(200);
    expect(((await again.json()) as { records: { status: string }[] }).records[0]!.status).toBe('unchanged');
    // and the consumers resume where they committed: a new version is projected after the restart
    const between = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    const next = { ...population2012.find((r) => r.areaCode === '101')!, version: 2, observations: [{ measure: 'einwohner', dimensions: {}, value: 27600 }] };
    expect((await deliver('statistik', 'area-statistic', [next])).status).toBe(200);
    await waitFor(async () => (await einwohner('101')) === 27600);
    // the corrected version keeps its predecessor, as of before the correction
    expect(await einwohner('101', '2012', between)).toBe(27515);
  }, 180_000);
});
