// Issue 15, deliver 4: a split deployment — the standalone ingestion, aggregator and gateway as
// three processes (their built main.js) on one Kafka broker, one PostgreSQL and chdb-http — follows
// what the tenant's statistics office delivers about itself, as the one-process platform does. The
// town (Musterstadt's pack: STADT, SOZIALRAUM 1–7, WOHNPLATZ, FOERDERGEBIET) delivers its levels
// (GEMEINDE, SOZIALRAUM) and areas (among them Sozialraum 99, which only the delivered reference
// has) and a definition of its own (`kinder`). Then: the ingestion takes figures for Sozialraum 99
// and still refuses an area nobody delivered; the aggregator (the writer: it stores the delivered
// records, reloads the area map) projects the count of Sozialraum 99; the gateway answers the
// delivered levels and areas, lists `kinder` and serves its values, rolled up to the delivered root.
// Before @sp/delivered, only the platform followed deliveries: the ingestion refused Sozialraum 99
// (422 UNKNOWN_AREA) and the gateway kept the pack's levels.
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { testAudience, testKeyPair, testKid, tokenFor } from '@sp/gateway/testing';
import { createPgDatabase } from '@sp/database-pg';
import { databaseIdentityState, updateDocument } from '@sp/identity';
import { generateApiKey, hashApiKey } from '@sp/ingestion';
import { builtInReferenceDir } from '@sp/spatial';
import { freePort, repoRoot, startChdbHttp, startKafka, startNodeService, startPostgres, tempDir, eventually } from '@sp/testing';
import { createClickHouseWarehouse } from '@sp/warehouse-clickhouse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Service = Awaited<ReturnType<typeof startNodeService>>;
type Gql = { data?: Record<string, any> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };

const packs = join(repoRoot, 'services/platform/tenant-packs');
const pack = {
  reference: resolve(builtInReferenceDir, 'fixtures/musterstadt.yaml'),
  feeds: join(packs, 'musterstadt.feeds.yaml'),
  indicators: join(packs, 'musterstadt.indicators.yaml'),
};
const kinder = {
  amt: 'statistik',
  polarity: 0,
  updateInterval: 'jährlich',
  synthetic: true,
  code: 'kinder',
  version: 1,
  kind: 'count',
  name: 'Kinder unter 3',
  definition: 'Einwohner im Alter 0 bis unter 3',
  unit: 'Personen',
  dataset: 'bevoelkerung',
  measure: 'einwohner_alter',
  dimensions: { alter: ['0-3'] },
  sourceLevel: 'SOZIALRAUM',
};
/** Einwohner and children under 3 of the delivered Sozialräume in 2020 */
const figures: Record<string, { einwohner: number; u3: number }> = { '1': { einwohner: 1500, u3: 40 }, '2': { einwohner: 900, u3: 25 }, '99': { einwohner: 1234, u3: 56 } };
const figure = (code: string, f = figures[code] ?? { einwohner: 100, u3: 10 }) => ({
  version: 1,
  dataset: 'bevoelkerung',
  areaLevel: 'SOZIALRAUM',
  areaCode: code,
  period: '2020',
  observations: [
    { measure: 'einwohner', dimensions: {}, value: f.einwohner },
    { measure: 'einwohner_alter', dimensions: { alter: '0-3' }, value: f.u3 },
  ],
  synthetic: true,
});

