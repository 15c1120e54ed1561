// Polls a condition until it holds, for tests that wait on something asynchronous they do not
// control (a projection catching up, a process coming back); fails with a plain message after
// `timeoutMs`.
export async function waitFor(check: () => boolean | Promise<boolean>, { timeoutMs = 60_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Reads until `ok` holds of what was read and returns it (a projection catching up with a delivery);
 * fails after `timeoutMs` naming `what` and the last value read.
 */
export async function eventually<T>(
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  what: string,
  { timeoutMs = 60_000, intervalMs = 200 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not there within ${timeoutMs / 1000} s; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
