import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startKafka, startPostgres, type KafkaInstance, type PostgresInstance } from './engines.js';
import { readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';

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

  it('hands out distinct listenable ports that outgoing connections cannot take (below the ephemeral range)', async () => {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    const ports = await Promise.all(Array.from({ length: 40 }, () => freePort()));
    expect(new Set(ports).size).toBe(40);
    for (const port of ports) expect(port).toBeLessThan(low);
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(ports[0], '127.0.0.1', () => r()));
    expect(await canConnect(`127.0.0.1:${ports[0]}`)).toBe(true);
    await new Promise<void>((r) => srv.close(() => r()));
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