describe('a split deployment follows the delivered reference and definitions', () => {
  let kafka: Awaited<ReturnType<typeof startKafka>>;
  let postgres: Awaited<ReturnType<typeof startPostgres>>;
  let chdb: Awaited<ReturnType<typeof startChdbHttp>>;
  let oidc: Server;
  let ingestion: Service | undefined;
  let aggregator: Service | undefined;
  let gateway: Service | undefined;
  let ingestionUrl: string;
  let gatewayUrl: string;
  let token: string;
  let issuer: string;
  const apiKey = generateApiKey('statistik-1');

  const deliver = async (recordType: string, records: unknown[]) => {
    const res = await fetch(`${ingestionUrl}/v1/deliveries/${recordType}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ records }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const gql = async (query: string): Promise<Gql> => {
    const res = await fetch(`${gatewayUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });
    return (await res.json()) as Gql;
  };
  /** the processes follow asynchronously: ask until the answer shows what was delivered */

  beforeAll(async () => {
    [kafka, postgres, chdb] = await Promise.all([startKafka(), startPostgres(), startChdbHttp()]);
    // the gateway verifies persons' tokens against an OIDC provider's keys: a discovery document and JWKS on loopback
    const oidcPort = await freePort();
    issuer = `http://127.0.0.1:${oidcPort}`;
    const jwk = { ...(await crypto.subtle.exportKey('jwk', (await testKeyPair).publicKey)), kid: testKid, alg: 'ES256', use: 'sig' };
    oidc = createServer((req, res) => {
      const body = req.url === '/.well-known/openid-configuration' ? { issuer, jwks_uri: `${issuer}/jwks` } : req.url === '/jwks' ? { keys: [jwk] } : null;
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? {}));
    });
    await new Promise<void>((r) => oidc.listen(oidcPort, '127.0.0.1', () => r()));
    token = await tokenFor({ role: 'planner', privileged: true, iss: issuer });

    const dir = tempDir('sp-split-delivered-');
    const ingestionConfig = join(dir, 'ingestion.json');
    writeFileSync(ingestionConfig, JSON.stringify({ ingestion: { cataloguePath: pack.feeds } }));
    const common = {
      KAFKA_BROKERS: kafka.brokers.join(','),
      DATABASE_URL: postgres.url,
      CLICKHOUSE_URL: chdb.url,
      SP_INDICATOR_CATALOGUE: pack.indicators,
      SP_FEED_CATALOGUE: pack.feeds,
      SP_RECORD_KEY_SECRET: 'split-delivered-record-key-secret',
      SP_DELIVERED_POLL_MS: '300',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
    };
    const [ingestionPort, gatewayPort] = [await freePort(), await freePort()];
    ingestionUrl = `http://127.0.0.1:${ingestionPort}`;
    gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    // all three are waited for, so that one failing to start leaves none of the others running
    const started = await Promise.allSettled([
      startNodeService('services/aggregator/dist/main.js', { env: { ...common, SP_REFERENCE: pack.reference, AGGREGATOR_HTTP_PORT: '0' }, ready: /aggregator ready/, timeoutMs: 90_000 }),
      startNodeService('services/ingestion/dist/main.js', {
        env: {
          ...common,
          SP_INGESTION_CONFIG: ingestionConfig,
          SP_SPATIAL_REFERENCE: pack.reference,
          SP_INGESTION_API_KEYS: JSON.stringify([{ id: 'statistik-1', amt: 'statistik', hash: hashApiKey(apiKey) }]),
          SP_INGESTION_PORT: String(ingestionPort),
          HOST: '127.0.0.1',
          // persons' tokens beside the API key (an Amt's staff delivering under their own name)
          SP_OIDC_ISSUER: issuer,
          SP_OIDC_AUDIENCE: testAudience,
        },
        ready: /listening on/,
        timeoutMs: 90_000,
      }),
      startNodeService('services/gateway/dist/main.js', {
        env: { ...common, SP_REFERENCE: pack.reference, SP_OIDC_ISSUER: issuer, SP_OIDC_AUDIENCE: testAudience, GATEWAY_PORT: String(gatewayPort) },
        ready: /gateway listening/,
        timeoutMs: 90_000,
      }),
    ]);
    [aggregator, ingestion, gateway] = started.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled([gateway?.stop(), ingestion?.stop(), aggregator?.stop()]);
    oidc?.close();
    await Promise.allSettled([kafka?.wipe(), postgres?.wipe(), chdb?.stop()]);
  }, 120_000);

  it('serves the delivered levels, areas and definition in every process', async () => {
    // before the delivery: the pack's reference everywhere, Sozialraum 99 is unknown
    expect((await deliver('area-statistic', [figure('99')])).status).toBe(422);
    expect(((await gql('{ areaLevels { name } }')).data!.areaLevels as { name: string }[]).map((l) => l.name)).toContain('WOHNPLATZ');

    const levels = await deliver('area-level', [
      { version: 1, level: 'GEMEINDE', label: 'Gemeinde', parentLevel: null, kind: 'hierarchy', coverage: 'complete' },
      { version: 1, level: 'SOZIALRAUM', label: 'Sozialraum', parentLevel: 'GEMEINDE', kind: 'hierarchy', coverage: 'complete' },
    ]);
    expect(levels.status, JSON.stringify(levels.body)).toBe(200);
    const areas = await deliver('area', [
      { version: 1, level: 'GEMEINDE', code: '0', name: 'Musterstadt', parent: null, validFrom: '2000-01-01' },
      ...['1', '2', '99'].map((code) => ({ version: 1, level: 'SOZIALRAUM', code, name: `Sozialraum ${code}`, parent: '0', validFrom: '2000-01-01' })),
    ]);
    expect(areas.status, JSON.stringify(areas.body)).toBe(200);
    const definition = await deliver('indicator-definition', [kinder]);
    expect(definition.status, JSON.stringify(definition.body)).toBe(200);

    // the gateway: the delivered levels in place of the pack's, and the delivered areas
    const levelsNow = async () => ((await gql('{ areaLevels { name parentLevel } }')).data?.areaLevels as { name: string; parentLevel: string | null }[] | undefined)?.map((l) => l.name);
    await eventually(levelsNow, (l) => l?.join() === 'GEMEINDE,SOZIALRAUM', 'the delivered levels at the gateway');
    const codes = ((await gql('{ areas(level: SOZIALRAUM) { code } }')).data!.areas as { code: string }[]).map((a) => a.code);
    expect(codes).toEqual(['1', '2', '99']);

    // the ingestion: figures for the delivered Sozialraum 99 are taken once it follows; one nobody delivered is refused
    const taken = await eventually(
      () =>
        deliver(
          'area-statistic',
          Object.keys(figures).map((c) => figure(c)),
        ),
      (r) => r.status === 200,
      'figures for the delivered areas at the ingestion',
    );
    expect(taken.body.records).toHaveLength(3);
    const unknown = await deliver('area-statistic', [figure('98')]);
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors[0]).toMatchObject({ code: 'UNKNOWN_AREA', value: '98' });

    // the aggregator projects the count of the delivered area (and of the others, in other partitions)
    const warehouse = createClickHouseWarehouse({ url: chdb.url });
    try {
      const cells = async () =>
        Object.fromEntries(
          (
            await warehouse.query<{ leaf_key: string; value: number }>(
              "SELECT leaf_key, value FROM cells FINAL WHERE present = 1 AND leaf_key LIKE 'bevoelkerung|SOZIALRAUM|%|2020' AND measure = 'einwohner'",
            )
          ).map((c) => [c.leaf_key, Number(c.value)]),
        );
      const projected = await eventually(cells, (c) => Object.keys(c).length === 3, 'the counts of the delivered Sozialräume in the warehouse');
      expect(projected['bevoelkerung|SOZIALRAUM|99|2020']).toBe(1234);
      // its statements carried ClickHouse's `priority` as the platform's do: the projection's 1
      // (urgent, before the reads), the indices' recomputation 2 (background, after them)
      const lanes = await eventually(
        async () => (await fetch(`${chdb.url}/lanes`)).json() as Promise<{ urgent: number; normal: number; background: number }>,
        (l) => l.urgent > 0 && l.background > 0,
        'statements of the standalone aggregator in the urgent and background lanes',
      );
      expect(lanes.normal).toBeGreaterThan(0); // the gateway's reads and the test's own
    } finally {
      await warehouse.close();
    }

    // the gateway lists the delivered definition and answers its values, rolled up along the area
    // map the aggregator loaded from the delivered reference
    const listed = await eventually(
      async () => ((await gql('{ indicators { code } }')).data?.indicators as { code: string }[] | undefined)?.map((i) => i.code),
      (c) => c?.includes('kinder') === true,
      'the delivered definition at the gateway',
    );
    expect(listed).toContain('kinder');
    const values = async (level: string) => {
      const r = await gql(`{ indicatorValues(indicator: "kinder", level: ${level}, period: "2020") { area { code } value } }`);
      return r.errors ? r.errors.map((e) => e.message).join('; ') : (r.data!.indicatorValues as { area: { code: string }; value: number | null }[]).map((v) => [v.area.code, v.value]);
    };
    // (once listed, its values follow within the gateway's next look at the writer: CI once read none at first)
    const expectedValues = [
      ['1', 40],
      ['2', 25],
      ['99', 56],
    ];
    expect(
      await eventually(
        () => values('SOZIALRAUM'),
        (v) => JSON.stringify(v) === JSON.stringify(expectedValues),
        'the values of the delivered definition at the gateway',
      ),
    ).toEqual(expectedValues);
    expect(await values('GEMEINDE')).toEqual([['0', 40 + 25 + 56]]);

    // a dataset of its own with its grant: the aggregator stores and applies it, the gateway follows
    // (its sources list it, with the source the office named)
    const dataset = await deliver('dataset', [
      {
        code: 'kitaplaetze',
        version: 1,
        label: 'Genehmigte Kita-Plätze',
        periodicity: 'year',
        synthetic: false,
        confidentiality: 'public',
        stichtag: '01.03.',
        levels: ['SOZIALRAUM'],
        measures: { plaetze: { kind: 'count', dimensions: { alter: ['u3', 'ue3'] } } },
        amts: ['statistik'],
        source: 'Jugendamt Musterstadt, Kita-Bedarfsplanung',
      },
    ]);
    expect(dataset.status, JSON.stringify(dataset.body)).toBe(200);
    const sources = await eventually(
      async () => (await gql('{ sources { code attribution } }')).data?.sources as { code: string; attribution: string }[] | undefined,
      (s) => s?.some((x) => x.code === 'kitaplaetze') === true,
      'the delivered dataset at the gateway',
    );
    expect(sources!.find((x) => x.code === 'kitaplaetze')?.attribution).toBe('Jugendamt Musterstadt, Kita-Bedarfsplanung');

    // the aggregator's /metrics counts its delivered data's consumers beside its own
    const metricsUrl = /health and metrics on (\S+)\)/.exec(aggregator!.output())![1];
    const metrics = await (await fetch(`${metricsUrl}/metrics`)).text();
    for (const group of ['aggregator', 'reference', 'datasets', 'catalogue']) expect(metrics).toMatch(new RegExp(`sp_consumer_failing\\{[^}]*group="${group}"`));
  });

  it("refuses, within a second, the token of a person the platform's admin deleted — at the gateway and the ingestion, which check signatures only", async () => {
    // the platform keeps its users in this PostgreSQL (servers mode); here the test plays its admin
    const planner = await tokenFor({ role: 'planner', sub: 'leaves-the-city', iss: issuer });
    const amt = await tokenFor({ role: 'amt', amt: 'statistik', sub: 'leaves-the-amt', iss: issuer });
    const ask = (bearer: string) =>
      fetch(`${gatewayUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: '{"query":"{ areaLevels { name } }"}' });
    const post = (bearer: string, version: number) =>
      fetch(`${ingestionUrl}/v1/deliveries/area-statistic`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        body: JSON.stringify({ records: [{ ...figure('1', { einwohner: 1500 + version, u3: 40 }), version }] }),
      });
    expect((await ask(planner)).status).toBe(200);
    const accepted = await post(amt, 2);
    expect(accepted.status, await accepted.text()).toBe(200);
    const db = createPgDatabase({ url: postgres.url });
    const state = await databaseIdentityState(db);
    try {
      await updateDocument(state.documents, 'deleted-users', (current: unknown[] | undefined) => ({
        value: [...(current ?? []), ...['leaves-the-city', 'leaves-the-amt'].map((id) => ({ id, username: id, deletedAt: new Date().toISOString() }))],
        result: undefined,
      }));
    } finally {
      state.stop();
      await db.close();
    }
    await new Promise((r) => setTimeout(r, 1_200));
    const refused = await ask(planner);
    expect(refused.status).toBe(401);
    expect(await refused.text()).toMatch(/disabled or deleted/);
    const refusedDelivery = await post(amt, 3);
    // (the ingestion names no reason for a refused credential)
    expect(refusedDelivery.status).toBe(401);
    // everyone else goes on
    expect((await ask(token)).status).toBe(200);
  });
});
