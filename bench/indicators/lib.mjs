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
