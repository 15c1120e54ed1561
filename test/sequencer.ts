// The order in which `vitest run` starts its files: the files that take a minute or more first, so
// that the two workers do not end the run with one long file alone (CI runs on a fresh clone, where
// vitest has no durations from an earlier run to sort by and starts the largest files first: in one
// run the servers-mode demo, 216 s, was the 95th of 106 files to start). The rest in vitest's order.
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * longest first, as full runs on a fresh clone measured them; the servers-mode files (Kafka,
 * PostgreSQL, chdb-http each, and timing assertions on restarts) beside embedded ones, not each other
 */
export const heavyFiles = [
  'test/e2e/servers-demo.e2e.test.ts',
  'test/e2e/platform.e2e.test.ts',
  'test/e2e/servers-restarts.e2e.test.ts',
  'test/e2e/dashboard.e2e.test.ts',
  'test/e2e/servers-kill.e2e.test.ts',
  'test/e2e/embedded-kill.e2e.test.ts',
  'test/e2e/keycloak-sign-in.e2e.test.ts',
  'test/e2e/embedded-repair.e2e.test.ts',
  'packages/eventlog-kafka/src/broker-restart.int.test.ts',
  'services/gateway/src/fairness/abuse.int.test.ts',
  'test/e2e/keycloak-rotation-replicas.e2e.test.ts',
  'test/e2e/aggregator-crash.e2e.test.ts',
  'test/e2e/disclosure.e2e.test.ts',
  'test/e2e/backup-restore-tenants.e2e.test.ts',
];

export class HeavyFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const i = heavyFiles.indexOf(relative(this.ctx.config.root, spec.moduleId));
      return i < 0 ? heavyFiles.length : i;
    };
    // a stable sort: the heavy files in their order, then every other file where vitest put it
    return sorted
      .map((spec, at) => ({ spec, at, rank: rank(spec) }))
      .sort((a, b) => a.rank - b.rank || a.at - b.at)
      .map((s) => s.spec);
  }
}
