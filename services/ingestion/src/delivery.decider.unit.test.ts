// Given what PostgreSQL knows of the keys (answered and reserved versions) and the referenced
// records, when a delivery arrives, then each item is created, completed or unchanged — or the
// delivery is rejected with these errors. One test per rule of docs/feeds.md.
import type { AnyRecord, RecordType } from '@sp/events';
import { aGoal, aMeasure, aMilestone, anAreaStatistic, anOffer, aStatusReport } from '@sp/events/testing';
import type { FeedError } from '@sp/feeds';
import { describe, expect, it } from 'vitest';
import {
  decideDelivery,
  referencedKeys,
  TOMBSTONE_HASH,
  type CommittedVersion,
  type Decided,
  type DeliveryItem,
  type DeliveryKind,
  type KeyState,
  type ReferencedRecord,
  type References,
  type Reservation,
} from './delivery.decider.js';

// ── small factories ─────────────────────────────────────────────────────────────────────────────

const KEY = 'bevoelkerung|STADTTEIL|101|2012';

function committed(version: number, o: Partial<CommittedVersion> = {}): CommittedVersion {
  return {
    version,
    payloadHash: `hash-${version}`,
    tombstone: false,
    amt: 'statistik',
    deliveryId: `delivery-${version}`,
    payload: null,
    schemaId: 1,
    topic: 'records.area-statistic',
    partition: 0,
    offset: String(version),
    ...o,
  };
}
function reserved(version: number, o: Partial<Reservation> = {}): Reservation {
  return { version, payloadHash: `hash-${version}`, tombstone: false, amt: 'statistik', deliveryId: `unanswered-${version}`, payload: null, reservedAt: new Date('2025-06-01T10:00:00Z'), ...o };
}
function item(version: number | undefined, hash: string, o: Partial<DeliveryItem> = {}): DeliveryItem {
  return { row: 0, key: KEY, version, payload: hash === TOMBSTONE_HASH ? null : anAreaStatistic({ version: version ?? 1 }), hash, ...o };
}
function record(payload: AnyRecord, hash = `hash-${payload.version}`, row = 0): DeliveryItem {
  return { row, key: payload.key, version: payload.version, payload, hash };
}
function current(payload: AnyRecord, amt = 'planung', tombstone = false): ReferencedRecord {
  return { key: payload.key, amt, tombstone, payload: tombstone ? null : payload };
}

const noReferences: References = { goals: new Map(), measures: new Map(), indicatorCodes: new Set() };

/** given(states, references).when(items).thenDecides(outcomes) / .thenRejects(errors) */
function spec(recordType: RecordType = 'area-statistic', kind: DeliveryKind = 'records', amt = 'statistik') {
  return {
    given(states: Record<string, Partial<KeyState>> = {}, references: Partial<References> = {}) {
      const known = new Map(Object.entries(states).map(([k, s]) => [k, { committed: undefined, reservations: [], ...s }]));
      return {
        when(...items: DeliveryItem[]) {
          const decision = decideDelivery({ recordType, kind, amt, items }, known, { ...noReferences, ...references });
          return {
            thenDecides(expected: [Decided['outcome'], number][]): Decided[] {
              expect(decision.accepted ? [] : decision.errors).toEqual([]);
              if (!decision.accepted) throw new Error('rejected');
              expect(decision.decided.map((d) => [d.outcome, d.version])).toEqual(expected);
              return decision.decided;
            },
            thenRejects(...expected: Partial<FeedError>[]): { errors: FeedError[]; currentVersions: Record<string, number> } {
              expect(decision.accepted).toBe(false);
              if (decision.accepted) throw new Error('accepted');
              expect(decision.errors).toHaveLength(expected.length);
              decision.errors.forEach((e, i) => {
                expect(e).toMatchObject(expected[i]!);
              });
              return decision;
            },
          };
        },
      };
    },
  };
}

// ── versions ─────────────────────────────────────────────────────────────────────────────────────

