// When infra/bin/test runs a file once more (test/worker-crash.ts): only for a worker that died of
// V8's WebAssembly JIT check with every assertion passed; never for a failed test or another death.
import { describe, expect, it } from 'vitest';
import { filesToRunAgain } from './worker-crash.js';

// as the fresh-clone run of 06c679e printed it (session 27)
const v8Report = `
#
# Fatal error in , line 0
# Check failed: jit_page_->allocations_.erase(addr) == 1.
#
----- Native stack trace -----
 3: 0xd97214 v8::internal::ThreadIsolation::JitPageReference::UnregisterAllocation(unsigned long) [/work/cache/node24/bin/node]
`;
const workerDied = `
 Unhandled Error
Error: [vitest-pool]: Worker forks emitted error.
Caused by: Error: Worker exited unexpectedly
`;
const file = (name: string, ...statuses: string[]) => ({ name, status: 'passed', assertionResults: statuses.map((status) => ({ status })) });
const report = (failed = 0, ...files: ReturnType<typeof file>[]) => ({ numFailedTests: failed, numFailedTestSuites: 0, testResults: files });

describe('a test file run once more after its worker died', () => {
  it('names the file whose tests never ran when the worker died of V8’s WebAssembly JIT check', () => {
    const r = report(0, file('a.int.test.ts', 'passed', 'passed'), file('scenario-form.e2e.test.ts', 'pending', 'pending'), file('b.unit.test.ts', 'passed', 'skipped'));
    expect(filesToRunAgain(r, `${v8Report}${workerDied}`)).toEqual({ files: ['scenario-form.e2e.test.ts'] });
    expect(filesToRunAgain(r, `# Check failed: jit_page.has_value().${workerDied}`)).toEqual({ files: ['scenario-form.e2e.test.ts'] });
  });

  it('runs nothing again when a test failed, a worker died of something else, or more files than deaths left tests unrun', () => {
    const pending = file('c.e2e.test.ts', 'pending');
    expect(filesToRunAgain(report(1, pending), `${v8Report}${workerDied}`)).toHaveProperty('not');
    expect(filesToRunAgain(report(0, pending), `FATAL ERROR: Reached heap limit Allocation failed${workerDied}`)).toHaveProperty('not');
    expect(filesToRunAgain(report(0, pending), `${v8Report}${workerDied}${workerDied}`)).toHaveProperty('not');
    expect(filesToRunAgain(report(0, pending, file('d.e2e.test.ts', 'pending')), `${v8Report}${workerDied}`)).toHaveProperty('not');
    expect(filesToRunAgain(report(0, file('e.int.test.ts', 'passed')), `${v8Report}${workerDied}`)).toHaveProperty('not');
    expect(filesToRunAgain(report(0, pending), v8Report)).toEqual({ not: 'no vitest worker died' });
  });
});
