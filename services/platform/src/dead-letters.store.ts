// The platform's dead letters: events a projection could not apply on their own (a poison event),
// kept in the database with where they were and why, so admins see them (GraphQL `deadLetters`,
// the dashboard's Betrieb view) and the partition they came from moves on. One row per consumer
// group and log position: a batch delivered again finds its poison event again and changes nothing.
import type { DeadLetterView } from '@sp/gateway';
import type { Database, DeadLetter, DeadLetterSink } from '@sp/ports';

/** what admins see of a dead letter (the gateway's view), with the event's bytes and headers */
export interface DeadLetterRow extends DeadLetterView {
  /** the undecodable or unappliable event as it was in the log, base64 */
  valueBase64: string;
  headers: Record<string, string>;
}

export class DeadLetterStore implements DeadLetterSink {
  constructor(private readonly db: Database) {}

  async migrate(): Promise<void> {
    await this.db.exec(`CREATE TABLE IF NOT EXISTS dead_letters (
      group_id text NOT NULL,
      topic text NOT NULL,
      partition integer NOT NULL,
      log_offset bigint NOT NULL,
      record_key text NOT NULL,
      error text NOT NULL,
      value bytea NOT NULL,
      headers jsonb NOT NULL,
      event_at timestamptz NOT NULL,
      dead_at timestamptz NOT NULL,
      PRIMARY KEY (group_id, topic, partition, log_offset)
    )`);
  }

  async record(letter: DeadLetter): Promise<void> {
    await this.db.query(
      `INSERT INTO dead_letters (group_id, topic, partition, log_offset, record_key, error, value, headers, event_at, dead_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
      [letter.groupId, letter.topic, letter.partition, letter.offset, letter.key, letter.error, letter.value, letter.headers, new Date(letter.timestamp), new Date(letter.deadAt)],
    );
  }

  /** newest first */
  async list(limit = 100): Promise<DeadLetterRow[]> {
    const { rows } = await this.db.query<{
      group_id: string;
      topic: string;
      partition: number;
      log_offset: string;
      record_key: string;
      error: string;
      value: Uint8Array;
      headers: Record<string, string>;
      event_at: Date;
      dead_at: Date;
    }>('SELECT * FROM dead_letters ORDER BY dead_at DESC, group_id, topic, partition, log_offset DESC LIMIT $1', [limit]);
    return rows.map((r) => ({
      groupId: r.group_id,
      topic: r.topic,
      partition: r.partition,
      offset: String(r.log_offset),
      key: r.record_key,
      error: r.error,
      eventAt: r.event_at,
      deadAt: r.dead_at,
      valueBase64: Buffer.from(r.value).toString('base64'),
      headers: r.headers,
    }));
  }

  async count(): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>('SELECT count(*) AS n FROM dead_letters');
    return Number(rows[0]?.n ?? 0);
  }
}
