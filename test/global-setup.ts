// Tests that start services as child processes run their built `dist/`; build once per test run
// so those processes never run stale code. SWC builds the workspace in a few seconds.
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  if (process.env.SP_SKIP_BUILD === '1') return;
  execFileSync('pnpm', ['-s', 'build'], { stdio: 'inherit' });
}
