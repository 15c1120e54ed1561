// A short-lived cache shared by all requests in front of the IndicatorReader. Dashboards ask the
// same few questions at once (50 users on one choropleth): identical reads in flight are
// collapsed into one warehouse query, and answers are reused for `ttlMs`; after that, an answer
// younger than `maxStaleMs` is still served while one refresh runs in the background
// (stale-while-revalidate), so readers never queue behind a refresh. The key is the whole
// query including `privileged`, so a privileged answer is never served to anyone else; errors are
// not cached. After new deliveries the composition root may call `clear()` (otherwise values are
// at most `ttlMs` old). Per-request DataLoaders sit above this and still batch within a request.
import type { IndexResult, IndexValue, IndicatorReader, IndicatorValue, IndicatorValuesQuery } from '@sp/indicator-store';

export interface ReaderCacheOptions {
  /** how long an answer is reused; 0 disables reuse but keeps collapsing of reads in flight */
  ttlMs: number;
  /** most answers kept (least recently used dropped first) */
  maxEntries: number;
  /** an expired answer younger than this is served while it is refreshed; default 4 × ttlMs */
  maxStaleMs?: number;
}

export interface CachingReader extends IndicatorReader {
  clear(): void;
}

export function cachingReader(reader: IndicatorReader, options: ReaderCacheOptions, now: () => number = Date.now): CachingReader {
  interface Entry {
    /** when the current answer arrived (or the first load started) */
    at: number;
    value: Promise<unknown>;
    settled: boolean;
    refreshing: boolean;
  }
  const entries = new Map<string, Entry>();
  const maxStale = options.maxStaleMs ?? options.ttlMs * 4;

  function load<T>(key: string, fn: () => Promise<T>, previous?: Entry): Promise<T> {
    const value = fn();
    value.then(
      () => {
        const e = entries.get(key);
        if (e === previous || !e) entries.set(key, { at: now(), value, settled: true, refreshing: false });
        else if (e.value === value) Object.assign(e, { at: now(), settled: true });
      },
      () => {
        const e = entries.get(key);
        if (e?.value === value) entries.delete(key);
        else if (e === previous && e) e.refreshing = false;
      },
    );
    return value;
  }

  function cached<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const hit = entries.get(key);
    const age = hit ? now() - hit.at : Infinity;
    if (hit && (!hit.settled || age <= options.ttlMs)) {
      entries.delete(key); // keep recently used entries at the end
      entries.set(key, hit);
      return hit.value as Promise<T>;
    }
    if (hit && age <= maxStale) {
      // serve the previous answer, refresh once in the background
      if (!hit.refreshing) {
        hit.refreshing = true;
        void load(key, fn, hit).catch(() => undefined);
      }
      return hit.value as Promise<T>;
    }
    const value = load(key, fn);
    entries.set(key, { at: now(), value, settled: false, refreshing: false });
    while (entries.size > options.maxEntries) entries.delete(entries.keys().next().value!);
    return value;
  }

  return {
    values: (q: IndicatorValuesQuery) => {
      // what belongs to one request (its signal, deadline, scan limit) is not part of the question
      const { signal, deadline, maxRowsToRead, ...question } = q;
      const key = `v${stableKey(question)}`;
      const ask = () => cached<IndicatorValue[]>(key, () => leaderCut(reader.values(q), signal));
      // a read shared with a request that was cut off fails for that request only: the others ask again
      return ask().catch((error: unknown) => {
        if (error instanceof LeaderCut) {
          if (signal?.aborted) throw error.cause;
          return ask().catch((again: unknown) => {
            throw again instanceof LeaderCut ? again.cause : again;
          });
        }
        throw error;
      });
    },
    periods: (indicator: string) => cached<string[]>(`p${JSON.stringify(indicator)}`, () => reader.periods(indicator)),
    indexValues: (q) => cached<IndexValue[]>(`i${stableKey(q)}`, () => reader.indexValues(q)),
    ...(reader.indexResults ? { indexResults: (q) => cached<IndexResult[]>(`r${stableKey(q)}`, () => reader.indexResults!(q)) } : {}),
    clear: () => entries.clear(),
  };
}

function stableKey(q: object): string {
  const o = q as Record<string, unknown>;
  return JSON.stringify(
    Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => [k, o[k]]),
  );
}

/** A shared read failed because the request that started it was cut off, not because of the question. */
class LeaderCut extends Error {
  constructor(override readonly cause: unknown) {
    super('the request that started this shared read was cut off');
  }
}

function leaderCut<T>(read: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  return read.catch((error: unknown) => {
    throw signal?.aborted ? new LeaderCut(error) : error;
  });
}
