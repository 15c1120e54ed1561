import { afterAll, describe, expect, it } from 'vitest';
import { startKafka, startPostgres, type KafkaInstance, type PostgresInstance } from './engines.js';
import { createConnection } from 'node:net';

function canConnect(hostPort: string): Promise<boolean> {
  const [host, port] = hostPort.split(':');
  return new Promise((r) => {
    const s = createConnection({ host: host!, port: Number(port) }, () => {
      s.end();
      r(true);
    });
    s.on('error', () => r(false));
  });
}

describe('test engines', () => {
  let kafka: KafkaInstance | undefined;
  let pg: PostgresInstance | undefined;
  afterAll(async () => {
    await kafka?.wipe();
    await pg?.wipe();
  });

  it('starts, stops and restarts a real Kafka broker', async () => {
    kafka = await startKafka();
    expect(await canConnect(kafka.brokers[0]!)).toBe(true);
    await kafka.stop();
    expect(await canConnect(kafka.brokers[0]!)).toBe(false);
    await kafka.start();
    expect(await canConnect(kafka.brokers[0]!)).toBe(true);
  });

  it('starts a throwaway PostgreSQL cluster', async () => {
    pg = await startPostgres();
    expect(pg.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    expect(await canConnect(pg.url.replace(/^.*@/, '').replace(/\/.*$/, ''))).toBe(true);
  });
});
