// The load and the reconciliation of issue 14's kill tests, shared by the embedded default
// (embedded-kill.e2e.test.ts) and servers mode (servers-kill.e2e.test.ts): the platform is killed
// (SIGKILL) at random moments while clients deliver offers and area statistics in small batches.
// Every answer is logged (status, key@version, payload hash). A client whose request got no answer
// either sends the same payload again (must end 2xx created/unchanged), sends a corrected payload
// under the same key@version (2xx if the first was not written, 409 if it may have been — then the
// correction goes in as the next version) or gives up. In the end every key's read model (GraphQL
// offers, indicator values) shows exactly the payload of the 2xx answer for its highest
// acknowledged version — none lost, none counted twice, no 2xx the read models contradict. A key
// that was never acknowledged shows nothing or one of the payloads sent for it.
//
// The kill delays come from a seeded generator; the seed is printed and SP_KILL_SEED replays it
// (the moments a kill hits still depend on timing). SP_KILL_ROUNDS changes the number of rounds.
import { createHash } from 'node:crypto';
import { populationRecords } from '@sp/demo';
import { anAreaStatistic, anOffer } from '@sp/events/testing';
import { mulberry32 } from '@sp/indicators';
import type { GraphQLClient } from '@sp/gateway/testing';
import { type startNodeService, waitFor } from '@sp/testing';
import { expect } from 'vitest';

type Service = Awaited<ReturnType<typeof startNodeService>>;
type RecordType = 'offer' | 'area-statistic';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hashOf = (x: unknown) => createHash('sha256').update(JSON.stringify(x)).digest('hex').slice(0, 12);

interface Answer {
  client: number;
  at: number;
  /** 0: no answer (the platform was killed, or was not up) */
  status: number;
  /** key@version#payload hash of each record sent */
  records: string[];
  code: string;
}
/** what a key must show in the end */
interface KeyState {
  recordType: RecordType;
  /** the highest version answered 2xx, with its payload's distinguishing value */
  acked?: { version: number; value: string | number };
  /** every value sent for it (a key never acknowledged may show any of them, or nothing) */
  sent: Set<string | number>;
}

export const killRounds = (fallback = 10) => Number(process.env.SP_KILL_ROUNDS ?? fallback);
export const killSeed = () => Number(process.env.SP_KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));

export interface KillLoadOptions {
  /** printed in front of every line, e.g. "embedded-kill" */
  label: string;
  seed: number;
  /** the platform's base URL */
  url: string;
  /** the Ämter's API keys (read when sending: a restart may create the file) */
  apiKeys: () => Record<string, string>;
}

/**
 * The clients, their answers' log and the reconciliation. `run()` starts four clients (two for
 * offers, two for area statistics); `killed()`/`restarted()` tell them the platform is down or up
 * again, so they wait instead of hammering a closed port.
 */
