// Two tenants on one event log (namespacedEventLog from @sp/ports): each names its topics and
// groups as if alone; neither sees the other's events, offsets or groups. Kafka's case is played by
// test/e2e/servers-tenants.e2e.test.ts.
import { describe, expect, it } from 'vitest';
import { type EventBatch, namespacedEventLog } from '@sp/ports';
import { tempDir } from '@sp/testing';
import { openEmbeddedEventLog } from './embedded-event-log.js';

const value = (s: string) => new TextEncoder().encode(s);
const text = (v: Uint8Array) => new TextDecoder().decode(v);

describe('namespaced event log', () => {
  it('keeps two tenants that use the same topic and group names apart', async () => {
    const inner = await openEmbeddedEventLog({ dir: tempDir('sp-eventlog-ns-') });
    try {
      const a = namespacedEventLog(inner, 't.a.');
      const b = namespacedEventLog(inner, 't.b.');
      await a.ensureTopics([{ name: 'goal', partitions: 2 }]);
      await b.ensureTopics([{ name: 'goal', partitions: 2 }]);
      const appended = await a.append('goal', [
        { key: 'g1', value: value('a-1') },
        { key: 'g2', value: value('a-2') },
      ]);
      await b.append('goal', [{ key: 'g1', value: value('b-1') }]);
      expect(appended.map((x) => x.topic)).toEqual(['goal', 'goal']);

      const seen = { a: [] as string[], b: [] as string[] };
      const topics = { a: new Set<string>(), b: new Set<string>() };
      const subscribe = (log: typeof a, who: 'a' | 'b') =>
        log.subscribe({
          groupId: 'planning',
          topics: ['goal'],
          handleBatch: async (batch: EventBatch) => {
            topics[who].add(batch.topic);
            for (const e of batch.events) {
              topics[who].add(e.topic);
              seen[who].push(text(e.value));
            }
          },
        });
      const [sa, sb] = await Promise.all([subscribe(a, 'a'), subscribe(b, 'b')]);
      await Promise.all([sa.caughtUp(5000), sb.caughtUp(5000)]);
      // each sees its assignment under its own names (the aggregator elects its index owner by it)
      expect(sa.assigned()).toEqual([
        { topic: 'goal', partition: 0 },
        { topic: 'goal', partition: 1 },
      ]);
      expect(sb.assigned().map((p) => p.topic)).toEqual(['goal', 'goal']);
      await Promise.all([sa.stop(), sb.stop()]);

      expect(seen.a.sort()).toEqual(['a-1', 'a-2']);
      expect(seen.b).toEqual(['b-1']);
      expect([...topics.a, ...topics.b]).toEqual(['goal', 'goal']);
      const sum = (m: Map<number, bigint>) => [...m.values()].reduce((x, y) => x + y, 0n);
      expect(sum(await a.committedOffsets('planning', 'goal'))).toBe(2n);
      expect(sum(await b.committedOffsets('planning', 'goal'))).toBe(1n);
      expect(sum(await a.endOffsets('goal'))).toBe(2n);
      // what the shared log holds: the prefixed names only
      expect(sum(await inner.endOffsets('t.a.goal'))).toBe(2n);
      expect(sum(await inner.committedOffsets('t.b.planning', 't.b.goal'))).toBe(1n);
      expect(() => namespacedEventLog(inner, 'bad prefix/')).toThrow(/letters, digits/);
    } finally {
      await inner.close();
    }
  });
});
