// The records of the ingestion benchmarks (bench.mjs, steps.mjs): area statistics with distinct keys
// over the real Köln Stadtteile and monthly periods 1990–2024; beyond areas × periods distinct keys,
// records are corrections (the next version of a key).

// the age bands of einwohner_alter in the feed catalogue
const ages = ['0-3', '3-6', '6-10', '10-15', '15-18', '18-25', '25-35', '35-45', '45-55', '55-60', '60-65', '65-75', '75+'];

/** record(i) of a reference (loadReference('koeln')) with `observations` observations each */
export function benchRecords(reference, observations) {
  // the level the feed catalogue accepts bevoelkerung at (Stadtteil; issue 13: other levels are refused)
  const areas = reference.areas('STADTTEIL').map((a) => ({ level: 'STADTTEIL', code: a.code }));
  const periods = [];
  for (let y = 1990; y <= 2024; y++) for (let m = 1; m <= 12; m++) periods.push(`${y}-${String(m).padStart(2, '0')}`);
  return function record(i) {
    const area = areas[i % areas.length];
    const period = periods[Math.floor(i / areas.length) % periods.length];
    const version = 1 + Math.floor(i / (areas.length * periods.length));
    const obs = [{ measure: 'einwohner', dimensions: {}, value: 1000 + (i % 977) }];
    for (let k = 1; k < observations; k++) obs.push({ measure: 'einwohner_alter', dimensions: { alter: ages[k % ages.length] }, value: 50 + ((i * k) % 313) });
    return {
      key: `bevoelkerung|${area.level}|${area.code}|${period}`,
      version,
      dataset: 'bevoelkerung',
      areaLevel: area.level,
      areaCode: area.code,
      period,
      observations: obs,
      synthetic: true,
      source: 'bench',
    };
  };
}

/**
 * The event the direct arm appends for bench record `r` (what the ingestion service makes of it:
 * EventCodec.encode('area-statistic', 1, …)), delivered at `deliveredAt`.
 */
export function directEvent(r, deliveredAt) {
  return {
    key: r.key,
    version: r.version,
    recordType: 'area-statistic',
    amt: 'statistik',
    deliveryId: '00000000-0000-4000-8000-000000000000',
    deliveredAt,
    deliveredBy: 'statistik-bench',
    tombstone: false,
    payload: { ...r },
  };
}