export function killLoad(options: KillLoadOptions) {
  const { label, url } = options;
  // the clients' choices from their own stream, apart from the kill delays
  const random = mulberry32(options.seed ^ 0x5bd1e995);
  let up = true;
  const answers: Answer[] = [];
  const keys = new Map<string, KeyState>();
  const outcomes = { same: 0, corrected2xx: 0, corrected409: 0, gaveUp: 0 };
  const unexpected: Answer[] = [];
  const print = (line: string) => process.stdout.write(`[${label}] ${line}\n`);

  // ---- the records: offers (registry) and area statistics (warehouse), three a delivery ----
  const areaCodes = [...new Set(populationRecords().map((r) => r.areaCode))];
  let nextOffer = 0;
  let nextStat = 0;
  const shownValue = (recordType: RecordType, r: Record<string, unknown>) => (recordType === 'offer' ? (r.name as string) : (r.observations as { value: number }[])[0]!.value);
  const offerRecord = (key: string, version: number, name: string) => anOffer({ key, version, name, provider: 'Killtest Träger' }) as unknown as Record<string, unknown>;
  const statRecord = (key: { code: string; period: string }, version: number, value: number) =>
    anAreaStatistic({ areaCode: key.code, period: key.period, version, observations: [{ measure: 'einwohner', dimensions: {}, value }] }) as unknown as Record<string, unknown>;
  const statKeys = new Map<string, { code: string; period: string }>();
  const freshBatch = (recordType: RecordType, client: number): Record<string, unknown>[] =>
    [0, 1, 2].map(() => {
      if (recordType === 'offer') {
        const i = nextOffer++;
        return offerRecord(`syn:e2e-kill:${i}`, 1, `Angebot ${i} c${client} v1`);
      }
      const i = nextStat++;
      // every Stadtteil in one period, then the next period (before the real data, which begins in 2005)
      const k = { code: areaCodes[i % areaCodes.length]!, period: String(1990 + Math.floor(i / areaCodes.length)) };
      const r = statRecord(k, 1, 1000 + Math.floor(random() * 50_000));
      statKeys.set(r.key as string, k);
      return r;
    });
  /** the same keys and version with another payload */
  const corrected = (recordType: RecordType, batch: Record<string, unknown>[], version: (r: Record<string, unknown>) => number, tag: string) =>
    batch.map((r) =>
      recordType === 'offer'
        ? offerRecord(r.key as string, version(r), `${(r.name as string).replace(/ v\d+.*$/, '')} v${version(r)} ${tag}`)
        : statRecord(statKeys.get(r.key as string)!, version(r), (shownValue(recordType, r) as number) + 1 + Math.floor(random() * 1000)),
    );

  const send = async (client: number, recordType: RecordType, records: Record<string, unknown>[]): Promise<Answer> => {
    for (const r of records) {
      const k = keys.get(r.key as string) ?? { recordType, sent: new Set() };
      k.sent.add(shownValue(recordType, r));
      keys.set(r.key as string, k);
    }
    const answer: Answer = { client, at: Date.now(), status: 0, records: records.map((r) => `${r.key}@${r.version}#${hashOf(r)}`), code: '' };
    try {
      const res = await fetch(`${url}/v1/deliveries/${recordType}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.apiKeys()[recordType === 'offer' ? 'jugendamt' : 'statistik']}`, 'content-type': 'application/json' },
        body: JSON.stringify({ records }),
        signal: AbortSignal.timeout(30_000),
      });
      answer.status = res.status;
      const body = await res.text();
      answer.code = res.ok ? '' : (/"code":"([A-Z_]+)"/.exec(body)?.[1] ?? body.slice(0, 200));
    } catch (error) {
      answer.code = String((error as { cause?: { code?: string } }).cause?.code ?? error);
    }
    answers.push(answer);
    if (answer.status >= 200 && answer.status < 300) {
      for (const r of records) {
        const k = keys.get(r.key as string)!;
        if (!k.acked || k.acked.version < (r.version as number)) k.acked = { version: r.version as number, value: shownValue(recordType, r) };
        // a 2xx for an older version than an acknowledged one would be a VERSION_CONFLICT: never sent
      }
    }
    return answer;
  };
  const waitUp = async () => {
    while (!up) await sleep(50);
  };
  /** sends until an answer that is not "no answer" or 503 */
  const sendUntilAnswered = async (client: number, recordType: RecordType, records: Record<string, unknown>[]) => {
    for (;;) {
      await waitUp();
      const a = await send(client, recordType, records);
      if (a.status !== 0 && a.status !== 503) return a;
      await sleep(100 + random() * 200);
    }
  };

  /** one client: a fresh batch after the other; after no answer it resends, corrects or gives up */
  const client = async (id: number, recordType: RecordType, stopped: () => boolean) => {
    while (!stopped()) {
      await waitUp();
      const batch = freshBatch(recordType, id);
      const first = await send(id, recordType, batch);
      if (first.status >= 200 && first.status < 300) {
        // now and then the next version of what was just accepted
        if (random() < 0.2) {
          const next = corrected(recordType, batch, (r) => (r.version as number) + 1, 'update');
          const a = await sendUntilAnswered(id, recordType, next);
          if (a.status >= 300) unexpected.push(a);
        }
      } else if (first.status === 503) {
        const a = await sendUntilAnswered(id, recordType, batch);
        if (a.status >= 300) unexpected.push(a);
      } else if (first.status !== 0) {
        unexpected.push(first);
      } else {
        const choice = random();
        if (choice < 0.4) {
          // the same payload again: created (the first was not written) or unchanged, never 409
          outcomes.same++;
          const a = await sendUntilAnswered(id, recordType, batch);
          if (a.status >= 300) unexpected.push(a);
        } else if (choice < 0.8) {
          // a corrected payload under the same key@version
          const fixed = corrected(recordType, batch, (r) => r.version as number, 'korrigiert');
          const a = await sendUntilAnswered(id, recordType, fixed);
          if (a.status >= 200 && a.status < 300) outcomes.corrected2xx++;
          else if (a.status === 409) {
            // the first may have been written: the correction goes in as the next version
            outcomes.corrected409++;
            const next = corrected(recordType, fixed, (r) => (r.version as number) + 1, 'korrigiert');
            const b = await sendUntilAnswered(id, recordType, next);
            if (b.status >= 300) unexpected.push(b);
          } else unexpected.push(a);
        } else outcomes.gaveUp++;
      }
      await sleep(20 + random() * 60);
    }
  };

  const count = (f: (a: Answer) => boolean) => answers.filter(f).length;

  return {
    answers,
    killed: () => {
      up = false;
    },
    restarted: () => {
      up = true;
    },
    /** starts the four clients; the returned function stops them and waits for their last answers */
    run(): () => Promise<void> {
      let stop = false;
      const clients = Promise.all([client(1, 'offer', () => stop), client(2, 'offer', () => stop), client(3, 'area-statistic', () => stop), client(4, 'area-statistic', () => stop)]);
      return async () => {
        stop = true;
        up = true;
        await clients;
      };
    },

    /** every answer was 2xx, 503 or (after a correction) 409, and some requests got no answer */
    checkAnswers(platformOutput: string) {
      print(
        `seed ${options.seed}: ${answers.length} answers: ${count((a) => a.status >= 200 && a.status < 300)} 2xx, ` +
          `${count((a) => a.status === 409)} 409, ${count((a) => a.status === 503)} 503, ${count((a) => a.status === 0)} no answer; ` +
          `after no answer: ${outcomes.same} same again, ${outcomes.corrected2xx} corrected → 2xx, ${outcomes.corrected409} corrected → 409, ${outcomes.gaveUp} gave up; ` +
          `${keys.size} keys, ${[...keys.values()].filter((k) => k.acked).length} acknowledged`,
      );
      expect(unexpected, `the platform's output ends:\n${platformOutput.slice(-3000)}`).toEqual([]);
      expect(answers.filter((a) => a.status !== 0 && ![200, 201, 409, 503].includes(a.status))).toEqual([]);
      for (const a of answers.filter((x) => x.status === 409)) expect(a.code).toMatch(/VERSION_RESERVED|VERSION_CONFLICT/);
      expect(count((a) => a.status === 0)).toBeGreaterThan(0);
    },

    /** the read models (through GraphQL) show exactly the acknowledged payload of every key */
    async reconcile(gql: GraphQLClient, settleTimeoutMs = 90_000) {
      // every read waits out the per-client budget (429 RATE_LIMITED) as a client would: the settle
      // loop asks many questions a second as one public client
      const ask = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
        for (;;) {
          const r = await gql<T>(query, { variables });
          const limited = r.errors?.find((e) => (e.extensions as { code?: string } | undefined)?.code === 'RATE_LIMITED');
          if (limited) {
            await new Promise((done) => setTimeout(done, 1000 * Number((limited.extensions as { retryAfter?: number }).retryAfter ?? 1)));
            continue;
          }
          expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
          return r.data!;
        }
      };
      // offers: the registry through GraphQL
      type OfferNode = { key: string; name: string; version: number };
      const readOffers = async () => {
        const all: OfferNode[] = [];
        let after: string | null = null;
        for (;;) {
          const r: { offers: { pageInfo: { hasNextPage: boolean; endCursor: string }; edges: { node: OfferNode }[] } } = await ask(
            `query($after: String) { offers(provider: "Killtest Träger", first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { key name version } } } }`,
            { after },
          );
          all.push(...r.offers.edges.map((e) => e.node));
          if (!r.offers.pageInfo.hasNextPage) return all;
          after = r.offers.pageInfo.endCursor;
        }
      };
      // area statistics: the warehouse's indicator values, by period
      const readStats = async () => {
        const byPeriod = new Map<string, string[]>();
        for (const k of statKeys.values()) byPeriod.set(k.period, [...(byPeriod.get(k.period) ?? []), k.code]);
        const values = new Map<string, number>();
        for (const [period, codes] of byPeriod) {
          const r = await ask<{ indicatorValues: { area: { code: string }; value: number | null }[] }>(
            `query($period: String!, $areas: [String!]) { indicatorValues(indicator: "einwohner", level: STADTTEIL, period: $period, areas: $areas) { area { code } value } }`,
            { period, areas: codes },
          );
          for (const v of r.indicatorValues) if (v.value != null) values.set(`bevoelkerung|STADTTEIL|${v.area.code}|${period}`, v.value);
        }
        return values;
      };
      const ackedOf = (t: RecordType) => [...keys.entries()].filter(([, k]) => k.recordType === t && k.acked);
      // the projections catch up; a key that never shows fails below with the figures
      const settled = async () => {
        const offers = new Map((await readOffers()).map((o) => [o.key, o]));
        const stats = await readStats();
        return ackedOf('offer').every(([key, k]) => offers.get(key)?.version === k.acked!.version) && ackedOf('area-statistic').every(([key, k]) => stats.get(key) === k.acked!.value);
      };
      const started = Date.now();
      await waitFor(settled, { timeoutMs: settleTimeoutMs, intervalMs: 1000 }).catch(() => undefined);
      const settleMs = Date.now() - started;
      const offers = new Map((await readOffers()).map((o) => [o.key, o]));
      const stats = await readStats();

      const contradicted: string[] = [];
      const unexplained: string[] = [];
      for (const [key, k] of keys) {
        const shown = k.recordType === 'offer' ? offers.get(key)?.name : stats.get(key);
        if (k.acked) {
          if (shown !== k.acked.value) contradicted.push(`${key}: acknowledged v${k.acked.version} ${k.acked.value}, shown ${shown ?? 'nothing'}`);
          if (k.recordType === 'offer' && offers.get(key)?.version !== k.acked.version) contradicted.push(`${key}: acknowledged v${k.acked.version}, shown v${offers.get(key)?.version}`);
        } else if (shown !== undefined && !k.sent.has(shown)) unexplained.push(`${key}: never acknowledged, shows ${shown}, which was never sent`);
      }
      // nothing that was not sent, nothing twice: the offers are exactly keys sent; the totals exact
      expect([...offers.keys()].filter((key) => !keys.has(key))).toEqual([]);
      const expectedTotal = ackedOf('area-statistic').reduce((s, [, k]) => s + (k.acked!.value as number), 0);
      const ackedTotal = ackedOf('area-statistic').reduce((s, [key]) => s + (stats.get(key) ?? 0), 0);
      print(
        `read models (settled in ${settleMs} ms): ${offers.size} offers (${ackedOf('offer').length} acknowledged keys), ${stats.size} area statistics (${ackedOf('area-statistic').length} acknowledged keys); einwohner of the acknowledged keys ${ackedTotal}, expected ${expectedTotal}; ${contradicted.length} contradicted`,
      );
      expect(contradicted).toEqual([]);
      expect(unexplained).toEqual([]);
      expect(ackedTotal).toBe(expectedTotal);
    },
  };
}

