// The gateway's part of a planning save, with an in-memory PlanningWriter (the platform's adapter
// over the ingestion service is tested end to end in services/platform/src/planning-mutations.int.test.ts):
// in whose name a viewer writes, who is refused before anything is written, and how the feed's
// answers become the mutation's result.
import { describe, expect, it } from 'vitest';
import { testGateway } from '../testing/gateway.fixture.js';
import { tokenFor } from '../testing/gateway.fixture.js';
import type { PlanningAuthor, PlanningWriteResult, PlanningWriter, WritableRecordType } from './planning.writer.js';

function recordingWriter(answer: (by: PlanningAuthor) => PlanningWriteResult): PlanningWriter & { saves: { by: PlanningAuthor; recordType: WritableRecordType; record: Record<string, unknown> }[] } {
  const saves: { by: PlanningAuthor; recordType: WritableRecordType; record: Record<string, unknown> }[] = [];
  return {
    planningAmt: 'planung',
    saves,
    async save(by, recordType, record) {
      saves.push({ by, recordType, record });
      return answer(by);
    },
  };
}

const accepted = (by: PlanningAuthor): PlanningWriteResult => ({
  kind: 'accepted',
  key: 'ziel:x',
  version: 1,
  status: 'created',
  deliveryId: 'd1',
  deliveredAt: '2026-01-01T00:00:00.000Z',
  author: by.author,
  amt: by.amt,
});
const SAVE = `mutation($i: GoalInput!) { saveGoal(input: $i) { saved key version author amt errors { field code message accepted } } }`;

describe('planning mutations in the gateway', () => {
  it('writes as the planning Amt for a planner and as its Amt for an Amt, with the person as author; absent fields stay absent', async () => {
    const writer = recordingWriter(accepted);
    const { gql } = testGateway({ planningWriter: writer });
    const planner = await gql(SAVE, { variables: { i: { key: 'ziel:x', version: 1, title: 'T' } }, token: await tokenFor({ role: 'planner', sub: 'anna' }) });
    expect(planner.data!.saveGoal).toMatchObject({ saved: true, author: 'person:anna', amt: 'planung', errors: [] });
    await gql(SAVE, { variables: { i: { key: 'ziel:y', version: 1 } }, token: await tokenFor({ role: 'amt', amt: 'jugendamt', sub: 'jan' }) });
    expect(writer.saves.map((s) => s.by)).toEqual([
      { author: 'person:anna', amt: 'planung' },
      { author: 'person:jan', amt: 'jugendamt' },
    ]);
    expect(writer.saves[0]!.record).toEqual({ key: 'ziel:x', version: 1, title: 'T' });
  });

  it('refuses the public, tokens without a person and admins before anything is written', async () => {
    const writer = recordingWriter(accepted);
    const { gateway } = testGateway({ planningWriter: writer });
    const post = async (token?: string) =>
      gateway.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query: SAVE, variables: { i: { key: 'ziel:x', version: 1 } } }),
      });
    expect((await post()).status).toBe(401);
    expect((await post(await tokenFor({ role: 'planner', sub: undefined }))).status).toBe(401);
    const admin = await post(await tokenFor({ role: 'admin', sub: 'root' }));
    expect(admin.status).toBe(403);
    expect(writer.saves).toEqual([]);
  });

  it('turns a refusal of the feed into 403 naming the owner, and validation errors into errors per field', async () => {
    const writer = recordingWriter((by) =>
      by.amt === 'sozialamt'
        ? {
            kind: 'rejected',
            errors: [{ field: 'measureKey', code: 'MEASURE_OF_OTHER_AMT', message: 'measure m is led by Amt jugendamt', accepted: 'a measure your Amt leads', value: 'm' }],
            currentVersion: null,
          }
        : { kind: 'rejected', errors: [{ field: 'title', code: 'REQUIRED', message: 'title is missing', accepted: 'a text', value: null }], currentVersion: null },
    );
    const { gateway, gql } = testGateway({ planningWriter: writer });
    const invalid = await gql(SAVE, { variables: { i: { key: 'ziel:x', version: 1 } }, token: await tokenFor({ role: 'planner', sub: 'anna' }) });
    expect(invalid.data!.saveGoal).toMatchObject({ saved: false, key: null, errors: [{ field: 'title', code: 'REQUIRED', message: 'title is missing', accepted: 'a text' }] });
    const res = await gateway.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokenFor({ role: 'amt', amt: 'sozialamt', sub: 'sara' })}` },
      body: JSON.stringify({ query: SAVE, variables: { i: { key: 'ziel:x', version: 1 } } }),
    });
    expect(res.status).toBe(403);
    const body = (await res.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] };
    expect(body.errors[0]).toMatchObject({ message: 'measure m is led by Amt jugendamt', extensions: { code: 'FORBIDDEN', reason: 'MEASURE_OF_OTHER_AMT', field: 'measureKey' } });
  });

  it('answers NOT_AVAILABLE where no writer is connected (the standalone gateway reads only)', async () => {
    const { gql } = testGateway();
    const r = await gql(SAVE, { variables: { i: { key: 'ziel:x', version: 1 } }, token: await tokenFor({ role: 'planner', sub: 'anna' }) });
    expect(r.errors?.[0]?.extensions?.code).toBe('NOT_AVAILABLE');
  });
});
