// Shared helpers of the indicator benchmarks: package loading from the built dist/ (resolved
// through the platform service's package, which depends on every package the benches use),
// percentiles and formatting.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const fromPlatformRequire = createRequire(join(root, 'services/platform/package.json'));

/** Imports workspace packages by name (their `default` export condition: dist/). */
export async function fromPlatform(name) {
  return import(pathToFileURL(fromPlatformRequire.resolve(name)).href);
}

/** Nearest-rank percentile of a list of numbers. */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function fmtMs(ms) {
  if (!Number.isFinite(ms)) return '    n/a';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2).padStart(6)} s` : `${ms.toFixed(1).padStart(6)} ms`;
}

export const fmtInt = (n) => Math.round(n).toLocaleString('en-US');

/**
 * The observations of the freshness bench's record in slot `s` at `version` (six SGB II cells; a
 * correction changes every value). The live-batch bench projects the same deliveries.
 */
export function sgb2Observations(s, version) {
  const base = 100 + ((s * 7919 + version * 104729) % 900);
  return [
    { measure: 'sgb2_personen', dimensions: { alter: 'u15', geschlecht: 'm' }, value: base },
    { measure: 'sgb2_personen', dimensions: { alter: 'u15', geschlecht: 'w' }, value: base + 11 },
    { measure: 'sgb2_personen', dimensions: { alter: '15-65', geschlecht: 'm' }, value: 3 * base },
    { measure: 'sgb2_personen', dimensions: { alter: '15-65', geschlecht: 'w' }, value: 3 * base + 17 },
    { measure: 'sgb2_bedarfsgemeinschaften', dimensions: {}, value: 2 * base },
    { measure: 'sgb2_bg_alleinerziehend', dimensions: {}, value: Math.floor(base / 3) },
  ];
}

/** A live `sgb2` record event of the Jobcenter for a Köln Stadtteil and period, as the benches project them. */
export function sgb2Event({ area, period, version = 1, deliveryId, observations }) {
  return {
    key: `sgb2|STADTTEIL|${area}|${period}`,
    version,
    tombstone: false,
    deliveredAt: Date.now(),
    amt: 'jobcenter',
    deliveryId,
    payload: { dataset: 'sgb2', areaLevel: 'STADTTEIL', areaCode: area, period, synthetic: true, observations },
  };
}
