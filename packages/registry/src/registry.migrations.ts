// Numbered SQL migrations of the registry schema (packages/registry/migrations/NNN_name.sql), applied
// in order through the Database port and recorded in registry_schema_migration. Resolved relative to
// this module so it works from src/ (tests) and dist/ (runtime) alike.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database } from '@sp/ports';

const migrationsDir = fileURLToPath(new URL('../migrations/', import.meta.url));

export interface Migration {
  id: number;
  name: string;
  sql: string;
}

export function registryMigrations(): Migration[] {
  return readdirSync(migrationsDir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ id: Number(f.slice(0, 3)), name: f.replace(/\.sql$/, ''), sql: readFileSync(migrationsDir + f, 'utf8') }));
}

/** Applies the migrations not yet applied; returns the names applied now. One migrator at a time. */
export async function migrateRegistry(db: Database): Promise<string[]> {
  await db.exec('CREATE TABLE IF NOT EXISTS registry_schema_migration (id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
  const done = new Set((await db.query<{ id: number }>('SELECT id FROM registry_schema_migration')).rows.map((r) => Number(r.id)));
  const applied: string[] = [];
  for (const m of registryMigrations()) {
    if (done.has(m.id)) continue;
    // one multi-statement exec runs as one implicit transaction: a failing migration leaves nothing behind
    await db.exec(`${m.sql}\n;INSERT INTO registry_schema_migration (id, name) VALUES (${m.id}, '${m.name}');`);
    applied.push(m.name);
  }
  return applied;
}
