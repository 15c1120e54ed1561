// One event log shared by several tenants (servers mode: one Kafka cluster): every topic and every
// consumer group of a tenant carries the tenant's prefix, so its runtime — which names topics and
// groups exactly as the default tenant does — can neither read nor write another tenant's. The
// tenant's code sees its own names: events come back with the prefix taken off.
import type { AppendedEvent, EventBatch, EventLog, LogEvent, OutgoingEvent, SubscribeOptions, Subscription, TopicSpec } from './event-log.port.js';

/** Kafka accepts [a-zA-Z0-9._-] in topic names, up to 249 characters. */
const prefixPattern = /^[a-zA-Z0-9._-]+$/;

export function namespacedEventLog(inner: EventLog, prefix: string): EventLog {
  if (!prefixPattern.test(prefix)) throw new Error(`event log prefix ${JSON.stringify(prefix)}: use letters, digits, '.', '_' and '-'`);
  const outer = (name: string) => `${prefix}${name}`;
  const local = (name: string) => {
    if (!name.startsWith(prefix)) throw new Error(`topic ${name} is outside the namespace ${prefix}`);
    return name.slice(prefix.length);
  };
  const event = (e: LogEvent): LogEvent => ({ ...e, topic: local(e.topic) });
  const batch = (b: EventBatch): EventBatch => ({ topic: local(b.topic), partition: b.partition, events: b.events.map(event) });
  return {
    ensureTopics: (topics: readonly TopicSpec[]) => inner.ensureTopics(topics.map((t) => ({ ...t, name: outer(t.name) }))),
    append: async (topic: string, events: readonly OutgoingEvent[]): Promise<AppendedEvent[]> => (await inner.append(outer(topic), events)).map((a) => ({ ...a, topic: local(a.topic) })),
    subscribe: async (options: SubscribeOptions): Promise<Subscription> => {
      const subscription = await inner.subscribe({
        ...options,
        groupId: outer(options.groupId),
        topics: options.topics.map(outer),
        handleBatch: (b) => options.handleBatch(batch(b)),
        ...(options.onHandlerError ? { onHandlerError: (error, b, retry) => options.onHandlerError!(error, batch(b), retry) } : {}),
      });
      return {
        stop: () => subscription.stop(),
        caughtUp: (timeoutMs) => subscription.caughtUp(timeoutMs),
        assigned: () => subscription.assigned().map((p) => ({ topic: local(p.topic), partition: p.partition })),
      };
    },
    committedOffsets: (groupId: string, topic: string) => inner.committedOffsets(outer(groupId), outer(topic)),
    endOffsets: (topic: string) => inner.endOffsets(outer(topic)),
    close: () => inner.close(),
  };
}