describe('versions of records', () => {
  it('a new key is created with the version delivered, with nothing before it', () => {
    const [d] = spec()
      .given()
      .when(item(3, 'a'))
      .thenDecides([['create', 3]]);
    expect(d).toMatchObject({ previous: undefined });
  });

  it('a higher version is created on top of the answered one', () => {
    const [d] = spec()
      .given({ [KEY]: { committed: committed(1) } })
      .when(item(2, 'b'))
      .thenDecides([['create', 2]]);
    expect(d).toMatchObject({ previous: { version: 1 } });
  });

  it('the same version with the same payload is unchanged and points at the answered event', () => {
    const [d] = spec()
      .given({ [KEY]: { committed: committed(2, { payloadHash: 'same', partition: 3, offset: '17' }) } })
      .when(item(2, 'same'))
      .thenDecides([['unchanged', 2]]);
    expect(d).toMatchObject({ committed: { partition: 3, offset: '17' } });
  });

  it('the same version written under an earlier schema is unchanged when the payload hashes equal under that schema', () => {
    // offer v1 committed (schema id 1), delivered again after v2: the v2 bytes differ, the v1 bytes do not
    spec()
      .given({ [KEY]: { committed: committed(2, { payloadHash: 'v1-bytes', schemaId: 1 }) } })
      .when(item(2, 'v2-bytes', { hashBySchema: { 1: 'v1-bytes' } }))
      .thenDecides([['unchanged', 2]]);
    // a hash under another schema than the committed one's does not count
    spec()
      .given({ [KEY]: { committed: committed(2, { payloadHash: 'v1-bytes', schemaId: 1 }) } })
      .when(item(2, 'v2-bytes', { hashBySchema: { 7: 'v1-bytes' } }))
      .thenRejects({ row: 0, field: 'version', value: 2, code: 'VERSION_CONFLICT' });
  });

  it('the same version with another payload is a VERSION_CONFLICT naming the current version', () => {
    const { currentVersions } = spec()
      .given({ [KEY]: { committed: committed(2) } })
      .when(item(2, 'other'))
      .thenRejects({ row: 0, field: 'version', value: 2, code: 'VERSION_CONFLICT', message: `version 2 of ${KEY} was delivered with a different payload; the current version is 2` });
    expect(currentVersions).toEqual({ [KEY]: 2 });
  });

  it('an older version is a VERSION_CONFLICT that says what would be accepted', () => {
    const { errors } = spec()
      .given({ [KEY]: { committed: committed(4) } })
      .when(item(3, 'hash-3'))
      .thenRejects({ code: 'VERSION_CONFLICT', message: `version 3 of ${KEY} is older than the current version; the current version is 4` });
    expect(errors[0]!.accepted).toBe('version 5 or higher (or version 4 with exactly the payload delivered before)');
  });

  it('a batch is all or nothing: one conflict rejects it, the error names only that row', () => {
    const other = 'bevoelkerung|STADTTEIL|102|2012';
    spec()
      .given({ [KEY]: { committed: committed(2) } })
      .when(item(1, 'x', { key: other, row: 0 }), item(1, 'hash-1', { row: 1 }))
      .thenRejects({ row: 1, code: 'VERSION_CONFLICT' });
  });
});

describe('withdrawals', () => {
  const withdraw = spec('area-statistic', 'withdrawals');

  it('a withdrawal with a version creates a tombstone of that version', () => {
    withdraw
      .given({ [KEY]: { committed: committed(1) } })
      .when(item(5, TOMBSTONE_HASH))
      .thenDecides([['create', 5]]);
  });

  it('a withdrawal without version takes the next version', () => {
    withdraw
      .given({ [KEY]: { committed: committed(2) } })
      .when(item(undefined, TOMBSTONE_HASH))
      .thenDecides([['create', 3]]);
  });

  it('withdrawing again is unchanged at the tombstone’s version', () => {
    withdraw
      .given({ [KEY]: { committed: committed(3, { tombstone: true, payloadHash: TOMBSTONE_HASH }) } })
      .when(item(undefined, TOMBSTONE_HASH))
      .thenDecides([['unchanged', 3]]);
  });

  it('a withdrawal of an unknown key is UNKNOWN_KEY', () => {
    withdraw.given().when(item(undefined, TOMBSTONE_HASH)).thenRejects({ code: 'UNKNOWN_KEY', field: 'key', value: KEY });
  });

  it('a withdrawal under a version that holds a payload is a VERSION_CONFLICT', () => {
    withdraw
      .given({ [KEY]: { committed: committed(2) } })
      .when(item(2, TOMBSTONE_HASH))
      .thenRejects({ code: 'VERSION_CONFLICT', message: `version 2 of ${KEY} was delivered with a different payload; the current version is 2` });
  });
});

