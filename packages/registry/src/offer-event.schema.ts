// The boundary of the registry projection: decoded offer events as the EventLog consumer hands them
// over (records.md "offer"). This is a structural guard only — taxonomy rules (known offer types,
// target groups, units, coordinates inside the city) are the ingestion's job (@sp/feeds); an event
// that slips through anyway is not dropped silently but recorded as a projection issue.
import { z } from 'zod';

export const reachLevels = ['STADTVIERTEL', 'STADTTEIL', 'STADTBEZIRK', 'STADT'] as const;
export const reachSchema = z.enum(reachLevels);
export type Reach = z.infer<typeof reachSchema>;

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'ISO date (YYYY-MM-DD)');

// loose: fields added by a newer schema version are kept in the history, not stripped
export const offerRecordSchema = z.looseObject({
  key: z.string().min(1),
  version: z.number().int().positive(),
  name: z.string(),
  offerType: z.string().min(1),
  subtype: z.string().nullish(),
  provider: z.string(),
  amt: z.string().min(1),
  targetGroups: z.array(z.string().min(1)),
  address: z.object({ street: z.string().nullish(), postcode: z.string().nullish(), city: z.string() }),
  location: z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }),
  capacity: z.object({ value: z.number().nonnegative(), unit: z.string().min(1) }).nullish(),
  reach: reachSchema,
  validFrom: isoDate,
  validTo: isoDate.nullish(),
  source: z.string(),
  attribution: z.string().nullish(),
  synthetic: z.boolean(),
  // since offer v2: what a citizen needs to use the offer; absent in v1 events
  openingHours: z.string().nullish(),
  languages: z.array(z.string().min(1)).optional(),
  accessibility: z.object({ wheelchair: z.enum(['yes', 'limited', 'no']), note: z.string().nullish() }).nullish(),
  contact: z.object({ phone: z.string().nullish(), email: z.string().nullish(), website: z.string().nullish() }).nullish(),
});
export type OfferRecord = z.infer<typeof offerRecordSchema>;

const instant = z.union([z.string(), z.number(), z.date()]).transform((v, ctx) => {
  const d = v instanceof Date ? v : new Date(v);
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: 'custom', message: 'expected an ISO datetime or epoch millis' });
    return z.NEVER;
  }
  return d;
});

/** One decoded offer event. A tombstone withdraws the key as of its version and has no payload. */
export const offerEventSchema = z
  .object({
    key: z.string().min(1),
    version: z.number().int().positive(),
    /** present on @sp/events RecordEvents; anything but 'offer' is refused */
    recordType: z.literal('offer').optional(),
    amt: z.string().min(1),
    deliveryId: z.string().min(1),
    deliveredAt: instant,
    tombstone: z.boolean(),
    payload: offerRecordSchema.nullish(),
  })
  .superRefine((e, ctx) => {
    if (!e.tombstone && !e.payload) ctx.addIssue({ code: 'custom', path: ['payload'], message: 'a record event needs a payload' });
    if (e.payload && (e.payload.key !== e.key || e.payload.version !== e.version)) {
      ctx.addIssue({ code: 'custom', path: ['payload', 'key'], message: 'payload key/version must equal the event key/version' });
    }
  });
export type OfferEventInput = z.input<typeof offerEventSchema>;
export type OfferEvent = z.infer<typeof offerEventSchema>;
