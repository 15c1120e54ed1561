// Deliveries with a signed-in person's access token (issue 18): an Amt's staff member delivers for
// the Amt the token names, the rights of that Amt apply as for its API key (an Amt edits only its own
// measures; the planning staff edits goals), and every forged,
// expired, rotated-out or unsigned token is refused 401 with nothing appended. API keys for the
// machine deliveries keep working beside the tokens.
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { openPgliteDatabase, type PgliteDatabase } from '@sp/database-pglite';
import { openEmbeddedEventLog, type EmbeddedEventLog } from '@sp/eventlog-embedded';
import { topology } from '@sp/events';
import { aGoal, aMeasure, aMilestone, anOffer } from '@sp/events/testing';
import { createTokenVerifier } from '@sp/identity/tokens';
import { loadCatalogue } from '@sp/indicators';
import { loadReference } from '@sp/spatial';
import { tempDir } from '@sp/testing';
import { base64url, createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey } from './api-keys.js';
import { createIngestionApp } from './ingestion.app.js';
import { controllingPlanningCheck } from './planning-check.adapter.js';
import { spatialChecksFrom } from './spatial-checks.adapter.js';

const issuer = 'https://sozialplanung.stadt.test/auth';
const audience = 'urn:sozialplanung:platform';
const machineKey = generateApiKey('jugendamt-feed');

let eventLog: EmbeddedEventLog;
let database: PgliteDatabase;
let app: NestFastifyApplication;
let base: string;
let signer: CryptoKey;

const sign = (claims: Record<string, unknown>, key: CryptoKey = signer, kid = 'k1') =>
  new SignJWT({ sub: 'erika', name: 'Erika Mustermann', ...claims }).setProtectedHeader({ alg: 'ES256', kid }).setIssuer(issuer).setAudience(audience).setIssuedAt().setExpirationTime('10m').sign(key);

async function post(authorization: string, recordType: string, records: unknown[]) {
  const res = await fetch(`${base}/v1/deliveries/${recordType}`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify({ records }) });
  return { status: res.status, body: (await res.json()) as any };
}

async function logSize(recordType: string): Promise<bigint> {
  let n = 0n;
  for (const v of (await eventLog.endOffsets(`records.${recordType}`)).values()) n += v;
  return n;
}

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  signer = pair.privateKey;
  const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' }] });
  const dir = tempDir('sp-person-token-');
  eventLog = await openEmbeddedEventLog({ dir: join(dir, 'eventlog') });
  database = await openPgliteDatabase({ dataDir: join(dir, 'postgres') });
  app = await createIngestionApp({
    eventLog,
    database,
    spatial: spatialChecksFrom(loadReference('koeln')),
    config: { apiKeys: [{ id: 'jugendamt-feed', amt: 'jugendamt', hash: hashApiKey(machineKey) }] },
    topology: topology({ partitions: 2 }),
    planningCheck: controllingPlanningCheck(),
    indicatorCodes: loadCatalogue()
      .latest()
      .map((i) => i.code),
    verifyToken: createTokenVerifier({ issuer, audience, keys: jwks }),
  });
  await app.listen(0, '127.0.0.1');
  base = await app.getUrl();
}, 120_000);

afterAll(async () => {
  await app?.close();
  await eventLog?.close();
  await database?.close();
});

describe('deliveries with a person’s access token', () => {
  it('an Amt’s staff member delivers its offers; the machine API key still works', async () => {
    const token = await sign({ role: 'amt', amt: 'jugendamt' });
    expect((await post(`Bearer ${token}`, 'offer', [anOffer({ key: 'kita:person', amt: 'jugendamt' })])).status).toBe(200);
    expect((await post(`Bearer ${machineKey}`, 'offer', [anOffer({ key: 'kita:maschine', amt: 'jugendamt' })])).status).toBe(200);
  });

  it('the Amt’s rights apply: the Jugendamt’s person may not deliver goals; the planning staff may', async () => {
    const token = await sign({ role: 'amt', amt: 'jugendamt' });
    const res = await post(`Bearer ${token}`, 'goal', [aGoal({ key: 'ziel:person' })]);
    expect(res.status, JSON.stringify(res.body)).toBe(403);
    const { rows } = await database.query('SELECT 1 FROM ingest_records WHERE key = $1', ['ziel:person']);
    expect(rows).toHaveLength(0);
    // a planner of the planning office (token names Amt planung) edits goals
    const planner = await sign({ sub: 'paula', role: 'planner', amt: 'planung' });
    expect((await post(`Bearer ${planner}`, 'goal', [aGoal({ key: 'ziel:person' })])).status).toBe(200);
  });

  it('an Amt’s person edits only its own measures: a milestone on the Schulamt’s measure is refused 403', async () => {
    const planner = await sign({ sub: 'paula', role: 'planner', amt: 'planung' });
    const own = aMeasure({ key: 'massnahme:person:ja', goalKeys: ['ziel:person'], leadAmt: 'jugendamt', participants: [], status: 'in_progress', actualStart: '2025-01-10' });
    const other = aMeasure({ key: 'massnahme:person:sa', goalKeys: ['ziel:person'], leadAmt: 'schulamt', participants: [], status: 'in_progress', actualStart: '2025-01-10' });
    expect((await post(`Bearer ${planner}`, 'measure', [own, other])).status).toBe(200);
    const jugendamt = await sign({ role: 'amt', amt: 'jugendamt' });
    expect((await post(`Bearer ${jugendamt}`, 'milestone', [aMilestone({ key: 'meilenstein:person:ja', measureKey: own.key })])).status).toBe(200);
    const refused = await post(`Bearer ${jugendamt}`, 'milestone', [aMilestone({ key: 'meilenstein:person:sa', measureKey: other.key })]);
    expect(refused.status).toBe(403);
    expect(refused.body.errors[0]).toMatchObject({ code: 'MEASURE_OF_OTHER_AMT', value: other.key });
    const { rows } = await database.query('SELECT 1 FROM ingest_records WHERE key = $1', ['meilenstein:person:sa']);
    expect(rows).toHaveLength(0);
  });

  it('refuses forged, expired, unsigned, foreign-audience and Amt-less tokens with 401, appending nothing', async () => {
    const now = Math.floor(Date.now() / 1000);
    const other = (await generateKeyPair('ES256')).privateKey;
    const attacks = {
      'another key': await sign({ role: 'amt', amt: 'jugendamt' }, other),
      'rotated-out key id': await sign({ role: 'amt', amt: 'jugendamt' }, signer, 'k0'),
      expired: await new SignJWT({ sub: 'e', role: 'amt', amt: 'jugendamt' })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt(now - 7200)
        .setExpirationTime(now - 60)
        .sign(signer),
      'alg none': `${base64url.encode('{"alg":"none","kid":"k1"}')}.${base64url.encode(JSON.stringify({ sub: 'e', role: 'amt', amt: 'jugendamt', iss: issuer, aud: audience, exp: now + 600 }))}.`,
      'other audience': await new SignJWT({ sub: 'e', role: 'amt', amt: 'jugendamt' })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer(issuer)
        .setAudience('another-app')
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(signer),
      'planner without Amt': await sign({ role: 'planner' }),
    };
    const size = await logSize('offer');
    for (const [attack, token] of Object.entries(attacks)) {
      const res = await post(`Bearer ${token}`, 'offer', [anOffer({ key: `kita:${attack}`, amt: 'jugendamt' })]);
      expect(res.status, attack).toBe(401);
    }
    expect(await logSize('offer')).toBe(size);
  });
});