/**
 * `rounds` times: waits a seeded random 200–2500 ms, kills the platform (SIGKILL) and starts it
 * again. A restart that does not become ready fails with the tail of its output and that of the
 * killed process, printed too (a CI log keeps it even when the assertion message is cut).
 */
export async function killAndRestart(options: {
  label: string;
  rounds: number;
  seed: number;
  load: ReturnType<typeof killLoad>;
  current: () => Service;
  start: () => Promise<Service>;
}): Promise<number[]> {
  const killDelay = mulberry32(options.seed);
  const readyMs: number[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    const delay = Math.floor(200 + killDelay() * 2300);
    await sleep(delay);
    options.load.killed();
    const killed = options.current();
    await killed.kill();
    const started = Date.now();
    try {
      await options.start();
    } catch (error) {
      const tail = `[${options.label}] round ${round}: the restart after kill -9 did not become ready (${Date.now() - started} ms): ${(error as Error).message.slice(-4000)}\n[${options.label}] the killed process's output ended:\n${killed.output().slice(-2000)}\n`;
      process.stdout.write(tail);
      throw new Error(tail);
    }
    readyMs.push(Date.now() - started);
    options.load.restarted();
    process.stdout.write(`[${options.label}] round ${round}: kill -9 after ${delay} ms, ready again in ${readyMs.at(-1)} ms\n`);
  }
  return readyMs;
}
