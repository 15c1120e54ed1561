// Projects offer events into the registry tables: history of every version, the current offer per key,
// and its spatial placement (located in / serves / counts for). Idempotent and order-tolerant, because
// the EventLog delivers at least once: the same key+version again is a no-op, and a version older than
// the key's head only joins the history. Events that cannot be projected are recorded as issues and
// reported in the result — never dropped silently.
import type { Database, Queryable } from '@sp/ports';
import { areaId, placeOffer, type AreaLocator, type AreaRef, type OfferPlacement } from './area.locator.js';
import { offerEventSchema, type OfferEvent, type OfferRecord } from './offer-event.schema.js';

export type ApplyOutcome =
  | 'applied' // became the current version
  | 'withdrawn' // a withdrawal ended the current version
  | 'duplicate' // same key+version seen before: nothing changed
  | 'stale' // older than the key's head: kept in the history only
  | 'rejected'; // could not be projected: recorded in registry_projection_issue

export interface EventOutcome {
  key: string;
  version: number;
  outcome: ApplyOutcome;
  /** set when rejected: INVALID_EVENT | OUTSIDE_CITY | CONFLICTING_VERSION */
  code?: string;
  message?: string;
}

export interface ApplyResult {
  outcomes: EventOutcome[];
  counts: Record<ApplyOutcome, number>;
}

export class OfferProjection {
  constructor(
    private readonly db: Database,
    private readonly locator: AreaLocator,
  ) {}

  /** Applies a batch in one transaction (all or nothing on an engine error). */
  async apply(events: readonly unknown[]): Promise<ApplyResult> {
    const outcomes = await this.db.transaction(async (tx) => {
      const out: EventOutcome[] = [];
      for (const raw of events) out.push(await this.applyOne(tx, raw));
      return out;
    });
    const counts: Record<ApplyOutcome, number> = { applied: 0, withdrawn: 0, duplicate: 0, stale: 0, rejected: 0 };
    for (const o of outcomes) counts[o.outcome]++;
    return { outcomes, counts };
  }

  private async applyOne(tx: Queryable, raw: unknown): Promise<EventOutcome> {
    const parsed = offerEventSchema.safeParse(raw);
    if (!parsed.success) {
      const r = (raw ?? {}) as Record<string, unknown>;
      const key = typeof r.key === 'string' ? r.key : '?';
      const version = typeof r.version === 'number' && Number.isInteger(r.version) ? r.version : 0;
      const message = parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ');
      return this.reject(tx, key, version, typeof r.deliveryId === 'string' ? r.deliveryId : null, 'INVALID_EVENT', message);
    }
    const e = parsed.data;
    let placement: OfferPlacement | null = null;
    if (!e.tombstone) {
      const p = e.payload!;
      placement = placeOffer(this.locator, p.location.lat, p.location.lon, p.reach);
      if (!placement) {
        return this.reject(tx, e.key, e.version, e.deliveryId, 'OUTSIDE_CITY', `location ${p.location.lat},${p.location.lon} lies in no area of the city; accepted: a WGS84 point inside the city`);
      }
    }

    const inserted = await tx.query(
      `INSERT INTO registry_offer_version (offer_key, version, tombstone, amt, delivery_id, delivered_at, payload, valid_from, valid_to)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::date, $9::date)
       ON CONFLICT (offer_key, version, tombstone) DO NOTHING`,
      [e.key, e.version, e.tombstone, e.amt, e.deliveryId, e.deliveredAt.toISOString(), e.payload ? JSON.stringify(e.payload) : null, e.payload?.validFrom ?? null, e.payload?.validTo ?? null],
    );
    if (inserted.rowCount === 0) {
      // the same key+version again: a redelivery if the payload is the same; a different payload under an
      // existing version is something the ingestion refuses (409) — if one arrives anyway, say so
      const same = await tx.query<{ same: boolean }>(`SELECT payload IS NOT DISTINCT FROM $4::jsonb AS same FROM registry_offer_version WHERE offer_key = $1 AND version = $2 AND tombstone = $3`, [
        e.key,
        e.version,
        e.tombstone,
        e.payload ? JSON.stringify(e.payload) : null,
      ]);
      if (same.rows[0]?.same === false) {
        return this.reject(
          tx,
          e.key,
          e.version,
          e.deliveryId,
          'CONFLICTING_VERSION',
          `version ${e.version} of ${e.key} was already projected with a different payload; accepted: a correction as a new version`,
        );
      }
      return { key: e.key, version: e.version, outcome: 'duplicate' };
    }

    const head = (await tx.query<{ head_version: number; head_tombstone: boolean }>('SELECT head_version, head_tombstone FROM registry_offer_key WHERE offer_key = $1 FOR UPDATE', [e.key])).rows[0];
    // a withdrawal of version v outranks the record of version v; any higher version outranks both
    const isNewer = !head || e.version > head.head_version || (e.version === head.head_version && e.tombstone && !head.head_tombstone);
    if (!isNewer) {
      await tx.query(
        `UPDATE registry_offer_version SET ended_at = delivered_at, ended_by = $3
         WHERE offer_key = $1 AND version = $2 AND tombstone = $4`,
        [e.key, e.version, head.head_version, e.tombstone],
      );
      return { key: e.key, version: e.version, outcome: 'stale' };
    }

    if (head) {
      await tx.query(
        `UPDATE registry_offer_version SET ended_at = $4, ended_by = $2
         WHERE offer_key = $1 AND version = $3 AND tombstone = $5 AND ended_at IS NULL`,
        [e.key, e.version, head.head_version, e.deliveredAt.toISOString(), head.head_tombstone],
      );
    }
    await tx.query(
      `INSERT INTO registry_offer_key (offer_key, head_version, head_tombstone, withdrawn_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (offer_key) DO UPDATE SET head_version = $2, head_tombstone = $3, withdrawn_at = $4`,
      [e.key, e.version, e.tombstone, e.tombstone ? e.deliveredAt.toISOString() : null],
    );
    await tx.query('DELETE FROM registry_offer WHERE offer_key = $1', [e.key]);
    if (e.tombstone) return { key: e.key, version: e.version, outcome: 'withdrawn' };
    await insertCurrent(tx, e, e.payload!, placement!);
    return { key: e.key, version: e.version, outcome: 'applied' };
  }

