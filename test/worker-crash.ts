// A vitest worker process that dies of V8's own bookkeeping of WebAssembly JIT code — "# Check failed:
// jit_page_->allocations_.erase(addr) == 1" in ThreadIsolation::UnregisterWasmAllocation, or "Check
// failed: jit_page.has_value()" — is an upstream fault of Node 24's V8 that PGlite's WebAssembly
// triggers now and then (nodejs/node#64500, electric-sql/pglite#1053; no Node release fixes it). It
// failed one fresh-clone run of this suite in eight, every assertion passed, the file's tests never
// ran. infra/bin/test runs such a file's tests once more, and only then: this decides whether a failed
// run is that case and which files to run again. Run by infra/bin/test with node (types stripped):
//   node test/worker-crash.ts <vitest.json> <vitest.log>  → the files, one per line; exit 1 if not that case
import { readFileSync } from 'node:fs';

/** the V8 check that fails, in the worker's fatal-error report */
export const v8WasmJitCheck = /# Check failed: jit_page[_.]/;

interface Report {
  numFailedTests: number;
  numFailedTestSuites: number;
  testResults: { name: string; status: string; assertionResults: { status: string }[] }[];
}

/**
 * The files to run again, or why not: only when the run's output has V8's WebAssembly JIT check and
 * vitest's "Worker exited unexpectedly", no assertion or suite failed, and as many files left tests
 * unrun (status "pending": collected, never started) as workers died — a test that fails, or a worker
 * that dies of anything else, still fails the run.
 */
export function filesToRunAgain(report: Report, log: string): { files: string[] } | { not: string } {
  const deaths = log.split('Worker exited unexpectedly').length - 1;
  if (deaths === 0) return { not: 'no vitest worker died' };
  const checks = log.split('\n').filter((line) => v8WasmJitCheck.test(line)).length;
  if (checks < deaths) return { not: `${deaths} worker(s) died, ${checks} of them of V8's WebAssembly JIT check` };
  if (report.numFailedTests > 0 || report.numFailedTestSuites > 0) return { not: `${report.numFailedTests} test(s) and ${report.numFailedTestSuites} suite(s) failed` };
  const files = report.testResults.filter((file) => file.assertionResults.some((test) => test.status === 'pending')).map((file) => file.name);
  if (files.length === 0 || files.length > deaths) return { not: `${files.length} file(s) left tests unrun where ${deaths} worker(s) died` };
  return { files };
}

if (import.meta.main) {
  const [reportPath, logPath] = process.argv.slice(2);
  const verdict = filesToRunAgain(JSON.parse(readFileSync(reportPath!, 'utf8')) as Report, readFileSync(logPath!, 'utf8'));
  if ('not' in verdict) {
    process.stderr.write(`not run again: ${verdict.not}\n`);
    process.exit(1);
  }
  process.stdout.write(`${verdict.files.join('\n')}\n`);
}