describe('re-delivery after a withdrawal', () => {
  const withdrawn = { [KEY]: { committed: committed(2, { tombstone: true, payloadHash: TOMBSTONE_HASH }) } };

  it('a higher version brings the record back', () => {
    const [d] = spec()
      .given(withdrawn)
      .when(item(3, 'back'))
      .thenDecides([['create', 3]]);
    expect(d).toMatchObject({ previous: { tombstone: true } });
  });

  it('the tombstone’s version with a payload is a VERSION_CONFLICT that names the withdrawal', () => {
    spec()
      .given(withdrawn)
      .when(item(2, 'back'))
      .thenRejects({ code: 'VERSION_CONFLICT', message: `version 2 of ${KEY} was delivered with a withdrawal; the current version is 2` });
  });
});

describe('keys of another Amt', () => {
  it('cannot be overwritten, and the answer reveals nothing of the other Amt’s record', () => {
    const { errors, currentVersions } = spec('offer', 'records', 'gesundheitsamt')
      .given({ [KEY]: { committed: committed(7, { amt: 'jugendamt' }) } })
      .when(item(8, 'mine'))
      .thenRejects({ code: 'KEY_OF_OTHER_AMT', field: 'key', value: KEY });
    expect(currentVersions).toEqual({});
    expect(JSON.stringify(errors)).not.toMatch(/7|jugendamt|hash/);
  });

  it('cannot be withdrawn', () => {
    spec('offer', 'withdrawals', 'gesundheitsamt')
      .given({ [KEY]: { committed: committed(1, { amt: 'jugendamt' }) } })
      .when(item(undefined, TOMBSTONE_HASH))
      .thenRejects({ code: 'KEY_OF_OTHER_AMT' });
  });

  it('a key only reserved by another Amt’s unanswered delivery belongs to that Amt too', () => {
    spec('offer', 'records', 'gesundheitsamt')
      .given({ [KEY]: { reservations: [reserved(1, { amt: 'jugendamt' })] } })
      .when(item(1, 'hash-1'))
      .thenRejects({ code: 'KEY_OF_OTHER_AMT' });
  });
});

// ── reservations (issue 14): a 2xx means exactly this payload ──────────────────────────────────────

describe('reserved but unanswered versions', () => {
  it('exactly the reserved payload again completes the reservation (it is appended again)', () => {
    const [d] = spec()
      .given({ [KEY]: { committed: committed(1), reservations: [reserved(2, { payloadHash: 'A' })] } })
      .when(item(2, 'A'))
      .thenDecides([['complete', 2]]);
    expect(d).toMatchObject({ reservation: { deliveryId: 'unanswered-2' } });
  });

  it('a first delivery that crashed after its append: the same payload completes it', () => {
    spec()
      .given({ [KEY]: { reservations: [reserved(1, { payloadHash: 'A' })] } })
      .when(item(1, 'A'))
      .thenDecides([['complete', 1]]);
  });

  it('another payload under the reserved version is VERSION_RESERVED naming the stored hash and what would be accepted, never a create', () => {
    const { errors, currentVersions } = spec()
      .given({ [KEY]: { reservations: [reserved(1, { payloadHash: 'A' })] } })
      .when(item(1, 'B'))
      .thenRejects({
        field: 'version',
        value: 1,
        code: 'VERSION_RESERVED',
        message: `version 1 of ${KEY} is held by an earlier delivery (unanswered-1) that was not answered and may already be in the log, with another payload (sha256 A)`,
      });
    expect(errors[0]!.accepted).toBe('exactly the payload of delivery unanswered-1 again as version 1 (to complete it), or version 2 or higher');
    expect(currentVersions).toEqual({ [KEY]: 1 });
  });

  it('a version below the reserved one is VERSION_RESERVED, even above the answered one', () => {
    spec()
      .given({ [KEY]: { committed: committed(1), reservations: [reserved(3)] } })
      .when(item(2, 'x'))
      .thenRejects({
        code: 'VERSION_RESERVED',
        message: `version 2 of ${KEY} is older than version 3, which an earlier delivery (unanswered-3) that was not answered holds and may already be in the log`,
      });
  });

  it('a version above the reserved one is created on top of it (the log may hold the reserved one)', () => {
    const [d] = spec()
      .given({ [KEY]: { committed: committed(1), reservations: [reserved(2, { payloadHash: 'A' })] } })
      .when(item(3, 'C'))
      .thenDecides([['create', 3]]);
    expect(d).toMatchObject({ previous: { version: 2, payloadHash: 'A' } });
  });

  it('the answered version again is no longer unchanged once a higher version is reserved', () => {
    spec()
      .given({ [KEY]: { committed: committed(1, { payloadHash: 'A' }), reservations: [reserved(2)] } })
      .when(item(1, 'A'))
      .thenRejects({ code: 'VERSION_RESERVED' });
  });

  it('a withdrawal without version completes a reserved withdrawal', () => {
    spec('area-statistic', 'withdrawals')
      .given({ [KEY]: { committed: committed(1), reservations: [reserved(2, { tombstone: true, payloadHash: TOMBSTONE_HASH })] } })
      .when(item(undefined, TOMBSTONE_HASH))
      .thenDecides([['complete', 2]]);
  });

  it('a record under a reserved withdrawal’s version is VERSION_RESERVED naming the withdrawal', () => {
    const { errors } = spec()
      .given({ [KEY]: { reservations: [reserved(2, { tombstone: true, payloadHash: TOMBSTONE_HASH })] } })
      .when(item(2, 'A'))
      .thenRejects({ code: 'VERSION_RESERVED' });
    expect(errors[0]!.message).toMatch(/with a withdrawal$/);
  });
});

