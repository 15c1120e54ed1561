import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { topology } from '@sp/events';
import { describe, expect, it } from 'vitest';
import { ApiKeyRing, generateApiKey, hashApiKey } from './api-keys.js';
import { ingestionConfigSchema, loadStandaloneConfig } from './ingestion.config.js';

describe('API keys', () => {
  const key = generateApiKey('statistik-1');
  const scryptKey = generateApiKey('planung-1');
  const ring = new ApiKeyRing([
    { id: 'statistik-1', amt: 'statistik', hash: hashApiKey(key) },
    { id: 'planung-1', amt: 'planung', hash: hashApiKey(scryptKey, 'scrypt') },
  ]);

  it('authenticates keys against their sha256 or scrypt hash; the key itself is never stored', () => {
    expect(hashApiKey(key)).not.toContain(key.split('_').at(-1)!);
    expect(ring.authenticate(key)).toEqual({ keyId: 'statistik-1', amt: 'statistik' });
    expect(ring.authenticate(scryptKey)).toEqual({ keyId: 'planung-1', amt: 'planung' });
    expect(ring.authenticate(scryptKey)).toEqual({ keyId: 'planung-1', amt: 'planung' }); // cached path
  });

  it('refuses missing, malformed, unknown and wrong keys', () => {
    expect(ring.authenticate(undefined)).toBeUndefined();
    expect(ring.authenticate('hunter2')).toBeUndefined();
    expect(ring.authenticate(generateApiKey('nobody'))).toBeUndefined();
    expect(ring.authenticate(generateApiKey('statistik-1'))).toBeUndefined();
    expect(ring.authenticate(key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A'))).toBeUndefined();
  });

  it('reads the key from Authorization: Bearer or X-API-Key', () => {
    expect(ApiKeyRing.keyFromHeaders({ authorization: `Bearer ${key}` })).toBe(key);
    expect(ApiKeyRing.keyFromHeaders({ 'x-api-key': key })).toBe(key);
    expect(ApiKeyRing.keyFromHeaders({})).toBeUndefined();
  });
});

describe('configuration', () => {
  it('validates the module configuration with defaults', () => {
    expect(ingestionConfigSchema.parse({})).toMatchObject({ bodyLimitBytes: 10 * 1024 * 1024, retryAfterSeconds: 5 });
    expect(() => ingestionConfigSchema.parse({ apiKeys: [{ id: 'x1', amt: 'statistik', hash: 'plaintext-key' }] })).toThrow();
  });

  it('reads the standalone configuration from the environment', () => {
    const cfg = loadStandaloneConfig({
      SP_INGESTION_AMT: 'jobcenter',
      KAFKA_BROKERS: 'a:9092, b:9092',
      DATABASE_URL: 'postgres://u@h:5432/db',
      SP_INGESTION_PORT: '9000',
      SP_INGESTION_API_KEYS: JSON.stringify([{ id: 'jobcenter-1', amt: 'jobcenter', hash: hashApiKey(generateApiKey('jobcenter-1')) }]),
    });
    expect(cfg).toMatchObject({
      ingestion: { amt: 'jobcenter' },
      http: { port: 9000 },
      kafka: { brokers: ['a:9092', 'b:9092'] },
      database: { url: 'postgres://u@h:5432/db' },
      spatialReference: 'koeln',
      topics: { prefix: 'records.', partitions: 4 },
    });
    expect(() => loadStandaloneConfig({})).toThrow(/invalid ingestion configuration/);
  });

  it('still reads topicPrefix / topicPartitions from the ingestion section of a configuration file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sp-ingestion-config-'));
    const file = join(dir, 'ingestion.json');
    const base = { kafka: { brokers: ['k:9092'] }, database: { url: 'postgres://u@h:5432/db' } };
    writeFileSync(file, JSON.stringify({ ...base, ingestion: { topicPrefix: 'tenant-a.', topicPartitions: 8 } }));
    const cfg = loadStandaloneConfig({ SP_INGESTION_CONFIG: file });
    expect(cfg.topics).toEqual({ prefix: 'tenant-a.', partitions: 8 });
    expect(cfg.ingestion).not.toHaveProperty('topicPrefix');
    expect(topology(cfg.topics).topicFor('offer')).toBe('tenant-a.offer');
    expect(loadStandaloneConfig({ SP_INGESTION_CONFIG: file, SP_TOPIC_PREFIX: 'tenant-b.', SP_TOPIC_PARTITIONS: '2' }).topics).toEqual({ prefix: 'tenant-b.', partitions: 2 });
    writeFileSync(file, JSON.stringify({ ...base, ingestion: { topicPartitions: 0 } }));
    expect(() => loadStandaloneConfig({ SP_INGESTION_CONFIG: file })).toThrow(/topics\.partitions/);
  });
});
