#!/usr/bin/env node
// Registers a new schema version: `node schemas/register.mjs <record-type> <version>` appends an
// entry with the next never-used id and the fingerprint of the composed event schema to
// registry.json. Published entries are never changed; a changed file fails SchemaRegistry.load().
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = dirname(fileURLToPath(import.meta.url));
const avro = createRequire(join(dir, '../packages/events/package.json'))('avsc');
const [name, versionArg, envelopePath = 'envelope/v1.avsc'] = process.argv.slice(2);
const version = Number(versionArg);
if (!name || !Number.isInteger(version) || version < 1) {
  console.error('usage: node schemas/register.mjs <record-type> <version> [envelope path]');
  process.exit(2);
}
const path = `${name}/v${version}.avsc`;
if (!existsSync(join(dir, path))) {
  console.error(`${path} does not exist`);
  process.exit(2);
}
const registryPath = join(dir, 'registry.json');
const registry = existsSync(registryPath) ? JSON.parse(readFileSync(registryPath, 'utf8')) : { nextId: 1, schemas: [] };
if (registry.schemas.some((s) => s.name === name && s.version === version)) {
  console.error(`${name} v${version} is already registered; published versions are never edited`);
  process.exit(1);
}
const envelope = JSON.parse(readFileSync(join(dir, envelopePath), 'utf8'));
const payload = JSON.parse(readFileSync(join(dir, path), 'utf8'));
const field = envelope.fields.find((f) => f.name === 'payload');
field.type = field.type.map((t) => (t === '$payload' ? payload : t));
avro.Type.forSchema(envelope); // must parse
// sha256 of the composed schema JSON (whitespace-insensitive; docs and defaults included)
const fingerprint = createHash('sha256').update(JSON.stringify(envelope)).digest('hex');
const entry = { id: registry.nextId, name, version, path, envelope: envelopePath, fingerprint };
registry.schemas.push(entry);
registry.nextId += 1;
writeFileSync(registryPath, `${JSON.stringify(registry, null, 2)}\n`);
console.log(`registered ${name} v${version} as schema id ${entry.id}`);
