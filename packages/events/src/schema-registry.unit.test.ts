import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventCodec } from './event-codec.js';
import { recordTypes } from './record-types.js';
import { defaultSchemasDir, SchemaRegistry } from './schema-registry.js';
import { aGoal, aMeasure, anAreaStatistic, anEvent, anOffer, recordFactories } from './testing/record.factories.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A copy of the repo's schemas/ to change freely. */
function schemasCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sp-schemas-'));
  dirs.push(dir);
  cpSync(defaultSchemasDir(), dir, { recursive: true });
  return dir;
}

/** Publishes the next area-statistic version: the latest plus a defaulted `quality` field; returns its number. */
function withAreaStatisticNext(dir: string): number {
  const latest = SchemaRegistry.load(dir).latest('area-statistic').version;
  const schema = JSON.parse(readFileSync(join(dir, `area-statistic/v${latest}.avsc`), 'utf8'));
  schema.fields.push({ name: 'quality', type: 'string', default: 'amtlich', doc: 'amtlich | geschaetzt | vorlaeufig' });
  writeFileSync(join(dir, `area-statistic/v${latest + 1}.avsc`), JSON.stringify(schema, null, 2));
  execFileSync(process.execPath, [join(dir, 'register.mjs'), 'area-statistic', String(latest + 1)]);
  return latest + 1;
}