// ── Amt scope (issue 13, deliver 3) ──────────────────────────────────────────────────────────────

describe('offers', () => {
  it('an Amt registers offers in its own name', () => {
    spec('offer', 'records', 'jugendamt')
      .given()
      .when(record(anOffer({ amt: 'jugendamt' })))
      .thenDecides([['create', 1]]);
  });

  it('an offer in another Amt’s name is AMT_MISMATCH naming both', () => {
    const { errors } = spec('offer', 'records', 'gesundheitsamt')
      .given()
      .when(record(anOffer({ amt: 'jugendamt' })))
      .thenRejects({ code: 'AMT_MISMATCH', field: 'amt', value: 'jugendamt' });
    expect(errors[0]!.message).toMatch(/gesundheitsamt cannot register an offer in the name of Amt jugendamt/);
    expect(errors[0]!.accepted).toBe('"amt": "gesundheitsamt" (your own Amt)');
  });
});

describe('milestones and status reports', () => {
  const measure = aMeasure({ key: 'm:1', leadAmt: 'jugendamt', participants: ['sozialamt', 'Träger: Beispiel e.V.'] });
  const measures = new Map([[measure.key, current(measure, 'planung')]]);
  const milestone = aMilestone({ measureKey: 'm:1' });
  const report = aStatusReport({ measureKey: 'm:1', trafficLight: 'red' });

  it.each([
    ['the lead Amt', 'jugendamt'],
    ['an Amt named a partner', 'sozialamt'],
    ['the Amt that delivered the measure', 'planung'],
  ])('%s may deliver them', (_who, amt) => {
    spec('milestone', 'records', amt)
      .given({}, { measures })
      .when(record(milestone))
      .thenDecides([['create', 1]]);
    spec('status-report', 'records', amt)
      .given({}, { measures })
      .when(record(report))
      .thenDecides([['create', 1]]);
  });

  it('another Amt’s red status report on the measure is MEASURE_OF_OTHER_AMT naming the owner', () => {
    const { errors } = spec('status-report', 'records', 'gesundheitsamt').given({}, { measures }).when(record(report)).thenRejects({ code: 'MEASURE_OF_OTHER_AMT', field: 'measureKey', value: 'm:1' });
    expect(errors[0]!.message).toBe(
      'measure m:1 is led by Amt jugendamt (delivered by planung; participants: sozialamt, Träger: Beispiel e.V.); Amt gesundheitsamt may deliver status reports only for measures it leads, delivered or is named a partner of',
    );
  });

  it('another Amt’s milestone on the measure is MEASURE_OF_OTHER_AMT', () => {
    spec('milestone', 'records', 'wohnungsamt').given({}, { measures }).when(record(milestone)).thenRejects({ code: 'MEASURE_OF_OTHER_AMT' });
  });

  it('a new version that moves an own milestone onto another Amt’s measure is MEASURE_OF_OTHER_AMT', () => {
    const foreign = aMeasure({ key: 'm:2', leadAmt: 'schulamt', participants: [] });
    spec('milestone', 'records', 'jugendamt')
      .given({ [milestone.key]: { committed: committed(1, { amt: 'jugendamt' }) } }, { measures: new Map([...measures, [foreign.key, current(foreign)]]) })
      .when(record(aMilestone({ version: 2, measureKey: 'm:2' })))
      .thenRejects({ code: 'MEASURE_OF_OTHER_AMT', value: 'm:2' });
  });

  it('a measure that does not exist, or was withdrawn, is UNKNOWN_REFERENCE naming the field and the key', () => {
    spec('milestone', 'records', 'jugendamt')
      .given()
      .when(record(aMilestone({ measureKey: 'm:nope' })))
      .thenRejects({ code: 'UNKNOWN_REFERENCE', field: 'measureKey', value: 'm:nope', message: 'there is no measure m:nope' });
    spec('status-report', 'records', 'jugendamt')
      .given({}, { measures: new Map([[measure.key, current(measure, 'planung', true)]]) })
      .when(record(report))
      .thenRejects({ code: 'UNKNOWN_REFERENCE', field: 'measureKey', value: 'm:1' });
  });

  it('a withdrawal is the record owner’s: no measure is looked at', () => {
    spec('milestone', 'withdrawals', 'jugendamt')
      .given({ [milestone.key]: { committed: committed(1, { amt: 'jugendamt' }) } })
      .when({ row: 0, key: milestone.key, version: undefined, payload: null, hash: TOMBSTONE_HASH })
      .thenDecides([['create', 2]]);
  });

  it('an unchanged record is not checked again (its measure may have been withdrawn since)', () => {
    spec('milestone', 'records', 'jugendamt')
      .given({ [milestone.key]: { committed: committed(1, { amt: 'jugendamt', payloadHash: 'M' }) } })
      .when(record(milestone, 'M'))
      .thenDecides([['unchanged', 1]]);
  });
});

