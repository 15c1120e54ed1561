// PostgreSQL schema of the controlling read model, as numbered migrations. A migration is a list of
// single statements (run one by one inside a transaction, so it also works over the extended protocol)
// and is never edited once released; a change is a new number.
import type { Database } from '@sp/ports';

export interface Migration {
  readonly id: number;
  readonly name: string;
  readonly statements: readonly string[];
}

export const controllingMigrations: readonly Migration[] = [
  {
    id: 1,
    name: 'planning read model and audit trail',
    statements: [
      `CREATE TABLE controlling_goal (
        goal_key         text PRIMARY KEY,
        version          integer NOT NULL,
        status           text NOT NULL CHECK (status IN ('draft','adopted','achieved','missed','revised','retired')),
        parent_key       text,
        title            text NOT NULL,
        description      text,
        areas            jsonb NOT NULL,
        target_groups    jsonb NOT NULL,
        indicator        text,
        baseline_value   double precision,
        baseline_period  text,
        target_value     double precision,
        deadline         date,
        adopted_body     text,
        adopted_decision text,
        adopted_date     date,
        revision_reason  text,
        example          boolean NOT NULL,
        updated_at       timestamptz NOT NULL,
        updated_by       text NOT NULL
      )`,
      `CREATE INDEX controlling_goal_parent ON controlling_goal (parent_key)`,
      // every version of every goal, as the record stood after that version (review cycle history)
      `CREATE TABLE controlling_goal_version (
        goal_key        text NOT NULL,
        version         integer NOT NULL,
        status          text NOT NULL,
        record          jsonb NOT NULL,
        revision_reason text,
        changed_at      timestamptz NOT NULL,
        changed_by      text NOT NULL,
        delivery_id     text NOT NULL,
        PRIMARY KEY (goal_key, version)
      )`,
      `CREATE TABLE controlling_measure (
        measure_key    text PRIMARY KEY,
        version        integer NOT NULL,
        status         text NOT NULL CHECK (status IN ('proposed','decided','in_progress','completed','cancelled')),
        title          text NOT NULL,
        description    text,
        goal_keys      jsonb NOT NULL,
        areas          jsonb NOT NULL,
        target_groups  jsonb NOT NULL,
        lead_amt       text NOT NULL,
        participants   jsonb NOT NULL,
        planned_start  date NOT NULL,
        planned_end    date NOT NULL,
        actual_start   date,
        actual_end     date,
        funding_source text,
        example        boolean NOT NULL,
        updated_at     timestamptz NOT NULL,
        updated_by     text NOT NULL
      )`,
      // link tables for the controlling views per area and per goal
      `CREATE TABLE controlling_measure_area (
        measure_key text NOT NULL REFERENCES controlling_measure (measure_key) ON DELETE CASCADE,
        area_level  text NOT NULL,
        area_code   text NOT NULL,
        PRIMARY KEY (measure_key, area_level, area_code)
      )`,
      `CREATE INDEX controlling_measure_area_area ON controlling_measure_area (area_level, area_code)`,
      `CREATE TABLE controlling_measure_goal (
        measure_key text NOT NULL REFERENCES controlling_measure (measure_key) ON DELETE CASCADE,
        goal_key    text NOT NULL,
        PRIMARY KEY (measure_key, goal_key)
      )`,
      `CREATE INDEX controlling_measure_goal_goal ON controlling_measure_goal (goal_key)`,
      `CREATE TABLE controlling_budget_line (
        measure_key text NOT NULL REFERENCES controlling_measure (measure_key) ON DELETE CASCADE,
        year        integer NOT NULL,
        planned     double precision NOT NULL,
        spent       double precision NOT NULL,
        PRIMARY KEY (measure_key, year)
      )`,
      `CREATE TABLE controlling_milestone (
        milestone_key   text PRIMARY KEY,
        version         integer NOT NULL,
        measure_key     text NOT NULL,
        title           text NOT NULL,
        planned_date    date,
        planned_quarter text,
        reached         boolean NOT NULL,
        actual_date     date,
        updated_at      timestamptz NOT NULL,
        CHECK ((planned_date IS NULL) <> (planned_quarter IS NULL))
      )`,
      `CREATE INDEX controlling_milestone_measure ON controlling_milestone (measure_key)`,
      `CREATE TABLE controlling_status_report (
        report_key       text PRIMARY KEY,
        version          integer NOT NULL,
        measure_key      text NOT NULL,
        reported_by      text NOT NULL,
        reported_at      text NOT NULL,
        reported_at_utc  timestamptz NOT NULL,
        progress_percent double precision NOT NULL,
        narrative        text NOT NULL,
        traffic_light    text CHECK (traffic_light IN ('green','yellow','red')),
        updated_at       timestamptz NOT NULL
      )`,
      `CREATE INDEX controlling_status_report_measure ON controlling_status_report (measure_key, reported_at_utc)`,
      // who changed what and when: one row per event, keyed by the deterministic event id (idempotency)
      `CREATE TABLE controlling_audit (
        seq            bigserial NOT NULL,
        event_id       text PRIMARY KEY,
        delivery_id    text NOT NULL,
        aggregate_type text NOT NULL CHECK (aggregate_type IN ('goal','measure','milestone','status-report')),
        aggregate_key  text NOT NULL,
        measure_key    text,
        record_version integer NOT NULL,
        event_type     text NOT NULL,
        data           jsonb NOT NULL,
        actor          text NOT NULL,
        occurred_at    timestamptz NOT NULL,
        projected_at   timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE INDEX controlling_audit_aggregate ON controlling_audit (aggregate_type, aggregate_key, seq)`,
      `CREATE INDEX controlling_audit_measure ON controlling_audit (measure_key, seq)`,
    ],
  },
  {
    id: 2,
    name: 'withdrawals: who withdrew a record, when, in which delivery and with which tombstone version',
    // A withdrawn row keeps its last delivered snapshot (history, audit) and is left out of every read
    // query; a later version clears the columns again. IF NOT EXISTS: safe on databases that have them.
    statements: [
      `ALTER TABLE controlling_goal
        ADD COLUMN IF NOT EXISTS withdrawn_at timestamptz,
        ADD COLUMN IF NOT EXISTS withdrawn_by text,
        ADD COLUMN IF NOT EXISTS withdrawal_delivery_id text,
        ADD COLUMN IF NOT EXISTS withdrawn_version integer`,
      `ALTER TABLE controlling_measure
        ADD COLUMN IF NOT EXISTS withdrawn_at timestamptz,
        ADD COLUMN IF NOT EXISTS withdrawn_by text,
        ADD COLUMN IF NOT EXISTS withdrawal_delivery_id text,
        ADD COLUMN IF NOT EXISTS withdrawn_version integer`,
      `ALTER TABLE controlling_milestone
        ADD COLUMN IF NOT EXISTS withdrawn_at timestamptz,
        ADD COLUMN IF NOT EXISTS withdrawn_by text,
        ADD COLUMN IF NOT EXISTS withdrawal_delivery_id text,
        ADD COLUMN IF NOT EXISTS withdrawn_version integer`,
      `ALTER TABLE controlling_status_report
        ADD COLUMN IF NOT EXISTS withdrawn_at timestamptz,
        ADD COLUMN IF NOT EXISTS withdrawn_by text,
        ADD COLUMN IF NOT EXISTS withdrawal_delivery_id text,
        ADD COLUMN IF NOT EXISTS withdrawn_version integer`,
    ],
  },
  {
    id: 3,
    name: 'goal owner: the Amt that first delivered a goal (drafts are visible to it and the planning staff only)',
    // NULL for goals projected before this migration: nobody but the planning staff sees their drafts
    statements: [`ALTER TABLE controlling_goal ADD COLUMN IF NOT EXISTS owner_amt text`],
  },
  {
    id: 4,
    name: 'goal targets per area and year and their direction (goal v2); approved budget per year (measure v2)',
    // goals and budget lines projected before have none: an empty list, no direction, nothing approved
    statements: [
      `ALTER TABLE controlling_goal
        ADD COLUMN IF NOT EXISTS target_direction text CHECK (target_direction IN ('increase','decrease')),
        ADD COLUMN IF NOT EXISTS targets jsonb NOT NULL DEFAULT '[]'::jsonb`,
      `ALTER TABLE controlling_budget_line ADD COLUMN IF NOT EXISTS approved double precision`,
    ],
  },
  {
    id: 5,
    name: 'topics (Themen) of the Sozialräume: found, assessed, decided (issue 18.3)',
    statements: [
      `CREATE TABLE IF NOT EXISTS controlling_theme (
        theme_key text PRIMARY KEY,
        version integer NOT NULL,
        area_level text NOT NULL,
        area_code text NOT NULL,
        origin text NOT NULL CHECK (origin IN ('bottom_up','top_down')),
        found_date date NOT NULL,
        status text NOT NULL CHECK (status IN ('found','assessed','decided')),
        record jsonb NOT NULL,
        updated_at timestamptz NOT NULL,
        updated_by text NOT NULL,
        withdrawn_at timestamptz,
        withdrawn_by text,
        withdrawal_delivery_id text,
        withdrawn_version integer
      )`,
      `CREATE INDEX IF NOT EXISTS controlling_theme_area ON controlling_theme (area_level, area_code, found_date)`,
      // the audit trail keeps the topics' events too (the constraint of migration 1 has PostgreSQL's default name)
      `ALTER TABLE controlling_audit DROP CONSTRAINT IF EXISTS controlling_audit_aggregate_type_check`,
      `ALTER TABLE controlling_audit ADD CONSTRAINT controlling_audit_aggregate_type_check CHECK (aggregate_type IN ('goal','measure','milestone','status-report','theme'))`,
    ],
  },
];

/** Applies the migrations not yet applied, each in its own transaction, serialised by an advisory lock. */
export async function migrateControlling(db: Database): Promise<number[]> {
  await db.exec(`CREATE TABLE IF NOT EXISTS controlling_schema_migrations (
    id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  const applied: number[] = [];
  for (const migration of controllingMigrations) {
    const done = await db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('controlling_schema_migrations'))`);
      const seen = await tx.query('SELECT 1 FROM controlling_schema_migrations WHERE id = $1', [migration.id]);
      if (seen.rowCount > 0) return false;
      for (const statement of migration.statements) await tx.query(statement);
      await tx.query('INSERT INTO controlling_schema_migrations (id, name) VALUES ($1, $2)', [migration.id, migration.name]);
      return true;
    });
    if (done) applied.push(migration.id);
  }
  return applied;
}