describe('schema registry', () => {
  const registry = SchemaRegistry.load();

  it('registers v1 of every record type under unique ids', () => {
    for (const t of recordTypes) expect(registry.versions(t)).toContain(1);
    const ids = registry.all().map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('refuses a published schema that was edited afterwards', () => {
    const dir = schemasCopy();
    const path = join(dir, 'offer/v1.avsc');
    const schema = JSON.parse(readFileSync(path, 'utf8'));
    schema.fields.find((f: { name: string }) => f.name === 'subtype').doc = 'edited';
    writeFileSync(path, JSON.stringify(schema));
    expect(() => SchemaRegistry.load(dir)).toThrow(/changed after publication/);
  });

  it('every version N+1 of a record type reads data written with version N', () => {
    const dir = schemasCopy();
    withAreaStatisticNext(dir);
    const reg = SchemaRegistry.load(dir);
    let pairs = 0;
    for (const t of recordTypes) {
      const versions = reg.versions(t);
      for (let i = 1; i < versions.length; i++) {
        const writer = reg.get(t, versions[i - 1]!);
        const reader = reg.get(t, versions[i]!);
        const event = anEvent(t, recordFactories[t]());
        const bytes = writer.eventType.toBuffer(event);
        expect(() => reader.eventType.fromBuffer(bytes, reader.eventType.createResolver(writer.eventType))).not.toThrow();
        pairs++;
      }
    }
    // the repo's own schemas too, whatever versions they have today
    for (const t of recordTypes) {
      const versions = registry.versions(t);
      for (let i = 1; i < versions.length; i++) {
        const writer = registry.get(t, versions[i - 1]!);
        const reader = registry.get(t, versions[i]!);
        expect(() => reader.eventType.createResolver(writer.eventType)).not.toThrow();
        pairs++;
      }
    }
    expect(pairs).toBeGreaterThanOrEqual(1);
  });

  it('a new version with a defaulted field: older events still decode and both versions are read side by side', () => {
    const dir = schemasCopy();
    const before = new EventCodec(SchemaRegistry.load(dir)); // a producer that only knows v1
    const v1Bytes = before.encode('area-statistic', 1, anEvent('area-statistic', anAreaStatistic({ areaCode: '101' })));

    const next = withAreaStatisticNext(dir);
    const after = new EventCodec(SchemaRegistry.load(dir));
    const nextRecord = { ...anAreaStatistic({ areaCode: '102' }), quality: 'vorlaeufig' };
    const nextBytes = after.encode('area-statistic', next, anEvent('area-statistic', nextRecord));

    // the ids in the messages tell the writer schema
    expect(after.decode(v1Bytes).writer.version).toBe(1);
    expect(after.decode(nextBytes).writer.version).toBe(next);

    // a consumer built for the new version reads both; v1 events get the default
    const seen = [v1Bytes, nextBytes].map((b) => after.decodeAs(b));
    expect(seen.map((d) => [d.writer.version, d.reader.version])).toEqual([
      [1, next],
      [next, next],
    ]);
    expect(seen.map((d) => (d.event.payload as { quality?: string }).quality)).toEqual(['amtlich', 'vorlaeufig']);
    expect(seen.map((d) => (d.event.payload as { areaCode: string }).areaCode)).toEqual(['101', '102']);

    // a consumer still on v1 decodes the v1 event exactly as before
    expect(before.decode(v1Bytes).event.payload).toEqual(anAreaStatistic({ areaCode: '101' }));
  });

  it('area-statistic v2 (record keys): a v1 event reads with no key, a v2 event keeps its keys, identical payloads encode identically', () => {
    const codec = new EventCodec(registry);
    const v1 = anAreaStatistic({ areaCode: '101' });
    const v1Bytes = codec.encode('area-statistic', 1, anEvent('area-statistic', v1));
    const read = codec.decodeAs(v1Bytes, 2).event.payload as { observations: { recordKey: number | null }[] };
    expect(read.observations.every((o) => o.recordKey === null)).toBe(true);
    const keyed = { ...v1, observations: v1.observations.map((o, i) => ({ ...o, recordKey: 0.125 * (i + 1) })) };
    const v2Bytes = codec.encode('area-statistic', 2, anEvent('area-statistic', keyed));
    expect((codec.decode(v2Bytes).event.payload as { observations: { recordKey: number | null }[] }).observations.map((o) => o.recordKey)).toEqual(keyed.observations.map((o) => o.recordKey));
    expect(codec.encodePayload('area-statistic', 2, keyed)).toEqual(codec.encodePayload('area-statistic', 2, structuredClone(keyed)));
  });

  it('goal v2 and measure v2 (targets per area and year, approved budget): v1 events read with none, v2 events keep them', () => {
    const codec = new EventCodec(registry);
    const { targets: _t, targetDirection: _d, ...goalV1 } = aGoal();
    const goal = codec.decodeAs(codec.encode('goal', 1, anEvent('goal', goalV1 as ReturnType<typeof aGoal>)), 2).event.payload as ReturnType<typeof aGoal>;
    expect([goal.targets, goal.targetDirection, goal.targetValue]).toEqual([[], null, 45]);
    const targeted = aGoal({ targetDirection: 'decrease', targets: [{ area: { level: 'STADTTEIL', code: '609' }, year: 2030, value: 12.5 }] });
    expect(codec.decode(codec.encode('goal', 2, anEvent('goal', targeted))).event.payload).toEqual(targeted);

    const budgetV1 = [{ year: 2025, planned: 1_500_000, spent: 10 }];
    const measure = codec.decodeAs(codec.encode('measure', 1, anEvent('measure', aMeasure({ budget: budgetV1 as ReturnType<typeof aMeasure>['budget'] }))), 2).event.payload as ReturnType<
      typeof aMeasure
    >;
    expect(measure.budget).toEqual([{ year: 2025, planned: 1_500_000, spent: 10, approved: null }]);
    const approved = aMeasure({ budget: [{ year: 2025, planned: 100, spent: 10, approved: 80 }] });
    expect(codec.decode(codec.encode('measure', 2, anEvent('measure', approved))).event.payload).toEqual(approved);
  });

  it('offer v2 (Sozialatlas details): a v1 event reads with the details absent, a v2 event keeps them, a v1 reader still reads v2 events', () => {
    const codec = new EventCodec(registry);
    const v1Bytes = codec.encode('offer', 1, anEvent('offer', anOffer({ key: 'o:1' })));
    expect(codec.decodeAs(v1Bytes, 2).event.payload).toMatchObject({ key: 'o:1', openingHours: null, languages: [], accessibility: null, contact: null });
    const details = {
      openingHours: 'Mo–Fr 9–16 Uhr',
      languages: ['de', 'tr', 'ar'],
      accessibility: { wheelchair: 'limited' as const, note: 'Rampe am Seiteneingang' },
      contact: { phone: '0221 123456', email: 'info@example.org', website: null },
    };
    const v2Bytes = codec.encode('offer', 2, anEvent('offer', anOffer({ key: 'o:2', ...details })));
    expect(codec.decode(v2Bytes).writer.version).toBe(2);
    expect(codec.decode(v2Bytes).event.payload).toMatchObject(details);
    // a consumer still on v1 reads a v2 event (Avro resolution drops the fields its reader lacks)
    expect(codec.decodeAs(v2Bytes, 1).event.payload).toMatchObject({ key: 'o:2', name: 'Kita Sonnenschein' });
  });
});