// ── references between planning records (issue 13, deliver 1) ──────────────────────────────────

describe('references', () => {
  const parent = aGoal({ key: 'goal:parent' });
  const indicatorCodes = new Set(['sgb2_quote']);

  it('a goal may name an existing parent goal and a catalogue indicator', () => {
    spec('goal', 'records', 'planung')
      .given({}, { goals: new Map([[parent.key, current(parent)]]), indicatorCodes })
      .when(record(aGoal({ key: 'goal:child', parentKey: parent.key, indicator: 'sgb2_quote' })))
      .thenDecides([['create', 1]]);
  });

  it('a goal may name a parent delivered in the same delivery', () => {
    spec('goal', 'records', 'planung')
      .given({}, { indicatorCodes })
      .when(record(aGoal({ key: 'goal:child', parentKey: parent.key, indicator: null }), 'c', 0), record({ ...parent, indicator: 'sgb2_quote' }, 'p', 1))
      .thenDecides([
        ['create', 1],
        ['create', 1],
      ]);
  });

  it('a goal naming a parent goal that does not exist (or was withdrawn) is UNKNOWN_REFERENCE', () => {
    spec('goal', 'records', 'planung')
      .given({}, { goals: new Map([[parent.key, current(parent, 'planung', true)]]), indicatorCodes })
      .when(record(aGoal({ key: 'goal:child', parentKey: parent.key, indicator: 'sgb2_quote' })))
      .thenRejects({ code: 'UNKNOWN_REFERENCE', field: 'parentKey', value: parent.key, message: 'there is no goal goal:parent' });
  });

  it('a goal naming an indicator outside the catalogue is UNKNOWN_REFERENCE', () => {
    spec('goal', 'records', 'planung')
      .given({}, { indicatorCodes })
      .when(record(aGoal({ indicator: 'kita_versorgungsquote' })))
      .thenRejects({ code: 'UNKNOWN_REFERENCE', field: 'indicator', value: 'kita_versorgungsquote' });
  });

  it('a measure naming goals that do not exist is UNKNOWN_REFERENCE for each, by index', () => {
    spec('measure', 'records', 'planung')
      .given({}, { goals: new Map([[parent.key, current(parent)]]) })
      .when(record(aMeasure({ goalKeys: [parent.key, 'goal:nope'] })))
      .thenRejects({ code: 'UNKNOWN_REFERENCE', field: 'goalKeys[1]', value: 'goal:nope', message: 'there is no goal goal:nope' });
  });

  it('the keys to look up are those the records name', () => {
    expect(referencedKeys('measure', [record(aMeasure({ goalKeys: ['g:1', 'g:2'] })), record(aMeasure({ key: 'm:2', goalKeys: ['g:2'] }))])).toEqual({ goals: ['g:1', 'g:2'], measures: [] });
    expect(referencedKeys('goal', [record(aGoal({ parentKey: 'g:0' }))])).toEqual({ goals: ['g:0'], measures: [] });
    expect(referencedKeys('status-report', [record(aStatusReport({ measureKey: 'm:9' }))])).toEqual({ goals: [], measures: ['m:9'] });
    expect(referencedKeys('offer', [record(anOffer())])).toEqual({ goals: [], measures: [] });
  });
});
