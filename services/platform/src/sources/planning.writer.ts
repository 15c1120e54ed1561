// The gateway's PlanningWriter over the ingestion's DeliveryService, in-process: a save in the
// workspace (or a GraphQL mutation of a BI tool) is a delivery of one record, decided, reserved,
// appended and recorded exactly like an Amt's feed delivery (docs/engineering.md: the ingestion
// service owns validation, rights, versions and the 2xx-means-durable promise). The author is the
// principal's key id, so the envelope's deliveredBy and the audit trail name the person.
import type { FeedCatalogue } from '@sp/feeds';
import type { PlanningWriter } from '@sp/gateway';
import type { DeliveryService } from '@sp/ingestion';

/**
 * The one Amt the feed catalogue lets deliver goals: the planning staff write in its name. None or
 * several (a tenant whose catalogue has no planning feed, e.g. Hamburg's): null, and the gateway's
 * planning mutations answer NOT_AVAILABLE.
 */
export function planningAmtOf(feeds: FeedCatalogue): string | null {
  const amts = feeds.amtCodes().filter((a) => feeds.mayDeliver(a, 'goal'));
  return amts.length === 1 ? amts[0]! : null;
}

export function planningWriterFrom(deliveries: DeliveryService, planningAmt: string): PlanningWriter {
  return {
    planningAmt,
    async save(by, recordType, record) {
      const result = await deliveries.deliverRecords({ keyId: by.author, amt: by.amt }, { recordType, mediaType: 'application/json', body: Buffer.from(JSON.stringify([record])) });
      switch (result.kind) {
        case 'accepted': {
          const r = result.delivery.records[0]!;
          return {
            kind: 'accepted',
            key: r.key,
            version: r.version,
            status: r.status,
            deliveryId: result.delivery.deliveryId,
            deliveredAt: result.delivery.deliveredAt,
            author: by.author,
            amt: by.amt,
          };
        }
        case 'rejected': {
          const key = typeof record.key === 'string' ? record.key : undefined;
          return {
            kind: 'rejected',
            // one record per delivery: the row is always 0, the field is what the form needs
            errors: result.errors.map((e) => ({ field: e.field, code: e.code, message: e.message, accepted: e.accepted, value: e.value })),
            currentVersion: key !== undefined ? (result.currentVersions?.[key] ?? null) : null,
          };
        }
        case 'unavailable':
          return { kind: 'unavailable', reason: result.reason, retryAfterSeconds: result.retryAfterSeconds };
      }
    },
  };
}
