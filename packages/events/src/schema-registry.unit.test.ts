import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventCodec } from './event-codec.js';
import { recordTypes } from './record-types.js';
import { defaultSchemasDir, SchemaRegistry } from './schema-registry.js';
import { anAreaStatistic, anEvent, recordFactories } from './testing/record.factories.js';

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

/** Publishes area-statistic v2: v1 plus a defaulted `quality` field. */
function withAreaStatisticV2(dir: string): void {
  const v1 = JSON.parse(readFileSync(join(dir, 'area-statistic/v1.avsc'), 'utf8'));
  v1.fields.push({ name: 'quality', type: 'string', default: 'amtlich', doc: 'amtlich | geschaetzt | vorlaeufig' });
  writeFileSync(join(dir, 'area-statistic/v2.avsc'), JSON.stringify(v1, null, 2));
  execFileSync(process.execPath, [join(dir, 'register.mjs'), 'area-statistic', '2']);
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
    withAreaStatisticV2(dir);
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

  it('a v2 with a new defaulted field: v1 events still decode and both versions are read side by side', () => {
    const dir = schemasCopy();
    const before = new EventCodec(SchemaRegistry.load(dir)); // a producer that only knows v1
    const v1Bytes = before.encode('area-statistic', 1, anEvent('area-statistic', anAreaStatistic({ areaCode: '101' })));

    withAreaStatisticV2(dir);
    const after = new EventCodec(SchemaRegistry.load(dir));
    const v2Record = { ...anAreaStatistic({ areaCode: '102' }), quality: 'vorlaeufig' };
    const v2Bytes = after.encode('area-statistic', 2, anEvent('area-statistic', v2Record));

    // the ids in the messages tell the writer schema
    expect(after.decode(v1Bytes).writer.version).toBe(1);
    expect(after.decode(v2Bytes).writer.version).toBe(2);

    // a consumer built for v2 reads both; v1 events get the default
    const seen = [v1Bytes, v2Bytes].map((b) => after.decodeAs(b));
    expect(seen.map((d) => [d.writer.version, d.reader.version])).toEqual([
      [1, 2],
      [2, 2],
    ]);
    expect(seen.map((d) => (d.event.payload as { quality?: string }).quality)).toEqual(['amtlich', 'vorlaeufig']);
    expect(seen.map((d) => (d.event.payload as { areaCode: string }).areaCode)).toEqual(['101', '102']);

    // a consumer still on v1 decodes the v1 event exactly as before
    expect(before.decode(v1Bytes).event.payload).toEqual(anAreaStatistic({ areaCode: '101' }));
  });
});
