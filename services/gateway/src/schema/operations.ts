// Operations for admins: the platform's consumers of the event log (projections) with their
// dead-letter and retry counters, and the dead letters themselves — events a projection could not
// apply on their own, set aside so the partition moved on (docs/engineering.md, "Poison events").
import type { GatewayContext } from '../context.js';
import { expectedError } from '../errors.js';
import type { ConsumerStatus, DeadLetterView, OperationsSource } from '../sources.js';
import { builder } from './builder.js';

function operationsOf(ctx: GatewayContext): OperationsSource {
  if (ctx.viewer.role !== 'admin') throw expectedError('FORBIDDEN', `operations are for admins; this token has role "${ctx.viewer.role}"`, { requiredRole: 'admin' });
  if (!ctx.operations) throw expectedError('NOT_AVAILABLE', 'operations are not connected to this gateway');
  return ctx.operations;
}

const ConsumerStatusRef = builder.objectRef<ConsumerStatus>('ConsumerStatus').implement({
  description: 'A consumer of the event log (a projection into a read model) since this process started.',
  fields: (t) => ({
    groupId: t.exposeString('groupId', { description: 'consumer group: aggregator (indicators), registry, controlling' }),
    deadLettered: t.exposeInt('deadLettered', { description: 'events set aside as dead letters since start' }),
    retries: t.exposeInt('retries', { description: 'batches retried after a transient error (engine unavailable) since start' }),
    failing: t.string({ nullable: true, description: 'the transient error being retried right now; null when healthy', resolve: (c) => c.failing }),
  }),
});

const DeadLetterRef = builder.objectRef<DeadLetterView>('DeadLetter').implement({
  description: 'An event a projection could not apply on its own; the partition moved on without it.',
  fields: (t) => ({
    groupId: t.exposeString('groupId'),
    topic: t.exposeString('topic'),
    partition: t.exposeInt('partition'),
    offset: t.exposeString('offset', { description: 'position in the partition (a 64-bit integer, as text)' }),
    key: t.exposeString('key', { description: 'the record key of the event' }),
    error: t.exposeString('error', { description: 'what the event failed with when applied alone' }),
    eventAt: t.string({ description: 'when the event was written to the log (ISO 8601)', resolve: (d) => d.eventAt.toISOString() }),
    deadAt: t.string({ description: 'when it was set aside (ISO 8601)', resolve: (d) => d.deadAt.toISOString() }),
  }),
});

const OperationsRef = builder.objectRef<OperationsSource>('Operations').implement({
  description: 'How the platform’s consumers are doing. Admins only.',
  fields: (t) => ({
    consumers: t.field({ type: [ConsumerStatusRef], resolve: async (o) => [...(await o.consumers())] }),
    deadLetterCount: t.int({ description: 'dead letters kept, all consumers', resolve: (o) => o.deadLetterCount() }),
    deadLetters: t.field({
      type: [DeadLetterRef],
      description: 'newest first',
      args: { limit: t.arg.int({ required: false, defaultValue: 50, description: '1 to 500' }) },
      resolve: async (o, { limit }) => {
        const n = limit ?? 50;
        if (!Number.isInteger(n) || n < 1 || n > 500) throw expectedError('BAD_USER_INPUT', `limit must be 1 to 500, got ${n}`, { argument: 'limit', accepted: '1..500' });
        return [...(await o.deadLetters(n))];
      },
    }),
  }),
});

builder.queryFields((t) => ({
  operations: t.field({
    type: OperationsRef,
    description: 'Consumers of the event log and their dead letters. Admins only (FORBIDDEN otherwise).',
    resolve: (_root, _args, ctx) => operationsOf(ctx),
  }),
}));
