// The payloads' bytes written into shared chunks are EventCodec.encodePayload()'s, also across chunk
// boundaries and for a payload larger than a chunk, and a view stays intact when later payloads
// are written (issue 17.3: the hashes and events of a delivery hold these views until it is answered).
import { EventCodec, SchemaRegistry } from '@sp/events';
import { anAreaStatistic, anOffer } from '@sp/events/testing';
import { describe, expect, it } from 'vitest';
import { PayloadBytes } from './payload-bytes.js';

const registry = SchemaRegistry.load();
const codec = new EventCodec(registry);

describe('PayloadBytes', () => {
  it("writes EventCodec.encodePayload()'s bytes, across chunks, and earlier views stay as written", () => {
    const latest = registry.latest('area-statistic');
    const encoder = new PayloadBytes(latest.payloadType);
    const records = Array.from({ length: 3000 }, (_, i) =>
      anAreaStatistic({
        areaCode: String(100 + (i % 900)),
        period: String(1990 + (i % 30)),
        version: 1 + (i % 7),
        // sizes from ~100 bytes to ~150 kB (larger than a chunk of 64 KiB), non-ASCII text
        observations: Array.from({ length: i % 500 === 499 ? 4000 : 1 + (i % 13) }, (_, j) => ({
          measure: j % 2 ? 'einwohner_alter' : 'einwohner',
          dimensions: (j % 2 ? { alter: `${j}-${j + 3}`, geschlecht: 'weiblich' } : {}) as Record<string, string>,
          value: j * 1.5 - i,
        })),
        source: i % 3 ? 'Stadt Köln, Amt für Stadtentwicklung und Statistik' : `Straße ${'ß'.repeat(i % 40)} 😀`,
      }),
    );
    const views = records.map((r) => encoder.encode(r));
    for (const [i, r] of records.entries()) expect(views[i]!.equals(codec.encodePayload('area-statistic', latest.version, r))).toBe(true);
    expect(views.some((v) => v.length > 64 * 1024)).toBe(true);
  });

  it('other record types, and a value that is not the type fails as toBuffer() fails', () => {
    const latest = registry.latest('offer');
    const encoder = new PayloadBytes(latest.payloadType);
    const offer = anOffer();
    expect(encoder.encode(offer).equals(codec.encodePayload('offer', latest.version, offer))).toBe(true);
    const wrong = { ...offer, version: 'one' };
    expect(() => codec.encodePayload('offer', latest.version, wrong)).toThrow();
    expect(() => encoder.encode(wrong)).toThrow();
  });
});
