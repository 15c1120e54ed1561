// Area-statistic record events as the Ämter deliver them, generated as a stream (a backlog of a
// million does not fit in memory as objects): for Köln's Stadtteile, monthly SGB-II records (6
// observations: persons by age × sex, Bedarfsgemeinschaften, Alleinerziehende) and yearly population
// records (30 observations) from 2005-01 on, 88 % of the events; then corrections (version n+1) and
// withdrawals (one in six of those) of random earlier records. The shape of replay.bench.mjs's log;
// every value is a function of the record's index, so a record is regenerated instead of kept.

const ages = ['0-3', '3-6', '6-10', '10-15', '15-18', '18-25', '25-35', '35-45', '45-55', '55-60', '60-65', '65-75', '75+'];

function rng(seed) {
  return () => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed / 2147483648);
}

/** a value in [lo, hi) from the record's index and the observation's position */
function observedValue(k, j, lo, hi) {
  let h = Math.imul(k ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(j + 1, 0xc2b2ae35);
  h ^= h >>> 13;
  h = Math.imul(h, 0x27d4eb2f);
  h ^= h >>> 16;
  return lo + ((h >>> 0) % (hi - lo));
}

/** the k-th first delivery: per year 12 months × the areas (SGB II), then the areas' population record */
export function firstPayload(k, areas) {
  const perYear = 13 * areas.length;
  const year = 2005 + Math.floor(k / perYear);
  const r = k % perYear;
  if (r < 12 * areas.length) {
    const period = `${year}-${String(Math.floor(r / areas.length) + 1).padStart(2, '0')}`;
    const observations = [];
    let j = 0;
    for (const alter of ['u15', '15-65'])
      for (const geschlecht of ['m', 'w']) observations.push({ measure: 'sgb2_personen', dimensions: { alter, geschlecht }, value: observedValue(k, j++, 20, 900) });
    observations.push(
      { measure: 'sgb2_bedarfsgemeinschaften', dimensions: {}, value: observedValue(k, j++, 20, 900) },
      { measure: 'sgb2_bg_alleinerziehend', dimensions: {}, value: observedValue(k, j++, 5, 200) },
    );
    return { dataset: 'sgb2', areaLevel: 'STADTTEIL', areaCode: areas[r % areas.length], period, observations };
  }
  const observations = [{ measure: 'einwohner', dimensions: {}, value: observedValue(k, 0, 3000, 40000) }];
  let j = 1;
  for (const alter of ages) for (const geschlecht of ['m', 'w']) observations.push({ measure: 'einwohner_alter', dimensions: { alter, geschlecht }, value: observedValue(k, j++, 50, 2500) });
  for (const status of ['deutsch_ohne_mh', 'deutsch_mit_mh', 'auslaendisch']) observations.push({ measure: 'einwohner_migration', dimensions: { status }, value: observedValue(k, j++, 100, 20000) });
  return { dataset: 'bevoelkerung', areaLevel: 'STADTTEIL', areaCode: areas[r - 12 * areas.length], period: String(year), observations };
}

/**
 * The record event of payload `p` (without key, version and labels) at `version`, a withdrawal if
 * `tombstone`, delivered at `deliveredAt` (ms): what EventCodec.encode('area-statistic', 1, …) takes.
 */
export function recordEvent(p, version, tombstone, deliveredAt) {
  const key = `${p.dataset}|${p.areaLevel}|${p.areaCode}|${p.period}`;
  return {
    key,
    version,
    recordType: 'area-statistic',
    amt: p.dataset === 'sgb2' ? 'jobcenter' : 'statistik',
    deliveryId: '00000000-0000-4000-8000-000000000000',
    deliveredAt,
    deliveredBy: 'bench',
    tombstone,
    payload: tombstone ? null : { key, version, ...p, synthetic: true, source: 'bench/indicators' },
  };
}

/**
 * Yields `n` record events (plain objects for EventCodec.encode('area-statistic', 1, …)) and keeps
 * what a reader should see in the end: `expected()` gives the present cells and Σ of every measure
 * over the latest versions.
 */
export function areaStatisticEvents(n, areas, { seed = 42, start = Date.UTC(2025, 0, 1) } = {}) {
  const firstCount = Math.round(n * 0.88);
  const random = rng(seed);
  /** record index → its latest version (absent: 1) and whether that is a withdrawal */
  const latest = new Map();
  let t = start;
  const event = (p, version, tombstone) => recordEvent(p, version, tombstone, t++);
  const withVersion = (p, version) => ({ ...p, observations: p.observations.map((o) => ({ ...o, value: o.value + version - 1 })) });
  function* generate() {
    for (let k = 0; k < firstCount; k++) yield event(firstPayload(k, areas), 1, false);
    for (let i = firstCount; i < n; i++) {
      const k = Math.floor(random() * firstCount);
      const version = (latest.get(k)?.version ?? 1) + 1;
      const tombstone = random() < 1 / 6;
      latest.set(k, { version, tombstone });
      yield event(tombstone ? firstPayload(k, areas) : withVersion(firstPayload(k, areas), version), version, tombstone);
    }
  }
  return {
    events: generate(),
    /** present cells and Σ per measure over the latest versions (call after the stream is consumed) */
    expected() {
      let cells = 0;
      const sums = {};
      for (let k = 0; k < firstCount; k++) {
        const l = latest.get(k);
        if (l?.tombstone) continue;
        const p = withVersion(firstPayload(k, areas), l?.version ?? 1);
        cells += p.observations.length; // every observation of these records is a cell of its own
        for (const o of p.observations) sums[o.measure] = (sums[o.measure] ?? 0) + o.value;
      }
      return { cells, sums };
    },
  };
}