  private async reject(tx: Queryable, key: string, version: number, deliveryId: string | null, code: string, message: string): Promise<EventOutcome> {
    await tx.query(
      `INSERT INTO registry_projection_issue (offer_key, version, code, message, delivery_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (offer_key, version, code) DO UPDATE SET message = EXCLUDED.message, recorded_at = now()`,
      [key, version, code, message, deliveryId],
    );
    return { key, version, outcome: 'rejected', code, message };
  }
}

async function insertCurrent(tx: Queryable, e: OfferEvent, p: OfferRecord, placement: OfferPlacement): Promise<void> {
  const text = [p.name, p.subtype, p.provider, p.address.street, p.address.postcode].filter(Boolean).join(' ');
  await tx.query(
    `INSERT INTO registry_offer (offer_key, version, name, offer_type, subtype, provider, amt, target_groups, street, postcode, city,
       lat, lon, capacity_value, capacity_unit, reach, reach_level, reach_code, valid_from, valid_to, source, attribution, synthetic,
       delivered_at, search_text, search_vector,
       opening_hours, languages, wheelchair, accessibility_note, contact_phone, contact_email, contact_website)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8::text[],$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19::date,$20::date,$21,$22,$23,$24,
       lower($25), to_tsvector('german', $25), $26, $27::text[], $28, $29, $30, $31, $32)`,
    [
      e.key,
      e.version,
      p.name,
      p.offerType,
      p.subtype ?? null,
      p.provider,
      p.amt,
      p.targetGroups,
      p.address.street ?? null,
      p.address.postcode ?? null,
      p.address.city,
      p.location.lat,
      p.location.lon,
      p.capacity?.value ?? null,
      p.capacity?.unit ?? null,
      p.reach,
      placement.reachArea.level,
      placement.reachArea.code,
      p.validFrom.slice(0, 10),
      p.validTo?.slice(0, 10) ?? null,
      p.source,
      p.attribution ?? null,
      p.synthetic,
      e.deliveredAt.toISOString(),
      text,
      p.openingHours ?? null,
      p.languages ?? [],
      p.accessibility?.wheelchair ?? null,
      p.accessibility?.note ?? null,
      p.contact?.phone ?? null,
      p.contact?.email ?? null,
      p.contact?.website ?? null,
    ],
  );
  await insertAreas(tx, 'registry_offer_area', e.key, placement.locatedIn);
  await insertAreas(tx, 'offer_serves_area', e.key, placement.serves);
  await insertAreas(tx, 'registry_offer_supplies_area', e.key, placement.countsFor);
}

async function insertAreas(tx: Queryable, table: string, key: string, areas: AreaRef[]): Promise<void> {
  if (areas.length === 0) return;
  const unique = [...new Map(areas.map((a) => [areaId(a), a])).values()];
  await tx.query(`INSERT INTO ${table} (offer_key, area_level, area_code) SELECT $1, l, c FROM unnest($2::text[], $3::text[]) AS t(l, c)`, [
    key,
    unique.map((a) => a.level),
    unique.map((a) => a.code),
  ]);
}
