// One vitest run for the whole workspace. SWC compiles TypeScript so NestJS gets decorator metadata;
// the "development" export condition makes packages resolve to their sources, so tests need no build.
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';
import { HeavyFirstSequencer } from './test/sequencer.js';

const shared = {
  plugins: [
    swc.vite({
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
        target: 'es2023',
        keepClassNames: true,
      },
    }),
  ],
  resolve: { conditions: ['development'] },
  ssr: { resolve: { conditions: ['development'] } },
};

export default defineConfig({
  ...shared,
  test: {
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
    // the files that take a minute or more start first (test/sequencer.ts)
    sequence: { sequencer: HeavyFirstSequencer },
    reporters: ['default'],
    projects: [
      {
        ...shared,
        test: {
          name: 'unit',
          include: ['{packages,services}/*/src/**/*.unit.test.ts', 'test/**/*.unit.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        ...shared,
        test: {
          name: 'int',
          include: ['{packages,services}/*/src/**/*.{int,e2e}.test.ts', 'test/**/*.{int,e2e}.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          pool: 'forks',
          maxWorkers: 2,
          fileParallelism: true,
        },
      },
    ],
  },
});
